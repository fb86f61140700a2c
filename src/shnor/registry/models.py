"""The registry: region, municipalities, schools, infrastructure bodies and people (docs/guide/roles.md, docs/guide/registry.md)."""

from __future__ import annotations

from django.db import models


class Region(models.Model):
    code = models.CharField("код", max_length=32, unique=True)
    name = models.CharField("наименование", max_length=200)
    preset = models.CharField("пресет методики", max_length=100, blank=True)
    # The requisites of the region's documents (issue 24): who issues and signs them, who prepared them.
    authority = models.CharField(
        "орган управления образованием",
        max_length=300,
        blank=True,
        help_text="Как в бланке документа, например «Комитет образования Волгоградской области». Если не указан — "
        "из пресета для его региона, иначе «Орган управления образованием» с наименованием региона.",
    )
    head_title = models.CharField(
        "должность подписывающего", max_length=200, blank=True, help_text="Например, «Председатель комитета»."
    )
    head_name = models.CharField(
        "инициалы и фамилия подписывающего", max_length=200, blank=True, help_text="Например, «А. А. Иванова»."
    )
    executor = models.CharField(
        "исполнитель", max_length=300, blank=True, help_text="Фамилия, имя, отчество и должность исполнителя."
    )
    executor_contacts = models.CharField(
        "контакты исполнителя", max_length=300, blank=True, help_text="Телефон и адрес электронной почты."
    )

    class Meta:
        verbose_name = "регион"
        verbose_name_plural = "регионы"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    class Kind(models.TextChoices):
        CITY_OKRUG = "city_okrug", "городской округ"
        DISTRICT = "municipal_district", "муниципальный район"
        MUNICIPAL_OKRUG = "municipal_okrug", "муниципальный округ"

    region = models.ForeignKey(Region, models.PROTECT, related_name="municipalities", verbose_name="регион")
    code = models.CharField("код", max_length=32)
    name = models.CharField("наименование", max_length=200)
    kind = models.CharField("вид", max_length=32, choices=Kind.choices, default=Kind.DISTRICT)
    neighbours = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name="соседние муниципалитеты")

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="municipality_code_unique")]
        # Lists of schools and results in municipality order read a page off this index instead of
        # sorting the whole region (PostgreSQL: 36 ms → 0.3 ms for 40,000 schools).
        indexes = [models.Index(fields=["name", "id"], name="municipality_name_idx")]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """A school of the contract's `schools` table (docs/data-contract.md), field for field, plus bookkeeping."""

    class Locality(models.TextChoices):
        CITY = "city", "город"
        RURAL = "rural", "село"

    school_id = models.CharField("код ОО", max_length=64, unique=True)
    name = models.CharField("наименование ОО", max_length=500)
    municipality = models.ForeignKey(Municipality, models.PROTECT, related_name="schools", verbose_name="муниципалитет")
    locality = models.CharField("тип местности", max_length=8, choices=Locality.choices)
    enrollment = models.PositiveIntegerField("численность обучающихся", default=0)
    lat = models.FloatField("широта", null=True, blank=True)
    lon = models.FloatField("долгота", null=True, blank=True)
    innovation_site = models.BooleanField("региональная инновационная площадка", default=False)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="branches",
        verbose_name="головная ОО",
        help_text="Для филиала — школа, филиалом которой он является.",
    )
    last_grade = models.PositiveSmallIntegerField(
        "старший класс", null=True, blank=True, help_text="4 — начальная, 9 — основная, 11 — средняя школа."
    )
    is_active = models.BooleanField("действующая", default=True)

    class Meta:
        verbose_name = "общеобразовательная организация"
        verbose_name_plural = "общеобразовательные организации"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["municipality", "name"]),
            models.Index(fields=["name", "id"], name="school_name_idx"),  # a page by name, not a sort of all
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_small(self) -> bool:
        """Малокомплектная: fewer than 40 pupils (its results are mostly noise)."""
        return self.enrollment < 40


class InfrastructureBody(models.Model):
    """A body of the support infrastructure (act 000, table 1)."""

    class Kind(models.TextChoices):
        REGIONAL_WORKING_GROUP = "regional_working_group", "региональная рабочая группа"
        MUNICIPAL_WORKING_GROUP = "municipal_working_group", "муниципальная рабочая группа"
        OPERATOR = "operator", "региональный оператор"
        METHODOLOGICAL_ASSOCIATION = "methodological_association", "муниципальное методическое объединение"
        CONSULTATION_POINT = "consultation_point", "консультационный пункт"
        CONSULTING_CENTRE = "consulting_centre", "школа — консалтинговый центр"
        RESOURCE_CENTRE = "resource_centre", "ресурсный центр"
        TUTOR_COMMUNITY = "tutor_community", "сообщество консультантов и тьюторов"
        INFORMATION_RESOURCE = "information_resource", "информационный ресурс"

    kind = models.CharField("вид", max_length=40, choices=Kind.choices)
    name = models.CharField("наименование", max_length=500)
    municipality = models.ForeignKey(
        Municipality,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name="муниципалитет",
        help_text="Пусто — региональный уровень.",
    )
    school = models.ForeignKey(
        School, models.PROTECT, null=True, blank=True, related_name="bodies", verbose_name="базовая ОО"
    )
    functions = models.TextField("функциональные обязанности", blank=True)
    url = models.URLField("адрес в сети", blank=True)
    is_active = models.BooleanField("действует", default=True)

    class Meta:
        verbose_name = "структура инфраструктуры"
        verbose_name_plural = "инфраструктура"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> str:
        return "муниципальный" if self.municipality_id else "региональный"


class Person(models.Model):
    """An official, specialist or school head: a person acting in the system of work (not a pupil)."""

    full_name = models.CharField("фамилия, имя, отчество", max_length=200)
    position = models.CharField("должность", max_length=300)
    organization = models.CharField("организация", max_length=500, blank=True)
    municipality = models.ForeignKey(
        Municipality, models.PROTECT, null=True, blank=True, related_name="people", verbose_name="муниципалитет"
    )
    school = models.ForeignKey(School, models.PROTECT, null=True, blank=True, related_name="people", verbose_name="ОО")
    email = models.EmailField("электронная почта", blank=True)
    phone = models.CharField("телефон", max_length=50, blank=True)

    class Meta:
        verbose_name = "участник"
        verbose_name_plural = "участники"
        ordering = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.position}"


class BodyMembership(models.Model):
    class Role(models.TextChoices):
        HEAD = "head", "руководитель"
        DEPUTY = "deputy", "заместитель руководителя"
        SECRETARY = "secretary", "секретарь"
        MEMBER = "member", "член"

    body = models.ForeignKey(InfrastructureBody, models.CASCADE, related_name="memberships", verbose_name="структура")
    person = models.ForeignKey(Person, models.CASCADE, related_name="memberships", verbose_name="участник")
    role = models.CharField("роль", max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = "участие в структуре"
        verbose_name_plural = "участие в структурах"
        constraints = [models.UniqueConstraint(fields=["body", "person"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.person.full_name} — {self.get_role_display()} ({self.body.name})"
