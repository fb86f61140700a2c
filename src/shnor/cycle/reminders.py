"""The daily reminders: one use case that the task worker runs on its schedule and `shnor remind`
runs by hand (docs/guide/cli.md, docs/guide/settings.md: `SHNOR_REMIND_AT`).

Each stage keeps its own rule of what is late and whom to tell, and tells each thing once
(programmes: activities and indicators; support: idle pairs; the cyclogram; the cycle's measures,
decisions and recommendations). This module runs them together and schedules them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from shnor.cycle import cyclogram
from shnor.cycle import services as cycle
from shnor.cycle.models import Reminder
from shnor.programmes import services as programmes
from shnor.support import services as support


@dataclass(frozen=True)
class Sent:
    overdue_activities: int
    off_track: int
    idle_pairs: int
    cyclogram_overdue: int
    measures: int
    decisions: int
    recommendations: int
    notified: int

    def text(self) -> str:
        return (
            f"Просрочено мероприятий: {self.overdue_activities}; показателей отстаёт: {self.off_track}; "
            f"пар без активности: {self.idle_pairs}; просрочено пунктов циклограммы: {self.cyclogram_overdue}; "
            f"мер цикла: {self.measures}; решений без исполнения: {self.decisions}; "
            f"рекомендаций без отчёта: {self.recommendations}; уведомлений: {self.notified}."
        )


def send(on: dt.date | None = None) -> Sent:
    """Find what is late on `on` (today by default) and tell whoever is responsible, once each."""
    counts = programmes.remind(on)
    idle = support.remind_idle(on)
    plan = cyclogram.remind(on)
    late = cycle.remind(on)
    return Sent(
        overdue_activities=counts["overdue"],
        off_track=counts["off_track"],
        idle_pairs=idle["idle"],
        cyclogram_overdue=plan["overdue"],
        measures=late["measures"],
        decisions=late["decisions"],
        recommendations=late["recommendations"],
        notified=counts["notified"] + idle["notified"] + plan["notified"] + late["notified"],
    )


def due(now: dt.datetime, at: dt.time | None) -> bool:
    """Whether the day's reminders are due at `now` (local time): from `at` on, once a day; never
    when no time is set (then a timer of the server runs `shnor remind`)."""
    if at is None:
        return False
    local = timezone.localtime(now)
    return local.time() >= at and not Reminder.objects.filter(year=local.year, code=_mark(local.date())).exists()


def tick(now: dt.datetime, at: dt.time | None) -> bool:
    """Queue the day's reminders if they are due and no other worker queued them; True if queued."""
    if not due(now, at):
        return False
    day = timezone.localtime(now).date()
    try:
        with transaction.atomic():
            Reminder.objects.create(year=day.year, code=_mark(day))
    except IntegrityError:  # another worker took this day
        return False
    from shnor.cycle.tasks import send_reminders

    try:
        send_reminders.enqueue(day.isoformat())
    except BaseException:
        forget_day(day)  # not queued: the next minute tries again
        raise
    return True


def forget_day(day: dt.date) -> None:
    """Take back the day's mark, so that the worker's clock queues the reminders again (a queued run
    that failed, or one that could not be queued)."""
    Reminder.objects.filter(year=day.year, code=_mark(day)).delete()


def _mark(day: dt.date) -> str:
    return f"daily:{day.isoformat()}"
