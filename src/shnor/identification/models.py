"""Identification runs and what they found, school by school.

A run keeps everything needed to reproduce it: the preset text and version, the methodology as
applied, and the fingerprints of its inputs (the store's manifest versions, checksums of the
school-level tables). Its results are never edited; a person's changes to the proposed list are
recorded beside them (`ListChange`) and a sign's review on the sign itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shnor.core.identification.uncertainty import uncertain
from shnor.registry.models import School


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "выполняется"
        DONE = "done", "выполнено"
        FAILED = "failed", "ошибка"

    year = models.PositiveSmallIntegerField("отчётный год", db_index=True)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.QUEUED)
    preset = models.CharField("пресет", max_length=100)
    preset_version = models.CharField("версия пресета", max_length=50)
    preset_text = models.TextField("текст пресета")
    methodology = models.JSONField("методика (как применена)", default=dict)
    inputs = models.JSONField("входные данные (отпечатки)", default=dict)
    engine = models.CharField("вычислитель", max_length=16, default="duckdb")
    channel = models.CharField("откуда", max_length=8, default="web")
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    stage = models.CharField("этап", max_length=200, blank=True)
    message = models.TextField("итог", blank=True)
    summary = models.JSONField("сводка", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто запустил"
    )
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    started_at = models.DateTimeField("начато", null=True, blank=True)
    # host:pid of the process computing it, so that a run left «running» by a dead process is found
    # (services.recover).
    worker = models.CharField("процесс", max_length=120, blank=True)
    finished_at = models.DateTimeField("завершено", null=True, blank=True)
    # A run that applies people's reviews of an earlier run's signs: the earlier run and the reviews
    # as applied (school code, year, sign, work, review), so the run can be reproduced.
    reviewed_from = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_runs",
        verbose_name="с учётом рассмотрения признаков расчёта",
    )
    reviews = models.JSONField("применённые решения по признакам", default=list, blank=True)

    class Meta:
        verbose_name = "расчёт идентификации"
        verbose_name_plural = "расчёты идентификации"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Идентификация № {self.pk} за {self.year} год"

    @property
    def preset_title(self) -> str:
        """The preset's title from the text the run keeps (its code if that text no longer reads)."""
        from shnor.presets import from_text

        try:
            return from_text(self.preset_text).title
        except Exception:  # noqa: BLE001  # a copy kept from an older format still names its preset
            return self.preset

    @property
    def is_approved(self) -> bool:
        """Whether the run's list was approved (a decision of shnor.records names the run)."""
        return self.decisions.exists()


class SchoolResult(models.Model):
    """One row of the contract's output table, plus the figures behind it."""

    # Set for the run's table by its view (the list after people's changes), not stored.
    list_group: str
    on_list: bool

    class Cluster(models.TextChoices):
        EFFECTIVE = "effective", "эффективные"
        RESILIENT = "resilient", "резильентные"
        STRUGGLING = "struggling", "несправляющиеся"
        DEPRIVED = "deprived", "депривированные"

    class Group(models.TextChoices):
        """Why a listed school is listed (data contract v1.1, column `group`)."""

        LOW_RESULTS = "low_results", "ШНОР"
        UNFAVOURABLE = "unfavourable", "ШНСУ"
        BOTH = "both", "ШНОР и ШНСУ"
        OTHER = "other", "иное основание"

    run = models.ForeignKey(Run, models.CASCADE, related_name="results", verbose_name="расчёт")
    school = models.ForeignKey(School, models.PROTECT, related_name="identification_results", verbose_name="ОО")
    ior = models.FloatField("ИОР", null=True)
    ior_se = models.FloatField("стандартная ошибка ИОР", null=True)
    ior_raw = models.FloatField("ИОР без сглаживания", null=True)
    ior_reliability = models.FloatField("надёжность ИОР", null=True)
    ior_low = models.BooleanField("низкий ИОР", default=False)
    isb = models.FloatField("ИСБ", null=True)
    isb_low = models.BooleanField("низкий ИСБ", default=False)
    isb_components = models.PositiveSmallIntegerField("составляющих ИСБ", default=0)
    isb_se = models.FloatField("стандартная ошибка ИСБ", null=True)
    isb_low_probability = models.FloatField("вероятность низкого ИСБ", null=True)
    # Codes of the social shares the region collects and the school's record lacks («;»-separated).
    isb_missing = models.CharField("доли ИСБ, которых нет у школы", max_length=300, blank=True)
    cluster = models.CharField("кластер", max_length=16, choices=Cluster.choices, blank=True)
    # Act 004 §4: the clusters again within the school's municipality (for municipal programmes).
    cluster_municipal = models.CharField(
        "кластер в муниципалитете", max_length=16, choices=Cluster.choices, blank=True, db_index=True
    )
    stable_low = models.BooleanField("стабильно низкие результаты", default=False)
    value_added = models.FloatField("добавленная ценность", null=True)
    value_added_low = models.FloatField("добавленная ценность: нижняя граница", null=True)
    value_added_high = models.FloatField("добавленная ценность: верхняя граница", null=True)
    value_added_negative = models.BooleanField("ниже ожидаемого (интервал ниже нуля)", default=False)
    value_added_positive = models.BooleanField("выше ожидаемого (интервал выше нуля)", default=False)
    objectivity_flag = models.BooleanField("признаки необъективности", default=False)
    objectivity_signs = models.CharField("коды признаков", max_length=200, blank=True)
    # The flag by evidence (core/identification/evidence.py): the calibrated z and its details.
    objectivity_z = models.FloatField("сила свидетельств необъективности", null=True)
    objectivity_evidence = models.JSONField("свидетельства необъективности", default=dict, blank=True)
    ior_low_probability = models.FloatField("вероятность низкого ИОР", null=True)
    federal_risk = models.BooleanField("риск низких результатов (федеральный показатель)", default=False)
    orders = models.BooleanField("предписания", default=False)
    complaints = models.BooleanField("жалобы", default=False)
    category = models.CharField("категория", max_length=16, blank=True, db_index=True)
    selected = models.BooleanField("предложена к отбору", default=False, db_index=True)
    reasons = models.CharField("основания отбора", max_length=200, blank=True)
    insufficient_data = models.BooleanField("недостаточно данных", default=False)
    group = models.CharField("группа", max_length=16, choices=Group.choices, blank=True, db_index=True)
    participants = models.PositiveIntegerField("участников за период", default=0)
    components = models.PositiveSmallIntegerField("компонентов ИОР", default=0)
    per_year = models.JSONField("ИОР по годам", default=list, blank=True)

    class Meta:
        verbose_name = "результат идентификации"
        verbose_name_plural = "результаты идентификации"
        ordering = ["run", "school__municipality__name", "school__name"]
        constraints = [models.UniqueConstraint(fields=["run", "school"], name="identification_result_unique")]
        indexes = [models.Index(fields=["run", "cluster"])]

    def __str__(self) -> str:
        return f"{self.school} — {self.run}"

    @property
    def low_uncertain(self) -> bool:
        """Whether the school's membership of the low ИОР zone is uncertain (uncertainty.UNCERTAIN)."""
        return uncertain(self.ior_low_probability)

    @property
    def isb_uncertain(self) -> bool:
        """Whether the school's membership of the low ИСБ zone is uncertain (uncertainty.UNCERTAIN)."""
        return uncertain(self.isb_low_probability)

    @property
    def cluster_uncertain(self) -> bool:
        """Whether the school has a cluster and it is uncertain: either zone's membership is."""
        return bool(self.cluster) and (self.low_uncertain or self.isb_uncertain)


class Component(models.Model):
    """One standardised work of a school in the window: the evidence behind its ИОР."""

    run = models.ForeignKey(Run, models.CASCADE, related_name="components", verbose_name="расчёт")
    school = models.ForeignKey(School, models.PROTECT, related_name="+", verbose_name="ОО")
    year = models.PositiveSmallIntegerField("год")
    procedure = models.CharField("процедура", max_length=16)
    subject = models.CharField("предмет", max_length=32)
    grade = models.PositiveSmallIntegerField("класс")
    participants = models.PositiveIntegerField("участников")
    mean = models.FloatField("средний балл")
    region_mean = models.FloatField("средний балл по региону")
    region_sd = models.FloatField("стандартное отклонение по региону")
    z = models.FloatField("отклонение от региона, в стандартных отклонениях")
    variance = models.FloatField("дисперсия выборки")
    weight = models.FloatField("вес")

    class Meta:
        verbose_name = "компонент ИОР"
        verbose_name_plural = "компоненты ИОР"
        ordering = ["run", "school", "procedure", "subject", "grade", "year"]
        indexes = [models.Index(fields=["run", "school"])]

    def __str__(self) -> str:
        return f"{self.procedure} {self.subject} {self.grade} кл., {self.year}"


class Sign(models.Model):
    class Review(models.TextChoices):
        PENDING = "pending", "не рассмотрен"
        CONFIRMED = "confirmed", "подтверждён"
        REJECTED = "rejected", "отклонён"

    run = models.ForeignKey(Run, models.CASCADE, related_name="signs", verbose_name="расчёт")
    school = models.ForeignKey(School, models.PROTECT, related_name="+", verbose_name="ОО")
    year = models.PositiveSmallIntegerField("год")
    code = models.CharField("признак", max_length=32)
    procedure = models.CharField("процедура", max_length=16, blank=True)
    subject = models.CharField("предмет", max_length=32, blank=True)
    grade = models.PositiveSmallIntegerField("класс", null=True, blank=True)
    value = models.FloatField("значение")
    threshold = models.FloatField("порог")
    reference = models.FloatField("по региону (ожидаемое)")
    evidence = models.JSONField("подробности", default=dict)
    severity = models.CharField("выраженность", max_length=8, default="medium")
    review = models.CharField("рассмотрение", max_length=16, choices=Review.choices, default=Review.PENDING)
    review_note = models.TextField("комментарий", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто рассмотрел",
    )
    reviewed_at = models.DateTimeField("когда рассмотрен", null=True, blank=True)

    class Meta:
        verbose_name = "признак необъективности"
        verbose_name_plural = "признаки необъективности"
        ordering = ["run", "school", "year", "code"]
        indexes = [models.Index(fields=["run", "school"])]

    def __str__(self) -> str:
        return f"{self.code}, {self.year}"


class ListChange(models.Model):
    """A person's change to the proposed list: a school added or removed, with the reason."""

    class Action(models.TextChoices):
        ADD = "add", "включить"
        REMOVE = "remove", "исключить"

    run = models.ForeignKey(Run, models.CASCADE, related_name="changes", verbose_name="расчёт")
    school = models.ForeignKey(School, models.PROTECT, related_name="+", verbose_name="ОО")
    action = models.CharField("действие", max_length=8, choices=Action.choices)
    reason = models.TextField("основание")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "изменение списка"
        verbose_name_plural = "изменения списка"
        ordering = ["run", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.school}"
