"""Background work of the management cycle (django-tasks): the daily reminders."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

log = logging.getLogger("shnor")


@task()
def send_reminders(day: str) -> str:
    """The day's reminders; if they fail, the day's mark is taken back so that the worker's clock
    queues them again a minute later (each item is still told once: the stages mark what they told)."""
    from shnor.audit.context import Acting, acting_as
    from shnor.cycle import reminders

    date = dt.date.fromisoformat(day)
    try:
        with acting_as(Acting(None, "system", label="напоминания по расписанию")):
            return reminders.send(date).text()
    except Exception:
        log.exception("Напоминания за %s не разосланы; повтор через минуту", date.strftime("%d.%m.%Y"))
        reminders.forget_day(date)
        raise
