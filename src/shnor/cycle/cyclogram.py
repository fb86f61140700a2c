"""The cyclogram of a year against what the system holds: each item is done when the evidence it
names exists — a finished identification run, the teachers' diagnostics, the risk profiles, the
interim or final monitoring waves — and otherwise planned, in progress or overdue by the date.
The daily `shnor remind` reports an overdue item once to the operator and the regional coordinators.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import User
from shnor.accounts.services import notify
from shnor.core.cyclogram import STATUS_TITLES, Item, status
from shnor.cycle.models import Reminder
from shnor.datasets.models import ImportRun
from shnor.identification.models import Run
from shnor.programmes.models import Programme, Wave
from shnor.programmes.services import WORKING
from shnor.registry import services as registry
from shnor.risks.models import Profile
from shnor.staff.models import Diagnostic


@dataclass
class Line:
    item: Item
    year: int
    status: str
    done_on: dt.date | None
    evidence: str
    url: str

    @property
    def status_title(self) -> str:
        return STATUS_TITLES[self.status]

    @property
    def period(self) -> str:
        return self.item.period(self.year)


def items() -> list[Item]:
    return list(registry.preset().cyclogram)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def _evidence(item: Item, year: int) -> tuple[bool, dt.date | None, str, str]:
    """(done, when, what, link) for an item in a calendar year."""
    if item.evidence == "identification":
        run = Run.objects.filter(status=Run.Status.DONE, finished_at__year=year).order_by("finished_at", "pk").first()
        if run is None:
            return False, None, "расчёта идентификации в этом году нет", reverse("identification:runs")
        return (
            True,
            _date(run.finished_at),
            f"расчёт № {run.pk} за {run.year} год",
            reverse("identification:run", args=[run.pk]),
        )
    if item.evidence == "diagnostics":
        loaded = ImportRun.objects.filter(
            kind="diagnostics", status=ImportRun.Status.APPLIED, finished_at__year=year
        ).aggregate(first=Min("finished_at"))["first"]
        teachers = Diagnostic.objects.filter(year=year).values("teacher").distinct().count()
        if not teachers:
            return False, None, f"результатов диагностики {year} года нет", reverse("staff:teachers")
        what = f"диагностика {year} года: педагогов {teachers}"
        return True, _date(loaded), what, f"{reverse('staff:teachers')}?year={year}"
    if item.evidence == "profiles":
        row = Profile.objects.filter(year=year).aggregate(first=Min("computed_at"))
        count = Profile.objects.filter(year=year).count()
        if not count:
            return False, None, f"рисковых профилей {year} года нет", reverse("risks:regional")
        return True, _date(row["first"]), f"рисковых профилей: {count}", f"{reverse('risks:regional')}?year={year}"
    kind = Wave.Kind.INTERIM if item.evidence == "interim" else Wave.Kind.FINAL
    waves = Wave.objects.filter(kind=kind, date__year=year)
    label = str(Wave.Kind(kind).label).capitalize()
    if not waves.exists():
        return False, None, f"{label} {year} года не проводился", reverse("programmes:list")
    first = waves.aggregate(first=Min("date"))["first"]
    working = Programme.objects.filter(status__in=WORKING).count()
    return (
        True,
        first,
        f"{label}: программ {waves.count()} из {max(working, waves.count())} действующих",
        reverse("programmes:list"),
    )


def lines(year: int, today: dt.date | None = None) -> list[Line]:
    today = today or timezone.localdate()
    result = []
    for item in items():
        done, when, what, url = _evidence(item, year)
        result.append(Line(item, year, status(item, year, today, when, done), when, what, url))
    return result


def remind(today: dt.date | None = None) -> dict[str, int]:
    """Report each overdue item of the current year once."""
    today = today or timezone.localdate()
    overdue = [line for line in lines(today.year, today) if line.status == "overdue"]
    people = User.objects.keepers_of(None)
    reported = notified = 0
    for line in overdue:
        try:
            with transaction.atomic():
                Reminder.objects.create(year=line.year, code=line.item.code)
        except IntegrityError:
            continue
        reported += 1
        text = f"Циклограмма {line.year} года: просрочено «{line.item.title}» (срок — {line.period})."
        notified += notify(people, text, f"{reverse('cycle:cyclogram')}?year={line.year}")
    return {"overdue": reported, "notified": notified}
