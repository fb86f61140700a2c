"""The home page as a workspace (issue 24): what needs each person now, within what they may see and do."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from shnor.accounts.models import Notification
from shnor.datasets.models import ImportRun
from shnor.web import workspace
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _texts(user: Any, today: dt.date) -> dict[str, int]:
    return {t.text: t.count for t in workspace.tasks(user, today)}


def test_each_role_is_shown_what_waits_for_it(world: World, login: Any) -> None:
    """A refused file waits for the region's data people, not for a teacher; the cyclogram's overdue
    items for the keepers of the cycle, urgent first; unread notifications for their owner."""
    operator, teacher = world.users["operator"], world.users["teacher"]
    ImportRun.objects.create(kind="schools", status=ImportRun.Status.FAILED, file_name="schools.csv", sha256="0" * 64)
    Notification.objects.create(user=teacher, text="Утверждён маршрут", url="/")
    late = dt.date(2027, 6, 30)  # the working year's items are all past their dates
    mine = _texts(operator, late)
    assert mine["Загрузки, отклонённые или прерванные за 30 дней"] == 1
    assert mine.get("Просрочено по циклограмме", 0) > 0
    first = workspace.tasks(operator, late)[0]
    assert first.urgent and first.text == "Просрочено по циклограмме"
    assert _texts(teacher, late) == {"Непрочитанные уведомления": 1}
    # The region's cyclogram is the region's keepers' (as its reminders): not a municipality's or a school's.
    for other in ("municipal", "school"):
        assert not {k for k in _texts(world.users[other], late) if "циклограмм" in k or "Загрузки" in k}, other
    # A programme submitted by a school waits for its reviewer, not for the school itself.
    from shnor.programmes import services as programmes

    p = programmes.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 1, 1))
    programmes.transition(world.users["school"], p, "submit")
    assert "Программы, ожидающие вашего решения" not in _texts(world.users["school"], late)
    waiting = _texts(world.users["municipal"], late).get("Программы, ожидающие вашего решения", 0)
    assert waiting == len(programmes.queue(world.users["municipal"])) == 1
    page = login("operator").get(reverse("web:home")).content.decode()
    assert 'data-testid="tasks"' in page and "Загрузки, отклонённые или прерванные за 30 дней" in page
    quiet = login("observer").get(reverse("web:home")).content.decode()
    assert "Сейчас ничего не ждёт вашего решения." in quiet


def _shelf(user: Any, key: str) -> Any:
    from shnor.web import shelves

    found = [s for s in shelves.build(user).shelves if s.key == key]
    return found[0] if found else None


def test_each_role_finds_its_own_objects(world: World) -> None:
    """A school finds its own programme (and not another school's), a curator its pairs, a teacher
    their route; a teacher has no programmes or pairs shelf; figures agree with their shelves."""
    from shnor.programmes import services as programmes
    from shnor.staff.models import Route, StaffMember, Teacher
    from shnor.support.models import Curator, Pairing
    from shnor.web import shelves

    operator = world.users["operator"]
    own = programmes.create(operator, "volgograd-school-pko", school=world.a1, start=dt.date(2026, 9, 1))
    other = programmes.create(operator, "volgograd-school-pko", school=world.b1, start=dt.date(2026, 9, 1))
    school = _shelf(world.users["school"], "programmes")
    assert [i.url for i in school.items] == [reverse("programmes:detail", args=[own.pk])]
    assert school.items[0].note == f"{world.a1.name}; черновик"
    assert [i.url for i in _shelf(world.users["other_school"], "programmes").items] == [
        reverse("programmes:detail", args=[other.pk])
    ]
    region = _shelf(operator, "programmes")
    assert {i.url for i in region.items} == {reverse("programmes:detail", args=[p.pk]) for p in (own, other)}

    curator = Curator.objects.create(kind="school", school=world.b1, municipality=world.muni_b, status="included")
    pair = Pairing.objects.create(year=2026, school=world.a2, curator=curator, status="approved")
    mine = _shelf(world.users["curator"], "pairs")
    assert [(i.text, i.url) for i in mine.items] == [(world.a2.name, reverse("support:pair", args=[pair.pk]))]
    assert mine.items[0].note == f"{pair.get_form_display()}; 0 консультаций"
    assert _shelf(world.users["school"], "pairs").empty == "Куратор школе не назначен."

    teacher = Teacher.objects.create(staff_key="TA001-001")
    StaffMember.objects.create(teacher=teacher, school=world.a1, position="учитель")
    Route.objects.create(teacher=teacher, year=2026, basis_year=2026, deficits={"subject": 0.4})
    route = _shelf(world.users["teacher"], "route")
    assert [i.text for i in route.items] == ["Маршрут на 2026 год"] and route.items[
        0
    ].note == "проект; выполнено 0 из 0"
    assert _shelf(world.users["teacher"], "programmes") is None and _shelf(world.users["teacher"], "pairs") is None
    figures = {f.key: f for f in shelves.build(world.users["teacher"]).figures}
    assert figures["deficits"].value == "1" and figures["deficits"].label == "профессиональный дефицит в маршруте"
    region_figures = {f.key: (f.value, f.label) for f in shelves.build(operator).figures}
    assert region_figures["programmes"] == ("0", "программ действуют")
    assert region_figures["pairs"] == ("1", "пара «школа — куратор» на 2026 год")


def test_a_schools_way_through_the_cycle_and_its_place(world: World, login: Any) -> None:
    """The timeline says what a school has reached and links to it; a teacher is not shown it; the
    place by ИОР counts from the lowest, in the region and in the municipality."""
    from shnor.identification.models import Run, SchoolResult
    from shnor.identification.services import place
    from shnor.programmes import services as programmes
    from shnor.web.timeline import school_timeline

    steps = school_timeline(world.users["operator"], world.a1)
    assert [s.title for s in steps] == ["Выявление", "Рисковый профиль", "Программа", "Куратор", "Рекомендации",
                                        "Управленческие решения", "Выход из программы"]  # fmt: skip
    assert not any(s.done for s in steps) and steps[0].text == "Выявление за 2026 год ещё не проведено."
    run = Run.objects.create(
        year=2026, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", preset_text=""
    )
    a1 = SchoolResult.objects.create(
        run=run, school=world.a1, selected=True, reasons="ior_low", ior=-0.5, group="low_results"
    )
    SchoolResult.objects.create(run=run, school=world.a2, ior=-0.9)
    SchoolResult.objects.create(run=run, school=world.b1, ior=0.3)
    SchoolResult.objects.create(run=run, school=world.a1_branch, ior=None)
    assert place(a1) == [("в регионе", 2, 3), ("в муниципалитете", 2, 2)]
    p = programmes.create(world.users["operator"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 9, 1))
    by_title = {s.title: s for s in school_timeline(world.users["school"], world.a1)}
    assert by_title["Выявление"].done and by_title["Выявление"].text.startswith(
        "В перечне на 2026 год (ШНОР); перечень ещё не"
    )
    assert not by_title["Программа"].done and "черновик, 01.09.2026 — 31.08.2027" in by_title["Программа"].text
    assert by_title["Программа"].url == reverse("programmes:detail", args=[p.pk])
    assert school_timeline(world.users["teacher"], world.a1) == []
    page = login("school").get(reverse("registry:school", args=[world.a1.pk])).content.decode()
    assert 'data-testid="timeline"' in page and "Школа в управленческом цикле" in page
    card = login("school").get(reverse("identification:school", args=[run.pk, world.a1.pk])).content.decode()
    assert "2-е из 3 в регионе; 2-е из 2 в муниципалитете" in " ".join(card.split())


def test_a_curator_is_shown_their_own_pairs_and_told_whose_the_others_are(world: World, login: Any) -> None:
    """A school assigned to a curator account but paired with another curator is not on the curator's
    shelf; its pair page says whose pair it is, and offers no journal form."""
    from shnor.support.models import Curator, Pairing

    other = Curator.objects.create(kind="school", school=world.a1, municipality=world.muni_a, status="included")
    pair = Pairing.objects.create(year=2026, school=world.a2, curator=other, status="approved")
    assert _shelf(world.users["curator"], "pairs").items == []
    page = login("curator").get(reverse("support:pair", args=[pair.pk])).content.decode()
    assert 'data-testid="others-pair"' in page and f"другой куратор — {world.a1.name}" in page
    assert 'data-testid="consultation-form"' not in page
    figures = {
        f.key: f.value
        for f in __import__("shnor.web.shelves", fromlist=["build"]).build(world.users["curator"]).figures
    }
    assert figures["pairs"] == "0"


def test_the_figures_agree_with_the_shelves_and_their_pages(world: World, login: Any) -> None:
    """The region's figures count what its shelves name and the linked pages list: the year's listed
    schools, the pairs, the programmes in force (an anti-risk programme is part of its school's, not
    another programme); a run finished after the approved list does not move the workspace on."""
    from shnor.identification.models import Run
    from shnor.programmes import services as programmes
    from shnor.support.models import Pairing
    from shnor.web import shelves
    from tests.app.test_support import approved_pair

    approved_pair(world)
    operator = world.users["operator"]
    main = programmes.create(operator, "volgograd-school-pko", school=world.a1, start=dt.date(2026, 9, 1))
    for action in ("submit", "approve", "enforce"):
        main = programmes.transition(operator, main, action)
    from shnor.programmes.models import Programme

    Programme.objects.create(level="anti_risk", title="Антирисковая", goal="—", school=world.a1, parent=main,
                             start=dt.date(2026, 9, 1), end=dt.date(2027, 8, 31), status="in_force")  # fmt: skip
    ws = shelves.build(operator)
    figures = {f.key: f for f in ws.figures}
    by_key = {s.key: s for s in ws.shelves}
    assert ws.year == 2026
    assert int(figures["listed"].value) == len(by_key["list"].items) == 2
    assert (
        int(figures["pairs"].value) == len(by_key["pairs"].items) == Pairing.objects.filter(status="approved").count()
    )
    assert figures["programmes"].value == "1" and [i.text for i in by_key["programmes"].items] == [main.title]
    page = login("operator").get(figures["pairs"].url).content.decode()
    assert page.count('href="/support/pairs/') >= len(by_key["pairs"].items)
    from shnor.identification import services as identification
    from shnor.presets import load

    Run.objects.filter(year=2026).update(preset_text=load("volgograd-2021")[1])
    identification.approve(operator, Run.objects.get(year=2026), number="1", date=dt.date(2026, 8, 28))
    Run.objects.create(year=2027, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", preset_text="")
    assert shelves.build(operator).year == 2026  # 2027's not approved yet: still the approved 2026 list's year


def test_a_shelf_reads_the_first_few_and_counts_the_rest(world: World) -> None:
    """A shelf names its first `SHOWN` objects, most pressing first, and counts all of them in its
    link; it reads no more than those from the database (the home page of a country's region is as
    quick as a district's)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shnor.cycle.models import Recommendation
    from shnor.web import shelves

    operator = world.users["operator"]
    year = shelves.build(operator).year
    made = [
        Recommendation.objects.create(
            year=year, addressee="municipality", municipality=world.muni_a, title=f"Рекомендация {i:02d}",
            findings="—", text="—", status="issued", due=None if i % 3 == 0 else dt.date(2026, 12, 20 - i),
        )
        for i in range(10)
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        shelf = _shelf(operator, "recommendations")
    assert len(shelf.items) == shelves.SHOWN
    assert shelf.more is not None and shelf.more.text == "Все: 10"
    dated = sorted((r for r in made if r.due), key=lambda r: (r.due, r.pk))
    assert [i.text for i in shelf.items] == [r.title for r in dated[: shelves.SHOWN]]  # the soonest due first
    listing = [q["sql"] for q in queries if "cycle_recommendation" in q["sql"] and "COUNT(" not in q["sql"].upper()]
    assert listing and all(f"LIMIT {shelves.SHOWN}" in sql for sql in listing), listing
