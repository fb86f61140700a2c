"""Issue 20: a teacher saw the school's risk profile, its identification results with objectivity
flags, the curator pair's consultation journal and files, and the programme — more than the
«общие сведения» the roles guide promises. Now a teacher reads their own record and the school's
general information (its card, structures, events, practices), nothing else of the school."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from shnor.identification.models import Run
from shnor.programmes import services as programmes
from shnor.support.models import Pairing
from tests.app.test_network_api import Api
from tests.app.test_support import identification, included_pool
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_teacher_reads_general_information_only(client: Client, world: World) -> None:
    identification(world)
    b1, _ = included_pool(world)
    Pairing.objects.create(year=2026, school=world.a1, curator=b1, status=Pairing.Status.APPROVED)
    programme = programmes.create(
        world.users["school"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 1, 1)
    )
    run = Run.objects.filter(status=Run.Status.DONE).latest("pk")

    def seen(role: str) -> dict[str, Any]:
        api = Api(client, world, role)
        return {
            "schools": [s["school_id"] for s in api.get("/schools").json()["items"]],
            "results": api.get(f"/identification/runs/{run.pk}/results").json()["count"],
            "result": api.get(f"/identification/runs/{run.pk}/schools/A001").status_code,
            "programmes": api.get("/programmes").json()["count"],
            "programme": api.get(f"/programmes/{programme.pk}").status_code,
            "pairs": api.get("/support/pairs").json()["count"],
        }

    teacher, head = seen("teacher"), seen("school")
    assert teacher == {"schools": ["A001"], "results": 0, "result": 404, "programmes": 0, "programme": 404, "pairs": 0}
    assert head["results"] >= 1 and head["result"] == 200 and head["programmes"] == 1 and head["pairs"] == 1
    # The teacher's own record is theirs as before; the school's card too. The risk-profile page
    # answers 404, not «not computed yet» (which was untrue) with links to the other years.
    assert Api(client, world, "teacher").get(f"/schools/{world.a1.pk}").status_code == 200
    client.force_login(world.users["teacher"])
    assert client.get(f"/risks/schools/{world.a1.pk}/2026/").status_code == 404
    client.force_login(world.users["school"])
    assert client.get(f"/risks/schools/{world.a1.pk}/2026/").status_code == 200
