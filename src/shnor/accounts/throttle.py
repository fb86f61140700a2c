"""Login throttling: after `SHNOR_LOGIN_ATTEMPTS` wrong passwords for a login name within
`SHNOR_LOGIN_LOCK_MINUTES`, that name cannot sign in until the window has passed, even with the
right password; an address that fails four times as often (trying many names) is refused alike.
A successful sign-in clears the name's failures."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone

from shnor.accounts.models import LoginFailure


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SHNOR_LOGIN_LOCK_MINUTES)


def wait_minutes(username: str, ip: str | None) -> int:
    """Minutes until `username` (from `ip`) may try again; 0 when it may now."""
    since = timezone.now() - _window()
    limit = settings.SHNOR_LOGIN_ATTEMPTS
    blocking = []
    by_name = LoginFailure.objects.filter(username__iexact=username, at__gte=since).order_by("-at")
    if by_name[:limit].count() >= limit:
        blocking.append(list(by_name.values_list("at", flat=True)[:limit])[-1])
    if ip:
        by_ip = LoginFailure.objects.filter(ip=ip, at__gte=since).order_by("-at")
        if by_ip[: 4 * limit].count() >= 4 * limit:
            blocking.append(list(by_ip.values_list("at", flat=True)[: 4 * limit])[-1])
    if not blocking:
        return 0
    free_at = max(blocking) + _window()  # free when every block has lifted
    return max(1, math.ceil((free_at - timezone.now()).total_seconds() / 60))


def failed(username: str, ip: str | None) -> None:
    """Count a failure, and forget those that have left the window (the table stays small)."""
    LoginFailure.objects.filter(at__lt=timezone.now() - _window()).delete()
    LoginFailure.objects.create(username=username[:150], ip=ip)


def succeeded(username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
