"""User journeys of issue 6 in a real browser, on a small demo region built by `shnor demo`'s build.

1. The operator approves a proposed pair → the curator records a consultation → the supported
   school rates it → the regional coordinator sees the pair's activity.
2. A school head drafts a teacher's route from the diagnostics, adds an activity of their own
   and approves it → the teacher
   sees their own record with the change between two diagnostics and marks the course done.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import _sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from shnor.accounts.models import User
    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user
    from shnor.demo.build import build
    from shnor.demo.generator import DemoConfig
    from shnor.staff.models import Diagnostic, Route, StaffMember
    from shnor.support import services
    from shnor.support.models import Pairing

    settings.DATA_DIR = tmp_path
    build(DemoConfig(schools=60, municipalities=6))
    year = max(Diagnostic.objects.values_list("year", flat=True))
    routed = set(Route.objects.filter(year=year).values_list("teacher_id", flat=True))

    def eligible(school_id: int) -> Any:
        """A teacher of the school with diagnostics of both years, a deficit now and no route yet."""
        for m in StaffMember.objects.filter(school_id=school_id).select_related("teacher").order_by("pk"):
            rows = list(Diagnostic.objects.filter(teacher=m.teacher, year__gte=year - 1))
            if (
                m.teacher_id not in routed
                and {d.year for d in rows} == {year - 1, year}
                and any(d.year == year and d.score / d.max_score < 0.6 for d in rows)
            ):
                return m.teacher
        return None

    pairs = (
        Pairing.objects.filter(status="approved", curator__school__isnull=False)
        .select_related("school", "curator", "curator__school")
        .order_by("school__name")
    )
    pair, teacher = next((p, t) for p in pairs if (t := eligible(p.school_id)) is not None)
    operator = User.objects.get(username="operator")
    # The pair ends (as at the turn of a year) and is pinned, so the next proposal offers it again.
    services.end_pair(operator, pair)
    services.set_rule(operator, pair.school, pair.curator, "pin", "Продолжение работы")
    create_user("director", PASSWORD, Role.SCHOOL, school_id=pair.school_id, last_name="Директор")
    create_user("mentor", PASSWORD, Role.CURATOR, school_id=pair.curator.school_id, last_name="Куратор")
    create_user("coord", PASSWORD, Role.REGIONAL_COORDINATOR)
    create_user("op", PASSWORD, Role.OPERATOR)
    create_user("teacher1", PASSWORD, Role.TEACHER, school_id=pair.school_id, staff_key=teacher.staff_key)
    return {"school": pair.school, "curator": pair.curator, "teacher": teacher, "year": year}


def _switch(page: Any, base: str, username: str) -> None:
    page.get_by_role("button", name="Выйти").click()
    _sign_in(page, base, username)


def test_pairs_are_approved_consulted_rated_and_seen(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    base, school = live_server.url, demo["school"]
    _sign_in(page, base, "op")
    page.get_by_role("link", name="Кураторы и пары").click()
    page.get_by_role("link", name="Подбор кураторов").click()
    page.get_by_test_id("run-matching").click()
    summary = page.get_by_test_id("matching-summary").inner_text()
    assert "Суммарная стоимость" in summary
    row = page.get_by_test_id("pairs").locator("tr", has_text=school.name)
    assert "пара закреплена оператором" in row.inner_text()
    row.get_by_role("checkbox").check()
    page.get_by_test_id("approve-pairs").click()
    expect(page.locator("body")).to_contain_text("Утверждено пар: 1")

    _switch(page, base, "mentor")
    page.get_by_role("link", name="Кураторы и пары").click()
    page.get_by_test_id("activity").get_by_role("link", name=school.name).click()
    form = page.get_by_test_id("consultation-form")
    form.get_by_label("Форма").select_option("master_class")
    form.get_by_label("Тема").fill("Формирующее оценивание на уроках математики")
    form.get_by_label("Участников").fill("14")
    form.get_by_label("Часов").fill("2")
    form.get_by_role("button", name="Внести в журнал").click()
    assert "Формирующее оценивание" in page.get_by_test_id("journal").inner_text()

    _switch(page, base, "director")
    page.get_by_role("link", name="Кураторы и пары").click()
    page.get_by_test_id("activity").get_by_role("link", name=school.name).click()
    rate = page.get_by_test_id("rate-form").first
    rate.get_by_label("Оценка").select_option("5")
    rate.get_by_label("Комментарий").fill("Полезно, применим на уроках")
    rate.get_by_role("button", name="Оценить").click()
    expect(page.locator("body")).to_contain_text("Спасибо")

    _switch(page, base, "coord")
    page.get_by_role("link", name="Кураторы и пары").click()
    line = page.get_by_test_id("activity").locator("tr", has_text=school.name).inner_text()
    cells = line.split("\t")
    assert cells[4] == "1" and cells[7] == "1" and cells[8].replace(",", ".") == "5.00", cells
    assert "активна" in line


def test_a_teachers_route_follows_from_diagnostics(page: Any, live_server: Any, demo: dict[str, Any]) -> None:
    from shnor.staff.models import Route

    base, teacher, year = live_server.url, demo["teacher"], demo["year"]
    _sign_in(page, base, "director")
    page.get_by_role("link", name="Педагоги").click()
    page.get_by_test_id("staff").get_by_role("link", name=teacher.staff_key).click()
    assert "да" in page.get_by_test_id("diagnostics").inner_text()  # a deficit is shown
    page.get_by_test_id("propose-route").click()
    expect(page.locator("body")).to_contain_text("Составлен проект маршрута")
    # The head adds an activity of their own to the draft before approving it.
    page.get_by_text("Добавить пункт").click()
    add = page.get_by_test_id("item-add")
    add.get_by_label("Или мероприятие (описание)").fill("Посещение уроков наставника")
    add.get_by_label("Часов").fill("6")
    add.get_by_label("Срок").fill(f"{year}-12-15")
    add.get_by_role("button", name="Добавить").click()
    assert "Посещение уроков наставника" in page.get_by_test_id("route").inner_text()
    page.get_by_test_id("approve-route").click()
    route = Route.objects.get(teacher=teacher, year=year)
    assert route.status == "approved" and route.items.filter(title="Посещение уроков наставника").exists()

    _switch(page, base, "teacher1")
    page.get_by_role("link", name="Педагоги").click()
    assert teacher.staff_key in page.locator("h1").inner_text()  # straight to their own record
    assert "Динамика по повторной диагностике" in page.get_by_test_id("dynamics").inner_text()
    for item in route.items.all():
        select = page.get_by_label(f"Статус: {item.title}")
        select.select_option("done")
        select.locator("xpath=..").get_by_role("button", name="Сохранить").click()
    route.refresh_from_db()
    assert route.status == "completed"
    assert "выполнен" in page.get_by_test_id("route").inner_text()


def test_vologda_curator_groups_are_proposed_and_approved(
    page: Any, live_server: Any, demo: dict[str, Any], settings: Any
) -> None:
    """Act 001: curator groups of one curator and 2–3 schools sharing a problem. Under the Vologda
    preset the operator proposes the year's groups, sees their number, departures and the problem of
    each group with the rule's source, and approves them all."""
    from shnor.presets import load
    from shnor.support.models import Pairing

    settings.DATA_DIR.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    Pairing.objects.filter(status="approved").update(status="ended")
    base = live_server.url
    _sign_in(page, base, "op")
    page.goto(f"{base}/support/matching/")
    rule = page.get_by_test_id("form-rule").inner_text()
    assert "кураторская группа" in rule and "положение акта" in rule and "Акт 001" in rule
    page.get_by_test_id("run-matching").click()
    groups = int(page.get_by_test_id("group-count").inner_text())
    assert groups > 0
    expect(page.get_by_test_id("pairs")).to_contain_text("Общая проблема группы")
    expect(page.get_by_test_id("group-bound")).to_contain_text("нижняя граница")
    page.get_by_test_id("approve-pairs").click()
    expect(page.locator("body")).to_contain_text("Утверждено пар:")
    approved = Pairing.objects.filter(status="approved")
    assert approved.exclude(theme="").count() == approved.count() > 0
    assert approved.values("curator").distinct().count() == groups


def test_the_entry_monitoring_of_municipalities(
    page: Any, live_server: Any, demo: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    """Act 001, section 5, item 5.2: under the Vologda preset the operator opens the entry monitoring
    from the menu, reads its basis in the act, the municipalities chosen and each one's risk
    category, and downloads the workbook; a municipal coordinator sees their own municipality only."""
    import io

    from openpyxl import load_workbook

    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user
    from shnor.presets import load

    settings.DATA_DIR.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    base = live_server.url
    _sign_in(page, base, "op")
    page.get_by_role("link", name="Мониторинг муниципалитетов").click()
    expect(page.get_by_test_id("basis")).to_contain_text("Акт 001, раздел 5, п. 5")
    summary = page.get_by_test_id("monitoring-summary").inner_text()
    chosen = page.get_by_test_id("selected").count()
    assert f"{chosen} из 6 муниципалитетов" in summary and chosen > 0
    assert page.locator("[data-testid=monitoring] tbody tr").count() == 6
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["Муниципалитеты"]
    marks = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(marks) == 6 and marks.count("да") == chosen

    school = demo["school"]
    create_user("muni", PASSWORD, Role.MUNICIPAL_COORDINATOR, municipality_id=school.municipality_id)
    _switch(page, base, "muni")
    page.goto(f"{base}/cycle/monitoring/")
    rows = page.locator("[data-testid=monitoring] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(school.municipality.name)
