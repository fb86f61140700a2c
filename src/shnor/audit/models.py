"""Who changed what, when and from where: one row per create, update or delete."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
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
