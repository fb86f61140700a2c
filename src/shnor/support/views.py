"""Support network pages: thin wrappers around shnor.support.services."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm, Role
from shnor.core.support import COMPUTED, CRITERIA, FORMS, MARKED
from shnor.documents.cache import pdf_folder
from shnor.lib.listing import paged
from shnor.lib.lookup import as_int, as_year, form_errors, matches, or_404
from shnor.registry import services as registry
from shnor.support import services
from shnor.support.forms import (
    AgreementForm,
    ConsultationForm,
    CuratorForm,
    EventForm,
    FeedbackForm,
    PairForm,
    PracticeForm,
    RuleForm,
    TutorForm,
)
from shnor.support.models import Curator
from shnor.support.services import SupportError


def _year(request: HttpRequest) -> int | None:
    value = as_year(request.GET.get("year"))
    if value is not None:
        return value
    run, _ = services.official_run()
    return run.year if run else None


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    """The regional view of the network: every pair's activity, idle ones flagged."""
    user = request.user
    year = _year(request)
    chosen = as_int(request.GET.get("municipality"))
    q, idle = request.GET.get("q", "").strip(), request.GET.get("idle") == "1"
    found = services.overview(user, year, chosen, q, idle)
    listing = paged(request, found.shown)
    page = listing["page"]
    page.object_list = services.activity_of(list(page.object_list), found.on)  # the shown page's rows only
    return render(
        request,
        "support/overview.html",
        {
            **listing,
            "q": q,
            "idle": idle,
            "year": year,
            "totals": found.totals,
            "weeks": services.rules().inactive_weeks,
            "municipalities": found.municipalities,
            "municipality": chosen,
            "can_match": user.has_shnor_perm(Perm.MATCH_CURATORS),
        },
    )


# --- the curator pool -----------------------------------------------------------------------------


@login_required
def curator_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    curators = services.pool(user, status if status in Curator.Status.values else None)
    for c in curators:
        c.flags = [c.met.get(code) for code in (*COMPUTED, *MARKED)]
    return render(
        request,
        "support/curators.html",
        {
            "curators": curators,
            "criteria": [(c, CRITERIA[c]) for c in (*COMPUTED, *MARKED)],
            "rules": services.rules().curators,
            "required": [CRITERIA[c] for c in services.rules().curators.required],
            "candidate_if": [CRITERIA[c] for c in services.rules().curators.candidate_if_any],
            "status": status,
            "statuses": Curator.Status.choices,
            "can_match": user.has_shnor_perm(Perm.MATCH_CURATORS),
            "tutor_form": TutorForm(user=user) if user.has_shnor_perm(Perm.MATCH_CURATORS) else None,
        },
    )


@login_required
@require_POST
def curator_refresh(request: AuthedRequest) -> HttpResponse:
    try:
        summary = services.refresh_pool(request.user)
    except SupportError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Критерии пересчитаны по расчёту {summary.year} года: кандидатов {summary.candidates}, "
            f"новых {summary.added}, обновлено {summary.updated}.",
        )
    return redirect("support:curators")


@login_required
@require_POST
def tutor_add(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not user.has_shnor_perm(Perm.MATCH_CURATORS):
        raise PermissionDenied
    form = TutorForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, f"Тьютор не добавлен. {form_errors(form)}")
        return redirect("support:curators")
    d = form.cleaned_data
    try:
        tutor = services.add_tutor(
            user,
            d["person"],
            d["municipality"],
            capacity=d["capacity"],
            strengths=form.strengths_list(),
            account=d["account"],
        )
    except SupportError as error:
        messages.error(request, str(error))
        return redirect("support:curators")
    messages.success(request, f"Тьютор {tutor} включён в пул кураторов.")
    return redirect("support:curator", pk=tutor.pk)


@login_required
def curator_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    curator = or_404(services.get_curator, user, pk)
    form = CuratorForm(request.POST or None, initial=CuratorForm.initial_for(curator))
    if request.method == "POST":
        if not user.has_shnor_perm(Perm.MATCH_CURATORS):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_curator(
                    user,
                    curator,
                    marks={m: data[m] for m in MARKED},
                    capacity=data["capacity"],
                    extra_strengths=data["extra_strengths"].split(","),
                    note=data["note"],
                    status=data["status"],
                )
            except SupportError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Изменения сохранены.")
                return redirect("support:curator", pk=curator.pk)
    return render(
        request,
        "support/curator.html",
        {
            "c": curator,
            "form": form,
            "criteria": [(CRITERIA[c], curator.met.get(c), c in MARKED) for c in (*COMPUTED, *MARKED)],
            "strengths": [services.label(s) for s in curator.all_strengths],
            "pairs": services.pairings(user).filter(curator=curator),
            "can_match": user.has_shnor_perm(Perm.MATCH_CURATORS),
            # A pool longer than the recommendations' select is addressed from here.
            "can_draft": user.has_shnor_perm(Perm.MANAGE_CYCLE),
        },
    )


# --- matching -------------------------------------------------------------------------------------


@login_required
def matching(request: AuthedRequest) -> HttpResponse:
    user = request.user
    proposals = list(services.proposals(user)[:10])
    pk = request.GET.get("proposal", "")
    proposal = next((p for p in proposals if str(p.pk) == pk), proposals[0] if proposals else None)
    pairs = services.proposal_pairs(user, proposal) if proposal else []
    q = request.GET.get("q", "").strip()
    shown = [p for p in pairs if matches(q, p.school.name, p.school.municipality.name, str(p.curator))]
    run, listed = services.official_run()
    schools, curators = services.rule_choices(user, listed)
    rule_form = RuleForm(schools=schools, curators=curators)
    return render(
        request,
        "support/matching.html",
        {
            "proposal": proposal,
            "proposals": proposals,
            **paged(request, shown),
            "q": q,
            "run": run,
            "listed": len(listed),
            "rules": services.matching_rules(user),
            "rule_form": rule_form,
            "pending": sum(1 for p in pairs if p.status == "proposed"),
            "costs": services.rules(),
            "form_rule": services.form_rule(),
            "groups": (proposal.settings or {}).get("groups") if proposal else None,
        },
    )


@login_required
@require_POST
def matching_run(request: AuthedRequest) -> HttpResponse:
    run, _ = services.official_run()
    if run is None:
        messages.error(request, "Нет выполненного расчёта идентификации.")
        return redirect("support:matching")
    try:
        proposal = services.propose(request.user, run.year)
    except SupportError as error:
        messages.error(request, str(error))
        return redirect("support:matching")
    messages.success(request, f"Предложено пар: {proposal.pairings.count()}.")
    return redirect(f"{reverse('support:matching')}?proposal={proposal.pk}")


@login_required
@require_POST
def matching_rule(request: AuthedRequest) -> HttpResponse:
    schools, curators = services.rule_choices(request.user)
    form = RuleForm(request.POST, schools=schools, curators=curators)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.set_rule(request.user, d["school"], d["curator"], d["kind"], d["note"])
        except SupportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Правило подбора сохранено; оно учитывается при следующем подборе.")
    else:
        messages.error(request, "Правило не сохранено: выберите школу и куратора.")
    return redirect("support:matching")


@login_required
@require_POST
def matching_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    proposal = or_404(services.proposals(user).get, pk=pk)  # the service refuses without the right
    chosen = {n for n in map(as_int, request.POST.getlist("school")) if n is not None}
    try:
        n = services.approve(user, proposal, chosen or None)
    except SupportError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Утверждено пар: {n}. Кураторы и школы получили уведомления.")
    return redirect(f"{reverse('support:matching')}?proposal={proposal.pk}")


@login_required
def matching_export(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    proposal = or_404(services.proposals(user).get, pk=pk)
    response = HttpResponse(
        services.export_xlsx(user, proposal),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="matching-{proposal.year}-{proposal.pk}.xlsx"'
    return response


# --- a pair and its journals ----------------------------------------------------------------------


@login_required
def pair_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    pairing = or_404(services.get_pair, user, pk)
    entries = services.journal(user, pairing)
    activity = next(iter(services.activity(user, pairing=pairing)), None)
    return render(
        request,
        "support/pair.html",
        {
            "p": pairing,
            "reason": services.reason(pairing),
            "entries": entries,
            "activity": activity,
            "agreements": services.agreements(user, pairing),
            "can_journal": services.can_keep_journal(user, pairing),
            "others_pair": user.role == Role.CURATOR and not services.is_curator_of(user, pairing),
            "can_rate": services.can_rate(user, pairing),
            "can_agree": services.can_keep_journal(user, pairing) or user.has_shnor_perm(Perm.MATCH_CURATORS),
            "can_match": user.has_shnor_perm(Perm.MATCH_CURATORS),
            "consultation_form": ConsultationForm(initial={"date": services.today()}),
            "feedback_form": FeedbackForm(),
            "agreement_form": AgreementForm(initial={"date": services.today(), "start": services.today()}),
            "pair_form": PairForm(initial={"form": pairing.form}),
        },
    )


@login_required
@require_POST
def consultation_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    pairing = or_404(services.get_pair, user, pk)
    form = ConsultationForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.record_consultation(
                user,
                pairing,
                date=d["date"],
                form=d["form"],
                topic=d["topic"],
                participants=d["participants"],
                hours=float(d["hours"]),
                materials=d["materials"],
                upload=d.get("file"),
            )
        except SupportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Консультация внесена в журнал; школа получила уведомление.")
    else:
        messages.error(request, f"Консультация не внесена: {form_errors(form)}")
    return redirect("support:pair", pk=pairing.pk)


@login_required
@require_POST
def feedback_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    entry = or_404(services.get_consultation, user, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.give_feedback(user, entry, d["rating"], d["comment"], d["useful"])
        except SupportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Спасибо: оценка внесена в журнал обратной связи.")
    else:
        messages.error(request, "Выберите оценку от 1 до 5.")
    return redirect("support:pair", pk=entry.pairing_id)


@login_required
def consultation_file(request: AuthedRequest, pk: int) -> FileResponse:
    entry = or_404(services.get_consultation, request.user, pk)
    if not entry.file:
        raise Http404("Файла нет")
    return FileResponse(entry.file.open("rb"), as_attachment=True, filename=(entry.file.name or "").rsplit("/", 1)[-1])


@login_required
@require_POST
def agreement_add(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    pairing = or_404(services.get_pair, user, pk)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            agreement = services.make_agreement(user, pairing, **form.cleaned_data)
        except SupportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{agreement} сформировано.")
    else:
        messages.error(request, "Соглашение не сформировано: заполните номер, дату и срок действия.")
    return redirect("support:pair", pk=pairing.pk)


@login_required
@require_POST
def pair_form(request: AuthedRequest, pk: int) -> HttpResponse:
    pairing = or_404(services.get_pair, request.user, pk)
    form = PairForm(request.POST)
    if form.is_valid():
        services.set_form(request.user, pairing, form.cleaned_data["form"])
        messages.success(request, "Форма сопровождения изменена.")
    return redirect("support:pair", pk=pairing.pk)


@login_required
def agreement_download(request: AuthedRequest, pk: int, fmt: str = "docx") -> HttpResponseBase:
    agreement = or_404(services.agreements(request.user).get, pk=pk)
    if fmt == "pdf":  # the copy of the signed form, rendered by LibreOffice from the same DOCX
        from shnor.documents import convert

        with agreement.file.open("rb") as f:
            try:
                pdf = convert.to_pdf(f.read(), f"agreement-{agreement.pk}.docx", cache=pdf_folder())
            except convert.ConversionError as error:
                messages.error(request, str(error))
                return redirect("support:pair", agreement.pairing_id)
        return FileResponse(io.BytesIO(pdf), as_attachment=True, filename=f"Соглашение № {agreement.number}.pdf")
    return FileResponse(agreement.file.open("rb"), as_attachment=True, filename=f"Соглашение № {agreement.number}.docx")


# --- events, practices, the map -------------------------------------------------------------------


@login_required
def event_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = EventForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_event(user, **form.cleaned_data)
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Мероприятие внесено в реестр.")
            return redirect("support:events")
    year = request.GET.get("year", "")
    events = services.events(user, as_year(year))
    return render(request, "support/events.html", {"events": events, "form": form, "year": year})


@login_required
def practice_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = PracticeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_practice(
                user,
                d["school"],
                title=d["title"],
                summary=d["summary"],
                description=d["description"],
                url=d["url"],
                factors=form.factors(),
            )
        except SupportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Практика сохранена как черновик; её опубликует региональный оператор.")
            return redirect("support:practices")
    factor = request.GET.get("factor", "")
    query = request.GET.get("q", "")
    factors = [(f.code, f.title) for f in registry.preset().catalogue().factors]
    return render(
        request,
        "support/practices.html",
        {
            "practices": services.practices(user, factor or None, query or None),
            "form": form,
            "factors": factors,
            "factor": factor,
            "q": query,
            "can_publish": user.has_shnor_perm(Perm.PUBLISH_PRACTICES),
        },
    )


@login_required
@require_POST
def practice_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    practice = or_404(services.practices(request.user).get, pk=pk)
    services.publish_practice(request.user, practice, request.POST.get("publish", "1") == "1")
    messages.success(request, "Статус практики изменён.")
    return redirect("support:practices")


@login_required
def infrastructure_map(request: AuthedRequest) -> HttpResponse:
    year = _year(request)
    levels = services.infrastructure(request.user, year)
    where = services.map_data(request.user, year)
    counts = {kind: len(rows) for kind, rows in where["points"].items()}
    return render(
        request,
        "support/map.html",
        {
            "levels": levels,
            "forms": FORMS,
            "map": where,
            "map_label": "Карта школ перечня, кураторов и пар; те же сведения — в списках ниже",
            "counts": counts,
            "lines": len(where["lines"]),
        },
    )
