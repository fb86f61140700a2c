"""What is late in the cycle (measures, decisions, recommendations), told once to whoever keeps it."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse

from shnor.accounts.models import User
from shnor.accounts.services import notify
from shnor.cycle.models import (
    Measure,
    Recommendation,
    Reminder,
)
from shnor.cycle.services.common import today
from shnor.cycle.services.recommendation import addressee_users
from shnor.records.models import Decision


def _once(code: str, year: int) -> bool:
    """True the first time `code` is reported for `year` (a Reminder row marks it)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(year=year, code=code)
    except IntegrityError:
        return False
    return True


def remind(on: dt.date | None = None) -> dict[str, int]:
    """Report once: measures past their end and not done, decisions past their due date and not
    executed (to whoever keeps that level), recommendations past their due date without a report
    (to the addressee)."""
    on = on or today()
    counts = {"measures": 0, "decisions": 0, "recommendations": 0, "notified": 0}
    late_measures = Measure.objects.filter(
        end__lt=on, status__in=[Measure.Status.PLANNED, Measure.Status.IN_PROGRESS]
    ).order_by("pk")
    for m in late_measures:
        if _once(f"measure:{m.pk}", m.year):
            counts["measures"] += 1
            counts["notified"] += notify(
                User.objects.keepers_of(m.municipality_id),
                f"Просрочено мероприятие «{m.title}» (срок — {m.end:%d.%m.%Y}): отметьте выполнение или перенос.",
                f"{reverse('cycle:measures')}?year={m.year}",
            )
    for d in Decision.objects.filter(due__lt=on, executed_at=None).order_by("pk"):
        if _once(f"decision:{d.pk}", d.date.year):
            counts["decisions"] += 1
            counts["notified"] += notify(
                User.objects.keepers_of(d.municipality_id),
                f"Не отмечено исполнение: {d} (срок — {d.due:%d.%m.%Y}).",
                reverse("cycle:decision", args=[d.pk]),
            )
    late_recs = Recommendation.objects.filter(
        due__lt=on, status__in=[Recommendation.Status.ISSUED, Recommendation.Status.READ]
    ).select_related("curator")
    for r in late_recs.order_by("pk"):
        if _once(f"recommendation:{r.pk}", r.year):
            counts["recommendations"] += 1
            counts["notified"] += notify(
                addressee_users(r),
                f"Истёк срок отчёта об исполнении рекомендаций «{r.title}» ({r.due:%d.%m.%Y}).",
                reverse("cycle:recommendation", args=[r.pk]),
            )
    return counts
