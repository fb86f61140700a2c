"""Matching curators to schools: the problem, the proposal (OR-Tools), its reasons, export, approval and the operator's rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import matching
from shnor.core.support import SupportRules
from shnor.identification.models import Run
from shnor.identification.services.parameters import Parameter
from shnor.registry.models import Municipality, School
from shnor.support.models import (
    Curator,
    Pairing,
    Proposal,
    Rule,
)
from shnor.support.services.common import SupportError, factor_titles, label, official_run, rules, weaknesses
from shnor.support.services.curators import curator_accounts
from shnor.support.services.pairs import pairings


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
def propose(user: Actor, year: int) -> Proposal:
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
    exact = _solve(p, r, near)
    # The by-hand baseline keeps the same fixed pairs (those approved and the operator's pins), avoids
    # the same forbidden ones and takes the rest in turn: a baseline free of the operator's rules would
    # compare unlike with like.
    free = [s for s in p.schools if s.id not in p.pinned]
    room = {c.id: c.capacity for c in p.curators}
    for c_id in p.pinned.values():
        room[c_id] -= 1
    left = [matching.Curator(c.id, c.place, room[c.id], c.strengths) for c in p.curators if room[c.id] > 0]
    baseline = matching.greedy(free, left, near, costs=r.costs(), forbidden=p.forbidden)
    kept_cost = sum(pr.cost for pr in exact.pairs if pr.school in p.pinned)
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
            **({"groups": _group_summary(exact, r.group.minimum)} if isinstance(exact, matching.Grouping) else {}),
        },
    )
    loads: dict[str, int] = defaultdict(int)
    for pr in exact.pairs:
        loads[pr.curator] += 1
    form = r.form
    group_of = _group_of(exact)
    new = [
        Pairing(
            year=year,
            school_id=int(pr.school),
            curator_id=int(pr.curator[1:]),
            form=("group" if form == "pair" and loads[pr.curator] > 1 else form),
            status=Pairing.Status.PROPOSED,
            theme=group_of.get(pr.school, ("", ""))[0],
            departure=group_of.get(pr.school, ("", ""))[1],
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
    _regroup_kept(year, p.kept, group_of)
    return proposal


def _regroup_kept(year: int, kept: dict[str, str], group_of: dict[str, tuple[str, str]]) -> None:
    """An approved pair kept in new curator groups takes its group's problem and departure as they
    now are: the group may have gained schools around it."""
    if not group_of:
        return
    approved = Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED, school_id__in=[int(s) for s in kept])
    changed = []
    for pairing in approved:
        theme, departure = group_of.get(str(pairing.school_id), (pairing.theme, pairing.departure))
        if (pairing.theme, pairing.departure) != (theme, departure):
            pairing.theme, pairing.departure = theme, departure
            changed.append(pairing)
    Pairing.objects.bulk_update(changed, ["theme", "departure"])


def _solve(p: Problem, r: SupportRules, near: dict[str, frozenset[str]]) -> matching.Assignment:
    """The least-cost pairs, or the preset's curator groups (act 001) when it asks for them."""
    try:
        if r.grouped:
            return matching.groups(
                p.schools,
                p.curators,
                near,
                rules=r.group.rules(),
                costs=r.costs(),
                pinned=p.pinned,
                forbidden=p.forbidden,
                nearest=r.group.nearest,
            )
        return matching.solve(p.schools, p.curators, near, costs=r.costs(), pinned=p.pinned, forbidden=p.forbidden)
    except matching.MatchingError as error:
        raise SupportError(str(error)) from None


def _group_of(result: matching.Assignment) -> dict[str, tuple[str, str]]:
    """School → (its group's problem, its departure from the group rules) for curator groups."""
    if not isinstance(result, matching.Grouping):
        return {}
    out = {}
    for g in result.groups:
        for school in g.schools:
            departure = "short" if g.short else "outside" if school in g.outside else ""
            out[school] = (g.theme or "", departure)
    return out


def _group_summary(result: matching.Grouping, minimum: int) -> dict[str, Any]:
    return {
        "count": len(result.groups),
        "minimum": minimum,
        "short": result.departures["short"],
        "outside": result.departures["outside"],
        "optimal": result.optimal,
        "bound": round(result.bound, 6),
    }


def form_rule() -> Parameter:
    """The preset's form of support and group rules, with their source (an act's clause or a setting)."""
    from shnor.identification.services import parameters
    from shnor.registry import services as registry

    return parameters(registry.preset(), keys=("support.group",))[0]


def reason(pairing: Pairing, brief: bool = False, titles: dict[str, str] | None = None) -> str:
    """Why this curator: distance, the weaknesses it covers and those it does not, the group's
    problem and any departure from the group rules, pins. `brief` (the page, where the weaknesses
    and the group are shown beside it): the weaknesses as a count, without the group."""
    where = {
        "km": f"расстояние {pairing.distance:.0f} км".replace(".", ","),
        "same": "тот же муниципалитет",
        "neighbouring": "соседний муниципалитет",
        "other": "другой, не соседний муниципалитет",
    }.get(pairing.basis, "")
    parts = [where]
    titles = factor_titles() if titles is None and not brief else titles

    def label_(code: str) -> str:
        return label(code, titles)

    if brief:
        total = len(pairing.covered) + len(pairing.uncovered)
        parts.append(
            f"куратор силён в {len(pairing.covered)} из {total} слабых сторон школы"
            if total
            else "зафиксированных рисков и слабых предметов у школы нет"
        )
        if pairing.pinned:
            parts.append("пара закреплена оператором")
        return "; ".join(p for p in parts if p)
    if pairing.covered:
        parts.append("сильна там, где школа слаба: " + ", ".join(label_(c) for c in pairing.covered))
    if pairing.uncovered:
        parts.append("не закрывает: " + ", ".join(label_(c) for c in pairing.uncovered))
    if not pairing.covered and not pairing.uncovered:
        parts.append("зафиксированных рисков и слабых предметов у школы нет")
    if pairing.theme:
        strong = " (куратор силён в ней)" if pairing.theme in pairing.covered else ""
        parts.append(f"общая проблема кураторской группы: {label_(pairing.theme)}{strong}")
    if pairing.departure == "short":
        parts.append(
            "отступление от правил группы: школ в группе меньше, чем требует пресет, — иначе какая-то школа "
            "осталась бы без куратора или без группы по правилам"
        )
    elif pairing.departure == "outside":
        parts.append("отступление от правил группы: у школы нет общей проблемы группы")
    if pairing.pinned:
        parts.append("пара закреплена оператором")
    return "; ".join(p for p in parts if p)


def proposals(user: Actor) -> QuerySet[Proposal]:
    require(user, Perm.MATCH_CURATORS)
    return Proposal.objects.all()


def _with_reasons(qs: QuerySet[Pairing], by_curator: bool = False) -> list[Pairing]:
    """The pairs with their reasons; curator groups together when `by_curator`."""
    order = ("curator_id",) if by_curator else ()
    pairs = list(qs.order_by(*order, "school__municipality__name", "school__name"))
    titles = factor_titles()
    for p in pairs:
        p.reason = reason(p, titles=titles)
        p.brief = reason(p, brief=True)
        p.covered_labels = [label(c, titles) for c in p.covered]
        p.uncovered_labels = [label(c, titles) for c in p.uncovered]
        p.theme_label = label(p.theme, titles) if p.theme else ""
    return pairs


def proposal_pairs(user: Actor, proposal: Proposal) -> list[Pairing]:
    grouped = "groups" in (proposal.settings or {})
    return _with_reasons(pairings(user, status=None).filter(proposal=proposal), by_curator=grouped)


BASIS = {
    "km": "км по координатам",
    "same": "тот же муниципалитет",
    "neighbouring": "соседний муниципалитет",
    "other": "другой муниципалитет",
}


def export_xlsx(user: Actor, proposal: Proposal) -> bytes:
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
        "Общая проблема группы",
        "Отступление от правил группы",
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
            "; ".join(p.covered_labels),
            "; ".join(p.uncovered_labels),
            p.theme_label,
            p.get_departure_display(),
            "да" if p.pinned else "",
            p.reason,
        ]
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@transaction.atomic
def approve(user: Actor, proposal: Proposal, school_pks: set[int] | None = None) -> int:
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


def matching_rules(user: Actor) -> QuerySet[Rule]:
    require(user, Perm.MATCH_CURATORS)
    return Rule.objects.select_related("school", "curator", "curator__school", "curator__person")


def rule_choices(user: Actor, listed: Iterable[int] | None = None) -> tuple[QuerySet[School], QuerySet[Curator]]:
    """The schools (those of the list, if given) and the included curators a rule may name."""
    require(user, Perm.MATCH_CURATORS)  # before the form is read: a refusal, not «fill in the form»
    schools = restrict(School.objects.all(), user)
    if listed is not None:
        schools = schools.filter(pk__in=list(listed)).order_by("name")
    curators = restrict(Curator.objects.filter(status=Curator.Status.INCLUDED).select_related("school", "person"), user)
    return schools, curators


@transaction.atomic
def set_rule(user: Actor, school: School, curator: Curator, kind: str, note: str = "") -> Rule | None:
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
def end_pair(user: Actor, pairing: Pairing) -> Pairing:
    require(user, Perm.MATCH_CURATORS)
    pairing.status, pairing.ended_at = Pairing.Status.ENDED, timezone.now()
    pairing.save(update_fields=["status", "ended_at"])
    return pairing


@transaction.atomic
def set_form(user: Actor, pairing: Pairing, form: str) -> Pairing:
    require(user, Perm.MATCH_CURATORS)
    if form not in Pairing.Form.values:
        raise SupportError(f"Неизвестная форма сопровождения: «{form}».")
    pairing.form = form
    pairing.save(update_fields=["form"])
    return pairing
