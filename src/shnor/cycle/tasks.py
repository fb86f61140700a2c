"""Background work of the management cycle (django-tasks): the daily reminders."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def send_reminders(day: str) -> str:
    from shnor.audit.context import Acting, acting_as
    from shnor.cycle import reminders

    with acting_as(Acting(None, "system", label="напоминания по расписанию")):
        return reminders.send(dt.date.fromisoformat(day)).text()
