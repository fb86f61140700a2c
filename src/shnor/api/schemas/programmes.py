"""The schemas of programmes: the list, one programme with its indicators and activities, a step of approval.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any

from ninja import Schema

from shnor.api.schemas import In
from shnor.programmes import services as programme_services
from shnor.programmes.models import Programme


class IndicatorOut(Schema):
    id: int
    title: str
    unit: str
    baseline: float | None
    target: float
    actual: float | None
    direction: str
    binding: str


class ActivityOut(Schema):
    id: int
    phase: str
    position: int
    title: str
    responsible: str
    starts: dt.date | None
    deadline: dt.date | None
    status: str
    done_on: dt.date | None


class ProgrammeOut(Schema):
    id: int
    level: str
    title: str
    status: str
    status_label: str
    school_id: str | None
    municipality: str | None
    start: dt.date
    end: dt.date
    template: str
    risk_factor: str

    @staticmethod
    def resolve_status_label(p: Programme) -> str:
        return str(p.get_status_display())

    @staticmethod
    def resolve_school_id(p: Programme) -> str | None:
        return p.school.school_id if p.school else None

    @staticmethod
    def resolve_municipality(p: Programme) -> str | None:
        if p.municipality:
            return p.municipality.name
        return p.school.municipality.name if p.school else None


class ProgrammeDetailOut(ProgrammeOut):
    goal: str
    tasks: str
    regulation: list[dict[str, Any]]
    indicators: list[IndicatorOut]
    activities: list[ActivityOut]

    @staticmethod
    def resolve_indicators(p: Programme) -> list[Any]:
        return list(p.indicators.all())

    @staticmethod
    def resolve_activities(p: Programme) -> list[Any]:
        today = programme_services.today()
        out = []
        for a in p.activities.all():
            a.status = a.status_on(today, p.is_live)
            out.append(a)
        return out


class TransitionIn(In):
    action: str
    comment: str = ""
