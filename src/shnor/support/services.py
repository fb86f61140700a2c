"""The support network: the curator pool, matching, pairs, agreements, journals, events, practices.

Every function takes the acting user, checks what they may do and narrows what they see
(`restrict`); views and the API only call these.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import matching
from shnor.core import support as core
from shnor.core.errors import DomainRefusal
from shnor.core.support import SupportRules
from shnor.documents import support as documents
from shnor.identification import services as identification
from shnor.identification.models import Component, Run, SchoolResult
from shnor.records.services import save_with_file
from shnor.registry import services as registry
from shnor.registry.models import InfrastructureBody, Municipality, Person, School
from shnor.risks.models import Profile
from shnor.support.models import (
    Agreement,
    Consultation,
    Curator,
    Event,
    Feedback,
    Pairing,
    Practice,
    Proposal,
    Rule,
)


class SupportError(DomainRefusal):
    """A request the rules refuse; the message (Russian) says why."""


def rules() -> SupportRules:
    return registry.preset().support


def today() -> dt.date:
    return timezone.localdate()


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


# --- the data behind curators and weaknesses ------------------------------------------------------


def official_run(year: int | None = None) -> tuple[Run | None, dict[int, str]]:
    """The latest identification run whose list was approved (else the latest run) and its list."""
    done = Run.objects.filter(status=Run.Status.DONE)
    if year is not None:
        done = done.filter(year=year)
    run = (
        done.filter(decisions__isnull=False).order_by("-finished_at", "-pk").first()
        or done.order_by("-finished_at", "-pk").first()
    )
    return run, (identification.final_list(run) if run else {})


def current_year() -> int:
    """The year of the latest finished identification run (the year the network works on)."""
    latest = Run.objects.filter(status=Run.Status.DONE).order_by("-year").values_list("year", flat=True).first()
    return latest or today().year


def _subject_z(run: Run, school_pks: set[int] | None = None) -> dict[int, dict[str, float]]:
    """School → subject → mean z of its latest year's works in the run."""
    qs = Component.objects.filter(run=run)
    if school_pks is not None:
        qs = qs.filter(school_id__in=school_pks)
    rows = list(qs.values_list("school_id", "year", "subject", "z"))
    latest: dict[int, int] = {}
    for school, year, _subject, _z in rows:
        latest[school] = max(latest.get(school, year), year)
    sums: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for school, year, subject, z in rows:
        if year == latest[school] and z is not None:
            sums[school][subject].append(z)
    return {s: {subj: sum(v) / len(v) for subj, v in by.items()} for s, by in sums.items()}


def latest_profiles(school_pks: set[int] | None, year: int | None) -> dict[int, Profile]:
    qs = Profile.objects.all()
    if school_pks is not None:
        qs = qs.filter(school_id__in=school_pks)
    if year is not None:
        qs = qs.filter(year__lte=year)
    result: dict[int, Profile] = {}
    for p in qs.order_by("school_id", "-year"):
        result.setdefault(p.school_id, p)
    return result


def weaknesses(run: Run, school_pks: set[int], year: int) -> dict[int, frozenset[str]]:
    """What a supported school needs help with: its fixed risk factors and its weak subjects."""
    limit = rules().curators.subject_z
    profiles = latest_profiles(school_pks, year)
    subjects = _subject_z(run, school_pks)
    return {
        pk: frozenset(profiles[pk].fixed if pk in profiles else ()) | core.subject_codes(subjects.get(pk, {}), limit)[1]
        for pk in school_pks
    }


def _strengths(run: Run, school_pks: set[int], year: int) -> dict[int, list[str]]:
    """What a curator school is strong in: risk factors at a low level, and strong subjects."""
    limit = rules().curators.subject_z
    profiles = latest_profiles(school_pks, year)
    subjects = _subject_z(run, school_pks)
    result = {}
    for pk in school_pks:
        factors = set()
        if pk in profiles:
            factors = {code for code, f in profiles[pk].factors.items() if f.get("level") == "low"}
        result[pk] = sorted(factors | core.subject_codes(subjects.get(pk, {}), limit)[0])
    return result


def label(code: str) -> str:
    """A weakness or strength code in words."""
    if code.startswith("subject:"):
        return code.removeprefix("subject:")
    titles = {f.code: f.title for f in registry.preset().catalogue().factors}
    return f"{code} {titles[code]}" if code in titles else code


# --- the curator pool -----------------------------------------------------------------------------


@dataclass
class PoolSummary:
    year: int
    candidates: int
    added: int
    updated: int


@transaction.atomic
def refresh_pool(user: Any, year: int | None = None) -> PoolSummary:
    """Find the schools meeting the computed criteria in the latest run and add or refresh them
    as candidates. Operator's marks, status, capacity and notes are kept; schools on the
    support list are never candidates."""
    require(user, Perm.MATCH_CURATORS)
    run, listed = official_run(year)
    if run is None:
        raise SupportError("Нет выполненного расчёта идентификации: критерии кураторов считаются по его результатам.")
    r = rules().curators
    results = list(SchoolResult.objects.filter(run=run).select_related("school"))
    records = {
        res.school_id: core.Record(
            {int(y["year"]): float(y["ior"]) for y in res.per_year if y.get("ior") is not None},
            res.cluster,
            res.school.innovation_site,
        )
        for res in results
    }
    cuts = core.thresholds(records.values(), r.high_quantile)
    met = {pk: core.criteria(rec, cuts, r) for pk, rec in records.items()}
    chosen = {pk for pk, m in met.items() if core.is_candidate(m, r) and pk not in listed}
    existing = {c.school_id: c for c in Curator.objects.filter(kind=Curator.Kind.SCHOOL) if c.school_id is not None}
    strengths = _strengths(run, chosen | set(existing), run.year)
    added = updated = 0
    schools = {res.school_id: res.school for res in results}
    for pk in sorted(chosen | (set(existing) & set(met))):
        computed = met[pk]
        curator = existing.get(pk)
        if curator is None:
            curator = Curator(
                kind=Curator.Kind.SCHOOL,
                school_id=pk,
                municipality_id=schools[pk].municipality_id,
                capacity=r.capacity,
            )
            added += 1
        else:
            updated += 1
        curator.met = {**{k: v for k, v in curator.met.items() if k in core.MARKED}, **computed}
        curator.year = run.year
        curator.strengths = strengths.get(pk, [])
        curator.save()
    return PoolSummary(run.year, len(chosen), added, updated)


def pool(user: Any, status: str | None = None, year: int | None = None, pk: int | None = None) -> list[Curator]:
    """The pool, resilient schools first (seeds 000, 001), then stably high, dynamics, innovation.
    Each curator's load counts its approved pairs of the year (by default the latest run's year)."""
    qs = restrict(Curator.objects.select_related("school", "municipality", "person"), user)
    if status:
        qs = qs.filter(status=status)
    if pk is not None:
        qs = qs.filter(pk=pk)
    curators = list(qs)
    load = dict(
        Pairing.objects.filter(status=Pairing.Status.APPROVED, year=year or current_year(), curator__in=qs.values("pk"))
        .values("curator")
        .annotate(n=Count("pk"))
        .values_list("curator", "n")
    )
    criteria = rules().curators
    for c in curators:
        c.load = load.get(c.pk, 0)  # type: ignore[attr-defined]
        c.missing = core.missing(c.met, criteria)  # type: ignore[attr-defined]
    order: dict[str, int] = {"included": 0, "candidate": 1, "excluded": 2}
    curators.sort(key=lambda c: (order[c.status], core.rank(c.met), str(c)))
    return curators


def get_curator(user: Any, pk: int) -> Curator:
    return restrict(Curator.objects.select_related("school", "municipality", "person"), user).get(pk=pk)


@transaction.atomic
def update_curator(
    user: Any,
    curator: Curator,
    *,
    status: str | None = None,
    marks: dict[str, bool] | None = None,
    capacity: int | None = None,
    extra_strengths: list[str] | None = None,
    note: str | None = None,
) -> Curator:
    """The operator's marks (strong and motivated head), capacity, own strengths and the decision
    to include or exclude. Inclusion needs every criterion the preset requires."""
    require(user, Perm.MATCH_CURATORS)
    if marks is not None:
        curator.met = {**curator.met, **{k: bool(v) for k, v in marks.items() if k in core.MARKED}}
    if capacity is not None:
        if not 1 <= capacity <= 20:
            raise SupportError("Вместимость куратора — от 1 до 20 школ.")
        curator.capacity = capacity
    if extra_strengths is not None:
        curator.extra_strengths = sorted({s.strip() for s in extra_strengths if s.strip()})
    if note is not None:
        curator.note = note
    if status is not None:
        if status not in Curator.Status.values:
            raise SupportError(f"Неизвестный статус куратора: «{status}».")
        if status == Curator.Status.INCLUDED and curator.kind == Curator.Kind.SCHOOL:
            lacking = core.missing(curator.met, rules().curators)
            if lacking:
                words = "; ".join(core.CRITERIA[c] for c in lacking)
                raise SupportError(f"{curator}: не выполнены критерии отбора школ-кураторов — {words}.")
        curator.status = status
    curator.save()
    return curator


@transaction.atomic
def add_tutor(
    user: Any,
    person: Person,
    municipality: Municipality,
    *,
    capacity: int = 3,
    strengths: list[str] | None = None,
    account: User | None = None,
) -> Curator:
    """An individual tutor or consultant (наставник, управленческий ментор) joins the pool."""
    require(user, Perm.MATCH_CURATORS)
    if not 1 <= capacity <= 20:
        raise SupportError("Вместимость куратора — от 1 до 20 школ.")
    if Curator.objects.filter(kind=Curator.Kind.TUTOR, person=person).exists():
        raise SupportError(f"{person.full_name} уже в пуле кураторов.")
    if account is not None and (account.role != Role.CURATOR or account.school_id is not None):
        raise SupportError(
            f"Учётная запись {account.username} не подходит тьютору: нужна роль «Куратор» без привязки к школе."
        )
    return Curator.objects.create(
        kind=Curator.Kind.TUTOR,
        person=person,
        municipality=municipality,
        user=account,
        capacity=capacity,
        extra_strengths=sorted(set(strengths or [])),
        status=Curator.Status.INCLUDED,
        met={"strong_head": True, "motivated_head": True},
    )


# --- matching -------------------------------------------------------------------------------------


def _place(school: School | None, municipality_id: int) -> matching.Place:
    if school is None:
        return matching.Place(str(municipality_id))
    return matching.Place(str(school.municipality_id), school.lat, school.lon)


def _neighbours() -> dict[str, frozenset[str]]:
    pairs = Municipality.neighbours.through.objects.values_list("from_municipality_id", "to_municipality_id")
    result: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        result[str(a)].add(str(b))
        result[str(b)].add(str(a))
    return {k: frozenset(v) for k, v in result.items()}


@dataclass
class Problem:
    year: int
    run: Run | None
    schools: list[matching.School]
    curators: list[matching.Curator]
    pinned: dict[str, str]
    forbidden: list[tuple[str, str]]
    kept: dict[str, str]  # already approved pairs of the year, kept as they are


def problem(year: int) -> Problem:
    """The matching problem of a year: the schools on the list, the included curators, the
    operator's pins and forbids, and the pairs already approved (kept pinned)."""
    run, listed = official_run(year)
    supported = set(listed)
    need = weaknesses(run, supported, year) if run else {}
    schools = {s.pk: s for s in School.objects.filter(pk__in=supported)}
    items = [
        matching.School(str(pk), _place(schools[pk], schools[pk].municipality_id), need.get(pk, frozenset()))
        for pk in sorted(supported)
    ]
    curators = []
    for c in Curator.objects.filter(status=Curator.Status.INCLUDED).select_related("school"):
        if c.school_id in supported:
            continue  # a school on the list cannot curate this year
        curators.append(
            matching.Curator(f"c{c.pk}", _place(c.school, c.municipality_id), c.capacity, frozenset(c.all_strengths))
        )
    present = {c.id for c in curators}
    kept = {
        str(p.school_id): f"c{p.curator_id}"
        for p in Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED, school_id__in=supported)
        if f"c{p.curator_id}" in present
    }
    pinned, forbidden = dict(kept), []
    for rule in Rule.objects.filter(school_id__in=supported):
        key = (str(rule.school_id), f"c{rule.curator_id}")
        if key[1] not in present:
            continue
        if rule.kind == Rule.Kind.PIN and key[0] not in kept:
            pinned[key[0]] = key[1]
        elif rule.kind == Rule.Kind.FORBID:
            forbidden.append(key)
    return Problem(year, run, items, curators, pinned, forbidden, kept)


@transaction.atomic
def propose(user: Any, year: int) -> Proposal:
    """Solve the matching exactly, compare with greedy, and store the proposal with a reason per pair.
    Earlier proposals of the year that were not approved are replaced."""
    require(user, Perm.MATCH_CURATORS)
    p = problem(year)
    if not p.schools:
        raise SupportError(f"В списке школ на {year} год нет школ: сначала выполните и утвердите идентификацию.")
    if not p.curators:
        raise SupportError("В пуле нет включённых кураторов: отметьте критерии и включите кураторов в пул.")
    r = rules()
    near = _neighbours()
    try:
        exact = matching.solve(p.schools, p.curators, near, costs=r.costs(), pinned=p.pinned, forbidden=p.forbidden)
    except matching.MatchingError as error:
        raise SupportError(str(error)) from None
    free = [s for s in p.schools if s.id not in p.kept]
    room = {c.id: c.capacity for c in p.curators}
    for c_id in p.kept.values():
        room[c_id] -= 1
    left = [matching.Curator(c.id, c.place, room[c.id], c.strengths) for c in p.curators if room[c.id] > 0]
    baseline = matching.greedy(free, left, near, costs=r.costs())
    kept_cost = sum(pr.cost for pr in exact.pairs if pr.school in p.kept)
    Pairing.objects.filter(year=year, status=Pairing.Status.PROPOSED).delete()
    Proposal.objects.filter(year=year, approved_at__isnull=True, pairings__isnull=True).delete()
    proposal = Proposal.objects.create(
        year=year,
        created_by=account(user),
        schools=len(p.schools),
        curators=len(p.curators),
        total=exact.total,
        greedy_total=round(baseline.total + kept_cost, 6),
        unassigned=sorted(
            School.objects.filter(pk__in=[int(s) for s in exact.unassigned]).values_list("school_id", flat=True)
        ),
        settings={
            "run": p.run.pk if p.run else None,
            "costs": r.costs().__dict__,
            "pinned": len(p.pinned) - len(p.kept),
            "forbidden": len(p.forbidden),
            "kept": len(p.kept),
            "greedy_unassigned": len(baseline.unassigned),
        },
    )
    loads: dict[str, int] = defaultdict(int)
    for pr in exact.pairs:
        loads[pr.curator] += 1
    form = r.form
    new = [
        Pairing(
            year=year,
            school_id=int(pr.school),
            curator_id=int(pr.curator[1:]),
            form=("group" if form == "pair" and loads[pr.curator] > 1 else form),
            status=Pairing.Status.PROPOSED,
            proposal=proposal,
            cost=pr.cost,
            distance=pr.distance,
            basis=pr.distance_basis,
            covered=sorted(pr.covered),
            uncovered=sorted(pr.uncovered),
            pinned=pr.school in p.pinned and pr.school not in p.kept,
        )
        for pr in exact.pairs
        if pr.school not in p.kept
    ]
    Pairing.objects.bulk_create(new)
    return proposal


def reason(pairing: Pairing) -> str:
    """Why this curator: distance, the weaknesses it covers and those it does not, pins."""
    where = {
        "km": f"расстояние {pairing.distance:.0f} км".replace(".", ","),
        "same": "тот же муниципалитет",
        "neighbouring": "соседний муниципалитет",
        "other": "другой, не соседний муниципалитет",
    }.get(pairing.basis, "")
    parts = [where]
    if pairing.covered:
        parts.append("сильна там, где школа слаба: " + ", ".join(label(c) for c in pairing.covered))
    if pairing.uncovered:
        parts.append("не закрывает: " + ", ".join(label(c) for c in pairing.uncovered))
    if not pairing.covered and not pairing.uncovered:
        parts.append("зафиксированных рисков и слабых предметов у школы нет")
    if pairing.pinned:
        parts.append("пара закреплена оператором")
    return "; ".join(p for p in parts if p)


def proposals(user: Any) -> QuerySet[Proposal]:
    require(user, Perm.MATCH_CURATORS)
    return Proposal.objects.all()


def _with_reasons(qs: QuerySet[Pairing]) -> list[Pairing]:
    pairs = list(qs.order_by("school__municipality__name", "school__name"))
    for p in pairs:
        p.reason = reason(p)  # type: ignore[attr-defined]
    return pairs


def proposal_pairs(user: Any, proposal: Proposal) -> list[Pairing]:
    return _with_reasons(pairings(user, status=None).filter(proposal=proposal))


BASIS = {
    "km": "км по координатам",
    "same": "тот же муниципалитет",
    "neighbouring": "соседний муниципалитет",
    "other": "другой муниципалитет",
}


def export_xlsx(user: Any, proposal: Proposal) -> bytes:
    """The proposal as a workbook: its totals against greedy, then one row per pair of the year with
    the reason: the proposal's own pairs and the approved pairs it kept from earlier proposals."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from shnor.ingest.workbooks import safe_cell

    pairs = proposal_pairs(user, proposal) + _with_reasons(pairings(user, proposal.year).exclude(proposal=proposal))
    book = Workbook()
    summary = book.active
    summary.title = "Итоги"
    rows: list[tuple[str, Any]] = [
        ("Год", proposal.year),
        ("Сформировано", timezone.localtime(proposal.created_at).strftime("%d.%m.%Y %H:%M")),
        ("Утверждено", timezone.localtime(proposal.approved_at).strftime("%d.%m.%Y") if proposal.approved_at else ""),
        ("Школ к распределению", proposal.schools),
        ("Кураторов в пуле", proposal.curators),
        ("Стоимость точного решения", round(proposal.total, 1)),
        ("Стоимость подбора «по очереди»", None if proposal.greedy_total is None else round(proposal.greedy_total, 1)),
        ("Не распределены при подборе «по очереди»", proposal.greedy_unassigned),
        ("Не распределены (коды ОО)", ", ".join(proposal.unassigned)),
    ]
    for label_, value in rows:
        summary.append([label_, safe_cell(value)])
    summary.column_dimensions["A"].width = 44
    sheet = book.create_sheet("Пары")
    header = [
        "Код ОО",
        "Школа",
        "Муниципалитет",
        "Куратор",
        "Форма",
        "Статус",
        "Расстояние",
        "Основа расстояния",
        "Стоимость",
        "Куратор силён",
        "Не закрыто",
        "Закреплена",
        "Обоснование",
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in pairs:
        row = [
            p.school.school_id,
            p.school.name,
            p.school.municipality.name,
            str(p.curator),
            p.get_form_display(),
            p.get_status_display(),
            round(p.distance, 1),
            BASIS.get(p.basis, p.basis),
            round(p.cost, 1),
            "; ".join(p.covered),
            "; ".join(p.uncovered),
            "да" if p.pinned else "",
            p.reason,  # type: ignore[attr-defined]
        ]
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@transaction.atomic
def approve(user: Any, proposal: Proposal, school_pks: set[int] | None = None) -> int:
    """Approve the proposed pairs (all, or those of the given schools). An earlier approved pair of
    the same school and year ends. The curators and schools are notified."""
    require(user, Perm.MATCH_CURATORS)
    pending = Pairing.objects.filter(proposal=proposal, status=Pairing.Status.PROPOSED).select_related(
        "school", "curator", "curator__school", "curator__person"
    )
    if school_pks is not None:
        pending = pending.filter(school_id__in=school_pks)
    pairs = list(pending)
    if not pairs:
        raise SupportError("Нет предложенных пар для утверждения.")
    now = timezone.now()
    Pairing.objects.filter(
        year=proposal.year, status=Pairing.Status.APPROVED, school_id__in=[p.school_id for p in pairs]
    ).update(status=Pairing.Status.ENDED, ended_at=now)
    for p in pairs:
        p.status, p.approved_by, p.approved_at = Pairing.Status.APPROVED, account(user), now
        p.save(update_fields=["status", "approved_by", "approved_at"])
        record(p, "approve", {"status": [Pairing.Status.PROPOSED, Pairing.Status.APPROVED]})
        url = reverse("support:pair", args=[p.pk])
        notify(
            curator_accounts(p.curator),
            f"Утверждена пара: вы куратор школы «{p.school}» ({p.get_form_display()}).",
            url,
        )
        notify(
            User.objects.heads_of(p.school_id),
            f"Утверждён куратор вашей школы: {p.curator} ({p.get_form_display()}).",
            url,
        )
    proposal.approved_at = now
    proposal.save(update_fields=["approved_at"])
    return len(pairs)


def curator_accounts(curator: Curator) -> QuerySet[User]:
    """The accounts that act for a curator (the curator school's, or the tutor's own)."""
    return User.objects.acting_for_curator(curator.school_id, curator.user_id)


def curators_of(school: School | None) -> QuerySet[User]:
    """The curators of a school: those of its approved pair (the curator school's accounts or the
    tutor's) — the same rule as for the pair's consultation journal (`is_curator_of`). Only a school
    with no approved pair is served by a curator the operator assigned by hand (since issue 20: an
    assigned curator had approved the programme of a school whose pair was another's)."""
    if school is None:
        return User.objects.none()
    pairs = Pairing.objects.filter(school=school, status=Pairing.Status.APPROVED)
    if pairs.exists():
        who = Q(school_id__in=pairs.filter(curator__school__isnull=False).values("curator__school_id")) | Q(
            pk__in=pairs.filter(curator__user__isnull=False).values("curator__user_id")
        )
    else:
        who = Q(assigned_schools=school)
    return User.objects.active().filter(who, role=Role.CURATOR).distinct()


def matching_rules(user: Any) -> QuerySet[Rule]:
    require(user, Perm.MATCH_CURATORS)
    return Rule.objects.select_related("school", "curator", "curator__school", "curator__person")


def rule_choices(user: Any, listed: Iterable[int] | None = None) -> tuple[QuerySet[School], QuerySet[Curator]]:
    """The schools (those of the list, if given) and the included curators a rule may name."""
    require(user, Perm.MATCH_CURATORS)  # before the form is read: a refusal, not «fill in the form»
    schools = restrict(School.objects.all(), user)
    if listed is not None:
        schools = schools.filter(pk__in=list(listed)).order_by("name")
    curators = restrict(Curator.objects.filter(status=Curator.Status.INCLUDED).select_related("school", "person"), user)
    return schools, curators


@transaction.atomic
def set_rule(user: Any, school: School, curator: Curator, kind: str, note: str = "") -> Rule | None:
    """Pin or forbid a pair for the next matching; kind "" removes the rule."""
    require(user, Perm.MATCH_CURATORS)
    Rule.objects.filter(school=school, curator=curator).delete()
    if not kind:
        return None
    if kind not in Rule.Kind.values:
        raise SupportError(f"Неизвестное правило подбора: «{kind}».")
    if kind == Rule.Kind.PIN and Rule.objects.filter(school=school, kind=Rule.Kind.PIN).exists():
        raise SupportError(f"За школой «{school}» уже закреплён другой куратор: снимите прежнее закрепление.")
    return Rule.objects.create(school=school, curator=curator, kind=kind, note=note, created_by=account(user))


@transaction.atomic
def end_pair(user: Any, pairing: Pairing) -> Pairing:
    require(user, Perm.MATCH_CURATORS)
    pairing.status, pairing.ended_at = Pairing.Status.ENDED, timezone.now()
    pairing.save(update_fields=["status", "ended_at"])
    return pairing


@transaction.atomic
def set_form(user: Any, pairing: Pairing, form: str) -> Pairing:
    require(user, Perm.MATCH_CURATORS)
    if form not in Pairing.Form.values:
        raise SupportError(f"Неизвестная форма сопровождения: «{form}».")
    pairing.form = form
    pairing.save(update_fields=["form"])
    return pairing


# --- pairs and their journals ---------------------------------------------------------------------


def pairings(user: Any, year: int | None = None, status: str | None = Pairing.Status.APPROVED) -> QuerySet[Pairing]:
    qs = Pairing.objects.select_related(
        "school", "school__municipality", "curator", "curator__school", "curator__person", "curator__municipality"
    )
    if year is not None:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return restrict(qs, user)


def get_pair(user: Any, pk: int) -> Pairing:
    return pairings(user, status=None).get(pk=pk)


def is_curator_of(user: Any, pairing: Pairing) -> bool:
    if _role(user) != Role.CURATOR:
        return False
    c = pairing.curator
    return bool((c.school_id and user.school_id == c.school_id) or (c.user_id and c.user_id == user.pk))


def is_supported_school(user: Any, pairing: Pairing) -> bool:
    return _role(user) == Role.SCHOOL and user.school_id == pairing.school_id


def can_keep_journal(user: Any, pairing: Pairing) -> bool:
    return pairing.status == Pairing.Status.APPROVED and (_role(user) == Role.OPERATOR or is_curator_of(user, pairing))


def can_rate(user: Any, pairing: Pairing) -> bool:
    return is_supported_school(user, pairing)


@transaction.atomic
def record_consultation(
    user: Any,
    pairing: Pairing,
    *,
    date: dt.date,
    form: str,
    topic: str,
    participants: int,
    hours: float,
    materials: str = "",
    upload: Any = None,
) -> Consultation:
    """An entry of the curator's consultation journal."""
    if not can_keep_journal(user, pairing):
        raise PermissionDenied("Журнал консультаций ведёт куратор утверждённой пары.")
    if form not in Consultation.Form.values:
        raise SupportError(f"Неизвестная форма консультации: «{form}».")
    if date > today():
        raise SupportError(f"Дата консультации {date:%d.%m.%Y} ещё не наступила: в журнал вносят проведённые.")
    if participants < 1 or not 0 < hours <= 40:
        raise SupportError("Укажите число участников (не меньше 1) и часы (больше 0 и не больше 40).")
    entry = Consultation(
        pairing=pairing,
        date=date,
        form=form,
        topic=topic.strip(),
        participants=participants,
        hours=hours,
        materials=materials,
        recorded_by=account(user),
    )
    if upload is not None:
        entry.file.save(upload.name, upload, save=False)
    entry.save()
    notify(
        User.objects.heads_of(pairing.school_id),
        f"Куратор внёс в журнал: {entry.get_form_display()} «{entry.topic}» ({date:%d.%m.%Y}). Оцените, пожалуйста.",
        reverse("support:pair", args=[pairing.pk]),
    )
    return entry


@transaction.atomic
def give_feedback(
    user: Any, consultation: Consultation, rating: int, comment: str = "", useful: bool = True
) -> Feedback:
    """The supported school rates a consultation once (журнал обратной связи)."""
    if not can_rate(user, consultation.pairing):
        raise PermissionDenied("Консультацию оценивает сопровождаемая школа.")
    if not 1 <= rating <= 5:
        raise SupportError(f"Оценка консультации — от 1 до 5, получено: {rating}.")
    if Feedback.objects.filter(consultation=consultation).exists():
        raise SupportError("Эта консультация уже оценена.")
    return Feedback.objects.create(
        consultation=consultation, rating=rating, comment=comment.strip(), useful=useful, given_by=account(user)
    )


@dataclass
class Activity:
    pairing: Pairing
    consultations: int = 0
    hours: float = 0.0
    participants: int = 0
    last: dt.date | None = None
    rated: int = 0
    rating: float | None = None
    agreements: int = 0
    inactive: bool = False
    weeks_idle: int = 0


def activity(
    user: Any, year: int | None = None, on: dt.date | None = None, pairing: Pairing | None = None
) -> list[Activity]:
    """Per approved pair (or the one given): consultations, hours, last date, ratings, agreements;
    a pair with no consultation for the preset's number of weeks (counted from its approval) is
    flagged."""
    qs = pairings(user, year, status=None if pairing else Pairing.Status.APPROVED)
    if pairing is not None:
        qs = qs.filter(pk=pairing.pk)
    return activity_of(list(qs.order_by("school__municipality__name", "school__name")), on or today())


def activity_of(pairs: list[Pairing], on: dt.date) -> list[Activity]:
    weeks = rules().inactive_weeks
    ids = [p.pk for p in pairs]
    stats = {
        row["pairing"]: row
        for row in Consultation.objects.filter(pairing_id__in=ids)
        .values("pairing")
        .annotate(n=Count("pk"), h=Sum("hours"), people=Sum("participants"), last=Max("date"))
    }
    ratings = {
        row["consultation__pairing"]: row
        for row in Feedback.objects.filter(consultation__pairing_id__in=ids)
        .values("consultation__pairing")
        .annotate(n=Count("pk"), avg=Avg("rating"))
    }
    agreements = dict(
        Agreement.objects.filter(pairing_id__in=ids)
        .values("pairing")
        .annotate(n=Count("pk"))
        .values_list("pairing", "n")
    )
    result = []
    for p in pairs:
        s: dict[str, Any] = dict(stats.get(p.pk, {}))
        r: dict[str, Any] = dict(ratings.get(p.pk, {}))
        since = s.get("last") or (timezone.localdate(p.approved_at) if p.approved_at else on)
        idle = max(0, (on - since).days // 7)
        result.append(
            Activity(
                p,
                consultations=s.get("n", 0),
                hours=float(s.get("h") or 0),
                participants=s.get("people") or 0,
                last=s.get("last"),
                rated=r.get("n", 0),
                rating=round(r["avg"], 2) if r.get("avg") is not None else None,
                agreements=agreements.get(p.pk, 0),
                inactive=idle >= weeks,
                weeks_idle=idle,
            )
        )
    return result


def remind_idle(on: dt.date | None = None) -> dict[str, int]:
    """Tell the curator, the supported school and the municipality's coordinators about each
    approved pair idle for the preset's weeks — once; a pair that becomes active again may be
    reported later. Part of the daily `shnor remind`."""
    on = on or today()
    pairs = list(
        Pairing.objects.filter(status=Pairing.Status.APPROVED).select_related(
            "school", "curator", "curator__school", "curator__person"
        )
    )
    rows = activity_of(pairs, on)
    idle = [r for r in rows if r.inactive and not r.pairing.idle_notified]
    active = [r.pairing.pk for r in rows if not r.inactive and r.pairing.idle_notified]
    notified = 0
    for r in idle:
        p = r.pairing
        people = list(curator_accounts(p.curator)) + list(
            User.objects.heads_of(p.school_id) | User.objects.coordinators_of(p.school.municipality_id)
        )
        since = f"последняя консультация {r.last:%d.%m.%Y}" if r.last else "консультаций не было"
        text = f"Пара «{p.school} — {p.curator}»: нет активности {r.weeks_idle} нед. ({since})."
        notified += notify(people, text, reverse("support:pair", args=[p.pk]))
    with transaction.atomic():
        Pairing.objects.filter(pk__in=[r.pairing.pk for r in idle]).update(idle_notified=True)
        Pairing.objects.filter(pk__in=active).update(idle_notified=False)
    return {"idle": len(idle), "notified": notified}


def get_consultation(user: Any, pk: int) -> Consultation:
    return restrict(Consultation.objects.select_related("pairing"), user).get(pk=pk)


def journal(user: Any, pairing: Pairing) -> list[Consultation]:
    return list(restrict(Consultation.objects.filter(pairing=pairing).select_related("feedback", "recorded_by"), user))


# --- agreements -----------------------------------------------------------------------------------


@transaction.atomic
def make_agreement(
    user: Any,
    pairing: Pairing,
    *,
    number: str,
    date: dt.date,
    start: dt.date,
    end: dt.date,
    subject: str = "",
) -> Agreement:
    """A cooperation agreement of the pair, generated from the DOCX template."""
    if not (_role(user) == Role.OPERATOR or user.has_shnor_perm(Perm.MATCH_CURATORS) or is_curator_of(user, pairing)):
        raise PermissionDenied("Соглашение оформляет оператор, координатор или куратор пары.")
    if pairing.status != Pairing.Status.APPROVED:
        raise SupportError("Соглашение заключают только по утверждённой паре.")
    if end < start:
        raise SupportError(f"Срок действия: дата окончания {end:%d.%m.%Y} раньше даты начала {start:%d.%m.%Y}.")
    if not number.strip():
        raise SupportError("Укажите номер соглашения.")
    subject = subject.strip() or documents.DEFAULT_SUBJECT
    parties = f"{pairing.curator} (куратор) и {pairing.school} (сопровождаемая школа)"
    content = documents.agreement(
        documents.AgreementData(
            number=number.strip(),
            date=date,
            curator=str(pairing.curator),
            school=str(pairing.school),
            form=pairing.get_form_display(),
            subject=subject,
            start=start,
            end=end,
            covered=[label(c) for c in pairing.covered],
            uncovered=[label(c) for c in pairing.uncovered],
        )
    )
    agreement = Agreement(
        pairing=pairing,
        number=number.strip(),
        date=date,
        parties=parties,
        subject=subject,
        start=start,
        end=end,
        sha256=documents.sha256(content),
        created_by=account(user),
    )
    save_with_file(agreement, "file", f"soglashenie-{number.strip().replace('/', '-')}.docx", content)
    return agreement


def agreements(user: Any, pairing: Pairing | None = None) -> QuerySet[Agreement]:
    qs = Agreement.objects.select_related("pairing", "pairing__school", "pairing__curator")
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return restrict(qs, user)


# --- events and practices -------------------------------------------------------------------------


def events(user: Any, year: int | None = None) -> QuerySet[Event]:
    """Regional events are everyone's; a municipal one is seen by the whole municipality, its
    schools included; a school one by whoever may see the organiser or a participant."""
    qs = Event.objects.select_related("municipality", "organiser")
    if year is not None:
        qs = qs.filter(date__year=year)
    scope = scope_of(user)
    if scope.region_wide:
        return qs
    own = School.objects.filter(pk__in=scope.school_ids).values("municipality_id")
    return qs.filter(Q(pk__in=restrict(Event.objects.all(), user).values("pk")) | Q(municipality_id__in=own))


@transaction.atomic
def add_event(user: Any, *, schools: list[School] | None = None, **fields: Any) -> Event:
    """Record an event. Regional and interregional ones: the operator or the regional coordinator;
    municipal ones: also the municipal coordinator of that municipality; school ones: a school or
    curator for their own school."""
    level = fields.get("level")
    organiser: School | None = fields.get("organiser")
    municipality: Municipality | None = fields.get("municipality")
    if level not in Event.Level.values:
        raise SupportError(f"Неизвестный уровень мероприятия: «{level}».")
    allowed = user.has_shnor_perm(Perm.PUBLISH_PRACTICES)
    if not allowed and level == Event.Level.MUNICIPAL:
        allowed = (
            _role(user) == Role.MUNICIPAL_COORDINATOR
            and municipality is not None
            and (municipality.pk == user.municipality_id)
        )
    if not allowed and level == Event.Level.SCHOOL:
        allowed = (
            _role(user) in (Role.SCHOOL, Role.CURATOR) and organiser is not None and organiser.pk == user.school_id
        )
    if not allowed:
        raise PermissionDenied("Недостаточно прав, чтобы внести мероприятие этого уровня.")
    event = Event.objects.create(created_by=account(user), **fields)
    if schools:
        event.schools.set(schools)
    return event


def practices(user: Any, factor: str | None = None, query: str | None = None) -> QuerySet[Practice]:
    """Published practices are for everyone to browse; drafts only within one's scope."""
    mine = restrict(Practice.objects.all(), user).values("pk")
    qs = Practice.objects.filter(Q(status=Practice.Status.PUBLISHED) | Q(pk__in=mine)).select_related(
        "school", "school__municipality"
    )
    if factor:
        qs = qs.filter(factors__contains=[factor]) if _json_contains() else qs.filter(factors__icontains=factor)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(summary__icontains=query) | Q(school__name__icontains=query))
    return qs


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@transaction.atomic
def add_practice(user: Any, school: School, **fields: Any) -> Practice:
    """A school (curator or resilient) or the operator describes a practice; it starts as a draft."""
    own = _role(user) in (Role.SCHOOL, Role.CURATOR) and user.school_id == school.pk
    if not (own or user.has_shnor_perm(Perm.PUBLISH_PRACTICES)):
        raise PermissionDenied("Практику описывает сама школа или региональный оператор.")
    return Practice.objects.create(school=school, created_by=account(user), status=Practice.Status.DRAFT, **fields)


@transaction.atomic
def publish_practice(user: Any, practice: Practice, publish: bool = True) -> Practice:
    require(user, Perm.PUBLISH_PRACTICES)
    practice.status = Practice.Status.PUBLISHED if publish else Practice.Status.DRAFT
    practice.save(update_fields=["status"])
    if publish:
        record(practice, "approve", {"status": [Practice.Status.DRAFT, Practice.Status.PUBLISHED]})
    return practice


# --- the infrastructure map -----------------------------------------------------------------------


@dataclass
class Level:
    title: str
    bodies: list[InfrastructureBody] = field(default_factory=list)
    curators: list[Curator] = field(default_factory=list)
    pairs: dict[str, list[Pairing]] = field(default_factory=dict)


def infrastructure(user: Any, year: int | None = None) -> list[Level]:
    """Seed 000, table 1: the regional level, then each municipality, with its bodies (and who sits
    in them), its curators and its pairs by form."""
    bodies = list(
        restrict(InfrastructureBody.objects.filter(is_active=True), user)
        .select_related("municipality", "school")
        .prefetch_related("memberships__person")
    )
    pairs = list(pairings(user, year))
    curators = pool(user, Curator.Status.INCLUDED, year)
    region = Level("Региональный уровень", [b for b in bodies if b.municipality_id is None])
    munis: dict[int, Level] = {}
    for m in restrict(Municipality.objects.all(), user).order_by("name"):
        munis[m.pk] = Level(m.name)
    for b in bodies:
        if b.municipality_id in munis:
            munis[b.municipality_id].bodies.append(b)
    for c in curators:
        if c.municipality_id in munis:
            munis[c.municipality_id].curators.append(c)
    for p in pairs:
        level = munis.get(p.school.municipality_id)
        if level is not None:
            level.pairs.setdefault(p.get_form_display(), []).append(p)
    return [region, *(lv for lv in munis.values() if lv.bodies or lv.curators or lv.pairs)]
