"""Addressed recommendations: the basis they are drafted from, drafting at one level at a time, editing, issuing
with their document, reading and reporting."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from shnor import failpoints
from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import recommend
from shnor.core.indicators import Value
from shnor.cycle import indicators
from shnor.cycle.models import (
    Recommendation,
)
from shnor.cycle.services.common import CycleError, check_keeper, lines_of, preset, region_wide, schools_by_codes, today
from shnor.documents import cycle as documents
from shnor.identification.models import SchoolResult
from shnor.lib.memo import Memo
from shnor.records.models import Document, Level
from shnor.records.services import authority, executor, keeping, signature, store_document
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School
from shnor.support import services as support
from shnor.support.models import Curator, Pairing
from shnor.support.services import rules

# A select longer than this is no help: the schools of a longer list are named by their codes.
LISTED_IN_SELECT = 300


# The draft form's choices, kept per data version and scope: building the pool's curators took
# half of the recommendations page.
_ADDRESSEES = Memo(size=32)


def addressees(user: Actor, year: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The draft form's choices (`_addressees`), shared between requests until the data change."""
    return _ADDRESSEES.get(("addressees", scope_of(user), year), lambda: _addressees(user, year))


def _addressees(user: Actor, year: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Whom the user may address, grouped by kind, as «kind:id» choices: municipalities (the
    region only), the schools of the year's list and the curators, in the user's scope. Any other
    school of the scope is named by its code (`DraftForm.code`): a country has 40,000 of them; a
    pool of curators longer than the select holds is addressed from each curator's card."""
    from shnor.support.models import Curator
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
    if restrict(Curator.objects.all(), user).count() <= LISTED_IN_SELECT:
        groups.append(("Кураторам", [(f"curator:{c.pk}", str(c)) for c in pool(user)]))
    return groups


def addressee_of(user: Actor, target: str, code: str = "") -> tuple[str, int]:
    """The addressee a draft form names: any school of the scope by its code, else a «kind:id» of
    the select; a refusal when neither is given."""
    if code.strip():
        return "school", schools_by_codes(user, [code])[0].pk
    addressee, _, pk = target.partition(":")
    if not pk.isdigit():
        raise CycleError("Выберите адресата или введите код ОО.")
    return addressee, int(pk)


def recommendations(user: Actor, year: int | None = None, status: str | None = None) -> QuerySet[Recommendation]:
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
    if user.pk is not None and user.role == Role.CURATOR:
        qs = qs | base.filter(curator__user_id=user.pk)
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    # Every condition above follows a foreign key forwards (one row each): no duplicates to drop. A
    # DISTINCT over every column, the texts too, took a country's home page 5 times longer.
    return qs


def get_recommendation(user: Actor, pk: int) -> Recommendation:
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


def basis(user: Actor, year: int) -> Basis:
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


def _addressee_in_scope(user: Actor, addressee: str, pk: int) -> Any:
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


def _level_of(user: Actor) -> str:
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
def draft(user: Actor, year: int, addressee: str, pk: int, context: Basis | None = None) -> Recommendation:
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


def draft_all(user: Actor, year: int) -> Drafted:
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
    user: Actor, rec: Recommendation, *, title: str, findings: str, text: str, due: dt.date | None, version: int
) -> Recommendation:
    """Edit a draft. `version` is the one the editor started from: a newer one means somebody
    else saved in between, and this save is refused rather than overwriting theirs."""
    check_keeper(user, None if rec.level == Level.REGION else rec.municipality)
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


def is_addressee(user: Actor, rec: Recommendation) -> bool:
    return user.pk is not None and addressee_users(rec).filter(pk=user.pk).exists()


def _signed(rec: Recommendation) -> dict[str, str]:
    """Who signs a recommendation and the executor's mark: the region's requisites for the region's
    own, «Руководитель» for a municipality's."""
    own = rec.level == Level.REGION
    position, name = signature("", None if own else rec.municipality)
    return {"signatory": position, "signatory_name": name, "executor": executor() if own else ""}


def issue(user: Actor, rec: Recommendation) -> Recommendation:
    """Issue a draft: its DOCX is generated and kept, the addressee is notified."""
    check_keeper(user, None if rec.level == Level.REGION else rec.municipality)
    if rec.status != Recommendation.Status.DRAFT:
        raise CycleError("Рекомендации уже направлены.")
    _refuse_takeover(rec, _level_of(user), rec.year)  # nor issues it
    p = preset()
    content = documents.recommendation(
        documents.RecommendationData(
            authority=authority(p, None if rec.level == Level.REGION else rec.municipality),
            addressee=documents.addressee_line(rec.addressee, rec.addressee_label(), rec.municipality.name),
            title=rec.title,
            year=rec.year,
            findings=lines_of(rec.findings),
            actions=lines_of(rec.text),
            due=rec.due,
            date=today(),
            **_signed(rec),
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


def mark_read(user: Actor, rec: Recommendation) -> Recommendation:
    if not is_addressee(user, rec):
        raise PermissionDenied("Отметить получение может только адресат рекомендаций.")
    if rec.status != Recommendation.Status.ISSUED:
        raise CycleError("Получение отмечается у направленных рекомендаций.")
    rec.status, rec.read_at, rec.read_by = Recommendation.Status.READ, timezone.now(), account(user)
    rec.save()
    return rec


def report(user: Actor, rec: Recommendation, text: str) -> Recommendation:
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
