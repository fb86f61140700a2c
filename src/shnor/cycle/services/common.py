"""What every stage of the cycle shares: its refusal, the preset and today, who keeps a level, schools by codes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import require
from shnor.core.errors import DomainRefusal
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School


class CycleError(DomainRefusal):
    """A refusal of the management cycle, with its reason in Russian."""


def preset() -> Any:
    return registry.preset()


def today() -> dt.date:
    return timezone.localdate()


def region_wide(user: Actor) -> bool:
    return scope_of(user).region_wide


def check_keeper(user: Actor, municipality: Municipality | None) -> None:
    """May the user keep the cycle at this level: the region's needs a region-wide role, a
    municipality's one in the user's scope."""
    require(user, Perm.MANAGE_CYCLE)
    if municipality is None:
        if not region_wide(user):
            raise PermissionDenied("Региональный уровень ведёт региональный оператор или координатор.")
    elif not restrict(Municipality.objects.filter(pk=municipality.pk), user).exists():
        raise PermissionDenied("Муниципалитет вне вашей зоны ответственности.")


def can_keep(user: Actor, municipality: Municipality | None) -> bool:
    """Whether the user keeps the cycle at this level (the pages show their forms by it)."""
    try:
        check_keeper(user, municipality)
    except PermissionDenied:
        return False
    return True


def schools_by_codes(user: Actor, codes: Iterable[str]) -> list[School]:
    """Schools named by their codes, each in the user's scope; a missing one is a refusal naming it."""
    codes = [c.strip() for c in codes if c.strip()]
    found = {s.school_id: s for s in restrict(School.objects.filter(school_id__in=codes), user)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise CycleError(f"Школы с кодами {', '.join(missing)} не найдены в вашей зоне ответственности.")
    return [found[c] for c in codes]


def municipality_in_scope(user: Actor, pk: int | None) -> Municipality | None:
    if pk is None:
        return None
    found = restrict(Municipality.objects.filter(pk=pk), user).first()
    if found is None:
        raise Municipality.DoesNotExist
    return found


def lines_of(text: str) -> list[str]:
    """Non-empty lines of a text area, without a leading «1.», «1)» or «-»."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(\d+[.)]|[-–•])\s*", "", line).strip()
        if line:
            out.append(line)
    return out
