"""The schemas of addressed recommendations.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt

from ninja import Field, Schema

from shnor.api.schemas import Id, In, Year
from shnor.api.schemas.documents import DocumentOut
from shnor.cycle.models import Recommendation
from shnor.records.models import Document


class RecommendationOut(Schema):
    id: int
    year: int
    addressee: str
    addressee_name: str
    municipality: str
    level: str
    title: str
    findings: str
    text: str
    due: dt.date | None
    status: str
    version: int
    issued_at: dt.datetime | None
    read_at: dt.datetime | None
    reported_at: dt.datetime | None
    report: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_addressee_name(r: Recommendation) -> str:
        return r.addressee_label()

    @staticmethod
    def resolve_municipality(r: Recommendation) -> str:
        return r.municipality.name

    @staticmethod
    def resolve_documents(r: Recommendation) -> list[Document]:
        return list(r.documents.all())


class DraftIn(In):
    year: Year
    addressee: str = Field(description="municipality, school или curator")
    target_id: Id = Field(description="id муниципалитета, школы или куратора")


class RecommendationPatch(In):
    db_model = (Recommendation,)
    version: Id = Field(description="версия, с которой начата правка (защита от потери чужих изменений)")
    title: str
    findings: str = ""
    text: str
    due: dt.date | None = None


class ReportIn(In):
    text: str


class DraftedOut(Schema):
    drafted: int
    issued: int
    held_elsewhere: int
