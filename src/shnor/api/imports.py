"""Data imports over the API: the same service as the upload page and `shnor import`.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Body, File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.api.schemas import ERRORS, Id, Pages, Problem
from shnor.api.schemas.imports import ImportDetailOut, ImportOut, MappingOut
from shnor.core.contract import TABLES
from shnor.datasets import services
from shnor.datasets.models import ColumnMapping, ImportRun
from shnor.datasets.reports import report_bytes, report_filename
from shnor.ingest.mapping import MappingError
from shnor.ingest.mapping import parse as parse_mapping
from shnor.ingest.sources import ReadOptions
from shnor.ingest.workbooks import template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

imports = Router(tags=["Загрузка данных"])
templates = Router(tags=["Загрузка данных"])
mappings = Router(tags=["Загрузка данных"])


@imports.get("", response={200: list[ImportOut], **ERRORS}, operation_id="imports_list", summary="История загрузок")
@paginate(Pages)
def imports_list(request: AuthedRequest, kind: str | None = None, status: str | None = None) -> QuerySet[ImportRun]:
    runs = services.runs_for(request.auth)
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
    request: AuthedRequest,
    kind: Form[str],
    file: File[UploadedFile],
    mapping: Form[str] = "",
    year: Form[int | None] = None,
    wait: Form[bool] = True,
    sep: Form[str] = "",
    encoding: Form[str] = "",
    header_row: Form[int | None] = None,
    sheet: Form[str] = "",
) -> Status[ImportRun]:
    user = request.auth
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
def imports_get(request: AuthedRequest, run_id: Id) -> ImportRun:
    return get_object_or_404(services.runs_for(request.auth), pk=run_id)


@imports.post(
    "/{run_id}/rollback",
    response={200: ImportDetailOut, **ERRORS},
    operation_id="imports_rollback",
    summary="Откатить загрузку",
)
def imports_rollback(request: AuthedRequest, run_id: Id) -> ImportRun:
    run = get_object_or_404(services.runs_for(request.auth), pk=run_id)
    return services.rollback(request.auth, run)


@imports.get(
    "/{run_id}/report",
    response={200: None, **ERRORS},
    operation_id="imports_report",
    summary="Отчёт о проверке (XLSX)",
)
def imports_report(request: AuthedRequest, run_id: Id) -> HttpResponse:
    run = get_object_or_404(services.runs_for(request.auth), pk=run_id)
    response = HttpResponse(report_bytes(run), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{report_filename(run)}"'
    return response


@templates.get(
    "/{kind}", response={200: None, **ERRORS}, operation_id="templates_get", summary="Шаблон XLSX таблицы", auth=None
)
def templates_get(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in TABLES:
        raise Http404
    response = HttpResponse(template(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}.xlsx"'
    return response


@mappings.get(
    "",
    response={200: list[MappingOut], **ERRORS},
    operation_id="mappings_list",
    summary="Сохранённые сопоставления столбцов",
)
def mappings_list(request: AuthedRequest, kind: str | None = None) -> QuerySet[ColumnMapping]:
    return services.mappings_for(request.auth, kind)


@mappings.post(
    "", response={201: MappingOut, **ERRORS}, operation_id="mappings_save", summary="Сохранить сопоставление столбцов"
)
def mappings_save(
    request: AuthedRequest, payload: Body[dict[str, Any]]
) -> Status[ColumnMapping]:  # the JSON body, not a query
    require(request.auth, Perm.IMPORT_DATA)  # a refusal before reading the body
    spec = parse_mapping(payload, "из запроса")
    return Status(201, services.save_mapping(request.auth, spec))


__all__ = ["MappingError", "imports", "mappings", "templates"]
