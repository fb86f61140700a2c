"""Identification pages: thin wrappers around shnor.identification.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shnor.accounts.roles import Perm
from shnor.identification import labels, services
from shnor.identification.forms import ResultFilter, ReviewForm, StartForm
from shnor.identification.models import Run, SchoolResult, Sign
from shnor.registry import services as registry
from shnor.web.listing import Column, is_partial, table

RESULT_COLUMNS = [
    Column("school", "ОО", "school__name"),
    Column("municipality", "Муниципалитет", "school__municipality__name"),
    Column("ior", "ИОР", "ior", numeric=True),
    Column("isb", "ИСБ", "isb", numeric=True),
    Column("cluster", "Кластер", "cluster"),
    Column("value_added", "Добавленная ценность (90 %)", "value_added", numeric=True),
    Column("flags", "Признаки"),
    Column("category", "Категория", "category"),
    Column("selected", "Отбор", "selected"),
]


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _run(pk: int) -> Run:
    return get_object_or_404(Run, pk=pk)


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    can_run = user.has_shnor_perm(Perm.RUN_IDENTIFICATION)  # type: ignore[union-attr]
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
        "breadcrumbs": [("Идентификация", None)],
    }
    return render(request, "identification/run_list.html", context)


def _default_year() -> int:
    from shnor.datasets.services import store

    years = store().years("results")
    return max(years) if years else 2026


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    run = _run(pk)
    qs = services.results_for(user, run)
    categories = sorted({c for c in qs.values_list("category", flat=True) if c})
    form = ResultFilter(request.GET or None, municipalities=registry.municipalities(user), categories=categories)
    if form.is_valid():
        data = form.cleaned_data
        qs = services.filter_results(
            qs,
            q=data["q"],
            municipality=data["municipality"].pk if data["municipality"] else None,
            cluster=data["cluster"],
            category=data["category"],
            selected=_flag(data["selected"]),
            objectivity=_flag(data["objectivity"]),
            stable_low=_flag(data["stable_low"]),
        )
    context = table(request, qs, RESULT_COLUMNS, "school")
    context.update(
        run=run,
        form=form,
        rows_template="identification/_result_rows.html",
        clusters=_clusters(run),
        combinations=[{**c, "percent": 100 * c["share"]} for c in run.summary.get("combinations", [])],
        export_query=request.GET.urlencode(),
        breadcrumbs=[("Идентификация", reverse("identification:runs")), (str(run), None)],
    )
    if is_partial(request):
        return render(request, "web/_table.html", context)
    return render(request, "identification/run_detail.html", context)


def _clusters(run: Run) -> list[dict[str, Any]]:
    counts = run.summary.get("clusters", {})
    return [
        {"code": c, "label": labels.CLUSTERS[c], "count": counts.get(c, 0)}
        for c in ("effective", "resilient", "struggling", "deprived")
    ]


@login_required
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    response = render(request, "identification/_progress.html", {"run": run})
    if run.status in (Run.Status.DONE, Run.Status.FAILED) and request.htmx:  # type: ignore[attr-defined]
        response["HX-Refresh"] = "true"
    return response


@login_required
def run_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
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
def run_scatter(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(pk)
    data = services.scatter(request.user, run)
    for point in data["points"]:
        point["url"] = reverse("identification:school", args=[run.pk, point["id"]])
        point["label"] = labels.CLUSTERS[point["cluster"]]
    context = {
        "run": run,
        "chart": data,
        "breadcrumbs": [
            ("Идентификация", reverse("identification:runs")),
            (str(run), reverse("identification:run", args=[run.pk])),
            ("Диаграмма ИОР × ИСБ", None),
        ],
    }
    return render(request, "identification/scatter.html", context)


@login_required
def school_card(request: HttpRequest, pk: int, school: int) -> HttpResponse:
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
                "work": labels.work(s.procedure, s.subject, s.grade) if s.procedure else "",
            }
            for s in found.signs
        ],
        "history": found.history,
        "reasons": labels.reasons(result.reasons),
        "cluster": labels.CLUSTERS[result.cluster],
        "can_review": user.has_shnor_perm(Perm.REVIEW_SIGNS),  # type: ignore[union-attr]
        "review_form": ReviewForm(),
        "breadcrumbs": [
            ("Идентификация", reverse("identification:runs")),
            (str(run), reverse("identification:run", args=[run.pk])),
            (result.school.name, None),
        ],
    }
    return render(request, "identification/school.html", context)


@login_required
@require_POST
def review(request: HttpRequest, pk: int, sign: int) -> HttpResponse:
    the_sign = get_object_or_404(Sign, pk=sign, run_id=pk)
    try:
        services.evidence(request.user, the_sign.run, the_sign.school_id)
    except SchoolResult.DoesNotExist:
        raise Http404 from None
    form = ReviewForm(request.POST)
    if form.is_valid():
        services.review_sign(request.user, the_sign, form.cleaned_data["review"], form.cleaned_data["note"])
        messages.success(request, "Решение по признаку сохранено.")
    else:
        messages.error(request, "Выберите решение по признаку.")
    return redirect("identification:school", pk, the_sign.school_id)
