"""The cyclogram against the data: done by evidence, overdue by date, reminded once; the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import Notification
from shnor.cycle import cyclogram
from shnor.identification.models import Run
from shnor.risks.models import Profile
from shnor.staff.models import Diagnostic, StaffMember, Teacher

pytestmark = pytest.mark.django_db


def test_items_are_done_by_evidence_and_overdue_by_date(world: Any, login: Any) -> None:
    finished = timezone.make_aware(dt.datetime(2026, 2, 10, 12, 0))
    run = Run.objects.create(
        year=2025, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", finished_at=finished
    )
    Profile.objects.create(school=world.a1, year=2026, catalogue_version="t")
    Profile.objects.update(computed_at=timezone.make_aware(dt.datetime(2026, 3, 20, 9, 0)))
    teacher = Teacher.objects.create(staff_key="T1")
    StaffMember.objects.create(teacher=teacher, school=world.a1, position="учитель")

    on = dt.date(2026, 7, 1)
    got = {line.item.code: line for line in cyclogram.lines(2026, on)}
    assert (got["identification"].status, got["identification"].done_on) == ("done", dt.date(2026, 2, 10))
    assert f"расчёт № {run.pk} за 2025 год" in got["identification"].evidence
    assert got["competences"].status == "overdue"  # no diagnostics of 2026
    assert got["profiles"].status == "done" and "рисковых профилей: 1" in got["profiles"].evidence
    Profile.objects.update(computed_at=timezone.make_aware(dt.datetime(2026, 4, 2, 9, 0)))
    assert {line.item.code: line.status for line in cyclogram.lines(2026, on)}["profiles"] == "done_late"
    assert got["interim"].status == "overdue" and got["final"].status == "planned"
    # Diagnostics of the year arrive: the item is done (its date unknown without an import).
    Diagnostic.objects.create(teacher=teacher, year=2026, area="subject", score=5, max_score=10)
    assert {line.item.code: line.status for line in cyclogram.lines(2026, on)}["competences"] == "done"

    # The daily reminder reports the overdue interim monitoring once, to the operator and coordinator.
    assert cyclogram.remind(on) == {"overdue": 1, "notified": 2}
    assert Notification.objects.filter(user=world.users["coordinator"], text__contains="Промежуточный").exists()
    assert cyclogram.remind(on) == {"overdue": 0, "notified": 0}

    page = login("municipal").get(reverse("cycle:cyclogram"), {"year": 2026}).content.decode()
    assert "январь — февраль 2026" in page and "Составление рискового профиля" in page


def test_a_school_year_calendar_with_two_dated_items_and_counted_evidence(world: Any, monkeypatch: Any) -> None:
    """Ivanovo (act 002): the project runs September 2020 – August 2021. Item 7 has two dates: the
    October analysis is the programmes' entry monitoring, May needs its interim wave. An item the system holds
    no evidence of is confirmed outside it and never reported overdue."""
    from shnor.presets import load
    from shnor.programmes.models import Programme, Wave
    from shnor.registry import services as registry

    monkeypatch.setattr(registry, "preset_in_force", lambda: load("ivanovo-2020"))
    programme = Programme.objects.create(
        level=Programme.Level.SCHOOL,
        title="П",
        goal="Ц",
        school=world.a1,
        start=dt.date(2020, 9, 1),
        end=dt.date(2021, 8, 31),
    )
    Programme.objects.update(created_at=timezone.make_aware(dt.datetime(2020, 12, 3, 10, 0)))
    Wave.objects.create(programme=programme, kind=Wave.Kind.ENTRY, date=dt.date(2020, 10, 20))
    on = dt.date(2021, 6, 2)
    got = {line.item.code: line for line in cyclogram.lines(2020, on)}
    assert got["dynamics_october"].status == "done" and got["dynamics_october"].done_on == dt.date(2020, 10, 20)
    assert got["dynamics_may"].status == "overdue"  # the October (entry) wave does not count for May
    assert got["dynamics_may"].period == "май 2021" and got["diagnostics"].period == "октябрь 2020 — май 2021"
    assert got["applications"].status == "outside" and got["applications"].url == ""
    assert got["action_plans"].status == "done_late"  # the programme was entered in December, not November
    assert got["final"].status == "in_progress" and got["final"].period == "май — август 2021"
    # The reminder works in the school year of the day (2020/21 on 2 June 2021) and skips what it cannot see.
    said = cyclogram.remind(on)
    assert said["overdue"] == len([line for line in got.values() if line.status == "overdue"]) >= 2
    assert not Notification.objects.filter(text__contains="Сбор заявок").exists()
    Wave.objects.create(programme=programme, kind=Wave.Kind.INTERIM, date=dt.date(2021, 5, 14))
    assert {line.item.code: line.status for line in cyclogram.lines(2020, on)}["dynamics_may"] == "done"


def test_an_item_that_needs_several_records_is_done_when_the_last_one_arrives(world: Any, monkeypatch: Any) -> None:
    """Vologda (act 001, section 5, item 8): the interregional seminar of at least 40 participants in
    November; a smaller or a regional event does not fulfil it."""
    from shnor.presets import load
    from shnor.registry import services as registry
    from shnor.support.models import Event

    monkeypatch.setattr(registry, "preset_in_force", lambda: load("vologda-2019"))
    on = dt.date(2019, 12, 10)
    Event.objects.create(title="С", kind="seminar", level="interregional", date=dt.date(2019, 11, 12), participants=39)
    Event.objects.create(title="Р", kind="seminar", level="regional", date=dt.date(2019, 11, 13), participants=90)
    line = {line.item.code: line for line in cyclogram.lines(2019, on)}["seminar"]
    assert line.status == "overdue" and "нужно не менее 1, не менее 40 участников" in line.evidence
    Event.objects.create(title="М", kind="seminar", level="interregional", date=dt.date(2019, 11, 20), participants=41)
    line = {line.item.code: line for line in cyclogram.lines(2019, on)}["seminar"]
    assert (line.status, line.done_on) == ("done", dt.date(2019, 11, 20))
    regional = {line.item.code: line for line in cyclogram.lines(2019, on)}["exchange_events"]
    assert (
        regional.status == "in_progress"
        and "Региональных мероприятий проведено: 1 (нужно не менее 4" in regional.evidence
    )


def test_vologda_programmes_item_needs_a_regional_a_municipal_and_a_school_programme(
    world: Any, monkeypatch: Any
) -> None:
    """Act 001, section 5, item 2 (April–May): «Разработка (корректировка) региональных программ …;
    разработка муниципальных и школьных программ»: school programmes alone do not fulfil it; it is
    done on the day the last of the three levels has one (a late one makes it late)."""
    from shnor.presets import load
    from shnor.programmes.models import Programme
    from shnor.registry import services as registry

    monkeypatch.setattr(registry, "preset_in_force", lambda: load("vologda-2019"))
    on = dt.date(2019, 6, 10)

    def made(level: str, day: dt.date, **where: Any) -> None:
        p = Programme.objects.create(
            level=level, title="П", goal="Ц", start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31), **where
        )
        Programme.objects.filter(pk=p.pk).update(created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))

    made("school", dt.date(2019, 4, 10), school=world.a1)
    made("school", dt.date(2019, 4, 11), school=world.a2)
    line = {line.item.code: line for line in cyclogram.lines(2019, on)}["programmes"]
    assert line.status == "overdue"
    assert "региональных 0, муниципальных 0, школьных 2 (нужно не менее 1 каждого уровня)" in line.evidence
    made("region", dt.date(2019, 4, 20))
    made("municipality", dt.date(2019, 5, 15), municipality=world.muni_a)
    line = {line.item.code: line for line in cyclogram.lines(2019, on)}["programmes"]
    assert (line.status, line.done_on) == ("done", dt.date(2019, 5, 15))
    Programme.objects.filter(level="municipality").update(created_at=timezone.make_aware(dt.datetime(2019, 6, 3, 9)))
    line = {line.item.code: line for line in cyclogram.lines(2019, on)}["programmes"]
    assert (line.status, line.done_on) == ("done_late", dt.date(2019, 6, 3))


def test_a_data_folder_preset_of_an_earlier_release_is_named_on_the_pages(login: Any, settings: Any) -> None:
    """A region initialised by an earlier release keeps its preset.yaml: of the same name, another
    version, without the act's calendar. The cyclogram and the identification pages say so and how
    to take the new version."""
    from shnor.presets import load

    text = load("volgograd-2021")[1].replace('version: "2021.3"', 'version: "2021.1"')
    text = text[: text.index("# Act 004 §5, таблица 2")]  # the copy written before the calendar existed
    path = settings.DATA_DIR / "preset.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        page = login("operator").get(reverse("cycle:cyclogram")).content.decode()
        assert 'data-testid="preset-behind"' in page and "shnor init --preset volgograd-2021" in page
        assert 'data-testid="no-cyclogram"' in page
        assert 'data-testid="preset-behind"' in login("operator").get(reverse("identification:runs")).content.decode()
        path.write_text(load("volgograd-2021")[1], encoding="utf-8")
        assert 'data-testid="preset-behind"' not in login("operator").get(reverse("cycle:cyclogram")).content.decode()
    finally:
        path.unlink(missing_ok=True)  # the data folder is the session's


def test_a_record_counts_for_one_item_only(world: Any, monkeypatch: Any) -> None:
    """Dobrinka (act 003, plan 1.4 «март - апрель» and 3.3 «апрель»): two items of courses. A course
    ended in April counts for the earlier item; the April item needs a course of its own."""
    from shnor.presets import load
    from shnor.registry import services as registry
    from shnor.staff.models import Course

    monkeypatch.setattr(registry, "preset_in_force", lambda: load("dobrinka-2018"))
    teacher = Teacher.objects.create(staff_key="T1")
    Course.objects.create(
        teacher=teacher, title="Управление", hours=72, start=dt.date(2018, 3, 1), end=dt.date(2018, 4, 15)
    )
    on = dt.date(2018, 5, 10)
    got = {line.item.code: line for line in cyclogram.lines(2018, on)}
    assert got["courses_heads"].status == "done" and got["courses_admin"].status == "overdue"
    assert "пройдено: 0 (нужно не менее 1)" in got["courses_admin"].evidence
    Course.objects.create(
        teacher=teacher, title="Программа перехода", hours=36, start=dt.date(2018, 4, 2), end=dt.date(2018, 4, 20)
    )
    got = {line.item.code: line for line in cyclogram.lines(2018, on)}
    assert (got["courses_heads"].done_on, got["courses_admin"].done_on) == (dt.date(2018, 4, 15), dt.date(2018, 4, 20))
