"""Teachers: diagnostics → deficits → route from the catalogue → completion → dynamics; targets;
a teacher sees only their own record (real database, services and pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import Notification
from shnor.identification.models import Run, SchoolResult
from shnor.staff import services
from shnor.staff.models import Course, Diagnostic, Offer, Route, StaffMember, Teacher

pytestmark = pytest.mark.django_db

# 2025: methodical 8/20 = 0.40 and assessment 10/20 = 0.50 are deficits (threshold 0.6);
# subject 24/30 = 0.80 is not. 2026: methodical 12/20 = 0.60, assessment 11/20 = 0.55, subject 0.80.
SCORES = {
    2025: {"subject": (24, 30), "methodical": (8, 20), "assessment": (10, 20)},
    2026: {"subject": (24, 30), "methodical": (12, 20), "assessment": (11, 20)},
}


def staff(world: Any) -> tuple[Teacher, Teacher]:
    me = Teacher.objects.create(staff_key="TA001-001")
    colleague = Teacher.objects.create(staff_key="TA001-002")
    for t in (me, colleague):
        StaffMember.objects.create(teacher=t, school=world.a1, position="учитель", subjects="математика")
    for year, areas in SCORES.items():
        for area, (score, top) in areas.items():
            Diagnostic.objects.create(teacher=me, year=year, area=area, score=score, max_score=top)
    Diagnostic.objects.create(teacher=colleague, year=2026, area="digital", score=9, max_score=10)
    operator = world.users["operator"]
    offers = [
        Offer(title="Современный урок", hours=72, areas=["methodical", "assessment"]),
        Offer(title="Методика, коротко", hours=16, areas=["methodical"]),
        Offer(title="Оценивание", hours=36, areas=["assessment"]),
    ]
    for o in offers:
        services.save_offer(operator, o)
    return me, colleague


def test_the_catalogue_checks_areas(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.save_offer(world.users["school"], Offer(title="x", hours=1, areas=["subject"]))
    with pytest.raises(services.TeacherError, match="неизвестные области дефицитов nonsense"):
        services.save_offer(world.users["operator"], Offer(title="x", hours=1, areas=["nonsense"]))


def test_route_follows_from_the_diagnostics_and_repeated_ones_show_the_change(world: Any) -> None:
    me, _ = staff(world)
    teacher, head = world.users["teacher"], world.users["school"]
    card = services.card(teacher, me)
    assert card.years == [2025, 2026]
    # 2026: methodical 0.60 is not below 0.6; assessment 0.55 is.
    assert card.deficits == {"assessment": 0.55}
    assert card.change == {"assessment": 0.05, "methodical": 0.2, "subject": 0.0}
    assert card.change_overall == pytest.approx(0.0833, abs=1e-4)
    # The route of 2025, from the 2025 diagnostics: methodical (0.40, deepest) → «Современный
    # урок» covers both deficits and beats the shorter course that covers one.
    route = services.propose_route(teacher, me, 2025)
    assert route.basis_year == 2025 and route.deficits == {"methodical": 0.4, "assessment": 0.5}
    assert [(i.title, i.areas, i.due) for i in route.items.all()] == [
        ("Современный урок", ["assessment", "methodical"], dt.date(2025, 12, 31))
    ]
    with pytest.raises(PermissionDenied):
        services.approve_route(teacher, route)  # the head approves
    services.approve_route(head, route)
    assert Notification.objects.filter(user=teacher, text__contains="2025").exists()
    with pytest.raises(services.TeacherError, match="уже утверждён"):
        services.propose_route(head, me, 2025)
    item = route.items.get()
    services.set_item(teacher, item, "done", on=dt.date(2025, 11, 1))
    route.refresh_from_db()
    assert route.status == Route.Status.COMPLETED
    course = Course.objects.get(teacher=me)
    assert (course.title, course.hours, course.end) == ("Современный урок", 72, dt.date(2025, 11, 1))
    # No deficit, no route: a draft with nothing in it would only wait to be deleted.
    Diagnostic.objects.filter(teacher=me, year=2026).update(score=F("max_score"))
    with pytest.raises(services.TeacherError, match="нет профессиональных дефицитов .* не ниже 60 %"):
        services.propose_route(head, me, 2026)
    assert not Route.objects.filter(teacher=me, year=2026).exists()


def test_a_teacher_sees_only_their_own_record(world: Any, login: Any) -> None:
    me, colleague = staff(world)
    teacher = world.users["teacher"]
    assert list(services.teachers(teacher)) == list(StaffMember.objects.filter(teacher=me))
    with pytest.raises(Teacher.DoesNotExist):
        services.get_teacher(teacher, colleague.pk)
    assert {d.teacher_id for d in services.card(teacher, me).routes} == set()
    assert services.teachers(world.users["school"]).count() == 2  # the head sees the school's teachers
    assert services.teachers(world.users["other_school"]).count() == 0
    client = login("teacher")
    assert client.get(reverse("staff:teachers")).url == reverse("staff:teacher", args=[me.pk])
    page = client.get(reverse("staff:teacher", args=[me.pk]))
    assert page.status_code == 200 and "TA001-001" in page.content.decode()
    assert client.get(reverse("staff:teacher", args=[colleague.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.propose_route(teacher, colleague, 2026)


def test_targets_and_aggregates(world: Any, settings: Any, tmp_path: Any) -> None:
    """Vologda's targets: at least 5 trained per school of the list (act 001)."""
    world.region.preset = "vologda-2019"
    world.region.save()
    settings.DATA_DIR = tmp_path
    me, colleague = staff(world)
    run = Run.objects.create(
        year=2026, status=Run.Status.DONE, preset="vologda-2019", preset_version="1", preset_text=""
    )
    SchoolResult.objects.create(run=run, school=world.a1, selected=True, reasons="ior_low")
    Course.objects.create(teacher=me, title="К", hours=36, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 20))
    Course.objects.create(teacher=colleague, title="К", hours=36, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 20))
    targets = services.targets(world.users["operator"], 2026)
    assert [(t.value, t.target, t.met) for t in targets] == [(0.0, 100.0, False)]
    assert targets[0].detail == [("Школа А1", 1.0)]  # one teacher trained in 2026, the target is 5
    rows = services.aggregates(world.users["operator"], 2026)
    assert [(g.name, g.teachers, g.diagnosed, g.with_deficits, g.repeated, g.improved) for g in rows] == [
        ("Альфинский район", 2, 2, 1, 1, 1)
    ]
    drill = services.aggregates(world.users["operator"], 2026, world.muni_a)
    assert [(g.name, g.teachers) for g in drill] == [("Школа А1", 2)]


def test_pages(world: Any, login: Any) -> None:
    me, _ = staff(world)
    client = login("school")
    page = client.get(reverse("staff:teachers"))
    assert page.status_code == 200 and "TA001-002" in page.content.decode()
    response = client.post(reverse("staff:route-propose", args=[me.pk]), {"year": "2026"})
    assert response.status_code == 302
    route = Route.objects.get(teacher=me, year=2026)
    client.post(reverse("staff:route-approve", args=[route.pk]))
    route.refresh_from_db()
    assert route.status == "approved"
    item = route.items.get()
    assert item.title == "Оценивание"
    client.post(reverse("staff:item", args=[item.pk]), {"status": "done"})
    route.refresh_from_db()
    assert route.status == "completed"
    operator = login("operator")
    assert operator.get(reverse("staff:teachers")).status_code == 200
    assert operator.get(reverse("staff:catalogue")).status_code == 200
    operator.post(reverse("staff:catalogue"), {"kind": "course", "title": "Цифра", "hours": "24", "areas": ["digital"]})
    assert Offer.objects.filter(title="Цифра", areas=["digital"]).exists()


def test_diagnostics_and_courses_entered_by_hand_and_a_draft_route_edited(world: Any, login: Any) -> None:
    me, colleague = staff(world)
    teacher, head = world.users["teacher"], world.users["school"]
    with pytest.raises(PermissionDenied):
        services.record_diagnostics(teacher, me, 2026, {"digital": (5, 10)})  # not by the teacher
    with pytest.raises(services.TeacherError, match="от 0 до максимального"):
        services.record_diagnostics(head, me, 2026, {"digital": (12, 10)})
    with pytest.raises(services.TeacherError, match="Неизвестная область"):
        services.record_diagnostics(head, me, 2026, {"magic": (1, 10)})
    assert not Diagnostic.objects.filter(teacher=me, area="digital").exists()  # nothing partly written

    client = login("school")
    page = client.get(reverse("staff:teacher", args=[me.pk])).content.decode()
    assert "Внести результаты диагностики" in page and "Внести пройденный курс" in page
    # digital 4/10 = 0.40 is entered; assessment is entered again for 2026: 15/20 replaces 11/20.
    client.post(
        reverse("staff:diagnostics-add", args=[me.pk]),
        {"year": 2026, "score_digital": 4, "max_digital": 10, "score_assessment": 15, "max_assessment": 20},
    )
    assert services.card(head, me).deficits == {"digital": 0.4}
    half = client.post(
        reverse("staff:diagnostics-add", args=[me.pk]), {"year": 2026, "score_digital": 4}, follow=True
    ).content.decode()
    assert "укажите и балл, и максимум" in half

    today = timezone.localdate()
    course = {"title": "Цифровая школа", "provider": "ИРО", "hours": 36, "start": today, "end": today}
    client.post(reverse("staff:course-add", args=[me.pk]), course)
    assert Course.objects.filter(teacher=me, title="Цифровая школа", hours=36).exists()
    future = client.post(
        reverse("staff:course-add", args=[me.pk]),
        {**course, "title": "Потом", "end": today + dt.timedelta(days=30)},
        follow=True,
    ).content.decode()
    assert "ещё не наступило" in future

    # The teacher drafts a route for the year, removes the proposed item and adds an activity.
    year = today.year
    Diagnostic.objects.filter(teacher=me, year=2026).update(year=year)
    services.save_offer(world.users["operator"], Offer(title="Цифра", hours=24, areas=["digital"]))
    route = services.propose_route(teacher, me, year)
    item = route.items.get()
    assert item.title == "Цифра"
    own = login("teacher")
    own.post(reverse("staff:item-remove", args=[item.pk]))
    assert not route.items.exists()
    own.post(
        reverse("staff:item-add", args=[route.pk]),
        {"title": "Наставничество: посещение уроков наставника", "hours": 10, "due": f"{year}-12-20"},
    )
    assert [i.title for i in route.items.all()] == ["Наставничество: посещение уроков наставника"]
    with pytest.raises(services.TeacherError, match="вне года маршрута"):
        services.add_item(teacher, route, title="x", due=dt.date(year + 1, 1, 10))
    services.approve_route(head, route)
    with pytest.raises(PermissionDenied):
        services.remove_item(teacher, route.items.get())
    assert own.post(reverse("staff:item-remove", args=[route.items.get().pk])).status_code == 403
    # A colleague's record is out of the teacher's scope.
    assert own.post(reverse("staff:diagnostics-add", args=[colleague.pk]), {"year": 2026}).status_code == 404


def test_a_head_enters_a_new_teacher_by_a_pseudonymous_code(world: Any, login: Any) -> None:
    head = world.users["school"]
    with pytest.raises(PermissionDenied):
        services.add_staff(world.users["other_school"], world.a1, "TA001-010", position="учитель")
    for bad in ("Иванова Анна Петровна", "123-456-789 01", ""):
        with pytest.raises(services.TeacherError, match="не ФИО и не СНИЛС"):
            services.add_staff(head, world.a1, bad, position="учитель")
    client = login("school")
    assert "Внести педагога" in client.get(reverse("staff:teachers")).content.decode()
    response = client.post(
        reverse("staff:staff-add"),
        {"staff_key": "TA001-010", "position": "учитель", "subjects": "физика", "category": "first", "age": 31},
    )
    member = StaffMember.objects.get(teacher__staff_key="TA001-010")
    assert response.url == reverse("staff:teacher", args=[member.teacher_id])
    assert (member.school, member.subjects, member.category, member.age) == (world.a1, "физика", "first", 31)
    again = client.post(
        reverse("staff:staff-add"), {"staff_key": "TA001-010", "position": "учитель"}, follow=True
    ).content.decode()
    assert "уже работает" in again
    assert login("teacher").post(reverse("staff:staff-add"), {"staff_key": "X1", "position": "y"}).status_code == 403


def test_the_years_of_diagnostics_come_back_once_each(world: Any) -> None:
    """The year select reads one row a year, not one a diagnostic (the model's ordering in the
    DISTINCT made it read every diagnostic of the region: a second per page view on the demo)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    teacher = Teacher.objects.create(staff_key="TY001")
    for year in (2025, 2026):
        for area in ("subject", "methodical", "assessment"):
            Diagnostic.objects.create(teacher=teacher, year=year, area=area, score=1, max_score=2)
    with CaptureQueriesContext(connection) as queries:
        assert services.diagnostic_years() == [2026, 2025]
    (sql,) = [q["sql"] for q in queries]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        assert len(cursor.fetchall()) == 2


@pytest.mark.django_db(transaction=True)  # kept only once committed: a test's transaction never is
def test_the_aggregates_kept_between_requests_follow_the_data(world: Any) -> None:
    """The region's teachers' aggregates are kept per data version: the same list while nothing
    changes, a new one after a diagnostic is added."""
    operator = world.users["operator"]
    teacher = Teacher.objects.create(staff_key="TK001")
    StaffMember.objects.create(teacher=teacher, school=world.a1, position="учитель")
    first = services.aggregates(operator, 2026)
    assert services.aggregates(operator, 2026) is first
    assert sum(a.diagnosed for a in first) == 0
    Diagnostic.objects.create(teacher=teacher, year=2026, area="subject", score=1, max_score=2)
    assert sum(a.diagnosed for a in services.aggregates(operator, 2026)) == 1
