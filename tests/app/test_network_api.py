"""The support network and teachers over the API: the same services and scope as the pages.

The operator proposes and approves through the API, the curator keeps the journal, the school
rates, the region reads the pair's activity; a teacher's route goes from the card to completion.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shnor.accounts.models import User
from shnor.accounts.roles import Role
from shnor.accounts.services import create_user, issue_token
from shnor.registry.models import Person, School
from shnor.support.models import Curator, Pairing, Rule
from tests.app.test_support import identification, included_pool
from tests.app.test_teachers import staff
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, client: Client, world: World, name: str) -> None:
        _, key = issue_token(world.users[name], "test")
        self.client = client
        self.headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"}  # the client's `**extra`

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api{path}", params, **self.headers)

    def send(self, method: str, path: str, body: Any = None) -> Any:
        call = getattr(self.client, method)
        return call(f"/api{path}", body or {}, content_type="application/json", **self.headers)


def test_matching_pairs_journal_and_feedback(client: Client, world: World) -> None:
    identification(world)
    b1, resilient = included_pool(world)
    operator, school = Api(client, world, "operator"), Api(client, world, "school")
    curator, municipal = Api(client, world, "curator"), Api(client, world, "municipal")

    pool = operator.get("/support/curators", status="included").json()
    assert pool["count"] == 2 and pool["items"][0]["name"] == "Школа Б2"  # resilient first
    assert pool["items"][0]["missing"] == [] and pool["items"][0]["load"] == 0
    # The operator's decision goes through the same rules: inclusion needs every criterion.
    refused = operator.send(
        "patch", f"/support/curators/{b1.pk}", {"marks": {"strong_head": False}, "status": "included"}
    )
    assert refused.status_code == 409 and "руководителя" in refused.json()["detail"]
    assert (
        operator.send("patch", f"/support/curators/{b1.pk}", {"marks": {"strong_head": True}, "capacity": 2}).json()[
            "capacity"
        ]
        == 2
    )
    assert school.get("/support/curators").status_code == 200  # the pool is readable in scope
    person = Person.objects.get(full_name="Иванова Анна Петровна")
    tutor = {"person_id": person.pk, "municipality_id": world.muni_b.pk, "capacity": 1, "strengths": ["R06"]}
    assert school.send("post", "/support/curators/tutors", tutor).status_code == 403
    added = operator.send("post", "/support/curators/tutors", {**tutor, "username": "curator"})
    assert added.status_code == 409 and "без привязки к школе" in added.json()["detail"]
    added = operator.send("post", "/support/curators/tutors", tutor)
    assert added.status_code == 201 and added.json()["kind"] == "tutor" and added.json()["strengths"] == ["R06"]
    # Out of the matching: a tutor in the pool would change the assignment checked below.
    operator.send("patch", f"/support/curators/{added.json()['id']}", {"status": "excluded"})
    assert school.send("post", "/support/proposals", {"year": 2026}).status_code == 403

    # Forbid A1 → Б2; the exact solve still finds an assignment for both schools.
    rule = operator.send("put", "/support/rules", {"school_id": "A001", "curator_id": resilient.pk, "kind": "forbid"})
    assert rule.status_code == 200 and Rule.objects.get(school=world.a1).kind == "forbid"
    created = operator.send("post", "/support/proposals", {"year": 2026})
    assert created.status_code == 201
    proposal = created.json()
    assert proposal["total"] == pytest.approx(80.0) and proposal["unassigned"] == []
    assert proposal["greedy_total"] >= proposal["total"]
    by_school = {p["school_id"]: p for p in proposal["pairs"]}
    assert by_school["A001"]["curator_id"] == b1.pk and "соседний муниципалитет" in by_school["A001"]["reason"]
    assert (by_school["A001"]["theme"], by_school["A001"]["departure"]) == ("", "")  # pairs, not groups (Volgograd)
    assert "groups" not in proposal["settings"]
    # Approve one school's pair only.
    approved = operator.send("post", f"/support/proposals/{proposal['id']}/approve", {"school_ids": ["A001"]})
    assert approved.json() == {"approved": 1}
    assert operator.get("/support/proposals").json()["items"][0]["approved_at"]

    pairing = Pairing.objects.get(school=world.a1, status="approved")
    week_ago = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    entry = {"date": week_ago, "form": "seminar", "topic": "Оценивание", "participants": 6, "hours": 2}
    # The school does not keep the curator's journal; a school outside the pair does not see it,
    # the curator school's head does (a pair is seen from both ends).
    assert school.send("post", f"/support/pairs/{pairing.pk}/consultations", entry).status_code == 403
    create_user("b3", PASSWORD, Role.SCHOOL, school_id=School.objects.get(school_id="B003").pk)
    world.users["b3"] = User.objects.get(username="b3")
    assert Api(client, world, "b3").get(f"/support/pairs/{pairing.pk}").status_code == 404
    assert Api(client, world, "other_school").get(f"/support/pairs/{pairing.pk}").status_code == 200
    bad = curator.send("post", f"/support/pairs/{pairing.pk}/consultations", {**entry, "form": "party"})
    assert bad.status_code == 409 and "party" in bad.json()["detail"]
    made = curator.send("post", f"/support/pairs/{pairing.pk}/consultations", entry)
    assert made.status_code == 201 and made.json()["feedback"] is None
    consultation = made.json()["id"]
    assert curator.send("post", f"/support/consultations/{consultation}/feedback", {"rating": 5}).status_code == 403
    assert school.send("post", f"/support/consultations/{consultation}/feedback", {"rating": 7}).status_code == 422
    rated = school.send("post", f"/support/consultations/{consultation}/feedback", {"rating": 4, "comment": "полезно"})
    assert rated.status_code == 201 and rated.json()["rating"] == 4

    # The region's view of activity; the municipal coordinator of A sees the pair too.
    rows = municipal.get("/support/pairs", year=2026).json()
    assert rows["count"] == 1
    row = rows["items"][0]
    assert (row["consultations"], row["hours"], row["participants"], row["rated"], row["rating"]) == (1, 2.0, 6, 1, 4.0)
    assert row["pair"]["curator"] == "Школа Б1" and row["inactive"] is False
    detail = school.get(f"/support/pairs/{pairing.pk}").json()
    assert detail["journal"][0]["topic"] == "Оценивание" and detail["journal"][0]["feedback"]["comment"] == "полезно"
    assert operator.get("/support/pairs", inactive=True).json()["count"] == 0
    # Load counts the year's approved pairs.
    included = {c["id"]: c for c in operator.get("/support/curators", status="included").json()["items"]}
    assert included[b1.pk]["load"] == 1
    assert included[b1.pk]["load"] == Curator.objects.get(pk=b1.pk).pairings.filter(status="approved").count()


def test_teacher_card_route_and_targets(client: Client, world: World) -> None:
    me, colleague = staff(world)
    teacher, head, operator = (
        Api(client, world, "teacher"),
        Api(client, world, "school"),
        Api(client, world, "operator"),
    )
    listed = teacher.get("/teachers").json()
    assert [t["staff_key"] for t in listed["items"]] == ["TA001-001"]
    assert teacher.get(f"/teachers/{colleague.pk}").status_code == 404
    assert head.get("/teachers", school_id="A001").json()["count"] == 2
    new = {"school_id": "A001", "staff_key": "TA001-011", "position": "учитель", "subjects": "химия"}
    assert head.send("post", "/teachers", {**new, "school_id": "B001"}).status_code == 404  # out of scope
    assert head.send("post", "/teachers", {**new, "staff_key": "Петров Пётр"}).status_code == 409
    assert head.send("post", "/teachers", new).json()["subjects"] == "химия"
    assert head.get("/teachers", school_id="A001").json()["count"] == 3
    card = teacher.get(f"/teachers/{me.pk}").json()
    assert card["years"] == [2025, 2026]
    # 2026: assessment 0.55 is a deficit, methodical 0.60 is not (the threshold 0.6 itself is fine).
    assert card["deficits"] == {"assessment": pytest.approx(0.55)}
    areas = {a["area"]: a for a in card["areas"]}
    assert areas["methodical"]["values"] == [pytest.approx(0.4), pytest.approx(0.6)]
    assert areas["methodical"]["change"] == pytest.approx(0.2)

    route = teacher.send("post", f"/teachers/{me.pk}/routes", {"year": 2026})
    assert route.status_code == 201
    body = route.json()
    assert [i["title"] for i in body["items"]] == ["Оценивание"] and body["status"] == "draft"
    assert teacher.send("post", f"/teachers/routes/{body['id']}/approve").status_code == 403
    assert head.send("post", f"/teachers/routes/{body['id']}/approve").json()["status"] == "approved"
    item = body["items"][0]["id"]
    assert teacher.send("patch", f"/teachers/routes/items/{item}", {"status": "sleeping"}).status_code == 409
    done = teacher.send("patch", f"/teachers/routes/items/{item}", {"status": "done", "on": "2026-11-20"})
    assert done.json()["done_at"] == "2026-11-20"
    assert teacher.get(f"/teachers/{me.pk}").json()["routes"][0]["status"] == "completed"
    # Entered by hand: the head records a diagnostic and a course; the teacher may not.
    scores = {"digital": {"score": 4, "max_score": 10}}
    assert teacher.send("post", f"/teachers/{me.pk}/diagnostics", {"year": 2026, "scores": scores}).status_code == 403
    bad = head.send(
        "post", f"/teachers/{me.pk}/diagnostics", {"year": 2026, "scores": {"digital": {"score": 11, "max_score": 10}}}
    )
    assert bad.status_code == 409 and "от 0 до максимального" in bad.json()["detail"]
    assert head.send("post", f"/teachers/{me.pk}/diagnostics", {"year": 2026, "scores": scores}).json() == {
        "entered": 1
    }
    assert teacher.get(f"/teachers/{me.pk}").json()["deficits"]["digital"] == pytest.approx(0.4)
    today = timezone.localdate().isoformat()
    course = {"title": "Цифровая школа", "hours": 36, "start": today, "end": today}
    assert head.send("post", f"/teachers/{me.pk}/courses", course).status_code == 201
    assert head.send("post", f"/teachers/{me.pk}/courses", course).status_code == 409  # entered once
    # A draft route is edited: an item added and removed.
    route = teacher.send("post", f"/teachers/{me.pk}/routes", {"year": 2027}).json()
    due = "2027-06-30"
    added = teacher.send(
        "post", f"/teachers/routes/{route['id']}/items", {"title": "Наставничество", "hours": 10, "due": due}
    )
    assert added.status_code == 201
    assert teacher.send("delete", f"/teachers/routes/items/{added.json()['id']}").status_code == 204
    assert operator.get("/teachers/catalogue").json()["count"] == 3
    assert (
        operator.get("/teachers/aggregates", year=2026).json()[0]["teachers"] == 3
    )  # two from the fixture, one entered above
    assert operator.get("/teachers/targets", year=2026).status_code == 200
