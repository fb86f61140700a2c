"""Sign-in throttling that a stranger cannot turn against others.

Failures are counted per login name *and* client address (`shnor.audit.middleware.client_ip`,
which believes `X-Forwarded-For` only from `SHNOR_TRUSTED_PROXIES`), within
`SHNOR_LOGIN_LOCK_MINUTES`:

- after `SHNOR_LOGIN_ATTEMPTS` wrong passwords for a name from one address, that address may not
  try that name until the window has passed, even with the right password. The same person from
  another computer, and everyone else, are not affected;
- an address with four times as many failures over any names (someone trying many names) may not
  try any name;
- a name attacked from many addresses (ten times the attempts in the window, from all of them
  together) gives each address that has already failed on it no further try; an address that
  has not failed on it — the person at their own computer — still signs in.

So a stranger who types random passwords for `operator` closes only their own address, not the
operator's sign-in (before, five failures closed the name for everyone, and behind nginx every
failure counted against 127.0.0.1, the address of all users). A successful sign-in clears the
failures of that name from that address only.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from shnor.accounts.models import LoginFailure

PER_ADDRESS = 4  # times SHNOR_LOGIN_ATTEMPTS: failures over any names from one address
UNDER_ATTACK = 10  # times SHNOR_LOGIN_ATTEMPTS: failures for one name from all addresses


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SHNOR_LOGIN_LOCK_MINUTES)


def _locked_since(failures: QuerySet[LoginFailure], limit: int) -> dt.datetime | None:
    """The oldest of the last `limit` failures in the window, when there are that many (one query)."""
    times = list(failures.order_by("-at").values_list("at", flat=True)[:limit])
    return times[-1] if len(times) == limit else None


def wait_minutes(username: str, ip: str | None) -> int:
    """Minutes until `username` may be tried again from `ip`; 0 when it may now."""
    recent = LoginFailure.objects.filter(at__gte=timezone.now() - _window())
    limit = settings.SHNOR_LOGIN_ATTEMPTS
    name = recent.filter(username__iexact=username)
    here = name.filter(ip=ip)
    blocking = [_locked_since(here, limit)]
    if ip:
        blocking.append(_locked_since(recent.filter(ip=ip), PER_ADDRESS * limit))
    attacked = _locked_since(name, UNDER_ATTACK * limit)
    if attacked is not None:
        blocking.append(_locked_since(here, 1))  # only an address that has itself failed on it
    since = [t for t in blocking if t is not None]
    if not since:
        return 0
    free_at = max(since) + _window()  # free when every block has lifted
    return max(1, math.ceil((free_at - timezone.now()).total_seconds() / 60))


def failed(username: str, ip: str | None) -> None:
    """Count a failure, and forget those that have left the window (the table stays small)."""
    LoginFailure.objects.filter(at__lt=timezone.now() - _window()).delete()
    LoginFailure.objects.create(username=username[:150], ip=ip)


def succeeded(username: str, ip: str | None) -> None:
    LoginFailure.objects.filter(username__iexact=username, ip=ip).delete()
