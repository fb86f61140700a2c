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
