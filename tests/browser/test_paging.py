"""The operator of a region with many municipalities pages through the teachers' and the
programmes' summaries, reads the scope's total on every page and opens one municipality's
programmes from its row (a real browser)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_roles import _sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _region(world: World) -> None:
    from shnor.programmes.models import Programme
    from shnor.registry.models import Municipality, School
    from shnor.staff.models import Diagnostic, StaffMember, Teacher

    for i in range(1, 13):
        muni = Municipality.objects.create(region=world.region, code=f"D{i:02}", name=f"Район {i:02}")
        school = School.objects.create(school_id=f"S{i:02}", name=f"Школа {i}", municipality=muni, locality="city")
        teacher = Teacher.objects.create(staff_key=f"T{i:02}")
        StaffMember.objects.create(teacher=teacher, school=school, position="учитель", subjects="математика")
        Diagnostic.objects.create(teacher=teacher, year=2026, area="methodical", score=8, max_score=20)
        Programme.objects.create(
            level="school",
            title=f"Программа школы {i}",
            goal="Ц",
            status="in_force",
            start=dt.date(2026, 9, 1),
            end=dt.date(2027, 6, 30),
            school=school,
        )


def test_the_operator_pages_the_summaries_and_opens_a_municipality(
    page: Any, live_server: Any, world: World, settings: Any
) -> None:
    settings.SHNOR_PAGE_SIZE = 10
    _region(world)
    base = live_server.url
    _sign_in(page, base, "operator")
    page.get_by_role("link", name="Педагоги").click()
    table = page.get_by_test_id("aggregates")
    assert table.locator("tbody tr").count() == 10
    assert table.get_by_test_id("total").inner_text().split()[:4] == ["Итого", "(все", "12)", "12"]
    page.get_by_role("link", name="вперёд →").click()
    assert table.locator("tbody th").all_inner_texts() == ["Район 11", "Район 12"]
    assert table.get_by_test_id("total").inner_text().split()[3] == "12"  # the whole scope again
    page.get_by_role("link", name="Программы и мониторинг").click()
    overview = page.get_by_test_id("overview")
    assert overview.locator("tbody tr").count() == 10
    page.locator("section[aria-labelledby=overview-h]").get_by_role("link", name="вперёд →").click()
    assert overview.locator("tbody th").all_inner_texts() == ["Район 11", "Район 12"]
    assert page.get_by_test_id("programmes").locator("tbody tr").count() == 10  # the list kept its page
    overview.get_by_role("link", name="Район 12").click()
    assert page.get_by_role("heading", name="Исполнение по школам").is_visible()
    assert page.get_by_test_id("overview").locator("tbody th").all_inner_texts() == ["Школа 12"]
