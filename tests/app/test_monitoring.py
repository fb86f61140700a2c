"""The entry monitoring of municipal bodies (act 001) on a small world computed by hand, in scope, in
the page, the workbook and the API."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from shnor.accounts.services import issue_token
from shnor.core.municipal import HIGH, MEDIUM
from shnor.cycle import municipal
from shnor.identification.models import SchoolResult
from shnor.programmes.models import Programme
from shnor.registry.models import School
from shnor.risks.models import Profile
from shnor.staff.models import Course, StaffMember, Teacher
from shnor.support import services as support
from tests.app.test_support import identification, included_pool

pytestmark = pytest.mark.django_db


def _world(world: Any) -> None:
    """A: A1 and A2 listed (ШНОР), A2 with an order; A1 profiled with a fixed risk, a programme in
    force and an approved curator; teachers T1 (trained in 2026) and T2 at A1, T3 at A2. No municipal
    programme; a working group. B: B1…B6, B3 listed (ШНСУ) with no programme, curator or trained
    teacher T4; B1 biased and profiled without a fixed risk; a municipal programme in force; its
    working group closed."""
    identification(world)
    SchoolResult.objects.filter(school__in=[world.a1, world.a2]).update(group="low_results")
    b3 = School.objects.get(school_id="B003")
    SchoolResult.objects.filter(school=b3).update(selected=True, reasons="isb_low", group="unfavourable")
    SchoolResult.objects.filter(school=world.a2).update(orders=True)
    SchoolResult.objects.filter(school=world.b1).update(objectivity_flag=True)
    Profile.objects.filter(school=world.b1).update(fixed=[])
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    Programme.objects.create(
        level=Programme.Level.SCHOOL, title="П", goal="Ц", school=world.a1, start=year[0], end=year[1],
        status=Programme.Status.IN_FORCE,
    )  # fmt: skip
    Programme.objects.create(
        level=Programme.Level.MUNICIPALITY, title="ДК", goal="Ц", municipality=world.muni_b, start=year[0],
        end=year[1], status=Programme.Status.APPROVED,
    )  # fmt: skip
    world.wg_b.is_active = False
    world.wg_b.save()
    for key, school, trained in (("T1", world.a1, True), ("T2", world.a1, False), ("T3", world.a2, False)):
        teacher = Teacher.objects.create(staff_key=key)
        StaffMember.objects.create(teacher=teacher, school=school, position="учитель")
        if trained:
            Course.objects.create(
                teacher=teacher, title="К", hours=36, start=dt.date(2026, 2, 1), end=year[0].replace(month=3)
            )
    StaffMember.objects.create(teacher=Teacher.objects.create(staff_key="T4"), school=b3, position="учитель")
    included_pool(world)
    operator = world.users["operator"]
    support.approve(operator, support.propose(operator, 2026), {world.a1.pk})


def test_the_monitoring_by_hand(world: Any) -> None:
    """Region: listed 3/8, biased 1/8, fixed risks 1/2 (A1 of A1 and B1), orders 1/8, without a
    programme 2/3, without a curator 2/3, untrained teachers 3/4, no municipal programme 1/2, no
    structure 1/2.
    A: listed 2/2 > 3/8 in; biased 0/2 out; risks 1/1 > 1/2 in; orders 1/2 > 1/8 in; no programme
    1/2 < 2/3 out; no curator 1/2 out; untrained 2/3 < 3/4 out; no municipal programme: in; a
    structure: out → 4 of 9 = 0.44: medium. B: listed 1/6 out; biased 1/6 > 1/8 in; risks 0/1 out;
    orders 0/6 out; no programme 1/1 in; no curator 1/1 in; untrained 1/1 in; a municipal
    programme: out; no structure: in → 5 of 9 = 0.56 > 0.5: high. Half of the 3 listed is 1.5: A's
    2 reach it, B is not monitored."""
    _world(world)
    m = municipal.monitoring(world.users["operator"], 2026)
    a = m.assessment
    assert {k: (c.part, c.whole) for k, c in a.region.items()} == {
        "listed": (3, 8), "biased": (1, 8), "risks": (1, 2), "orders": (1, 8), "no_programme": (2, 3),
        "no_curator": (2, 3), "untrained": (3, 4), "no_municipal_programme": (1, 2), "no_body": (1, 2),
    }  # fmt: skip
    rows = {r.district.code: r for r in a.districts}
    assert [c for c, z in rows["A"].zone.items() if z] == ["listed", "risks", "orders", "no_municipal_programme"]
    assert [c for c, z in rows["B"].zone.items() if z] == [
        "biased",
        "no_programme",
        "no_curator",
        "untrained",
        "no_body",
    ]
    assert (rows["A"].category, rows["B"].category) == (MEDIUM, HIGH)
    assert (rows["A"].selected, rows["B"].selected) == (True, False)
    assert [r.district.code for r in a.districts] == ["A", "B"]  # most listed first
    assert m.groups == {"A": {"low_results": 2}, "B": {"unfavourable": 1}}
    page = municipal.page(m)
    assert (page["selected"], page["districts"], page["held"], page["listed"]) == (1, 2, "2 из 3 (66,7 %)", 3)
    assert page["rows"][0]["cells"][0] == {"text": "100,0 %", "zone": True, "hint": "2 из 2 школ"}
    # Own states: the column names what should be there; «нет» is the risk.
    assert [c["text"] for c in page["rows"][0]["cells"][-2:]] == ["нет", "есть"]
    assert [c["text"] for c in page["region"][-2:]] == ["нет у 1 из 2", "нет у 1 из 2"]
    assert page["rows"][0]["in_zone"] == "критериев в зоне риска: 4 из 9"
    assert page["rows"][0]["groups"] == "ШНОР — 2" and page["rows"][1]["category_title"] == "высокий риск"


def test_a_municipality_sees_its_own_row_against_the_region_and_a_school_nothing(world: Any) -> None:
    _world(world)
    own = municipal.monitoring(world.users["municipal"], 2026)
    assert [r.district.code for r in own.rows] == ["A"] and len(own.assessment.districts) == 2
    assert [r.district.code for r in municipal.monitoring(world.users["observer"], 2026).rows] == ["A"]
    for role in ("school", "curator", "teacher"):
        assert not municipal.allowed(world.users[role])
        with pytest.raises(PermissionDenied):
            municipal.monitoring(world.users[role], 2026)
    # Its page counts categories over its own row only: nothing of how the other municipality fares.
    page = municipal.page(own)
    assert page["categories"] == [("средний риск", 1)] and not page["region_wide"]


def test_what_the_criteria_leave_out(world: Any) -> None:
    """A school listed on another ground (a supervision order: not one of «школ данных категорий»),
    a draft programme, a programme of another year, a course ended in another year, an inactive
    teacher and a teacher's second appointment at another listed school change nothing."""
    _world(world)
    SchoolResult.objects.filter(school__school_id="B004").update(selected=True, reasons="orders", group="other")
    b3 = School.objects.get(school_id="B003")
    Programme.objects.create(
        level=Programme.Level.SCHOOL, title="Черновик", goal="Ц", school=b3, start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31), status=Programme.Status.DRAFT,
    )  # fmt: skip
    Programme.objects.create(
        level=Programme.Level.SCHOOL, title="Прошлый год", goal="Ц", school=b3, start=dt.date(2024, 1, 1),
        end=dt.date(2025, 12, 31), status=Programme.Status.IN_FORCE,
    )  # fmt: skip
    t4 = Teacher.objects.get(staff_key="T4")
    Course.objects.create(teacher=t4, title="К", hours=36, start=dt.date(2025, 2, 1), end=dt.date(2025, 3, 1))
    idle = Teacher.objects.create(staff_key="T5")
    StaffMember.objects.create(teacher=idle, school=b3, position="учитель", is_active=False)
    t1 = Teacher.objects.get(staff_key="T1")
    StaffMember.objects.create(teacher=t1, school=b3, position="совместитель")  # counted once, at A1
    counts = {
        r.district.code: r.district.counts
        for r in municipal.monitoring(world.users["operator"], 2026).assessment.districts
    }
    assert (counts["B"]["no_programme"].part, counts["B"]["untrained"].part, counts["B"]["untrained"].whole) == (
        1,
        1,
        1,
    )
    assert (counts["A"]["untrained"].part, counts["A"]["untrained"].whole) == (2, 3)
    assert (counts["B"]["listed"].part, counts["B"]["listed"].whole) == (1, 6)


def test_the_page_and_the_workbook(world: Any, login: Any) -> None:
    _world(world)
    body = login("operator").get("/cycle/monitoring/", {"year": 2026}).content.decode()
    assert "Альфинский район" in body and "Бетинский район" in body and "к входному мониторингу" in body
    assert "высокий риск" in body and "2 из 3 (66,7 %)" in body and "nan" not in body
    assert "Мониторинг муниципалитетов" in body  # in the menu
    response = login("operator").get("/cycle/monitoring/municipalities.xlsx", {"year": 2026})
    sheet = load_workbook(io.BytesIO(response.content))["Муниципалитеты"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Код", "Муниципалитет", "Школ в расчёте", "Школ перечня")
    assert rows[1][:10] == ("A", "Альфинский район", 2, 2, "ШНОР — 2", pytest.approx(2 / 3), "да", "средний риск", 4, 9)
    assert rows[2][7] == "высокий риск" and rows[2][10] == pytest.approx(1 / 6)
    assert rows[3][1] == "В целом" and rows[3][10] == pytest.approx(3 / 8)
    assert sheet.cell(2, 11).number_format == "0.0%" and sheet.cell(2, 11).fill.fgColor.rgb.endswith("F8D7DA")
    municipal_sheet = load_workbook(
        io.BytesIO(login("municipal").get("/cycle/monitoring/municipalities.xlsx", {"year": 2026}).content)
    )["Муниципалитеты"]
    assert [r[1] for r in municipal_sheet.iter_rows(min_row=2, values_only=True)] == ["Альфинский район", "В целом"]
    assert login("school").get("/cycle/monitoring/").status_code == 403
    assert "Мониторинг муниципалитетов" not in login("school").get("/").content.decode()


def test_the_basis_is_the_act_under_vologda_and_a_setting_elsewhere(world: Any, settings: Any, tmp_path: Any) -> None:
    from shnor.presets import load

    _world(world)
    plain = municipal.monitoring(world.users["operator"], 2026)
    assert plain.source is not None and plain.source.setting and not plain.source.act
    settings.DATA_DIR = tmp_path
    tmp_path.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    vologda = municipal.monitoring(world.users["operator"], 2026)
    assert vologda.source is not None and "входного мониторинга муниципальных органов" in vologda.source.act


def test_the_monitoring_over_the_api(client: Any, world: Any) -> None:
    _world(world)
    _, key = issue_token(world.users["operator"], "test")
    got = client.get("/api/monitoring/municipalities", {"year": 2026}, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (got["listed"], got["selected_hold"], got["concentration"]) == (3, pytest.approx(2 / 3), 0.5)
    a, b = got["municipalities"]
    assert (a["code"], a["category"], a["selected"], a["in_zone"], a["measured"]) == ("A", "medium", True, 4, 9)
    assert b["category_title"] == "высокий риск" and b["groups"] == {"unfavourable": 1}
    listed = next(c for c in a["counts"] if c["criterion"] == "listed")
    assert listed == {"criterion": "listed", "part": 2, "whole": 2, "share": 1.0, "in_zone": True}
    assert next(c for c in got["criteria"] if c["code"] == "no_body")["region_share"] is None
    _, own_key = issue_token(world.users["municipal"], "test")
    own = client.get("/api/monitoring/municipalities", {"year": 2026}, HTTP_AUTHORIZATION=f"Bearer {own_key}").json()
    assert [m["code"] for m in own["municipalities"]] == ["A"]
    _, school_key = issue_token(world.users["school"], "test")
    denied = client.get("/api/monitoring/municipalities", {"year": 2026}, HTTP_AUTHORIZATION=f"Bearer {school_key}")
    assert denied.status_code == 403
