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
