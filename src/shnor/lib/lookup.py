"""Small helpers the pages and the API share: a scoped lookup that 404s, a form's errors in one
line, a file to download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse

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


def attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    """`content` as a download named `name` (Cyrillic kept: RFC 5987)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


YEARS = range(1990, 2101)  # the data contract's year column; the API's Year alike


def as_year(value: str | None) -> int | None:
    """A year typed in an address or a form, or None when it is not one the system can hold
    (a page asked for `?year=99999` falls back to its default year instead of failing)."""
    year = as_int(value)
    return year if year in YEARS else None


def as_int(value: str | None, maximum: int = 2**31 - 1) -> int | None:
    """A number typed in an address or a form, or None: ASCII digits only (str.isdigit also takes «²»
    and other digits int() refuses) and not beyond what a database key or a year column holds."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if number <= maximum else None


def matches(q: str, *texts: str | None) -> bool:
    """Whether a search of a long list finds a row: case-insensitive, ё as е (SQLite's LIKE folds
    the case of Latin letters only)."""
    if not q:
        return True
    needle = q.casefold().replace("ё", "е")
    return any(needle in (t or "").casefold().replace("ё", "е") for t in texts)
