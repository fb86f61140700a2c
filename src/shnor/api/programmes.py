"""Programmes over the API (the same services and scope as the pages under /programmes/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db.models import QuerySet
from django.http import Http404
from ninja import Router
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS, Id, Pages
from shnor.api.schemas.programmes import ProgrammeDetailOut, ProgrammeOut, TransitionIn
from shnor.programmes import services as programme_services
from shnor.programmes.models import Programme

programmes = Router(tags=["Программы"])


def _programme(request: AuthedRequest, programme_id: Id) -> Programme:
    try:
        return programme_services.get(request.auth, programme_id)
    except Programme.DoesNotExist:
        raise Http404("Программа не найдена") from None


@programmes.get("", response={200: list[ProgrammeOut], **ERRORS}, operation_id="programmes_list", summary="Программы")
@paginate(Pages)
def programmes_list(request: AuthedRequest, level: str = "", status: str = "") -> QuerySet[Programme]:
    qs = programme_services.programmes(request.auth).order_by("pk")
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    return qs


@programmes.get(
    "/{programme_id}", response={200: ProgrammeDetailOut, **ERRORS}, operation_id="programmes_get", summary="Программа"
)
def programmes_get(request: AuthedRequest, programme_id: Id) -> Programme:
    return _programme(request, programme_id)


@programmes.post(
    "/{programme_id}/transitions",
    response={200: ProgrammeOut, **ERRORS},
    operation_id="programmes_transition",
    summary="Шаг согласования: submit, take, return, approve, enforce",
)
def programmes_transition(request: AuthedRequest, programme_id: Id, body: TransitionIn) -> Programme:
    programme = _programme(request, programme_id)
    return programme_services.transition(request.auth, programme, body.action, body.comment)
