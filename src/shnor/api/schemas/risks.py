"""The schemas of risk profiles.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from typing import Any

from ninja import Field, Schema

from shnor.api.schemas import In, Year
from shnor.risks.models import Profile


class ProfileOut(Schema):
    school_id: str
    name: str
    municipality: str
    year: int
    catalogue_version: str
    fixed: list[str]
    completeness: float
    factors: dict[str, Any]
    parameters: dict[str, Any]

    @staticmethod
    def resolve_school_id(p: Profile) -> str:
        return p.school.school_id

    @staticmethod
    def resolve_name(p: Profile) -> str:
        return p.school.name

    @staticmethod
    def resolve_municipality(p: Profile) -> str:
        return p.school.municipality.name


class BuildIn(In):
    year: Year


class BuildOut(Schema):
    year: int
    count: int = Field(description="сколько профилей рассчитано")


class QuestionnairesIn(In):
    school_id: str = Field(max_length=64, description="код школы")
    year: Year


class QuestionnaireOut(Schema):
    id: int
    school_id: str
    year: int
    group: str
    group_label: str
    is_open: bool
    answers: int
    url: str | None = Field(description="адрес анкеты для респондентов (только тем, кто публикует анкеты)")
