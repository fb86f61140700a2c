"""The management cycle over the API: system indicators with their drill-down, goals and targets,
the analysis's conclusions, addressed recommendations, measures, management decisions, the
working group's meetings, effectiveness, documents and the evidence pack (the same services and
scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shnor.accounts.scoping import restrict
from shnor.api.schemas import Count, Id, In, Number, Pages, Problem, Year
from shnor.core.indicators import Value
from shnor.cycle import effect as effect_service
from shnor.cycle import evidence
from shnor.cycle import indicators as service
from shnor.cycle import services as cycle
from shnor.cycle.models import AgendaItem, Measure, Meeting, Recommendation
from shnor.lib.lookup import attachment, or_404
from shnor.records import services as records
from shnor.records.models import Decision, Document
from shnor.registry.models import Municipality, School

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}

indicators = Router(tags=["Показатели системы"])


class SystemIndicatorOut(Schema):
    code: str
    title: str
    kind: str
    source: str
    year: int
    value: float | None
    target: float | None
    status: str
    numerator: int
    denominator: int


class DrillRowOut(Schema):
    name: str
    key: str
    numerator: int
    denominator: int
    value: float | None


class UnitOut(Schema):
    key: str
    label: str
    school: str
    municipality: str
    counted: bool
    detail: str


class SystemIndicatorDetailOut(SystemIndicatorOut):
    by_municipality: list[DrillRowOut]
    by_school: list[DrillRowOut]
    units: list[UnitOut]


def _out(v: Value) -> dict[str, Any]:
    return {
        "code": v.definition.code,
        "title": v.title,
        "kind": v.definition.kind,
        "source": v.definition.source,
        "year": v.year,
        "value": v.value,
        "target": v.target,
        "status": v.status,
        "numerator": v.numerator,
        "denominator": v.denominator,
    }


def _level(request: HttpRequest, municipality: Id | None, school_id: str) -> tuple[int | None, int | None]:
    user = request.auth  # type: ignore[attr-defined]
    if municipality is not None:
        get_object_or_404(restrict(Municipality.objects.all(), user), pk=municipality)
    school = get_object_or_404(restrict(School.objects.all(), user), school_id=school_id).pk if school_id else None
    return municipality, school


@indicators.get(
    "",
    response={200: list[SystemIndicatorOut], **ERRORS},
    operation_id="indicators_list",
    summary="Показатели системы за год: значение, цель, статус (регион, муниципалитет или школа)",
)
def indicators_list(request: HttpRequest, year: Year, municipality: Id | None = None, school_id: str = "") -> Any:
    m, s = _level(request, municipality, school_id)
    return [_out(v) for v in service.compute(request.auth, year, m, s)]  # type: ignore[attr-defined]


@indicators.get(
    "/{code}",
    response={200: SystemIndicatorDetailOut, **ERRORS},
    operation_id="indicators_get",
    summary="Показатель с расшифровкой по муниципалитетам, школам и учтённым объектам",
)
def indicators_get(
    request: HttpRequest, code: str, year: Year, municipality: Id | None = None, school_id: str = ""
) -> Any:
    m, s = _level(request, municipality, school_id)
    try:
        v = service.get(request.auth, year, code, m, s)  # type: ignore[attr-defined]
    except KeyError:
        raise Http404("Показатель не найден") from None
    return {
        **_out(v),
        "by_municipality": v.by("municipality"),
        "by_school": v.by("school"),
        "units": [u.__dict__ for u in service.visible_units(request.auth, v)],  # type: ignore[attr-defined]
    }


# --- goals, targets, analysis --------------------------------------------------------------------

goals = Router(tags=["Цели, задачи и анализ"])


def _municipality(request: HttpRequest, pk: Id | None) -> Municipality | None:
    return or_404(cycle.municipality_in_scope, request.auth, pk)  # type: ignore[attr-defined]


class CycleGoalsOut(Schema):
    year: int
    municipality: str | None
    goal: list[str]
    tasks: list[str]
    from_preset: bool = Field(description="ещё не сохранены: формулировки учредительного документа (пресета)")
    source: str


class CycleGoalsIn(In):
    goal: list[str]
    tasks: list[str]


def _goals_out(g: cycle.Goals) -> dict[str, Any]:
    return {
        "year": g.year,
        "municipality": g.municipality.name if g.municipality else None,
        "goal": g.goal,
        "tasks": g.tasks,
        "from_preset": g.from_preset,
        "source": g.source,
    }


@goals.get("/goals", response={200: CycleGoalsOut, **ERRORS}, operation_id="goals_get", summary="Цели и задачи года")
def goals_get(request: HttpRequest, year: Year, municipality: Id | None = None) -> Any:
    return _goals_out(cycle.goals(request.auth, year, _municipality(request, municipality)))  # type: ignore[attr-defined]


@goals.put(
    "/goals",
    response={200: CycleGoalsOut, **ERRORS},
    operation_id="goals_set",
    summary="Сохранить цели и задачи года (регион или муниципалитет)",
)
def goals_set(request: HttpRequest, year: Year, payload: CycleGoalsIn, municipality: Id | None = None) -> Any:
    g = cycle.set_goals(
        request.auth,  # type: ignore[attr-defined]
        year,
        _municipality(request, municipality),
        "\n".join(payload.goal),
        "\n".join(payload.tasks),
    )
    return _goals_out(g)


class CycleTargetOut(Schema):
    code: str
    value: float | None
    source: str


class CycleTargetsIn(In):
    targets: dict[str, Number | None] = Field(description="код показателя → цель (null — значение пресета)")


@goals.get(
    "/targets", response={200: list[CycleTargetOut], **ERRORS}, operation_id="targets_get", summary="Цели показателей"
)
def targets_get(request: HttpRequest, year: Year) -> Any:
    return [{"code": c, "value": v, "source": src} for c, (v, src) in cycle.targets(year).items()]


@goals.put(
    "/targets",
    response={200: list[CycleTargetOut], **ERRORS},
    operation_id="targets_set",
    summary="Установить цели показателей на год (null — вернуть значение пресета)",
)
def targets_set(request: HttpRequest, year: Year, payload: CycleTargetsIn) -> Any:
    cycle.set_targets(request.auth, year, payload.targets)  # type: ignore[attr-defined]
    return targets_get(request, year)


class DirectionOut(Schema):
    code: str
    title: str
    figures: list[tuple[str, str]]
    indicators: list[SystemIndicatorOut]
    conclusion: str | None


class ConclusionIn(In):
    text: str


@goals.get(
    "/analysis",
    response={200: list[DirectionOut], **ERRORS},
    operation_id="analysis_get",
    summary="Анализ по четырём направлениям: цифры и выводы",
)
def analysis_get(request: HttpRequest, year: Year, municipality: Id | None = None) -> Any:
    directions = cycle.analysis(request.auth, year, _municipality(request, municipality))  # type: ignore[attr-defined]
    return [
        {
            "code": d.code,
            "title": d.title,
            "figures": d.figures,
            "indicators": [_out(v) for v in d.values],
            "conclusion": d.conclusion.text if d.conclusion else None,
        }
        for d in directions
    ]


@goals.put(
    "/analysis/{direction}",
    response={200: DirectionOut, **ERRORS},
    operation_id="analysis_conclude",
    summary="Записать выводы по направлению анализа",
)
def analysis_conclude(
    request: HttpRequest, direction: str, year: Year, payload: ConclusionIn, municipality: Id | None = None
) -> Any:
    m = _municipality(request, municipality)
    cycle.save_conclusion(request.auth, year, direction, m, payload.text)  # type: ignore[attr-defined]
    return next(d for d in analysis_get(request, year, municipality) if d["code"] == direction)


# --- recommendations -----------------------------------------------------------------------------

recommendations = Router(tags=["Адресные рекомендации"])


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    sha256: str
    size: int
    created_at: dt.datetime
    url: str

    @staticmethod
    def resolve_url(d: Document) -> str:
        return f"/api/documents/{d.pk}"


class RecommendationOut(Schema):
    id: int
    year: int
    addressee: str
    addressee_name: str
    municipality: str
    level: str
    title: str
    findings: str
    text: str
    due: dt.date | None
    status: str
    version: int
    issued_at: dt.datetime | None
    read_at: dt.datetime | None
    reported_at: dt.datetime | None
    report: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_addressee_name(r: Recommendation) -> str:
        return r.addressee_label()

    @staticmethod
    def resolve_municipality(r: Recommendation) -> str:
        return r.municipality.name

    @staticmethod
    def resolve_documents(r: Recommendation) -> list[Document]:
        return list(r.documents.all())


class DraftIn(In):
    year: Year
    addressee: str = Field(description="municipality, school или curator")
    target_id: Id = Field(description="id муниципалитета, школы или куратора")


class RecommendationPatch(In):
    db_model = (Recommendation,)
    version: Id = Field(description="версия, с которой начата правка (защита от потери чужих изменений)")
    title: str
    findings: str = ""
    text: str
    due: dt.date | None = None


class ReportIn(In):
    text: str


@recommendations.get(
    "", response={200: list[RecommendationOut], **ERRORS}, operation_id="recommendations_list", summary="Рекомендации"
)
@paginate(Pages)
def recommendations_list(request: HttpRequest, year: Year | None = None, status: str | None = None) -> Any:
    return cycle.recommendations(request.auth, year, status).prefetch_related("documents")  # type: ignore[attr-defined]


@recommendations.post(
    "",
    response={201: RecommendationOut, **ERRORS},
    operation_id="recommendations_draft",
    summary="Подготовить проект рекомендаций адресату по данным",
)
def recommendations_draft(request: HttpRequest, payload: DraftIn) -> Any:
    rec = or_404(cycle.draft, request.auth, payload.year, payload.addressee, payload.target_id)  # type: ignore[attr-defined]
    return Status(201, rec)


class DraftedOut(Schema):
    drafted: int
    issued: int
    held_elsewhere: int


@recommendations.post(
    "/draft-all",
    response={200: DraftedOut, **ERRORS},
    operation_id="recommendations_draft_all",
    summary="Подготовить проекты для всех адресатов года",
)
def recommendations_draft_all(request: HttpRequest, year: Year) -> Any:
    return cycle.draft_all(request.auth, year)  # type: ignore[attr-defined]


def _rec(request: HttpRequest, pk: Id) -> Recommendation:
    return or_404(cycle.get_recommendation, request.auth, pk)  # type: ignore[attr-defined]


@recommendations.get(
    "/{rec_id}", response={200: RecommendationOut, **ERRORS}, operation_id="recommendations_get", summary="Рекомендация"
)
def recommendations_get(request: HttpRequest, rec_id: Id) -> Any:
    return _rec(request, rec_id)


@recommendations.patch(
    "/{rec_id}",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_edit",
    summary="Изменить проект (409, если его уже изменил другой пользователь)",
)
def recommendations_edit(request: HttpRequest, rec_id: Id, payload: RecommendationPatch) -> Any:
    return cycle.edit(request.auth, _rec(request, rec_id), **payload.dict())  # type: ignore[attr-defined]


@recommendations.post(
    "/{rec_id}/issue",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_issue",
    summary="Направить адресату: сформировать DOCX и уведомить",
)
def recommendations_issue(request: HttpRequest, rec_id: Id) -> Any:
    return cycle.issue(request.auth, _rec(request, rec_id))  # type: ignore[attr-defined]


@recommendations.post(
    "/{rec_id}/read",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_read",
    summary="Адресат отмечает получение",
)
def recommendations_read(request: HttpRequest, rec_id: Id) -> Any:
    return cycle.mark_read(request.auth, _rec(request, rec_id))  # type: ignore[attr-defined]


@recommendations.post(
    "/{rec_id}/report",
    response={200: RecommendationOut, **ERRORS},
    operation_id="recommendations_report",
    summary="Адресат докладывает об исполнении",
)
def recommendations_report(request: HttpRequest, rec_id: Id, payload: ReportIn) -> Any:
    return cycle.report(request.auth, _rec(request, rec_id), payload.text)  # type: ignore[attr-defined]


# --- measures ------------------------------------------------------------------------------------

measures = Router(tags=["Меры и мероприятия"])


class MeasureOut(Schema):
    id: int
    year: int
    title: str
    direction: str
    level: str
    municipality: str | None
    responsible: str
    start: dt.date
    end: dt.date
    status: str
    overdue: bool
    result: str
    schools: list[str]

    @staticmethod
    def resolve_municipality(m: Measure) -> str | None:
        return m.municipality.name if m.municipality else None

    @staticmethod
    def resolve_overdue(m: Measure) -> bool:
        return cycle.is_overdue(m)

    @staticmethod
    def resolve_schools(m: Measure) -> list[str]:
        return [s.school_id for s in m.schools.all()]


class MeasureIn(In):
    db_model = (Measure,)
    year: Year
    title: str
    direction: str
    responsible: str
    start: dt.date
    end: dt.date
    municipality: Id | None = None
    schools: list[str] = Field(default_factory=list, description="коды ОО")


class MeasurePatch(In):
    db_model = (Measure,)
    status: str
    result: str = ""


def _schools(request: HttpRequest, codes: list[str]) -> list[School]:
    return cycle.schools_by_codes(request.auth, codes)  # type: ignore[attr-defined]


@measures.get("", response={200: list[MeasureOut], **ERRORS}, operation_id="measures_list", summary="Меры года")
@paginate(Pages)
def measures_list(request: HttpRequest, year: Year | None = None) -> Any:
    return cycle.measures(request.auth, year).prefetch_related("schools")  # type: ignore[attr-defined]


@measures.post("", response={201: MeasureOut, **ERRORS}, operation_id="measures_add", summary="Внести меру")
def measures_add(request: HttpRequest, payload: MeasureIn) -> Any:
    data = payload.dict()
    data["municipality"] = _municipality(request, data.pop("municipality"))
    measure = cycle.add_measure(request.auth, schools=_schools(request, data.pop("schools")), **data)  # type: ignore[attr-defined]
    return Status(201, measure)


@measures.patch(
    "/{measure_id}", response={200: MeasureOut, **ERRORS}, operation_id="measures_update", summary="Статус и результат"
)
def measures_update(request: HttpRequest, measure_id: Id, payload: MeasurePatch) -> Any:
    measure = get_object_or_404(cycle.measures(request.auth), pk=measure_id)  # type: ignore[attr-defined]
    return cycle.update_measure(request.auth, measure, payload.status, payload.result)  # type: ignore[attr-defined]


# --- decisions -----------------------------------------------------------------------------------

decisions = Router(tags=["Управленческие решения"])


class DecisionOut(Schema):
    id: int
    kind: str
    document_kind: str
    level: str
    municipality: str | None
    number: str
    date: dt.date
    title: str
    basis: str
    items: list[str]
    schools: list[str]
    measures: list[int]
    recommendations: list[int]
    conclusion_id: int | None
    due: dt.date | None
    executed_at: dt.date | None
    execution: str
    execution_status: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_municipality(d: Decision) -> str | None:
        return d.municipality.name if d.municipality else None

    @staticmethod
    def resolve_schools(d: Decision, context: dict[str, Any]) -> list[str]:
        return [s.school_id for s in records.named_schools(context["request"].auth, d)]

    @staticmethod
    def resolve_measures(d: Decision) -> list[int]:
        return [m.pk for m in d.measures.all()]

    @staticmethod
    def resolve_recommendations(d: Decision, context: dict[str, Any]) -> list[int]:
        user = context["request"].auth
        ids = [r.pk for r in d.recommendations.all()]
        if not ids or records.sees_whole(user, d):
            return ids
        return list(cycle.recommendations(user).filter(pk__in=ids).values_list("pk", flat=True))  # as the page

    @staticmethod
    def resolve_execution_status(d: Decision) -> str:
        return d.execution_status()

    @staticmethod
    def resolve_documents(d: Decision, context: dict[str, Any]) -> list[Document]:
        return list(d.documents.all()) if records.sees_whole(context["request"].auth, d) else []


class DecisionIn(In):
    db_model = (Decision,)
    kind: str = Field(description="organising, activating, coordinating, controlling, stimulating")
    document_kind: str = Field("order", description="order, disposition, protocol")
    number: str
    date: dt.date
    title: str
    items: list[str]
    basis: str = ""
    municipality: Id | None = None
    schools: list[str] = Field(default_factory=list, description="коды ОО")
    measures: list[Id] = Field(default_factory=list)
    recommendations: list[Id] = Field(default_factory=list)
    conclusion_id: Id | None = Field(None, description="выводы анализа, на основании которых принято решение")
    due: dt.date | None = None
    signatory: str = ""


class ExecutionIn(In):
    db_model = (Decision,)
    executed_at: dt.date
    execution: str


def _decisions(request: HttpRequest) -> Any:
    return records.decisions(request.auth).prefetch_related("schools", "measures", "recommendations")  # type: ignore[attr-defined]


@decisions.get("", response={200: list[DecisionOut], **ERRORS}, operation_id="decisions_list", summary="Решения")
@paginate(Pages)
def decisions_list(request: HttpRequest, year: Year | None = None) -> Any:
    qs = _decisions(request)
    return qs.filter(date__year=year) if year else qs


@decisions.post(
    "",
    response={201: DecisionOut, **ERRORS},
    operation_id="decisions_add",
    summary="Зарегистрировать решение и сформировать его документ по шаблону",
)
def decisions_add(request: HttpRequest, payload: DecisionIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    data = payload.dict()
    municipality = _municipality(request, data.pop("municipality"))
    measure_ids, rec_ids = data.pop("measures"), data.pop("recommendations")
    conclusion_id = data.pop("conclusion_id")
    conclusion = None
    if conclusion_id is not None:
        conclusion = get_object_or_404(cycle.conclusions(user), pk=conclusion_id)
    chosen_measures = list(cycle.measures(user).filter(pk__in=measure_ids))
    chosen_recs = list(cycle.recommendations(user).filter(pk__in=rec_ids))
    if len(chosen_measures) != len(set(measure_ids)) or len(chosen_recs) != len(set(rec_ids)):
        raise Http404("Мера или рекомендация не найдена")
    decision = cycle.record_decision(
        user,
        municipality=municipality,
        schools=_schools(request, data.pop("schools")),
        measures_=chosen_measures,
        recommendations_=chosen_recs,
        conclusion=conclusion,
        **data,
    )
    return Status(201, decision)


@decisions.get("/{decision_id}", response={200: DecisionOut, **ERRORS}, operation_id="decisions_get", summary="Решение")
def decisions_get(request: HttpRequest, decision_id: Id) -> Any:
    return get_object_or_404(_decisions(request), pk=decision_id)


@decisions.post(
    "/{decision_id}/execute",
    response={200: DecisionOut, **ERRORS},
    operation_id="decisions_execute",
    summary="Отметить исполнение решения",
)
def decisions_execute(request: HttpRequest, decision_id: Id, payload: ExecutionIn) -> Any:
    decision = get_object_or_404(_decisions(request), pk=decision_id)
    return cycle.execute(request.auth, decision, payload.executed_at, payload.execution)  # type: ignore[attr-defined]


# --- working group -------------------------------------------------------------------------------

meetings = Router(tags=["Рабочая группа"])


class AgendaItemSchema(In):
    db_model = (AgendaItem,)
    title: str
    heard: str = ""
    resolved: str = ""
    votes_for: Count = 0
    votes_against: Count = 0
    votes_abstained: Count = 0


class MeetingOut(Schema):
    id: int
    body: str
    number: str
    date: dt.date
    chair: str
    secretary: str
    items: list[AgendaItemSchema]
    documents: list[DocumentOut]

    @staticmethod
    def resolve_items(m: Meeting) -> list[Any]:
        return list(m.items.all())

    @staticmethod
    def resolve_documents(m: Meeting) -> list[Document]:
        return list(m.documents.all())


class MeetingIn(In):
    db_model = (Meeting,)
    number: str
    date: dt.date
    chair: str
    secretary: str
    body: str = ""
    items: list[AgendaItemSchema]


@meetings.get("", response={200: list[MeetingOut], **ERRORS}, operation_id="meetings_list", summary="Заседания")
@paginate(Pages)
def meetings_list(request: HttpRequest) -> Any:
    return cycle.meetings(request.auth)  # type: ignore[attr-defined]


@meetings.post(
    "",
    response={201: MeetingOut, **ERRORS},
    operation_id="meetings_add",
    summary="Внести заседание и сформировать протокол",
)
def meetings_add(request: HttpRequest, payload: MeetingIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    data = payload.dict()
    meeting = cycle.add_meeting(user, **data)
    cycle.protocol(user, meeting)
    return Status(201, cycle.get_meeting(user, meeting.pk))


@meetings.get("/{meeting_id}", response={200: MeetingOut, **ERRORS}, operation_id="meetings_get", summary="Заседание")
def meetings_get(request: HttpRequest, meeting_id: Id) -> Any:
    return or_404(cycle.get_meeting, request.auth, meeting_id)  # type: ignore[attr-defined]


# --- effectiveness, documents, evidence pack -----------------------------------------------------

results = Router(tags=["Эффективность и документы"])


class MatchOut(Schema):
    treated: str
    change: float
    controls: list[str]
    control_change: float
    difference: float


class EffectOut(Schema):
    start: int
    end: int
    verdict: str
    effect: float
    low: float
    high: float
    level: float
    significant: bool
    treated: int
    controls: int
    change_treated: float
    change_controls: float
    balance: list[tuple[str, float, float]]
    matches: list[MatchOut]
    unmatched: list[str]


@results.get(
    "/effect",
    response={200: EffectOut, **ERRORS},
    operation_id="effect_get",
    summary="Эффект мер: поддержанные школы против похожих неподдержанных (разность разностей)",
)
def effect_get(request: HttpRequest, start: Year, end: Year) -> Any:
    analysis = effect_service.analyse(request.auth, start, end)  # type: ignore[attr-defined]
    e = analysis.estimate
    return {
        "start": start,
        "end": end,
        "verdict": effect_service.verdict(analysis),
        "effect": e.effect,
        "low": e.low,
        "high": e.high,
        "level": e.level,
        "significant": e.significant,
        "treated": e.treated,
        "controls": e.controls,
        "change_treated": e.change_treated,
        "change_controls": e.change_controls,
        "balance": analysis.balance(),
        "matches": [m.__dict__ for m in e.matches],
        "unmatched": e.unmatched,
    }


@results.post(
    "/effect/report",
    response={201: DocumentOut, **ERRORS},
    operation_id="effect_report",
    summary="Сформировать отчёт об эффективности для рабочей группы (DOCX)",
)
def effect_report(request: HttpRequest, start: Year, end: Year) -> Any:
    return Status(201, effect_service.report(request.auth, start, end))  # type: ignore[attr-defined]


@results.get(
    "/documents/{document_id}",
    response={200: None, **ERRORS},
    operation_id="documents_get",
    summary="Документ цикла (DOCX)",
)
def documents_get(request: HttpRequest, document_id: Id) -> Any:
    return attachment(*or_404(cycle.document_file, request.auth, document_id))  # type: ignore[attr-defined]


@results.get(
    "/documents/{document_id}/pdf",
    response={200: None, **ERRORS},
    operation_id="documents_pdf",
    summary="PDF-копия документа (LibreOffice)",
)
def documents_pdf(request: HttpRequest, document_id: Id) -> Any:
    return attachment(*or_404(cycle.document_file, request.auth, document_id, "pdf"))  # type: ignore[attr-defined]


@results.get(
    "/evidence/{year}",
    response={200: None, **ERRORS},
    operation_id="evidence_get",
    summary="Доказательная база цикла за год (ZIP: девять разделов и опись)",
)
def evidence_get(request: HttpRequest, year: Year) -> Any:
    return attachment(evidence.build(request.auth, year), "application/zip", f"evidence-{year}.zip")  # type: ignore[attr-defined]
