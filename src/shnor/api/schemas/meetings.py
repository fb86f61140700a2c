"""The schemas of the working group's meetings.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any

from ninja import Schema

from shnor.api.schemas import Count, In
from shnor.api.schemas.documents import DocumentOut
from shnor.cycle.models import AgendaItem, Meeting
from shnor.records.models import Document


class AgendaItemSchema(In):
    db_model = (AgendaItem,)
    title: str
    heard: str = ""
    resolved: str = ""
    votes_for: Count = 0
    votes_against: Count = 0
    votes_abstained: Count = 0


class MeetingOut(Schema):
    id: int
    body: str
    number: str
    date: dt.date
    chair: str
    secretary: str
    items: list[AgendaItemSchema]
    documents: list[DocumentOut]

    @staticmethod
    def resolve_items(m: Meeting) -> list[Any]:
        return list(m.items.all())

    @staticmethod
    def resolve_documents(m: Meeting) -> list[Document]:
        return list(m.documents.all())


class MeetingIn(In):
    db_model = (Meeting,)
    number: str
    date: dt.date
    chair: str
    secretary: str
    body: str = ""
    items: list[AgendaItemSchema]
