"""User journey: the operator uploads the files regions really send — Excel's `;`/Windows-1251 CSV
with a title row, commas in its headers and an «Итого» row; a workbook with a merged title and a
district merged over its schools; a share column that mixes percentages and fractions; a file in
an encoding that is neither UTF-8 nor Windows-1251 — and sees how each was read, what was skipped
and why a file was refused, then reads a doubtful file again with the options she chose.

With SHNOR_GUIDE_SHOTS=docs/guide/img the journey also saves the pictures of docs/guide/import.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.test_roles import _sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SHNOR_GUIDE_SHOTS")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _upload(page: Any, base: str, kind: str, path: Path, shot: str = "", **options: str) -> None:
    page.goto(base + "/data/upload/")
    page.get_by_label("Таблица").select_option(kind)
    page.get_by_label("Файл XLSX или CSV").set_input_files(str(path))
    if options.get("year"):
        page.get_by_label("Год", exact=True).fill(options["year"])
    if options.get("encoding"):
        page.locator("summary", has_text="Параметры чтения файла").click()
        page.get_by_label("Кодировка CSV").select_option(options["encoding"])
    if shot:
        _shot(page, shot)
    page.get_by_role("button", name="Загрузить и посмотреть").click()
    page.wait_for_url("**/data/imports/*/")


def _start(page: Any, status: str) -> None:
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("run-status")).to_have_text(status, timeout=60_000)


SOCIAL = (
    "Сведения о социальном контексте ОО за 2026 год;;;;;;\r\n"
    ";;;;;;\r\n"
    "Год;Код ОО;Численность обучающихся, чел.;"
    "Доля обучающихся из семей, где оба родителя не имеют высшего образования, %;"
    "Доля обучающихся из семей, где единственный или оба родителя безработные, %;"
    "Доля обучающихся, состоящих на внутришкольном и других видах учёта, %;"
    "Доля обучающихся из малообеспеченных семей, %\r\n"
    "2026;A001;1 204;25,5;3,1;2;14,2\r\n"
    "2026;B001;312;30;4,5;1,5;нет данных\r\n"
    "Итого;;1 516;;;;\r\n"
)


def test_the_operator_imports_what_regions_send_and_sees_how_it_was_read(
    page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    from shnor.datasets.models import SocialRecord
    from shnor.registry.models import School

    base = live_server.url
    _sign_in(page, base, "operator")

    # 1. Excel's «CSV (разделители — точки с запятой)»: Windows-1251, a title row, commas in headers.
    social = tmp_path / "соцконтекст.csv"
    social.write_bytes(SOCIAL.encode("cp1251"))
    _upload(page, base, "social", social)
    detected = page.get_by_test_id("detected").inner_text()
    assert "Windows-1251" in detected and "точка с запятой" in detected and "строка 3" in detected
    assert "1 204" in page.locator("table.preview").inner_text()
    _shot(page, "import-1-semicolon-cp1251-preview")
    _start(page, "загружено")
    issues = page.locator("table.issues").inner_text()
    assert "строка итогов" in issues.lower() or "Итого" in issues
    _shot(page, "import-2-semicolon-cp1251-done")
    a1 = SocialRecord.objects.get(school__school_id="A001", year=2026)
    assert a1.students == 1204 and a1.share_low_income == pytest.approx(0.142)
    assert SocialRecord.objects.get(school__school_id="B001").share_low_income is None

    # 2. A workbook: a title merged across the columns, a district merged down over its schools.
    book = Workbook()
    sheet = book.active
    sheet.title = "Реестр"
    sheet["A1"] = "Реестр общеобразовательных организаций на 01.09.2026"
    sheet.merge_cells("A1:E1")
    sheet.append(["Код ОО", "Наименование ОО", "Муниципалитет", "Тип местности", "Численность обучающихся"])
    sheet.append(["C001", "МБОУ «СОШ № 1»", "Новый район", "село", 120])
    sheet.append(["C002", "МБОУ «СОШ № 2»", None, "село", 95])
    sheet.append(["C003", "МБОУ «Лицей»", None, "город", 640])
    sheet.merge_cells("C3:C5")
    registry = tmp_path / "реестр.xlsx"
    book.save(registry)
    _upload(page, base, "schools", registry)
    detected = page.get_by_test_id("detected").inner_text()
    assert "строка 2" in detected and "объединённых областей" in detected.lower()
    _shot(page, "import-3-merged-cells-preview")
    _start(page, "загружено")
    assert set(School.objects.filter(school_id__startswith="C").values_list("municipality__name", flat=True)) == {
        "Новый район"
    }

    # 3. Percentages and fractions in one column: refused, the rows named, nothing written.
    mixed = tmp_path / "доли.csv"
    mixed.write_bytes(
        (
            "Год;Код ОО;Численность обучающихся;"
            "Доля обучающихся из семей, где оба родителя не имеют высшего образования;"
            "Доля обучающихся из семей, где единственный или оба родителя безработные;"
            "Доля обучающихся, состоящих на внутришкольном и других видах учёта\n"
            "2025;A001;300;0,4;0,1;0,02\n2025;A002;800;41,5;0,2;0,01\n2025;B001;900;0,3;0,1;0,03\n"
        ).encode("cp1251")
    )
    _upload(page, base, "social", mixed)
    _start(page, "отклонено")
    issues = page.locator("table.issues").inner_text()
    assert "в столбце долей" in issues and "41,5" in issues
    _shot(page, "import-4-mixed-shares-refused")
    assert not SocialRecord.objects.filter(year=2025).exists()

    # 4. Latin-1 bytes in a nearly-ASCII file: not guessed, the value named; then read as Latin-1.
    latin = tmp_path / "schools-latin1.csv"
    latin.write_bytes(
        "school_id;name;municipality;locality;enrollment\n"
        "D001;Ecole Saint-Andre;District D;city;100\n"
        "D002;Ecole Marie-Th\xe9r\xe8se;District D;city;80\n".encode("latin-1")
    )
    _upload(page, base, "schools", latin)
    _start(page, "отклонено")
    issues = page.locator("table.issues").inner_text()
    assert "Marie-Thйrиse" in issues and "кодировку" in issues
    _shot(page, "import-5-doubtful-encoding-refused")
    _upload(page, base, "schools", latin, shot="import-0-upload-read-options", encoding="latin-1")
    _start(page, "загружено")
    assert School.objects.get(school_id="D002").name == "Ecole Marie-Thérèse"

    # 5. A file whose header is not where the contract's names are: the page says it is unsure,
    #    offers the options, and the file is read again with the header row the operator names.
    odd = tmp_path / "надзор.csv"
    odd.write_text("Форма 7-Н\nОО;Тип сигнала;Число\nA001;предписание;2\n", encoding="utf-8")
    _upload(page, base, "oversight", odd, year="2026")
    expect(page.get_by_test_id("unsure")).to_be_visible()
    _shot(page, "import-6-unsure-offers-options")
    page.get_by_label("Строка заголовка").fill("2")
    page.get_by_test_id("reread").click()
    page.wait_for_url("**/data/imports/*/")
    assert "указана при загрузке" in page.get_by_test_id("detected").inner_text()
    assert "Тип сигнала" in page.locator("table.preview").inner_text()
