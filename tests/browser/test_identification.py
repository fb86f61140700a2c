"""User journey: the operator runs the identification, filters the list, opens the chart and a
school's card, and the regional coordinator rejects a sign of biased results."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.app.test_identification import make_sign
from tests.app.test_identification import region as region  # the fixture, reused
from tests.browser.test_roles import _sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operator_identifies_and_reads_the_evidence(page: Any, live_server: Any, region: World) -> None:
    from shnor.identification.models import Run

    base = live_server.url
    _sign_in(page, base, "operator")
    page.get_by_role("link", name="Расчёты и списки").click()
    page.get_by_label("Отчётный год").fill("2026")
    page.get_by_role("button", name="Запустить расчёт").click()
    page.wait_for_url("**/identification/runs/*/")
    assert page.get_by_test_id("status").inner_text() == "выполнено"
    assert "НР+ССК" in page.get_by_test_id("combinations").inner_text()
    rows = page.locator("#table tbody tr")
    assert rows.count() == 4
    page.get_by_label(re.compile(r"^Муниципалитет")).select_option(label="Альфинский район")
    expect(page.locator("#table tbody tr")).to_have_count(3)
    assert "Школа А2" in page.locator("#table").inner_text() and "Школа Б1" not in page.locator("#table").inner_text()
    assert "municipality=" in page.url  # the filter is in the address: the list can be shared

    run = Run.objects.get()
    make_sign(run, region.a2)
    page.get_by_role("link", name="Школа А2").click()
    assert "низкий ИОР" in page.get_by_test_id("verdict").inner_text()  # why it is proposed
    assert "ИОР без сглаживания" in page.get_by_test_id("indices").inner_text()
    assert "ОГЭ, русский язык, 9 кл." in page.get_by_test_id("components").inner_text()
    weighed = page.get_by_test_id("evidence").inner_text()  # how strong the evidence is, against what
    assert "Сила свидетельств необъективности" in weighed and "при пороге 2,58" in weighed

    page.goto(f"{base}/identification/runs/{run.pk}/chart/")
    page.wait_for_selector("[data-testid=chart][data-ready=true]")
    assert page.locator("#chart .main-svg").count() > 0  # Plotly drew it, from the local bundle
    assert "Обведённые точки" in page.locator(".lead").inner_text()  # uncertain membership of the low zone

    page.get_by_role("button", name="Выйти").click()
    _sign_in(page, base, "coordinator")
    page.goto(f"{base}/identification/runs/{run.pk}/schools/{region.a2.pk}/")
    signs = page.get_by_test_id("signs")
    signs.get_by_label("Решение").select_option("rejected")
    signs.get_by_label("Комментарий").fill("расхождение объяснено сменой учителя")
    signs.get_by_role("button", name="Сохранить").click()
    assert "отклонён: расхождение объяснено сменой учителя" in page.get_by_test_id("signs").inner_text()
