"""User journey: two roles sign in through the browser and each sees only its own scope."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(base + "/")


def test_it_shows_the_operator_the_region_and_a_school_only_itself(page: Any, live_server: Any, world: World) -> None:
    base = live_server.url
    _sign_in(page, base, "operator")
    assert page.get_by_test_id("current-role").inner_text() == "Региональный оператор"
    assert page.get_by_test_id("scope").inner_text() == "весь регион"
    page.get_by_role("link", name="Школы", exact=True).click()
    page.wait_for_url("**/registry/schools/")
    rows = page.locator("#table tbody tr")
    assert rows.count() == 4
    # Filtering swaps the table through htmx without a page load.
    page.get_by_label(re.compile(r"^Муниципалитет")).select_option(label="Бетинский район")
    expect(page.locator("#table tbody tr")).to_have_count(1)
    assert "Школа Б1" in page.locator("#table").inner_text()
    assert "municipality=" in page.url
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/accounts/login/")

    _sign_in(page, base, "school")
    assert page.get_by_test_id("current-role").inner_text() == "Школа (управленческая команда)"
    assert page.get_by_test_id("schools-count").inner_text() == "2"
    page.get_by_role("link", name="Школы", exact=True).click()
    table = page.locator("#table").inner_text()
    assert "Школа А1" in table and "Филиал А1" in table and "Школа Б1" not in table
    assert page.get_by_role("link", name="Журнал изменений").count() == 0
    response = page.goto(f"{base}/registry/schools/{world.b1.pk}/")
    assert response.status == 404
    expect(page.locator("body")).to_contain_text("вне вашей области доступа")


def test_it_lets_the_operator_edit_a_school_and_see_the_history(page: Any, live_server: Any, world: World) -> None:
    base = live_server.url
    _sign_in(page, base, "operator")
    page.goto(f"{base}/registry/schools/{world.a2.pk}/")
    page.get_by_role("link", name="Изменить").click()
    page.get_by_label("Численность обучающихся").fill("815")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"{base}/registry/schools/{world.a2.pk}/")
    expect(page.locator("body")).to_contain_text("Сведения о школе сохранены.")
    history = page.locator("h2:has-text('История изменений') + table").inner_text()
    assert "численность обучающихся: 800 → 815" in history and "operator" in history
