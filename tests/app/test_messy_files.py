"""The messy files of tests/data/messy/ — shaped like what regions really send — imported the three
ways people import: the command line (one data folder for the module, the registry of schools
loaded first), the upload page (Django's client, as the operator) and the API (a token).

What each file must become is written by hand in tests/data/messy/manifest.yaml: values read back
from the database or the columnar store, or the exact errors (row as Excel shows it, column as the
file names it, code) of a refused file, and the warnings that matter. The expectation is what a
careful person reading the file expects, not what the importer happens to do.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import math
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from shnor.accounts.services import issue_token
from shnor.core.contract import TABLES
from shnor.core.contract import Store as Destination
from shnor.datasets import services
from shnor.datasets.models import ColumnMapping, ImportRun, OversightSignal, SocialRecord
from shnor.engine.store import Store
from shnor.ingest.mapping import load_file
from shnor.ingest.sources import ReadOptions
from shnor.registry.models import School
from shnor.staff.models import Course, StaffMember
from tests.app.test_cli import run
from tests.conftest import World

MESSY = Path(__file__).resolve().parents[1] / "data" / "messy"
MANIFEST: dict[str, Any] = yaml.safe_load((MESSY / "manifest.yaml").read_text(encoding="utf-8"))
ENTRIES: dict[str, dict[str, Any]] = {e.get("id", e["file"]): e for e in MANIFEST["files"]}
IDS = list(ENTRIES)
CLI_FLAGS = {
    "year": "--year",
    "sep": "--sep",
    "encoding": "--encoding",
    "header_row": "--header-row",
    "sheet": "--sheet",
}
WIDE = {"COLUMNS": "250"}  # the CLI's tables unwrapped: one issue, one line

Issue = dict[str, Any]


# --- what is stored: the CLI's SQLite file read with SQL, the test database through the models ------

SQL = {
    "schools": "SELECT s.school_id, s.name, m.name AS municipality, s.locality, s.enrollment, s.lat, s.lon, "
    "s.innovation_site, p.school_id AS parent_school_id FROM registry_school s "
    "JOIN registry_municipality m ON m.id = s.municipality_id LEFT JOIN registry_school p ON p.id = s.parent_id",
    "social": "SELECT r.year, s.school_id, r.students, r.share_parents_no_higher_ed, r.share_unemployed_parents, "
    "r.share_on_register, r.share_disabilities, r.share_non_native, r.share_low_income, r.share_single_parent, "
    "r.share_large_families FROM datasets_socialrecord r JOIN registry_school s ON s.id = r.school_id",
    "oversight": "SELECT o.year, s.school_id, o.kind, o.count FROM datasets_oversightsignal o "
    "JOIN registry_school s ON s.id = o.school_id",
    "courses": 'SELECT t.staff_key, c.title, c.provider, c.hours, c.start, c."end", c.topic FROM staff_course c '
    "JOIN staff_teacher t ON t.id = c.teacher_id",
    "staff": "SELECT t.staff_key, s.school_id, m.position, m.subjects, m.experience_years, m.category, m.age "
    "FROM staff_staffmember m JOIN staff_teacher t ON t.id = m.teacher_id JOIN registry_school s ON s.id = m.school_id",
}


def _stored(table: str, fetch: Callable[[str], list[dict[str, Any]]], store: Store) -> list[dict[str, Any]]:
    """The rows of a table in contract names: from the columnar store, or through `fetch`."""
    if TABLES[table].store == Destination.COLUMNAR:
        return store.read_arrow(table).to_pylist()
    return fetch(table)


def _sqlite(folder: Path) -> Callable[[str], list[dict[str, Any]]]:
    """The rows of a table in the CLI's data folder (its SQLite file)."""

    def fetch(table: str) -> list[dict[str, Any]]:
        with contextlib.closing(sqlite3.connect(folder / "shnor.sqlite3")) as con:
            con.row_factory = sqlite3.Row
            return [dict(row) for row in con.execute(SQL[table])]

    return fetch


# The same rows through the models, for the upload page and the API: contract name -> lookup.
_SCHOOL = {"year": "year", "school_id": "school__school_id"}
MODELS: dict[str, tuple[type[Model], dict[str, str]]] = {
    "schools": (
        School,
        {
            **{c: c for c in ("school_id", "name", "locality", "enrollment", "lat", "lon", "innovation_site")},
            "municipality": "municipality__name",
            "parent_school_id": "parent__school_id",
        },
    ),
    "social": (
        SocialRecord,
        {**_SCHOOL, **{c.name: c.name for c in TABLES["social"].columns if c.name not in _SCHOOL}},
    ),
    "oversight": (OversightSignal, {**_SCHOOL, "kind": "kind", "count": "count"}),
    "courses": (
        Course,
        {"staff_key": "teacher__staff_key", **{c: c for c in ("title", "provider", "hours", "start", "end", "topic")}},
    ),
    "staff": (
        StaffMember,
        {
            "staff_key": "teacher__staff_key",
            "school_id": "school__school_id",
            **{c: c for c in ("position", "subjects", "experience_years", "category", "age")},
        },
    ),
}


def _models(table: str) -> list[dict[str, Any]]:
    model, fields = MODELS[table]
    rows = model._default_manager.values(*fields.values())  # `objects`, as typed for any model class
    return [{name: row[lookup] for name, lookup in fields.items()} for row in rows]


def _same(actual: Any, expected: Any) -> bool:
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if isinstance(expected, bool):
        return bool(actual) == expected
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    return str(actual) == str(expected)  # text, and dates as ГГГГ-ММ-ДД (a date object or SQLite's text)


def check_values(entry: dict[str, Any], rows: list[dict[str, Any]], channel: str) -> None:
    """Every expected row is stored once (found by the table's key) with the expected values;
    no absent row is stored."""
    key = TABLES[entry["table"]].key
    for expected in entry.get("rows", []):
        keys = {k: expected[k] for k in key}
        found = [r for r in rows if all(_same(r.get(k), v) for k, v in keys.items())]
        assert len(found) == 1, f"{channel}: {len(found)} stored rows with {keys}, expected one"
        wrong = {
            k: {"stored": found[0].get(k), "expected": v} for k, v in expected.items() if not _same(found[0].get(k), v)
        }
        assert not wrong, f"{channel}: row {keys}: {wrong}"
    for absent in entry.get("absent", []):
        found = [r for r in rows if all(_same(r.get(k), v) for k, v in absent.items())]
        assert not found, f"{channel}: a row that must not be stored is: {found}"


# --- issues -------------------------------------------------------------------------------------

_LABEL = re.compile(r"^(?P<header>.*) \((?P<name>[a-z0-9_]+)\)$")


def file_column(label: str | None) -> str:
    """The column as the file names it: an issue's label is «header (contract name)»."""
    label = label or ""
    match = _LABEL.match(label)
    return match["header"] if match else label


def _where(issue: Issue) -> tuple[Any, str, str]:
    return issue["row"], file_column(issue["column"]), issue["code"]


def brief(issues: list[Issue]) -> str:
    """Issues one a line, short enough for an assertion message."""
    return "\n".join(f"{i['severity']} {i['code']}: row {i['row']}, «{i['column']}», «{i['value']}»" for i in issues)


def check_issues(entry: dict[str, Any], issues: list[Issue], channel: str) -> None:
    """The errors are exactly the expected ones (row, column, code); every expected warning is there."""
    errors = sorted((_where(i) for i in issues if i["severity"] == "error"), key=repr)
    expected = sorted(((e["row"], e["column"], e["code"]) for e in entry.get("errors", [])), key=repr)
    assert errors == expected, f"{channel}: errors {errors}, expected {expected}; all issues:\n{brief(issues)}"
    for error in entry.get("errors", []):
        if "value_contains" in error:
            values = [i["value"] for i in issues if _where(i) == (error["row"], error["column"], error["code"])]
            assert any(error["value_contains"] in (v or "") for v in values), f"{channel}: {error} named {values}"
    warnings = [_where(i) for i in issues if i["severity"] == "warning"]
    for w in entry.get("warnings", []):
        assert any(
            row == w["row"] and code == w["code"] and ("column" not in w or column == w["column"])
            for row, column, code in warnings
        ), f"{channel}: no warning {w}; warnings: {warnings}"


def report_issues(path: Path) -> list[Issue]:
    """The issues of the CLI's `--report` workbook, sheet «замечания»."""
    severities = {"ошибка": "error", "предупреждение": "warning"}
    book = load_workbook(path, read_only=True)
    try:
        rows = list(book["замечания"].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()
    return [
        {"severity": severities[r[0]], "row": r[2], "column": r[3] or "", "value": r[4] or "", "code": r[6]}
        for r in rows
        if r[0]
    ]


_TITLE = re.compile(r"^\S.*, «(?P<column>.+)»: \d+$")  # «Проценты, «Доля … (share_low_income)»: 1»
_ROW = re.compile(r"^│ (?P<row>\d*) +│")


def printed_rows(stdout: str) -> set[tuple[str, str]]:
    """(column as the file names it, row) of every issue line the CLI printed under its kind."""
    found: set[tuple[str, str]] = set()
    column: str | None = None
    for line in stdout.splitlines():
        if title := _TITLE.match(line):
            column = file_column(title["column"])
        elif (row := _ROW.match(line)) and column is not None:
            found.add((column, row["row"]))
    return found


# --- the command line: one data folder, the registry loaded first --------------------------------


@dataclass
class CliImport:
    result: subprocess.CompletedProcess[str]
    report: Path


@dataclass
class CliRegion:
    folder: Path
    imports: dict[str, CliImport] = field(default_factory=dict)


def cli_args(entry: dict[str, Any], report: Path) -> list[str]:
    options = entry.get("options") or {}
    args = ["import", entry["table"], str(MESSY / entry["file"]), "--report", str(report)]
    for key, flag in CLI_FLAGS.items():
        if key in options:
            args += [flag, str(options[key])]
    if "mapping" in options:
        args += ["--mapping", str(MESSY / options["mapping"])]
    return args


@pytest.fixture(scope="module")
def cli_region(tmp_path_factory: pytest.TempPathFactory) -> CliRegion:
    """Every file imported into one data folder with `shnor import`, a few processes at a time (the
    files write disjoint rows; a file comes after those it `requires`)."""
    region = CliRegion(tmp_path_factory.mktemp("messy-cli"))
    reports = tmp_path_factory.mktemp("messy-reports")
    run("init", "--preset", "volgograd-2021", data_dir=region.folder)
    for base in MANIFEST["base"]:
        run("import", base["table"], str(MESSY / base["file"]), data_dir=region.folder)

    def one(index: int, name: str) -> CliImport:
        report = reports / f"{index:02d}.xlsx"
        args = cli_args(ENTRIES[name], report)
        return CliImport(run(*args, data_dir=region.folder, env=WIDE, check=False), report)

    pending = list(IDS)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        while pending:
            ready = [n for n in pending if all(r in region.imports for r in ENTRIES[n].get("requires", []))]
            assert ready, f"requires form a cycle: {pending}"
            futures = {n: pool.submit(one, IDS.index(n), n) for n in ready}
            region.imports.update({n: f.result() for n, f in futures.items()})
            pending = [n for n in pending if n not in region.imports]
    return region


@pytest.mark.parametrize("name", IDS)
def test_the_command_line_imports_it_as_a_person_expects(name: str, cli_region: CliRegion) -> None:
    entry = ENTRIES[name]
    done = cli_region.imports[name]
    assert done.result.returncode == (0 if entry["status"] == "applied" else 1), done.result.stdout + done.result.stderr
    check_issues(entry, report_issues(done.report), "cli --report")
    if entry["status"] == "applied":
        stored = _stored(entry["table"], _sqlite(cli_region.folder), Store(cli_region.folder / "store"))
        check_values(entry, stored, "cli")
        return
    printed = printed_rows(done.result.stdout)
    for error in entry["errors"]:
        line = (error["column"], "" if error["row"] is None else str(error["row"]))
        assert line in printed, f"cli: {line} not printed; printed {sorted(printed)}\n{done.result.stdout}"


# --- the upload page and the API: the test database, a region, the registry loaded first ----------


def _options(entry: dict[str, Any]) -> dict[str, Any]:
    return dict(entry.get("options") or {})


def _service_import(user: Any, table: str, path: Path, options: dict[str, Any]) -> ImportRun:
    mapping = _saved_mapping(user, options["mapping"]) if "mapping" in options else None
    started = services.create_run(
        user,
        table,
        path,
        path.name,
        mapping=mapping,
        year=options.get("year"),
        options=ReadOptions(
            delimiter=options.get("sep"),
            encoding=options.get("encoding"),
            header_row=options.get("header_row"),
            sheet=options.get("sheet"),
        ),
    )
    if started.status == ImportRun.Status.DRAFT:
        return services.execute(started.pk)
    return started


def _saved_mapping(user: Any, file: str) -> ColumnMapping:
    return services.save_mapping(user, load_file(MESSY / file))


def _prepare(user: Any, entry: dict[str, Any]) -> None:
    """The registry (and what the file refers to) loaded, as the CLI's folder has it."""
    for base in MANIFEST["base"]:
        loaded = _service_import(user, base["table"], MESSY / base["file"], {})
        assert loaded.status == ImportRun.Status.APPLIED, loaded.issues
    for name in entry.get("requires", []):
        _prepare_required(user, ENTRIES[name])


def _prepare_required(user: Any, entry: dict[str, Any]) -> None:
    for name in entry.get("requires", []):
        _prepare_required(user, ENTRIES[name])
    loaded = _service_import(user, entry["table"], MESSY / entry["file"], _options(entry))
    assert loaded.status == ImportRun.Status.APPLIED, loaded.issues


@pytest.mark.parametrize("name", IDS)
def test_the_upload_page_imports_it_as_a_person_expects(name: str, client: Client, world: World) -> None:
    entry = ENTRIES[name]
    operator = world.users["operator"]
    _prepare(operator, entry)
    options = _options(entry)
    mapping = _saved_mapping(operator, options["mapping"]).pk if "mapping" in options else ""
    form = {
        "kind": entry["table"],
        "mapping": mapping,
        "year": options.get("year", ""),
        "sep": {"\t": "tab"}.get(options.get("sep", ""), options.get("sep", "")),
        "encoding": options.get("encoding", ""),
        "header_row": options.get("header_row", ""),
        "sheet": options.get("sheet", ""),
    }
    client.force_login(operator)
    with open(MESSY / entry["file"], "rb") as fh:
        response = client.post(reverse("datasets:upload"), {**form, "file": fh})
    assert response.status_code == 302, response.content.decode()[:3000]
    imported = ImportRun.objects.latest("pk")
    assert response["Location"] == reverse("datasets:run", args=[imported.pk])
    assert client.get(response["Location"]).status_code == 200  # the preview the operator reads first
    if imported.status == ImportRun.Status.DRAFT:
        client.post(reverse("datasets:run-start", args=[imported.pk]))
    imported.refresh_from_db()
    assert imported.status == entry["status"], f"upload page: {imported.status}\n{brief(imported.issues)}"
    check_issues(entry, imported.issues, "upload page")
    page = client.get(reverse("datasets:run", args=[imported.pk])).content.decode()
    for error in entry.get("errors", []):
        row = "" if error["row"] is None else str(error["row"])
        shown = re.compile(
            r'<tr class="error">\s*<td>ошибка</td>\s*'
            rf'<td class="num">{row}</td><td>{re.escape(html.escape(error["column"]))}( \([a-z0-9_]+\))?</td>'
        )
        assert shown.search(page), f"upload page: the error {error} is not shown on the run's page"
    if entry["status"] == "applied":
        check_values(entry, _stored(entry["table"], _models, Store(settings.SHNOR_STORE_DIR)), "upload page")


@pytest.mark.parametrize("name", IDS)
def test_the_api_imports_it_as_a_person_expects(name: str, client: Client, world: World) -> None:
    entry = ENTRIES[name]
    operator = world.users["operator"]
    _prepare(operator, entry)
    options = _options(entry)
    fields: dict[str, str] = {
        k: str(options[k]) for k in ("year", "sep", "encoding", "header_row", "sheet") if k in options
    }
    if "mapping" in options:
        fields["mapping"] = _saved_mapping(operator, options["mapping"]).name
    _, key = issue_token(operator, "messy files")
    with open(MESSY / entry["file"], "rb") as fh:
        response = client.post(
            "/api/imports", {"kind": entry["table"], **fields, "file": fh}, HTTP_AUTHORIZATION=f"Bearer {key}"
        )
    body = response.json()
    assert response.status_code == (201 if entry["status"] == "applied" else 422), (
        f"api: {brief(body.get('issues', []))}"
    )
    assert body["status"] == entry["status"]
    check_issues(entry, body["issues"], "api")
    if entry["status"] == "applied":
        check_values(entry, _stored(entry["table"], _models, Store(settings.SHNOR_STORE_DIR)), "api")


# --- the corpus itself ----------------------------------------------------------------------------


def test_the_corpus_is_what_its_script_writes_and_the_manifest_covers_it() -> None:
    spec = importlib.util.spec_from_file_location("messy_make_corpus", MESSY / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        built: dict[str, bytes] = module.build()
    finally:
        del sys.modules[spec.name]
    for file, data in built.items():
        assert (MESSY / file).read_bytes() == data, f"{file} differs from what make_corpus.py writes"
    used = {e["file"] for e in MANIFEST["files"]} | {b["file"] for b in MANIFEST["base"]}
    assert used == set(built)
    assert len({e["file"] for e in MANIFEST["files"]}) >= 30
    for entry in MANIFEST["files"]:
        assert entry["status"] in ("applied", "failed")
        assert entry["table"] in TABLES
        assert (entry["status"] == "failed") == bool(entry.get("errors")), entry["file"]
        assert entry["status"] == "failed" or entry.get("rows"), f"{entry['file']}: no value to check"
        for name in entry.get("requires", []):
            assert name in ENTRIES
    # The command line imports every file into one folder at once: no two expect the same row.
    keys = [
        (e["table"], *(r[k] for k in TABLES[e["table"]].key))
        for e in MANIFEST["files"]
        if e["status"] == "applied"
        for r in e["rows"]
    ]
    assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
