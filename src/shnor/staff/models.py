"""Teaching staff, pseudonymised (docs/data-contract.md: `staff`, `diagnostics`, `courses`; docs/guide/support.md).

A teacher is known only by a pseudonym (`staff_key`); their employment at a school is a
separate row, so a teacher who works at two schools, or moves, keeps one history of
diagnostics and courses.
"""

from __future__ import annotations

from django.db import models

from shnor.registry.models import School


class Teacher(models.Model):
    staff_key = models.CharField("код педагога", max_length=64, unique=True)

    class Meta:
        verbose_name = "педагог"
        verbose_name_plural = "педагоги"
        ordering = ["staff_key"]

    def __str__(self) -> str:
        return self.staff_key


class StaffMember(models.Model):
    class Category(models.TextChoices):
        HIGHEST = "highest", "высшая"
        FIRST = "first", "первая"
        CONFORMITY = "conformity", "соответствие занимаемой должности"
        NONE = "none", "нет"

    teacher = models.ForeignKey(Teacher, models.PROTECT, related_name="employments", verbose_name="педагог")
    school = models.ForeignKey(School, models.PROTECT, related_name="staff", verbose_name="ОО")
    position = models.CharField("должность", max_length=200)
    subjects = models.CharField("предметы", max_length=300, blank=True)
    experience_years = models.PositiveSmallIntegerField("стаж, лет", null=True, blank=True)
    category = models.CharField("квалификационная категория", max_length=16, choices=Category.choices, blank=True)
    age = models.PositiveSmallIntegerField("возраст", null=True, blank=True)
    is_active = models.BooleanField(
        "работает", default=True, help_text="Снимается, когда педагога нет в новом файле его школы."
    )

    class Meta:
        verbose_name = "место работы педагога"
        verbose_name_plural = "педагогические работники"
        ordering = ["school", "teacher"]
        constraints = [models.UniqueConstraint(fields=["teacher", "school"], name="staff_teacher_school_unique")]

    def __str__(self) -> str:
        return f"{self.teacher} ({self.position})"


class Diagnostic(models.Model):
    teacher = models.ForeignKey(Teacher, models.PROTECT, related_name="diagnostics", verbose_name="педагог")
    year = models.PositiveSmallIntegerField("год")
    area = models.CharField("область", max_length=40)
    score = models.FloatField("балл")
    max_score = models.FloatField("максимальный балл")

    class Meta:
        verbose_name = "результат диагностики"
        verbose_name_plural = "результаты диагностики"
        ordering = ["-year", "teacher", "area"]
        constraints = [models.UniqueConstraint(fields=["teacher", "year", "area"], name="diagnostic_unique")]

    def __str__(self) -> str:
        return f"{self.teacher}, {self.area}, {self.year}"


class Course(models.Model):
    teacher = models.ForeignKey(Teacher, models.PROTECT, related_name="courses", verbose_name="педагог")
    title = models.CharField("программа", max_length=500)
    provider = models.CharField("организация", max_length=300, blank=True)
    hours = models.PositiveIntegerField("часы")
    start = models.DateField("начало")
    end = models.DateField("окончание")
    topic = models.CharField("тема", max_length=300, blank=True)

    class Meta:
        verbose_name = "курс повышения квалификации"
        verbose_name_plural = "курсы повышения квалификации"
        ordering = ["-start", "teacher"]
        constraints = [models.UniqueConstraint(fields=["teacher", "title", "start"], name="course_unique")]

    def __str__(self) -> str:
        return f"{self.teacher}: {self.title}"


class Offer(models.Model):
    """An entry of the catalogue the operator maintains: a course (ДПП ПК) or another activity."""

    # Set for the catalogue's page (views.catalogue), not stored.
    area_titles: list[str]

    class Kind(models.TextChoices):
        COURSE = "course", "курсы повышения квалификации (ДПП ПК)"
        INTERNSHIP = "internship", "стажировка"
        MENTORING = "mentoring", "наставничество"
        SEMINAR = "seminar", "постоянно действующий семинар"
        SELF_STUDY = "self_study", "самообразование"

    kind = models.CharField("вид", max_length=16, choices=Kind.choices, default=Kind.COURSE)
    title = models.CharField("программа", max_length=500)
    provider = models.CharField("организация", max_length=300, blank=True)
    hours = models.PositiveIntegerField("часы")
    topic = models.CharField("тема", max_length=300, blank=True)
    areas = models.JSONField("области дефицитов, которые закрывает", default=list)
    url = models.URLField("ссылка", blank=True)
    is_active = models.BooleanField("предлагается", default=True)

    class Meta:
        verbose_name = "программа каталога"
        verbose_name_plural = "каталог программ и мероприятий"
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["title", "provider"], name="offer_unique")]

    def __str__(self) -> str:
        return self.title


class Route(models.Model):
    """Индивидуальный образовательный маршрут (ИОМ) of a teacher for a year."""

    class Status(models.TextChoices):
        DRAFT = "draft", "проект"
        APPROVED = "approved", "утверждён"
        COMPLETED = "completed", "выполнен"

    teacher = models.ForeignKey(Teacher, models.PROTECT, related_name="routes", verbose_name="педагог")
    year = models.PositiveSmallIntegerField("год")
    basis_year = models.PositiveSmallIntegerField("год диагностики")
    deficits = models.JSONField("дефициты (доля от максимума)", default=dict)
    uncovered = models.JSONField("дефициты без программы в каталоге", default=list, blank=True)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField("примечание", blank=True)
    created_by = models.ForeignKey("accounts.User", models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("создан", auto_now_add=True)
    approved_by = models.ForeignKey(
        "accounts.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="утвердил"
    )
    approved_at = models.DateTimeField("утверждён", null=True, blank=True)

    class Meta:
        verbose_name = "индивидуальный образовательный маршрут"
        verbose_name_plural = "индивидуальные образовательные маршруты"
        ordering = ["-year", "teacher"]
        constraints = [models.UniqueConstraint(fields=["teacher", "year"], name="route_teacher_year")]

    def __str__(self) -> str:
        return f"ИОМ {self.teacher} на {self.year} год"


class RouteItem(models.Model):
    """One course or activity of a route (the enrolment), and whether it was done."""

    class Status(models.TextChoices):
        PLANNED = "planned", "запланировано"
        IN_PROGRESS = "in_progress", "выполняется"
        DONE = "done", "выполнено"
        DROPPED = "dropped", "исключено"

    route = models.ForeignKey(Route, models.CASCADE, related_name="items", verbose_name="маршрут")
    offer = models.ForeignKey(
        Offer, models.PROTECT, null=True, blank=True, related_name="enrolments", verbose_name="программа каталога"
    )
    title = models.CharField("содержание", max_length=500)
    areas = models.JSONField("области", default=list, blank=True)
    hours = models.PositiveIntegerField("часы", default=0)
    due = models.DateField("срок")
    status = models.CharField("статус", max_length=12, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateField("выполнено", null=True, blank=True)
    course = models.ForeignKey(
        Course, models.SET_NULL, null=True, blank=True, related_name="route_items", verbose_name="запись о курсе"
    )

    class Meta:
        verbose_name = "пункт маршрута"
        verbose_name_plural = "пункты маршрута"
        ordering = ["route", "due", "pk"]

    def __str__(self) -> str:
        return self.title
