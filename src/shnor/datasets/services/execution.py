"""Executing an import: read, convert and check every row, write all or nothing; recovery after a crash."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import pyarrow as pa
from django.db import transaction
from django.utils import timezone

from shnor import failpoints
from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.audit.context import Acting, acting_as
from shnor.core.contract import TABLES, Table
from shnor.core.contract import Store as Destination
from shnor.datasets.loaders import LOADERS, Outcome
from shnor.datasets.models import ImportRun
from shnor.datasets.services.common import (
    ImportRefused,
    ProgressHook,
    Status,
    _Rejected,
    applied,
    finish,
    run_path,
    store,
    table_of,
)
from shnor.datasets.services.upload import refuse_personal_data, run_mapping, sniff_run, source_dict
from shnor.ingest.issues import IssueLog
from shnor.ingest.pipeline import ROW, Context, Duplicates, Plan, batches, plan
from shnor.ingest.sources import (
    SourceError,
)


def start(user: Actor, run: ImportRun) -> ImportRun:
    """Queue the import as a background task (the tests and the CLI run it at once)."""
    require(user, Perm.IMPORT_DATA)
    if run.status != Status.DRAFT:
        raise ImportRefused(f"Загрузка № {run.pk} уже {run.get_status_display()}.")
    run.status = Status.QUEUED
    run.save(update_fields=["status"])
    from shnor.datasets.tasks import run_import

    run_import.enqueue(run.pk)
    run.refresh_from_db()
    return run


def execute(run_id: int, hook: ProgressHook | None = None) -> ImportRun:
    """Do one import. Safe to call from a worker, the CLI or a test; never raises on bad data."""
    with store().lock():
        recover()
        run = ImportRun.objects.select_related("created_by").get(pk=run_id)
        if run.status not in (Status.DRAFT, Status.QUEUED):
            return run
        run.status = Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at"])
        actor = Acting(run.created_by, run.channel, label=f"загрузка № {run.pk}")
        with acting_as(actor):
            try:
                return _execute(run, hook)
            except Exception as error:
                log = IssueLog(run.file_name)
                log.error("file", f"Загрузка прервана внутренней ошибкой: {type(error).__name__}: {error}")
                finish(run, Status.FAILED, log, "Загрузка не выполнена: данные не изменены.")
                raise


def _execute(run: ImportRun, hook: ProgressHook | None) -> ImportRun:
    table = table_of(run.kind)
    log = IssueLog(run.file_name)
    spec = run_mapping(run)
    path = run_path(run)
    if path is None or not path.exists():
        log.error("file", "Копия файла не найдена: загрузите файл снова.")
        return finish(run, Status.FAILED, log, "Файл не найден.")
    try:
        info = sniff_run(run, path, spec)
    except SourceError as error:
        log.error(error.code, error.message)
        return finish(run, Status.FAILED, log, "Файл не принят.")
    run.source = source_dict(info)
    the_plan = plan(info, table, log, spec, run.year)
    if log.has_errors:
        refuse_personal_data(run, log)
        return finish(run, Status.FAILED, log, "Файл не принят: исправьте ошибки и загрузите его снова.")
    context = Context(
        known_schools=None if table.name == "schools" else frozenset(_known_schools()),
        known_staff=frozenset(_known_staff()) if table.name in ("diagnostics", "courses") else None,
        year=run.year,
    )

    def progress(rows: int) -> None:
        run.rows_read = rows
        ImportRun.objects.filter(pk=run.pk).update(rows_read=rows)
        if hook:
            hook(run)

    if table.store == Destination.COLUMNAR:
        return _execute_columnar(run, table, the_plan, context, log, progress)
    return _execute_database(run, table, the_plan, context, log, progress)


def _known_schools() -> list[str]:
    from shnor.registry.models import School

    return list(School.objects.values_list("school_id", flat=True))


def _known_staff() -> list[str]:
    from shnor.staff.models import Teacher

    return list(Teacher.objects.values_list("staff_key", flat=True))


def _execute_columnar(
    run: ImportRun, table: Table, the_plan: Plan, context: Context, log: IssueLog, progress: Callable[[int], None]
) -> ImportRun:
    the_store = store()
    writer = the_store.writer(table.name, run.store_id, table.replace_by)
    duplicates = Duplicates(the_plan)
    rows = 0
    try:
        try:
            for typed in batches(the_plan, context, log, progress=progress):
                rows += typed.num_rows
                duplicates.add(typed)
                if not log.has_errors:
                    writer.write(typed.drop_columns([ROW]))
                    failpoints.hit("import:store-part-written")
            duplicates.check(log, rescan=lambda: batches(the_plan, context, IssueLog(), batch_rows=2_000_000))
        except SourceError as error:  # the file stopped being readable after its start
            writer.abort()
            log.error(error.code, error.message)
            return finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
        if log.has_errors or rows == 0:
            writer.abort()
            if rows == 0 and not log.has_errors:
                log.error("empty", "В файле нет строк с данными.")
            return finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
        parts = writer.close()
    except BaseException:
        writer.abort()
        raise
    result = the_store.commit(table.name, parts, run.store_id, table.replace_by, note=run.file_name)
    # The manifest swap above is the commit point; recover() finishes the bookkeeping after a crash.
    outcome = Outcome(added=result.rows_added, removed=result.rows_removed, years=result.years)
    return applied(run, log, outcome, rows, the_plan.skipped)


def _execute_database(
    run: ImportRun, table: Table, the_plan: Plan, context: Context, log: IssueLog, progress: Callable[[int], None]
) -> ImportRun:
    try:
        frames = list(batches(the_plan, context, log, progress=progress))
    except SourceError as error:  # the file stopped being readable after its start
        log.error(error.code, error.message)
        return finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
    data = pa.concat_tables(frames) if frames else None
    rows = data.num_rows if data is not None else 0
    if data is not None:
        duplicates = Duplicates(the_plan)
        duplicates.add(data)
        duplicates.check(log)
    if rows == 0 and not log.has_errors:
        log.error("empty", "В файле нет строк с данными.")
    if log.has_errors or data is None:
        return finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
    present = set(the_plan.sources) | set(the_plan.constants) | set(the_plan.not_collected)
    try:
        with transaction.atomic():
            outcome = LOADERS[table.name](data, present, log)
            failpoints.hit("import:rows-written")
            if log.has_errors:
                raise _Rejected
            run.undo = gzip.compress(json.dumps(outcome.undo, ensure_ascii=False).encode("utf-8"))
            return applied(run, log, outcome, rows, the_plan.skipped)
    except _Rejected:
        return finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")


def recover() -> int:
    """Runs left `running` by a killed process (call under the store lock). Those whose columnar
    commit landed are finished as applied; the rest are marked interrupted. Orphan files go."""
    the_store = store()
    fixed = 0
    for run in ImportRun.objects.filter(status=Status.RUNNING):
        table = TABLES.get(run.kind)
        landed = None
        if table is not None and table.store == Destination.COLUMNAR:
            landed = next((m for m in the_store.history(table.name) if m.import_id == run.store_id), None)
        log = IssueLog(run.file_name)
        if landed is not None:
            added = sum(p.rows for p in landed.parts if p.file in set(landed.added) and p.import_id == run.store_id)
            outcome = Outcome(added=added, years=sorted({p.year for p in landed.parts if p.import_id == run.store_id}))
            applied(run, log, outcome, run.rows_read)
        else:
            log.error("file", "Загрузка прервана (процесс остановлен); данные не изменены. Загрузите файл снова.")
            finish(run, Status.INTERRUPTED, log, "Загрузка прервана: данные не изменены.")
        fixed += 1
    the_store.collect_garbage()
    return fixed
