"""Upload pages: thin wrappers around shnor.datasets.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.core.contract import TABLES
from shnor.datasets import services
from shnor.datasets.forms import ImportFilter, MappingForm, ReadOptionsForm, UploadForm
from shnor.datasets.models import ColumnMapping, ImportRun
from shnor.datasets.reports import report_bytes, report_filename
from shnor.ingest.issues import Issue
from shnor.ingest.mapping import MappingError
from shnor.ingest.mapping import parse as parse_mapping
from shnor.ingest.workbooks import template
from shnor.lib.listing import Column, is_partial, table
from shnor.lib.lookup import as_int

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUN_COLUMNS = [
    Column("id", "№", "pk", numeric=True),
    Column("created_at", "Когда", "created_at"),
    Column("kind", "Таблица", "kind"),
    Column("file_name", "Файл", "file_name"),
    Column("rows", "Строк", "rows_read", numeric=True),
    Column("status", "Состояние", "status"),
    Column("who", "Кто"),
]


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Загрузка данных", reverse("datasets:upload")), *items]


@login_required
def upload(request: AuthedRequest) -> HttpResponse:
    user = request.user
    require(user, Perm.IMPORT_DATA)
    form = UploadForm(request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind", "schools")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.create_run(
                user,
                data["kind"],
                data["file"].chunks(),
                data["file"].name,
                mapping=data["mapping"],
                year=data["year"],
                options=form.options(),
            )
        except (services.ImportRefused, MappingError) as error:
            form.add_error(None, str(error))
        else:
            return redirect("datasets:run", pk=run.pk)
    context = {
        "form": form,
        "tables": TABLES,
        "recent": services.runs_for(user)[:5],
        "breadcrumbs": [("Загрузка данных", None)],
    }
    return render(request, "datasets/upload.html", context)


@login_required
def run_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = services.runs_for(user)
    form = ImportFilter(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["kind"]:
            qs = qs.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
    context = table(request, qs, RUN_COLUMNS, "-id")
    context.update(form=form, rows_template="datasets/_run_rows.html", breadcrumbs=_crumbs(("История загрузок", None)))
    if is_partial(request):
        return render(request, "web/_table.html", context)
    return render(request, "datasets/run_list.html", context)


def _run(request: AuthedRequest, pk: int) -> ImportRun:
    return get_object_or_404(services.runs_for(request.user), pk=pk)


def _run_context(request: AuthedRequest, run: ImportRun) -> dict[str, Any]:
    issues = [Issue.from_dict(i) for i in run.issues]
    return {
        "run": run,
        "issues": issues[:500],
        "more_issues": max(0, len(issues) - 500),
        "can_import": request.user.has_shnor_perm(Perm.IMPORT_DATA),
    }


@login_required
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    context = _run_context(request, run)
    if run.status == ImportRun.Status.DRAFT:
        context["preview"] = services.preview(run)
        context["mappings"] = ColumnMapping.objects.filter(kind=run.kind)
        chosen = run.read_options or {}
        context["read_form"] = ReadOptionsForm(
            initial={
                "sep": {"\t": "tab"}.get(chosen.get("delimiter", ""), chosen.get("delimiter", "")),
                "encoding": chosen.get("encoding", ""),
                "header_row": chosen.get("header_row"),
                "sheet": chosen.get("sheet", ""),
            }
        )
    context["breadcrumbs"] = _crumbs(("История загрузок", reverse("datasets:runs")), (f"№ {run.pk}", None))
    return render(request, "datasets/run_detail.html", context)


@login_required
def run_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The htmx partial polled while an import runs; the full result replaces it when done."""
    run = _run(request, pk)
    response = render(request, "datasets/_progress.html", _run_context(request, run))
    if run.is_finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_start(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        services.start(request.user, run)
    except services.ImportRefused as error:
        messages.error(request, str(error))
    return redirect("datasets:run", pk=run.pk)


@login_required
@require_POST
def run_mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    """Choose a saved mapping (or none) for a run that has not started."""
    run = _run(request, pk)
    name = request.POST.get("mapping", "").strip()
    number = as_int(name)
    chosen = ColumnMapping.objects.filter(pk=number).first() if number is not None else None
    if name and chosen is None:
        messages.error(request, "Такого сопоставления столбцов нет: выберите его из списка.")
        return redirect("datasets:run", pk=run.pk)
    try:
        services.apply_mapping(request.user, run, chosen)
    except (services.ImportRefused, MappingError) as error:
        messages.error(request, str(error))
    return redirect("datasets:run", pk=run.pk)


@login_required
@require_POST
def run_read_options(request: AuthedRequest, pk: int) -> HttpResponse:
    """Read a file that has not started with the separator, encoding, header row or sheet a person
    chose (offered when the detection is unsure)."""
    run = _run(request, pk)
    require(request.user, Perm.IMPORT_DATA)
    form = ReadOptionsForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Параметры чтения не приняты: " + " ".join(str(e) for es in form.errors.values() for e in es)
        )
        return redirect("datasets:run", pk=run.pk)
    try:
        services.set_read_options(request.user, run, form.options())
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Файл прочитан заново с указанными параметрами.")
    return redirect("datasets:run", pk=run.pk)


@login_required
def mapping_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Map the file's columns to the contract once; the mapping is saved by name and applied."""
    run = _run(request, pk)
    require(request.user, Perm.IMPORT_DATA)
    if run.status != ImportRun.Status.DRAFT:
        raise Http404
    headers = list(run.source.get("headers", []))
    form = MappingForm(request.POST or None, kind=run.kind, headers=headers, initial_spec=run.mapping_spec)
    if request.method == "POST" and form.is_valid():
        try:
            spec = parse_mapping(form.spec(), f"«{form.cleaned_data['name']}»")
            saved = services.save_mapping(request.user, spec)
            services.apply_mapping(request.user, run, saved)
        except (MappingError, services.ImportRefused) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Сопоставление «{saved.name}» сохранено и применено к файлу.")
            return redirect("datasets:run", pk=run.pk)
    context = {
        "run": run,
        "form": form,
        "breadcrumbs": _crumbs(
            (f"№ {run.pk}", reverse("datasets:run", args=[run.pk])), ("Сопоставление столбцов", None)
        ),
    }
    return render(request, "datasets/mapping_form.html", context)


@login_required
@require_POST
def run_rollback(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    try:
        services.rollback(request.user, run)
    except services.ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Загрузка № {run.pk} отменена: прежние данные восстановлены.")
    return redirect("datasets:run", pk=run.pk)


@login_required
def run_report(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    response = HttpResponse(report_bytes(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report_filename(run)}"'
    return response


@login_required
def template_download(request: AuthedRequest, kind: str) -> HttpResponse:
    if kind not in TABLES:
        raise Http404
    response = HttpResponse(template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


@login_required
def mapping_list(request: AuthedRequest) -> HttpResponse:
    context = {
        "mappings": services.mappings_for(request.user),
        "breadcrumbs": _crumbs(("Сопоставления столбцов", None)),
    }
    return render(request, "datasets/mapping_list.html", context)


@login_required
def mapping_download(request: AuthedRequest, name: str) -> HttpResponse:
    saved = get_object_or_404(services.mappings_for(request.user), name=name)
    spec = parse_mapping(saved.spec, f"«{saved.name}»")
    response = HttpResponse(spec.to_yaml(), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{saved.name}.yaml"'
    return response
