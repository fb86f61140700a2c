"""Addressed recommendations over the API: drafts from the data, edits, issue, reading and the
addressee's report (the same services and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db.models import QuerySet
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS, Id, Pages, Year
from shnor.api.schemas.recommendations import DraftedOut, DraftIn, RecommendationOut, RecommendationPatch, ReportIn
from shnor.cycle import services as cycle
from shnor.cycle.models import Recommendation
from shnor.lib.lookup import or_404

recommendations = Router(tags=["Адресные рекомендации"])


@recommendations.get(
    "", response={200: list[RecommendationOut], **ERRORS}, operation_id="recommendations_list", summary="Рекомендации"
)
@paginate(Pages)
def recommendations_list(
    request: AuthedRequest, year: Year | None = None, status: str | None = None
) -> QuerySet[Recommendation]:
    return cycle.recommendations(request.auth, year, status).prefetch_related("documents")


@recommendations.post(
    "",
    response={201: RecommendationOut, **ERRORS},
    operation_id="recommendations_draft",
    summary="Подготовить проект рекомендаций адресату по данным",
)
def recommendations_draft(request: AuthedRequest, payload: DraftIn) -> Status[Recommendation]:
    rec = or_404(cycle.draft, request.auth, payload.year, payload.addressee, payload.target_id)
    return Status(201, rec)


@recommendations.post(
    "/draft-all",
    response={200: DraftedOut, **ERRORS},
    operation_id="recommendations_draft_all",
    summary="Подготовить проекты для всех адресатов года",
)
def recommendations_draft_all(request: AuthedRequest, year: Year) -> cycle.Drafted:
    return cycle.draft_all(request.auth, year)


def _rec(request: AuthedRequest, pk: Id) -> Recommendation:
    return or_404(cycle.get_recommendation, request.auth, pk)


@recommendations.get(
    "/{rec_id}", response={200: RecommendationOut, **ERRORS}, operation_id="recommendations_get", summary="Рекомендация"
)
def recommendations_get(request: AuthedRequest, rec_id: Id) -> Recommendation:
    return _rec(request, rec_id)


@recommendations.patch(
    "/{rec_id}",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_edit",
    summary="Изменить проект (409, если его уже изменил другой пользователь)",
)
def recommendations_edit(request: AuthedRequest, rec_id: Id, payload: RecommendationPatch) -> Recommendation:
    return cycle.edit(request.auth, _rec(request, rec_id), **payload.dict())


@recommendations.post(
    "/{rec_id}/issue",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_issue",
    summary="Направить адресату: сформировать DOCX и уведомить",
)
def recommendations_issue(request: AuthedRequest, rec_id: Id) -> Recommendation:
    return cycle.issue(request.auth, _rec(request, rec_id))


@recommendations.post(
    "/{rec_id}/read",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_read",
    summary="Адресат отмечает получение",
)
def recommendations_read(request: AuthedRequest, rec_id: Id) -> Recommendation:
    return cycle.mark_read(request.auth, _rec(request, rec_id))


@recommendations.post(
    "/{rec_id}/report",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_report",
    summary="Адресат докладывает об исполнении",
)
def recommendations_report(request: AuthedRequest, rec_id: Id, payload: ReportIn) -> Recommendation:
    return cycle.report(request.auth, _rec(request, rec_id), payload.text)
