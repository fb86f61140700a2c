"""Who changed what, when and from where: one row per create, update or delete."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.utils import timezone


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "создание"
        UPDATE = "update", "изменение"
        DELETE = "delete", "удаление"
        IDENTIFY = "identify", "расчёт идентификации"
        REVIEW = "review", "рассмотрение"
        APPROVE = "approve", "утверждение"

    class Source(models.TextChoices):
        WEB = "web", "веб-интерфейс"
        API = "api", "API"
        CLI = "cli", "командная строка"
        SYSTEM = "system", "система"

    at = models.DateTimeField("когда", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="кто"
    )
    actor_repr = models.CharField("кто (как записано)", max_length=200)
    source = models.CharField("откуда", max_length=8, choices=Source.choices)
    ip = models.GenericIPAddressField("IP-адрес", null=True, blank=True)
    action = models.CharField("действие", max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+", verbose_name="тип объекта")
    object_id = models.CharField("идентификатор объекта", max_length=64)
    object_repr = models.CharField("объект", max_length=500)
    changes = models.JSONField("изменения", default=dict, help_text="{поле: [было, стало]}")

    class Meta:
        verbose_name = "запись журнала"
        verbose_name_plural = "журнал изменений"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.actor_repr}: {self.get_action_display()} {self.object_repr}"


def new_token() -> str:
    return uuid.uuid4().hex


class DataVersion(models.Model):
    """One row: how many committed transactions have written the region's data
    (`shnor.audit.versioning`)."""

    value = models.BigIntegerField("версия данных", default=0)
    # New whenever the row is made again (a database restored or emptied): a version number alone
    # could then repeat with other data behind it.
    token = models.CharField("экземпляр", max_length=32, default=new_token)
    changed_at = models.DateTimeField("изменены", null=True, blank=True)

    class Meta:
        verbose_name = "версия данных"
        verbose_name_plural = "версия данных"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def bump(cls, using: str = "default") -> None:
        """One step on. Plain statements only: this runs while the write that caused it may still
        be returning its rows (SQLite cannot commit a transaction of its own then)."""
        now = timezone.now()
        if cls.objects.using(using).filter(pk=1).update(value=models.F("value") + 1, changed_at=now):
            return
        table = connections[using].ops.quote_name(cls._meta.db_table)
        with connections[using].cursor() as cursor:  # a database made before the row existed
            cursor.execute(
                f"INSERT INTO {table} (id, value, token, changed_at) VALUES (1, 1, %s, %s) ON CONFLICT DO NOTHING",  # noqa: S608
                [new_token(), now],
            )

    @classmethod
    def value_of(cls, using: str = "default") -> tuple[str, int]:
        row = cls.objects.using(using).filter(pk=1).values_list("token", "value").first()
        return (row[0], int(row[1])) if row else ("", 0)


class Heartbeat(models.Model):
    """When a piece of the running system last showed it was alive: the task worker (each minute)
    and the last complete backup. Read by /healthz; not the region's data (not in the data version,
    not in a backup, kept across a restore)."""

    WORKER = "worker"
    BACKUP = "backup"

    name = models.CharField("что", max_length=32, primary_key=True)
    at = models.DateTimeField("когда")
    detail = models.JSONField("подробности", default=dict, blank=True)

    class Meta:
        verbose_name = "признак работы"
        verbose_name_plural = "признаки работы"

    def __str__(self) -> str:
        return f"{self.name}: {self.at:%d.%m.%Y %H:%M}"

    @classmethod
    def beat(cls, name: str, **detail: object) -> None:
        cls.objects.update_or_create(name=name, defaults={"at": timezone.now(), "detail": detail})
