"""Receiving a file: kept with its checksum, refused if unreadable or carrying personal data; read options, preview, mapping."""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.core.contract import TABLES
from shnor.datasets.models import ColumnMapping, ImportRun
from shnor.datasets.services.common import (
    ImportRefused,
    Status,
    finish,
    resolve_mapping,
    run_path,
    table_of,
    uploads_dir,
)
from shnor.ingest import mapping as mappings
from shnor.ingest.issues import Issue, IssueLog, Severity
from shnor.ingest.mapping import Mapping
from shnor.ingest.pipeline import Plan, matcher_for, plan
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

_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def safe_name(name: str) -> str:
    """A file name with no path in it and nothing a shell or a file system trips on."""
    base = Path(str(name).replace("\\", "/")).name.strip() or "file"
    base = _UNSAFE.sub("_", base).lstrip(".") or "file"
    return base[:150]


def create_run(
    user: Actor,
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
        info = sniff_run(run, target, spec)
        run.source = source_dict(info)
        run.estimated_rows = _estimate_rows(info)
        plan(info, table, log, spec, year)
    except SourceError as error:
        log.error(error.code, error.message)
    refuse_personal_data(run, log)
    if log.has_errors and any(i.code in ("file", "empty", "encoding", "sheet", "personal_data") for i in log.kept):
        finish(run, Status.FAILED, log, "Файл не принят: исправьте ошибки и загрузите его снова.")
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


def sniff_run(run: ImportRun, path: Path, spec: Mapping | None) -> SourceInfo:
    table = table_of(run.kind)
    return sniff(path, run.file_name, table=table.name, options=_options(run, spec), match=matcher_for(table, spec))


def set_read_options(user: Actor, run: ImportRun, options: ReadOptions) -> ImportRun:
    """Read a file that has not started with other options (chosen on its page after a doubtful
    detection): the format is learnt again."""
    require(user, Perm.IMPORT_DATA)
    if run.status != Status.DRAFT:
        raise ImportRefused("Параметры чтения меняются только до начала загрузки.")
    run.read_options = checked_options(options).as_dict()
    path = run_path(run)
    if path is not None and path.exists():
        try:
            info = sniff_run(run, path, run_mapping(run))
        except SourceError as error:
            raise ImportRefused(error.message) from None
        run.source = source_dict(info)
        run.estimated_rows = _estimate_rows(info)
    run.save(update_fields=["read_options", "source", "estimated_rows"])
    return run


def _file_chunks(path: Path, size: int = 1 << 20) -> Iterable[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk


def source_dict(info: SourceInfo) -> dict[str, Any]:
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


def refuse_personal_data(run: ImportRun, log: IssueLog) -> None:
    """A file with names or SNILS is never kept: the copy is deleted at once."""
    if any(i.code == "personal_data" for i in log.kept):
        path = run_path(run)
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
        run.stored_path = ""


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
    spec = run_mapping(run)
    if path is None or not path.exists():
        return Preview(
            None, None, issues=[Issue(Severity.ERROR, "file", "Копия файла не сохранена.", file=run.file_name)]
        )
    try:
        info = sniff_run(run, path, spec)
    except SourceError as error:
        return Preview(None, None, issues=[Issue(Severity.ERROR, error.code, error.message, file=run.file_name)])
    the_plan = plan(info, table_of(run.kind), log, spec, run.year)
    try:
        rows = preview_rows(info, limit)
    except SourceError as error:
        log.error(error.code, error.message)
        rows = []
    return Preview(info, the_plan, rows, list(log))


def run_mapping(run: ImportRun) -> Mapping | None:
    return mappings.parse(run.mapping_spec, f"загрузки № {run.pk}") if run.mapping_spec else None


def apply_mapping(user: Actor, run: ImportRun, reference: str | Mapping | ColumnMapping | None) -> ImportRun:
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
            run.source = source_dict(sniff_run(run, path, spec))
    run.save(update_fields=["mapping", "mapping_spec", "source"])
    return run
