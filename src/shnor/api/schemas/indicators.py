"""The schemas of the system's indicators: a value with its target and status, its drill-down.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from ninja import Schema


class SystemIndicatorOut(Schema):
    code: str
    title: str
    kind: str
    source: str
    year: int
    value: float | None
    target: float | None
    status: str
    numerator: int
    denominator: int


class DrillRowOut(Schema):
    name: str
    key: str
    numerator: int
    denominator: int
    value: float | None


class UnitOut(Schema):
    key: str
    label: str
    school: str
    municipality: str
    counted: bool
    detail: str


class SystemIndicatorDetailOut(SystemIndicatorOut):
    by_municipality: list[DrillRowOut]
    by_school: list[DrillRowOut]
    units: list[UnitOut]
