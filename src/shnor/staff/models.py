"""Teaching staff, pseudonymised (DATA_CONTRACT `staff`, `diagnostics`, `courses`; DOMAIN §7).

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
