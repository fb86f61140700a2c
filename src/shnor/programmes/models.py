"""Programmes (regional, municipal, school and anti-risk), their indicators and activities, the
review workflow, monitoring waves and exit from the programme (docs/guide/programmes.md; acts 001–004)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from shnor.core.programmes import effective_status
from shnor.registry.models import Municipality, School


class Programme(models.Model):
    class Level(models.TextChoices):
        REGION = "region", "региональная программа"
        MUNICIPALITY = "municipality", "муниципальная программа (дорожная карта)"
        SCHOOL = "school", "программа школы"
        ANTI_RISK = "anti_risk", "антирисковая программа"

    class Status(models.TextChoices):
        DRAFT = "draft", "черновик"
        SUBMITTED = "submitted", "направлена на согласование"
        REVIEW = "review", "на рассмотрении у куратора"
        RETURNED = "returned", "возвращена на доработку"
        APPROVED = "approved", "согласована"
        IN_FORCE = "in_force", "действует"
        COMPLETED = "completed", "завершена (выход из программы)"

    level = models.CharField("уровень", max_length=16, choices=Level.choices)
    title = models.CharField("название", max_length=500)
    goal = models.TextField("цель")
    tasks = models.TextField("задачи (по одной в строке)", blank=True)
    school = models.ForeignKey(
        School, models.PROTECT, null=True, blank=True, related_name="programmes", verbose_name="ОО"
    )
    municipality = models.ForeignKey(
        Municipality, models.PROTECT, null=True, blank=True, related_name="programmes", verbose_name="муниципалитет"
    )
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name="основная программа"
    )
    risk_factor = models.CharField("фактор риска", max_length=8, blank=True)
    template = models.CharField("шаблон", max_length=64, blank=True)
    source = models.CharField("основание (документ)", max_length=500, blank=True)
    # [{"title": str, "done_on": "YYYY-MM-DD" | None}] — the steps of a regulation (act 002).
    regulation = models.JSONField("шаги регламента", default=list, blank=True)
    start = models.DateField("начало")
    end = models.DateField("окончание")
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.DRAFT)
    exit_decision = models.ForeignKey(
        "records.Decision", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="решение о выходе"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="автор"
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)
    # Moves on at every change of the programme or its parts; the edit form carries the one it was
    # opened with, and a save from an outdated page is refused (optimistic locking).
    revision = models.PositiveIntegerField("редакция", default=0, editable=False)

    class Meta:
        verbose_name = "программа"
        verbose_name_plural = "программы"
        ordering = ["-start", "level", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The revision is moved only by services.claim and services.touch (an UPDATE … + 1), never
        # written back from an instance read before someone else's change.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "revision"
            ]
        super().save(*args, **kwargs)

    def owner_label(self) -> str:
        if self.school_id:
            return str(self.school)
        if self.municipality_id:
            return str(self.municipality)
        return "Регион"

    def task_list(self) -> list[str]:
        return [t.strip() for t in self.tasks.splitlines() if t.strip()]

    @property
    def is_live(self) -> bool:
        """Deadlines and the plan line are judged only once a programme is agreed and being carried out."""
        return self.status in (self.Status.APPROVED, self.Status.IN_FORCE)


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGHER = "higher_better", "больше — лучше"
        LOWER = "lower_better", "меньше — лучше"

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="indicators", verbose_name="программа")
    title = models.CharField("показатель", max_length=500)
    unit = models.CharField("единица", max_length=40, blank=True)
    baseline = models.FloatField("базовое значение", null=True, blank=True)
    target = models.FloatField("целевое значение")
    actual = models.FloatField("фактическое значение", null=True, blank=True)
    direction = models.CharField("направление", max_length=16, choices=Direction.choices, default=Direction.HIGHER)
    binding = models.CharField(
        "привязка к расчётному значению",
        max_length=32,
        blank=True,
        help_text="ior, isb, value_added, fixed_risks, activities_done, risk:R01 или param:R01.2 — "
        "тогда фактическое значение обновляется само.",
    )
    source = models.CharField("источник", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField("порядок", default=0)
    updated_at = models.DateTimeField("обновлено", null=True, blank=True)
    off_track_notified = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = "показатель программы"
        verbose_name_plural = "показатели программы"
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "запланировано"
        IN_PROGRESS = "in_progress", "выполняется"
        DONE = "done", "выполнено"
        OVERDUE = "overdue", "просрочено"
        CANCELLED = "cancelled", "отменено"

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="activities", verbose_name="программа")
    phase = models.CharField("этап / направление", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField("№", default=0)
    title = models.CharField("мероприятие", max_length=1000)
    responsible = models.CharField("ответственный", max_length=300, blank=True)
    # A period of two dates («март-апрель»): its first day; empty — a deadline only.
    starts = models.DateField("начало", null=True, blank=True)
    deadline = models.DateField("срок", null=True, blank=True)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField("выполнено", null=True, blank=True)
    result = models.CharField("ожидаемый результат", max_length=1000, blank=True)
    note = models.TextField("комментарий", blank=True)

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts and self.deadline and self.starts > self.deadline:
            raise ValidationError({"starts": "Начало мероприятия позже его срока."})

    def status_on(self, on: dt.date, live: bool = True) -> str:
        """The status as of `on`: overdue once past its deadline undone, while the programme is live."""
        return effective_status(self.status, self.deadline, on) if live else self.status


class Evidence(models.Model):
    """A file or a link that shows an activity was done."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="evidence", verbose_name="мероприятие")
    title = models.CharField("описание", max_length=300)
    file = models.FileField("файл", upload_to="evidence/%Y/%m/", blank=True)
    link = models.URLField("ссылка", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто добавил"
    )
    added_at = models.DateTimeField("добавлено", auto_now_add=True)

    class Meta:
        verbose_name = "подтверждение выполнения"
        verbose_name_plural = "подтверждения выполнения"
        ordering = ["activity", "added_at"]

    def __str__(self) -> str:
        return self.title


class Transition(models.Model):
    """One step of the review workflow, with who took it and why."""

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="transitions", verbose_name="программа")
    from_status = models.CharField("из состояния", max_length=16, choices=Programme.Status.choices)
    to_status = models.CharField("в состояние", max_length=16, choices=Programme.Status.choices)
    comment = models.TextField("комментарий", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "переход по маршруту согласования"
        verbose_name_plural = "маршрут согласования"
        ordering = ["programme", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Wave(models.Model):
    """A monitoring wave: a frozen snapshot of indicators, activities and the risk profile."""

    class Kind(models.TextChoices):
        ENTRY = "entry", "входной мониторинг"
        INTERIM = "interim", "промежуточный мониторинг"
        FINAL = "final", "итоговый мониторинг"

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="waves", verbose_name="программа")
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    date = models.DateField("дата")
    snapshot = models.JSONField("снимок", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто провёл"
    )
    created_at = models.DateTimeField("проведён", auto_now_add=True)

    class Meta:
        verbose_name = "волна мониторинга"
        verbose_name_plural = "волны мониторинга"
        ordering = ["programme", "date", "pk"]
        constraints = [models.UniqueConstraint(fields=["programme", "kind"], name="wave_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display().capitalize()} от {self.date:%d.%m.%Y}"
