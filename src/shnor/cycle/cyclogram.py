"""The cyclogram of a working year against what the system holds: each item is done when the
evidence it names exists — a finished identification run, the teachers' diagnostics, the risk
profiles, a monitoring wave, programmes, approved pairs, agreements, events, courses — in the number
the act asks for, and otherwise planned, in progress or overdue by the date. An item the system
holds no evidence of is confirmed outside it and never reported overdue.
The daily `shnor remind` reports an overdue item once to the operator and the regional coordinators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import User
from shnor.accounts.services import notify
from shnor.core.cyclogram import STATUS_TITLES, Item, status, working_year, year_bounds, year_title
from shnor.cycle.models import Reminder
from shnor.datasets.models import ImportRun
from shnor.identification.models import Run
from shnor.lib.memo import Memo
from shnor.programmes.models import Programme, Wave
from shnor.programmes.services import WORKING
from shnor.registry import services as registry
from shnor.risks.models import Profile
from shnor.staff.models import Course, Diagnostic
from shnor.support.models import Agreement, Event, Pairing


@dataclass
class Line:
    item: Item
    year: int
    status: str
    done_on: dt.date | None
    evidence: str
    url: str
    year_start: int = 1

    @property
    def status_title(self) -> str:
        return STATUS_TITLES[self.status]

    @property
    def period(self) -> str:
        return self.item.period(self.year, self.year_start)


def items() -> list[Item]:
    return list(registry.preset().cyclogram)


def year_start() -> int:
    """The month the working year of the preset in force starts (1 — a calendar year)."""
    return registry.preset().year_start


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class _Span:
    """Where an item's evidence is looked for: from the end of the previous item with the same
    evidence (or the working year's start) to the end of the working year; evidence dated by a year
    only (diagnostics, profiles) counts for the working year named by that year (2020 for 2020/21)."""

    since: dt.date
    until: dt.date  # exclusive
    years: tuple[int, ...]

    def moments(self) -> dict[str, Any]:
        """Bounds for a DateTimeField lookup, as aware moments of the local midnight."""
        return {
            "gte": timezone.make_aware(dt.datetime.combine(self.since, dt.time())),
            "lt": timezone.make_aware(dt.datetime.combine(self.until, dt.time())),
        }


def _counted(records: list[tuple[Any, dt.date | None]], need: int, taken: set[Any]) -> tuple[bool, dt.date | None, int]:
    """Done when at least `need` records not counted for an earlier item of the same kind exist;
    they are then counted for this one (an agreement fulfils one item, not two). Returns (done, the
    date the `need`-th arrived, how many such records there are)."""
    free = sorted(((key, when) for key, when in records if key not in taken), key=lambda r: (r[1] is None, r[1]))
    if len(free) < need:
        return False, None, len(free)
    chosen = free[:need]
    taken.update(key for key, _ in chosen)
    return True, chosen[-1][1], len(free)


def _evidence(item: Item, year: int, span: _Span, taken: set[Any]) -> tuple[bool, dt.date | None, str, str]:
    """(done, when, what, link) for an item of working year `year`; `taken` — the records of the
    item's kind already counted for earlier items."""
    if item.levels:
        return _levelled(item, span, taken)
    if item.evidence in _COUNTED:
        records, text, url = _COUNTED[item.evidence](item, span)
        done, when, free = _counted(records, item.min_count, taken)
        return done, when, f"{text}: {free} (нужно не менее {item.min_count}{_people(item)})", url
    handler = _HANDLERS.get(item.evidence)
    if handler is None:
        return False, None, "подтверждается вне системы", ""
    return handler(item, year, span)


def _identification(item: Item, year: int, span: _Span) -> tuple[bool, dt.date | None, str, str]:
    run = (
        Run.objects.filter(status=Run.Status.DONE, **_lookups("finished_at", span.moments()))
        .order_by("finished_at", "pk")
        .first()
    )
    if run is None:
        return False, None, "расчёта идентификации за этот срок нет", reverse("identification:runs")
    return (
        True,
        _date(run.finished_at),
        f"расчёт № {run.pk} за {run.year} год",
        reverse("identification:run", args=[run.pk]),
    )


def _diagnostics(item: Item, year: int, span: _Span) -> tuple[bool, dt.date | None, str, str]:
    loaded = ImportRun.objects.filter(
        kind="diagnostics", status=ImportRun.Status.APPLIED, **_lookups("finished_at", span.moments())
    ).aggregate(first=Min("finished_at"))["first"]
    teachers = Diagnostic.objects.filter(year__in=span.years).values("teacher").distinct().count()
    years = ", ".join(map(str, span.years))
    if not teachers:
        return False, None, f"результатов диагностики {years} года нет", reverse("staff:teachers")
    return (
        True,
        _date(loaded),
        f"диагностика {years} года: педагогов {teachers}",
        f"{reverse('staff:teachers')}?year={span.years[-1]}",
    )


def _profiles(item: Item, year: int, span: _Span) -> tuple[bool, dt.date | None, str, str]:
    found = Profile.objects.filter(year__in=span.years)
    count = found.count()
    if not count:
        return False, None, f"рисковых профилей {span.years[-1]} года нет", reverse("risks:regional")
    first = found.aggregate(first=Min("computed_at"))["first"]
    return True, _date(first), f"рисковых профилей: {count}", f"{reverse('risks:regional')}?year={span.years[-1]}"


def _waves(item: Item, year: int, span: _Span) -> tuple[bool, dt.date | None, str, str]:
    kind = {"entry": Wave.Kind.ENTRY, "interim": Wave.Kind.INTERIM}.get(item.evidence, Wave.Kind.FINAL)
    waves = Wave.objects.filter(kind=kind, date__gte=span.since, date__lt=span.until)
    label = str(Wave.Kind(kind).label).capitalize()
    if not waves.exists():
        return False, None, f"{label} за этот срок не проводился", reverse("programmes:list")
    first = waves.aggregate(first=Min("date"))["first"]
    working = Programme.objects.filter(status__in=WORKING).count()
    what = f"{label}: программ {waves.count()} из {max(working, waves.count())} действующих"
    return True, first, what, reverse("programmes:list")


Records = tuple[list[tuple[Any, dt.date | None]], str, str]


def _programmes(item: Item, span: _Span, levels: tuple[str, ...] = ()) -> Records:
    rows = Programme.objects.filter(**_lookups("created_at", span.moments()))
    if levels:
        rows = rows.filter(level__in=levels)
    records = [(pk, _date(when)) for pk, when in rows.values_list("pk", "created_at")]
    return records, "программ разработано", reverse("programmes:list")


LEVELS = {"region": "региональных", "municipality": "муниципальных", "school": "школьных", "anti_risk": "антирисковых"}


def _levelled(item: Item, span: _Span, taken: set[Any]) -> tuple[bool, dt.date | None, str, str]:
    """Programmes of each level the act names: done when every level has `min_count` of its own;
    then on the day the last of them was created. The programmes count for this item only when
    it is done: a level short leaves the others free for a later item."""
    trial = set(taken)
    done, dates, parts = True, list[dt.date | None](), list[str]()
    for level in item.levels:
        records, _, _ = _programmes(item, span, (level,))
        ok, when, free = _counted(records, item.min_count, trial)
        done, dates = done and ok, [*dates, when]
        parts.append(f"{LEVELS[level]} {free}")
    if done:
        taken |= trial
    known = [d for d in dates if d is not None]
    when = max(known) if done and known else None
    what = f"программ разработано: {', '.join(parts)} (нужно не менее {item.min_count} каждого уровня)"
    return done, when, what, reverse("programmes:list")


def _pairs(item: Item, span: _Span) -> Records:
    rows = Pairing.objects.filter(
        status__in=(Pairing.Status.APPROVED, Pairing.Status.ENDED), **_lookups("approved_at", span.moments())
    ).values_list("pk", "approved_at")
    return [(pk, _date(when)) for pk, when in rows], "утверждено пар и групп", reverse("support:overview")


def _agreements(item: Item, span: _Span) -> Records:
    rows = Agreement.objects.filter(date__gte=span.since, date__lt=span.until).values_list("pk", "date")
    return list(rows), "соглашений заключено", reverse("support:overview")


def _events(item: Item, span: _Span) -> Records:
    found = Event.objects.filter(date__gte=span.since, date__lt=span.until, participants__gte=item.min_participants)
    if item.event_level:
        found = found.filter(level=item.event_level)
    text = f"{LEVEL_ADJECTIVES.get(item.event_level, '')}мероприятий проведено".capitalize()
    return list(found.values_list("pk", "date")), text, reverse("support:events")


def _people(item: Item) -> str:
    return f", не менее {item.min_participants} участников" if item.min_participants else ""


LEVEL_ADJECTIVES = {
    "interregional": "межрегиональных ",
    "regional": "региональных ",
    "municipal": "муниципальных ",
    "school": "школьных ",
}


def _courses(item: Item, span: _Span) -> Records:
    """Distinct programmes of further training completed, each on the day its first group ended."""
    firsts = (
        Course.objects.filter(end__gte=span.since, end__lt=span.until)
        .values("title")
        .annotate(first=Min("end"))
        .values_list("title", "first")
    )
    return list(firsts), "программ повышения квалификации пройдено", reverse("staff:teachers")


def _lookups(field: str, bounds: dict[str, Any]) -> dict[str, Any]:
    return {f"{field}__{op}": value for op, value in bounds.items()}


_HANDLERS = {
    "identification": _identification,
    "diagnostics": _diagnostics,
    "profiles": _profiles,
    "entry": _waves,
    "interim": _waves,
    "final": _waves,
}


_COUNTED = {
    "programmes": _programmes,
    "pairs": _pairs,
    "agreements": _agreements,
    "events": _events,
    "courses": _courses,
}


def _spans(all_items: list[Item], year: int, start: int) -> list[_Span]:
    """Each item's span: it opens where the previous item of the same kind closed (or at the working
    year's start), but never after its own window opens, and runs to the working year's end. A
    counted record (a course, an agreement, an event) in the overlap of two items' spans counts for
    the earlier item only (`lines` takes the items in the order of their windows)."""
    first, until = year_bounds(year, start)
    last_end: dict[tuple[str, str], dt.date] = {}
    spans = []
    for item in sorted(all_items, key=lambda i: i.window(year, start)):
        key = (item.evidence, item.event_level)
        window = item.window(year, start)
        since = last_end.get(key, first)
        if since > window[0]:  # the windows overlap: the item's own window opens its span
            since = window[0]
        spans.append((item, _Span(since, until, (year,))))
        last_end[key] = window[1] + dt.timedelta(days=1)
    order = {id(item): span for item, span in spans}
    return [order[id(item)] for item in all_items]


# Each item's evidence counts over the region's records (every diagnostic of the year among them):
# kept per data version, day and preset file, as the indicators are.
_MEMO = Memo(size=16)


def lines(year: int, today: dt.date | None = None) -> list[Line]:
    """The working year's items in the preset's order, with their status today (shared between
    requests until the data change: callers must not modify them)."""
    today = today or timezone.localdate()
    preset = registry.preset_stamp()
    return _MEMO.get(("cyclogram", year, today, preset), lambda: _lines(year, today))


def _lines(year: int, today: dt.date) -> list[Line]:
    start = year_start()
    all_items = items()
    spans = _spans(all_items, year, start)
    taken: dict[tuple[str, str], set[Any]] = {}
    found: dict[int, Line] = {}
    # In the order of the items' windows, so that a record counts for the earliest item needing it.
    for i in sorted(range(len(all_items)), key=lambda i: all_items[i].window(year, start)):
        item = all_items[i]
        done, when, what, url = _evidence(
            item, year, spans[i], taken.setdefault((item.evidence, item.event_level), set())
        )
        found[i] = Line(item, year, status(item, year, today, when, done, start), when, what, url, start)
    return [found[i] for i in range(len(all_items))]


def remind(today: dt.date | None = None) -> dict[str, int]:
    """Report each overdue item of the current year once."""
    today = today or timezone.localdate()
    overdue = [line for line in lines(working_year(today, year_start()), today) if line.status == "overdue"]
    people = User.objects.keepers_of(None)
    reported = notified = 0
    for line in overdue:
        try:
            with transaction.atomic():
                Reminder.objects.create(year=line.year, code=line.item.code)
        except IntegrityError:
            continue
        reported += 1
        text = f"Циклограмма, {year_title(line.year, line.year_start)}: просрочено «{line.item.title}» (срок — {line.period})."
        notified += notify(people, text, f"{reverse('cycle:cyclogram')}?year={line.year}")
    return {"overdue": reported, "notified": notified}
