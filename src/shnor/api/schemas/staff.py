"""The schemas of teachers: employment, the card (diagnostics by area and year), routes (ИОМ) and
their items, courses, the preset's targets and the aggregates, the catalogue of offers.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from shnor.api.schemas import Amount, Count, Id, In, Year
from shnor.staff.models import Course, Offer, Route, RouteItem, StaffMember, Teacher


class EmploymentOut(Schema):
    teacher_id: int
    staff_key: str
    school_id: str
    school: str
    position: str
    subjects: str
    category: str

    @staticmethod
    def resolve_staff_key(s: StaffMember) -> str:
        return s.teacher.staff_key

    @staticmethod
    def resolve_school_id(s: StaffMember) -> str:
        return s.school.school_id

    @staticmethod
    def resolve_school(s: StaffMember) -> str:
        return s.school.name


class StaffIn(In):
    db_model = (StaffMember, Teacher)
    school_id: str
    staff_key: str = Field(description="псевдоним педагога; не ФИО и не СНИЛС")
    position: str
    subjects: str = ""
    experience_years: Annotated[int, Field(ge=0, le=80)] | None = None
    category: str = Field(default="", description="highest, first, conformity, none")
    age: Annotated[int, Field(ge=14, le=100)] | None = None


class ItemOut(Schema):
    id: int
    title: str
    areas: list[str]
    hours: int
    due: dt.date
    status: str
    done_at: dt.date | None


class RouteOut(Schema):
    id: int
    year: int
    basis_year: int
    status: str
    deficits: dict[str, float]
    uncovered: list[str]
    items: list[ItemOut]

    @staticmethod
    def resolve_items(r: Route) -> list[RouteItem]:
        return list(r.items.all())


class AreaOut(Schema):
    area: str
    title: str
    values: list[float | None] = Field(description="доля от максимума по годам `years`")
    deficit: bool
    change: float | None


class CardOut(Schema):
    teacher_id: int
    staff_key: str
    years: list[int]
    threshold: float
    areas: list[AreaOut]
    deficits: dict[str, float]
    change_overall: float | None
    routes: list[RouteOut]


class RouteIn(In):
    year: Year


class ItemIn(In):
    status: str = Field(description="planned, in_progress, done, dropped")
    on: dt.date | None = None


class ScoreIn(In):
    score: Amount
    max_score: Amount


class DiagnosticsIn(In):
    year: Year
    scores: dict[str, ScoreIn] = Field(description="область → балл и максимальный балл")


class EnteredOut(Schema):
    entered: int


class CourseIn(In):
    db_model = (Course,)
    title: str
    provider: str = ""
    hours: Count
    start: dt.date
    end: dt.date
    topic: str = ""


class CourseOut(CourseIn):
    id: int


class ItemNewIn(In):
    db_model = (RouteItem,)
    offer_id: Id | None = None
    title: str = ""
    hours: Count = 0
    due: dt.date


class TargetOut(Schema):
    title: str
    value: float
    target: float
    unit: str
    met: bool
    detail: list[tuple[str, float]]


class AggregateOut(Schema):
    name: str
    key: int | None
    teachers: int
    diagnosed: int
    with_deficits: int
    routes: int
    approved: int
    completed: int
    repeated: int
    improved: int


class OfferOut(Schema):
    id: int
    kind: str
    title: str
    provider: str
    hours: int
    topic: str
    areas: list[str]
    url: str


class OfferIn(In):
    db_model = (Offer,)
    kind: Literal["course", "internship", "mentoring", "seminar", "self_study"]
    title: str
    provider: str = ""
    hours: Count = 0
    topic: str = ""
    areas: list[str] = Field(min_length=1, max_length=50, description="коды областей дефицитов")
    url: str = ""
