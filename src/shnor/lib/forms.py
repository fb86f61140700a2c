"""Typed access to a form's fields whose choices are set at run time (by the user's scope)."""

from __future__ import annotations

from typing import Any

from django import forms


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """The form's field `name`, a (multiple) model choice whose queryset a form narrows."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), name
    return field


def choice(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field `name`, a choice whose choices a form sets."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), name
    return field
