"""The sign-in form, throttled (`shnor.accounts.throttle`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from shnor.accounts import throttle
from shnor.audit.middleware import client_ip


def _minutes(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} минуту"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} минуты"
    return f"{n} минут"


class Throttled(AuthenticationForm):
    """An authentication form that refuses a name locked by the throttle and counts failures."""

    throttled = False  # the page then shows the throttle's message instead of «wrong password»

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else None
        wait = throttle.wait_minutes(username, ip) if username else 0
        if wait:
            self.throttled = True
            raise forms.ValidationError(
                f"Слишком много неудачных попыток входа. Повторите через {_minutes(wait)} "
                "или обратитесь к администратору системы.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                throttle.failed(username, ip)
            raise
        throttle.succeeded(username, ip)
        return cleaned


class ThrottledAuthenticationForm(Throttled):
    """The sign-in page's form."""


class ThrottledAdminAuthenticationForm(Throttled, AdminAuthenticationForm):
    """The administration site's sign-in: throttled alike."""
