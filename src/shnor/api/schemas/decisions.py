"""The schemas of management decisions.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from shnor.api.schemas import Id, In
from shnor.api.schemas.documents import DocumentOut
from shnor.cycle import services as cycle
from shnor.records import services as records
from shnor.records.models import Decision, Document


class DecisionOut(Schema):
    id: int
    kind: str
    document_kind: str
    level: str
    municipality: str | None
    number: str
    date: dt.date
    title: str
    basis: str
    items: list[str]
    schools: list[str]
    measures: list[int]
    recommendations: list[int]
    conclusion_id: int | None
    due: dt.date | None
    executed_at: dt.date | None
    execution: str
    execution_status: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_municipality(d: Decision) -> str | None:
        return d.municipality.name if d.municipality else None

    @staticmethod
    def resolve_schools(d: Decision, context: dict[str, Any]) -> list[str]:
        return [s.school_id for s in records.named_schools(context["request"].auth, d)]

    @staticmethod
    def resolve_measures(d: Decision) -> list[int]:
        return [m.pk for m in d.measures.all()]

    @staticmethod
    def resolve_recommendations(d: Decision, context: dict[str, Any]) -> list[int]:
        user = context["request"].auth
        ids = [r.pk for r in d.recommendations.all()]
        if not ids or records.sees_whole(user, d):
            return ids
        return list(cycle.recommendations(user).filter(pk__in=ids).values_list("pk", flat=True))  # as the page

    @staticmethod
    def resolve_execution_status(d: Decision) -> str:
        return d.execution_status()

    @staticmethod
    def resolve_documents(d: Decision, context: dict[str, Any]) -> list[Document]:
        return list(d.documents.all()) if records.sees_whole(context["request"].auth, d) else []


class DecisionIn(In):
    db_model = (Decision,)
    kind: str = Field(description="organising, activating, coordinating, controlling, stimulating")
    document_kind: str = Field("order", description="order, disposition, protocol")
    number: str
    date: dt.date
    title: str
    items: list[str]
    basis: str = ""
    municipality: Id | None = None
    schools: list[str] = Field(default_factory=list, description="коды ОО")
    measures: list[Id] = Field(default_factory=list)
    recommendations: list[Id] = Field(default_factory=list)
    conclusion_id: Id | None = Field(None, description="выводы анализа, на основании которых принято решение")
    due: dt.date | None = None
    signatory: str = ""


class ExecutionIn(In):
    db_model = (Decision,)
    executed_at: dt.date
    execution: str
