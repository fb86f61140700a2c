"""The schemas of the registry: municipalities, schools, infrastructure bodies, people.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from typing import Annotated, Literal

from ninja import Field, Schema

from shnor.api.schemas import Count, Id, In
from shnor.registry.models import InfrastructureBody, Municipality, Person, School

Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Grade = Annotated[int, Field(ge=1, le=12)]


class MunicipalityOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_id: int


class MunicipalityIn(In):
    db_model = (Municipality,)
    region_id: Id
    code: str
    name: str
    kind: Literal["city_okrug", "municipal_district", "municipal_okrug"] = Field(
        "municipal_district", description="городской округ, муниципальный район или муниципальный округ"
    )


class MunicipalityPatch(In):
    db_model = (Municipality,)
    code: str | None = None
    name: str | None = None
    kind: Literal["city_okrug", "municipal_district", "municipal_okrug"] | None = None


class SchoolFilter(Schema):
    q: str = ""
    municipality: Id | None = None
    locality: str = ""
    innovation_site: bool | None = None


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


class SchoolIn(In):
    db_model = (School,)
    school_id: str
    name: str
    municipality_id: Id
    locality: str
    enrollment: Count = 0
    lat: Latitude | None = None
    lon: Longitude | None = None
    innovation_site: bool = False
    parent_id: Id | None = None
    last_grade: Grade | None = None
    is_active: bool = True


class SchoolPatch(In):
    db_model = (School,)
    name: str | None = None
    municipality_id: Id | None = None
    locality: str | None = None
    enrollment: Count | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    innovation_site: bool | None = None
    parent_id: Id | None = None
    last_grade: Grade | None = None
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


class BodyIn(In):
    db_model = (InfrastructureBody,)
    kind: str
    name: str
    municipality_id: Id | None = None
    school_id: Id | None = None
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


class PersonIn(In):
    db_model = (Person,)
    full_name: str
    position: str
    organization: str = ""
    municipality_id: Id | None = None
    school_id: Id | None = None
    email: str = ""
    phone: str = ""


class PersonPatch(In):
    db_model = (Person,)
    full_name: str | None = None
    position: str | None = None
    organization: str | None = None
    municipality_id: Id | None = None
    school_id: Id | None = None
    email: str | None = None
    phone: str | None = None
