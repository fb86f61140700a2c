"""The schemas of measures.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt

from ninja import Field, Schema

from shnor.api.schemas import Id, In, Year
from shnor.cycle.models import Measure


class MeasureOut(Schema):
    id: int
    year: int
    title: str
    direction: str
    level: str
    municipality: str | None
    responsible: str
    start: dt.date
    end: dt.date
    status: str
    overdue: bool
    result: str
    schools: list[str]

    @staticmethod
    def resolve_municipality(m: Measure) -> str | None:
        return m.municipality.name if m.municipality else None

    @staticmethod
    def resolve_overdue(m: Measure) -> bool:
        return m.is_overdue()

    @staticmethod
    def resolve_schools(m: Measure) -> list[str]:
        return [s.school_id for s in m.schools.all()]


class MeasureIn(In):
    db_model = (Measure,)
    year: Year
    title: str
    direction: str
    responsible: str
    start: dt.date
    end: dt.date
    municipality: Id | None = None
    schools: list[str] = Field(default_factory=list, description="коды ОО")


class MeasurePatch(In):
    db_model = (Measure,)
    status: str
    result: str = ""
