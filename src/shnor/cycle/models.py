"""The management cycle (act 004 §§2–10): goals and tasks, per-year targets of the indicators,
the analysts' conclusions, addressed recommendations, measures, management decisions with their
documents, working-group meetings and the reminders of the cyclogram."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from shnor.records.models import Level
from shnor.records.models import who as _who
from shnor.registry.models import Municipality, School


class Goal(models.Model):
    """A goal or a task of the regional (municipality empty) or a municipal system for a year."""

    class Kind(models.TextChoices):
        GOAL = "goal", "цель"
        TASK = "task", "задача"

    year = models.PositiveSmallIntegerField("год")
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    kind = models.CharField("вид", max_length=8, choices=Kind.choices)
    text = models.TextField("формулировка")
    position = models.PositiveSmallIntegerField("порядок", default=0)
    updated_by = _who("кто изменил")
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "цель или задача"
        verbose_name_plural = "цели и задачи"
        ordering = ["year", "municipality_id", "kind", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Target(models.Model):
    """The target of a system indicator set for one year (otherwise the preset's)."""

    year = models.PositiveSmallIntegerField("год")
    code = models.CharField("показатель", max_length=40)
    value = models.FloatField("целевое значение")
    set_by = _who("кто установил")
    set_at = models.DateTimeField("установлено", auto_now=True)

    class Meta:
        verbose_name = "целевое значение показателя"
        verbose_name_plural = "целевые значения показателей"
        constraints = [models.UniqueConstraint(fields=["year", "code"], name="cycle_target_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.year}: {self.value}"


class Conclusion(models.Model):
    """An analyst's conclusions on one of act 004 §6's four directions for a year, for the
    region (municipality empty) or a municipality."""

    class Direction(models.TextChoices):
        IDENTIFICATION = "identification", "Выявление ШНОР и ШНСУ"
        DYNAMICS = "dynamics", "Динамика образовательных результатов ШНОР и ШНСУ"
        COMPETENCES = "competences", "Оценка предметных компетенций педагогов"
        ASSISTANCE = "assistance", "Оказание методической помощи"

    year = models.PositiveSmallIntegerField("год")
    direction = models.CharField("направление", max_length=16, choices=Direction.choices)
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    text = models.TextField("выводы")
    updated_by = _who("кто написал")
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "выводы анализа"
        verbose_name_plural = "выводы анализа"
        constraints = [
            models.UniqueConstraint(fields=["year", "direction", "municipality"], name="cycle_conclusion_unique"),
            models.UniqueConstraint(
                fields=["year", "direction"],
                condition=models.Q(municipality=None),
                name="cycle_conclusion_region_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.year}"


class Recommendation(models.Model):
    """An addressed recommendation (act 004 §7): to a municipality, a school head or a curator
    school. Drafted from the data, edited by a person, issued as a DOCX, read and reported on by
    the addressee."""

    class Addressee(models.TextChoices):
        MUNICIPALITY = "municipality", "органу управления образованием муниципалитета"
        SCHOOL = "school", "руководителю школы"
        CURATOR = "curator", "школе-куратору"

    class Status(models.TextChoices):
        DRAFT = "draft", "проект"
        ISSUED = "issued", "направлена"
        READ = "read", "получена адресатом"
        REPORTED = "reported", "исполнение доложено"

    year = models.PositiveSmallIntegerField("год")
    addressee = models.CharField("адресат", max_length=16, choices=Addressee.choices)
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, related_name="+", verbose_name="муниципалитет адресата"
    )
    school = models.ForeignKey(
        School, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="школа адресата"
    )
    curator = models.ForeignKey(
        "support.Curator", models.CASCADE, null=True, blank=True, related_name="+", verbose_name="куратор"
    )
    level = models.CharField("уровень", max_length=16, choices=Level.choices, default=Level.REGION)
    title = models.CharField("заголовок", max_length=500)
    findings = models.TextField("что выявлено")
    text = models.TextField("рекомендации")
    due = models.DateField("срок отчёта", null=True, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("версия", default=1)
    created_by = _who("кто составил")
    created_at = models.DateTimeField("создано", auto_now_add=True)
    issued_at = models.DateTimeField("направлено", null=True, blank=True)
    issued_by = _who("кто направил")
    read_at = models.DateTimeField("получено", null=True, blank=True)
    read_by = _who("кто получил")
    report = models.TextField("отчёт об исполнении", blank=True)
    reported_at = models.DateTimeField("доложено", null=True, blank=True)
    reported_by = _who("кто доложил")

    class Meta:
        verbose_name = "адресная рекомендация"
        verbose_name_plural = "адресные рекомендации"
        ordering = ["-year", "addressee", "municipality__name", "school__name", "pk"]

    def __str__(self) -> str:
        return self.title

    def addressee_kind(self) -> str:
        """«школе-куратору», or «куратору-тьютору» for a tutor (a person, not a school)."""
        if self.addressee == self.Addressee.CURATOR and self.curator is not None and self.curator.school_id is None:
            return "куратору-тьютору"
        return self.get_addressee_display()

    def addressee_label(self) -> str:
        if self.addressee == self.Addressee.MUNICIPALITY:
            return self.municipality.name
        return self.school.name if self.school else str(self.curator)


class Measure(models.Model):
    """A measure or an event planned on the results of the analysis (act 004 §8) and tracked."""

    class Direction(models.TextChoices):
        PREPARATION = "preparation", "повышение качества подготовки обучающихся"
        NETWORK = "network", "развитие сетевого взаимодействия"
        METHODICAL = "methodical", "адресная методическая поддержка"
        CURATORS = "curators", "привлечение школ-кураторов (управленческое менторство)"
        MANAGEMENT = "management", "подготовка управленческих команд"
        TRAINING = "training", "программы повышения квалификации педагогов"

    class Status(models.TextChoices):
        PLANNED = "planned", "запланировано"
        IN_PROGRESS = "in_progress", "выполняется"
        DONE = "done", "выполнено"
        CANCELLED = "cancelled", "отменено"

    year = models.PositiveSmallIntegerField("год")
    title = models.CharField("мера, мероприятие", max_length=500)
    direction = models.CharField("направление", max_length=16, choices=Direction.choices)
    level = models.CharField("уровень", max_length=16, choices=Level.choices, default=Level.REGION)
    municipality = models.ForeignKey(
        Municipality, models.CASCADE, null=True, blank=True, related_name="+", verbose_name="муниципалитет"
    )
    schools = models.ManyToManyField(School, related_name="+", blank=True, verbose_name="школы")
    responsible = models.CharField("ответственный", max_length=300)
    start = models.DateField("начало")
    end = models.DateField("окончание")
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.PLANNED)
    result = models.TextField("результат", blank=True)
    recommendation = models.ForeignKey(
        Recommendation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name="по рекомендации",
    )
    created_by = _who("кто внёс")
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "мера (мероприятие)"
        verbose_name_plural = "меры и мероприятия"
        ordering = ["-year", "start", "pk"]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, on: dt.date | None = None) -> bool:
        """Planned or under way past its end (`on`, today by default)."""
        return self.status in (self.Status.PLANNED, self.Status.IN_PROGRESS) and self.end < (on or timezone.localdate())


class Meeting(models.Model):
    """A meeting of the working group (act 000): agenda, heard, resolved, vote; a protocol."""

    body = models.CharField("рабочая группа", max_length=500)
    number = models.CharField("номер протокола", max_length=50)
    date = models.DateField("дата заседания")
    chair = models.CharField("руководитель рабочей группы", max_length=300)
    secretary = models.CharField("секретарь", max_length=300)
    created_by = _who("кто внёс")
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "заседание рабочей группы"
        verbose_name_plural = "заседания рабочей группы"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Протокол № {self.number} от {self.date:%d.%m.%Y}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="items", verbose_name="заседание")
    position = models.PositiveSmallIntegerField("номер вопроса")
    title = models.CharField("вопрос повестки", max_length=500)
    heard = models.TextField("слушали", blank=True)
    resolved = models.TextField("постановили", blank=True)
    votes_for = models.PositiveIntegerField("за", default=0)
    votes_against = models.PositiveIntegerField("против", default=0)
    votes_abstained = models.PositiveIntegerField("воздержались", default=0)

    class Meta:
        verbose_name = "вопрос повестки"
        verbose_name_plural = "вопросы повестки"
        ordering = ["meeting", "position"]
        constraints = [models.UniqueConstraint(fields=["meeting", "position"], name="cycle_agenda_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


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
