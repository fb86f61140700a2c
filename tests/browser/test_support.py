"""User journeys of issue 5 in a real browser.

1. On a small demo region a selected school goes the whole path: profile → programme from a
   template → the curator returns it → approved → in force → activities done / overdue → interim
   and final monitoring → proposed for exit → exit approved with its order.
2. The four questionnaires of a profile are filled in anonymously and change the profile.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from docx import Document as Docx
from playwright.sync_api import expect

from tests.browser.test_roles import _sign_in
from tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """A small demo region (the same generator and build as `shnor demo`) with people for the path."""
    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user
    from shnor.demo.build import build
    from shnor.demo.generator import DemoConfig
    from shnor.identification.models import SchoolResult

    settings.DATA_DIR = tmp_path
    build(DemoConfig(schools=60, municipalities=6))
    from shnor.core.programmes import rise
    from shnor.registry.services import preset

    rule = preset().exit
    candidates = [
        r
        for r in SchoolResult.objects.filter(selected=True, objectivity_flag=False).select_related("school")
        if len(r.per_year) >= 2 and r.per_year[-1]["ior"] > r.per_year[-2]["ior"]
    ]
    assert candidates, "the demo must have a selected school with rising results"
    # Exit counts a rise beyond its measurement error (1.645 standard errors of the difference); in a
    # region of 60 schools few rises are that large, so the journey's school is given one.
    chosen = candidates[0]
    before, after = chosen.per_year[-2], chosen.per_year[-1]
    needed = rise(rule, before["ior"], after["ior"], before.get("se"), after.get("se")).needed or 0.0
    after["ior"] = before["ior"] + needed + 0.05
    chosen.ior = after["ior"]
    chosen.save(update_fields=["per_year", "ior"])
    assert rise(rule, before["ior"], after["ior"], before.get("se"), after.get("se")).holds
    school = chosen.school
    # The journey makes its school's programme from the start: the demo's programmes (every listed
    # school's, at its stage) are set aside, so that the queues hold only the journey's.
    from shnor.programmes.models import Programme

    Programme.objects.all().delete()
    create_user("director", PASSWORD, Role.SCHOOL, school_id=school.pk, last_name="Директор")
    # The programme's reviewer: the curator of the school's approved pair (a hand assignment
    # counts only for a school without one).
    from shnor.support.models import Pairing

    pair = Pairing.objects.filter(school=school, status="approved").select_related("curator").first()
    if pair is not None and pair.curator.school_id:
        create_user("mentor", PASSWORD, Role.CURATOR, school_id=pair.curator.school_id, last_name="Куратор")
    else:
        mentor = create_user("mentor", PASSWORD, Role.CURATOR, assigned_school_ids=[school.pk], last_name="Куратор")
        if pair is not None:  # a tutor's pair: the mentor is that tutor
            pair.curator.user = mentor
            pair.curator.save()
    create_user("muni", PASSWORD, Role.MUNICIPAL_COORDINATOR, municipality_id=school.municipality_id)
    create_user("coord", PASSWORD, Role.REGIONAL_COORDINATOR)
    return {"school": school}


def _switch(page: Any, base: str, username: str) -> None:
    page.get_by_role("button", name="Выйти").click()
    _sign_in(page, base, username)


def _act(page: Any, action: str, comment: str = "") -> None:
    if comment:
        page.get_by_test_id("transition").get_by_label("Комментарий").fill(comment)
    page.locator(f"[data-action={action}]").click()


def test_a_selected_school_goes_the_whole_path(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    from shnor.programmes.models import Programme

    base, school = live_server.url, demo["school"]
    _sign_in(page, base, "director")
    # Selected → its risk profile.
    page.get_by_role("link", name="Рисковые профили").click()
    page.get_by_role("link", name=school.name).click()
    assert "Низкий уровень оснащения школы" in page.get_by_test_id("profile-table").inner_text()
    page.wait_for_selector("[data-testid=risk-chart][data-drawn=true]")
    # A programme from the preset's template, started four months ago.
    page.get_by_role("link", name="Программы и мониторинг").click()
    page.get_by_test_id("new-programme").click()
    page.get_by_label("Шаблон").select_option("volgograd-school-pko")
    start = dt.date.today().replace(day=1) - dt.timedelta(days=100)
    page.get_by_label("Начало").fill(start.isoformat())
    page.get_by_role("button", name="Создать").click()
    page.wait_for_url("**/programmes/*/")
    assert page.get_by_test_id("programme-status").inner_text() == "черновик"
    _act(page, "submit")
    # The curator returns it with comments; the school resubmits; the curator approves.
    _switch(page, base, "mentor")
    page.get_by_role("link", name="Программы и мониторинг").click()
    page.get_by_test_id("queue").get_by_role("link").first.click()
    _act(page, "take")
    _act(page, "return", "Добавьте меры по зафиксированным рискам")
    assert page.get_by_test_id("programme-status").inner_text() == "возвращена на доработку"
    _switch(page, base, "director")
    page.get_by_role("link", name=re.compile("Уведомления")).click()
    assert "Добавьте меры по зафиксированным рискам" in page.get_by_test_id("notifications").inner_text()
    programme = Programme.objects.get(school=school)
    page.goto(f"{base}/programmes/{programme.pk}/")
    _act(page, "submit")
    _switch(page, base, "mentor")
    page.goto(f"{base}/programmes/{programme.pk}/")
    _act(page, "take")
    _act(page, "approve")
    _switch(page, base, "muni")
    page.goto(f"{base}/programmes/")
    page.get_by_test_id("queue").get_by_role("link").first.click()
    _act(page, "enforce")
    assert page.get_by_test_id("programme-status").inner_text() == "действует"
    # The school marks an activity done; the others past their deadline show as overdue.
    _switch(page, base, "director")
    page.goto(f"{base}/programmes/{programme.pk}/")
    first = page.get_by_test_id("activity").first
    first.get_by_label("Состояние мероприятия").select_option("done")
    first.get_by_role("button", name="Сохранить").click()
    page.wait_for_selector("[data-testid=activity][data-status=done]")
    assert page.locator("[data-testid=activity][data-status=overdue]").count() >= 1
    # Interim and final monitoring, compared.
    for kind in ("interim", "final"):
        page.get_by_test_id("take-wave").get_by_label("Провести").select_option(kind)
        page.get_by_test_id("take-wave").get_by_role("button").click()
        page.wait_for_url("**/waves/")
        page.goto(f"{base}/programmes/{programme.pk}/")
    page.get_by_test_id("compare-waves").click()
    table = page.get_by_test_id("wave-compare").inner_text()
    assert "промежуточный мониторинг" in table and "итоговый мониторинг" in table
    # The regional coordinator sees the school proposed for exit and approves it with an order.
    _switch(page, base, "coord")
    page.goto(f"{base}/programmes/exit/")
    row = page.get_by_test_id("exit-proposals").locator("tr", has_text=school.name)
    assert row.get_attribute("data-ok") == "yes"
    page.get_by_label("Номер приказа").fill("301-о")
    page.get_by_role("button", name=re.compile("Утвердить выход")).click()
    expect(page.locator("body")).to_contain_text("Выход утверждён")
    link = page.get_by_role("link", name=re.compile("Приказ № 301-о"))
    response = page.request.get(base + link.get_attribute("href"))
    doc = Docx(io.BytesIO(response.body()))
    assert school.name in "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    programme.refresh_from_db()
    assert programme.status == "completed" and programme.exit_decision is not None


def test_the_four_questionnaires_change_the_profile(page: Any, browser: Any, live_server: Any, world: World) -> None:
    from shnor.risks.models import Profile

    base = live_server.url
    _sign_in(page, base, "school")
    page.goto(f"{base}/risks/schools/{world.a1.pk}/2026/")
    assert page.get_by_test_id("no-profile").is_visible()
    page.get_by_test_id("publish").get_by_role("button").click()
    links = {
        g: page.get_by_test_id(f"q-link-{g}").get_attribute("href")
        for g in ("director", "teachers", "students", "parents")
    }
    # Respondents have no account: a fresh browser context, no cookies.
    anonymous = browser.new_context(locale="ru-RU")
    form = anonymous.new_page()
    answers = {
        "director": [("Насколько школа обеспечена учебными материалами", "1"), ("цифровым оборудованием", "2")],
        "teachers": [("Оцените учебную мотивацию", "1"), ("Оцените уровень дисциплины", "2")],
        "students": [("Насколько вам интересно учиться", "2"), ("травлей", "yes")],
        "parents": [("Вы недовольны тем, как в школе преподают", "yes"), ("родительские собрания регулярно", "no")],
    }
    for group, items in answers.items():
        form.goto(base + links[group])
        for question, value in items:
            fieldset = form.locator("fieldset", has_text=question)
            fieldset.locator(f"input[value='{value}']").check()
        form.get_by_role("button", name="Отправить ответы").click()
        form.get_by_test_id("answer-done").wait_for(state="visible")  # the click navigates: wait, do not peek
    anonymous.close()
    page.reload()
    table = page.get_by_test_id("profile-table").inner_text()
    assert "анкета обучающихся" in table
    profile = Profile.objects.get(school=world.a1, year=2026)
    assert profile.factors["R01"]["level"] == "high"  # 2 of 2 measured equipment items are poor
    assert profile.parameters["R07.1"]["value"] == 1.0 and profile.parameters["R10.3"]["value"] == 0.0
    assert "Низкий уровень оснащения школы" in page.get_by_test_id("fixed-risks").inner_text()
    for group in answers:
        assert page.locator(f"[data-testid=questionnaires] tr[data-group={group}] td.num").inner_text() == "1"
