"""`shnor migrate` (the package's upgrade, docs/decisions/0007): a new version's migrations all or
none. On SQLite the database file is put back when one fails; on PostgreSQL one transaction is
rolled back. The database here is a real file in a data folder, migrated by a separate process."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from shnor import upgrade
from tests.app.test_cli import clean_env, run


def _tables(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {name: db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}  # noqa: S608


def _dump(database: Path) -> str:
    """The database's content as SQL (its bytes differ with the journal's state)."""
    with sqlite3.connect(database) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


def _applied(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {f"{a}.{n}" for a, n in db.execute("SELECT app, name FROM django_migrations")}


@pytest.fixture
def behind(tmp_path: Path) -> Path:
    """A data folder of the version before the heartbeats (audit.0004): one migration pending."""
    data = tmp_path / "data"
    run("init", "--preset", "volgograd-2021", data_dir=data)
    run("manage", "migrate", "audit", "0003", data_dir=data)
    assert "audit.0004_heartbeat" not in _applied(data / "shnor.sqlite3")
    return data


def test_a_pending_migration_is_applied_and_the_data_kept(behind: Path) -> None:
    database = behind / "shnor.sqlite3"
    before = _tables(database)
    result = run("migrate", data_dir=behind)
    assert "Применено миграций: 1 (последняя — audit.0004_heartbeat)" in result.stdout
    after = _tables(database)
    assert after.pop("audit_heartbeat") == 0
    assert after.pop("django_migrations") == before.pop("django_migrations") + 1
    assert after == before
    assert not (behind / "shnor.sqlite3.before-migrate").exists()
    again = run("migrate", data_dir=behind)
    assert "База данных уже соответствует этой версии." in again.stdout


BROKEN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from shnor.cli.base import django_setup

    django_setup(Path(sys.argv[1]))
    from shnor import upgrade

    def applied_then_broken(out):
        upgrade._django_migrate(out)  # audit.0004 is applied, its table made...
        out.write("  Applying audit.0005_broken...")
        raise RuntimeError("столбец не найден")  # ...and the next one fails

    try:
        upgrade.migrate(applied_then_broken)
    except upgrade.MigrationFailed as error:
        print(error)
        sys.exit(1)
    """
)


def test_a_failed_migration_puts_the_database_file_back(behind: Path) -> None:
    database = behind / "shnor.sqlite3"
    digest = _dump(database)
    tables = _tables(database)
    result = subprocess.run(
        [sys.executable, "-c", BROKEN, str(behind)], capture_output=True, text=True, env=clean_env(), timeout=300
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == (
        "Миграция audit.0005_broken завершилась ошибкой: RuntimeError: столбец не найден. "
        "База данных оставлена в прежнем состоянии: не применена ни одна из 1 новых миграций."
    )
    assert _dump(database) == digest
    assert _tables(database) == tables
    assert "audit_heartbeat" not in tables
    assert not (behind / "shnor.sqlite3.before-migrate").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_migration_rolls_the_transaction_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: the migrations' schema changes and rows go in one transaction (the SQLite lane's
    test database lives in memory; its file is tested above)."""
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return
    monkeypatch.setattr(upgrade, "pending", lambda: ["audit.0098_probe", "audit.0099_broken"])

    def made_then_broken(out: io.StringIO) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE upgrade_probe (x integer)")
            cursor.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('audit', '0098_probe', now())")
        out.write("  Applying audit.0098_probe... OK\n  Applying audit.0099_broken...")
        raise ValueError("нарушено ограничение")

    with pytest.raises(upgrade.MigrationFailed, match=r"^Миграция audit\.0099_broken завершилась ошибкой: ValueError"):
        upgrade.migrate(made_then_broken)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('upgrade_probe')")
        assert cursor.fetchone() == (None,)
        cursor.execute("SELECT count(*) FROM django_migrations WHERE name = '0098_probe'")
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_nothing_pending_runs_nothing() -> None:
    def never(out: Any) -> None:
        raise AssertionError("nothing to apply")

    done = upgrade.migrate(never)
    assert done.applied == []
    assert done.engine == ("file copy" if connection.vendor == "sqlite" else "transaction")


def test_a_database_of_a_newer_release_is_refused_untouched(behind: Path) -> None:
    """An older release installed after a newer one (removed, not purged) must not run on its schema."""
    database = behind / "shnor.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('audit', '0099_future', '2027-01-01')")
    digest = _dump(database)
    refused = run("migrate", data_dir=behind, check=False)
    assert refused.returncode == 1
    assert "База данных создана более новой версией системы" in refused.stderr and "audit.0099_future" in refused.stderr
    assert _dump(database) == digest and "audit.0004_heartbeat" not in _applied(database)


def test_a_copy_left_by_an_interrupted_upgrade_is_never_overwritten(behind: Path) -> None:
    left = behind / "shnor.sqlite3.before-migrate"
    left.write_bytes(b"the database as it was before")
    refused = run("migrate", data_dir=behind, check=False)
    assert refused.returncode == 1 and "оставшаяся от прерванного обновления" in refused.stderr
    assert left.read_bytes() == b"the database as it was before"
    assert "audit.0004_heartbeat" not in _applied(behind / "shnor.sqlite3")
