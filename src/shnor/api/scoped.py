"""What the cycle's operations name by id or by code, found in the caller's scope: outside it, a 404.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import Id
from shnor.cycle import services as cycle
from shnor.lib.lookup import or_404
from shnor.registry.models import Municipality, School


def municipality(request: AuthedRequest, pk: Id | None) -> Municipality | None:
    return or_404(cycle.municipality_in_scope, request.auth, pk)


def schools(request: AuthedRequest, codes: list[str]) -> list[School]:
    return cycle.schools_by_codes(request.auth, codes)


def cleaned(form: forms.BaseForm) -> dict[str, Any]:
    """The page's own form checks the body's fields (the same rules on both ways in): a failure is a
    422 naming each field with its Russian message."""
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return dict(form.cleaned_data)
