"""What needs a person now (issue 24): the home page's tasks for the signed-in user's role and scope,
each with its count and the page where it is done. Only what the user may see and act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import scope_of
from shnor.accounts.services import unread
from shnor.core.cyclogram import working_year
from shnor.lib.memo import Memo

# The region's cyclogram is kept, and its overdue items reported, by the region's keepers of the cycle.
KEEPERS = (Role.OPERATOR, Role.REGIONAL_COORDINATOR)


@dataclass(frozen=True)
class Task:
    text: str
    count: int
    url: str
    urgent: bool = False


# Counts the home page shows every role, over the region's rows: kept until the data change.
_KEPT = Memo(size=64)


def tasks(user: Any, today: dt.date | None = None) -> list[Task]:
    """The user's tasks now, urgent first; none when nothing waits."""
    today = today or timezone.localdate()
    found = [*_cyclogram(user, today), *_signs(user), *_programmes(user, today), *_imports(user, today)]
    if count := unread(user):
        found.append(Task("Непрочитанные уведомления", count, reverse("accounts:notifications")))
    return sorted(found, key=lambda t: not t.urgent)


def _cyclogram(user: Any, today: dt.date) -> list[Task]:
    """The region's cyclogram items overdue and those whose time runs now, for the region's keepers
    of the cycle (`cycle.cyclogram.remind` tells the same people)."""
    if user.role not in KEEPERS:
        return []
    from shnor.cycle import cyclogram

    year = working_year(today, cyclogram.year_start())
    lines = cyclogram.lines(year, today)
    url = f"{reverse('cycle:cyclogram')}?year={year}"
    out = []
    if overdue := sum(1 for line in lines if line.status == "overdue"):
        out.append(Task("Просрочено по циклограмме", overdue, url, urgent=True))
    if running := sum(1 for line in lines if line.status == "in_progress"):
        out.append(Task("Идёт срок по циклограмме", running, url))
    return out


def _signs(user: Any) -> list[Task]:
    """Signs of biased results of the latest finished run that no one has reviewed yet."""
    if not user.has_shnor_perm(Perm.REVIEW_SIGNS):
        return []
    from shnor.identification.models import Run, Sign

    run = Run.objects.filter(status=Run.Status.DONE).order_by("-finished_at", "-pk").first()
    if run is None:
        return []
    # Flagged schools (the run's page lists them with `objectivity=1`) with a sign still to decide:
    # the region's count (the permission is the region's), kept until the data change.
    pending = _KEPT.get(
        ("signs-pending", run.pk),
        lambda: (
            Sign.objects.filter(
                run=run,
                review=Sign.Review.PENDING,
                school__identification_results__run=run,  # one result row: the run's own
                school__identification_results__objectivity_flag=True,
            )
            .values("school")
            .distinct()
            .count()
        ),
    )
    if not pending:
        return []
    return [Task(f"Отмеченные школы с признаками, не рассмотренными экспертом ({run})", pending,
                 f"{reverse('identification:run', args=[run.pk])}?objectivity=1")]  # fmt: skip


def _programmes(user: Any, today: dt.date) -> list[Task]:
    """Programmes with overdue activities, indicators off track, or waiting for the user's decision."""
    if user.role in (Role.TEACHER, Role.OBSERVER):
        return []
    from shnor.programmes.services.common import queue_head
    from shnor.programmes.services.indicators import overview

    rows = overview(user, on=today)
    url = reverse("programmes:list")
    out = []
    if overdue := sum(r.overdue for r in rows):
        out.append(Task("Просроченные мероприятия программ", overdue, url, urgent=True))
    if off := sum(r.off_track for r in rows):
        out.append(Task("Показатели программ, отстающие от плана", off, url))
    if waiting := _KEPT.get(
        ("waiting", user.role, scope_of(user), user.pk), lambda: queue_head(user, 0)[1]
    ):  # those the user reviews or puts in force, not all submitted
        out.append(Task("Программы, ожидающие вашего решения", waiting, url))
    return out


def _imports(user: Any, today: dt.date) -> list[Task]:
    """Files refused or interrupted in the last 30 days."""
    if not user.has_shnor_perm(Perm.VIEW_IMPORTS):
        return []
    from shnor.datasets.models import ImportRun

    since = timezone.now() - dt.timedelta(days=30)
    failed = ImportRun.objects.filter(
        status__in=[ImportRun.Status.FAILED, ImportRun.Status.INTERRUPTED], created_at__gte=since
    ).count()
    if not failed:
        return []
    return [Task("Загрузки, отклонённые или прерванные за 30 дней", failed, reverse("datasets:runs"))]
