"""The management cycle's pages: thin wrappers around the services of shnor.cycle."""

from __future__ import annotations

from typing import Any, Literal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict
from shnor.core.cyclogram import working_year, year_title
from shnor.core.indicators import SYSTEM
from shnor.cycle import cyclogram as cyclogram_service
from shnor.cycle import effect as effect_service
from shnor.cycle import evidence, indicators, municipal, services
from shnor.cycle.forms import (
    ConclusionForm,
    DecisionForm,
    DraftForm,
    ExecutionForm,
    FullMeetingForm,
    GoalsForm,
    MeasureForm,
    MeasureStatusForm,
    RecommendationForm,
    ReportForm,
)
from shnor.cycle.models import Recommendation
from shnor.lib.listing import paged
from shnor.lib.lookup import as_int, as_year, attachment, form_errors, or_404
from shnor.lib.memo import shows_earlier
from shnor.lib.widgets import FastSelect
from shnor.records import services as records
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School


def _int(request: HttpRequest, name: str) -> int | None:
    return as_int(request.GET.get(name))


def _level(request: AuthedRequest) -> tuple[Municipality | None, School | None]:
    """The dashboard's level: the region, a municipality or a school, inside the user's scope.
    A school's account always sees its own school; a municipal coordinator their municipality."""
    user = request.user
    school_pk = _int(request, "school") or (user.school_id if user.role == Role.SCHOOL else None)
    school = (
        restrict(School.objects.select_related("municipality"), user).filter(pk=school_pk).first()
        if school_pk
        else None
    )
    if school_pk and school is None:
        raise Http404("Школа не найдена или нет доступа")
    muni_pk = _int(request, "municipality") or (
        user.municipality_id if user.role == Role.MUNICIPAL_COORDINATOR else None
    )
    municipality = restrict(Municipality.objects.all(), user).filter(pk=muni_pk).first() if muni_pk else None
    if muni_pk and municipality is None:
        raise Http404("Муниципалитет не найден или нет доступа")
    return (school.municipality if school else municipality), school


def _year(request: HttpRequest) -> int | None:
    years = indicators.years()
    year = as_year(request.GET.get("year"))
    return year if year in years else (years[0] if years else None)


@login_required
@shows_earlier
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The indicators of the region, a municipality or a school: value, target, status, trend."""
    user = request.user
    municipality, school = _level(request)
    year = _year(request)
    m, s = (municipality.pk if municipality else None), (school.pk if school else None)
    rows = indicators.dashboard(user, year, m, s) if year else []
    return render(
        request,
        "cycle/indicators.html",
        {
            "rows": rows,
            "year": year,
            "years": indicators.years(),
            "municipality": municipality,
            "school": school,
            # 1,000 municipalities of a country: a template loop over them took 40 ms of every view.
            "level_select": FastSelect(choices=[("", "регион"), *registry.municipality_choices(user)]).render(
                "municipality", municipality.pk if municipality else ""
            ),
            "note": indicators.note(),
            "met": sum(1 for v, _ in rows if v.status == "met"),
        },
    )


@login_required
@shows_earlier
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    """Drill-down: by municipality, then by school, then the schools or people counted."""
    user = request.user
    municipality, school = _level(request)
    year = _year(request)
    if year is None:
        raise Http404("Нет выполненных расчётов идентификации")
    try:
        value = indicators.get(
            user, year, code, municipality.pk if municipality else None, school.pk if school else None
        )
    except KeyError:
        raise Http404("Показатель не найден") from None
    level: Literal["municipality", "school"] = "school" if municipality or school else "municipality"
    rows = value.by(level) if not school else []
    base = f"{reverse('cycle:indicator', args=[code])}?year={year}"
    if level == "municipality":
        pks = dict(restrict(Municipality.objects.all(), user).values_list("name", "pk"))
        links = [(r, f"{base}&municipality={pks[r.key]}" if r.key in pks else "") for r in rows]
    else:
        pks = dict(
            restrict(School.objects.all(), user)
            .filter(school_id__in=[r.key for r in rows])
            .values_list("school_id", "pk")
        )
        links = [(r, f"{base}&school={pks[r.key]}" if r.key in pks else "") for r in rows]
    return render(
        request,
        "cycle/indicator.html",
        {
            "value": value,
            "year": year,
            "municipality": municipality,
            "school": school,
            "rows": links,
            "level": level,
            "bars_label": "Значения показателя по "
            + ("муниципалитетам" if level == "municipality" else "школам")
            + "; они же — в таблице ниже",
            "units": indicators.visible_units(user, value) if (school or municipality) else [],
            # The breakdown as bars (shares in percent, counts as they are), largest first.
            "bars": {
                "names": [r.name for r in rows],
                "values": [r.value if value.definition.kind == "share" else r.numerator for r in rows],
                # A count's target is the whole level's, not each municipality's or school's.
                "target": value.target if value.definition.kind == "share" else None,
                "unit": "%" if value.definition.kind == "share" else "",
            },
        },
    )


def _monitoring(request: AuthedRequest) -> municipal.Monitoring | None:
    if not municipal.allowed(request.user):
        raise PermissionDenied("Входной мониторинг муниципалитетов доступен региону и муниципалитетам")
    year = _year(request)
    return municipal.monitoring(request.user, year) if year else None


@login_required
def monitoring(request: AuthedRequest) -> HttpResponse:
    """The risk-oriented entry monitoring of the municipal education bodies (act 001)."""
    found = _monitoring(request)
    return render(
        request,
        "cycle/monitoring.html",
        {"m": found, "page": municipal.page(found) if found else None, "years": indicators.years()},
    )


@login_required
def monitoring_export(request: AuthedRequest) -> HttpResponse:
    found = _monitoring(request)
    if found is None:
        raise Http404("Нет выполненных расчётов идентификации")
    return attachment(
        municipal.export_xlsx(found),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"Входной мониторинг муниципалитетов {found.year}.xlsx",
    )


@login_required
@shows_earlier
def cyclogram(request: AuthedRequest) -> HttpResponse:
    """The working year's cyclogram of the act in force: each item's period, status, the clause it
    comes from and the evidence that fulfilled it."""
    today = timezone.localdate()
    start = cyclogram_service.year_start()
    current = working_year(today, start)
    year = as_year(request.GET.get("year")) or current
    context = {
        "lines": cyclogram_service.lines(year, today),
        "year": year,
        "title": year_title(year, start),
        "years": [(y, year_title(y, start)) for y in range(current - 3, current + 2)],
        "preset": registry.preset(),
        "preset_behind": registry.preset_behind(),
    }
    return render(request, "cycle/cyclogram.html", context)


@login_required
def effect(request: AuthedRequest) -> HttpResponse:
    """Effectiveness of the measures: supported schools against similar unsupported ones."""
    user = request.user
    years = sorted(indicators.years())
    start = as_year(request.GET.get("start")) or (years[-2] if len(years) >= 2 else None)
    end = as_year(request.GET.get("end")) or (years[-1] if years else None)
    analysis, error = None, ""
    if start is None or end is None:
        error = "Для оценки нужны расчёты идентификации хотя бы двух лет: года начала мер и более позднего."
    else:
        try:
            analysis = effect_service.analyse(user, start, end)
        except effect_service.EffectError as problem:
            error = str(problem)
    return render(
        request,
        "cycle/effect.html",
        {
            "analysis": analysis,
            "error": error,
            "years": years,
            "start": start,
            "end": end,
            "can_report": user.has_shnor_perm(Perm.MANAGE_CYCLE),
        },
    )


# --- goals, targets, analysis --------------------------------------------------------------------


def _cycle_year(request: HttpRequest) -> int:
    years = indicators.years()
    return as_year(request.GET.get("year")) or (years[0] if years else timezone.localdate().year)


def _municipality(request: AuthedRequest) -> Municipality | None:
    """The municipality a page works on: asked for, or a municipal coordinator's own."""
    user = request.user
    pk = _int(request, "municipality") or (user.municipality_id if user.role == Role.MUNICIPAL_COORDINATOR else None)
    return or_404(services.municipality_in_scope, user, pk)


@login_required
def goals(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year, municipality = _cycle_year(request), _municipality(request)
    here = f"{reverse('cycle:goals')}?year={year}" + (f"&municipality={municipality.pk}" if municipality else "")
    if request.method == "POST":
        form = GoalsForm(request.POST)
        try:
            if "targets" in request.POST:
                values: dict[str, float | None] = {}
                for code in SYSTEM:
                    raw = request.POST.get(f"target_{code}", "").strip().replace(",", ".").replace("\u00a0", "")
                    if raw == "":
                        values[code] = None
                    else:
                        try:
                            values[code] = float(raw)
                        except ValueError:
                            raise services.CycleError(f"Показатель {code}: «{raw}» — не число.") from None
                services.set_targets(user, year, values)
                messages.success(request, f"Целевые значения на {year} год сохранены.")
            elif form.is_valid():
                services.set_goals(user, year, municipality, form.cleaned_data["goal"], form.cleaned_data["tasks"])
                messages.success(request, "Цели и задачи сохранены.")
            else:
                messages.error(request, form_errors(form))
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect(here)
    g = services.goals(user, year, municipality)
    targets, titles = services.targets(year), indicators.titles()
    return render(
        request,
        "cycle/goals.html",
        {
            "g": g,
            "year": year,
            "municipality": municipality,
            "form": GoalsForm(initial={"goal": "\n".join(g.goal), "tasks": "\n".join(g.tasks)}),
            "can_edit": services.can_keep(user, municipality),
            "can_targets": services.can_keep(user, None) and municipality is None,
            "targets": [
                (code, titles[code], d.kind, targets.get(code, (None, "")))
                for code, d in SYSTEM.items()
                if code in targets
            ]
            + [(code, titles[code], d.kind, (None, "")) for code, d in SYSTEM.items() if code not in targets],
            "years": _years_around(year),
        },
    )


def _years_around(year: int) -> list[int]:
    return sorted(set(indicators.years()) | {timezone.localdate().year, year})


@login_required
def analysis(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year, municipality = _cycle_year(request), _municipality(request)
    if request.method == "POST":
        form = ConclusionForm(request.POST)
        if form.is_valid():
            try:
                services.save_conclusion(
                    user, year, form.cleaned_data["direction"], municipality, form.cleaned_data["text"]
                )
                messages.success(request, "Выводы сохранены.")
            except services.CycleError as error:
                messages.error(request, str(error))
        else:
            messages.error(request, form_errors(form))
        return redirect(
            f"{reverse('cycle:analysis')}?year={year}" + (f"&municipality={municipality.pk}" if municipality else "")
        )
    directions = services.analysis(user, year, municipality)
    return render(
        request,
        "cycle/analysis.html",
        {
            "directions": [
                (d, ConclusionForm(initial={"direction": d.code, "text": d.conclusion.text if d.conclusion else ""}))
                for d in directions
            ],
            "year": year,
            "municipality": municipality,
            "can_edit": services.can_keep(user, municipality),
            "years": _years_around(year),
        },
    )


# --- recommendations -----------------------------------------------------------------------------


@login_required
def recommendations(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year = _cycle_year(request)
    if request.method == "POST":
        try:
            if "all" in request.POST:
                messages.success(request, services.draft_all(user, year).message(year))
            else:
                addressee, target = services.addressee_of(
                    user, request.POST.get("target", ""), request.POST.get("code", "")
                )
                rec = or_404(services.draft, user, year, addressee, target)
                messages.success(request, "Проект рекомендаций подготовлен по данным; отредактируйте и направьте.")
                return redirect("cycle:recommendation", rec.pk)
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect(f"{reverse('cycle:recommendations')}?year={year}")
    status = request.GET.get("status") or None
    recs = services.recommendations(user, year, status)
    return render(
        request,
        "cycle/recommendations.html",
        {
            **paged(request, recs),
            "year": year,
            "status": status,
            "statuses": Recommendation.Status.choices,
            "can_draft": user.has_shnor_perm(Perm.MANAGE_CYCLE),
            "draft_form": DraftForm(targets=services.addressees(user, year))
            if user.has_shnor_perm(Perm.MANAGE_CYCLE)
            else None,
            "years": _years_around(year),
        },
    )


@login_required
def recommendation(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    rec = or_404(services.get_recommendation, user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "save":
                form = RecommendationForm(request.POST)
                if not form.is_valid():
                    raise services.CycleError(form_errors(form))
                data = form.cleaned_data
                services.edit(
                    user,
                    rec,
                    title=data["title"],
                    findings=data["findings"],
                    text=data["text"],
                    due=data["due"],
                    version=data["version"],
                )
                messages.success(request, "Изменения сохранены.")
            elif action == "issue":
                services.issue(user, rec)
                messages.success(request, "Рекомендации направлены адресату; документ DOCX сформирован.")
            elif action == "read":
                services.mark_read(user, rec)
                messages.success(request, "Получение отмечено.")
            elif action == "report":
                services.report(user, rec, request.POST.get("text", ""))
                messages.success(request, "Отчёт об исполнении отправлен.")
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect("cycle:recommendation", rec.pk)
    keeper = services.can_keep(user, None if rec.level == "region" else rec.municipality)
    return render(
        request,
        "cycle/recommendation.html",
        {
            "r": rec,
            "documents": rec.documents.all(),
            "form": RecommendationForm(
                initial={
                    "version": rec.version,
                    "title": rec.title,
                    "findings": rec.findings,
                    "text": rec.text,
                    "due": rec.due,
                }
            ),
            "report_form": ReportForm(),
            "can_edit": keeper and rec.status == Recommendation.Status.DRAFT,
            "is_addressee": services.is_addressee(user, rec),
            "decisions": rec.decisions.all(),
        },
    )


# --- measures ------------------------------------------------------------------------------------


def _school_codes(user: Any, raw: str) -> list[School]:
    return services.schools_by_codes(user, raw.replace(";", ",").split(","))


@login_required
def measures(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year = _cycle_year(request)
    municipality = _municipality(request)
    if request.method == "POST":
        form = MeasureForm(request.POST)
        try:
            if "status" in request.POST:
                measure = or_404(services.measures(user).get, pk=_post_int(request, "measure"))
                status_form = MeasureStatusForm(request.POST)
                if not status_form.is_valid():
                    raise services.CycleError(form_errors(status_form))
                services.update_measure(
                    user, measure, status_form.cleaned_data["status"], status_form.cleaned_data["result"]
                )
                messages.success(request, "Статус мероприятия изменён.")
            elif form.is_valid():
                data = form.cleaned_data
                services.add_measure(
                    user,
                    schools=_school_codes(user, data.pop("schools")),
                    year=year,
                    municipality=municipality,
                    **data,
                )
                messages.success(request, "Мероприятие внесено в план.")
            else:
                messages.error(request, form_errors(form))
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect(f"{reverse('cycle:measures')}?year={year}")
    rows = [
        (m, m.is_overdue(), MeasureStatusForm(initial={"status": m.status, "result": m.result}))
        for m in services.measures(user, year)
    ]
    return render(
        request,
        "cycle/measures.html",
        {
            "rows": rows,
            "year": year,
            "form": MeasureForm(),
            "can_edit": services.can_keep(user, municipality),
            "years": _years_around(year),
        },
    )


def _post_int(request: HttpRequest, name: str) -> int:
    value = as_int(request.POST.get(name))
    if value is None:
        raise Http404
    return value


# --- decisions -----------------------------------------------------------------------------------


@login_required
def decisions(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year = _cycle_year(request)
    municipality = _municipality(request)
    measure_qs = services.measures(user, year)
    rec_qs = services.recommendations(user, year)
    conclusion_qs = services.conclusions(user, year)
    if request.method == "POST":
        form = DecisionForm(request.POST, measures=measure_qs, recommendations=rec_qs, conclusions=conclusion_qs)
        try:
            if not form.is_valid():
                raise services.CycleError(form_errors(form))
            data = form.cleaned_data
            decision = services.record_decision(
                user,
                kind=data["kind"],
                document_kind=data["document_kind"],
                number=data["number"],
                date=data["date"],
                title=data["title"],
                basis=data["basis"],
                items=data["items"].splitlines(),
                municipality=municipality,
                schools=_school_codes(user, data["schools"]),
                measures_=measure_qs.filter(pk__in=data["measures"]),
                recommendations_=rec_qs.filter(pk__in=data["recommendations"]),
                conclusion=conclusion_qs.filter(pk=data["conclusion"]).first() if data["conclusion"] else None,
                due=data["due"],
                signatory=data["signatory"],
            )
            messages.success(request, f"Решение зарегистрировано: {decision}. Документ сформирован.")
            return redirect("cycle:decision", decision.pk)
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect(f"{reverse('cycle:decisions')}?year={year}")
    rows = [(d, d.execution_status()) for d in records.decisions(user, year)]
    initial = {"recommendations": [request.GET["recommendation"]]} if request.GET.get("recommendation") else {}
    return render(
        request,
        "cycle/decisions.html",
        {
            "rows": rows,
            "year": year,
            "form": DecisionForm(
                initial=initial, measures=measure_qs, recommendations=rec_qs, conclusions=conclusion_qs
            ),
            "can_edit": services.can_keep(user, municipality),
            "years": _years_around(year),
        },
    )


@login_required
def decision(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    d = or_404(records.get_decision, user, pk)
    if request.method == "POST":
        form = ExecutionForm(request.POST)
        try:
            if not form.is_valid():
                raise services.CycleError(form_errors(form))
            services.execute(user, d, form.cleaned_data["executed_at"], form.cleaned_data["execution"])
            messages.success(request, "Исполнение отмечено.")
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect("cycle:decision", d.pk)
    return render(
        request,
        "cycle/decision.html",
        {
            "d": d,
            "schools": records.named_schools(user, d),
            "whole": records.sees_whole(user, d),
            "recommendations": services.recommendations(user).filter(pk__in=d.recommendations.values("pk")),
            "status": d.execution_status(),
            "form": ExecutionForm(),
            "can_edit": services.can_keep(user, d.municipality) and not d.executed_at,
        },
    )


# --- working group -------------------------------------------------------------------------------


@login_required
def meetings(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = FullMeetingForm(request.POST)
        try:
            if not form.is_valid():
                raise services.CycleError(form_errors(form))
            data = form.cleaned_data
            meeting = services.add_meeting(
                user,
                body=data["body"],
                number=data["number"],
                date=data["date"],
                chair=data["chair"],
                secretary=data["secretary"],
                items=form.items(),
            )
            services.protocol(user, meeting)
            messages.success(request, f"Заседание внесено, протокол № {meeting.number} сформирован.")
            return redirect("cycle:meeting", meeting.pk)
        except services.CycleError as error:
            messages.error(request, str(error))
        return redirect("cycle:meetings")
    return render(
        request,
        "cycle/meetings.html",
        {"meetings": services.meetings(user), "form": FullMeetingForm(), "can_edit": services.can_keep(user, None)},
    )


@login_required
def meeting(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    m = or_404(services.get_meeting, user, pk)
    if request.method == "POST":
        services.protocol(user, m)
        messages.success(request, "Протокол сформирован заново.")
        return redirect("cycle:meeting", m.pk)
    return render(
        request,
        "cycle/meeting.html",
        {"m": m, "documents": m.documents.order_by("-created_at"), "can_edit": services.can_keep(user, None)},
    )


# --- effectiveness report, evidence pack, documents ----------------------------------------------


@login_required
@require_POST
def effect_report(request: AuthedRequest) -> HttpResponse:
    user = request.user
    start, end = as_year(request.POST.get("start")), as_year(request.POST.get("end"))
    if start is None or end is None:
        raise Http404
    try:
        document = effect_service.report(user, start, end)
    except effect_service.EffectError as error:
        messages.error(request, str(error))
        return redirect(reverse("cycle:effect"))
    messages.success(request, "Отчёт для рабочей группы сформирован.")
    return redirect("cycle:document", document.pk)


@login_required
def evidence_pack(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year = _cycle_year(request)
    if request.GET.get("download"):
        return attachment(evidence.build(user, year), "application/zip", f"evidence-{year}.zip")
    return render(
        request,
        "cycle/evidence.html",
        {
            "year": year,
            "elements": evidence.ELEMENTS,
            "years": _years_around(year),
            "can_download": user.has_shnor_perm(Perm.MANAGE_CYCLE),
            "effect_reports": services.effect_reports(user),
        },
    )


@login_required
def document(request: AuthedRequest, pk: int, fmt: str = "docx") -> HttpResponse:
    try:
        content, content_type, name = or_404(services.document_file, request.user, pk, fmt)
    except services.CycleError as error:  # no LibreOffice for the PDF copy
        messages.error(request, str(error))
        return redirect(request.META.get("HTTP_REFERER") or reverse("cycle:evidence"))
    return attachment(content, content_type, name)
