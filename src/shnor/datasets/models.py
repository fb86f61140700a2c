"""Imports and the school-level data they load (docs/data-contract.md: `social`, `survey`, `oversight`).

Student-, task- and school-aggregate results live in the columnar store (shnor.engine.store);
an ImportRun records every load into either place, with the file's checksum, the validation
report and what is needed to undo it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shnor.core.contract import TABLES
from shnor.registry.models import School

KIND_CHOICES = [(name, t.title) for name, t in TABLES.items()]


class ColumnMapping(models.Model):
    name = models.CharField("название", max_length=100, unique=True)
    kind = models.CharField("таблица", max_length=32, choices=KIND_CHOICES)
    title = models.CharField("описание", max_length=300, blank=True)
    spec = models.JSONField("сопоставление", help_text="shnor.ingest.mapping.Mapping")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="автор"
    )
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "сопоставление столбцов"
        verbose_name_plural = "сопоставления столбцов"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "файл загружен, не проверен"
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "выполняется"
        APPLIED = "applied", "загружено"
        FAILED = "failed", "отклонено"
        INTERRUPTED = "interrupted", "прервано"
        ROLLED_BACK = "rolled_back", "отменено"

    class Channel(models.TextChoices):
        WEB = "web", "веб-интерфейс"
        API = "api", "API"
        CLI = "cli", "командная строка"

    kind = models.CharField("таблица", max_length=32, choices=KIND_CHOICES)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    channel = models.CharField("откуда", max_length=8, choices=Channel.choices, default=Channel.WEB)
    file_name = models.CharField("файл", max_length=300)
    stored_path = models.CharField("сохранённая копия", max_length=500, blank=True)
    file_size = models.BigIntegerField("размер, байт", default=0)
    sha256 = models.CharField("контрольная сумма SHA-256", max_length=64, db_index=True)
    source = models.JSONField("формат файла", default=dict, blank=True)
    mapping = models.ForeignKey(
        ColumnMapping, models.SET_NULL, null=True, blank=True, related_name="runs", verbose_name="сопоставление"
    )
    mapping_spec = models.JSONField("сопоставление (как применено)", null=True, blank=True)
    read_options = models.JSONField(
        "параметры чтения", default=dict, blank=True, help_text="разделитель, кодировка, строка заголовка, лист"
    )
    year = models.PositiveSmallIntegerField("год (параметр загрузки)", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто загрузил"
    )
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("начато", null=True, blank=True)
    finished_at = models.DateTimeField("завершено", null=True, blank=True)
    estimated_rows = models.BigIntegerField("оценка числа строк", default=0)
    rows_read = models.BigIntegerField("прочитано строк", default=0)
    rows_added = models.BigIntegerField("добавлено строк", default=0)
    rows_updated = models.BigIntegerField("изменено строк", default=0)
    rows_unchanged = models.BigIntegerField("без изменений", default=0)
    rows_removed = models.BigIntegerField("заменено или удалено строк", default=0)
    errors = models.PositiveIntegerField("ошибок", default=0)
    warnings = models.PositiveIntegerField("предупреждений", default=0)
    issues = models.JSONField("замечания (первые)", default=list, blank=True)
    summary = models.JSONField("сводка замечаний", default=list, blank=True)
    years = models.JSONField("затронутые годы", default=list, blank=True)
    message = models.TextField("итог", blank=True)
    undo = models.BinaryField("данные для отката", null=True, blank=True, editable=False)
    rolled_back_at = models.DateTimeField("отменено", null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто отменил"
    )

    class Meta:
        verbose_name = "загрузка данных"
        verbose_name_plural = "загрузки данных"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Загрузка № {self.pk}: {self.get_kind_display()} из «{self.file_name}»"

    @property
    def store_id(self) -> str:
        """The name this import has in the columnar store's manifests."""
        return f"i{self.pk}"

    @property
    def progress(self) -> int:
        if self.status in (self.Status.APPLIED, self.Status.FAILED, self.Status.ROLLED_BACK):
            return 100
        if not self.estimated_rows:
            return 0
        return min(99, int(100 * self.rows_read / self.estimated_rows))

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.DRAFT, self.Status.QUEUED, self.Status.RUNNING)


class SocialRecord(models.Model):
    year = models.PositiveSmallIntegerField("год")
    school = models.ForeignKey(School, models.PROTECT, related_name="social", verbose_name="ОО")
    students = models.PositiveIntegerField("численность обучающихся")
    # Required by the contract; empty only when a column mapping declares the source does not collect it.
    share_parents_no_higher_ed = models.FloatField(
        "доля из семей, где оба родителя без высшего образования", null=True, blank=True
    )
    share_unemployed_parents = models.FloatField("доля из семей с безработными родителями", null=True, blank=True)
    share_on_register = models.FloatField("доля состоящих на учёте", null=True, blank=True)
    share_disabilities = models.FloatField("доля обучающихся с ОВЗ", null=True, blank=True)
    share_non_native = models.FloatField("доля с неродным русским языком", null=True, blank=True)
    share_low_income = models.FloatField("доля из малообеспеченных семей", null=True, blank=True)
    share_single_parent = models.FloatField("доля из неполных семей", null=True, blank=True)
    share_large_families = models.FloatField("доля из многодетных семей", null=True, blank=True)

    class Meta:
        verbose_name = "социальный контекст"
        verbose_name_plural = "социальный контекст"
        ordering = ["-year", "school"]
        constraints = [models.UniqueConstraint(fields=["year", "school"], name="social_year_school_unique")]

    def __str__(self) -> str:
        return f"{self.school}, {self.year}"


class SurveyValue(models.Model):
    year = models.PositiveSmallIntegerField("год")
    school = models.ForeignKey(School, models.PROTECT, related_name="survey", verbose_name="ОО")
    parameter = models.CharField("параметр", max_length=40)
    value = models.FloatField("значение")
    respondents = models.PositiveIntegerField("число респондентов", null=True, blank=True)

    class Meta:
        verbose_name = "результат анкетирования"
        verbose_name_plural = "результаты анкетирования"
        ordering = ["-year", "school", "parameter"]
        constraints = [models.UniqueConstraint(fields=["year", "school", "parameter"], name="survey_unique")]

    def __str__(self) -> str:
        return f"{self.school}, {self.parameter}, {self.year}"


class OversightSignal(models.Model):
    class Kind(models.TextChoices):
        ORDER = "order", "предписание надзорного органа"
        COMPLAINT = "complaint", "обоснованная жалоба родителей"

    year = models.PositiveSmallIntegerField("год")
    school = models.ForeignKey(School, models.PROTECT, related_name="oversight", verbose_name="ОО")
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    count = models.PositiveIntegerField("количество")

    class Meta:
        verbose_name = "сигнал надзора"
        verbose_name_plural = "сигналы надзора"
        ordering = ["-year", "school", "kind"]
        constraints = [models.UniqueConstraint(fields=["year", "school", "kind"], name="oversight_unique")]

    def __str__(self) -> str:
        return f"{self.school}, {self.get_kind_display()}, {self.year}"
