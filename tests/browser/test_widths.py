"""No page wider than a laptop's screen (issue 24): every item of each role's menu, opened at 1 366 px,
fits; a wide table scrolls inside its frame instead of widening the page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_roles import _sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


@pytest.mark.parametrize("persona", ["operator", "municipal", "school", "curator", "teacher"])
def test_every_menu_page_fits_a_laptop_screen(page: Any, live_server: Any, world: World, persona: str) -> None:
    from shnor.staff.models import Teacher

    Teacher.objects.get_or_create(staff_key="TA001-001")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    base = live_server.url
    _sign_in(page, base, persona)
    links = page.eval_on_selector_all("nav.side a", "els => els.map(e => e.getAttribute('href'))")
    wide = []
    for href in links:
        if href.startswith("/api/") or href.startswith("/admin/"):
            continue
        page.goto(base + href)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            wide.append(f"{href}: {width} px")
        for frame in page.query_selector_all(".table-wrap"):
            assert frame.evaluate("e => getComputedStyle(e).overflowX") == "auto", href
    assert not wide, wide
