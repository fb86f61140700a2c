"""The operations added for parity with the pages (issue 25), each driven as an integrator would:
with a token, through the same services, scope and refusals as the page that does the same."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from shnor.identification import labels
from shnor.identification.models import Run, Sign
from shnor.programmes.models import Activity, Evidence, Indicator, Programme
from shnor.records.models import Decision
from shnor.registry.models import School
from shnor.risks.models import QuestionnaireLink
from shnor.support.models import Curator, Pairing
from tests.app.test_network_api import Api
from tests.app.test_support import identification, included_pool
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _school_template() -> str:
    from shnor.programmes import services

    return next(t.code for t in services.templates() if t.level == "school")


def test_a_school_carries_its_programme_out_through_the_api(client: Client, world: World) -> None:
    head, operator, other = Api(client, world, "school"), Api(client, world, "operator"), Api(client, world, "curator")
    created = head.send("post", "/programmes", {"template": _school_template()})
    assert created.status_code == 201, created.content
    p = created.json()
    assert p["school_id"] == "A001" and p["status"] == "draft" and p["revision"] >= 0
    # A role that drafts no programmes is refused; a template of another level is not the school's.
    assert other.send("post", "/programmes", {"template": _school_template()}).status_code == 403
    assert head.send("post", "/programmes", {"template": "нет-такого"}).status_code == 409
    # The operator names the school by its code; a municipality's coordinator cannot reach another's.
    by_code = operator.send("post", "/programmes", {"template": _school_template(), "school_id": "A002"})
    assert by_code.status_code == 201 and by_code.json()["school_id"] == "A002"
    School.objects.filter(school_id="A002").update(is_active=False)
    closed = operator.send("post", "/programmes", {"template": _school_template(), "school_id": "A002"})
    assert closed.status_code == 404  # a closed school gets no new programme, as the page offers none
    School.objects.filter(school_id="A002").update(is_active=True)
    municipal = Api(client, world, "municipal")
    assert (
        municipal.send("post", "/programmes", {"template": _school_template(), "school_id": "B001"}).status_code == 404
    )

    # The draft's text, from the revision read; a stale revision is refused and changes nothing.
    url = f"/programmes/{p['id']}"
    changed = head.send("patch", url, {"revision": p["revision"], "title": "Программа А1", "goal": "Рост"})
    assert changed.status_code == 200 and changed.json()["title"] == "Программа А1"
    stale = head.send("patch", url, {"revision": p["revision"], "title": "Чужая правка"})
    assert stale.status_code == 409 and "изменили" in stale.json()["detail"]
    backwards = head.send(
        "patch", url, {"revision": changed.json()["revision"], "start": "2027-01-01", "end": "2026-01-01"}
    )
    assert backwards.status_code == 409 and "раньше" in backwards.json()["detail"]
    assert Programme.objects.get(pk=p["id"]).title == "Программа А1"
    # A field sent as null is refused (it would blank a required column), not a 500.
    fresh = head.get(url).json()["revision"]
    for field in ("goal", "start"):
        blank = head.send("patch", url, {"revision": fresh, field: None})
        assert blank.status_code == 422 and blank.json()["errors"][0]["loc"][-1] == field

    # A regulation step ticked and unticked (the steps of Ivanovo's regulation; Volgograd's template
    # has none); a step that does not exist is a refusal.
    steps = [{"title": t, "done_on": None} for t in ("Заявка от руководства школы", "Собеседование", "Диагностика")]
    Programme.objects.filter(pk=p["id"]).update(regulation=steps)
    ticked = head.send("put", f"{url}/steps/0", {"done": True})
    assert ticked.status_code == 200, ticked.json()
    assert ticked.json()["regulation"][0]["done_on"] == dt.date.today().isoformat()
    assert head.send("put", f"{url}/steps/0", {"done": False}).json()["regulation"][0]["done_on"] is None
    assert head.send("put", f"{url}/steps/999", {"done": True}).status_code == 409

    # An activity marked done; «overdue» is the system's own mark, not a person's.
    activity = Activity.objects.filter(programme_id=p["id"]).order_by("pk").first()
    assert activity is not None
    done = head.send("patch", f"{url}/activities/{activity.pk}", {"status": "done", "note": "Проведено"})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["done_on"]
    assert head.send("patch", f"{url}/activities/{activity.pk}", {"status": "overdue"}).status_code == 422
    # The observer sees the programme but does not carry it out.
    observer = Api(client, world, "observer")
    assert observer.send("patch", f"{url}/activities/{activity.pk}", {"status": "done"}).status_code == 403

    # Evidence: a file uploaded as multipart, listed, downloaded byte for byte; a link; neither is refused.
    upload = io.BytesIO(b"%PDF-1.4 protocol")
    upload.name = "протокол.pdf"
    sent = client.post(
        f"/api{url}/activities/{activity.pk}/evidence", {"title": "Протокол", "file": upload}, **head.headers
    )
    assert sent.status_code == 201, sent.content
    evidence = sent.json()
    assert evidence["file_name"].endswith(".pdf") and evidence["download"].endswith(f"/{evidence['id']}/file")
    linked = client.post(
        f"/api{url}/activities/{activity.pk}/evidence",
        {"title": "Сайт", "link": "https://school.example/news"},
        **head.headers,
    )
    assert linked.status_code == 201 and linked.json()["download"] is None
    empty = client.post(f"/api{url}/activities/{activity.pk}/evidence", {"title": "Ничего"}, **head.headers)
    assert empty.status_code == 409 and "файл" in empty.json()["detail"]
    bad_link = client.post(
        f"/api{url}/activities/{activity.pk}/evidence", {"title": "x", "link": "not a url"}, **head.headers
    )
    assert bad_link.status_code == 422 and bad_link.json()["errors"][0]["loc"] == ["link"]
    listed = head.get(f"{url}/evidence").json()
    assert listed["count"] == 2 and {e["title"] for e in listed["items"]} == {"Протокол", "Сайт"}
    file: Any = client.get(f"/api{evidence['download'][4:]}", **head.headers)
    assert file.status_code == 200 and b"".join(file.streaming_content) == b"%PDF-1.4 protocol"
    assert Evidence.objects.filter(activity=activity).count() == 2
    # Another school's head does not see this programme, its evidence or its files.
    stranger = Api(client, world, "other_school")
    assert stranger.get(f"{url}/evidence").status_code == 404
    assert client.get(f"/api{evidence['download'][4:]}", **stranger.headers).status_code == 404

    # An indicator without a binding gets its actual value; one bound to the system's figures refuses.
    bound = Indicator.objects.filter(programme_id=p["id"]).exclude(binding="").first()
    assert bound is not None  # the template's indicators follow the system's figures
    assert head.send("put", f"{url}/indicators/{bound.pk}", {"actual": 1}).status_code == 409
    free = Indicator.objects.create(programme_id=p["id"], title="Доля уроков с обратной связью", unit="%", target=80)
    put = head.send("put", f"{url}/indicators/{free.pk}", {"actual": 12.5})
    assert put.status_code == 200 and put.json()["actual"] == 12.5
    assert Indicator.objects.get(pk=free.pk).actual == 12.5

    # Monitoring waves: none in a draft; the entry wave of a programme in force, once.
    assert head.get(f"{url}/waves").json() == []
    Programme.objects.filter(pk=p["id"]).update(status="in_force")
    wave = head.send("post", f"{url}/waves", {"kind": "entry"})
    assert wave.status_code == 201 and wave.json()["kind_label"] == "входной мониторинг"
    assert wave.json()["snapshot"]["indicators"]
    assert head.send("post", f"{url}/waves", {"kind": "entry"}).status_code == 409
    assert [w["kind"] for w in operator.get(f"{url}/waves").json()] == ["entry"]


def test_anti_risk_programme_and_exit(client: Client, world: World) -> None:
    from shnor.registry import services as registry

    head, coordinator = Api(client, world, "school"), Api(client, world, "coordinator")
    p = head.send("post", "/programmes", {"template": _school_template()}).json()
    factor = registry.preset().catalogue().factors[0].code
    anti = head.send("post", f"/programmes/{p['id']}/anti-risk", {"factor": factor})
    assert anti.status_code == 201 and anti.json()["level"] == "anti_risk" and anti.json()["risk_factor"] == factor
    assert head.send("post", f"/programmes/{p['id']}/anti-risk", {"factor": "R99"}).status_code == 409
    # Exit: only programmes in force are proposed; approving a draft is refused, nothing written.
    assert coordinator.get("/programmes/exit").json()["count"] == 0
    refused = coordinator.send(
        "post", "/programmes/exit", {"programmes": [p["id"]], "number": "1", "date": "2026-12-01"}
    )
    assert refused.status_code == 409 and not Decision.objects.exists()
    assert (
        head.send(
            "post", "/programmes/exit", {"programmes": [p["id"]], "number": "1", "date": "2026-12-01"}
        ).status_code
        == 403
    )


def test_the_list_reviewed_changed_and_approved_through_the_api(client: Client, world: World) -> None:
    from shnor.presets import load

    run = identification(world)
    Run.objects.filter(pk=run.pk).update(preset_text=load("volgograd-2021")[1])  # the order cites its act
    operator, coordinator, municipal = (Api(client, world, n) for n in ("operator", "coordinator", "municipal"))
    listed = operator.get(f"/identification/runs/{run.pk}/list").json()
    assert {r["school_id"] for r in listed["items"]} == {"A001", "A002"}
    assert {r["group_label"] for r in listed["items"]} <= set(labels.GROUPS.values())
    # A sign of bias confirmed by the region; the municipality may not decide it.
    sign = Sign.objects.create(
        run=run, school=world.a1, year=2026, code="share_top", value=0.4, threshold=0.3, reference=0.2
    )
    assert (
        municipal.send("put", f"/identification/runs/{run.pk}/signs/{sign.pk}", {"review": "confirmed"}).status_code
        == 403
    )
    reviewed = coordinator.send(
        "put", f"/identification/runs/{run.pk}/signs/{sign.pk}", {"review": "rejected", "note": "Проверено"}
    )
    assert reviewed.status_code == 200 and reviewed.json()["review"] == "rejected"
    assert (
        coordinator.send("put", f"/identification/runs/{run.pk}/signs/{sign.pk}", {"review": "maybe"}).status_code
        == 422
    )
    # The operator removes a school with the reason; a school outside the run is not found.
    change = operator.send(
        "post",
        f"/identification/runs/{run.pk}/list/changes",
        {"school_id": "A002", "action": "remove", "reason": "Решение РГ"},
    )
    assert change.status_code == 201 and change.json()["school_id"] == "A002"
    assert (
        operator.send(
            "post", f"/identification/runs/{run.pk}/list/changes", {"school_id": "Z999", "action": "add", "reason": "x"}
        ).status_code
        == 404
    )
    assert (
        coordinator.send(
            "post",
            f"/identification/runs/{run.pk}/list/changes",
            {"school_id": "A001", "action": "remove", "reason": "x"},
        ).status_code
        == 403
    )
    assert [r["school_id"] for r in operator.get(f"/identification/runs/{run.pk}/list").json()["items"]] == ["A001"]
    # Approval: the order and the note; a second approval of the same run is refused.
    body = {"number": "15-п", "date": "2026-11-20", "signatory": "Министр"}
    approved = coordinator.send("post", f"/identification/runs/{run.pk}/list/approve", body)
    assert approved.status_code == 201, approved.content
    assert approved.json()["number"] == "15-п" and Run.objects.get(pk=run.pk).is_approved
    assert coordinator.send("post", f"/identification/runs/{run.pk}/list/approve", body).status_code == 409
    assert municipal.send("post", f"/identification/runs/{run.pk}/list/approve", body).status_code == 403


def test_risk_profiles_built_and_questionnaires_published(client: Client, world: World) -> None:
    operator, head, teacher = (
        Api(client, world, "operator"),
        Api(client, world, "school"),
        Api(client, world, "teacher"),
    )
    built = operator.send("post", "/risks/profiles/builds", {"year": 2026})
    assert built.status_code == 201 and built.json()["year"] == 2026
    assert head.send("post", "/risks/profiles/builds", {"year": 2026}).status_code == 403
    published = head.send("post", "/risks/questionnaires", {"school_id": "A001", "year": 2026})
    assert published.status_code == 201
    links = published.json()
    assert len(links) == 4 and all(link["is_open"] and link["url"].startswith("http") for link in links)
    # The observer reads the groups and counts, never the address (the token is the form's only key).
    observer = Api(client, world, "observer").get("/risks/questionnaires", school_id="A001", year=2026).json()
    assert len(observer) == 4 and all(link["url"] is None for link in observer)
    assert teacher.get("/risks/questionnaires", school_id="A001", year=2026).status_code == 404
    assert head.send("post", "/risks/questionnaires", {"school_id": "B001", "year": 2026}).status_code == 404
    closed = head.send("post", f"/risks/questionnaires/{links[0]['id']}/close")
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    assert QuestionnaireLink.objects.filter(is_open=False).count() == 1


def test_agreements_events_and_practices(client: Client, world: World) -> None:
    identification(world)
    b1, _ = included_pool(world)
    pairing = Pairing.objects.create(
        year=2026, school=world.a1, curator=Curator.objects.get(pk=b1.pk), status="approved"
    )
    operator, head, municipal = (
        Api(client, world, "operator"),
        Api(client, world, "school"),
        Api(client, world, "municipal"),
    )
    terms = {"number": "7", "date": "2026-10-01", "start": "2026-10-01", "end": "2027-06-30"}
    assert head.send("post", f"/support/pairs/{pairing.pk}/agreements", terms).status_code == 403
    made = operator.send("post", f"/support/pairs/{pairing.pk}/agreements", terms)
    assert made.status_code == 201, made.content
    assert "Школа А1" in made.json()["parties"] and len(made.json()["sha256"]) == 64
    backwards = operator.send("post", f"/support/pairs/{pairing.pk}/agreements", {**terms, "end": "2026-01-01"})
    assert backwards.status_code == 409
    assert head.get(f"/support/pairs/{pairing.pk}/agreements").json()["count"] == 1
    docx: Any = client.get(f"/api{made.json()['download'][4:]}", **head.headers)
    assert docx.status_code == 200 and b"".join(docx.streaming_content)[:2] == b"PK"
    assert Api(client, world, "teacher").get(f"/support/pairs/{pairing.pk}/agreements").status_code == 404
    # The form of support: the region's decision.
    assert head.send("put", f"/support/pairs/{pairing.pk}/form", {"form": "group"}).status_code == 403
    assert operator.send("put", f"/support/pairs/{pairing.pk}/form", {"form": "nonsense"}).status_code == 422
    changed = operator.send("put", f"/support/pairs/{pairing.pk}/form", {"form": "consulting"})
    assert changed.status_code == 200 and Pairing.objects.get(pk=pairing.pk).form == "consulting"

    # Events: a municipal coordinator records its municipality's, not a regional one.
    event = {"title": "Семинар", "kind": "seminar", "level": "municipal", "date": "2026-11-10", "participants": 20}
    own = municipal.send("post", "/support/events", {**event, "municipality_id": world.muni_a.pk})
    assert own.status_code == 201 and own.json()["municipality"] == "Альфинский район"
    assert municipal.send("post", "/support/events", {**event, "level": "regional"}).status_code == 403
    assert municipal.send("post", "/support/events", {**event, "kind": "пикник"}).status_code == 422
    assert operator.get("/support/events", year=2026).json()["count"] == 1

    # Practices: a school describes its own; the operator publishes it; a draft is its school's.
    practice = {"title": "Наставничество", "school_id": "A001", "summary": "Пары учителей", "factors": ["r06"]}
    drafted = head.send("post", "/support/practices", practice)
    assert drafted.status_code == 201 and drafted.json()["status"] == "draft" and drafted.json()["factors"] == ["R06"]
    assert head.send("post", "/support/practices", {**practice, "school_id": "B001"}).status_code == 404
    assert Api(client, world, "other_school").get("/support/practices").json()["count"] == 0
    assert head.send("post", f"/support/practices/{drafted.json()['id']}/publish", {}).status_code == 403
    published = operator.send("post", f"/support/practices/{drafted.json()['id']}/publish", {"publish": True})
    assert published.json()["status"] == "published"
    assert Api(client, world, "other_school").get("/support/practices").json()["count"] == 1


def test_registry_catalogue_cyclogram_and_protocol(client: Client, world: World) -> None:
    operator, municipal = Api(client, world, "operator"), Api(client, world, "municipal")
    muni = operator.send("post", "/municipalities", {"region_id": world.region.pk, "code": "C", "name": "Центральный"})
    assert muni.status_code == 201, muni.json()["errors"]
    assert muni.json()["kind"] == "municipal_district"
    twin = operator.send("post", "/municipalities", {"region_id": world.region.pk, "code": "C", "name": "Другой"})
    assert twin.status_code == 422
    assert (
        municipal.send("post", "/municipalities", {"region_id": world.region.pk, "code": "D", "name": "x"}).status_code
        == 403
    )
    renamed = operator.send("patch", f"/municipalities/{muni.json()['id']}", {"name": "Центральный округ"})
    assert renamed.json()["name"] == "Центральный округ"
    person = operator.send(
        "post", "/people", {"full_name": "Петров П. П.", "position": "методист", "municipality_id": world.muni_a.pk}
    )
    assert person.status_code == 201
    moved = municipal.send("patch", f"/people/{person.json()['id']}", {"position": "руководитель ММС"})
    assert moved.status_code == 200 and moved.json()["position"] == "руководитель ММС"
    far = world.muni_b.people.first() if hasattr(world.muni_b, "people") else None
    if far is not None:
        assert municipal.send("patch", f"/people/{far.pk}", {"position": "x"}).status_code == 404

    from shnor.staff import services as staff

    area = next(iter(staff.rules().areas))
    offer = {"kind": "course", "title": "Формирующее оценивание", "hours": 36, "areas": [area]}
    assert municipal.send("post", "/teachers/catalogue", offer).status_code == 403
    added = operator.send("post", "/teachers/catalogue", offer)
    assert added.status_code == 201 and added.json()["areas"] == [area]
    assert operator.send("post", "/teachers/catalogue", {**offer, "areas": ["нет"]}).status_code == 422

    cyclogram = municipal.get("/cycle/cyclogram", year=2026).json()
    assert cyclogram["year"] == 2026 and cyclogram["lines"]
    assert all(line["source"] and line["start"] <= line["end"] for line in cyclogram["lines"])

    meeting = operator.send(
        "post",
        "/meetings",
        {
            "body": "Региональная рабочая группа",
            "number": "3",
            "date": "2026-11-12",
            "chair": "Иванов",
            "secretary": "Петрова",
            "items": [{"title": "О перечне школ"}],
        },
    )
    assert meeting.status_code == 201, meeting.json()
    again = operator.send("post", f"/meetings/{meeting.json()['id']}/protocol")
    assert again.status_code == 201 and len(again.json()["documents"]) == 2
    # The regional group's meeting is the region's act: a municipality does not see it at all.
    assert municipal.send("post", f"/meetings/{meeting.json()['id']}/protocol").status_code == 404
