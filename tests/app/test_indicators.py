"""System indicators on real data: hand-computed values on a small world, and on the demo region
every indicator has a value and a target, and its drill-down sums to it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from shnor.cycle import indicators
from shnor.staff.models import Course, Diagnostic, Route, StaffMember, Teacher
from shnor.support import services as support
from tests.app.test_support import identification, included_pool

pytestmark = pytest.mark.django_db


def test_values_by_hand(world: Any) -> None:
    """The world's run of 2026: A1 and A2 are listed, both +0.1 in ИОР 2025 → 2026 (A1 −0.7 → −0.6,
    A2 −0.5 → −0.4). A rise counts beyond its measurement error (1.645 standard errors of the
    difference): A1's errors are 0.03, so it needs 1.645 × √(2 × 0.03²) = 0.070 and rises; A2's are
    0.05, it needs 0.116 and its +0.1 is noise. Eight schools of the run have ИОР, none has ИСБ."""
    identification(world)
    operator = world.users["operator"]
    # Two teachers at A1: one diagnosed in both years and improving, with an approved route;
    # a deputy head (management) with a course ending in 2026.
    t1, t2 = Teacher.objects.create(staff_key="T1"), Teacher.objects.create(staff_key="T2")
    StaffMember.objects.create(teacher=t1, school=world.a1, position="учитель")
    StaffMember.objects.create(teacher=t2, school=world.a1, position="заместитель директора по УВР")
    for year, score in ((2025, 10), (2026, 14)):
        Diagnostic.objects.create(teacher=t1, year=year, area="methodical", score=score, max_score=20)
    Route.objects.create(teacher=t1, year=2026, basis_year=2026, status=Route.Status.APPROVED)
    Course.objects.create(
        teacher=t2, title="Управление качеством", hours=72, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)
    )
    included_pool(world)
    support.approve(operator, support.propose(operator, 2026), {world.a1.pk})

    got = {v.definition.code: v for v in indicators.compute(operator, 2026)}
    # 1.1: nine schools (A1, its branch, A2, B1 and five more), none with ИСБ in this run.
    assert (got["1.1"].numerator, got["1.1"].denominator, got["1.1"].value) == (0, 9, 0.0)
    assert (got["1.2"].numerator, got["1.2"].denominator, got["1.2"].value) == (1, 2, 50.0)
    assert [u.detail for u in got["1.2"].units if u.school == "A002"] == ["ИОР −0,500 → −0,400 (порог роста 0,116)"]
    assert (got["1.3.1"].numerator, got["1.3.1"].denominator, got["1.3.1"].value) == (1, 2, 50.0)
    assert (got["1.3.2"].numerator, got["1.3.2"].denominator) == (1, 1)  # 0.5 → 0.7
    assert (got["1.4.1"].numerator, got["1.4.1"].denominator) == (1, 2)
    assert (got["1.4.2"].numerator, got["1.4.2"].denominator, got["1.4.2"].value) == (1, 2, 50.0)
    assert (got["1.4.3"].numerator, got["1.4.3"].denominator) == (1, 2)  # A1's deputy head trained
    assert got["1.2"].status == "met" and got["1.4.2"].status == "not_met"  # the target of 1.2 is 50 %
    # Scope: the municipal coordinator of A sees A's schools only; A1's head sees A1.
    municipal = {v.definition.code: v for v in indicators.compute(world.users["municipal"], 2026)}
    assert {u.school for u in municipal["1.1"].units} == {"A001", "A001F", "A002"}
    head = {v.definition.code: v for v in indicators.compute(world.users["school"], 2026)}
    assert [u.school for u in head["1.4.2"].units] == ["A001"] and head["1.4.2"].value == 100.0


def test_a_teacher_sees_their_own_line_of_a_drill_down_not_their_colleagues(client: Any, world: Any) -> None:
    """Issue 20: `GET /api/indicators/1.3.1` answered a teacher with every colleague and whether each
    took the diagnostics (1.3.2 who improved, 1.4.1 who has a route). Now a teacher sees their own
    line; the value stays the school's; the head sees all the school's teachers."""
    from shnor.accounts.services import issue_token

    identification(world)
    operator = world.users["operator"]
    me, colleague = Teacher.objects.create(staff_key="TA001-001"), Teacher.objects.create(staff_key="TA001-002")
    for t in (me, colleague):
        StaffMember.objects.create(teacher=t, school=world.a1, position="учитель")
        for year, score in ((2025, 10), (2026, 14)):
            Diagnostic.objects.create(teacher=t, year=year, area="methodical", score=score, max_score=20)
        Route.objects.create(teacher=t, year=2026, basis_year=2026, status=Route.Status.APPROVED)
    included_pool(world)
    support.approve(operator, support.propose(operator, 2026), {world.a1.pk})

    def units(role: str, code: str) -> tuple[list[str], int]:
        _, key = issue_token(world.users[role], "test")
        got = client.get(f"/api/indicators/{code}", {"year": 2026}, HTTP_AUTHORIZATION=f"Bearer {key}").json()
        return [u["key"] for u in got["units"] if u["key"].startswith("T")], got["denominator"]

    for code in ("1.3.1", "1.3.2", "1.4.1"):
        assert units("teacher", code) == (["TA001-001"], 2), code
        assert units("school", code) == (["TA001-001", "TA001-002"], 2), code
        assert units("municipal", code) == (["TA001-001", "TA001-002"], 2), code
    value = indicators.get(world.users["teacher"], 2026, "1.3.1", school=world.a1.pk)
    assert [u.key for u in indicators.visible_units(world.users["teacher"], value)] == ["TA001-001"]
    assert [u.key for u in indicators.visible_units(operator, value)] == ["TA001-001", "TA001-002"]


def test_on_the_demo_every_indicator_has_a_value_a_target_and_a_drill_down_that_sums(
    settings: Any, tmp_path: Any
) -> None:
    from shnor.accounts.models import User
    from shnor.demo.build import build
    from shnor.demo.generator import DemoConfig

    settings.DATA_DIR = tmp_path
    build(DemoConfig(schools=60, municipalities=6))
    operator = User.objects.get(username="operator")
    values = indicators.compute(operator, 2026)
    assert [v.definition.code for v in values][:7] == ["1.1", "1.2", "1.3.1", "1.3.2", "1.4.1", "1.4.2", "1.4.3"]
    for v in values:
        assert v.value is not None and v.target is not None, v.definition.code
        for level in ("municipality", "school"):
            rows = v.by(level)
            assert sum(r.numerator for r in rows) == v.numerator, (v.definition.code, level)
            assert sum(r.denominator for r in rows) == v.denominator, (v.definition.code, level)
    got = {v.definition.code: v for v in values}
    assert got["1.1"].value == 100.0  # the demo's run measures every school
    assert got["1.4.2"].value == 100.0  # every listed school has an approved curator
    share = got["1.3.1"].value
    assert share is not None and 0 < share <= 100


def test_dashboards_and_drill_down_pages(world: Any, login: Any) -> None:
    from django.urls import reverse

    identification(world)
    operator = login("operator")
    page = operator.get(reverse("cycle:indicators")).content.decode()
    assert "Доля ШНОР и ШНСУ, показавших положительную динамику ИОР за год" in page and "2026 год" in page
    # Each indicator with a target shows its progress toward it as a bar, with the figures in words.
    bar = re.search(r'<progress class="goal"\s+max="([\d.]+)"\s+value="([\d.]+)"\s+aria-label="([^"]+)"', page)
    assert bar is not None and float(bar.group(1)) > 0 and " из " in bar.group(3)
    drill = operator.get(reverse("cycle:indicator", args=["1.2"]), {"year": 2026}).content.decode()
    assert "По муниципалитетам" in drill and "Альфинский район" in drill and f"municipality={world.muni_a.pk}" in drill
    bars = operator.get(reverse("cycle:indicator", args=["1.2"]), {"year": 2026}).context["bars"]
    assert 'data-testid="indicator-bars"' in drill and "Альфинский район" in bars["names"] and bars["unit"] == "%"
    assert len(bars["values"]) == len(bars["names"]) and bars["target"] is not None
    muni = operator.get(reverse("cycle:indicator", args=["1.2"]), {"year": 2026, "municipality": world.muni_a.pk})
    text = muni.content.decode()
    assert "По школам" in text and "Школа А1" in text and "ИОР −0,700 → −0,600" in text
    assert operator.get(reverse("cycle:indicator", args=["9.9"])).status_code == 404
    # A municipal coordinator lands on their municipality and cannot open another.
    municipal = login("municipal")
    assert "Альфинский район" in municipal.get(reverse("cycle:indicators")).content.decode()
    assert municipal.get(reverse("cycle:indicators"), {"municipality": world.muni_b.pk}).status_code == 404
    # A school sees itself only.
    school = login("school")
    assert "Школа А1" in school.get(reverse("cycle:indicators")).content.decode()
    assert school.get(reverse("cycle:indicators"), {"school": world.b1.pk}).status_code == 404


def test_indicators_over_the_api(client: Any, world: Any) -> None:
    from shnor.accounts.services import issue_token

    identification(world)
    _, key = issue_token(world.users["municipal"], "test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    listed = client.get("/api/indicators", {"year": 2026}, **headers).json()
    one_two = next(i for i in listed if i["code"] == "1.2")
    assert (one_two["numerator"], one_two["denominator"], one_two["value"], one_two["status"]) == (1, 2, 50.0, "met")
    detail = client.get("/api/indicators/1.2", {"year": 2026}, **headers).json()
    assert [r["name"] for r in detail["by_school"]] == ["Школа А1", "Школа А2"]
    assert sum(r["numerator"] for r in detail["by_school"]) == detail["numerator"]
    assert {u["school"] for u in detail["units"]} == {"A001", "A002"}
    assert client.get("/api/indicators", {"year": 2026, "school_id": "B001"}, **headers).status_code == 404
    assert client.get("/api/indicators/9.9", {"year": 2026}, **headers).status_code == 404


def test_parents_satisfaction_of_ivanovo_from_two_years_of_profiles(world: Any, settings: Any, tmp_path: Any) -> None:
    """Act 002: parents' satisfaction rises. A1's dissatisfied parents 40 % → 30 % (counted), A2's
    20 % → 25 % (not); B1 is not listed. Value 50 %, target 100 %."""
    from shnor.presets import load
    from shnor.risks.models import Profile

    settings.DATA_DIR = tmp_path
    tmp_path.joinpath("preset.yaml").write_text(load("ivanovo-2020")[1], encoding="utf-8")
    identification(world)
    for school, shares in ((world.a1, (0.4, 0.3)), (world.a2, (0.2, 0.25)), (world.b1, (0.5, 0.1))):
        for year, share in zip((2025, 2026), shares, strict=True):
            profile, _ = Profile.objects.get_or_create(school=school, year=year, defaults={"catalogue_version": "t"})
            profile.parameters = {"R03.4": {"value": share}}
            profile.save()
    parents = indicators.get(world.users["operator"], 2026, "parents")
    assert (parents.numerator, parents.denominator, parents.value, parents.target) == (1, 2, 50.0, 100.0)
    assert [u.detail for u in parents.units] == [
        "неудовлетворённых 40,0 % → 30,0 %",
        "неудовлетворённых 20,0 % → 25,0 %",
    ]


def test_the_dashboard_offers_the_municipalities_in_scope_as_its_level(world: Any, login: Any) -> None:
    identification(world)
    page = login("operator").get("/cycle/indicators/", {"year": 2026, "municipality": world.muni_a.pk})
    html = page.content.decode()
    assert f'<option value="{world.muni_a.pk}" selected>Альфинский район</option>' in html
    assert f'<option value="{world.muni_b.pk}">Бетинский район</option>' in html
    municipal = login("municipal").get("/cycle/indicators/", {"year": 2026}).content.decode()
    assert "Бетинский район" not in municipal  # another municipality: not in a coordinator's scope


def test_a_preset_without_targets_borrows_none_from_volgograd(world: Any, monkeypatch: Any) -> None:
    """Acts 001–003 set no targets for act 004's indicators 1.2–1.4: under Vologda's preset they
    show «цель не задана» until the operator sets the year's own; Volgograd's preset carries its
    operator's figures with the note saying so. Vologda's 100 % for 1.1 is its own act's (section 5,
    item 1), and the indicator says so."""
    from shnor.presets import load
    from shnor.registry import services as registry

    identification(world)
    volgograd = {v.definition.code: v for v in indicators.compute(world.users["operator"], 2026)}
    assert volgograd["1.2"].target == 50.0 and "числовых целей показателей не устанавливает" in indicators.note()
    monkeypatch.setattr(registry, "preset_in_force", lambda: load("vologda-2019"))
    got = {v.definition.code: v for v in indicators.compute(world.users["operator"], 2026)}
    assert {code: got[code].target for code in ("1.2", "1.4.2")} == {"1.2": None, "1.4.2": None}
    assert got["1.2"].status == "no_target"
    assert got["1.1"].target == 100.0 and got["1.1"].source.startswith(
        "Акт 001, раздел 5, п. 1: «Проведение (в 100% школ)"
    )
    assert volgograd["1.1"].source == "приказ № 616, п. 1.1"


def test_vologda_plan_figures_from_the_data(world: Any, settings: Any, tmp_path: Any) -> None:
    """Act 001, section 5: infrastructure in 50 % of municipalities, at least 4 targeted courses,
    at least 3 short events at schools, an interregional seminar of at least 40. By hand: A has an
    active working group, B's is closed → 1 of 2 = 50 % (met). Courses ended in 2026 by teachers of
    the listed A1 and A2: «Курс 1» (two teachers) and «Курс 2» → 2 programmes (target 4, not met);
    B1's «Курс 3» is not counted (B1 is not listed), nor A1's course of 2025. Three school events
    (met); interregional events of 45 and 30 participants → one seminar (met)."""
    from shnor.presets import load
    from shnor.support.models import Event

    settings.DATA_DIR = tmp_path
    tmp_path.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    identification(world)
    world.wg_b.is_active = False
    world.wg_b.save()
    people = {}
    for key, school in (("T1", world.a1), ("T2", world.a2), ("T3", world.b1)):
        people[key] = Teacher.objects.create(staff_key=key)
        StaffMember.objects.create(teacher=people[key], school=school, position="учитель")
    for key, title, end in (
        ("T1", "Курс 1", dt.date(2026, 4, 1)),
        ("T1", "Курс 2", dt.date(2026, 5, 1)),
        ("T2", "Курс 1", dt.date(2026, 4, 1)),
        ("T3", "Курс 3", dt.date(2026, 4, 1)),
        ("T1", "Курс 4", dt.date(2025, 4, 1)),
    ):
        Course.objects.create(teacher=people[key], title=title, hours=36, start=end - dt.timedelta(days=20), end=end)
    for i in range(3):
        Event.objects.create(
            title=f"Открытый урок {i}", kind="master_class", level="school", date=dt.date(2026, 3, 1 + i)
        )
    Event.objects.create(title="Прошлогодний", kind="seminar", level="school", date=dt.date(2025, 3, 1))
    for n, participants in ((1, 40), (2, 30)):
        Event.objects.create(
            title=f"Семинар {n}",
            kind="seminar",
            level="interregional",
            date=dt.date(2026, 11, n),
            participants=participants,
        )
    got = {v.definition.code: v for v in indicators.compute(world.users["operator"], 2026)}
    assert (got["infrastructure"].numerator, got["infrastructure"].denominator, got["infrastructure"].value) == (
        1,
        2,
        50.0,
    )
    assert got["infrastructure"].status == "met" and [u.detail for u in got["infrastructure"].units] == [
        "Рабочая группа А",
        "",
    ]
    assert (got["courses"].value, got["courses"].target, got["courses"].status) == (2.0, 4.0, "not_met")
    assert [(u.label, u.detail) for u in got["courses"].units] == [
        ("Курс 1", "педагогов ШНОР и ШНСУ: 2"),
        ("Курс 2", "педагогов ШНОР и ШНСУ: 1"),
    ]
    assert (got["school_events"].value, got["school_events"].status) == (3.0, "met")
    assert (got["seminar"].value, got["seminar"].denominator, got["seminar"].status) == (1.0, 2, "met")
    assert got["seminar"].title == "Межрегиональные семинары не менее чем с 40 участниками за год"
    assert (got["1.1"].number, got["courses"].number) == ("1.1", "")
    assert got["courses"].source.startswith("Акт 001, раздел 5, п. 6: «Организация и проведение не менее 4 адресных")
    assert "programmes_register" not in got and "parents" not in got  # Dobrinka's and Ivanovo's own
    # A municipality sees its own infrastructure; the region's counts (courses, events, the seminar)
    # are the region's, not shown as a district's figure nor listing other districts' events.
    local = {v.definition.code: v for v in indicators.compute(world.users["municipal"], 2026)}
    assert (local["infrastructure"].numerator, local["infrastructure"].denominator) == (1, 1)
    assert not {"courses", "school_events", "seminar", "events"} & set(local)


def test_dobrinka_shares_of_the_district_from_the_data(world: Any, settings: Any, tmp_path: Any) -> None:
    """Act 003, tasks 1, 3, 5, 6: 72 % of the district's schools. Nine schools; A1 and A2 listed.
    A1's school programme is in force in 2026 (an older one ended by a decision of 2025), A2's ended
    by an exit decision of 2026 → programmes 2 of 9 (22,2 %), successful 1 of 9 (11,1 %). B1 (not
    listed) organised an event of 2026 where A1 and A2 took part → inter-school events 2 of 9;
    dissemination: A2 published a practice in 2026 → 1 of 9 (A1 only took part; its practice is a
    draft, and its own event was in 2025; B1's practice does not count, B1 is not listed)."""
    from shnor.presets import load
    from shnor.programmes.models import Programme
    from shnor.records.models import Decision
    from shnor.support.models import Event, Practice

    settings.DATA_DIR = tmp_path
    tmp_path.joinpath("preset.yaml").write_text(load("dobrinka-2018")[1], encoding="utf-8")
    identification(world)
    year = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}
    Programme.objects.create(level="school", title="П", goal="Ц", school=world.a1, status="in_force", **year)
    for school, date in ((world.a2, dt.date(2026, 9, 1)), (world.a1, dt.date(2025, 9, 1))):
        order = Decision.objects.create(kind="controlling", title="О выходе", number="5", date=date)
        Programme.objects.create(
            level="school", title="П", goal="Ц", school=school, status="completed", exit_decision=order, **year
        )
    event = Event.objects.create(
        title="Методический день", kind="seminar", level="municipal", date=dt.date(2026, 4, 1), organiser=world.b1
    )
    event.schools.add(world.a1, world.a2)
    Event.objects.create(title="Прошлый", kind="seminar", level="school", date=dt.date(2025, 4, 1), organiser=world.a1)
    for school, status in ((world.a2, "published"), (world.b1, "published"), (world.a1, "draft")):
        practice = Practice.objects.create(title="Практика", school=school, summary="кратко", status=status)
        Practice.objects.filter(pk=practice.pk).update(created_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    got = {v.definition.code: v for v in indicators.compute(world.users["operator"], 2026)}
    figures = {
        code: (got[code].numerator, got[code].denominator, got[code].value, got[code].target)
        for code in ("programmes_register", "programmes_successful", "interschool_events", "dissemination")
    }
    assert figures == {
        "programmes_register": (2, 9, 22.2, 72.0),
        "programmes_successful": (1, 9, 11.1, 72.0),
        "interschool_events": (2, 9, 22.2, 72.0),
        "dissemination": (1, 9, 11.1, 72.0),
    }
    b1 = next(u for u in got["interschool_events"].units if u.school == "B001")
    assert not b1.counted and b1.detail == "не в перечне"
    assert got["programmes_successful"].source.startswith("Акт 003, задача 5:")
