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


class MonitoringCriterionOut(Schema):
    code: str
    title: str
    kind: str
    over: str
    own: bool
    region_part: int
    region_whole: int
    region_share: float | None


class MonitoringCountOut(Schema):
    criterion: str
    part: int
    whole: int
    share: float | None
    in_zone: bool | None


class MonitoringMunicipalityOut(Schema):
    code: str
    name: str
    schools: int
    listed: int
    groups: dict[str, int]
    holds: float
    selected: bool
    category: str
    category_title: str
    in_zone: int
    measured: int
    counts: list[MonitoringCountOut]


class MonitoringOut(Schema):
    year: int
    run_id: int | None
    basis: str
    basis_is_act: bool
    concentration: float
    high: float
    medium: float
    listed: int
    selected_hold: float
    criteria: list[MonitoringCriterionOut]
    municipalities: list[MonitoringMunicipalityOut]
