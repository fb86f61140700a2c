"""The API: the same scoping as the pages, one problem+json error shape, token and session auth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client

from shnor.accounts.services import issue_token
from shnor.audit.models import AuditEntry
from tests.conftest import World

SNAPSHOT = Path(__file__).parent / "openapi.snapshot.json"


def _bearer(world: World, name: str) -> dict[str, Any]:
    """WSGI environ for the test client's `**extra` (its typed keywords take no `dict[str, str]`)."""
    _, key = issue_token(world.users[name], "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_it_requires_authentication(client: Client, world: World) -> None:
    response = client.get("/api/schools")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Требуется вход в систему" and body["instance"] == "/api/schools"


def test_it_refuses_a_bad_token(client: Client, world: World) -> None:
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer shnor_nonsense").status_code == 401


def test_it_tells_a_token_holder_who_they_are(client: Client, world: World) -> None:
    body = client.get("/api/me", **_bearer(world, "municipal")).json()
    assert body["role"] == "municipal_coordinator" and body["scope"] == "муниципалитетов: 1"


def test_it_lists_only_schools_in_scope(client: Client, world: World) -> None:
    body = client.get("/api/schools", **_bearer(world, "school")).json()
    assert body["count"] == 2
    assert {s["school_id"] for s in body["items"]} == {"A001", "A001F"}
    assert body["items"][0]["municipality"] == "Альфинский район"


def test_it_gives_404_for_another_schools_object(client: Client, world: World) -> None:
    headers = _bearer(world, "school")
    response = client.get(f"/api/schools/{world.b1.pk}", **headers)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert client.get(f"/api/schools/{world.a1.pk}", **headers).status_code == 200
    assert (
        client.patch(
            f"/api/schools/{world.b1.pk}", {"name": "x"}, content_type="application/json", **headers
        ).status_code
        == 404
    )


def test_it_gives_403_when_a_school_edits_itself(client: Client, world: World) -> None:
    response = client.patch(
        f"/api/schools/{world.a1.pk}",
        {"name": "Переименована"},
        content_type="application/json",
        **_bearer(world, "school"),
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Недостаточно прав для этого действия."
    world.a1.refresh_from_db()
    assert world.a1.name == "Школа А1"


def test_it_lets_the_operator_edit_and_audits_it_as_api(client: Client, world: World) -> None:
    response = client.patch(
        f"/api/schools/{world.a1.pk}",
        {"enrollment": 333},
        content_type="application/json",
        **_bearer(world, "operator"),
    )
    assert response.status_code == 200 and response.json()["enrollment"] == 333
    entry = AuditEntry.objects.filter(object_id=str(world.a1.pk), action="update").latest("at")
    assert (entry.source, entry.actor_repr, entry.changes["enrollment"]) == ("api", "operator", [300, 333])


def test_it_validates_with_a_field_list(client: Client, world: World) -> None:
    headers = _bearer(world, "operator")
    response = client.post(
        "/api/schools",
        {"school_id": "A002", "name": "", "municipality_id": world.muni_a.pk, "locality": "moon"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    fields = {e["loc"][0] for e in response.json()["errors"]}
    assert {"school_id", "name", "locality"} <= fields
    response = client.post("/api/schools", {"name": "no code"}, content_type="application/json", **headers)
    assert response.status_code == 422 and response.json()["title"] == "Ошибка в данных"


def test_it_creates_a_school(client: Client, world: World) -> None:
    payload = {
        "school_id": "B002",
        "name": "Школа Б2",
        "municipality_id": world.muni_b.pk,
        "locality": "city",
        "enrollment": 10,
    }
    response = client.post("/api/schools", payload, content_type="application/json", **_bearer(world, "operator"))
    assert response.status_code == 201 and response.json()["school_id"] == "B002"


def test_it_needs_csrf_for_session_writes(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["operator"])
    assert client.get("/api/schools").status_code == 200
    response = client.patch(f"/api/schools/{world.a1.pk}", {"enrollment": 1}, content_type="application/json")
    assert response.status_code == 403


def test_it_scopes_bodies_and_people(client: Client, world: World) -> None:
    names = {b["name"] for b in client.get("/api/bodies", **_bearer(world, "school")).json()["items"]}
    assert names == {"Региональная рабочая группа", "Рабочая группа А"}
    assert client.get(f"/api/bodies/{world.wg_b.pk}", **_bearer(world, "school")).status_code == 404
    assert client.get("/api/people", **_bearer(world, "school")).json()["count"] == 0


def test_it_lets_a_municipal_coordinator_create_local_bodies_only(client: Client, world: World) -> None:
    headers = _bearer(world, "municipal")
    ok = client.post(
        "/api/bodies",
        {"kind": "consultation_point", "name": "Пункт", "municipality_id": world.muni_a.pk},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 201
    refused = client.post(
        "/api/bodies",
        {"kind": "consultation_point", "name": "Чужой", "municipality_id": world.muni_b.pk},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 403


def test_a_municipal_coordinator_cannot_attach_another_districts_school(client: Client, world: World) -> None:
    """Issue 20: `PATCH /api/bodies/80 {"municipality_id": 7, "school_id": 1}` → 200 and
    `POST /api/people {…, "school_id": 1}` → 201 bound a coordinator's records to a far school."""
    from shnor.registry.models import InfrastructureBody, Person

    headers = _bearer(world, "municipal")

    def send(method: str, path: str, body: dict[str, Any]) -> Any:
        return getattr(client, method)(path, body, content_type="application/json", **headers)

    body = {"kind": "municipal_working_group", "name": "Рабочая группа А", "municipality_id": world.muni_a.pk}
    far = send("patch", f"/api/bodies/{world.wg_a.pk}", {**body, "school_id": world.b1.pk})
    assert far.status_code == 403
    assert InfrastructureBody.objects.get(pk=world.wg_a.pk).school_id is None
    near = send("patch", f"/api/bodies/{world.wg_a.pk}", {**body, "school_id": world.a1.pk})
    assert near.status_code == 200 and near.json()["school_id"] == world.a1.pk
    person = {"full_name": "Петров П. П.", "position": "методист", "municipality_id": world.muni_a.pk}
    assert send("post", "/api/people", {**person, "school_id": world.b1.pk}).status_code == 403
    assert not Person.objects.filter(full_name="Петров П. П.").exists()
    assert send("post", "/api/people", {**person, "school_id": world.a1.pk}).status_code == 201


def test_it_shows_the_audit_log_to_the_operator_only(client: Client, world: World) -> None:
    assert client.get("/api/audit", **_bearer(world, "operator")).status_code == 200
    assert client.get("/api/audit", **_bearer(world, "coordinator")).status_code == 403


def test_it_names_every_operation(client: Client, db: Any) -> None:
    from shnor.api.app import api

    schema = api.get_openapi_schema()
    ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(ids)


def test_no_two_schemas_share_a_name(db: Any) -> None:
    """OpenAPI names a component by its class name only: a second `ActivityOut` in another module
    silently replaces the first in the docs and in every generated client."""
    from ninja import Schema

    import shnor.api.app  # noqa: F401  (imports every API module)

    seen: dict[str, str] = {}
    todo = list(Schema.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not cls.__module__.startswith("shnor."):
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        assert seen.setdefault(cls.__name__, where) == where, f"{cls.__name__}: {seen[cls.__name__]} and {where}"


def test_it_matches_the_openapi_snapshot(db: Any) -> None:
    """A changed API must be a deliberate change: regenerate with SHNOR_UPDATE_SNAPSHOT=1."""
    import os

    from shnor.api.app import api

    schema = json.loads(json.dumps(api.get_openapi_schema(), ensure_ascii=False, sort_keys=True, default=str))
    if os.environ.get("SHNOR_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert schema == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_it_serves_the_docs_page(client: Client, login: Any) -> None:
    assert client.get("/api/docs").status_code == 302  # to the sign-in page
    response = login("school").get("/api/docs")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()


def test_the_description_is_read_with_a_token(client: Client, world: World, login: Any) -> None:
    """A client generator or an integrator's CI has no browser session: its token reads the API's
    description (it was sent to the sign-in page); a token not valid is refused with a problem, not
    redirected; without either, the sign-in page as before."""
    response = client.get("/api/openapi.json", **_bearer(world, "observer"))
    assert response.status_code == 200 and response.json()["info"]["title"] == "shnor API"
    assert client.get("/api/docs", **_bearer(world, "teacher")).status_code == 200
    refused = client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer shnor_nonsense")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["title"] == "Требуется вход в систему" and refused["WWW-Authenticate"] == "Bearer"
    anonymous = client.get("/api/openapi.json")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert client.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer").status_code == 401  # no token at all
    _, key = issue_token(world.users["observer"], "lower")
    assert client.get("/api/openapi.json", HTTP_AUTHORIZATION=f"bearer {key}").status_code == 200
    world.users["observer"].is_active = False
    world.users["observer"].save()
    assert client.get("/api/openapi.json", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401  # blocked account
    # Signed in, with a stale token too: the session serves, as the API's own operations do.
    signed = login("school")
    assert signed.get("/api/openapi.json", HTTP_AUTHORIZATION="Bearer shnor_nonsense").status_code == 200


def test_it_saves_a_column_mapping_sent_as_the_json_body(client: Client, world: World) -> None:
    """The mapping is the request's body (it used to be read from a query parameter nobody could send)."""
    spec = {"name": "district-codes", "kind": "schools", "columns": {"school_id": "Код ОО"}}
    operator = _bearer(world, "operator")
    response = client.post("/api/mappings", data=json.dumps(spec), content_type="application/json", **operator)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "district-codes"
    refused = client.post(
        "/api/mappings", data=json.dumps(spec), content_type="application/json", **_bearer(world, "school")
    )
    assert refused.status_code == 403
    broken = client.post("/api/mappings", data=json.dumps({"name": "x"}), content_type="application/json", **operator)
    assert broken.status_code == 422 and "kind" in broken.content.decode()


def test_every_refusal_of_a_service_is_one_kind_answered_once(rf: Any) -> None:
    """Issue 21: the API listed its refusal classes by hand, and one left off (the questionnaires')
    became a 500. Every exception a service module defines is now a DomainRefusal, answered by one
    handler with its status (409; a mapping that does not pass its schema 422)."""
    import importlib
    import inspect
    import pkgutil

    import shnor
    from shnor.api.app import api
    from shnor.core.errors import DomainRefusal
    from shnor.ingest.mapping import MappingError
    from shnor.risks.services import QuestionnaireError

    checked = []
    for info in pkgutil.walk_packages(shnor.__path__, "shnor."):
        in_services = info.name.endswith(".services") or ".services." in info.name  # a module or a package
        if not in_services and not info.name.startswith("shnor.core."):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Exception) and not name.startswith("_"):
                if name in {"PresetError"}:  # a preset file that does not load: the operator's, not a request's
                    continue
                assert issubclass(cls, DomainRefusal), f"{info.name}.{name} is not a DomainRefusal"
                checked.append(name)
    assert len(checked) >= 10
    request = rf.get("/api/risks/profiles")
    answer = api.on_exception(request, QuestionnaireError("Приём ответов по этой анкете закрыт."))
    assert answer.status_code == 409 and "закрыт" in json.loads(answer.content)["detail"]
    assert api.on_exception(request, MappingError("нет столбца")).status_code == 422
