"""The management cycle. This first part holds management decisions and the documents that fix
them; indicators, the cyclogram, recommendations and effectiveness join it (issue 7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shnor.registry.models import School


class Decision(models.Model):
    """A management decision (seed 004 §9), fixed in a document with a number and a date."""

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
    schools = models.ManyToManyField(School, related_name="decisions", blank=True, verbose_name="школы")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто принял"
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "управленческое решение"
        verbose_name_plural = "управленческие решения"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display().capitalize()} решение № {self.number} от {self.date:%d.%m.%Y}"


class Document(models.Model):
    """A generated document (DOCX): what it is, the file, its checksum, what it belongs to."""

    class Kind(models.TextChoices):
        ORDER = "order", "приказ"
        ANALYTIC_NOTE = "analytic_note", "аналитическая справка"

    kind = models.CharField("вид документа", max_length=32, choices=Kind.choices)
    title = models.CharField("название", max_length=500)
    file = models.FileField("файл", upload_to="documents/%Y/%m/")
    sha256 = models.CharField("контрольная сумма SHA-256", max_length=64)
    size = models.PositiveIntegerField("размер, байт")
    decision = models.ForeignKey(
        Decision, models.CASCADE, null=True, blank=True, related_name="documents", verbose_name="решение"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто создал"
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "документ"
        verbose_name_plural = "документы"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """A cyclogram item reported overdue for a year (so that it is reported once)."""

    year = models.PositiveSmallIntegerField("год")
    code = models.CharField("пункт циклограммы", max_length=40)
    sent_at = models.DateTimeField("отправлено", auto_now_add=True)

    class Meta:
        verbose_name = "напоминание по циклограмме"
        verbose_name_plural = "напоминания по циклограмме"
        constraints = [models.UniqueConstraint(fields=["year", "code"], name="cycle_reminder_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.year}"
