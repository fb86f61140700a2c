"""Data imports over the API: the same service as the upload page and `shnor import`.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Body, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.api.schemas import Id, Pages, Problem
from shnor.core.contract import TABLES
from shnor.datasets import services
from shnor.datasets.models import ImportRun
from shnor.datasets.reports import report_bytes, report_filename
from shnor.ingest.mapping import MappingError
from shnor.ingest.mapping import parse as parse_mapping
from shnor.ingest.sources import ReadOptions
from shnor.ingest.workbooks import template

ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

imports = Router(tags=["Загрузка данных"])
templates = Router(tags=["Загрузка данных"])
mappings = Router(tags=["Загрузка данных"])


class IssueOut(Schema):
    severity: str
    code: str
    message: str
    file: str
    row: int | None
    column: str
    value: str


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    channel: str
    file_name: str
    file_size: int
    sha256: str
    mapping: str | None
    year: int | None
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_added: int
    rows_updated: int
    rows_unchanged: int
    rows_removed: int
    errors: int
    warnings: int
    years: list[int]
    message: str

    @staticmethod
    def resolve_status_label(run: ImportRun) -> str:
        return str(run.get_status_display())

    @staticmethod
    def resolve_mapping(run: ImportRun) -> str | None:
        return run.mapping_spec.get("name") if run.mapping_spec else None

    @staticmethod
    def resolve_created_by(run: ImportRun) -> str | None:
        return run.created_by.username if run.created_by else None


class SummaryOut(Schema):
    severity: str
    code: str
    label: str
    column: str
    count: int
    listed: int


class ImportDetailOut(ImportOut):
    source: dict[str, Any]
    summary: list[SummaryOut]
    issues: list[IssueOut]


class MappingOut(Schema):
    name: str
    kind: str
    title: str
    spec: dict[str, Any]


@imports.get("", response=list[ImportOut], operation_id="imports_list", summary="История загрузок")
@paginate(Pages)
def imports_list(request: HttpRequest, kind: str | None = None, status: str | None = None) -> Any:
    runs = services.runs_for(request.auth)  # type: ignore[attr-defined]
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    return runs


@imports.post(
    "",
    response={
        201: ImportDetailOut,
        202: ImportDetailOut,
        422: ImportDetailOut,
        401: Problem,
        403: Problem,
        409: Problem,
    },
    operation_id="imports_create",
    summary="Загрузить файл таблицы контракта данных",
    description="Файл проверяется целиком; при ошибках ничего не записывается и возвращается 422 с замечаниями. "
    "wait=false ставит загрузку в очередь и сразу возвращает 202: следите за ней через GET /imports/{id}. "
    "Разделитель (sep: «;», «,», «|», tab), кодировка (encoding), строка заголовка (header_row) и лист книги "
    "(sheet) определяются по данным; их можно указать явно. Как прочитан файл и почему — в source.detected, "
    "сомнения — в source.unsure.",
)
def imports_create(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
    mapping: Form[str] = "",
    year: Form[int | None] = None,
    wait: Form[bool] = True,
    sep: Form[str] = "",
    encoding: Form[str] = "",
    header_row: Form[int | None] = None,
    sheet: Form[str] = "",
) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if header_row is not None and not 1 <= header_row <= 1000:
        raise services.ImportRefused("Номер строки заголовка — от 1 до 1000.")
    run = services.create_run(
        user,
        kind,
        file.chunks(),
        file.name or "file",
        mapping=mapping or None,
        year=year,
        channel=ImportRun.Channel.API,
        options=ReadOptions(delimiter=sep, encoding=encoding, header_row=header_row, sheet=sheet),
    )
    if run.status == ImportRun.Status.DRAFT:
        run = services.execute(run.pk) if wait else services.start(user, run)
    run.refresh_from_db()
    if run.status == ImportRun.Status.APPLIED:
        return Status(201, run)
    if run.is_finished:
        return Status(422, run)
    return Status(202, run)


@imports.get(
    "/{run_id}",
    response={200: ImportDetailOut, **ERRORS},
    operation_id="imports_get",
    summary="Загрузка: итог и замечания",
)
def imports_get(request: HttpRequest, run_id: Id) -> Any:
    return get_object_or_404(services.runs_for(request.auth), pk=run_id)  # type: ignore[attr-defined]


@imports.post(
    "/{run_id}/rollback",
    response={200: ImportDetailOut, **ERRORS},
    operation_id="imports_rollback",
    summary="Откатить загрузку",
)
def imports_rollback(request: HttpRequest, run_id: Id) -> Any:
    run = get_object_or_404(services.runs_for(request.auth), pk=run_id)  # type: ignore[attr-defined]
    return services.rollback(request.auth, run)  # type: ignore[attr-defined]


@imports.get(
    "/{run_id}/report",
    response={200: None, **ERRORS},
    operation_id="imports_report",
    summary="Отчёт о проверке (XLSX)",
)
def imports_report(request: HttpRequest, run_id: Id) -> HttpResponse:
    run = get_object_or_404(services.runs_for(request.auth), pk=run_id)  # type: ignore[attr-defined]
    response = HttpResponse(report_bytes(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report_filename(run)}"'
    return response


@templates.get(
    "/{kind}", response={200: None, **ERRORS}, operation_id="templates_get", summary="Шаблон XLSX таблицы", auth=None
)
def templates_get(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in TABLES:
        from django.http import Http404

        raise Http404
    response = HttpResponse(template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


@mappings.get("", response=list[MappingOut], operation_id="mappings_list", summary="Сохранённые сопоставления столбцов")
def mappings_list(request: HttpRequest, kind: str | None = None) -> Any:
    return services.mappings_for(request.auth, kind)  # type: ignore[attr-defined]


@mappings.post(
    "", response={201: MappingOut, **ERRORS}, operation_id="mappings_save", summary="Сохранить сопоставление столбцов"
)
def mappings_save(request: HttpRequest, payload: Body[dict[str, Any]]) -> Any:  # the JSON body, not a query
    require(request.auth, Perm.IMPORT_DATA)  # type: ignore[attr-defined]  # a refusal before reading the body
    spec = parse_mapping(payload, "из запроса")
    return Status(201, services.save_mapping(request.auth, spec))  # type: ignore[attr-defined]


__all__ = ["MappingError", "imports", "mappings", "templates"]
