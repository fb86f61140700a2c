"""Management decisions (docs/guide/cycle.md) and the documents that fix them.

The tables keep the names they had in the cycle app (`cycle_decision`, `cycle_document` and the
decision's link tables): the models moved, the data did not. What a decision or a document belongs
to above this layer (a run, a conclusion, recommendations, measures, a meeting) is named by its
label, never imported, so the stage apps below the cycle can create records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from shnor.registry.models import Municipality, School


def who(verbose_name: str) -> models.ForeignKey[Any, Any]:
    """Who did something: a user, kept empty if the account is deleted (the audit log keeps the name)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=verbose_name
    )


class Level(models.TextChoices):
    REGION = "region", "региональный"
    MUNICIPALITY = "municipality", "муниципальный"
    SCHOOL = "school", "школьный"


class Decision(models.Model):
    """A management decision (docs/guide/cycle.md, «Управленческие решения»), fixed in a document
    with a number and a date."""

    class Kind(models.TextChoices):
        ORGANISING = "organising", "организующее"
        ACTIVATING = "activating", "активизирующее"
        COORDINATING = "coordinating", "координирующее"
        CONTROLLING = "controlling", "контролирующее"
        STIMULATING = "stimulating", "стимулирующее"

    kind = models.CharField("вид решения", max_length=16, choices=Kind.choices)
    title = models.CharField("содержание", max_length=500)
    number = models.CharField("номер документа", max_length=50)
    date = models.DateField("дата документа")
    basis = models.TextField("основание (анализ)", blank=True)
    identification_run = models.ForeignKey(
        "identification.Run",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name="расчёт идентификации",
    )
    schools = models.ManyToManyField(
        School, related_name="decisions", blank=True, verbose_name="школы", db_table="cycle_decision_schools"
    )
    level = models.CharField("уровень", max_length=16, choices=Level.choices, default=Level.REGION)
    municipality = models.ForeignKey(
        Municipality, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    document_kind = models.CharField(
        "вид документа",
        max_length=16,
        choices=[("order", "приказ"), ("disposition", "распоряжение"), ("protocol", "протокол")],
        default="order",
    )
    conclusion = models.ForeignKey(
        "cycle.Conclusion", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="анализ"
    )
    recommendations = models.ManyToManyField(
        "cycle.Recommendation",
        related_name="decisions",
        blank=True,
        verbose_name="рекомендации",
        db_table="cycle_decision_recommendations",
    )
    measures = models.ManyToManyField(
        "cycle.Measure", related_name="decisions", blank=True, verbose_name="меры", db_table="cycle_decision_measures"
    )
    items = models.JSONField("пункты решения", default=list, blank=True)
    due = models.DateField("срок исполнения", null=True, blank=True)
    executed_at = models.DateField("исполнено", null=True, blank=True)
    execution = models.TextField("сведения об исполнении", blank=True)
    created_by = who("кто принял")
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        db_table = "cycle_decision"
        verbose_name = "управленческое решение"
        verbose_name_plural = "управленческие решения"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display().capitalize()} решение № {self.number} от {self.date:%d.%m.%Y}"

    def execution_status(self, on: dt.date | None = None) -> str:
        """«исполнено», «просрочено» (past its due date on `on`, today by default), «на исполнении»
        or «без срока»."""
        if self.executed_at:
            return "исполнено"
        if self.due and self.due < (on or timezone.localdate()):
            return "просрочено"
        return "на исполнении" if self.due else "без срока"


class Document(models.Model):
    """A generated document (DOCX): what it is, the file, its checksum, what it belongs to.
    Written only through `shnor.records.services.store_document`."""

    class Kind(models.TextChoices):
        ORDER = "order", "приказ"
        ANALYTIC_NOTE = "analytic_note", "аналитическая справка"
        DISPOSITION = "disposition", "распоряжение"
        PROTOCOL = "protocol", "протокол"
        RECOMMENDATION = "recommendation", "адресные рекомендации"
        EFFECT_REPORT = "effect_report", "отчёт об эффективности принятых мер"

    kind = models.CharField("вид документа", max_length=32, choices=Kind.choices)
    title = models.CharField("название", max_length=500)
    file = models.FileField("файл", upload_to="documents/%Y/%m/")
    sha256 = models.CharField("контрольная сумма SHA-256", max_length=64)
    size = models.PositiveIntegerField("размер, байт")
    decision = models.ForeignKey(
        Decision, models.CASCADE, null=True, blank=True, related_name="documents", verbose_name="решение"
    )
    recommendation = models.ForeignKey(
        "cycle.Recommendation",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name="рекомендация",
    )
    meeting = models.ForeignKey(
        "cycle.Meeting", models.CASCADE, null=True, blank=True, related_name="documents", verbose_name="заседание"
    )
    year = models.PositiveSmallIntegerField("год", null=True, blank=True)
    created_by = who("кто создал")
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        db_table = "cycle_document"
        verbose_name = "документ"
        verbose_name_plural = "документы"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title
