"""Risk profiles (act 004 appendix) and the questionnaires that feed them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shnor.registry.models import School


class Profile(models.Model):
    """A school's risk profile for a year: a snapshot of every parameter and factor, kept so that
    the next year's profile, programmes and monitoring waves can be compared with it."""

    school = models.ForeignKey(School, models.PROTECT, related_name="risk_profiles", verbose_name="ОО")
    year = models.PositiveSmallIntegerField("год")
    catalogue_version = models.CharField("версия каталога рисков", max_length=40)
    # {code: {"value", "median", "threshold", "past", "respondents"}}
    parameters = models.JSONField("параметры", default=dict)
    # {code: {"level", "past", "measured", "fixed"}}
    factors = models.JSONField("факторы", default=dict)
    fixed = models.JSONField("зафиксированные риски", default=list)
    completeness = models.FloatField("доля измеренных параметров", default=0)
    computed_at = models.DateTimeField("рассчитан", auto_now=True)

    class Meta:
        verbose_name = "рисковый профиль"
        verbose_name_plural = "рисковые профили"
        ordering = ["-year", "school"]
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="risk_profile_unique")]

    def __str__(self) -> str:
        return f"Рисковый профиль: {self.school}, {self.year}"


class QuestionnaireLink(models.Model):
    """One published questionnaire: a school, a year, a respondent group and its link token."""

    class Group(models.TextChoices):
        DIRECTOR = "director", "директор"
        TEACHERS = "teachers", "учителя"
        STUDENTS = "students", "обучающиеся"
        PARENTS = "parents", "родители"

    school = models.ForeignKey(School, models.PROTECT, related_name="questionnaires", verbose_name="ОО")
    year = models.PositiveSmallIntegerField("год")
    group = models.CharField("группа респондентов", max_length=16, choices=Group.choices)
    token = models.CharField("токен ссылки", max_length=64, unique=True)
    is_open = models.BooleanField("принимает ответы", default=True)
    max_responses = models.PositiveIntegerField("наибольшее число ответов", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто опубликовал",
    )
    created_at = models.DateTimeField("опубликована", auto_now_add=True)

    class Meta:
        verbose_name = "анкета"
        verbose_name_plural = "анкеты"
        ordering = ["school", "-year", "group"]
        constraints = [models.UniqueConstraint(fields=["school", "year", "group"], name="questionnaire_unique")]

    def __str__(self) -> str:
        return f"Анкета ({self.get_group_display()}): {self.school}, {self.year}"


class QuestionnaireResponse(models.Model):
    """One anonymous response: no account, no address, only the answers and the form's one-time
    token (so that the same filled-in form is not counted twice)."""

    link = models.ForeignKey(QuestionnaireLink, models.CASCADE, related_name="responses", verbose_name="анкета")
    nonce = models.CharField("SHA-256 одноразового токена формы", max_length=64, unique=True)
    answers = models.JSONField("ответы", default=dict)
    submitted_at = models.DateTimeField("получен", auto_now_add=True)

    class Meta:
        verbose_name = "ответ на анкету"
        verbose_name_plural = "ответы на анкеты"
        ordering = ["link", "submitted_at"]

    def __str__(self) -> str:
        return f"Ответ № {self.pk} ({self.link})"


class AnswerCount(models.Model):
    """How many answers one client sent to one questionnaire in one hour — for the cap
    `SHNOR_ANSWERS_PER_ADDRESS_HOUR`. The client is an HMAC of its address with the server's
    secret key and the hour, so the table holds no address; rows older than the hour before are
    deleted as new answers come."""

    link = models.ForeignKey(QuestionnaireLink, models.CASCADE, related_name="+", verbose_name="анкета")
    client = models.CharField("отпечаток адреса (HMAC)", max_length=64)
    hour = models.DateTimeField("час")
    count = models.PositiveIntegerField("ответов", default=0)

    class Meta:
        verbose_name = "счётчик ответов"
        verbose_name_plural = "счётчики ответов"
        constraints = [models.UniqueConstraint(fields=["link", "client", "hour"], name="answer_count_unique")]

    def __str__(self) -> str:
        return f"{self.link}: {self.count} за {self.hour:%d.%m.%Y %H:00}"
