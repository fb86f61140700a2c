"""What the import's stages share: its refusal, the store and the uploads folder, mappings, runs, finishing a run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.audit.tracking import record
from shnor.core.contract import TABLES, Table
from shnor.core.contract import Store as Destination
from shnor.core.errors import DomainRefusal
from shnor.core.numbers import number
from shnor.datasets.loaders import Outcome
from shnor.datasets.models import ColumnMapping, ImportRun
from shnor.engine.store import Store
from shnor.ingest import mapping as mappings
from shnor.ingest.issues import IssueLog
from shnor.ingest.mapping import Mapping, MappingError

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


def save_mapping(user: Actor, spec: Mapping) -> ColumnMapping:
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


def mappings_for(user: Actor, kind: str | None = None) -> QuerySet[ColumnMapping]:
    require(user, Perm.VIEW_IMPORTS)
    qs = ColumnMapping.objects.all()
    return qs.filter(kind=kind) if kind else qs


def runs_for(user: Actor) -> QuerySet[ImportRun]:
    require(user, Perm.VIEW_IMPORTS)
    return ImportRun.objects.select_related("created_by", "mapping")


def get_run(user: Actor, pk: int) -> ImportRun:
    return runs_for(user).get(pk=pk)


def run_path(run: ImportRun) -> Path | None:
    return Path(settings.MEDIA_ROOT) / run.stored_path if run.stored_path else None


class _Rejected(Exception):
    """Rows were rejected: the import's transaction is rolled back (a signal inside the import, not a
    refusal to a user: the run records the rows and their reasons)."""


def applied(run: ImportRun, log: IssueLog, outcome: Outcome, rows: int, skipped: int = 0) -> ImportRun:
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
    finish(run, Status.APPLIED, log, "Загружено. " + "; ".join(parts) + ".", rows_read=read)
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


def finish(run: ImportRun, status: str, log: IssueLog, message: str, rows_read: int | None = None) -> ImportRun:
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
