"""`shnor migrate`: a new version's migrations applied all or nothing (docs/decisions/0007).

Django applies each migration in its own transaction, so a failure in the third of five leaves
the database between two versions: the old code cannot read it and the new one refuses to start.
The package's upgrade runs this instead, with the services stopped and a backup taken:

* on PostgreSQL (transactional DDL) every pending migration runs in one transaction, rolled back
  whole when one fails;
* on SQLite the database file is copied first (SQLite's own backup, the write-ahead log included)
  and the copy put back when one fails.

Either way the database is left as the old version had it, and the error names the migration.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

_APPLYING = re.compile(r"Applying (\S+)\.\.\.")


class MigrationFailed(Exception):
    """A migration failed and the database was left as it was; the message says which, in Russian."""


@dataclass(frozen=True)
class Migrated:
    applied: list[str]  # «app.0004_name», in the order applied
    engine: str  # how all-or-nothing was kept: "transaction" or "file copy"


def pending() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, backwards in plan if not backwards]


def unknown() -> list[str]:
    """Migrations the database has and this release does not: a newer release made it."""
    executor = MigrationExecutor(connection)
    applied = executor.loader.applied_migrations or {}
    return sorted(f"{app}.{name}" for app, name in applied if (app, name) not in executor.loader.graph.nodes)


def _django_migrate(out: io.StringIO) -> None:
    call_command("migrate", interactive=False, verbosity=1, stdout=out)


def migrate(run: Callable[[io.StringIO], None] = _django_migrate) -> Migrated:
    """Apply every pending migration, or none; `run` applies them and writes Django's progress.
    A database of a newer release is refused untouched: this release's code cannot read it."""
    newer = unknown()
    if newer:
        raise MigrationFailed(
            f"База данных создана более новой версией системы (в ней есть изменения структуры, неизвестные "
            f"этой версии: {', '.join(newer[:3])}{' и др.' if len(newer) > 3 else ''}). "
            "Эта версия с ней работать не может; база данных не изменена. Установите версию не ниже той, "
            "что работала с этой базой, или восстановите копию, сделанную этой версией."
        )
    todo = pending()
    out = io.StringIO()
    if connection.vendor == "sqlite":
        engine = "file copy"
        attempt = _on_a_copy
    else:
        engine = "transaction"
        attempt = _in_one_transaction
    if not todo:
        return Migrated([], engine)
    try:
        attempt(run, out)
    except MigrationFailed:
        raise
    except Exception as error:
        started = _APPLYING.findall(out.getvalue())
        name = started[-1] if started else todo[0]
        raise MigrationFailed(
            f"Миграция {name} завершилась ошибкой: {type(error).__name__}: {error}. "
            f"База данных оставлена в прежнем состоянии: не применена ни одна из {len(todo)} новых миграций."
        ) from error
    return Migrated(todo, engine)


def _in_one_transaction(run: Callable[[io.StringIO], None], out: io.StringIO) -> None:
    with transaction.atomic():
        run(out)


def _on_a_copy(run: Callable[[io.StringIO], None], out: io.StringIO) -> None:
    database = Path(str(connection.settings_dict["NAME"]))
    if not database.exists():  # a first install: nothing to keep
        run(out)
        return
    copy = database.with_name(database.name + ".before-migrate")
    if copy.exists():  # an earlier attempt stopped half-way: its copy is the database to keep
        raise MigrationFailed(
            f"Рядом с базой данных лежит копия {copy.name}, оставшаяся от прерванного обновления; "
            f"база данных не изменена. Верните копию на место ({copy.name} → {database.name}) "
            "или удалите её, если база данных цела, и повторите."
        )
    connection.close()
    partial = database.with_name(database.name + ".before-migrate.part")
    source = sqlite3.connect(database)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, copy)
    try:
        run(out)
    except BaseException:
        connection.close()
        for journal in ("-wal", "-shm"):
            database.with_name(database.name + journal).unlink(missing_ok=True)
        os.replace(copy, database)
        raise
    copy.unlink()
