"""The management cycle's journey in a real browser: the operator drafts a recommendation from the
data, edits and issues it; the school head marks it read and reports; the operator records a
decision with its order on that recommendation and downloads the year's evidence pack. Every
document of the pack opens in LibreOffice (converted headless to PDF)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from playwright.sync_api import expect

from shnor.documents import convert
from tests.app.test_support import identification
from tests.browser.test_roles import _sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _switch(page: Any, base: str, username: str) -> None:
    page.get_by_role("button", name="Выйти").click()
    _sign_in(page, base, username)


def test_recommendation_decision_and_evidence_pack(page: Any, live_server: Any, world: World, tmp_path: Path) -> None:
    identification(world)
    base = live_server.url
    _sign_in(page, base, "operator")
    page.get_by_role("link", name="Адресные рекомендации").click()
    page.wait_for_url("**/cycle/recommendations/")
    form = page.get_by_test_id("draft-form")
    form.get_by_label("Адресат").select_option(label="A001 — Школа А1")
    form.get_by_role("button", name="Подготовить проект").click()
    expect(page.locator("body")).to_contain_text("Проект рекомендаций подготовлен по данным")
    text = page.get_by_label("Рекомендации (пункт — строка)")
    assert "Высокий уровень фактора риска" in page.get_by_label("Что выявлено (пункт — строка)").input_value()
    text.fill("Актуализировать программу повышения качества образования.\nНаправить педагогов на курсы.")
    page.get_by_label("Срок отчёта об исполнении").fill("2026-12-25")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator("body")).to_contain_text("Изменения сохранены")
    page.get_by_test_id("issue").click()
    expect(page.get_by_test_id("rec-status")).to_contain_text("направлена")
    expect(page.get_by_test_id("rec-documents")).to_contain_text("Адресные рекомендации руководителю: Школа А1")
    rec_url = page.url

    # The school head sees it in the notifications, marks it read and reports.
    _switch(page, base, "school")
    page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Уведомления").click()
    page.get_by_test_id("notifications").get_by_role("link", name="Вам направлены адресные рекомендации").click()
    page.wait_for_url(rec_url)
    page.get_by_test_id("mark-read").click()
    expect(page.get_by_test_id("rec-status")).to_contain_text("получена адресатом")
    page.get_by_label("Что сделано по рекомендациям").fill("Программа актуализирована, два педагога записаны на курсы.")
    page.get_by_role("button", name="Доложить об исполнении").click()
    expect(page.get_by_test_id("rec-report")).to_contain_text("два педагога записаны на курсы")

    # The operator records the decision with its order on this recommendation.
    _switch(page, base, "operator")
    page.get_by_role("link", name="Управленческие решения").click()
    form = page.get_by_test_id("decision-form")
    form.get_by_label("Вид решения").select_option(label="активизирующее")
    form.get_by_label("Вид документа").select_option(label="приказ")
    form.get_by_label("Номер документа").fill("77-од")
    form.get_by_label("Дата документа").fill("2026-11-25")
    form.get_by_label("Содержание (заголовок документа)").fill("О направлении педагогов ШНОР на обучение")
    form.get_by_label("Пункты решения (каждый с новой строки)").fill(
        "Направить педагогов на курсы.\nКонтроль оставляю за собой."
    )
    form.get_by_label("Коды школ через запятую (необязательно)").fill("A001")
    form.get_by_label("По рекомендациям").select_option(label="Адресные рекомендации руководителю: Школа А1")
    form.get_by_role("button", name="Зарегистрировать и сформировать документ").click()
    expect(page.get_by_test_id("decision-summary")).to_contain_text("Активизирующее решение")
    with page.expect_download() as got:
        page.get_by_test_id("decision-documents").get_by_role(
            "link", name="Активизирующее решение: приказ № 77-од от 25.11.2026"
        ).click()
    order = Docx(got.value.path())
    body = "\n".join(p.text for p in order.paragraphs)
    assert "ПРИКАЗ" in body and "№ 77-од" in body and "2. Контроль оставляю за собой." in body

    # The year's evidence pack.
    page.get_by_role("link", name="Доказательная база").click()
    with page.expect_download() as got:
        page.get_by_test_id("evidence-download").click()
    pack = Path(got.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(pack)) as z:
        names = z.namelist()
        assert "00 Опись.xlsx" in names
        docx = [n for n in names if n.endswith(".docx")]
        assert any(n.startswith("06 ") for n in docx) and any(n.startswith("08 ") and "77-од" in n for n in docx)
        files = []
        for i, name in enumerate(docx):
            path = tmp_path / f"{i}.docx"
            path.write_bytes(z.read(name))
            files.append(path)
    pdfs = convert.to_pdf_many(files)
    assert len(pdfs) == len(docx) and all(p.startswith(b"%PDF") for p in pdfs.values())
