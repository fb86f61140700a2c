"""Imports as people run them: the command line (a killed import, a foreign dataset through a
saved mapping, exit codes) and the API with a token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from tests.app.test_cli import _query, clean_env, run

ROOT = Path(__file__).resolve().parents[2]
REALDATA = ROOT / "tests" / "data" / "realdata" / "ca-api-1999-2000" / "apipop.csv"
MAPPINGS = ROOT / "docs" / "examples" / "mappings"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("imports")
    run("demo", "--no-serve", "--schools", "40", "--municipalities", "3", data_dir=folder)
    return folder


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "store" / "results" / "_manifest.json").read_text(encoding="utf-8"))


def test_a_killed_import_leaves_the_old_data_exactly_as_it_was(folder: Path, tmp_path: Path) -> None:
    before = _manifest(folder)
    # A big file (about 3 million rows) made of the demo's 2026 results with new pupil keys.
    base = pacsv.read_csv(folder / "demo" / "results_2026.csv")
    copies = []
    for k in range(3_000_000 // base.num_rows + 1):
        keys = pa.array([f"{s}-{k}" for s in base.column("student_key").to_pylist()])
        copies.append(base.set_column(base.schema.get_field_index("student_key"), "student_key", keys))
    big = tmp_path / "big.csv"
    pacsv.write_csv(pa.concat_tables(copies), big)
    env = clean_env()
    store = folder / "store" / "results" / "year=2026"
    known = {p.name for p in store.iterdir()}
    process = subprocess.Popen(
        [sys.executable, "-m", "shnor.cli", "import", "results", str(big), "--data-dir", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until the first batch is read and checked: no sleeping
        if line.startswith("Прочитано строк"):
            break
    assert process.poll() is None, "the import ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)  # midway: one batch of three read, nothing committed
    process.wait()
    assert _manifest(folder) == before
    assert _query(folder, "select status from datasets_importrun order by id desc limit 1") == [("running",)]
    # The next import recovers: the killed run is marked interrupted, its half-written part goes.
    run("import", "oversight", str(folder / "demo" / "oversight.csv"), data_dir=folder)
    statuses = [s for (s,) in _query(folder, "select status from datasets_importrun order by id desc limit 2")]
    assert statuses == ["applied", "interrupted"]
    assert {p.name for p in store.iterdir()} == known
    assert _manifest(folder)["parts"] == before["parts"]


def test_a_bad_file_exits_non_zero_with_its_errors_and_an_xlsx_report(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Год;Код ОО;Вид;Количество\n2026;НЕТ;предписание;1\n2026;M01001;штраф;1\n", encoding="cp1251")
    report = tmp_path / "report.xlsx"
    result = run("import", "oversight", str(bad), "--report", str(report), data_dir=folder, check=False)
    assert result.returncode == 1
    assert "НЕТ" in result.stdout and "штраф" in result.stdout and "данные не изменены" in result.stderr
    from openpyxl import load_workbook

    rows = [[c.value for c in r] for r in load_workbook(report)["замечания"].iter_rows(min_row=2)]
    assert [r[2] for r in rows] == [2, 3]


def test_a_foreign_dataset_imports_through_saved_mappings(folder: Path) -> None:
    if not REALDATA.exists():
        pytest.fail(f"{REALDATA} is missing: the realdata folder is part of the workspace")
    run("mapping", "save", str(MAPPINGS / "ca-api-schools.yaml"), data_dir=folder)
    run("mapping", "save", str(MAPPINGS / "ca-api-2000.yaml"), data_dir=folder)
    assert "ca-api-2000" in run("mapping", "list", data_dir=folder).stdout
    schools = run("import", "schools", str(REALDATA), "--mapping", "ca-api-schools", data_dir=folder)
    assert "добавлено: 6\u00a0157" in schools.stdout
    results = run("import", "results_schools", str(REALDATA), "--mapping", "ca-api-2000", data_dir=folder)
    assert "записано: 6\u00a0157" in results.stdout
    shown = run("mapping", "show", "ca-api-2000", data_dir=folder).stdout
    assert "api00" in shown
    # 1999 through the same mapping with another year and column: a mapping file on the command line.
    spec = (MAPPINGS / "ca-api-2000.yaml").read_text(encoding="utf-8").replace("api00", "api99")
    spec = spec.replace("name: ca-api-2000", "name: ca-api-1999")
    path = folder / "ca-api-1999.yaml"
    path.write_text(spec, encoding="utf-8")
    run("import", "results_schools", str(REALDATA), "--mapping", str(path), "--year", "1999", data_dir=folder)
    manifest = json.loads((folder / "store" / "results_schools" / "_manifest.json").read_text(encoding="utf-8"))
    assert sorted({p["year"] for p in manifest["parts"]}) == [1999, 2000]


def test_the_api_imports_reports_and_refuses(folder: Path, tmp_path: Path) -> None:
    token = run("token", "create", "operator", data_dir=folder).stdout.strip()
    school_token = run("token", "create", "school", data_dir=folder).stdout.strip()
    port = _free_port()
    env = clean_env()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shnor.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-worker",
            "--data-dir",
            str(folder),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/api"
        _wait(server)
        good = folder / "demo" / "oversight.csv"
        status, body = _post(f"{base}/imports", token, {"kind": "oversight"}, good)
        assert status == 201 and body["status"] == "applied" and body["rows_read"] > 0
        bad = tmp_path / "bad.csv"
        bad.write_text("year,school_id,kind,count\n2026,NOPE,order,1\n", encoding="utf-8")
        status, body = _post(f"{base}/imports", token, {"kind": "oversight"}, bad)
        assert status == 422 and body["issues"][0]["row"] == 2 and body["issues"][0]["code"] == "unknown_school"
        status, _ = _post(f"{base}/imports", school_token, {"kind": "oversight"}, good)
        assert status == 403
        import urllib.request

        request = urllib.request.Request(
            f"{base}/imports/{body['id']}/report", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request) as response:
            assert response.read()[:2] == b"PK"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(server: subprocess.Popen[str]) -> None:
    """Block until gunicorn reports a booted worker (its log is piped to us)."""
    assert server.stdout is not None
    for line in server.stdout:
        if "Booting worker" in line:
            return
    pytest.fail("the server did not start")


def _post(url: str, token: str, fields: dict[str, str], path: Path) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request
    import uuid

    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + path.read_bytes()
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
