"""The management cycle over the API: the same rules and scope as the pages, refusals as 409 with
the Russian reason, rights as 403, out of scope as 404."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.test import Client

from shnor.cycle.models import Recommendation
from tests.app.test_network_api import Api
from tests.app.test_support import identification
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_goals_targets_and_analysis(client: Client, world: World) -> None:
    identification(world)
    operator, municipal = Api(client, world, "operator"), Api(client, world, "municipal")
    got = operator.get("/cycle/goals", year=2026).json()
    assert got["from_preset"] and len(got["tasks"]) == 6
    r = operator.send("put", "/cycle/goals?year=2026", {"goal": ["Цель"], "tasks": ["Задача 1", "Задача 2"]})
    assert r.status_code == 200 and r.json()["tasks"] == ["Задача 1", "Задача 2"] and not r.json()["from_preset"]
    assert municipal.send("put", "/cycle/goals?year=2026", {"goal": ["x"], "tasks": ["y"]}).status_code == 403
    r = municipal.send("put", f"/cycle/goals?year=2026&municipality={world.muni_a.pk}", {"goal": ["x"], "tasks": ["y"]})
    assert r.status_code == 200 and r.json()["municipality"] == "Альфинский район"
    assert municipal.get("/cycle/goals", year=2026, municipality=world.muni_b.pk).status_code == 404
    r = operator.send("put", "/cycle/targets?year=2026", {"targets": {"1.2": 70, "1.4.2": None}})
    assert {t["code"]: t["value"] for t in r.json()}["1.2"] == 70
    bad = operator.send("put", "/cycle/targets?year=2026", {"targets": {"1.2": 170}})
    assert bad.status_code == 409 and "0–100" in bad.json()["detail"]
    directions = operator.get("/cycle/analysis", year=2026).json()
    assert [d["code"] for d in directions] == ["identification", "dynamics", "competences", "assistance"]
    assert directions[1]["indicators"][0]["target"] == 70
    r = operator.send("put", "/cycle/analysis/dynamics?year=2026", {"text": "Динамика положительная."})
    assert r.json()["conclusion"] == "Динамика положительная."


def test_the_municipality_cannot_take_the_regions_draft(client: Client, world: World) -> None:
    """Issue 20: municipal POST /recommendations for a school the region drafts answered 201 with
    the region's id, its level turned municipal and its text replaced; draft-all did it to all."""
    identification(world)
    operator, municipal = Api(client, world, "operator"), Api(client, world, "municipal")
    rec = operator.send("post", "/recommendations", {"year": 2026, "addressee": "school", "target_id": world.a1.pk})
    rec = rec.json()
    edited = operator.send(
        "patch", f"/recommendations/{rec['id']}", {"version": rec["version"], "title": "Т", "text": "Текст оператора"}
    )
    assert edited.status_code == 200
    r = municipal.send("post", "/recommendations", {"year": 2026, "addressee": "school", "target_id": world.a1.pk})
    assert r.status_code == 409 and "на региональном уровне" in r.json()["detail"]
    done = municipal.send("post", "/recommendations/draft-all?year=2026").json()
    assert done["held_elsewhere"] == 1
    after = operator.get(f"/recommendations/{rec['id']}").json()
    assert (after["level"], after["text"]) == ("region", "Текст оператора")


def test_recommendation_decision_and_evidence(client: Client, world: World) -> None:
    identification(world)
    operator, head, other = (
        Api(client, world, "operator"),
        Api(client, world, "school"),
        Api(client, world, "other_school"),
    )
    r = operator.send("post", "/recommendations", {"year": 2026, "addressee": "school", "target_id": world.a1.pk})
    assert r.status_code == 201, r.content
    rec = r.json()
    assert rec["status"] == "draft" and rec["addressee_name"] == "Школа А1"
    path = f"/recommendations/{rec['id']}"
    r = operator.send("patch", path, {"version": rec["version"], "title": "Рекомендации А1", "text": "1. Сделать"})
    assert r.status_code == 200 and r.json()["version"] == rec["version"] + 1
    stale = operator.send("patch", path, {"version": rec["version"], "title": "x", "text": "y"})
    assert stale.status_code == 409 and "другой пользователь" in stale.json()["detail"]
    assert head.send("post", f"{path}/issue").status_code == 404  # a draft is not shown to its addressee
    issued = operator.send("post", f"{path}/issue").json()
    assert issued["status"] == "issued" and len(issued["documents"]) == 1
    document_url = issued["documents"][0]["url"]
    assert other.get(path).status_code == 404
    assert other.client.get(document_url, **other.headers).status_code == 404
    docx = head.client.get(document_url, **head.headers)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert head.send("post", f"{path}/read").json()["status"] == "read"
    assert head.send("post", f"{path}/report", {"text": "Коротко"}).status_code == 409
    assert (
        head.send("post", f"{path}/report", {"text": "Проведён педагогический совет."}).json()["status"] == "reported"
    )
    assert operator.get("/recommendations", year=2026).json()["count"] == 1
    assert operator.send("post", "/recommendations/draft-all?year=2026").json() == {
        "drafted": 2,
        "issued": 1,
        "held_elsewhere": 0,
    }
    # A measure and a decision with its document; duplicates refused.
    m = operator.send(
        "post",
        "/measures",
        {
            "year": 2026,
            "title": "Семинар",
            "direction": "management",
            "responsible": "ВГАПО",
            "start": "2026-03-01",
            "end": "2026-03-10",
            "schools": ["A001"],
        },
    )
    assert m.status_code == 201 and m.json()["schools"] == ["A001"]
    assert (
        operator.send("patch", f"/measures/{m.json()['id']}", {"status": "done", "result": "Проведён"}).json()["status"]
        == "done"
    )
    body = {
        "kind": "activating",
        "number": "15",
        "date": "2026-04-01",
        "title": "О курсах",
        "items": ["Направить педагогов на курсы."],
        "schools": ["A001"],
        "measures": [m.json()["id"]],
        "recommendations": [rec["id"]],
    }
    d = operator.send("post", "/decisions", body)
    assert d.status_code == 201, d.content
    assert d.json()["documents"][0]["kind"] == "order" and d.json()["recommendations"] == [rec["id"]]
    assert operator.send("post", "/decisions", body).status_code == 409
    assert operator.send("post", "/decisions", {**body, "number": "16", "schools": ["Z9"]}).status_code == 409
    executed = operator.send(
        "post", f"/decisions/{d.json()['id']}/execute", {"executed_at": "2026-05-01", "execution": "Исполнено."}
    )
    assert executed.json()["execution_status"] == "исполнено"
    # The meeting and its protocol; the effectiveness refusal; the pack.
    meeting = operator.send(
        "post",
        "/meetings",
        {
            "number": "3",
            "date": "2026-11-20",
            "chair": "А. А. Руководитель",
            "secretary": "Б. Б. Секретарь",
            "items": [{"title": "Об отчёте", "votes_for": 9}],
        },
    )
    assert meeting.status_code == 201 and meeting.json()["documents"][0]["kind"] == "protocol"
    refused = operator.get("/effect", start=2026, end=2026)
    assert refused.status_code == 409 and "позже" in refused.json()["detail"]
    report = operator.send("post", "/effect/report?start=2026&end=2026")
    assert report.status_code == 201 and report.json()["kind"] == "effect_report"
    pack = operator.get("/evidence/2026")
    assert pack.status_code == 200
    with zipfile.ZipFile(io.BytesIO(pack.content)) as z:
        assert "00 Опись.xlsx" in z.namelist()
    assert head.get("/evidence/2026").status_code == 403
    assert Recommendation.objects.count() == 3


def test_pdf_copy_of_a_document(client: Client, world: World) -> Any:
    operator = Api(client, world, "operator")
    meeting = operator.send(
        "post",
        "/meetings",
        {"number": "1", "date": "2026-11-20", "chair": "А", "secretary": "Б", "items": [{"title": "Вопрос"}]},
    ).json()
    pdf = operator.get(f"/documents/{meeting['documents'][0]['id']}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
