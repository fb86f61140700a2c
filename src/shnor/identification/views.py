"""Identification pages: thin wrappers around shnor.identification.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm
from shnor.core.numbers import number
from shnor.identification import labels, services
from shnor.identification.forms import ApproveForm, ListChangeForm, ResultFilter, ReviewForm, StartForm
from shnor.identification.models import Run, SchoolResult, Sign
from shnor.lib.listing import Column, is_partial, table
from shnor.lib.lookup import or_404
from shnor.records import services as records
from shnor.registry import services as registry

RESULT_COLUMNS = [
    Column("school", "ОО", "school__name"),
    Column("municipality", "Муниципалитет", "school__municipality__name"),
    Column("ior", "ИОР", "ior", numeric=True),
    Column("isb", "ИСБ", "isb", numeric=True),
    Column("cluster", "Кластер", "cluster"),
    Column("value_added", "Добавленная ценность (90 %)", "value_added", numeric=True),
    Column("flags", "Признаки"),
    Column("category", "Категория", "category"),
    Column("selected", "Отбор", "group"),
]


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _run(pk: int) -> Run:
    return get_object_or_404(Run, pk=pk)


@login_required
def run_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    can_run = user.has_shnor_perm(Perm.RUN_IDENTIFICATION)
    form = StartForm(request.POST or None, initial={"year": _default_year()})
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.start(user, form.cleaned_data["year"])
            except services.IdentificationRefused as error:
                form.add_error("year", str(error))
            else:
                messages.success(request, f"Расчёт № {run.pk} за {run.year} год запущен.")
                return redirect("identification:run", run.pk)
    context = {
        "runs": services.runs()[:50],
        "form": form,
        "can_run": can_run,
        "preset": registry.preset(),
        "preset_behind": registry.preset_behind(),
        "breadcrumbs": [("Идентификация", None)],
    }
    return render(request, "identification/run_list.html", context)


def _default_year() -> int:
    """The latest year of loaded results; with none loaded yet, the current year."""
    from shnor.datasets.services import store

    years = store().years("results")
    return max(years) if years else timezone.localdate().year


@login_required
@require_POST
def run_reviewed(request: AuthedRequest, pk: int) -> HttpResponse:
    """A new run of the same year that applies the reviews of this run's signs."""
    run = _run(pk)
    try:  # the service refuses a user without the right (403)
        new = services.start(request.user, run.year, reviewed_from=run)
    except services.IdentificationRefused as error:
        messages.error(request, str(error))
        return redirect("identification:run", run.pk)
    messages.success(request, f"Расчёт № {new.pk} с учётом рассмотренных признаков расчёта № {run.pk} запущен.")
    return redirect("identification:run", new.pk)


@login_required
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    run = _run(pk)
    qs = services.results_for(user, run)
    categories = services.categories(run)
    form = ResultFilter(request.GET or None, municipalities=registry.municipality_choices(user), categories=categories)
    if form.is_valid():
        data = form.cleaned_data
        qs = services.filter_results(
            qs,
            q=data["q"],
            municipality=data["municipality"],
            cluster=data["cluster"],
            category=data["category"],
            selected=_flag(data["selected"]),
            objectivity=_flag(data["objectivity"]),
            stable_low=_flag(data["stable_low"]),
            group=data["group"],
            cluster_municipal=data["cluster_municipal"],
        )
    context = table(request, qs, RESULT_COLUMNS, "school")
    # Each row says where the school stands on the list after people's changes, with its group.
    listed = services.final_list(run)
    page = context["page"]
    page.object_list = list(page.object_list)
    for r in page.object_list:
        r.list_group = labels.GROUPS[services.list_group(r, listed)]
        r.on_list = r.school_id in listed
    context.update(
        run=run,
        form=form,
        rows_template="identification/_result_rows.html",
        breadcrumbs=[("Идентификация", reverse("identification:runs")), (str(run), None)],
    )
    if is_partial(request):
        return render(request, "web/_table.html", context)
    # The page around the table only: fingerprinting the inputs reads every social record.
    context.update(
        reviewed=Sign.objects.filter(run=run).exclude(review=Sign.Review.PENDING).count(),
        can_run=request.user.has_shnor_perm(Perm.RUN_IDENTIFICATION),
        clusters=_clusters(run),
        changes=services.input_changes(run) if run.status == Run.Status.DONE else [],
        combinations=[{**c, "percent": 100 * c["share"]} for c in run.summary.get("combinations", [])],
        groups=_groups(run),
        parameters=services.of_run(run),
        settings_changed=services.changed_since_previous(run),
        review_compare_url=f"{reverse('identification:compare')}?a={run.reviewed_from_id}&b={run.pk}",
    )
    return render(request, "identification/run_detail.html", context)


def _groups(run: Run) -> str:
    """«(ШНОР — 54, ШНОР и ШНСУ — 84)»: the selected schools by group; empty for a run from before v1.1."""
    counts = run.summary.get("groups") or {}
    parts = [f"{labels.GROUPS[c]} — {number(counts[c])}" for c in labels.GROUP_TITLES if counts.get(c)]
    return f"({', '.join(parts)})" if parts else ""


def _clusters(run: Run) -> list[dict[str, Any]]:
    counts = run.summary.get("clusters", {})
    return [
        {"code": c, "label": labels.CLUSTERS[c], "count": counts.get(c, 0)}
        for c in ("effective", "resilient", "struggling", "deprived")
    ]


@login_required
def run_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    response = render(request, "identification/_progress.html", {"run": run})
    if run.status in (Run.Status.DONE, Run.Status.FAILED) and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
def run_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    run = _run(pk)
    if run.status != Run.Status.DONE:
        raise Http404
    rows = services.output_rows(request.user, run)
    name = f"identification-{run.year}-{run.pk}"
    if fmt == "csv":
        response = HttpResponse(services.export_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            services.export_xlsx(rows, run),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def run_scatter(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    data = services.scatter(request.user, run)
    for point in data["points"]:
        point["url"] = reverse("identification:school", args=[run.pk, point["id"]])
        point["label"] = labels.CLUSTERS[point["cluster"]]
    context = {
        "run": run,
        "chart": data,
        "chart_label": "Диаграмма рассеяния ИОР и ИСБ",
        "uncertain": sum(1 for p in data["points"] if p["uncertain"]),
        "breadcrumbs": [
            ("Идентификация", reverse("identification:runs")),
            (str(run), reverse("identification:run", args=[run.pk])),
            ("Диаграмма ИОР × ИСБ", None),
        ],
    }
    return render(request, "identification/scatter.html", context)


def _zone(low: bool, probability: float | None, what: str, uncertain: bool) -> dict[str, Any]:
    """A school's place in a low zone for the card (identification/_zone.html)."""
    return {"low": low, "probability": probability, "what": what, "chance": labels.chance(probability),
            "uncertain": uncertain}  # fmt: skip


@login_required
def school_card(request: AuthedRequest, pk: int, school: int) -> HttpResponse:
    user = request.user
    run = _run(pk)
    try:
        found = services.evidence(user, run, school)
    except SchoolResult.DoesNotExist:
        raise Http404 from None
    result = found.result
    years: dict[int, dict[str, Any]] = {}
    works: dict[tuple[str, str, int], dict[int, Any]] = {}
    for c in found.components:
        works.setdefault((c.procedure, c.subject, c.grade), {})[c.year] = c
        years.setdefault(c.year, {})
    context = {
        "run": run,
        "r": result,
        "school": result.school,
        "years": sorted(years),
        "works": [
            {"title": labels.work(*key), "by_year": [cells.get(y) for y in sorted(years)]}
            for key, cells in works.items()
        ],
        "signs": [
            {
                "sign": s,
                "title": labels.SIGNS.get(s.code, s.code),
                "work": labels.sign_work(s.procedure, s.subject, s.grade),
                "details": labels.evidence_text(s.evidence),
            }
            for s in found.signs
        ],
        "history": found.history,
        "weighed": _weighed(result.objectivity_evidence),
        "ior_zone": _zone(result.ior_low, result.ior_low_probability, "истинный ИОР", result.low_uncertain),
        "isb_zone": _zone(
            result.isb_low, result.isb_low_probability, "ИСБ без случайности долей", result.isb_uncertain
        ),
        "uncertain_zones": " и ".join(
            z for z, u in (("ИОР", result.low_uncertain), ("ИСБ", result.isb_uncertain)) if u and result.cluster
        ),
        "isb_missing": [labels.SOCIAL_TITLES.get(c, c) for c in result.isb_missing.split(";") if c],
        "reasons": labels.reasons(result.reasons),
        "trend_label": "ИОР школы по годам с 90 % интервалом; значения — в таблице ниже",
        "places": [(where, n, of) for where, n, of in services.place(result)],
        "cluster": labels.CLUSTERS[result.cluster],
        "cluster_municipal": labels.CLUSTERS[result.cluster_municipal]
        if result.cluster_municipal
        else "не определён (в муниципалитете меньше 4 школ с достаточными данными или у школы нет кластера)",
        "can_review": user.has_shnor_perm(Perm.REVIEW_SIGNS),
        "review_form": ReviewForm(),
        "breadcrumbs": [
            ("Идентификация", reverse("identification:runs")),
            (str(run), reverse("identification:run", args=[run.pk])),
            (result.school.name, None),
        ],
    }
    return render(request, "identification/school.html", context)


def _weighed(details: dict[str, Any]) -> dict[str, Any] | None:
    """The school's evidence of biased results for its card: strength, threshold, signs by strength
    in words, and what would change the flag."""
    if not details:
        return None
    signs = []
    for s in details.get("signs", []):
        top = s["top"]
        work = labels.sign_work(top["procedure"], top["subject"], top["grade"])
        signs.append({**s, "title": labels.SIGNS.get(s["code"], s["code"]), "work": work})
    return {**details, "signs": signs, "percent": details.get("false_flag_rate", 0) * 100}


@login_required
@require_POST
def review(request: AuthedRequest, pk: int, sign: int) -> HttpResponse:
    the_sign = or_404(services.sign_to_review, request.user, pk, sign)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Выберите решение по признаку.")
        return redirect("identification:school", pk, the_sign.school_id)
    try:
        services.review_sign(request.user, the_sign, form.cleaned_data["review"], form.cleaned_data["note"])
    except SchoolResult.DoesNotExist:
        raise Http404 from None
    messages.success(request, "Решение по признаку сохранено.")
    return redirect("identification:school", pk, the_sign.school_id)


@login_required
def run_list_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The list as it stands: proposed schools, people's changes, approval and its documents."""
    user = request.user
    run = _run(pk)
    if run.status != Run.Status.DONE:
        raise Http404
    can_edit = user.has_shnor_perm(Perm.RUN_IDENTIFICATION)
    can_approve = user.has_shnor_perm(Perm.APPROVE)
    change_form = ListChangeForm(request.POST if request.POST.get("form") == "change" else None)
    approve_form = ApproveForm(
        request.POST if request.POST.get("form") == "approve" else None, initial={"date": timezone.localdate()}
    )
    if request.method == "POST":
        try:
            if request.POST.get("form") == "change" and change_form.is_valid():
                data = change_form.cleaned_data
                school = get_object_or_404(services.results_for(user, run), school__school_id=data["school_id"]).school
                services.change_list(user, run, school.pk, data["action"], data["reason"])
                messages.success(request, "Перечень изменён.")
                return redirect("identification:list", run.pk)
            if request.POST.get("form") == "approve" and approve_form.is_valid():
                data = approve_form.cleaned_data
                approved = services.approve(
                    user,
                    run,
                    number=data["number"],
                    date=data["date"],
                    signatory=data["signatory"],
                    replaces=data["replaces"],
                )
                messages.success(request, f"Перечень утверждён: {approved}.")
                return redirect("identification:list", run.pk)
        except services.IdentificationRefused as error:
            messages.error(request, str(error))
    listed = services.final_list(run)
    rows = [
        {"r": r, "reason": reason, "group": labels.GROUPS[group]}
        for r, reason, group in services.listed_rows(user, run)
    ]
    decision = run.decisions.prefetch_related("documents").first()
    context = {
        "run": run,
        "rows": rows,
        "total": len(listed),
        "changes": run.changes.select_related("school", "created_by"),
        "decision": decision,
        # The order and its note name every listed school and district: the whole act's readers only.
        "decision_documents": list(decision.documents.all()) if decision and records.sees_whole(user, decision) else [],
        "can_edit": can_edit and decision is None,
        "can_approve": can_approve and decision is None,
        "earlier": services.approved_for_year(run) if can_approve and decision is None else None,
        "change_form": change_form,
        "approve_form": approve_form,
        "breadcrumbs": [
            ("Идентификация", reverse("identification:runs")),
            (str(run), reverse("identification:run", args=[run.pk])),
            ("Перечень", None),
        ],
    }
    return render(request, "identification/list.html", context)


@login_required
def document_download(request: AuthedRequest, pk: int) -> FileResponse:

    document = or_404(records.decision_document, request.user, pk)
    response = FileResponse(document.file.open("rb"), as_attachment=True, filename=f"{document.title}.docx")
    response["Content-Type"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return response


@login_required
def run_sensitivity(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    if run.status != Run.Status.DONE:
        raise Http404
    rows = services.sensitivity(request.user, run)
    grid = {(r.ior_shift, r.isb_shift): r for r in rows}
    shifts = sorted({r.ior_shift for r in rows})
    context = {
        "run": run,
        "rows": rows,
        "grid": [[grid[(i, j)] for j in shifts] for i in shifts],
        "shifts": shifts,
        "breadcrumbs": [
            ("Идентификация", reverse("identification:runs")),
            (str(run), reverse("identification:run", args=[run.pk])),
            ("Чувствительность к порогам", None),
        ],
    }
    return render(request, "identification/sensitivity.html", context)


@login_required
def run_compare(request: AuthedRequest) -> HttpResponse:
    done = services.runs().filter(status=Run.Status.DONE)
    first = done.filter(pk=request.GET.get("a") or 0).first()
    second = done.filter(pk=request.GET.get("b") or 0).first()
    comparison = services.compare(request.user, first, second) if first and second else None
    context = {
        "runs": done[:50],
        "first": first,
        "second": second,
        "comparison": comparison,
        "cluster_labels": labels.CLUSTERS,
        "transitions": [(labels.CLUSTERS[code], list(row.values())) for code, row in comparison.transitions.items()]
        if comparison
        else [],
        "breadcrumbs": [("Идентификация", reverse("identification:runs")), ("Сравнение расчётов", None)],
    }
    return render(request, "identification/compare.html", context)
