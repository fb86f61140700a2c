"""Model signals that write an AuditEntry for every create, update and delete of a tracked model."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from shnor.audit.context import current_actor

# Loading a backup writes rows that already carry their audit history: nothing is recorded then.
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_suspended", default=False)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


_TRACKED: set[type[models.Model]] = set()
# Never copied into the log: secrets are shown as changed, noise is left out.
_REDACTED = frozenset({"password"})
_IGNORED = frozenset({"last_login"})
_HIDDEN = "••••••"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Concrete field values by field name (foreign keys as their id)."""
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.attname in _IGNORED:
            continue
        value = getattr(instance, field.attname)
        values[field.attname] = _HIDDEN if field.attname in _REDACTED and value else _plain(value)
    return values


def record(instance: models.Model, action: str, changes: dict[str, Any]) -> None:
    from shnor.audit.models import AuditEntry

    if action not in AuditEntry.Action.values:  # SQLite would store it; PostgreSQL would refuse it
        raise ValueError(f"unknown audit action {action!r}; add it to AuditEntry.Action")

    actor = current_actor()
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    AuditEntry.objects.create(
        actor=user,
        actor_repr=actor.repr,
        source=actor.source,
        ip=actor.ip,
        action=action,
        # `_meta.model`, not `type()`: request.user is a lazy object whose type is not the model.
        content_type=ContentType.objects.get_for_model(instance._meta.model),
        object_id=str(instance.pk),
        object_repr=str(instance)[:500],
        changes=changes,
    )


def _pre_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **_: Any) -> None:
    if raw or instance.pk is None:
        vars(instance)["_audit_before"] = None  # carried to post_save on the instance itself
        return
    before = sender._default_manager.filter(pk=instance.pk).first()
    vars(instance)["_audit_before"] = snapshot(before) if before is not None else None


def _post_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **_: Any) -> None:
    if raw:
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        record(instance, "create", {k: [None, v] for k, v in after.items() if v not in (None, "")})
        return
    diff = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if "password" in after and getattr(instance, "_password", None) is not None:
        diff["password"] = [_HIDDEN, "изменён"]
    if diff:
        record(instance, "update", diff)


def _post_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    if _suspended.get():
        return
    record(instance, "delete", {k: [v, None] for k, v in snapshot(instance).items() if v not in (None, "")})


def _m2m_changed(sender: Any, instance: models.Model, action: str, pk_set: set[int] | None, **kwargs: Any) -> None:
    if _suspended.get():
        return
    if action not in ("post_add", "post_remove", "post_clear") or type(instance) not in _TRACKED:
        return
    field = next(
        (f.name for f in instance._meta.many_to_many if getattr(type(instance), f.name).through is sender),
        "связи",
    )
    ids = sorted(pk_set or [])
    if action == "post_add":
        record(instance, "update", {field: [None, {"добавлено": ids}]})
    elif action == "post_remove":
        record(instance, "update", {field: [{"удалено": ids}, None]})
    else:
        record(instance, "update", {field: ["очищено", None]})


def track(model: type[models.Model]) -> None:
    """Start auditing `model`; idempotent."""
    if model in _TRACKED:
        return
    _TRACKED.add(model)
    uid = f"shnor-audit-{model._meta.label}"
    pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
    post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
    post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
    for field in model._meta.many_to_many:
        through = getattr(model, field.name).through
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"{uid}-m2m-{field.name}")


def tracked_models() -> frozenset[type[models.Model]]:
    return frozenset(_TRACKED)
