"""The support network over the API: the curator pool, matching, pairs with their activity and
journals (the same services and scope as the pages under /support/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import require
from shnor.api.schemas import ERRORS, Id, Pages, Year
from shnor.api.schemas.support import (
    ApprovedOut,
    ApproveIn,
    ConsultationIn,
    ConsultationOut,
    CuratorOut,
    CuratorPatch,
    FeedbackIn,
    FeedbackOut,
    PairActivityOut,
    PairDetailOut,
    PoolOut,
    ProposalDetailOut,
    ProposalOut,
    ProposeIn,
    RuleIn,
    RuleOut,
    TutorIn,
)
from shnor.lib.lookup import or_404
from shnor.registry import services as registry
from shnor.registry.models import School
from shnor.support import services as support
from shnor.support.models import Consultation, Curator, Feedback, Pairing, Proposal

curators = Router(tags=["Кураторы"])
matching = Router(tags=["Подбор кураторов"])
pairs = Router(tags=["Пары и журналы"])


# --- curators -------------------------------------------------------------------------------------


@curators.get("", response={200: list[CuratorOut], **ERRORS}, operation_id="curators_list", summary="Пул кураторов")
@paginate(Pages)
def curators_list(request: AuthedRequest, status: str = "", year: Year | None = None) -> list[Curator]:
    return support.pool(request.auth, status or None, year)


@curators.post(
    "/refresh",
    response={200: PoolOut, **ERRORS},
    operation_id="curators_refresh",
    summary="Пересчитать критерии кураторов по расчёту идентификации",
)
def curators_refresh(request: AuthedRequest, year: Year | None = None) -> support.PoolSummary:
    return support.refresh_pool(request.auth, year)


@curators.post(
    "/tutors",
    response={201: CuratorOut, **ERRORS},
    operation_id="curators_add_tutor",
    summary="Включить в пул тьютора (консультанта)",
)
def curators_add_tutor(request: AuthedRequest, body: TutorIn) -> Status[Curator]:
    user = request.auth
    require(user, Perm.MATCH_CURATORS)
    person = get_object_or_404(registry.people(user), pk=body.person_id)
    municipality = get_object_or_404(registry.municipalities(user), pk=body.municipality_id)
    account = get_object_or_404(User, username=body.username) if body.username else None
    tutor = support.add_tutor(
        user, person, municipality, capacity=body.capacity, strengths=body.strengths, account=account
    )
    return Status(201, support.pool(user, pk=tutor.pk)[0])


@curators.patch(
    "/{curator_id}",
    response={200: CuratorOut, **ERRORS},
    operation_id="curators_update",
    summary="Отметки оператора, вместимость, решение о включении",
)
def curators_update(request: AuthedRequest, curator_id: Id, body: CuratorPatch) -> Curator:
    user = request.auth
    curator = or_404(support.get_curator, user, curator_id)
    support.update_curator(user, curator, **body.dict(exclude_unset=True))
    return support.pool(user, pk=curator.pk)[0]


# --- matching -------------------------------------------------------------------------------------


@matching.get(
    "/proposals",
    response={200: list[ProposalOut], **ERRORS},
    operation_id="proposals_list",
    summary="Предложения подбора",
)
@paginate(Pages)
def proposals_list(request: AuthedRequest, year: Year | None = None) -> QuerySet[Proposal]:
    qs = support.proposals(request.auth)
    return (qs.filter(year=year) if year else qs).order_by("-created_at", "-pk")


@matching.post(
    "/proposals",
    response={201: ProposalDetailOut, **ERRORS},
    operation_id="proposals_create",
    summary="Подобрать кураторов точно (поток минимальной стоимости) и сравнить с жадным",
)
def proposals_create(request: AuthedRequest, body: ProposeIn) -> Status[Proposal]:
    proposal = support.propose(request.auth, body.year)
    return Status(201, get_object_or_404(support.proposals(request.auth), pk=proposal.pk))


@matching.get(
    "/proposals/{proposal_id}",
    response={200: ProposalDetailOut, **ERRORS},
    operation_id="proposals_get",
    summary="Предложение с парами и обоснованием",
)
def proposals_get(request: AuthedRequest, proposal_id: Id) -> Proposal:
    return get_object_or_404(support.proposals(request.auth), pk=proposal_id)


@matching.post(
    "/proposals/{proposal_id}/approve",
    response={200: ApprovedOut, **ERRORS},
    operation_id="proposals_approve",
    summary="Утвердить пары предложения",
)
def proposals_approve(request: AuthedRequest, proposal_id: Id, body: ApproveIn) -> dict[str, int]:
    user = request.auth
    proposal = get_object_or_404(support.proposals(user), pk=proposal_id)
    school_pks = None
    if body.school_ids is not None:
        schools = restrict(School.objects.filter(school_id__in=body.school_ids), user)
        school_pks = set(schools.values_list("pk", flat=True))
    return {"approved": support.approve(user, proposal, school_pks)}


@matching.put(
    "/rules",
    response={200: RuleOut, **ERRORS},
    operation_id="matching_rule_set",
    summary="Закрепить или запретить пару для следующего подбора",
)
def matching_rule_set(request: AuthedRequest, body: RuleIn) -> dict[str, Any]:
    user = request.auth
    require(user, Perm.MATCH_CURATORS)  # a refusal before the lookups: 403, not 404 for another's curator
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=body.school_id)
    curator = or_404(support.get_curator, user, body.curator_id)
    support.set_rule(user, school, curator, body.kind, body.note)
    return {"school_id": school.school_id, "curator_id": curator.pk, "kind": body.kind}


# --- pairs, activity and journals -----------------------------------------------------------------


def _activity(a: support.Activity) -> dict[str, Any]:
    return {**a.__dict__, "pair": a.pairing}


@pairs.get(
    "/pairs",
    response={200: list[PairActivityOut], **ERRORS},
    operation_id="pairs_list",
    summary="Утверждённые пары и их активность",
)
@paginate(Pages)
def pairs_list(
    request: AuthedRequest, year: Year | None = None, inactive: bool | None = None, school: str = ""
) -> list[dict[str, Any]]:
    rows = support.activity(request.auth, year)
    if school:  # the supported school's code
        rows = [r for r in rows if r.pairing.school.school_id == school]
    if inactive is not None:
        rows = [r for r in rows if r.inactive == inactive]
    return [_activity(r) for r in rows]


@pairs.get(
    "/pairs/{pair_id}", response={200: PairDetailOut, **ERRORS}, operation_id="pairs_get", summary="Пара и журнал"
)
def pairs_get(request: AuthedRequest, pair_id: Id) -> dict[str, Any]:
    return pair_detail(request, or_404(support.get_pair, request.auth, pair_id))


def pair_detail(request: AuthedRequest, pairing: Pairing) -> dict[str, Any]:
    """A pair with its activity and journal, as `GET /api/support/pairs/{id}` answers."""
    (row,) = support.activity(request.auth, pairing=pairing)
    return {**_activity(row), "journal": support.journal(request.auth, pairing)}


@pairs.post(
    "/pairs/{pair_id}/consultations",
    response={201: ConsultationOut, **ERRORS},
    operation_id="consultations_create",
    summary="Запись в журнал консультаций (куратор пары)",
)
def consultations_create(request: AuthedRequest, pair_id: Id, body: ConsultationIn) -> Status[Consultation]:
    user = request.auth
    pairing = or_404(support.get_pair, user, pair_id)
    return Status(201, support.record_consultation(user, pairing, **body.dict()))


@pairs.post(
    "/consultations/{consultation_id}/feedback",
    response={201: FeedbackOut, **ERRORS},
    operation_id="feedback_create",
    summary="Оценка консультации сопровождаемой школой",
)
def feedback_create(request: AuthedRequest, consultation_id: Id, body: FeedbackIn) -> Status[Feedback]:
    user = request.auth
    consultation = or_404(support.get_consultation, user, consultation_id)
    return Status(201, support.give_feedback(user, consultation, body.rating, body.comment, body.useful))
