"""The network's shared work over the API: a pair's agreements and form, the events register, the
practices bank (the same services, forms and scope as the pages under /support/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.scoping import restrict
from shnor.api.schemas import BINARY, ERRORS, Id, Pages, Year
from shnor.api.schemas.network import (
    AgreementIn,
    AgreementOut,
    EventIn,
    EventOut,
    PairFormIn,
    PracticeIn,
    PracticeOut,
    PublishIn,
)
from shnor.api.schemas.support import PairDetailOut
from shnor.api.scoped import cleaned
from shnor.api.support import pair_detail
from shnor.lib.lookup import or_404
from shnor.registry.models import School
from shnor.support import services as support
from shnor.support.forms import AgreementForm, EventForm, PracticeForm
from shnor.support.models import Agreement, Event, Practice

network = Router(tags=["Пары и журналы"])
events = Router(tags=["Мероприятия и практики"])
practices = Router(tags=["Мероприятия и практики"])

_FILE = {"responses": {200: {"description": "файл DOCX", "content": {"*/*": {"schema": BINARY}}}}}


@network.post(
    "/pairs/{pair_id}/agreements",
    response={201: AgreementOut, **ERRORS},
    operation_id="agreements_create",
    summary="Оформить соглашение о сотрудничестве пары (DOCX по шаблону)",
)
def agreements_create(request: AuthedRequest, pair_id: Id, body: AgreementIn) -> Status[Agreement]:
    pairing = or_404(support.get_pair, request.auth, pair_id)
    data = cleaned(AgreementForm(body.dict()))
    return Status(201, support.make_agreement(request.auth, pairing, **data))


@network.get(
    "/pairs/{pair_id}/agreements",
    response={200: list[AgreementOut], **ERRORS},
    operation_id="agreements_list",
    summary="Соглашения пары",
)
@paginate(Pages)
def agreements_list(request: AuthedRequest, pair_id: Id) -> QuerySet[Agreement]:
    pairing = or_404(support.get_pair, request.auth, pair_id)
    return support.agreements(request.auth, pairing).order_by("pk")


@network.get(
    "/agreements/{agreement_id}/file",
    response={200: None, **ERRORS},
    operation_id="agreements_file",
    summary="Файл соглашения (DOCX)",
    openapi_extra=_FILE,
)
def agreements_file(request: AuthedRequest, agreement_id: Id) -> FileResponse:
    agreement = or_404(support.agreements(request.auth).get, pk=agreement_id)
    return FileResponse(agreement.file.open("rb"), as_attachment=True, filename=f"Соглашение № {agreement.number}.docx")


@network.put(
    "/pairs/{pair_id}/form",
    response={200: PairDetailOut, **ERRORS},
    operation_id="pairs_form_set",
    summary="Изменить форму сопровождения пары",
)
def pairs_form_set(request: AuthedRequest, pair_id: Id, body: PairFormIn) -> dict[str, Any]:
    pairing = or_404(support.get_pair, request.auth, pair_id)
    support.set_form(request.auth, pairing, body.form)
    return pair_detail(request, pairing)


# --- events -----------------------------------------------------------------------------------------


@events.get("", response={200: list[EventOut], **ERRORS}, operation_id="events_list", summary="Реестр мероприятий")
@paginate(Pages)
def events_list(request: AuthedRequest, year: Year | None = None) -> QuerySet[Event]:
    return support.events(request.auth, year).order_by("-date", "pk")


@events.post(
    "",
    response={201: EventOut, **ERRORS},
    operation_id="events_create",
    summary="Внести мероприятие в реестр",
)
def events_create(request: AuthedRequest, body: EventIn) -> Status[Event]:
    data = body.dict()
    organiser = data.pop("organiser_id")
    if organiser:  # the form's choice is by key; its choices are the caller's schools, so another's is a 422
        found = School.objects.filter(school_id=organiser).values_list("pk", flat=True).first()
        data["organiser"] = found if found is not None else -1
    data["municipality"] = data.pop("municipality_id")
    fields = cleaned(EventForm(data, user=request.auth))
    return Status(201, support.add_event(request.auth, **fields))


# --- practices --------------------------------------------------------------------------------------


@practices.get(
    "",
    response={200: list[PracticeOut], **ERRORS},
    operation_id="practices_list",
    summary="Банк практик: опубликованные и свои черновики",
)
@paginate(Pages)
def practices_list(request: AuthedRequest, factor: str = "", q: str = "") -> QuerySet[Practice]:
    return support.practices(request.auth, factor or None, q or None).order_by("pk")


@practices.post(
    "",
    response={201: PracticeOut, **ERRORS},
    operation_id="practices_create",
    summary="Описать практику школы (черновик; публикует региональный оператор)",
)
def practices_create(request: AuthedRequest, body: PracticeIn) -> Status[Practice]:
    data = body.dict()
    school = restrict(School.objects.filter(school_id=data.pop("school_id")), request.auth).first()
    if school is None:
        raise Http404("Школа не найдена или вне вашей области доступа")
    data["school"] = school.pk
    data["factors_text"] = ", ".join(data.pop("factors"))
    form = PracticeForm(data, user=request.auth)
    fields = cleaned(form)
    practice = support.add_practice(
        request.auth,
        fields["school"],
        title=fields["title"],
        summary=fields["summary"],
        description=fields["description"],
        url=fields["url"],
        factors=form.factors(),
    )
    return Status(201, practice)


@practices.post(
    "/{practice_id}/publish",
    response={200: PracticeOut, **ERRORS},
    operation_id="practices_publish",
    summary="Опубликовать практику в банке или вернуть её в черновики",
)
def practices_publish(request: AuthedRequest, practice_id: Id, body: PublishIn) -> Practice:
    practice = or_404(support.practices(request.auth).get, pk=practice_id)
    return support.publish_practice(request.auth, practice, body.publish)
