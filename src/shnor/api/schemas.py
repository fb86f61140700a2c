"""Schemas of the API, apart from the routers that use them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class Problem(Schema):
    """RFC 7807 problem details: the one error shape of the API."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[dict[str, Any]] = Field(default_factory=list)


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    scope: str
    municipality_id: int | None
    school_id: int | None


class MunicipalityOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_id: int


class SchoolOut(Schema):
    id: int
    school_id: str
    name: str
    municipality_id: int
    municipality: str = Field(..., alias="municipality.name")
    locality: str
    enrollment: int
    lat: float | None
    lon: float | None
    innovation_site: bool
    parent_id: int | None
    last_grade: int | None
    is_active: bool


class SchoolIn(Schema):
    school_id: str
    name: str
    municipality_id: int
    locality: str
    enrollment: int = 0
    lat: float | None = None
    lon: float | None = None
    innovation_site: bool = False
    parent_id: int | None = None
    last_grade: int | None = None
    is_active: bool = True


class SchoolPatch(Schema):
    name: str | None = None
    municipality_id: int | None = None
    locality: str | None = None
    enrollment: int | None = None
    lat: float | None = None
    lon: float | None = None
    innovation_site: bool | None = None
    parent_id: int | None = None
    last_grade: int | None = None
    is_active: bool | None = None


class BodyOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    name: str
    municipality_id: int | None
    school_id: int | None
    functions: str
    url: str
    is_active: bool


class BodyIn(Schema):
    kind: str
    name: str
    municipality_id: int | None = None
    school_id: int | None = None
    functions: str = ""
    url: str = ""
    is_active: bool = True


class PersonOut(Schema):
    id: int
    full_name: str
    position: str
    organization: str
    municipality_id: int | None
    school_id: int | None
    email: str
    phone: str


class PersonIn(Schema):
    full_name: str
    position: str
    organization: str = ""
    municipality_id: int | None = None
    school_id: int | None = None
    email: str = ""
    phone: str = ""


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str = Field(..., alias="actor_repr")
    source: str
    action: str
    model: str = Field(..., alias="content_type.model")
    object_id: str
    object_repr: str
    changes: dict[str, Any]
