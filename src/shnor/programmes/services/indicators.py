"""A programme's computed values: indicators bound to the data, their rows, status, the overview and reminders."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import scope_of
from shnor.accounts.services import notify
from shnor.core import programmes as core
from shnor.identification.models import Run, SchoolResult
from shnor.lib.memo import Memo
from shnor.programmes.models import Activity, Indicator, Programme
from shnor.programmes.services.common import WORKING, S, editors, enforcers, programmes, today
from shnor.risks.models import Profile


def latest_result(school_pk: int) -> SchoolResult | None:
    return (
        SchoolResult.objects.filter(school_id=school_pk, run__status=Run.Status.DONE)
        .select_related("run")
        .order_by("-run__year", "-run__finished_at", "-run__pk")
        .first()
    )


def latest_profile(school_pk: int) -> Profile | None:
    return Profile.objects.filter(school_id=school_pk).order_by("-year").first()


LEVEL_RANK = {"low": 0, "medium": 1, "high": 2}


class _Sources:
    """What bound indicators read, each loaded once per refresh: the school's latest result and
    profile, and the programme's activity counts."""

    def __init__(self, programme: Programme) -> None:
        self.programme = programme

    @cached_property
    def result(self) -> SchoolResult | None:
        return latest_result(self.programme.school_id) if self.programme.school_id else None

    @cached_property
    def profile(self) -> Profile | None:
        return latest_profile(self.programme.school_id) if self.programme.school_id else None

    @cached_property
    def activities(self) -> Counter[str]:
        return Counter(self.programme.activities.values_list("status", flat=True))


def bound_value(binding: str, programme: Programme, sources: _Sources | None = None) -> float | None:
    sources = sources or _Sources(programme)
    if binding == "activities_done":
        counts = sources.activities
        total = sum(counts.values()) - counts[Activity.Status.CANCELLED]
        return counts[Activity.Status.DONE] / total if total else None
    if binding in ("ior", "isb", "value_added"):
        value = getattr(sources.result, binding) if sources.result else None
        return None if value is None else round(float(value), 3)
    profile = sources.profile
    if profile is None:
        return None
    if binding == "fixed_risks":
        return float(len(profile.fixed))
    if binding.startswith("risk:"):
        level = profile.factors.get(binding[5:], {}).get("level")
        return float(LEVEL_RANK[level]) if level else None
    if binding.startswith("param:"):
        value = profile.parameters.get(binding[6:], {}).get("value")
        return None if value is None else float(value)
    return None


def refresh(programme: Programme) -> None:
    """Update the indicators bound to computed values."""
    now = timezone.now()
    sources = _Sources(programme)
    for ind in programme.indicators.exclude(binding=""):
        value = bound_value(ind.binding, programme, sources)
        if value != ind.actual:
            ind.actual = value
            ind.updated_at = now
            ind.save(update_fields=["actual", "updated_at"])


@dataclass
class IndicatorRow:
    indicator: Indicator
    on_track: bool | None
    reached: bool


def indicator_rows(programme: Programme, on: dt.date | None = None, indicators: Any = None) -> list[IndicatorRow]:
    on = on or today()
    live = programme.is_live or programme.status == S.COMPLETED
    rows = []
    for ind in indicators if indicators is not None else programme.indicators.all():
        direction: core.Direction = "lower_better" if ind.direction == "lower_better" else "higher_better"
        track = (
            core.on_track(direction, ind.actual, ind.baseline, ind.target, programme.start, programme.end, on)
            if live
            else None
        )
        done = ind.actual is not None and core.reached(direction, ind.actual, ind.target)
        rows.append(IndicatorRow(ind, track, done))
    return rows


def activity_counts(programme: Programme, on: dt.date | None = None) -> dict[str, int]:
    on = on or today()
    live = programme.is_live
    counts = Counter(a.status_on(on, live) for a in programme.activities.all())
    return {s: counts.get(s, 0) for s in Activity.Status.values}


def remind(on: dt.date | None = None) -> dict[str, int]:
    """Mark activities past their deadline as overdue and tell the people responsible (once);
    tell them too about indicators that fell off track. Run daily (`shnor remind`)."""
    on = on or today()
    counts = {"overdue": 0, "off_track": 0, "notified": 0}
    still_off: list[int] = []
    live = Programme.objects.filter(status__in=WORKING).select_related("school", "municipality")
    for programme in live:
        late = list(
            programme.activities.filter(
                status__in=[Activity.Status.PLANNED, Activity.Status.IN_PROGRESS], deadline__lt=on
            )
        )
        refresh(programme)
        off_all = [r.indicator for r in indicator_rows(programme, on) if r.on_track is False]
        still_off += [i.pk for i in off_all]
        off = [i for i in off_all if not i.off_track_notified]
        if not late and not off:
            continue
        url = reverse("programmes:detail", args=[programme.pk])
        people = editors(programme) | enforcers(programme)
        with transaction.atomic():
            Activity.objects.filter(pk__in=[a.pk for a in late]).update(status=Activity.Status.OVERDUE)
            Indicator.objects.filter(pk__in=[i.pk for i in off]).update(off_track_notified=True)
        parts = []
        if late:
            parts.append(f"просрочено мероприятий: {len(late)} (например, «{late[0].title}»)")
        if off:
            parts.append(f"отстают от плана показатели: {', '.join('«' + i.title + '»' for i in off[:3])}")
        counts["overdue"] += len(late)
        counts["off_track"] += len(off)
        text = f"«{programme.title}» ({programme.owner_label()}): " + "; ".join(parts) + "."
        counts["notified"] += notify(people, text, url)
    # Indicators back on track may be reported again when they fall off later.
    Indicator.objects.filter(off_track_notified=True).exclude(pk__in=still_off).update(off_track_notified=False)
    return counts


@dataclass
class OverviewRow:
    label: str
    programmes: int = 0
    in_force: int = 0
    overdue: int = 0
    off_track: int = 0
    waiting: int = 0
    url: str = ""
    municipality: int | None = None  # a municipality's row: its drill-down


# Every programme's activities and indicators judged on a day: seconds for a country's region, the
# same until the data change or the day does. Kept per data version, scope and day.
_OVERVIEW = Memo(size=64)


def overview(user: Actor, municipality: int | None = None, on: dt.date | None = None) -> list[OverviewRow]:
    """Overdue activities and indicators off track per municipality (or per school of one). Shared
    between requests until the data change: callers must not modify the rows."""
    on = on or today()
    key = ("programmes-overview", scope_of(user), municipality, on)
    return _OVERVIEW.get(key, lambda: _overview(user, municipality, on))


def _overview(user: Actor, municipality: int | None, on: dt.date) -> list[OverviewRow]:
    qs = programmes(user).prefetch_related("activities", "indicators")
    if municipality is not None:
        qs = qs.filter(Q(municipality_id=municipality) | Q(school__municipality_id=municipality))
    rows: dict[object, OverviewRow] = {}
    for p in qs:
        if municipality is None:
            owner = p.municipality or (p.school.municipality if p.school else None)
            key: object = owner.pk if owner else None
            row = rows.get(key) or rows.setdefault(
                key, OverviewRow(owner.name if owner else "Регион", municipality=owner.pk if owner else None)
            )
        else:
            label = p.owner_label()
            row = rows.setdefault(label, OverviewRow(label))
        row.programmes += 1
        row.in_force += int(p.status == S.IN_FORCE)
        row.waiting += int(p.status in (S.SUBMITTED, S.REVIEW, S.APPROVED))
        if p.status in WORKING:
            row.overdue += sum(1 for a in p.activities.all() if a.status_on(on) == Activity.Status.OVERDUE)
            row.off_track += len([r for r in indicator_rows(p, on, p.indicators.all()) if r.on_track is False])
    return sorted(rows.values(), key=lambda r: (-r.overdue - r.off_track, r.label))
