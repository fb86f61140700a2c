"""The schemas of programmes: the list, one programme with its indicators and activities, a step of approval.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from shnor.api.schemas import Id, In, Number
from shnor.programmes import services as programme_services
from shnor.programmes.models import Evidence, Programme, Wave


class IndicatorOut(Schema):
    id: int
    title: str
    unit: str
    baseline: float | None
    target: float
    actual: float | None
    direction: str
    binding: str


class ActivityOut(Schema):
    id: int
    phase: str
    position: int
    title: str
    responsible: str
    starts: dt.date | None
    deadline: dt.date | None
    status: str
    done_on: dt.date | None


class ProgrammeOut(Schema):
    id: int
    level: str
    title: str
    status: str
    status_label: str
    school_id: str | None
    municipality: str | None
    start: dt.date
    end: dt.date
    template: str
    risk_factor: str

    @staticmethod
    def resolve_status_label(p: Programme) -> str:
        return str(p.get_status_display())

    @staticmethod
    def resolve_school_id(p: Programme) -> str | None:
        return p.school.school_id if p.school else None

    @staticmethod
    def resolve_municipality(p: Programme) -> str | None:
        if p.municipality:
            return p.municipality.name
        return p.school.municipality.name if p.school else None


class ProgrammeDetailOut(ProgrammeOut):
    revision: int = Field(description="ревизия: передаётся при изменении, чтобы не затереть чужие правки")
    goal: str
    tasks: str
    regulation: list[dict[str, Any]]
    indicators: list[IndicatorOut]
    activities: list[ActivityOut]

    @staticmethod
    def resolve_indicators(p: Programme) -> list[Any]:
        return list(p.indicators.all())

    @staticmethod
    def resolve_activities(p: Programme) -> list[Any]:
        today = programme_services.today()
        out = []
        for a in p.activities.all():
            a.status = a.status_on(today, p.is_live)
            out.append(a)
        return out


class TransitionIn(In):
    action: str
    comment: str = ""


class ProgrammeCreateIn(In):
    """A draft from a preset template: a school's by its code, a municipality's by its id (a school's
    head and a municipal coordinator may leave them out: their own is taken)."""

    template: str = Field(description="код шаблона пресета", examples=["school"])
    school_id: str | None = Field(None, description="код школы", examples=["SCH0001"])
    municipality_id: Id | None = None
    start: dt.date | None = Field(None, description="начало; по умолчанию сегодня")


class ProgrammePatch(In):
    """The draft's own text and dates; `revision` is the one read (`GET`), so a change made since is refused."""

    db_model = (Programme,)
    revision: int = Field(ge=0, le=2**31 - 1, description="ревизия программы из её чтения")
    title: str | None = None
    goal: str | None = None
    tasks: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    source: str | None = None

    @field_validator("title", "goal", "tasks", "start", "end", "source")
    @classmethod
    def _given(cls, value: Any) -> Any:
        # A field left out stays as it is; one sent as null would blank a required column.
        if value is None:
            raise ValueError("поле нельзя очистить значением null: передайте значение или не передавайте поле")
        return value


class StepIn(In):
    done: bool = Field(description="шаг регламента выполнен (true) или снова не выполнен (false)")


class ActivityPatch(In):
    # «overdue» is not among them: the system marks an activity overdue itself.
    status: Literal["planned", "in_progress", "done", "cancelled"]
    note: str = Field("", max_length=2000)


class ProgrammeEvidenceOut(Schema):
    id: int
    activity_id: int
    activity: str
    title: str
    link: str
    file_name: str
    added_at: dt.datetime
    download: str | None = Field(description="адрес файла в API (null — подтверждение-ссылка)")

    @staticmethod
    def resolve_activity(e: Evidence) -> str:
        return e.activity.title

    @staticmethod
    def resolve_file_name(e: Evidence) -> str:
        return (e.file.name or "").rsplit("/", 1)[-1]

    @staticmethod
    def resolve_download(e: Evidence) -> str | None:
        if not e.file:
            return None
        return f"/api/programmes/{e.activity.programme_id}/evidence/{e.pk}/file"


class ActualIn(In):
    actual: Number | None = Field(description="фактическое значение; null — не известно")


class WaveIn(In):
    kind: Literal["entry", "interim", "final"] = Field(
        description="входной, промежуточный или итоговый мониторинг", examples=["interim"]
    )


class WaveOut(Schema):
    id: int
    kind: str
    kind_label: str
    date: dt.date
    snapshot: dict[str, Any]

    @staticmethod
    def resolve_kind_label(w: Wave) -> str:
        return str(w.get_kind_display())


class AntiRiskIn(In):
    factor: str = Field(description="код рискового фактора из каталога антирисковых программ")


class ExitCheckOut(Schema):
    condition: str
    met: bool | None


class ExitProposalOut(Schema):
    programme_id: int
    school_id: str | None
    school: str
    ok: bool = Field(description="правило выхода пресета выполнено")
    checks: list[ExitCheckOut]
    grounds: str

    @staticmethod
    def resolve_programme_id(p: Any) -> int:
        return int(p.programme.pk)

    @staticmethod
    def resolve_school_id(p: Any) -> str | None:
        return p.programme.school.school_id if p.programme.school else None

    @staticmethod
    def resolve_school(p: Any) -> str:
        return p.programme.school.name if p.programme.school else ""

    @staticmethod
    def resolve_checks(p: Any) -> list[dict[str, Any]]:
        return [{"condition": title, "met": met} for title, met in p.check_rows]


class ExitIn(In):
    programmes: list[Id] = Field(min_length=1, max_length=10_000, description="программы, выходящие из списка")
    number: str = Field(max_length=50, description="номер приказа")
    date: dt.date = Field(description="дата приказа")
    basis: str = ""
