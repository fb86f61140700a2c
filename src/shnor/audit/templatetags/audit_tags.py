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
    "exit": "выход",
    "rule_not_met": "правило выхода не выполнено",
    "selected": "предложена к отбору",
    "comment": "комментарий",
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
    """The model's field of a recorded key: by its name, else by its column name (`created_by_id`)."""
    if model is None:
        return None
    try:
        found: Any = model._meta.get_field(name)
    except FieldDoesNotExist:
        found = next((f for f in model._meta.concrete_fields if f.attname == name), None)
    return found if isinstance(found, models.Field) else None


def _value(field: models.Field[Any, Any] | None, name: str, value: Any) -> str:
    if field is not None and field.choices and not isinstance(value, (list, dict)):
        return _show(dict(field.flatchoices).get(value, value))
    if field is not None and field.many_to_one and name == field.attname and isinstance(value, int):
        return f"№ {value}"  # a link by its number
    return _show(value)


@register.filter
def change_lines(entry: Any) -> list[str]:
    """`field: before → after` lines of an audit entry, fields by their Russian names and choices by
    their labels (the model's own), a link by its number; an entry's changes alone (a dict) by the keys
    the services record (KEYS)."""
    changes = entry if isinstance(entry, dict) else entry.changes
    model = None if isinstance(entry, dict) else entry.content_type.model_class()
    lines = []
    for name, pair in changes.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        field = _field(model, name)
        title = str(field.verbose_name) if field is not None else KEYS.get(name, name)
        lines.append(f"{title}: {_value(field, name, before)} → {_value(field, name, after)}")
    return lines
