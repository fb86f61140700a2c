"""Small helpers the pages share: a scoped lookup that 404s, and a form's errors in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

T = TypeVar("T")


def or_404(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a scoped lookup (a service's get_…): missing and out of scope are the same 404."""
    try:
        return fn(*args, **kwargs)
    except ObjectDoesNotExist:
        raise Http404("Не найдено или нет доступа") from None


def form_errors(form: forms.BaseForm) -> str:
    """«Поле: сообщение; …» for a flash message; errors of the whole form without a label."""
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(str(m) for m in errors)
        field = form.fields.get(name)
        parts.append(f"{field.label}: {text}" if field is not None and field.label else text)
    return "; ".join(parts)
