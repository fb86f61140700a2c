"""Users: one account has one role and the scope that role is bound to (docs/guide/roles.md)."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from shnor.accounts.roles import ROLE_LABELS, ROLE_PERMS, Perm, Role

if TYPE_CHECKING:
    _Manager = UserManager["User"]
else:  # Django's managers take no subscript at run time
    _Manager = UserManager


class People(_Manager):
    """Whom to tell or ask, by what they are responsible for: active accounts only (a deactivated
    account is told nothing and decides nothing). The one place a recipient is chosen by role."""

    def active(self) -> models.QuerySet[User]:
        return self.filter(is_active=True)

    def regional_coordinators(self) -> models.QuerySet[User]:
        return self.active().filter(role=Role.REGIONAL_COORDINATOR)

    def coordinators_of(self, municipality_id: int | None) -> models.QuerySet[User]:
        """The coordinators of a municipality (none for no municipality)."""
        if municipality_id is None:
            return self.none()
        return self.active().filter(role=Role.MUNICIPAL_COORDINATOR, municipality_id=municipality_id)

    def keepers_of(self, municipality_id: int | None) -> models.QuerySet[User]:
        """Who keeps a level's management cycle: the region's operators and regional coordinators
        (no municipality), or the municipality's coordinators."""
        if municipality_id is None:
            return self.active().filter(role__in=[Role.OPERATOR, Role.REGIONAL_COORDINATOR])
        return self.coordinators_of(municipality_id)

    def heads_of(self, school_id: int | None) -> models.QuerySet[User]:
        """The accounts of a school's management team (role «школа»; none for no school)."""
        if school_id is None:
            return self.none()
        return self.active().filter(role=Role.SCHOOL, school_id=school_id)

    def teacher(self, staff_key: str) -> models.QuerySet[User]:
        """The account of a teacher, by the teacher's pseudonymous code."""
        return self.active().filter(role=Role.TEACHER, staff_key=staff_key)

    def acting_for_curator(self, school_id: int | None, user_id: int | None) -> models.QuerySet[User]:
        """The accounts that act for a curator: the curator accounts of a curator school, or a tutor's
        own account (support.models.Curator has one or the other)."""
        who = models.Q(pk__in=[])
        if school_id:
            who |= models.Q(school_id=school_id)
        if user_id:
            who |= models.Q(pk=user_id)
        return self.active().filter(who, role=Role.CURATOR)


class User(AbstractUser):
    role = models.CharField(
        "роль", max_length=32, choices=[(r.value, ROLE_LABELS[r]) for r in Role], default=Role.OBSERVER.value
    )
    municipality = models.ForeignKey(
        "registry.Municipality",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="муниципалитет",
        help_text="Для муниципального координатора и наблюдателя муниципалитета.",
    )
    school = models.ForeignKey(
        "registry.School",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="ОО",
        help_text="Для школы, педагога и куратора (его собственная школа).",
    )
    assigned_schools = models.ManyToManyField(
        "registry.School",
        blank=True,
        related_name="assigned_users",
        verbose_name="закреплённые ОО",
        help_text="Для куратора — сопровождаемые школы; для наблюдателя — выбранные школы.",
    )
    staff_key = models.CharField(
        "код педагога", max_length=64, blank=True, help_text="Псевдоним педагога из таблицы staff."
    )
    position = models.CharField("должность", max_length=300, blank=True)

    objects: ClassVar[People] = People()

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role_enum]

    def has_shnor_perm(self, perm: Perm) -> bool:
        return self.is_active and perm in ROLE_PERMS[self.role_enum]

    def clean(self) -> None:
        super().clean()
        role = self.role_enum
        if role == Role.MUNICIPAL_COORDINATOR and not self.municipality_id:
            raise ValidationError({"municipality": "Для муниципального координатора укажите муниципалитет."})
        if role in (Role.SCHOOL, Role.TEACHER) and not self.school_id:
            raise ValidationError({"school": "Для этой роли укажите образовательную организацию."})
        if role == Role.TEACHER and not self.staff_key:
            raise ValidationError({"staff_key": "Для педагога укажите код педагога."})


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored, the key is shown once."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens", verbose_name="пользователь")
    name = models.CharField("назначение", max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField("создан", default=timezone.now)
    last_used = models.DateTimeField("последнее использование", null=True, blank=True)

    class Meta:
        verbose_name = "токен API"
        verbose_name_plural = "токены API"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        key = "shnor_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[6:14], key_hash=_hash(key))
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        token = cls.objects.select_related("user").filter(key_hash=_hash(key)).first()
        if token is None or not token.user.is_active:
            return None
        cls.objects.filter(pk=token.pk).update(last_used=timezone.now())
        return token.user


class Notification(models.Model):
    """A message to one user inside the system (and by e-mail where an SMTP server is configured)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="notifications", verbose_name="кому")
    text = models.CharField("текст", max_length=1000)
    url = models.CharField("ссылка", max_length=500, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text


class LoginFailure(models.Model):
    """A wrong password for a login name, kept for the throttle (`shnor.accounts.throttle`)."""

    username = models.CharField("имя входа", max_length=150, db_index=True)
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True, db_index=True)
    at = models.DateTimeField("когда", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "неудачный вход"
        verbose_name_plural = "неудачные входы"

    def __str__(self) -> str:
        return f"{self.username} {self.at:%d.%m.%Y %H:%M}"
