"""The `shnor` command end to end, in a fresh data folder, as a user would run it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

SHNOR = [sys.executable, "-m", "shnor.cli"]


def clean_env() -> dict[str, str]:
    """The environment of a CLI subprocess: none of the test run's own settings (database included)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHNOR_", "DATABASE_URL"))}


def run(
    *args: str, data_dir: Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    full_env = clean_env()
    full_env.update(env or {})
    result = subprocess.run(
        [*SHNOR, *args, "--data-dir", str(data_dir)], capture_output=True, text=True, env=full_env, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    result = run("demo", "--no-serve", "--schools", "60", "--municipalities", "4", data_dir=folder)
    assert "operator" in result.stdout and "demo-operator-2026" in result.stdout
    return folder


def _query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query on the folder's database, each value as SQLite gives it back."""
    with sqlite3.connect(folder / "shnor.sqlite3") as con:
        return con.execute(sql).fetchall()


def test_it_initialises_a_fresh_folder_idempotently(tmp_path: Path) -> None:
    out = run("init", "--preset", "vologda-2019", data_dir=tmp_path).stdout
    assert "Вологодская область" in out and "vologda-2019" in out
    run("init", "--preset", "vologda-2019", data_dir=tmp_path)
    assert _query(tmp_path, "select count(*), max(preset) from registry_region") == [(1, "vologda-2019")]
    assert (tmp_path / "preset.yaml").read_text(encoding="utf-8").startswith("name: vologda-2019")


def test_it_refuses_an_unknown_preset(tmp_path: Path) -> None:
    result = run("init", "--preset", "atlantis", data_dir=tmp_path, check=False)
    assert result.returncode == 2 and "Пресет «atlantis» не найден" in result.stderr


def test_it_builds_the_demo_into_database_store_and_files(demo_dir: Path) -> None:
    assert _query(demo_dir, "select count(*) from registry_school") == [(60,)]
    assert _query(demo_dir, "select count(*) from registry_municipality") == [(4,)]
    roles = {r for (r,) in _query(demo_dir, "select role from accounts_user")}
    assert roles == {
        "operator",
        "regional_coordinator",
        "municipal_coordinator",
        "school",
        "curator",
        "teacher",
        "observer",
    }
    # The demo's data went through the real import: one applied run per file, every year in the store.
    manifest = json.loads((demo_dir / "store" / "results" / "_manifest.json").read_text(encoding="utf-8"))
    assert sorted({p["year"] for p in manifest["parts"]}) == [2023, 2024, 2025, 2026]
    runs = _query(demo_dir, "select kind, status, channel from datasets_importrun order by id")
    assert [r[0] for r in runs] == [
        "social",
        "staff",
        "diagnostics",
        "courses",
        "oversight",
        "survey",
        "results",
        "results",
        "results",
        "results",
        "results_tasks",  # ВПР mathematics, grade 4, 2026, task by task
    ]
    assert {(r[1], r[2]) for r in runs} == {("applied", "cli")}
    assert _query(demo_dir, "select count(*) from datasets_socialrecord") == [(240,)]
    # It opens on a finished identification of the latest year, one row per school, and has the year
    # before with its approved list (the base of the effectiveness of measures).
    assert _query(demo_dir, "select year, status from identification_run order by year") == [
        (2025, "done"),
        (2026, "done"),
    ]
    assert _query(demo_dir, "select count(*) from identification_schoolresult") == [(120,)]
    # And with the risk profiles of the two years that have questionnaire results.
    assert _query(demo_dir, "select year, count(*) from risks_profile group by year order by year") == [
        (2025, 60),
        (2026, 60),
    ]
    # And with the support network: every listed school has an approved curator within capacity,
    # and the exact assignment is no dearer than the greedy one (strictly cheaper where greedy errs:
    # tests/core/test_matching.py::test_greedy_can_be_worse); teachers' routes.
    ((schools, total, greedy, unassigned),) = _query(
        demo_dir, "select schools, total, greedy_total, unassigned from support_proposal where year = 2026"
    )
    assert unassigned == "[]" and greedy >= total
    assert _query(demo_dir, "select count(*) from support_pairing where status = 'approved' and year = 2026") == [
        (schools,)
    ]
    over = _query(
        demo_dir,
        "select count(*) from (select c.id from support_curator c join support_pairing p on p.curator_id = c.id "
        "where p.status = 'approved' group by c.id having count(*) > c.capacity)",
    )
    assert over == [(0,)]
    assert _query(demo_dir, "select count(*) > 0 from staff_route") == [(1,)]
    header = (demo_dir / "demo" / "results_2026.csv").read_text(encoding="utf-8").splitlines()[0]
    assert (
        header.replace('"', "")
        == "year,procedure,grade,subject,school_id,student_key,primary_score,max_primary_score,test_score,mark,journal_mark"
    )


def test_it_does_not_rebuild_an_existing_demo(demo_dir: Path) -> None:
    out = run("demo", "--no-serve", data_dir=demo_dir).stdout
    assert "уже собран" in out
    assert _query(demo_dir, "select count(*) from registry_school") == [(60,)]


def test_it_creates_users_and_refuses_bad_input(demo_dir: Path) -> None:
    env = {"SHNOR_NEW_PASSWORD": "a-long-enough-passphrase"}
    school = _query(demo_dir, "select school_id from registry_school order by id limit 1")[0][0]
    run("createuser", "head2", "--role", "school", "--school", str(school), data_dir=demo_dir, env=env)
    assert _query(demo_dir, "select role from accounts_user where username='head2'") == [("school",)]
    bad = run("createuser", "x", "--role", "school", data_dir=demo_dir, env=env, check=False)
    assert bad.returncode == 2 and "укажите образовательную организацию" in bad.stderr
    bad = run("createuser", "y", "--role", "king", data_dir=demo_dir, env=env, check=False)
    assert bad.returncode == 2 and "Неизвестная роль" in bad.stderr
    weak = run(
        "createuser", "z", "--role", "operator", data_dir=demo_dir, env={"SHNOR_NEW_PASSWORD": "12345"}, check=False
    )
    assert weak.returncode == 2 and "пароль" in weak.stderr.lower()


def test_it_serves_the_api_with_a_token(demo_dir: Path) -> None:
    key = run("token", "create", "municipal", data_dir=demo_dir).stdout.strip()
    assert key.startswith("shnor_")
    env = clean_env()
    with subprocess.Popen(
        [*SHNOR, "serve", "--data-dir", str(demo_dir), "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    ) as server:
        try:
            port = None
            assert server.stdout is not None
            for line in server.stdout:  # wait for gunicorn to say where it listens: no sleeping
                if "Listening at:" in line:
                    port = int(line.rsplit(":", 1)[1].split()[0].strip(" )"))
                if "Booting worker" in line:
                    break
            assert port, "the server did not start"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/me", headers={"Authorization": f"Bearer {key}"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                body = json.load(response)
            assert body["role"] == "municipal_coordinator"
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_it_refuses_to_serve_an_uninitialised_folder(tmp_path: Path) -> None:
    result = run("serve", data_dir=tmp_path, check=False)
    assert result.returncode == 2 and "не подготовлен" in result.stderr


def test_it_stops_on_a_bad_setting(tmp_path: Path) -> None:
    result = run("init", data_dir=tmp_path, env={"SHNOR_DEBUG": "maybe"}, check=False)
    assert result.returncode != 0
    assert "SHNOR_DEBUG='maybe' is invalid: expected true or false" in result.stderr + result.stdout


def test_it_matches_curators_and_writes_the_proposal(demo_dir: Path, tmp_path: Path) -> None:
    """`shnor match` on the demo: the approved pairs are kept; once they end, a new exact
    assignment covers every school again and is approved; the workbook reads back."""
    from openpyxl import load_workbook

    approved = "select count(*) from support_pairing where status = 'approved' and year = 2026"
    (before,) = _query(demo_dir, approved)[0]
    assert before > 0
    out = tmp_path / "match.xlsx"
    result = run("match", "--year", "2026", "--out", str(out), data_dir=demo_dir)
    assert "Стоимость точного решения" in result.stdout and "сохранены утверждённые " + str(before) in result.stdout
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Итоги", "Пары"]
    summary = {row[0]: row[1] for row in book["Итоги"].iter_rows(values_only=True)}
    assert summary["Год"] == 2026 and summary["Школ к распределению"] == before
    header, *pairs = list(book["Пары"].iter_rows(values_only=True))
    status, why = header.index("Статус"), header.index("Обоснование")
    assert len(pairs) == before and all(p[status] == "утверждена" and p[why] for p in pairs)

    with sqlite3.connect(demo_dir / "shnor.sqlite3") as db:
        db.execute("update support_pairing set status = 'ended' where status = 'approved'")
    result = run("match", "--year", "2026", "--approve", data_dir=demo_dir)
    assert f"новых пар {before}" in result.stdout and f"Утверждено пар: {before}." in result.stdout
    assert _query(demo_dir, approved) == [(before,)]

    assert run("match", "--year", "2026", "--out", "x.csv", data_dir=demo_dir, check=False).returncode == 2
    empty = run("match", "--year", "1999", data_dir=demo_dir, check=False)
    assert empty.returncode == 1 and "нет школ" in empty.stderr


def test_it_monitors_the_municipalities_and_writes_the_workbook(demo_dir: Path, tmp_path: Path) -> None:
    """`shnor monitor` on the demo's four municipalities: the printed choice is the workbook's."""
    from openpyxl import load_workbook

    out = tmp_path / "monitoring.xlsx"
    result = run("monitor", "--year", "2026", "--out", str(out), data_dir=demo_dir)
    first, *lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert first.startswith("Входной мониторинг за 2026 год:") and "из 4 муниципалитетов" in first
    chosen = int(first.split(": ")[1].split(" из ")[0])
    assert sum(line.rstrip().endswith("мониторинг") for line in lines) == chosen > 0
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Муниципалитеты", "Критерии"]
    header, *rows = list(book["Муниципалитеты"].iter_rows(values_only=True))
    assert header[6] == "К входному мониторингу" and [r[1] for r in rows][-1] == "В целом"
    assert sum(r[6] == "да" for r in rows) == chosen and len(rows) == 5
    (listed,) = _query(
        demo_dir,
        "select count(*) from identification_schoolresult s join identification_run r on r.id = s.run_id "
        "where r.year = 2026 and s.selected and s.\"group\" in ('low_results', 'unfavourable', 'both')",
    )[0]
    assert rows[-1][3] == listed

    assert run("monitor", "--year", "2026", "--out", "x.csv", data_dir=demo_dir, check=False).returncode == 2
    empty = run("monitor", "--year", "1999", data_dir=demo_dir, check=False)
    assert empty.returncode == 1 and "нет выполненного расчёта" in empty.stderr


def test_serving_closes_the_database_connections_before_forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """The master process checks the database before forking its workers; a connection left open
    would be shared by every worker (their queries interleaved on one socket under load:
    «lost synchronization with server» on PostgreSQL with one thread per worker)."""
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from shnor.cli.setup import _serve

    events: list[str] = []
    monkeypatch.setattr(connections, "close_all", lambda: events.append("close connections"))
    monkeypatch.setattr(BaseApplication, "run", lambda self: events.append("fork workers"))
    _serve("127.0.0.1", 0, 2, 1)
    assert events == ["close connections", "fork workers"]
