"""Reading the audit log: only the operator may; every list is newest first."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.audit.models import AuditEntry


def can_view(user: Actor) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_shnor_perm(Perm.VIEW_AUDIT))


def entries(user: Actor, *, q: str = "", action: str = "", model: str = "", source: str = "") -> QuerySet[AuditEntry]:
    require(user, Perm.VIEW_AUDIT)
    qs = AuditEntry.objects.select_related("content_type")
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(actor_repr__icontains=q) | Q(object_id=q))
    if action:
        qs = qs.filter(action=action)
    if source:
        qs = qs.filter(source=source)
    if model:
        app_label, _, model_name = model.partition(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model_name)
    return qs


def history_for(user: Actor, obj: Model) -> QuerySet[AuditEntry]:
    """The changes of one object, for the operator; an empty list for everybody else."""
    if not can_view(user):
        return AuditEntry.objects.none()
    content_type = ContentType.objects.get_for_model(type(obj))
    return AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))


def tracked_choices() -> list[tuple[str, str]]:
    from shnor.audit.tracking import tracked_models

    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name_plural)) for m in tracked_models()), key=lambda c: c[1]
    )
