"""The management cycle's services (seed 004 §§2, 6–10): goals and tasks, per-year targets, the
analysts' conclusions, addressed recommendations, measures, management decisions with their
documents and the working group's meetings.

Rules: a region-level object (no municipality) is kept by the region (operator, regional
coordinator); a municipality's by its coordinator too. Recommendations are read and reported on
by their addressee only. Every document is generated here, stored with its SHA-256, and written
all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from shnor import failpoints
from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import recommend
from shnor.core.errors import DomainRefusal
from shnor.core.indicators import SYSTEM, Value
from shnor.cycle import indicators
from shnor.cycle.models import (
    AgendaItem,
    Conclusion,
    Goal,
    Measure,
    Meeting,
    Recommendation,
    Reminder,
    Target,
)
from shnor.documents import cycle as documents
from shnor.documents.cache import pdf_folder
from shnor.identification import labels
from shnor.identification.models import SchoolResult
from shnor.records.models import Decision, Document, Level
from shnor.records.services import authority, decisions, keeping, sees_whole, store_document
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School
from shnor.support import services as support
from shnor.support.models import Curator, Pairing
from shnor.support.services import rules


class CycleError(DomainRefusal):
    """A refusal of the management cycle, with its reason in Russian."""


def preset() -> Any:
    return registry.preset()


def today() -> dt.date:
    return timezone.localdate()


def region_wide(user: Any) -> bool:
    return scope_of(user).region_wide


def _check_keeper(user: Any, municipality: Municipality | None) -> None:
    """May the user keep the cycle at this level: the region's needs a region-wide role, a
    municipality's one in the user's scope."""
    require(user, Perm.MANAGE_CYCLE)
    if municipality is None:
        if not region_wide(user):
            raise PermissionDenied("Региональный уровень ведёт региональный оператор или координатор.")
    elif not restrict(Municipality.objects.filter(pk=municipality.pk), user).exists():
        raise PermissionDenied("Муниципалитет вне вашей зоны ответственности.")


def can_keep(user: Any, municipality: Municipality | None) -> bool:
    """Whether the user keeps the cycle at this level (the pages show their forms by it)."""
    try:
        _check_keeper(user, municipality)
    except PermissionDenied:
        return False
    return True


def schools_by_codes(user: Any, codes: Iterable[str]) -> list[School]:
    """Schools named by their codes, each in the user's scope; a missing one is a refusal naming it."""
    codes = [c.strip() for c in codes if c.strip()]
    found = {s.school_id: s for s in restrict(School.objects.filter(school_id__in=codes), user)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise CycleError(f"Школы с кодами {', '.join(missing)} не найдены в вашей зоне ответственности.")
    return [found[c] for c in codes]


def municipality_in_scope(user: Any, pk: int | None) -> Municipality | None:
    if pk is None:
        return None
    found = restrict(Municipality.objects.filter(pk=pk), user).first()
    if found is None:
        raise Municipality.DoesNotExist
    return found


def _lines(text: str) -> list[str]:
    """Non-empty lines of a text area, without a leading «1.», «1)» or «-»."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(\d+[.)]|[-–•])\s*", "", line).strip()
        if line:
            out.append(line)
    return out


# --- goals and tasks -----------------------------------------------------------------------------


@dataclass
class Goals:
    year: int
    municipality: Municipality | None
    goal: list[str]
    tasks: list[str]
    from_preset: bool
    source: str
    updated_at: dt.datetime | None = None


def goals(user: Any, year: int, municipality: Municipality | None = None) -> Goals:
    """The year's goals and tasks of the region or a municipality. Until someone saves them, the
    region's are the preset's (its founding act); a municipality's start empty."""
    if municipality is not None and not restrict(Municipality.objects.filter(pk=municipality.pk), user).exists():
        raise PermissionDenied("Муниципалитет вне вашей зоны ответственности.")
    rows = list(Goal.objects.filter(year=year, municipality=municipality))
    if rows:
        return Goals(
            year,
            municipality,
            [g.text for g in rows if g.kind == Goal.Kind.GOAL],
            [g.text for g in rows if g.kind == Goal.Kind.TASK],
            False,
            "",
            max(g.updated_at for g in rows),
        )
    p = preset().goals
    if municipality is None:
        return Goals(year, None, list(p.goal), list(p.tasks), True, p.source)
    return Goals(year, municipality, [], [], True, "")


@transaction.atomic
def set_goals(user: Any, year: int, municipality: Municipality | None, goal: str, tasks: str) -> Goals:
    _check_keeper(user, municipality)
    goal_lines, task_lines = _lines(goal), _lines(tasks)
    if not goal_lines:
        raise CycleError("Сформулируйте цель (хотя бы одну строку).")
    if not task_lines:
        raise CycleError("Перечислите задачи (по одной на строке).")
    Goal.objects.filter(year=year, municipality=municipality).delete()
    who = account(user)
    Goal.objects.bulk_create(
        [
            Goal(year=year, municipality=municipality, kind=kind, text=text, position=i, updated_by=who)
            for kind, lines in ((Goal.Kind.GOAL, goal_lines), (Goal.Kind.TASK, task_lines))
            for i, text in enumerate(lines, start=1)
        ]
    )
    for g in Goal.objects.filter(year=year, municipality=municipality):  # bulk_create sends no signals
        record(g, "create", {"text": [None, g.text]})
    return goals(user, year, municipality)


# --- per-year targets ----------------------------------------------------------------------------


def targets(year: int) -> dict[str, tuple[float | None, str]]:
    """Every indicator's target for the year and where it comes from (the preset or the year)."""
    p = preset()
    out: dict[str, tuple[float | None, str]] = {code: (value, "пресет") for code, value in p.indicators.targets.items()}
    for t in Target.objects.filter(year=year):
        out[t.code] = (t.value, "установлено на год")
    return out


@transaction.atomic
def set_targets(user: Any, year: int, values: dict[str, float | None]) -> None:
    """Set (a number) or reset to the preset's (None) the targets of a year. Shares are percents."""
    _check_keeper(user, None)
    for code, value in values.items():
        if code not in SYSTEM:
            raise CycleError(f"Нет показателя с кодом «{code}».")
        if value is None:
            for t in Target.objects.filter(year=year, code=code):
                t.delete()
            continue
        if value < 0 or (SYSTEM[code].kind == "share" and value > 100):
            raise CycleError(f"Показатель {code}: целевое значение {value} вне допустимых пределов (0–100 %).")
        target, created = Target.objects.get_or_create(
            year=year, code=code, defaults={"value": value, "set_by": account(user)}
        )
        if not created and target.value != value:
            target.value, target.set_by = value, account(user)
            target.save()


# --- analysis by the four directions -------------------------------------------------------------

DIRECTION_CODES: dict[str, tuple[str, ...]] = {
    Conclusion.Direction.IDENTIFICATION: ("1.1",),
    Conclusion.Direction.DYNAMICS: ("1.2",),
    Conclusion.Direction.COMPETENCES: ("1.3.1", "1.3.2", "trained_per_school", "trained_total"),
    Conclusion.Direction.ASSISTANCE: ("1.4.1", "1.4.2", "1.4.3", "agreements", "events"),
}


@dataclass
class Direction:
    code: str
    title: str
    figures: list[tuple[str, str]]
    values: list[Value]
    conclusion: Conclusion | None


def analysis(
    user: Any, year: int, municipality: Municipality | None = None, computed: list[Value] | None = None
) -> list[Direction]:
    """Seed 004 §6: for each direction, the figures that inform it and the conclusions written."""
    if computed is None:  # the caller's indicators of this year and level, when it has them
        computed = indicators.compute(user, year, municipality.pk if municipality else None)
    values = {v.definition.code: v for v in computed}
    run, listed = indicators.listed_run(year)
    results = SchoolResult.objects.filter(run=run) if run else SchoolResult.objects.none()
    results = _restrict_results(results, user, municipality)
    clusters = Counter(results.values_list("cluster", flat=True))
    figures: dict[str, list[tuple[str, str]]] = {
        Conclusion.Direction.IDENTIFICATION: [
            ("Школ в расчёте", str(results.count())),
            ("Школ в перечне", str(results.filter(school_id__in=listed).count())),
            *[(f"Кластер «{labels.CLUSTERS[c]}»", str(n)) for c, n in sorted(clusters.items()) if c in labels.CLUSTERS],
        ],
        Conclusion.Direction.DYNAMICS: [],
        Conclusion.Direction.COMPETENCES: [],
        Conclusion.Direction.ASSISTANCE: [],
    }
    written = {c.direction: c for c in Conclusion.objects.filter(year=year, municipality=municipality)}
    out = []
    for code, title in Conclusion.Direction.choices:
        vs = [values[c] for c in DIRECTION_CODES[code] if c in values]
        out.append(Direction(code, title, figures[code], vs, written.get(code)))
    return out


def _restrict_results(
    qs: QuerySet[SchoolResult], user: Any, municipality: Municipality | None
) -> QuerySet[SchoolResult]:
    qs = qs.filter(school__in=restrict(School.objects.all(), user))
    return qs.filter(school__municipality=municipality) if municipality else qs


def save_conclusion(user: Any, year: int, direction: str, municipality: Municipality | None, text: str) -> Conclusion:
    _check_keeper(user, municipality)
    if direction not in Conclusion.Direction.values:
        raise CycleError(f"Нет направления анализа «{direction}».")
    if not text.strip():
        raise CycleError("Напишите выводы: поле пустое.")
    conclusion = Conclusion.objects.filter(year=year, direction=direction, municipality=municipality).first()
    if conclusion is None:
        conclusion = Conclusion(year=year, direction=direction, municipality=municipality)
    conclusion.text, conclusion.updated_by = text.strip(), account(user)
    conclusion.save()
    return conclusion


def conclusions(user: Any, year: int | None = None) -> QuerySet[Conclusion]:
    qs = restrict(Conclusion.objects.select_related("municipality"), user)
    return qs.filter(year=year) if year else qs


# --- addressed recommendations -------------------------------------------------------------------


# A select longer than this is no help: the schools of a longer list are named by their codes.
LISTED_IN_SELECT = 300


def addressees(user: Any, year: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Whom the user may address, grouped by kind, as «kind:id» choices: municipalities (the
    region only), the schools of the year's list and the curators, in the user's scope. Any other
    school of the scope is named by its code (`DraftForm.code`): a country has 40,000 of them."""
    from shnor.support.services import pool

    kinds = dict(Recommendation.Addressee.choices)
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    if region_wide(user):
        municipalities = [(f"municipality:{pk}", name) for pk, name in registry.municipality_choices(user)]
        groups.append((kinds["municipality"].capitalize(), municipalities))
    _, listed = indicators.listed_run(year)
    if not (region_wide(user) and len(listed) > LISTED_IN_SELECT):  # a longer list: by code only
        qs = restrict(School.objects.filter(pk__in=listed), user).order_by("municipality__name", "name")
        schools = list(qs[: LISTED_IN_SELECT + 1])
        if len(schools) <= LISTED_IN_SELECT:
            label = f"{kinds['school'].capitalize()} из перечня {year} года"
            groups.append((label, [(f"school:{s.pk}", f"{s.school_id} — {s.name}") for s in schools]))
    groups.append(("Кураторам", [(f"curator:{c.pk}", str(c)) for c in pool(user)]))
    return groups


def addressee_of(user: Any, target: str, code: str = "") -> tuple[str, int]:
    """The addressee a draft form names: any school of the scope by its code, else a «kind:id» of
    the select; a refusal when neither is given."""
    if code.strip():
        return "school", schools_by_codes(user, [code])[0].pk
    addressee, _, pk = target.partition(":")
    if not pk.isdigit():
        raise CycleError("Выберите адресата или введите код ОО.")
    return addressee, int(pk)


def recommendations(user: Any, year: int | None = None, status: str | None = None) -> QuerySet[Recommendation]:
    """The recommendations the user may see (a tutor also sees those addressed to them)."""
    base = Recommendation.objects.select_related("municipality", "school", "curator", "curator__school")
    qs = restrict(base, user)
    scope = scope_of(user)
    if not scope.region_wide:
        # A curator's recommendation speaks of the schools it supports, which may lie in another
        # municipality: below the region only the curator itself reads it.
        qs = qs.filter(~Q(addressee=Recommendation.Addressee.CURATOR) | Q(curator__school_id__in=scope.school_ids))
        # A draft is the author's until it is issued: below the region only a municipality's own
        # drafts, to its coordinators.
        own_drafts = Q(level=Level.MUNICIPALITY, municipality_id__in=scope.municipality_ids)
        if not user.has_shnor_perm(Perm.MANAGE_CYCLE):
            own_drafts = Q(pk__in=[])
        qs = qs.filter(~Q(status=Recommendation.Status.DRAFT) | own_drafts)
    if getattr(user, "pk", None) and getattr(user, "role", "") == Role.CURATOR:
        qs = qs | base.filter(curator__user_id=user.pk)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return qs.distinct()


def get_recommendation(user: Any, pk: int) -> Recommendation:
    return recommendations(user).get(pk=pk)


@dataclass
class Basis:
    """What every draft of a year compares with, computed once for all the drafts: the indicators
    in the user's scope with their drill-downs, the run's ИОР and ИСБ, the risk profiles, the
    approved pairs and their activity."""

    year: int
    values: list[Value]
    rows: dict[str, dict[str, dict[str, Any]]]  # level → code → key → Row
    label: str  # what the reference figure is: the region, or the user's municipality
    threshold: float | None
    results: dict[int, SchoolResult]
    spread: float
    profiles: dict[int, Any]
    catalogue: dict[str, Any]
    pairs: dict[int, Any]  # supported school → its approved pair of the year
    activity: dict[int, Any]  # pair → its activity
    idle_weeks: int
    listed: set[int]


def basis(user: Any, year: int) -> Basis:
    values = indicators.compute(user, year)
    rows: dict[str, dict[str, dict[str, Any]]] = {
        level: {v.definition.code: {r.key: r for r in v.by(level)} for v in values}
        for level in ("municipality", "school")
    }
    run, listed = indicators.listed_run(year)
    results = {r.school_id: r for r in SchoolResult.objects.filter(run=run).select_related("school")} if run else {}
    isb = [r.isb for r in results.values() if r.isb is not None]
    pairs = {
        p.school_id: p
        for p in Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED).select_related(
            "school", "school__municipality", "curator", "curator__school", "curator__person"
        )
    }
    return Basis(
        year=year,
        values=values,
        rows=rows,
        label="по региону" if region_wide(user) else "по муниципалитету",
        threshold=run.summary.get("ior_threshold") if run else None,
        results=results,
        spread=statistics.pstdev(isb) if len(isb) > 1 else 0.0,
        profiles=support.latest_profiles(set(listed) | set(pairs), year),
        catalogue={f.code: f for f in preset().catalogue().factors},
        pairs=pairs,
        activity={a.pairing.pk: a for a in support.activity_of(list(pairs.values()), today())},
        idle_weeks=rules().inactive_weeks,
        listed=set(listed),
    )


def _factors(b: Basis, school_pk: int) -> tuple[recommend.Factor, ...]:
    profile = b.profiles.get(school_pk)
    if profile is None:
        return ()
    return tuple(
        recommend.Factor(b.catalogue[code].title, tuple(b.catalogue[code].measures))
        for code in profile.fixed
        if code in b.catalogue
    )


def _school_facts(b: Basis, school: School) -> recommend.SchoolFacts:
    result = b.results.get(school.pk)
    peers: list[float] = []
    models: list[str] = []
    if result is not None and result.isb is not None:
        near = [
            o
            for pk, o in b.results.items()
            if pk != school.pk
            and o.isb is not None
            and o.ior is not None
            and abs(o.isb - result.isb) <= 0.25 * b.spread
        ]
        peers = [o.ior for o in near if o.ior is not None]
        resilient = sorted((o for o in near if o.cluster == "resilient"), key=lambda o: -(o.ior or 0))
        models = [o.school.name for o in resilient[:3]]
    pair = b.pairs.get(school.pk)
    return recommend.SchoolFacts(
        name=school.name,
        ior=result.ior if result else None,
        threshold=b.threshold,
        peers=len(peers),
        peers_median=statistics.median(peers) if peers else None,
        models=tuple(models),
        factors=_factors(b, school.pk),
        gaps=tuple(recommend.level_gaps(b.values, b.rows["school"], school.school_id, b.label)),
        curator=str(pair.curator) if pair else "",
    )


def _compose(b: Basis, addressee: str, target: Any) -> tuple[str, recommend.Draft, Municipality]:
    """The title, the draft and the addressee's municipality for one addressee."""
    if addressee == Recommendation.Addressee.MUNICIPALITY:
        municipality: Municipality = target
        local = set(School.objects.filter(pk__in=b.listed, municipality=municipality).values_list("pk", flat=True))
        factors: Counter[str] = Counter()
        for pk in local:
            factors.update(f.title for f in _factors(b, pk))
        idle = sum(1 for p in b.pairs.values() if p.school_id in local and b.activity[p.pk].inactive)
        gaps = recommend.level_gaps(b.values, b.rows["municipality"], municipality.name, b.label)
        draft = recommend.for_municipality(gaps, len(local), idle, factors)
        return f"Адресные рекомендации органу управления образованием: {municipality.name}", draft, municipality
    if addressee == Recommendation.Addressee.SCHOOL:
        school: School = target
        draft = recommend.for_school(_school_facts(b, school))
        return f"Адресные рекомендации руководителю: {school.name}", draft, school.municipality
    curator = target
    supported = sorted(
        (p for p in b.pairs.values() if p.curator_id == curator.pk),
        key=lambda p: (p.school.municipality.name, p.school.name),
    )
    facts = [
        recommend.PairFacts(
            _school_facts(b, p.school),
            b.activity[p.pk].consultations,
            b.activity[p.pk].last,
            b.activity[p.pk].inactive,
            b.activity[p.pk].rating,
        )
        for p in supported
    ]
    draft = recommend.for_curator(facts, b.idle_weeks)
    whom = "школе-куратору" if curator.school_id else "куратору-тьютору"
    return f"Адресные рекомендации {whom}: {curator}", draft, curator.municipality


def _addressee_in_scope(user: Any, addressee: str, pk: int) -> Any:
    if addressee == Recommendation.Addressee.MUNICIPALITY:
        if not region_wide(user):
            raise PermissionDenied("Рекомендации муниципалитетам направляет региональный уровень.")
        return restrict(Municipality.objects.all(), user).get(pk=pk)
    if addressee == Recommendation.Addressee.SCHOOL:
        return restrict(School.objects.select_related("municipality"), user).get(pk=pk)
    if addressee == Recommendation.Addressee.CURATOR:
        return restrict(Curator.objects.select_related("school", "person", "municipality"), user).get(pk=pk)
    raise CycleError(f"Неизвестный адресат «{addressee}».")


class DraftHeldElsewhere(CycleError):
    """The addressee's draft of the year is kept at the other level: neither level takes over the
    other's draft (its text may already be edited); the holder finishes or withdraws it."""


def _held_by(rec: Recommendation, year: int) -> str:
    who = (rec.created_by.get_full_name() or rec.created_by.get_username()) if rec.created_by else ""
    level = "региональном" if rec.level == Level.REGION else "муниципальном"
    holder = f" ({who})" if who else ""
    return (
        f"Проект рекомендаций этому адресату на {year} год уже готовится на {level} уровне{holder}. "
        "Изменить его может только тот уровень, который его ведёт."
    )


def _level_of(user: Any) -> str:
    return Level.REGION if region_wide(user) else Level.MUNICIPALITY


def _refuse_takeover(existing: Recommendation | None, level: str, year: int) -> None:
    """A draft held at the other level is not the drafter's to take (tests/security/test_probe.py
    switches this off to show its takeover probe catches the fault)."""
    if existing is not None and existing.level != level:
        raise DraftHeldElsewhere(_held_by(existing, year))


@dataclass(frozen=True)
class Drafted:
    """What a drafting of all addressees did: drafted (new or re-drafted), left because already
    issued, left because another level holds the draft."""

    drafted: int
    issued: int
    held_elsewhere: int

    def message(self, year: int) -> str:
        text = f"Подготовлено проектов рекомендаций за {year} год: {self.drafted}."
        if self.issued:
            text += f" Уже направлены, оставлены без изменений: {self.issued}."
        if self.held_elsewhere:
            text += f" Проекты другого уровня, не изменены: {self.held_elsewhere}."
        return text


@transaction.atomic
def draft(user: Any, year: int, addressee: str, pk: int, context: Basis | None = None) -> Recommendation:
    """Draft (or re-draft while it is a draft) the recommendation to one addressee from the data.
    `context`: the year's basis when drafting many at once."""
    require(user, Perm.MANAGE_CYCLE)
    target = _addressee_in_scope(user, addressee, pk)
    title, text, municipality = _compose(context or basis(user, year), addressee, target)
    key = {"year": year, "addressee": addressee}
    key |= (
        {"municipality": target, "school": None}
        if addressee == Recommendation.Addressee.MUNICIPALITY
        else {"school": target}
        if addressee == Recommendation.Addressee.SCHOOL
        else {"curator": target}
    )
    level = _level_of(user)
    # Locked, so that two levels drafting at once do not both find nothing and both create one.
    existing = Recommendation.objects.select_for_update().filter(**key).order_by("-pk").first()
    if existing is not None and existing.status != Recommendation.Status.DRAFT:
        raise CycleError(f"Рекомендации адресату на {year} год уже направлены ({existing.issued_at:%d.%m.%Y}).")
    _refuse_takeover(existing, level, year)
    rec = existing or Recommendation(**key)
    rec.municipality = municipality
    if addressee == Recommendation.Addressee.CURATOR:
        rec.school = target.school
    rec.level = level
    rec.title, rec.findings, rec.text = title, text.findings_text, text.actions_text
    rec.due = rec.due or dt.date(year, 12, 20)
    rec.created_by = rec.created_by or account(user)
    if existing is not None:
        rec.version += 1
    rec.save()
    return rec


def draft_all(user: Any, year: int) -> Drafted:
    """Draft for every addressee in the user's reach: each municipality with schools on the list
    (region only), each listed school's head, each curator with approved pairs of the year. A
    draft already issued, or held by the other level, is left as it is and counted."""
    require(user, Perm.MANAGE_CYCLE)
    context = basis(user, year)
    schools = restrict(School.objects.filter(pk__in=context.listed), user)
    targets: list[tuple[str, int]] = []
    if region_wide(user):
        municipalities = Municipality.objects.filter(schools__in=schools).distinct().order_by("name")
        targets += [(Recommendation.Addressee.MUNICIPALITY, m.pk) for m in municipalities]
    targets += [
        (Recommendation.Addressee.SCHOOL, pk) for pk in schools.order_by("school_id").values_list("pk", flat=True)
    ]
    curators = restrict(Curator.objects.all(), user).filter(
        pk__in=Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED).values("curator")
    )
    targets += [(Recommendation.Addressee.CURATOR, pk) for pk in curators.order_by("pk").values_list("pk", flat=True)]
    drafted = issued = held = 0
    for addressee, pk in targets:
        try:
            draft(user, year, addressee, pk, context)
        except DraftHeldElsewhere:
            held += 1
        except CycleError:  # already issued: left as it is
            issued += 1
        else:
            drafted += 1
    return Drafted(drafted, issued, held)


def edit(
    user: Any, rec: Recommendation, *, title: str, findings: str, text: str, due: dt.date | None, version: int
) -> Recommendation:
    """Edit a draft. `version` is the one the editor started from: a newer one means somebody
    else saved in between, and this save is refused rather than overwriting theirs."""
    _check_keeper(user, None if rec.level == Level.REGION else rec.municipality)
    if rec.status != Recommendation.Status.DRAFT:
        raise CycleError("Направленные рекомендации не редактируются.")
    _refuse_takeover(rec, _level_of(user), rec.year)  # the region does not rewrite a municipality's draft
    if not title.strip() or not text.strip():
        raise CycleError("Заголовок и текст рекомендаций обязательны.")
    with transaction.atomic():
        updated = Recommendation.objects.filter(pk=rec.pk, version=version).update(
            title=title.strip(), findings=findings.strip(), text=text.strip(), due=due, version=version + 1
        )
        if not updated:
            raise CycleError(
                "Рекомендацию уже изменил другой пользователь. Обновите страницу: ваши правки не сохранены."
            )
    rec.refresh_from_db()
    record(rec, "update", {"version": [version, rec.version]})
    return rec


def addressee_users(rec: Recommendation) -> QuerySet[User]:
    if rec.addressee == Recommendation.Addressee.MUNICIPALITY:
        return User.objects.coordinators_of(rec.municipality_id)
    if rec.addressee == Recommendation.Addressee.SCHOOL:
        return User.objects.heads_of(rec.school_id)
    assert rec.curator is not None
    return support.curator_accounts(rec.curator)


def is_addressee(user: Any, rec: Recommendation) -> bool:
    return bool(getattr(user, "pk", None)) and addressee_users(rec).filter(pk=user.pk).exists()


def issue(user: Any, rec: Recommendation) -> Recommendation:
    """Issue a draft: its DOCX is generated and kept, the addressee is notified."""
    _check_keeper(user, None if rec.level == Level.REGION else rec.municipality)
    if rec.status != Recommendation.Status.DRAFT:
        raise CycleError("Рекомендации уже направлены.")
    _refuse_takeover(rec, _level_of(user), rec.year)  # nor issues it
    p = preset()
    content = documents.recommendation(
        documents.RecommendationData(
            authority=authority(p),
            addressee=documents.addressee_line(rec.addressee, rec.addressee_label(), rec.municipality.name),
            title=rec.title,
            year=rec.year,
            findings=_lines(rec.findings),
            actions=_lines(rec.text),
            due=rec.due,
            date=today(),
        )
    )
    with keeping():  # the document's file goes too if the recommendation is not issued
        locked = Recommendation.objects.select_for_update().get(pk=rec.pk)
        if locked.status != Recommendation.Status.DRAFT:
            raise CycleError("Рекомендации уже направлены.")
        store_document(
            Document.Kind.RECOMMENDATION,
            f"{rec.title} ({rec.year})",
            content,
            f"recommendation-{rec.year}-{rec.pk}.docx",
            user,
            year=rec.year,
            recommendation=rec,
        )
        failpoints.hit("documents:issue")
        rec.status, rec.issued_at, rec.issued_by = Recommendation.Status.ISSUED, timezone.now(), account(user)
        rec.save()
    notify(
        addressee_users(rec),
        f"Вам направлены адресные рекомендации: {rec.title}. Отметьте получение и доложите об исполнении"
        + (f" до {rec.due:%d.%m.%Y}." if rec.due else "."),
        reverse("cycle:recommendation", args=[rec.pk]),
    )
    return rec


def mark_read(user: Any, rec: Recommendation) -> Recommendation:
    if not is_addressee(user, rec):
        raise PermissionDenied("Отметить получение может только адресат рекомендаций.")
    if rec.status != Recommendation.Status.ISSUED:
        raise CycleError("Получение отмечается у направленных рекомендаций.")
    rec.status, rec.read_at, rec.read_by = Recommendation.Status.READ, timezone.now(), account(user)
    rec.save()
    return rec


def report(user: Any, rec: Recommendation, text: str) -> Recommendation:
    if not is_addressee(user, rec):
        raise PermissionDenied("Доложить об исполнении может только адресат рекомендаций.")
    if rec.status not in (Recommendation.Status.ISSUED, Recommendation.Status.READ):
        raise CycleError("Об исполнении докладывают по направленным рекомендациям.")
    if len(text.strip()) < 10:
        raise CycleError("Опишите, что сделано (не короче 10 знаков).")
    now = timezone.now()
    rec.read_at, rec.read_by = rec.read_at or now, rec.read_by or account(user)
    rec.status, rec.report, rec.reported_at, rec.reported_by = (
        Recommendation.Status.REPORTED,
        text.strip(),
        now,
        account(user),
    )
    rec.save()
    if rec.issued_by_id:
        notify(
            User.objects.filter(pk=rec.issued_by_id),
            f"Доложено об исполнении: {rec.title}.",
            reverse("cycle:recommendation", args=[rec.pk]),
        )
    return rec


# --- measures ------------------------------------------------------------------------------------


def measures(user: Any, year: int | None = None) -> QuerySet[Measure]:
    qs = restrict(Measure.objects.select_related("municipality", "recommendation"), user)
    return qs.filter(year=year) if year else qs


def add_measure(user: Any, *, schools: Iterable[School] = (), **fields: Any) -> Measure:
    municipality = fields.get("municipality")
    _check_keeper(user, municipality)
    if fields.get("direction") not in Measure.Direction.values:
        raise CycleError(f"Неизвестное направление «{fields.get('direction')}».")
    if fields["end"] < fields["start"]:
        raise CycleError("Окончание мероприятия раньше его начала.")
    schools = list(schools)
    allowed = set(restrict(School.objects.filter(pk__in=[s.pk for s in schools]), user).values_list("pk", flat=True))
    if any(s.pk not in allowed for s in schools) or (
        municipality is not None and any(s.municipality_id != municipality.pk for s in schools)
    ):
        raise CycleError("Среди школ есть школы вне уровня мероприятия или вашей зоны ответственности.")
    fields.setdefault("level", Level.MUNICIPALITY if municipality else Level.REGION)
    with transaction.atomic():
        measure = Measure.objects.create(created_by=account(user), **fields)
        measure.schools.set(schools)
    return measure


def update_measure(user: Any, measure: Measure, status: str, result: str = "") -> Measure:
    _check_keeper(user, measure.municipality)
    if status not in Measure.Status.values:
        raise CycleError(f"Неизвестный статус «{status}».")
    if status == Measure.Status.DONE and not result.strip():
        raise CycleError("Для выполненного мероприятия укажите результат.")
    measure.status, measure.result = status, result.strip()
    measure.save()
    return measure


def is_overdue(measure: Measure, on: dt.date | None = None) -> bool:
    return measure.status in (Measure.Status.PLANNED, Measure.Status.IN_PROGRESS) and measure.end < (on or today())


# --- management decisions ------------------------------------------------------------------------


DOCUMENT_TITLES = {"order": "ПРИКАЗ", "disposition": "РАСПОРЯЖЕНИЕ", "protocol": "ПРОТОКОЛ"}


def record_decision(
    user: Any,
    *,
    kind: str,
    document_kind: str,
    number: str,
    date: dt.date,
    title: str,
    items: list[str],
    basis: str = "",
    municipality: Municipality | None = None,
    schools: Iterable[School] = (),
    measures_: Iterable[Measure] = (),
    recommendations_: Iterable[Recommendation] = (),
    conclusion: Conclusion | None = None,
    due: dt.date | None = None,
    signatory: str = "",
) -> Decision:
    """A management decision of one of the five kinds, fixed in its document (generated from the
    template `decision.docx`) with number and date; all or nothing."""
    _check_keeper(user, municipality)
    if kind not in Decision.Kind.values:
        raise CycleError(f"Неизвестный вид решения «{kind}».")
    if document_kind not in DOCUMENT_TITLES:
        raise CycleError(f"Неизвестный вид документа «{document_kind}».")
    if not number.strip() or not title.strip():
        raise CycleError("Укажите номер документа и содержание решения.")
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise CycleError("Решение должно содержать хотя бы один пункт.")
    if due is not None and due < date:
        raise CycleError("Срок исполнения раньше даты документа.")
    schools = list(schools)
    visible = set(restrict(School.objects.filter(pk__in=[s.pk for s in schools]), user).values_list("pk", flat=True))
    if any(s.pk not in visible for s in schools):
        raise CycleError("Среди школ есть школы вне вашей зоны ответственности.")
    if Decision.objects.filter(number=number.strip(), date__year=date.year, municipality=municipality).exists():
        raise CycleError(f"Документ № {number.strip()} за {date.year} год уже зарегистрирован.")
    p = preset()
    issuer = authority(p, municipality)
    level = Level.MUNICIPALITY if municipality else Level.REGION
    measure_list, rec_list = list(measures_), list(recommendations_)
    content = documents.decision(
        documents.DecisionData(
            authority=issuer,
            document=DOCUMENT_TITLES[document_kind],
            number=number.strip(),
            date=date,
            title=title.strip(),
            basis=basis.strip(),
            items=items,
            kind=Decision.Kind(kind).label,
            schools=[f"{s.school_id} — {s.name}" for s in sorted(schools, key=lambda s: s.name)],
            measures=[f"{m.title} ({m.start:%d.%m.%Y} — {m.end:%d.%m.%Y}, {m.responsible})" for m in measure_list],
            due=due,
            signatory=signatory,
        )
    )
    with keeping():
        decision = Decision.objects.create(
            kind=kind,
            title=title.strip(),
            number=number.strip(),
            date=date,
            basis=basis.strip(),
            level=level,
            municipality=municipality,
            document_kind=document_kind,
            conclusion=conclusion,
            items=items,
            due=due,
            created_by=account(user),
        )
        decision.schools.set(schools)
        decision.measures.set(measure_list)
        decision.recommendations.set(rec_list)
        doc_kind = {"order": Document.Kind.ORDER, "disposition": Document.Kind.DISPOSITION}.get(
            document_kind, Document.Kind.PROTOCOL
        )
        store_document(
            doc_kind,
            f"{Decision.Kind(kind).label.capitalize()} решение: {DOCUMENT_TITLES[document_kind].lower()} "
            f"№ {decision.number} от {date:%d.%m.%Y}",
            content,
            f"decision-{date.year}-{decision.pk}.docx",
            user,
            year=date.year,
            decision=decision,
        )
    return decision


def execute(user: Any, decision: Decision, executed_at: dt.date, execution: str) -> Decision:
    _check_keeper(user, decision.municipality)
    if executed_at < decision.date:
        raise CycleError("Дата исполнения раньше даты документа.")
    if executed_at > today():
        raise CycleError("Дата исполнения не может быть в будущем.")
    if not execution.strip():
        raise CycleError("Опишите исполнение решения.")
    decision.executed_at, decision.execution = executed_at, execution.strip()
    decision.save()
    return decision


# --- working group -------------------------------------------------------------------------------


def meetings(user: Any) -> QuerySet[Meeting]:
    """Meetings of the regional working group: its protocols speak of schools and districts of the
    whole region, so they are read by the region-wide roles (docs/security.md, «Official acts»)."""
    if not scope_of(user).region_wide:
        return Meeting.objects.none()
    return Meeting.objects.prefetch_related("items", "documents")


def get_meeting(user: Any, pk: int) -> Meeting:
    return meetings(user).get(pk=pk)


def add_meeting(
    user: Any, *, body: str, number: str, date: dt.date, chair: str, secretary: str, items: list[dict[str, Any]]
) -> Meeting:
    _check_keeper(user, None)
    if not number.strip() or not chair.strip() or not secretary.strip():
        raise CycleError("Укажите номер протокола, руководителя и секретаря рабочей группы.")
    items = [i for i in items if str(i.get("title", "")).strip()]
    if not items:
        raise CycleError("В повестке должен быть хотя бы один вопрос.")
    with transaction.atomic():
        meeting = Meeting.objects.create(
            body=body.strip() or default_body(),
            number=number.strip(),
            date=date,
            chair=chair.strip(),
            secretary=secretary.strip(),
            created_by=account(user),
        )
        for position, item in enumerate(items, start=1):
            votes = [int(item.get(k) or 0) for k in ("votes_for", "votes_against", "votes_abstained")]
            if min(votes) < 0:
                raise CycleError(f"Вопрос {position}: число голосов не может быть отрицательным.")
            AgendaItem.objects.create(
                meeting=meeting,
                position=position,
                title=str(item["title"]).strip(),
                heard=str(item.get("heard", "")).strip(),
                resolved=str(item.get("resolved", "")).strip(),
                votes_for=votes[0],
                votes_against=votes[1],
                votes_abstained=votes[2],
            )
    return meeting


def default_body() -> str:
    return (
        "Рабочая группа по координации работы со школами с низкими результатами обучения и школами, "
        f"функционирующими в неблагоприятных социальных условиях ({preset().region})"
    )


def protocol(user: Any, meeting: Meeting) -> Document:
    """The protocol of the meeting in seed 000's form, generated and kept."""
    _check_keeper(user, None)
    p = preset()
    content = documents.protocol(
        documents.ProtocolData(
            authority=authority(p),
            body=meeting.body,
            number=meeting.number,
            date=meeting.date,
            chair=meeting.chair,
            secretary=meeting.secretary,
            items=[
                documents.AgendaData(i.title, i.heard, i.resolved, i.votes_for, i.votes_against, i.votes_abstained)
                for i in meeting.items.all()
            ],
        )
    )
    return store_document(
        Document.Kind.PROTOCOL,
        f"Протокол заседания рабочей группы № {meeting.number} от {meeting.date:%d.%m.%Y}",
        content,
        f"protocol-{meeting.date.year}-{meeting.pk}.docx",
        user,
        year=meeting.date.year,
        meeting=meeting,
    )


# --- documents -----------------------------------------------------------------------------------


def can_read_document(user: Any, document: Document) -> bool:
    """A document is read by whoever may read what it belongs to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if document.decision_id:
        decision = decisions(user).filter(pk=document.decision_id).first()
        return decision is not None and sees_whole(user, decision)
    if document.recommendation_id:
        return recommendations(user).filter(pk=document.recommendation_id).exists()
    if document.meeting_id:
        return meetings(user).filter(pk=document.meeting_id).exists()
    return region_wide(user) or user.has_shnor_perm(Perm.MANAGE_CYCLE)


def get_document(user: Any, pk: int) -> Document:
    document = Document.objects.get(pk=pk)
    if not can_read_document(user, document):
        raise Document.DoesNotExist
    return document


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_file(user: Any, pk: int, fmt: str = "docx") -> tuple[bytes, str, str]:
    """A document as (content, content type, file name): the stored DOCX, or its PDF copy made
    by LibreOffice (a refusal with the reason when LibreOffice is missing)."""
    from shnor.documents import convert

    document = get_document(user, pk)
    with document.file.open("rb") as f:
        content = f.read()
    if fmt != "pdf":
        return content, DOCX, f"{document.title}.docx"
    try:
        pdf = convert.to_pdf(content, f"document-{document.pk}.docx", cache=pdf_folder())
        return pdf, "application/pdf", f"{document.title}.pdf"
    except convert.ConversionError as error:
        raise CycleError(str(error)) from error


def effect_reports(user: Any, limit: int = 10) -> QuerySet[Document]:
    """The latest reports on the effectiveness of measures (kept for the keepers of the cycle)."""
    if not user.has_shnor_perm(Perm.MANAGE_CYCLE):
        return Document.objects.none()
    return Document.objects.filter(kind=Document.Kind.EFFECT_REPORT).order_by("-created_at")[:limit]


# --- reminders -----------------------------------------------------------------------------------


def _once(code: str, year: int) -> bool:
    """True the first time `code` is reported for `year` (a Reminder row marks it)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(year=year, code=code)
    except IntegrityError:
        return False
    return True


def remind(on: dt.date | None = None) -> dict[str, int]:
    """Report once: measures past their end and not done, decisions past their due date and not
    executed (to whoever keeps that level), recommendations past their due date without a report
    (to the addressee)."""
    on = on or today()
    counts = {"measures": 0, "decisions": 0, "recommendations": 0, "notified": 0}
    late_measures = Measure.objects.filter(
        end__lt=on, status__in=[Measure.Status.PLANNED, Measure.Status.IN_PROGRESS]
    ).order_by("pk")
    for m in late_measures:
        if _once(f"measure:{m.pk}", m.year):
            counts["measures"] += 1
            counts["notified"] += notify(
                User.objects.keepers_of(m.municipality_id),
                f"Просрочено мероприятие «{m.title}» (срок — {m.end:%d.%m.%Y}): отметьте выполнение или перенос.",
                f"{reverse('cycle:measures')}?year={m.year}",
            )
    for d in Decision.objects.filter(due__lt=on, executed_at=None).order_by("pk"):
        if _once(f"decision:{d.pk}", d.date.year):
            counts["decisions"] += 1
            counts["notified"] += notify(
                User.objects.keepers_of(d.municipality_id),
                f"Не отмечено исполнение: {d} (срок — {d.due:%d.%m.%Y}).",
                reverse("cycle:decision", args=[d.pk]),
            )
    late_recs = Recommendation.objects.filter(
        due__lt=on, status__in=[Recommendation.Status.ISSUED, Recommendation.Status.READ]
    ).select_related("curator")
    for r in late_recs.order_by("pk"):
        if _once(f"recommendation:{r.pk}", r.year):
            counts["recommendations"] += 1
            counts["notified"] += notify(
                addressee_users(r),
                f"Истёк срок отчёта об исполнении рекомендаций «{r.title}» ({r.due:%d.%m.%Y}).",
                reverse("cycle:recommendation", args=[r.pk]),
            )
    return counts
