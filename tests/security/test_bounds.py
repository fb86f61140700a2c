"""Issue 20: every number an address or a body carries is bounded at the door. Out-of-range
numbers in the query or the path are a 400 problem+json naming the parameter (before: 500 from the
database or from datetime), in a body a 422; pages answer 404 or fall back to the default year;
text longer than its column is a 422 (on PostgreSQL it was a 500)."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from django.test import Client

from tests.app.test_network_api import Api
from tests.app.test_support import identification
from tests.conftest import World

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
T = TypeVar("T")

ADDRESSES = [
    ("/schools", {"offset": HUGE}),
    ("/schools", {"limit": HUGE}),
    ("/indicators", {"year": "-1"}),
    ("/indicators", {"year": "99999999999"}),
    ("/indicators", {"year": "99999"}),
    ("/indicators/1.2", {"year": HUGE}),
    ("/evidence/0", {}),
    ("/evidence/99999", {}),
    (f"/schools/{HUGE}", {}),
    (f"/recommendations/{HUGE}", {}),
    ("/recommendations", {"year": HUGE}),
    ("/effect", {"start": "-5", "end": HUGE}),
]


@pytest.mark.parametrize(("path", "params"), ADDRESSES)
def test_a_number_out_of_range_in_an_address_is_400(client: Client, world: World, path: str, params: Any) -> None:
    operator = Api(client, world, "operator")
    r = operator.get(path, **params)
    assert r.status_code in (400, 404), (path, params, r.status_code, r.content[:300])
    assert r["Content-Type"] == "application/problem+json"
    if r.status_code == 400:
        body = r.json()
        assert body["title"] == "Некорректный запрос" and body["errors"], body


def _measure(**change: Any) -> dict[str, Any]:
    body = {
        "year": 2026,
        "title": "Семинар",
        "direction": "management",
        "responsible": "ВГАПО",
        "start": "2026-03-01",
        "end": "2026-03-31",
        "schools": [],
    }
    return body | change


def test_a_number_out_of_range_in_a_body_is_422(client: Client, world: World) -> None:
    identification(world)
    operator = Api(client, world, "operator")
    r = operator.send("post", "/measures", _measure(year=10**22))
    assert r.status_code == 422, r.content[:300]
    assert r.json()["errors"][0]["loc"][-1] == "year"


def test_text_longer_than_its_column_is_refused(client: Client, world: World) -> None:
    identification(world)
    operator = Api(client, world, "operator")
    r = operator.send("post", "/measures", _measure(title="С" * 100_000))
    assert r.status_code == 422, r.content[:300]
    assert r.json()["errors"][0]["loc"][-1] == "title"
    from shnor.cycle.models import Measure

    assert not Measure.objects.exists()


@pytest.mark.parametrize("query", ["year=99999", "year=-1", f"year={HUGE}", "year=abc"])
@pytest.mark.parametrize("page", ["/cycle/", "/cycle/cyclogram/", "/cycle/recommendations/", "/cycle/goals/"])
def test_pages_answer_an_odd_year_without_500(client: Client, world: World, page: str, query: str) -> None:
    identification(world)
    client.force_login(world.users["operator"])
    r = client.get(f"{page}?{query}")
    assert r.status_code in (200, 302, 404), (page, query, r.status_code)


def test_profile_revoke_of_a_non_number(client: Client, world: World) -> None:
    client.force_login(world.users["operator"])
    r = client.post("/accounts/profile/", {"revoke": "abc"})
    assert r.status_code in (200, 302)


def _described(client: Client, world: World) -> dict[str, Any]:
    client.force_login(world.users["operator"])
    spec: dict[str, Any] = client.get("/api/openapi.json").json()
    return spec


def _unbounded(schema: dict[str, Any], components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every integer and number with a maximum, every string with a maxLength (a date or a file
    has its own format), through references, unions, arrays and nested objects."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _unbounded(components[name], components, f"{where}→{name}", seen)
    found: list[str] = []
    for part in schema.get("anyOf", []) + schema.get("allOf", []):
        found += _unbounded(part, components, where, seen)
    kind = schema.get("type")
    if kind in ("integer", "number") and "maximum" not in schema:
        found.append(where)
    if kind == "string" and "maxLength" not in schema and "format" not in schema and "enum" not in schema:
        found.append(where)
    if kind == "array":
        found += _unbounded(schema.get("items", {}), components, f"{where}[]", seen)
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded(prop, components, f"{where}.{name}", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        found += _unbounded(extra, components, f"{where}{{}}", seen)
    return found


def test_every_number_and_text_that_comes_in_is_bounded(client: Client, world: World) -> None:
    """The rule behind the fixes above, over the whole API description: a new operation with an
    unbounded integer parameter or body text fails here before it can answer 500."""
    spec = _described(client, world)
    components = spec["components"]["schemas"]
    unbounded: list[str] = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):  # a text in the address only filters: numbers
                found = _unbounded(param["schema"], components, f"{method} {path} ?{param['name']}", set())
                unbounded += found if "string" not in str(param["schema"]) else []
            for kind, content in op.get("requestBody", {}).get("content", {}).items():
                if kind == "application/json":
                    unbounded += _unbounded(content["schema"], components, f"{method} {path} body", set())
    assert unbounded == [], "\n".join(unbounded)


def test_a_text_is_bounded_by_its_column(client: Client, world: World) -> None:
    """Where a body names its model, each text is no longer than the column it is written to."""
    from shnor.api.schemas import In
    from shnor.cycle.models import Measure

    components = _described(client, world)["components"]["schemas"]
    assert components["MeasureIn"]["properties"]["title"]["maxLength"] == Measure._meta.get_field("title").max_length
    checked = 0
    for schema in _subclasses(In):
        for name, info in schema.model_fields.items():
            for model in schema.db_model:
                column = model._meta.get_field(schema.columns.get(name, name)) if _has(model, name) else None
                max_length = getattr(column, "max_length", None)  # a relation has none
                if column is not None and max_length and column.get_internal_type() == "CharField":
                    lengths = [m.max_length for m in info.metadata if hasattr(m, "max_length")]
                    assert lengths and min(lengths) <= max_length, (schema.__name__, name)
                    checked += 1
    assert checked >= 40


def _subclasses(cls: type[T]) -> list[type[T]]:
    found: list[type[T]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _has(model: Any, name: str) -> bool:
    from django.core.exceptions import FieldDoesNotExist

    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
