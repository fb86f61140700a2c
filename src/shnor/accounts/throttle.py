"""Login throttling: after `SHNOR_LOGIN_ATTEMPTS` wrong passwords for a login name within
`SHNOR_LOGIN_LOCK_MINUTES`, that name cannot sign in until the window has passed, even with the
right password; an address that fails four times as often (trying many names) is refused alike.
A successful sign-in clears the name's failures."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from shnor.accounts.models import LoginFailure


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SHNOR_LOGIN_LOCK_MINUTES)


def _locked_since(failures: QuerySet[LoginFailure], limit: int) -> dt.datetime | None:
    """The oldest of the last `limit` failures in the window, when there are that many (one query)."""
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    return times[-1] if len(times) == limit else None


def wait_minutes(username: str, ip: str | None) -> int:
    """Minutes until `username` (from `ip`) may try again; 0 when it may now."""
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - _window())
    limit = settings.SHNOR_LOGIN_ATTEMPTS
    blocking = [_locked_since(recent.filter(username__iexact=username), limit)]
    if ip:
        blocking.append(_locked_since(recent.filter(ip=ip), 4 * limit))
    since = [t for t in blocking if t is not None]
    if not since:
        return 0
    free_at = max(since) + _window()  # free when every block has lifted
    return max(1, math.ceil((free_at - timezone.now()).total_seconds() / 60))


def failed(username: str, ip: str | None) -> None:
    """Count a failure, and forget those that have left the window (the table stays small)."""
    LoginFailure.objects.filter(at__lt=timezone.now() - _window()).delete()
    LoginFailure.objects.create(username=username[:150], ip=ip)


def succeeded(username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
