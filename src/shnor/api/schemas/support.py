"""The schemas of the support network: the curator pool, matching (proposals, rules), pairs with
their activity and journals of consultations.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from shnor.api.schemas import Amount, Count, Id, In, Year
from shnor.support import services as support
from shnor.support.models import Consultation, Curator, Feedback, Pairing, Proposal, Rule

# --- curators -------------------------------------------------------------------------------------


class CuratorOut(Schema):
    id: int
    kind: str
    name: str
    school_id: str | None
    municipality: str
    status: str
    capacity: int
    load: int = Field(description="утверждённых пар года")
    met: dict[str, bool]
    missing: list[str] = Field(description="обязательные критерии, которые не выполнены")
    strengths: list[str]

    @staticmethod
    def resolve_name(c: Curator) -> str:
        return str(c)

    @staticmethod
    def resolve_school_id(c: Curator) -> str | None:
        return c.school.school_id if c.school else None

    @staticmethod
    def resolve_municipality(c: Curator) -> str:
        return c.municipality.name

    @staticmethod
    def resolve_strengths(c: Curator) -> list[str]:
        return c.all_strengths


class CuratorPatch(In):
    db_model = (Curator,)
    status: str | None = None
    marks: dict[str, bool] | None = Field(default=None, description="strong_head, motivated_head")
    capacity: Count | None = None
    extra_strengths: list[str] | None = None
    note: str | None = None


class TutorIn(In):
    db_model = (Curator,)
    person_id: Id = Field(description="участник (раздел «Участники»)")
    municipality_id: Id
    capacity: Count = 3
    strengths: list[str] = Field(default_factory=list, description="коды факторов риска или предметы")
    username: str = Field(default="", description="учётная запись с ролью «Куратор», без школы")


class PoolOut(Schema):
    year: int
    candidates: int
    added: int
    updated: int


# --- matching -------------------------------------------------------------------------------------


class PairOut(Schema):
    id: int
    year: int
    school_id: str
    school: str
    municipality: str
    curator_id: int
    curator: str
    form: str
    status: str
    cost: float
    distance: float
    basis: str
    covered: list[str]
    uncovered: list[str]
    theme: str = Field(description="общая проблема кураторской группы (код слабой стороны; none — проблем нет)")
    departure: str = Field(
        description="отступление от правил группы: short — меньше наименьшего числа школ, outside — без общей проблемы"
    )
    pinned: bool
    reason: str

    @staticmethod
    def resolve_school_id(p: Pairing) -> str:
        return p.school.school_id

    @staticmethod
    def resolve_school(p: Pairing) -> str:
        return p.school.name

    @staticmethod
    def resolve_municipality(p: Pairing) -> str:
        return p.school.municipality.name

    @staticmethod
    def resolve_curator(p: Pairing) -> str:
        return str(p.curator)

    @staticmethod
    def resolve_reason(p: Pairing) -> str:
        return support.reason(p)


class ProposalOut(Schema):
    id: int
    year: int
    created_at: dt.datetime
    schools: int
    curators: int
    total: float = Field(description="стоимость точного решения")
    greedy_total: float | None = Field(description="стоимость жадного распределения")
    unassigned: list[str]
    approved_at: dt.datetime | None
    settings: dict[str, Any]


class ProposalDetailOut(ProposalOut):
    pairs: list[PairOut]

    @staticmethod
    def resolve_pairs(p: Proposal, context: dict[str, Any]) -> list[Pairing]:
        return support.proposal_pairs(context["request"].auth, p)


class ProposeIn(In):
    year: Year


class ApproveIn(In):
    school_ids: list[str] | None = Field(default=None, description="коды ОО; без списка — все пары предложения")


class ApprovedOut(Schema):
    approved: int


class RuleIn(In):
    db_model = (Rule,)
    school_id: str
    curator_id: Id
    kind: str = Field(description="pin — закрепить, forbid — запретить, пусто — снять правило")
    note: str = ""


class RuleOut(Schema):
    school_id: str
    curator_id: int
    kind: str


# --- pairs, activity and journals -----------------------------------------------------------------


class FeedbackOut(Schema):
    rating: int
    useful: bool
    comment: str
    given_at: dt.datetime


class ConsultationOut(Schema):
    id: int
    date: dt.date
    form: str
    topic: str
    participants: int
    hours: float
    materials: str
    feedback: FeedbackOut | None

    @staticmethod
    def resolve_feedback(c: Consultation) -> Feedback | None:
        return getattr(c, "feedback", None)


class PairActivityOut(Schema):
    pair: PairOut
    consultations: int
    hours: float
    participants: int
    last: dt.date | None
    rated: int
    rating: float | None
    agreements: int
    inactive: bool = Field(description="нет консультаций дольше порога пресета")
    weeks_idle: int


class PairDetailOut(PairActivityOut):
    journal: list[ConsultationOut]


class ConsultationIn(In):
    db_model = (Consultation,)
    date: dt.date
    form: str = Field(description="seminar, master_class, open_lesson, consultation, visit")
    topic: str
    participants: Count
    hours: Amount
    materials: str = ""


class FeedbackIn(In):
    db_model = (Feedback,)
    rating: int = Field(ge=1, le=5, description="1–5")
    comment: str = ""
    useful: bool = True
