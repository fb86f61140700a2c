"""System indicators computed from the data (act 004 §3 and the presets' targets), in the user's
scope: the region sees every school, a municipality its own, a school itself. The arithmetic and
the drill-down are in shnor.core.indicators; here the units are gathered from the database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict, scope_of
from shnor.core import support as core_support
from shnor.core.indicators import ACT_TARGETS, SYSTEM, Indicators, Unit, Value
from shnor.core.programmes import ExitRule, rise
from shnor.cycle.models import Target
from shnor.documents.common import number
from shnor.identification.models import Run, SchoolResult
from shnor.lib.memo import Memo
from shnor.programmes.models import Programme
from shnor.registry import services as registry
from shnor.registry.models import InfrastructureBody, School
from shnor.staff.models import Course, Diagnostic, Route, StaffMember, Teacher
from shnor.support.models import Agreement, Event, Pairing, Practice

MANAGERS = re.compile(r"директор|руководител|заместител|завуч", re.IGNORECASE)
REGION = "Региональный уровень"


def listed_run(year: int) -> tuple[Run | None, set[int]]:
    from shnor.support.services import official_run

    run, listed = official_run(year)
    return run, set(listed)


def _unit(
    school: School, counted: bool, key: str = "", label: str = "", detail: str = "", person: bool = False
) -> Unit:
    return Unit(
        key=key or school.school_id,
        label=label or school.name,
        school=school.school_id,
        school_name=school.name,
        municipality=school.municipality.name,
        counted=counted,
        detail=detail,
        person=person,
    )


def visible_units(user: Actor, value: Value) -> list[Unit]:
    """The units of a drill-down the user may see one by one. A teacher counted by an indicator
    (took the diagnostics, improved, has a route, was trained) is shown only to those who may open
    that teacher's record: a teacher sees their own line, not their colleagues'; the school, the
    municipality and the region see their teachers. The value itself (how many of how many) is the
    school's and is not narrowed."""
    people = {u.key for u in value.units if u.person}
    if not people or scope_of(user).region_wide:
        return list(value.units)
    seen = set(restrict(Teacher.objects.filter(staff_key__in=people), user).values_list("staff_key", flat=True))
    return [u for u in value.units if not u.person or u.key in seen]


def note() -> str:
    """Where the targets come from, when the preset says (an act that names no number)."""
    return registry.preset().indicators.note


def years() -> list[int]:
    """Years with a finished identification run, newest first."""
    return sorted(set(Run.objects.filter(status=Run.Status.DONE).values_list("year", flat=True)), reverse=True)


# Every indicator over every school of a scope: 2 s for a 40,000-school region, the same until the
# data change. Kept per data version, preset file and scope.
_MEMO = Memo(size=64)


def compute(user: Actor, year: int, municipality: int | None = None, school: int | None = None) -> list[Value]:
    """Every indicator of the preset for the year, over the schools in the user's scope (and of
    one municipality or one school inside it, for the dashboards of those levels). The values are
    shared between requests until the data change: callers must not modify them."""
    preset = registry.preset_stamp()
    key = ("indicators", scope_of(user), year, municipality, school, preset)
    return _MEMO.get(key, lambda: _compute(user, year, municipality, school))


@dataclass
class _Frame:
    """What the indicators of one year and one scope are computed from."""

    user: Actor
    year: int
    schools: dict[int, School]  # the scope's active schools
    listed: dict[int, School]  # those of the year's list
    local: bool  # a municipality's or a school's view, not the region's

    @property
    def regional(self) -> bool:
        """The region's own view: a count the acts set for the region (events, courses, seminars)
        is shown there only, never as a municipality's or a school's figure."""
        return not self.local and scope_of(self.user).region_wide

    own: dict[str, float | None]  # targets set for the year
    sources: dict[str, str] = field(default_factory=dict)  # the act's clause the preset quotes per target
    values: list[Value] = field(default_factory=list)
    # Teachers of the listed schools (a teacher in two of them counts once, at the first):
    # school, pseudonymous key, position.
    staff: dict[int, tuple[School, str, str]] = field(default_factory=dict)

    def add(self, code: str, units: list[Unit], target: float | None, basis: str = "", **fmt: Any) -> None:
        d = SYSTEM[code]
        basis = basis or self.sources.get(code, "")
        self.values.append(Value(d, d.title.format(**fmt), self.year, self.own.get(code, target), units, basis))

    def teacher(self, t_id: int, counted: bool, detail: str = "") -> Unit:
        school, key, _ = self.staff[t_id]
        return _unit(school, counted, key=key, label=f"педагог {key}", detail=detail, person=True)


def _compute(user: Actor, year: int, municipality: int | None, school: int | None) -> list[Value]:
    preset = registry.preset()
    targets = dict(preset.indicators.targets)
    if preset.support.targets.coverage:
        targets["1.3.1"] = round(100 * preset.support.targets.coverage, 1)
    run, listed_pks = listed_run(year)
    qs = restrict(School.objects.filter(is_active=True), user).select_related("municipality")
    if municipality is not None:
        qs = qs.filter(municipality_id=municipality)
    if school is not None:
        qs = qs.filter(pk=school)
    schools = {s.pk: s for s in qs}
    frame = _Frame(
        user=user,
        year=year,
        schools=schools,
        listed={pk: schools[pk] for pk in sorted(listed_pks) if pk in schools},
        local=municipality is not None or school is not None,
        own=dict(Target.objects.filter(year=year).values_list("code", "value")),
        sources=dict(preset.indicators.sources),
    )
    _results(frame, run, qs, targets, preset.exit)
    trained = _teachers(frame, targets)
    _preset_targets(frame, preset.support.targets, trained)
    _act_targets(frame, preset.indicators, trained)
    return frame.values


def _results(frame: _Frame, run: Run | None, qs: QuerySet[School], targets: dict[str, float], rule: ExitRule) -> None:
    """1.1: every school has its ИОР and ИСБ in the year's run; 1.2: a school of the list whose ИОР
    of the year rose against the year before as the preset's exit rule measures a rise (beyond the
    measurement error by default) — one measure of «positive dynamics» for the indicator and exit."""
    year = frame.year
    measured: set[int] = set()
    per_year: dict[int, dict[int, tuple[float, float | None]]] = {}
    if run is not None:
        # The scope as a subquery, not a list of 40,000 ids; in no order (the default sorts by names).
        results = SchoolResult.objects.filter(run=run, school__in=qs.values("pk")).order_by()
        for pk, ior, isb, window in results.values_list("school_id", "ior", "isb", "per_year"):
            if ior is not None and isb is not None:
                measured.add(pk)
            per_year[pk] = {int(y["year"]): (y["ior"], y.get("se")) for y in window if y.get("ior") is not None}
    frame.add(
        "1.1",
        [_unit(s, pk in measured) for pk, s in sorted(frame.schools.items(), key=lambda x: x[1].school_id)],
        targets.get("1.1"),
    )

    def rising(pk: int) -> tuple[bool, str]:
        y = per_year.get(pk, {})
        if year in y and year - 1 in y:
            (before, se_before), (after, se_after) = y[year - 1], y[year]
            r = rise(rule, before, after, se_before, se_after)
            needed = f" (порог роста {number(r.needed, 3)})" if r.needed is not None else ""
            return bool(r.holds), f"ИОР {number(before, 3)} → {number(after, 3)}{needed}"
        return False, "нет ИОР за оба года"

    frame.add(
        "1.2",
        [_unit(s, (r := rising(pk))[0], detail=r[1]) for pk, s in frame.listed.items()],
        targets.get("1.2"),
    )


def _teachers(frame: _Frame, targets: dict[str, float]) -> set[int]:
    """1.3–1.4: the listed schools' teachers diagnosed, improving, with a route; schools paired and
    with managers trained. Returns the teachers trained in the year (for the preset's targets)."""
    year, listed, staff = frame.year, frame.listed, frame.staff
    employed = StaffMember.objects.filter(school_id__in=listed, is_active=True)
    for teacher_id, school_id, key, position in employed.order_by("school_id", "teacher_id").values_list(
        "teacher_id", "school_id", "teacher__staff_key", "position"
    ):
        staff.setdefault(teacher_id, (listed[school_id], key, position))
    # The staff's teachers as a subquery (a country's list has tens of thousands of them) and no
    # model ordering (it joined the teachers to sort millions of diagnostics for nothing).
    teachers = employed.order_by().values("teacher_id")
    scores: dict[int, dict[int, dict[str, tuple[float, float]]]] = defaultdict(lambda: defaultdict(dict))
    for t_id, y, area, score, top in (
        Diagnostic.objects.filter(teacher_id__in=teachers, year__in=[year - 1, year])
        .order_by()
        .values_list("teacher_id", "year", "area", "score", "max_score")
    ):
        scores[t_id][y][area] = (score, top)
    diagnosed = {t_id for t_id, s in scores.items() if year in s}
    frame.add("1.3.1", [frame.teacher(t, t in diagnosed) for t in staff], targets.get("1.3.1"))
    twice = []
    for t_id in staff:
        s = scores.get(t_id, {})
        if year in s and year - 1 in s:
            change = core_support.overall(core_support.dynamics(s[year - 1], s[year]))
            twice.append(
                frame.teacher(
                    t_id,
                    change is not None and change > 0,
                    f"изменение {'+' if change > 0 else ''}{number(change, 3)}" if change is not None else "",
                )
            )
    frame.add("1.3.2", twice, targets.get("1.3.2"))

    with_route = set(
        Route.objects.filter(
            teacher_id__in=teachers, year=year, status__in=[Route.Status.APPROVED, Route.Status.COMPLETED]
        )
        .order_by()
        .values_list("teacher_id", flat=True)
    )
    frame.add("1.4.1", [frame.teacher(t, t in with_route) for t in staff], targets.get("1.4.1"))

    paired = set(
        Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED, school_id__in=listed).values_list(
            "school_id", flat=True
        )
    )
    frame.add("1.4.2", [_unit(s, pk in paired) for pk, s in listed.items()], targets.get("1.4.2"))

    trained = set(
        Course.objects.filter(teacher_id__in=teachers, end__year=year).order_by().values_list("teacher_id", flat=True)
    )
    # `trained` is read by a later query than `staff`: a teacher employed in between is not counted.
    trained &= staff.keys()
    managers_trained = {staff[t][0].pk for t in trained if MANAGERS.search(staff[t][2])}
    frame.add("1.4.3", [_unit(s, pk in managers_trained) for pk, s in listed.items()], targets.get("1.4.3"))
    return trained


def titles() -> dict[str, str]:
    """Every indicator's title with its number filled in from the preset (a title such as «не менее {n}
    педагогов» names the preset's number; where the preset sets none, says so)."""
    p = registry.preset()
    numbers = {"trained_per_school": p.support.targets.trained_per_school, "seminar": p.indicators.seminar_participants}
    return {
        code: d.title.format(n=numbers.get(code) or "N (число задаёт пресет)") if "{n}" in d.title else d.title
        for code, d in SYSTEM.items()
    }


def _preset_targets(frame: _Frame, t: core_support.Targets, trained: set[int]) -> None:
    """The preset's own targets (teachers trained, agreements, events, parents), where it sets them."""
    year, listed, staff = frame.year, frame.listed, frame.staff
    if t.trained_per_school:
        per_school: dict[int, int] = defaultdict(int)
        for t_id in trained:
            per_school[staff[t_id][0].pk] += 1
        frame.add(
            "trained_per_school",
            [
                _unit(s, per_school[pk] >= t.trained_per_school, detail=f"обучено {per_school[pk]}")
                for pk, s in listed.items()
            ],
            100.0,
            n=t.trained_per_school,
        )
    if t.trained_total:
        frame.add(
            "trained_total", [frame.teacher(t_id, True) for t_id in staff if t_id in trained], float(t.trained_total)
        )
    if t.agreements:
        agreements = (
            restrict(Agreement.objects.filter(date__year=year, pairing__school_id__in=listed), frame.user)
            .select_related("pairing__school", "pairing__school__municipality")
            .order_by("date", "pk")
        )
        frame.add(
            "agreements",
            [
                _unit(a.pairing.school, True, key=a.number, label=f"соглашение № {a.number} от {a.date:%d.%m.%Y}")
                for a in agreements
            ],
            float(t.agreements),
        )
    if t.events_per_year and frame.regional:
        events = Event.objects.filter(date__year=year, level__in=[Event.Level.REGIONAL, Event.Level.INTERREGIONAL])
        frame.add(
            "events",
            [
                Unit(str(e.pk), f"{e.title} ({e.date:%d.%m.%Y})", "", REGION, REGION, True, e.get_kind_display())
                for e in events.order_by("date", "pk")
            ],
            float(t.events_per_year),
        )
    if t.parents:
        frame.add("parents", _parents(year, listed), round(100 * t.parents, 1))


def _act_targets(frame: _Frame, ind: Indicators, trained: set[int]) -> None:
    """The indicators one act names with its own figure (acts 001 and 003), where the preset sets
    the target; each shows the act's clause the preset quotes."""
    year = frame.year
    wanted = [code for code in ACT_TARGETS if code in ind.targets]
    if not wanted:
        return

    def add(code: str, units: list[Unit], **fmt: Any) -> None:
        frame.add(code, units, ind.targets[code], **fmt)

    schools = sorted(frame.schools.values(), key=lambda s: s.school_id)
    events = Event.objects.filter(date__year=year).order_by("date", "pk")
    if "infrastructure" in wanted:
        munis = {s.municipality_id: s.municipality for s in schools}
        bodies: dict[int, list[str]] = defaultdict(list)
        for m_id, name in (
            InfrastructureBody.objects.filter(is_active=True, municipality_id__in=munis)
            .order_by("name")
            .values_list("municipality_id", "name")
        ):
            bodies[m_id].append(name)
        add(
            "infrastructure",
            [
                Unit(str(m.pk), m.name, "", m.name, m.name, bool(bodies[m.pk]), "; ".join(bodies[m.pk]))
                for m in sorted(munis.values(), key=lambda m: m.name)
            ],
        )
    if "courses" in wanted and frame.regional:
        titles: dict[str, int] = defaultdict(int)  # a programme's title as written, spaces aside
        for title in Course.objects.filter(teacher_id__in=trained, end__year=year).values_list("title", flat=True):
            titles[" ".join(title.split())] += 1
        add(
            "courses",
            [
                Unit(title, title, "", REGION, REGION, True, f"педагогов ШНОР и ШНСУ: {n}")
                for title, n in sorted(titles.items())
            ],
        )
    if "school_events" in wanted and frame.regional:
        add(
            "school_events",
            [
                Unit(str(e.pk), f"{e.title} ({e.date:%d.%m.%Y})", "", REGION, REGION, True, e.get_kind_display())
                for e in events.filter(level=Event.Level.SCHOOL)
            ],
        )
    if "seminar" in wanted and frame.regional:
        n = ind.seminar_participants
        add(
            "seminar",
            [
                Unit(
                    str(e.pk),
                    f"{e.title} ({e.date:%d.%m.%Y})",
                    "",
                    REGION,
                    REGION,
                    e.participants >= n,
                    f"участников {e.participants}",
                )
                for e in events.filter(level=Event.Level.INTERREGIONAL)
            ],
            n=n,
        )
    _district_shares(frame, [code for code in wanted if code in DISTRICT_SHARES], add, events)


DISTRICT_SHARES = ("programmes_register", "programmes_successful", "interschool_events", "dissemination")


def _district_shares(frame: _Frame, wanted: list[str], add: Any, events: QuerySet[Event]) -> None:
    """Act 003's shares of all the district's schools: listed schools with a programme in force, one
    left by an exit decision of the year, taking part in events, disseminating."""
    if not wanted:
        return
    year, listed = frame.year, frame.listed
    schools = sorted(frame.schools.values(), key=lambda s: s.school_id)
    live = (Programme.Status.APPROVED, Programme.Status.IN_FORCE, Programme.Status.COMPLETED)
    school_levels = (Programme.Level.SCHOOL, Programme.Level.ANTI_RISK)
    programmes = Programme.objects.filter(
        school_id__in=listed, level__in=school_levels, status__in=live, start__year__lte=year, end__year__gte=year
    )
    running = set(programmes.values_list("school_id", flat=True))
    succeeded = set(
        Programme.objects.filter(
            school_id__in=listed,
            level__in=school_levels,
            status=Programme.Status.COMPLETED,
            exit_decision__date__year=year,
        ).values_list("school_id", flat=True)
    )
    organisers = set(events.filter(organiser_id__in=listed).values_list("organiser_id", flat=True))
    taking_part = organisers | set(
        Event.schools.through.objects.filter(event__date__year=year, school_id__in=listed).values_list(
            "school_id", flat=True
        )
    )
    practices = set(
        Practice.objects.filter(
            school_id__in=listed, status=Practice.Status.PUBLISHED, created_at__year=year
        ).values_list("school_id", flat=True)
    )
    counted = {
        "programmes_register": (running, "программа школы действует в году"),
        "programmes_successful": (succeeded, "решение о выходе из программы в году"),
        "interschool_events": (taking_part, "участвовала в мероприятиях года"),
        "dissemination": (organisers | practices, "провела мероприятие или опубликовала практику"),
    }
    for code in wanted:
        if code in counted:
            members, why = counted[code]
            add(
                code,
                [
                    _unit(
                        s,
                        s.pk in members,
                        detail=why if s.pk in members else ("" if s.pk in listed else "не в перечне"),
                    )
                    for s in schools
                ],
            )


PARENTS = "R03.4"  # «Доля родителей, неудовлетворённых преподаванием предметов» (risk catalogue)


def _parents(year: int, listed: dict[int, School]) -> list[Unit]:
    """Listed schools whose parents answered in both years; counted where the share of the
    dissatisfied fell."""
    from shnor.risks.models import Profile

    shares: dict[tuple[int, int], float] = {}
    for school_id, y, parameters in Profile.objects.filter(school_id__in=listed, year__in=[year - 1, year]).values_list(
        "school_id", "year", "parameters"
    ):
        value = (parameters or {}).get(PARENTS, {}).get("value")
        if value is not None:
            shares[(school_id, y)] = float(value)
    units = []
    for pk, school in sorted(listed.items(), key=lambda x: x[1].school_id):
        before, after = shares.get((pk, year - 1)), shares.get((pk, year))
        if before is None or after is None:
            continue
        detail = f"неудовлетворённых {number(100 * before, 1)} % → {number(100 * after, 1)} %"
        units.append(_unit(school, after < before, detail=detail))
    return units


def get(user: Actor, year: int, code: str, municipality: int | None = None, school: int | None = None) -> Value:
    for v in compute(user, year, municipality, school):
        if v.definition.code == code:
            return v
    raise KeyError(code)


def dashboard(
    user: Actor, year: int, municipality: int | None = None, school: int | None = None
) -> list[tuple[Value, list[tuple[int, float | None]]]]:
    """The year's indicators, each with its values in every year with a run, oldest first (each
    year computed once)."""
    history = {y: compute(user, y, municipality, school) for y in sorted(years())}
    if year not in history:
        history[year] = compute(user, year, municipality, school)
    trend: dict[str, list[tuple[int, float | None]]] = defaultdict(list)
    for y, values in sorted(history.items()):
        for v in values:
            trend[v.definition.code].append((y, v.value))
    return [(v, trend[v.definition.code]) for v in history[year]]
