"""Programmes over the API (the same services and scope as the pages under /programmes/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.scoping import restrict
from shnor.api import scoped
from shnor.api.schemas import BINARY, ERRORS, Count, Id, Pages
from shnor.api.schemas.decisions import DecisionOut
from shnor.api.schemas.programmes import (
    ActivityOut,
    ActivityPatch,
    ActualIn,
    AntiRiskIn,
    ExitIn,
    ExitProposalOut,
    IndicatorOut,
    ProgrammeCreateIn,
    ProgrammeDetailOut,
    ProgrammeEvidenceOut,
    ProgrammeOut,
    ProgrammePatch,
    StepIn,
    TransitionIn,
    WaveIn,
    WaveOut,
)
from shnor.programmes import services as programme_services
from shnor.programmes.forms import EvidenceForm
from shnor.programmes.models import Activity, Evidence, Indicator, Programme, Wave
from shnor.records.models import Decision
from shnor.registry.models import School

programmes = Router(tags=["Программы"])


def _programme(request: AuthedRequest, programme_id: Id) -> Programme:
    try:
        return programme_services.get(request.auth, programme_id)
    except Programme.DoesNotExist:
        raise Http404("Программа не найдена") from None


@programmes.get("", response={200: list[ProgrammeOut], **ERRORS}, operation_id="programmes_list", summary="Программы")
@paginate(Pages)
def programmes_list(request: AuthedRequest, level: str = "", status: str = "", school: str = "") -> QuerySet[Programme]:
    qs = programme_services.programmes(request.auth).order_by("pk")
    if school:  # the school's code
        qs = qs.filter(school__school_id=school)
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


# --- creating and editing -------------------------------------------------------------------------


@programmes.post(
    "",
    response={201: ProgrammeDetailOut, **ERRORS},
    operation_id="programmes_create",
    summary="Создать проект программы по шаблону пресета",
)
def programmes_create(request: AuthedRequest, body: ProgrammeCreateIn) -> Status[Programme]:
    user = request.auth
    levels = programme_services.levels_for(user)
    if not levels:
        raise PermissionDenied("Создавать программы может руководитель школы, координатор или оператор.")
    school = getattr(user, "school", None)
    if body.school_id:
        school = restrict(School.objects.filter(school_id=body.school_id, is_active=True), user).first()
        if school is None:
            raise Http404("Школа не найдена или вне вашей области доступа")
    template = next((t for t in programme_services.templates() if t.code == body.template), None)
    if template is None or template.level not in levels:
        raise programme_services.ProgrammeError(f"Нет доступного вам шаблона программы «{body.template}».")
    municipality = scoped.municipality(request, body.municipality_id) or getattr(user, "municipality", None)
    programme = programme_services.create(
        user, body.template, school=school, municipality=municipality, start=body.start
    )
    return Status(201, programme)


@programmes.patch(
    "/{programme_id}",
    response={200: ProgrammeDetailOut, **ERRORS},
    operation_id="programmes_update",
    summary="Изменить название, цель, задачи и сроки проекта программы",
)
def programmes_update(request: AuthedRequest, programme_id: Id, body: ProgrammePatch) -> Programme:
    programme = _programme(request, programme_id)
    fields = body.dict(exclude_unset=True, exclude={"revision"})
    return programme_services.update_content(request.auth, programme, body.revision, **fields)


@programmes.post(
    "/{programme_id}/anti-risk",
    response={201: ProgrammeDetailOut, **ERRORS},
    operation_id="programmes_anti_risk",
    summary="Создать антирисковую программу школы по рисковому фактору",
)
def programmes_anti_risk(request: AuthedRequest, programme_id: Id, body: AntiRiskIn) -> Status[Programme]:
    parent = _programme(request, programme_id)
    child = programme_services.create(
        request.auth, "", school=parent.school, start=parent.start, risk_factor=body.factor, parent=parent
    )
    return Status(201, child)


# --- carrying out ---------------------------------------------------------------------------------


@programmes.put(
    "/{programme_id}/steps/{index}",
    response={200: ProgrammeDetailOut, **ERRORS},
    operation_id="programmes_step",
    summary="Отметить шаг регламента выполненным или снять отметку",
)
def programmes_step(request: AuthedRequest, programme_id: Id, index: Count, body: StepIn) -> Programme:
    programme = _programme(request, programme_id)
    programme_services.mark_step(request.auth, programme, index, body.done)
    return _programme(request, programme_id)


@programmes.patch(
    "/{programme_id}/activities/{activity_id}",
    response={200: ActivityOut, **ERRORS},
    operation_id="activities_update",
    summary="Отметить состояние мероприятия программы",
)
def activities_update(request: AuthedRequest, programme_id: Id, activity_id: Id, body: ActivityPatch) -> Activity:
    activity = _activity(request, programme_id, activity_id)
    programme_services.set_activity(request.auth, activity, body.status, body.note)
    activity.status = activity.status_on(programme_services.today(), activity.programme.is_live)
    return activity


@programmes.get(
    "/{programme_id}/evidence",
    response={200: list[ProgrammeEvidenceOut], **ERRORS},
    operation_id="evidence_list",
    summary="Подтверждения выполнения мероприятий программы",
)
@paginate(Pages)
def evidence_list(request: AuthedRequest, programme_id: Id, activity: Id | None = None) -> QuerySet[Evidence]:
    programme = _programme(request, programme_id)
    qs = Evidence.objects.filter(activity__programme=programme).select_related("activity").order_by("pk")
    return qs.filter(activity_id=activity) if activity else qs


@programmes.post(
    "/{programme_id}/activities/{activity_id}/evidence",
    response={201: ProgrammeEvidenceOut, **ERRORS},
    operation_id="evidence_create",
    summary="Приложить подтверждение выполнения мероприятия (файл или ссылка)",
)
def evidence_create(
    request: AuthedRequest,
    programme_id: Id,
    activity_id: Id,
    title: Form[str],
    link: Form[str] = "",
    file: File[UploadedFile | None] = None,
) -> Status[Evidence]:
    activity = _activity(request, programme_id, activity_id)
    data = scoped.cleaned(
        EvidenceForm({"title": title, "link": link}, MultiValueDict({"file": [file]} if file else {}))
    )
    upload = data["file"]
    evidence = programme_services.add_evidence(
        request.auth,
        activity,
        data["title"],
        content=upload.read() if upload else None,
        filename=upload.name if upload else "",
        link=data["link"],
    )
    return Status(201, evidence)


@programmes.get(
    "/{programme_id}/evidence/{evidence_id}/file",
    response={200: None, **ERRORS},
    operation_id="evidence_file",
    summary="Файл подтверждения",
    openapi_extra={"responses": {200: {"description": "файл подтверждения", "content": {"*/*": {"schema": BINARY}}}}},
)
def evidence_file(request: AuthedRequest, programme_id: Id, evidence_id: Id) -> FileResponse:
    programme = _programme(request, programme_id)
    item = get_object_or_404(Evidence, pk=evidence_id, activity__programme=programme)
    if not item.file:
        raise Http404("У подтверждения нет файла: это ссылка")
    name = (item.file.name or "file").rsplit("/", 1)[-1]
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=name)


@programmes.put(
    "/{programme_id}/indicators/{indicator_id}",
    response={200: IndicatorOut, **ERRORS},
    operation_id="indicators_actual_set",
    summary="Внести фактическое значение показателя программы (без привязки к расчётам)",
)
def indicators_actual_set(request: AuthedRequest, programme_id: Id, indicator_id: Id, body: ActualIn) -> Indicator:
    programme = _programme(request, programme_id)
    item = get_object_or_404(Indicator, pk=indicator_id, programme=programme)
    return programme_services.set_actual(request.auth, item, body.actual)


# --- monitoring waves -----------------------------------------------------------------------------


@programmes.get(
    "/{programme_id}/waves",
    response={200: list[WaveOut], **ERRORS},
    operation_id="waves_list",
    summary="Волны мониторинга программы (входной, промежуточный, итоговый) со снимками",
)
def waves_list(request: AuthedRequest, programme_id: Id) -> list[Wave]:
    return programme_services.compare(_programme(request, programme_id)).waves


@programmes.post(
    "/{programme_id}/waves",
    response={201: WaveOut, **ERRORS},
    operation_id="waves_take",
    summary="Провести волну мониторинга: сохранить снимок показателей, мероприятий и профиля",
)
def waves_take(request: AuthedRequest, programme_id: Id, body: WaveIn) -> Status[Wave]:
    programme = _programme(request, programme_id)
    return Status(201, programme_services.take_wave(request.auth, programme, body.kind))


def _activity(request: AuthedRequest, programme_id: Id, activity_id: Id) -> Activity:
    programme = _programme(request, programme_id)
    return get_object_or_404(Activity.objects.select_related("programme"), pk=activity_id, programme=programme)


# --- exit -------------------------------------------------------------------------------------------

exits = Router(tags=["Программы"])


@exits.get(
    "",
    response={200: list[ExitProposalOut], **ERRORS},
    operation_id="exit_proposals",
    summary="Школы, предложенные к выходу из программы, с проверкой правила выхода",
)
@paginate(Pages)
def exit_proposals(request: AuthedRequest) -> list[programme_services.ExitProposal]:
    return programme_services.exit_proposals(request.auth)


@exits.post(
    "",
    response={201: DecisionOut, **ERRORS},
    operation_id="exit_approve",
    summary="Утвердить выход школ из программы (приказ с обоснованием)",
)
def exit_approve(request: AuthedRequest, body: ExitIn) -> Status[Decision]:
    decision = programme_services.approve_exit(request.auth, body.programmes, body.number, body.date, body.basis)
    return Status(201, decision)
