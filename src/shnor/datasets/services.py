"""The import use case, the same for the web page, the API and the CLI.

    create_run  — keep the file (checksum, format), refuse unreadable or personal-data files
    preview     — header matching and the first rows, nothing converted, nothing written
    execute     — read, convert and check every row; write only if there is no error:
                  a database table in one transaction, a columnar table by one manifest swap
    rollback    — put back what an import replaced
    recover     — after a crash: finish what was committed, mark the rest interrupted

One import runs at a time per data folder (a file lock), so recovery can tell a stale run from a
live one.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.utils import timezone

from shnor import failpoints
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.audit.context import Acting, acting_as
from shnor.audit.tracking import record
from shnor.core.contract import TABLES, Table
from shnor.core.contract import Store as Destination
from shnor.core.errors import DomainRefusal
from shnor.core.numbers import number
from shnor.datasets.loaders import LOADERS, Outcome, revert
from shnor.datasets.models import ColumnMapping, ImportRun
from shnor.engine.store import Store, StoreError
from shnor.ingest import mapping as mappings
from shnor.ingest.issues import Issue, IssueLog, Severity
from shnor.ingest.mapping import Mapping, MappingError
from shnor.ingest.pipeline import ROW, STREAMED, Context, Duplicates, Plan, batches, matcher_for, plan
from shnor.ingest.sources import (
    CSV_SUFFIXES,
    ReadOptions,
    SourceError,
    SourceInfo,
    delimiter_option,
    encoding_option,
    preview_rows,
    sniff,
)

Status = ImportRun.Status
ProgressHook = Callable[[ImportRun], None]


class ImportRefused(DomainRefusal):
    """An import cannot be started or undone; the message is for the user, in Russian."""


def store() -> Store:
    return Store(settings.SHNOR_STORE_DIR)


def uploads_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"


def table_of(kind: str) -> Table:
    if kind not in TABLES:
        raise ImportRefused(f"Неизвестная таблица «{kind}». Допустимые: {', '.join(TABLES)}.")
    return TABLES[kind]


# --- mappings -------------------------------------------------------------------------------------


def resolve_mapping(reference: str | Mapping | ColumnMapping | None) -> tuple[Mapping | None, ColumnMapping | None]:
    """A mapping by its saved name or from a YAML/JSON file."""
    if reference is None or reference == "":
        return None, None
    if isinstance(reference, Mapping):
        return reference, None
    if isinstance(reference, ColumnMapping):
        return mappings.parse(reference.spec, f"«{reference.name}»"), reference
    saved = ColumnMapping.objects.filter(name=reference).first()
    if saved is not None:
        return mappings.parse(saved.spec, f"«{saved.name}»"), saved
    path = Path(reference)
    if path.suffix.lower() in (".yaml", ".yml", ".json") and path.exists():
        return mappings.load_file(path), None
    raise MappingError(
        f"Сопоставление «{reference}» не найдено: нет ни сохранённого сопоставления, ни файла с таким именем."
    )


def save_mapping(user: Any, spec: Mapping) -> ColumnMapping:
    require(user, Perm.IMPORT_DATA)
    saved, _ = ColumnMapping.objects.update_or_create(
        name=spec.name,
        defaults={
            "kind": spec.kind,
            "title": spec.title,
            "spec": spec.model_dump(mode="json"),
            "created_by": user if isinstance(user, User) else None,
        },
    )
    return saved


def mappings_for(user: Any, kind: str | None = None) -> QuerySet[ColumnMapping]:
    require(user, Perm.VIEW_IMPORTS)
    qs = ColumnMapping.objects.all()
    return qs.filter(kind=kind) if kind else qs


# --- runs ---------------------------------------------------------------------------------------


def runs_for(user: Any) -> QuerySet[ImportRun]:
    require(user, Perm.VIEW_IMPORTS)
    return ImportRun.objects.select_related("created_by", "mapping")


def get_run(user: Any, pk: int) -> ImportRun:
    return runs_for(user).get(pk=pk)


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_name(name: str) -> str:
    """A file name with no path in it and nothing a shell or a file system trips on."""
    base = Path(str(name).replace("\\", "/")).name.strip() or "file"
    base = _UNSAFE.sub("_", base).lstrip(".") or "file"
    return base[:150]


def create_run(
    user: Any,
    kind: str,
    source: Path | Iterable[bytes],
    file_name: str,
    *,
    mapping: str | Mapping | ColumnMapping | None = None,
    year: int | None = None,
    channel: str = ImportRun.Channel.WEB,
    options: ReadOptions | None = None,
) -> ImportRun:
    """Register an import: keep a copy of the file with its checksum and learn its format."""
    require(user, Perm.IMPORT_DATA)
    table = table_of(kind)
    options = checked_options(options)
    spec, saved = resolve_mapping(mapping)
    if spec is not None and spec.kind != kind:
        raise ImportRefused(f"Сопоставление «{spec.name}» предназначено для таблицы {spec.kind}, а загружается {kind}.")
    year_column = TABLES[kind].column("year") if table.yearly else None
    if year is not None and year_column is not None and not (year_column.min or 0) <= year <= (year_column.max or 9999):
        raise ImportRefused(f"Год {year} вне допустимого диапазона {year_column.min:g}–{year_column.max:g}.")
    name = safe_name(file_name)
    run = ImportRun.objects.create(
        kind=kind,
        channel=channel,
        file_name=name,
        sha256="",
        mapping=saved,
        mapping_spec=spec.model_dump(mode="json") if spec else None,
        read_options=options.as_dict(),
        year=year,
        created_by=user if isinstance(user, User) else None,
    )
    folder = uploads_dir() / str(run.pk)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    digest = hashlib.sha256()
    size = 0
    chunks: Iterable[bytes]
    if isinstance(source, Path):
        chunks = _file_chunks(source)
    else:
        chunks = source
    with open(target, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    run.stored_path = str(target.relative_to(settings.MEDIA_ROOT))
    run.sha256 = digest.hexdigest()
    run.file_size = size
    log = IssueLog(name)
    try:
        info = _sniff(run, target, spec)
        run.source = _source_dict(info)
        run.estimated_rows = _estimate_rows(info)
        plan(info, table, log, spec, year)
    except SourceError as error:
        log.error(error.code, error.message)
    _refuse_personal_data(run, log)
    if log.has_errors and any(i.code in ("file", "empty", "encoding", "sheet", "personal_data") for i in log.kept):
        _finish(run, Status.FAILED, log, "Файл не принят: исправьте ошибки и загрузите его снова.")
    else:
        run.save()
    return run


def checked_options(options: ReadOptions | None) -> ReadOptions:
    """Options as typed by a person (`tab`, `windows-1251`), checked; a wrong one is refused."""
    options = options or ReadOptions()
    try:
        return ReadOptions(
            delimiter=delimiter_option(options.delimiter),
            encoding=encoding_option(options.encoding),
            header_row=options.header_row,
            sheet=(options.sheet or "").strip() or None,
        )
    except SourceError as error:
        raise ImportRefused(error.message) from None


def _options(run: ImportRun, spec: Mapping | None) -> ReadOptions:
    """The run's own options, then the mapping's: what a person says at upload wins."""
    mine = ReadOptions.from_dict(run.read_options)
    if spec is None:
        return mine
    sheet = None if Path(run.file_name).suffix.lower() in CSV_SUFFIXES else spec.sheet  # a CSV has no sheets
    return mine.merged(
        ReadOptions(delimiter=spec.delimiter, encoding=spec.encoding, header_row=spec.header_row, sheet=sheet)
    )


def _sniff(run: ImportRun, path: Path, spec: Mapping | None) -> SourceInfo:
    table = table_of(run.kind)
    return sniff(path, run.file_name, table=table.name, options=_options(run, spec), match=matcher_for(table, spec))


def set_read_options(user: Any, run: ImportRun, options: ReadOptions) -> ImportRun:
    """Read a file that has not started with other options (chosen on its page after a doubtful
    detection): the format is learnt again."""
    require(user, Perm.IMPORT_DATA)
    if run.status != Status.DRAFT:
        raise ImportRefused("Параметры чтения меняются только до начала загрузки.")
    run.read_options = checked_options(options).as_dict()
    path = run_path(run)
    if path is not None and path.exists():
        try:
            info = _sniff(run, path, _run_mapping(run))
        except SourceError as error:
            raise ImportRefused(error.message) from None
        run.source = _source_dict(info)
        run.estimated_rows = _estimate_rows(info)
    run.save(update_fields=["read_options", "source", "estimated_rows"])
    return run


def _file_chunks(path: Path, size: int = 1 << 20) -> Iterable[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def _source_dict(info: SourceInfo) -> dict[str, Any]:
    return {
        "format": info.format,
        "encoding": info.encoding,
        "delimiter": info.delimiter,
        "decimal": info.decimal,
        "sheet": info.sheet,
        "sheets": info.sheets,
        "headers": info.headers,
        "header_row": info.header_row,
        "parts": [list(p) for p in info.parts],
        "description": info.describe(),
        "detected": info.detected,
        "unsure": info.unsure,
    }


def _estimate_rows(info: SourceInfo) -> int:
    if info.format != "csv":
        return 0
    with open(info.path, "rb") as fh:
        sample = fh.read(1 << 20)
    lines = sample.count(b"\n")
    if not lines:
        return 1
    if len(sample) < (1 << 20):
        return max(lines - info.header_row, 0) + (0 if sample.endswith(b"\n") else 1)
    return int(info.size * lines / len(sample)) - info.header_row


def _refuse_personal_data(run: ImportRun, log: IssueLog) -> None:
    """A file with names or SNILS is never kept: the copy is deleted at once."""
    if any(i.code == "personal_data" for i in log.kept):
        path = run_path(run)
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
        run.stored_path = ""


def run_path(run: ImportRun) -> Path | None:
    return Path(settings.MEDIA_ROOT) / run.stored_path if run.stored_path else None


@dataclass
class Preview:
    info: SourceInfo | None
    plan: Plan | None
    rows: list[list[str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def preview(run: ImportRun, limit: int = 10) -> Preview:
    """What the import will do with the file: header matching and the first rows."""
    path = run_path(run)
    log = IssueLog(run.file_name)
    spec = _run_mapping(run)
    if path is None or not path.exists():
        return Preview(
            None, None, issues=[Issue(Severity.ERROR, "file", "Копия файла не сохранена.", file=run.file_name)]
        )
    try:
        info = _sniff(run, path, spec)
    except SourceError as error:
        return Preview(None, None, issues=[Issue(Severity.ERROR, error.code, error.message, file=run.file_name)])
    the_plan = plan(info, table_of(run.kind), log, spec, run.year)
    try:
        rows = preview_rows(info, limit)
    except SourceError as error:
        log.error(error.code, error.message)
        rows = []
    return Preview(info, the_plan, rows, list(log))


def _run_mapping(run: ImportRun) -> Mapping | None:
    return mappings.parse(run.mapping_spec, f"загрузки № {run.pk}") if run.mapping_spec else None


def apply_mapping(user: Any, run: ImportRun, reference: str | Mapping | ColumnMapping | None) -> ImportRun:
    """Use another mapping (or none) for a run that has not started yet."""
    require(user, Perm.IMPORT_DATA)
    if run.status != Status.DRAFT:
        raise ImportRefused("Сопоставление меняется только до начала загрузки.")
    spec, saved = resolve_mapping(reference)
    if spec is not None and spec.kind != run.kind:
        raise ImportRefused(
            f"Сопоставление «{spec.name}» предназначено для таблицы {spec.kind}, а загружается {run.kind}."
        )
    run.mapping = saved
    run.mapping_spec = spec.model_dump(mode="json") if spec else None
    path = run_path(run)
    if path is not None and path.exists():
        with contextlib.suppress(SourceError):  # the preview says what is wrong
            run.source = _source_dict(_sniff(run, path, spec))
    run.save(update_fields=["mapping", "mapping_spec", "source"])
    return run


def start(user: Any, run: ImportRun) -> ImportRun:
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
                _finish(run, Status.FAILED, log, "Загрузка не выполнена: данные не изменены.")
                raise


def _execute(run: ImportRun, hook: ProgressHook | None) -> ImportRun:
    table = table_of(run.kind)
    log = IssueLog(run.file_name)
    spec = _run_mapping(run)
    path = run_path(run)
    if path is None or not path.exists():
        log.error("file", "Копия файла не найдена: загрузите файл снова.")
        return _finish(run, Status.FAILED, log, "Файл не найден.")
    try:
        info = _sniff(run, path, spec)
    except SourceError as error:
        log.error(error.code, error.message)
        return _finish(run, Status.FAILED, log, "Файл не принят.")
    run.source = _source_dict(info)
    the_plan = plan(info, table, log, spec, run.year)
    if log.has_errors:
        _refuse_personal_data(run, log)
        return _finish(run, Status.FAILED, log, "Файл не принят: исправьте ошибки и загрузите его снова.")
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
            return _finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
        if log.has_errors or rows == 0:
            writer.abort()
            if rows == 0 and not log.has_errors:
                log.error("empty", "В файле нет строк с данными.")
            return _finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
        parts = writer.close()
    except BaseException:
        writer.abort()
        raise
    result = the_store.commit(table.name, parts, run.store_id, table.replace_by, note=run.file_name)
    # The manifest swap above is the commit point; recover() finishes the bookkeeping after a crash.
    outcome = Outcome(added=result.rows_added, removed=result.rows_removed, years=result.years)
    return _applied(run, log, outcome, rows, the_plan.skipped)


def _execute_database(
    run: ImportRun, table: Table, the_plan: Plan, context: Context, log: IssueLog, progress: Callable[[int], None]
) -> ImportRun:
    try:
        frames = list(batches(the_plan, context, log, progress=progress))
    except SourceError as error:  # the file stopped being readable after its start
        log.error(error.code, error.message)
        return _finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
    data = pa.concat_tables(frames) if frames else None
    rows = data.num_rows if data is not None else 0
    if data is not None:
        duplicates = Duplicates(the_plan)
        duplicates.add(data)
        duplicates.check(log)
    if rows == 0 and not log.has_errors:
        log.error("empty", "В файле нет строк с данными.")
    if log.has_errors or data is None:
        return _finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")
    present = set(the_plan.sources) | set(the_plan.constants) | set(the_plan.not_collected)
    try:
        with transaction.atomic():
            outcome = LOADERS[table.name](data, present, log)
            failpoints.hit("import:rows-written")
            if log.has_errors:
                raise _Rejected
            run.undo = gzip.compress(json.dumps(outcome.undo, ensure_ascii=False).encode("utf-8"))
            return _applied(run, log, outcome, rows, the_plan.skipped)
    except _Rejected:
        return _finish(run, Status.FAILED, log, "Файл не принят: данные не изменены.")


class _Rejected(Exception):
    pass


def _applied(run: ImportRun, log: IssueLog, outcome: Outcome, rows: int, skipped: int = 0) -> ImportRun:
    run.rows_added, run.rows_updated, run.rows_unchanged, run.rows_removed = (
        outcome.added,
        outcome.updated,
        outcome.unchanged,
        outcome.removed,
    )
    run.years = outcome.years
    read = run.rows_read
    parts = [f"Строк данных в файле: {number(read)}"]
    if skipped:
        parts.append(f"пропущено: {number(skipped)} (см. предупреждения)")
    if TABLES[run.kind].store == Destination.COLUMNAR:
        parts.append(f"записано: {number(outcome.added)}; заменено прежних: {number(outcome.removed)}")
    elif outcome.added == outcome.updated == outcome.removed == 0:
        parts.append(f"без изменений: все {number(outcome.unchanged)} записей уже были загружены с теми же значениями")
    else:
        parts.append(
            f"добавлено: {number(outcome.added)}, изменено: {number(outcome.updated)}, "
            f"без изменений: {number(outcome.unchanged)}, "
            f"{'снято' if run.kind == 'staff' else 'удалено'}: {number(outcome.removed)}"
        )
    _finish(run, Status.APPLIED, log, "Загружено. " + "; ".join(parts) + ".", rows_read=read)
    record(
        run,
        "create",
        {
            "загрузка": [
                None,
                {
                    "таблица": run.kind,
                    "файл": run.file_name,
                    "sha256": run.sha256,
                    "строк": rows,
                    "добавлено": outcome.added,
                    "изменено": outcome.updated,
                    "заменено/удалено": outcome.removed,
                },
            ]
        },
    )
    return run


def _finish(run: ImportRun, status: str, log: IssueLog, message: str, rows_read: int | None = None) -> ImportRun:
    run.status = status
    run.finished_at = timezone.now()
    run.errors = log.errors
    run.warnings = log.warnings
    run.issues = [i.as_dict() for i in log]
    run.summary = log.summary()
    run.message = message
    if rows_read is not None:
        run.rows_read = rows_read
    if status != Status.APPLIED:
        run.undo = None
    run.save()
    return run


# --- undo and recovery ---------------------------------------------------------------------------


def rollback(user: Any, run: ImportRun) -> ImportRun:
    """Put back the data an import replaced. Refused while a later import builds on it."""
    require(user, Perm.IMPORT_DATA)
    with store().lock():
        recover()
        run.refresh_from_db()
        if run.status != Status.APPLIED:
            raise ImportRefused(
                f"Откатить можно только выполненную загрузку; загрузка № {run.pk}: {run.get_status_display()}."
            )
        table = table_of(run.kind)
        if table.store == Destination.COLUMNAR:
            try:
                result = store().revert(table.name, run.store_id, note=f"откат загрузки № {run.pk}")
            except StoreError as error:
                raise ImportRefused(str(error)) from None
            restored = result.rows_added
        else:
            later = list(ImportRun.objects.filter(kind=run.kind, status=Status.APPLIED, pk__gt=run.pk))
            if table.yearly and run.years:
                later = [r for r in later if set(r.years) & set(run.years)]
            if later:
                numbers = ", ".join(f"№ {r.pk}" for r in later)
                raise ImportRefused(f"Сначала откатите более поздние загрузки этой таблицы: {numbers}.")
            undo = json.loads(gzip.decompress(bytes(run.undo)).decode("utf-8")) if run.undo else {}
            try:
                with transaction.atomic():
                    revert(undo)
            except ProtectedError as error:
                used = sorted({str(o._meta.verbose_name_plural) for o in error.protected_objects})
                raise ImportRefused(
                    "Откат невозможен: на загруженные записи уже ссылаются другие данные (" + ", ".join(used) + ")."
                ) from None
            restored = run.rows_removed
        with transaction.atomic():
            run.status = Status.ROLLED_BACK
            run.rolled_back_at = timezone.now()
            run.rolled_back_by = user if isinstance(user, User) else None
            run.undo = None
            run.message += f" Отменено {timezone.localtime(run.rolled_back_at):%d.%m.%Y %H:%M}."
            run.save()
            record(run, "update", {"состояние": ["загружено", "отменено"], "восстановлено строк": [None, restored]})
    return run


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
            _applied(run, log, outcome, run.rows_read)
        else:
            log.error("file", "Загрузка прервана (процесс остановлен); данные не изменены. Загрузите файл снова.")
            _finish(run, Status.INTERRUPTED, log, "Загрузка прервана: данные не изменены.")
        fixed += 1
    the_store.collect_garbage()
    return fixed


__all__ = [
    "ImportRefused",
    "MappingError",
    "PermissionDenied",
    "Preview",
    "apply_mapping",
    "create_run",
    "execute",
    "get_run",
    "mappings_for",
    "preview",
    "recover",
    "resolve_mapping",
    "rollback",
    "runs_for",
    "save_mapping",
    "start",
    "STREAMED",
]
