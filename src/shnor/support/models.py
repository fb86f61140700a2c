"""The support network (docs/guide/support.md): curators, pairs, agreements, consultations, feedback,
events and the bank of effective practices."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shnor.core.support import FORMS
from shnor.registry.models import Municipality, Person, School


class Curator(models.Model):
    """A member of the curator pool: a school (школа-куратор) or an individual tutor/consultant."""

    # Set for the pool's page by services.pool, not stored: approved pairs of the year, unmet criteria.
    load: int
    missing: list[str]
    flags: list[bool | None]  # the criteria met, for the pool's table (views.curator_list)

    class Kind(models.TextChoices):
        SCHOOL = "school", "школа-куратор"
        TUTOR = "tutor", "тьютор / консультант"

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "кандидат"
        INCLUDED = "included", "включён в пул"
        EXCLUDED = "excluded", "исключён"

    kind = models.CharField("вид", max_length=8, choices=Kind.choices, default=Kind.SCHOOL)
    school = models.OneToOneField(
        School, models.PROTECT, null=True, blank=True, related_name="curator", verbose_name="школа"
    )
    person = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="curator_roles", verbose_name="тьютор"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="curator_roles",
        verbose_name="учётная запись тьютора",
    )
    municipality = models.ForeignKey(
        Municipality, models.PROTECT, related_name="curators", verbose_name="муниципалитет"
    )
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    capacity = models.PositiveSmallIntegerField("сколько школ может сопровождать", default=3)
    # Computed criteria (refreshed from the latest identification run) and the operator's marks.
    met = models.JSONField("критерии", default=dict, blank=True)
    year = models.PositiveSmallIntegerField("год расчёта критериев", null=True, blank=True)
    strengths = models.JSONField("сильные стороны (по данным)", default=list, blank=True)
    extra_strengths = models.JSONField("сильные стороны (отмечены оператором)", default=list, blank=True)
    note = models.TextField("примечание", blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "куратор"
        verbose_name_plural = "кураторы"
        ordering = ["municipality__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="school", school__isnull=False) | models.Q(kind="tutor", person__isnull=False),
                name="curator_school_or_person",
            )
        ]

    def __str__(self) -> str:
        if self.school_id:
            return str(self.school)
        return self.person.full_name if self.person is not None else f"куратор {self.pk}"

    @property
    def all_strengths(self) -> list[str]:
        return sorted(set(self.strengths) | set(self.extra_strengths))


class Proposal(models.Model):
    """One run of the matching: what was asked, what the solver proposed, what greedy would do."""

    year = models.PositiveSmallIntegerField("год")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name="кто запустил"
    )
    created_at = models.DateTimeField("создано", auto_now_add=True)
    schools = models.PositiveIntegerField("школ к распределению")
    curators = models.PositiveIntegerField("кураторов в пуле")
    total = models.FloatField("суммарная стоимость")
    greedy_total = models.FloatField("стоимость жадного распределения", null=True)
    unassigned = models.JSONField("не распределены (коды ОО)", default=list, blank=True)
    settings = models.JSONField("параметры", default=dict, blank=True)
    approved_at = models.DateTimeField("утверждено", null=True, blank=True)

    class Meta:
        verbose_name = "предложение по распределению"
        verbose_name_plural = "предложения по распределению"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Распределение {self.year} от {self.created_at:%d.%m.%Y %H:%M}"

    @property
    def greedy_unassigned(self) -> int:
        return int(self.settings.get("greedy_unassigned", 0))

    @property
    def saving(self) -> float | None:
        """Greedy's cost minus the exact one, when both placed the same number of schools."""
        if self.greedy_total is None or self.greedy_unassigned != len(self.unassigned):
            return None
        return self.greedy_total - self.total


class Rule(models.Model):
    """A pair the operator pins or forbids before the matching."""

    class Kind(models.TextChoices):
        PIN = "pin", "закрепить"
        FORBID = "forbid", "запретить"

    school = models.ForeignKey(School, models.CASCADE, related_name="pairing_rules", verbose_name="школа")
    curator = models.ForeignKey(Curator, models.CASCADE, related_name="rules", verbose_name="куратор")
    kind = models.CharField("правило", max_length=8, choices=Kind.choices)
    note = models.CharField("основание", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "правило подбора"
        verbose_name_plural = "правила подбора"
        constraints = [models.UniqueConstraint(fields=["school", "curator"], name="pairing_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display().capitalize()}: {self.school} — {self.curator}"


class Pairing(models.Model):
    """A supported school and its curator for a year, in one of the acts' forms (docs/sources.md)."""

    # Set for the matching page and its export by services (why this curator), not stored.
    reason: str
    brief: str
    covered_labels: list[str]
    uncovered_labels: list[str]
    theme_label: str

    class Form(models.TextChoices):
        PAIR = "pair", FORMS["pair"]
        GROUP = "group", FORMS["group"]
        CONSULTING = "consulting", FORMS["consulting"]
        RESOURCE = "resource", FORMS["resource"]

    class Status(models.TextChoices):
        PROPOSED = "proposed", "предложена"
        APPROVED = "approved", "утверждена"
        ENDED = "ended", "завершена"

    year = models.PositiveSmallIntegerField("год")
    school = models.ForeignKey(School, models.PROTECT, related_name="pairings", verbose_name="сопровождаемая школа")
    curator = models.ForeignKey(Curator, models.PROTECT, related_name="pairings", verbose_name="куратор")
    form = models.CharField("форма", max_length=12, choices=Form.choices, default=Form.PAIR)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposal = models.ForeignKey(
        Proposal, models.SET_NULL, null=True, blank=True, related_name="pairings", verbose_name="предложение"
    )
    cost = models.FloatField("стоимость", default=0)
    distance = models.FloatField("расстояние", default=0)
    basis = models.CharField("основа расстояния", max_length=16, blank=True)
    covered = models.JSONField("слабые стороны, где куратор силён", default=list, blank=True)
    uncovered = models.JSONField("слабые стороны без поддержки", default=list, blank=True)
    # Curator groups (act 001): the problem the group's schools share, and where the group departs
    # from the act because no arrangement avoided it.
    theme = models.CharField("общая проблема группы", max_length=64, blank=True)
    departure = models.CharField(
        "отступление от правил группы",
        max_length=8,
        blank=True,
        choices=[("short", "в группе меньше школ, чем требуется"), ("outside", "у школы нет общей проблемы группы")],
    )
    pinned = models.BooleanField("закреплена оператором", default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="утвердил"
    )
    approved_at = models.DateTimeField("утверждена", null=True, blank=True)
    ended_at = models.DateTimeField("завершена", null=True, blank=True)
    idle_notified = models.BooleanField("о бездействии сообщено", default=False)

    class Meta:
        verbose_name = "пара (школа — куратор)"
        verbose_name_plural = "пары (школа — куратор)"
        ordering = ["-year", "school__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year"], condition=models.Q(status="approved"), name="one_approved_pairing"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} — {self.curator} ({self.year})"


class Agreement(models.Model):
    """Соглашение о сотрудничестве / партнёрский договор of a pair."""

    pairing = models.ForeignKey(Pairing, models.CASCADE, related_name="agreements", verbose_name="пара")
    number = models.CharField("номер", max_length=50)
    date = models.DateField("дата")
    parties = models.TextField("стороны")
    subject = models.TextField("предмет соглашения")
    start = models.DateField("срок действия: с")
    end = models.DateField("срок действия: по")
    file = models.FileField("файл", upload_to="agreements/%Y/")
    sha256 = models.CharField("контрольная сумма SHA-256", max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "соглашение о сотрудничестве"
        verbose_name_plural = "соглашения о сотрудничестве"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"Соглашение № {self.number} от {self.date:%d.%m.%Y}"


class Consultation(models.Model):
    """An entry of the curator's журнал индивидуальных консультаций."""

    class Form(models.TextChoices):
        CONSULTATION = "consultation", "консультация"
        SEMINAR = "seminar", "семинар"
        MASTER_CLASS = "master_class", "мастер-класс"
        OPEN_LESSON = "open_lesson", "открытый урок"
        VISIT = "visit", "выезд в школу"

    pairing = models.ForeignKey(Pairing, models.PROTECT, related_name="consultations", verbose_name="пара")
    date = models.DateField("дата")
    form = models.CharField("форма", max_length=16, choices=Form.choices)
    topic = models.CharField("тема", max_length=500)
    participants = models.PositiveIntegerField("участников")
    hours = models.DecimalField("часов", max_digits=5, decimal_places=1)
    materials = models.TextField("материалы", blank=True)
    file = models.FileField("файл материалов", upload_to="consultations/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name="кто внёс"
    )
    created_at = models.DateTimeField("внесено", auto_now_add=True)

    class Meta:
        verbose_name = "консультация"
        verbose_name_plural = "журнал консультаций"
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["pairing", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.topic}"


class Feedback(models.Model):
    """The supported school's rating of a consultation (журнал обратной связи)."""

    consultation = models.OneToOneField(
        Consultation, models.CASCADE, related_name="feedback", verbose_name="консультация"
    )
    rating = models.PositiveSmallIntegerField("оценка (1–5)")
    useful = models.BooleanField("полезно для работы школы", default=True)
    comment = models.TextField("комментарий", blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name="кто оценил"
    )
    given_at = models.DateTimeField("оценено", auto_now_add=True)

    class Meta:
        verbose_name = "отзыв о консультации"
        verbose_name_plural = "журнал обратной связи"
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5")
        ]

    def __str__(self) -> str:
        return f"Оценка {self.rating}: {self.consultation}"


class Event(models.Model):
    """A seminar, webinar or conference of the support system."""

    class Kind(models.TextChoices):
        SEMINAR = "seminar", "семинар"
        WEBINAR = "webinar", "вебинар"
        CONFERENCE = "conference", "конференция"
        MASTER_CLASS = "master_class", "мастер-класс"
        ROUND_TABLE = "round_table", "круглый стол"

    class Level(models.TextChoices):
        INTERREGIONAL = "interregional", "межрегиональный"
        REGIONAL = "regional", "региональный"
        MUNICIPAL = "municipal", "муниципальный"
        SCHOOL = "school", "школьный"

    title = models.CharField("название", max_length=500)
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    level = models.CharField("уровень", max_length=16, choices=Level.choices)
    date = models.DateField("дата")
    audience = models.CharField("целевая аудитория", max_length=500, blank=True)
    participants = models.PositiveIntegerField("участников", default=0)
    materials = models.TextField("материалы", blank=True)
    url = models.URLField("ссылка на материалы", blank=True)
    municipality = models.ForeignKey(
        Municipality, models.PROTECT, null=True, blank=True, related_name="events", verbose_name="муниципалитет"
    )
    organiser = models.ForeignKey(
        School, models.PROTECT, null=True, blank=True, related_name="organised_events", verbose_name="школа-организатор"
    )
    schools = models.ManyToManyField(School, blank=True, related_name="events", verbose_name="школы-участники")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("внесено", auto_now_add=True)

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return self.title


class Practice(models.Model):
    """An effective practice of a resilient or curator school, for others to borrow."""

    class Status(models.TextChoices):
        DRAFT = "draft", "черновик"
        PUBLISHED = "published", "опубликована"

    title = models.CharField("название", max_length=500)
    school = models.ForeignKey(School, models.PROTECT, related_name="practices", verbose_name="школа")
    summary = models.TextField("кратко: что делает школа")
    description = models.TextField("описание и результат", blank=True)
    factors = models.JSONField("факторы риска, на которые направлена", default=list, blank=True)
    url = models.URLField("материалы", blank=True)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("внесено", auto_now_add=True)

    class Meta:
        verbose_name = "эффективная практика"
        verbose_name_plural = "банк эффективных практик"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title
