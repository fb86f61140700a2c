"""User journey: the operator drops a file that does not use the contract's headers, maps its
columns once, watches the import run, reads the report of a bad file and rolls an import back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import _sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operator_maps_columns_imports_reads_errors_and_rolls_back(
    page: Any, live_server: Any, world: World, tmp_path: Path
) -> None:
    from shnor.datasets.models import OversightSignal

    base = live_server.url
    export = tmp_path / "надзор.csv"
    export.write_text("ОО;Тип сигнала;Число\nA001;предписание;2\nB001;жалоба;1\n", encoding="cp1251")
    _sign_in(page, base, "operator")
    page.get_by_role("link", name="Загрузить файл").click()
    page.get_by_label("Таблица").select_option("oversight")
    page.get_by_label("Файл XLSX или CSV").set_input_files(str(export))
    page.get_by_label("Год").fill("2026")
    page.get_by_role("button", name="Загрузить и посмотреть").click()
    page.wait_for_url("**/data/imports/*/")
    # The preview shows what is missing before anything runs.
    assert "нет, а столбец обязателен" in page.locator("table.matching").inner_text()
    assert "A001" in page.locator("table.preview").inner_text()
    page.get_by_role("link", name="Сопоставить столбцы вручную").click()
    page.get_by_label("Название сопоставления").fill("nadzor-export")
    page.get_by_label("Код ОО (school_id)", exact=True).select_option("ОО")
    page.get_by_label("Вид (kind)", exact=True).select_option("Тип сигнала")
    page.get_by_label("Количество (count)", exact=True).select_option("Число")
    page.get_by_test_id("save-mapping").click()
    page.wait_for_url("**/data/imports/*/")
    assert "сохранено и применено" in page.locator(".messages").inner_text()
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("run-status")).to_have_text("загружено", timeout=60_000)
    assert OversightSignal.objects.count() == 2
    assert "добавлено: 2" in page.get_by_test_id("run-message").inner_text()

    # The same export with a mistake: the report names the row, and nothing is written.
    export.write_text("ОО;Тип сигнала;Число\nA001;предписание;два\n", encoding="cp1251")
    page.goto(base + "/data/upload/")
    page.get_by_label("Таблица").select_option("oversight")
    page.get_by_label("Файл XLSX или CSV").set_input_files(str(export))
    page.get_by_label("Сопоставление столбцов").select_option(label="nadzor-export")
    page.get_by_label("Год").fill("2026")
    page.get_by_role("button", name="Загрузить и посмотреть").click()
    page.wait_for_url("**/data/imports/*/")
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("run-status")).to_have_text("отклонено", timeout=60_000)
    issues = page.locator("table.issues").inner_text()
    assert "два" in issues and "ожидалось целое число" in issues
    assert page.get_by_test_id("errors").inner_text() == "1"
    assert OversightSignal.objects.count() == 2

    # Roll back the first import from the history.
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="История загрузок").click()
    from shnor.datasets.models import ImportRun

    first = ImportRun.objects.order_by("pk").first()
    assert first is not None
    page.locator("#table").get_by_role("link", name=str(first.pk), exact=True).click()
    page.get_by_test_id("rollback").click()
    expect(page.get_by_test_id("run-status")).to_have_text("отменено", timeout=60_000)
    assert OversightSignal.objects.count() == 0
