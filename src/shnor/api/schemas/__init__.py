"""The API's schemas: here the types every resource shares (bounded numbers, the pagination, the
request body's base `In`, the problem details and the error responses); each resource's own schemas
in `shnor.api.schemas.<resource>`, named as the API module that uses them. A schema's class name is
its component name in the OpenAPI description: it is unique across the package (tests/app/test_api.py)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from annotated_types import MaxLen
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import ConfigDict

# Every number and every text that comes in is bounded at the door: a value the database cannot
# hold, or a year no date can carry, is a 400 (in the address) or a 422 (in a body) naming it,
# never a 500 from deep inside. See docs/security.md, «Bounds».
YEAR_MIN, YEAR_MAX = 1990, 2100  # the data contract's year column (core/contract.py)
ID_MAX = 2**63 - 1  # a 64-bit key (DEFAULT_AUTO_FIELD is BigAutoField)
COUNT_MAX = 1_000_000  # pupils, hours, participants, places: no school or region has more
TEXT_MAX = 20_000  # free text typed into a form (about ten pages); a column's own length is stricter
OFFSET_MAX = 2**31 - 1  # rows to skip in a list: far beyond any table of a region

Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX, description="календарный год, 1990–2100")]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Count = Annotated[int, Field(ge=0, le=COUNT_MAX)]
Amount = Annotated[float, Field(ge=0, le=COUNT_MAX, allow_inf_nan=False)]
Number = Annotated[float, Field(ge=-COUNT_MAX, le=COUNT_MAX, allow_inf_nan=False)]  # the service says what is allowed


# A file answered as it is (its own content type): what the description says of a download.
BINARY: dict[str, str] = {"type": "string", "format": "binary"}

PAGE_MAX = 1000  # rows in one page of a list


class Pages(LimitOffsetPagination):
    """`?limit=&offset=` with both bounded: a page of at most PAGE_MAX rows, an offset a database
    can take (the default pagination let `offset=99999999999999999999` through to SQLite: a 500)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=PAGE_MAX, description="строк на странице, 1–1000")
        offset: int = Field(0, ge=0, le=OFFSET_MAX, description="сколько строк пропустить")


class In(Schema):
    """A request body. Every text field is at most TEXT_MAX characters, and at most its column's
    length when `db_model` names the model(s) it is written to (a field is matched to the column of
    the same name, or as `columns` maps it): a 100,000-character title is a 422 naming the field,
    on SQLite (which would store it) and PostgreSQL (which would fail with a 500) alike. Floats
    refuse NaN and infinity."""

    model_config = ConfigDict(str_max_length=TEXT_MAX, allow_inf_nan=False)
    db_model: ClassVar[tuple[type[models.Model], ...]] = ()
    columns: ClassVar[dict[str, str]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for name, info in cls.model_fields.items():
            lengths = [n for model in cls.db_model if (n := _column_length(model, cls.columns.get(name, name)))]
            if lengths:
                info.metadata.append(MaxLen(min(lengths)))
                changed = True
        if changed:
            cls.model_rebuild(force=True)


def _column_length(model: type[models.Model], name: str) -> int | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field.max_length if isinstance(field, models.CharField) else None


class Problem(Schema):
    """RFC 7807 problem details: the one error shape of the API."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str = ""
    errors: list[dict[str, Any]] = Field(default_factory=list)


# The error responses an operation declares: every one of them is a Problem.
ERRORS: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
# The user, the registry and the audit log: none of their operations answers with a conflict (409).
ERRORS_NO_CONFLICT: dict[int, type[Schema]] = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
