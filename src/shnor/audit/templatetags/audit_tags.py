from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models

register = template.Library()

# Keys of the changes that services record beside model fields (`record(obj, action, {...})`).
KEYS = {
    "run": "расчёт",
    "schools": "школ",
    "number": "номер",
    "replaces": "заменяет решение",
    "items": "пунктов",
    "reason": "основание",
    "action": "действие",
    "count": "число",
    "created": "создано",
    "deleted": "удалено",
    "updated": "изменено",
    "notified": "уведомлено",
    "version": "версия",
    "text": "текст",
    "year": "год",
    "status": "состояние",
    "review": "решение",
}


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "да"
    if value is False:
        return "нет"
    return str(value)


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _value(field: models.Field[Any, Any] | None, value: Any) -> str:
    if field is not None and field.choices and not isinstance(value, (list, dict)):
        return _show(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation and isinstance(value, int):
        return f"№ {value}"
    return _show(value)


@register.filter
def change_lines(entry: Any) -> list[str]:
    """`field: before → after` lines of an audit entry, fields by their Russian names and choices by
    their labels (the model's own); an entry's changes alone (a dict) are shown as recorded."""
    changes = entry if isinstance(entry, dict) else entry.changes
    model = None if isinstance(entry, dict) else entry.content_type.model_class()
    lines = []
    for name, pair in changes.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        field = _field(model, name)
        title = str(field.verbose_name) if field is not None else KEYS.get(name, name)
        lines.append(f"{title}: {_value(field, before)} → {_value(field, after)}")
    return lines
