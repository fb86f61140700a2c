"""The schemas of the network's shared work: agreements of pairs, events, the practices bank.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from shnor.api.schemas import Count, Id, In
from shnor.support.models import Agreement, Event, Practice


class AgreementIn(In):
    db_model = (Agreement,)
    number: str = Field(description="номер соглашения", examples=["12-С"])
    date: dt.date
    start: dt.date = Field(description="действует с")
    end: dt.date = Field(description="действует по")
    subject: str = Field("", description="предмет; пусто — типовой")


class AgreementOut(Schema):
    id: int
    pair_id: int
    number: str
    date: dt.date
    parties: str
    subject: str
    start: dt.date
    end: dt.date
    sha256: str
    download: str

    @staticmethod
    def resolve_pair_id(a: Agreement) -> int:
        return int(a.pairing_id)

    @staticmethod
    def resolve_download(a: Agreement) -> str:
        return f"/api/support/agreements/{a.pk}/file"


class PairFormIn(In):
    form: Literal["pair", "group", "consulting", "resource"] = Field(description="форма сопровождения")


class EventIn(In):
    db_model = (Event,)
    title: str
    kind: Literal["seminar", "webinar", "conference", "master_class", "round_table"]
    level: Literal["interregional", "regional", "municipal", "school"]
    date: dt.date
    audience: str = ""
    participants: Count = 0
    materials: str = ""
    url: str = ""
    municipality_id: Id | None = None
    organiser_id: str | None = Field(None, max_length=64, description="код школы-организатора")


class EventOut(Schema):
    id: int
    title: str
    kind: str
    level: str
    date: dt.date
    audience: str
    participants: int
    materials: str
    url: str
    municipality: str | None
    organiser_id: str | None

    @staticmethod
    def resolve_municipality(e: Event) -> str | None:
        return e.municipality.name if e.municipality else None

    @staticmethod
    def resolve_organiser_id(e: Event) -> str | None:
        return e.organiser.school_id if e.organiser else None


class PracticeIn(In):
    db_model = (Practice,)
    title: str
    school_id: str = Field(max_length=64, description="код школы, чья практика")
    summary: str
    description: str = ""
    url: str = ""
    factors: list[str] = Field(default_factory=list, max_length=100, description="коды факторов риска")


class PracticeOut(Schema):
    id: int
    title: str
    school_id: str
    school: str
    summary: str
    description: str
    factors: list[str]
    url: str
    status: str

    @staticmethod
    def resolve_school_id(p: Practice) -> str:
        return p.school.school_id

    @staticmethod
    def resolve_school(p: Practice) -> str:
        return p.school.name


class PublishIn(In):
    publish: bool = Field(True, description="true — опубликовать, false — вернуть в черновики")
