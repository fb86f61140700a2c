"""The records app: one way to store a generated document, one authority, decisions' own state, and
the move of Decision and Document out of the cycle app keeping rows, links and audit history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor

from shnor.presets import load
from shnor.records import services as records
from shnor.records.models import Decision, Document
from shnor.registry.models import Municipality


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _decision() -> Decision:
    return Decision.objects.create(kind=Decision.Kind.ORGANISING, title="О мерах", number="1", date=dt.date(2026, 3, 1))


def test_a_stored_document_keeps_its_row_and_file(world: Any) -> None:
    decision = _decision()
    document = records.store_document(
        Document.Kind.ORDER, "Приказ № 1", b"PK-docx", "order-1.docx", world.users["operator"], decision=decision
    )
    assert document.pk and document.size == 7 and len(document.sha256) == 64
    assert document.created_by == world.users["operator"] and document.decision == decision
    assert [p.read_bytes() for p in _files()] == [b"PK-docx"]


def test_a_failure_after_storing_removes_the_file_with_the_row(world: Any) -> None:
    decision = _decision()
    with pytest.raises(RuntimeError), records.keeping():
        records.store_document(Document.Kind.ORDER, "Приказ", b"one", "a.docx", None, decision=decision)
        records.store_document(Document.Kind.ORDER, "Справка", b"two", "b.docx", None, decision=decision)
        raise RuntimeError("the order could not be registered")
    assert Document.objects.count() == 0 and _files() == []


def test_an_inner_keeping_that_committed_is_undone_by_the_outer_failure(world: Any) -> None:
    decision = _decision()
    with pytest.raises(RuntimeError), records.keeping():
        with records.keeping():
            records.store_document(Document.Kind.ORDER, "Приказ", b"one", "a.docx", None, decision=decision)
        assert len(_files()) == 1
        raise RuntimeError("later step failed")
    assert Document.objects.count() == 0 and _files() == []


def test_a_row_that_cannot_be_saved_leaves_no_file(world: Any) -> None:
    with pytest.raises(IntegrityError):  # the database's own check: a year is not negative
        records.store_document(Document.Kind.ORDER, "Приказ", b"one", "a.docx", None, year=-1)
    assert _files() == []


def test_the_authority_of_a_document(db: Any) -> None:
    preset = load("vologda-2019")[0]
    assert records.authority(preset) == "Департамент образования Вологодской области"
    assert records.authority(preset.model_copy(update={"authority": ""})) == (
        f"Орган управления образованием: {preset.region}"
    )
    district = Municipality(name="Добринский муниципальный район")
    assert records.authority(preset, district) == "Орган управления образованием: Добринский муниципальный район"


@pytest.mark.parametrize(
    ("due", "executed", "status"),
    [
        (None, None, "без срока"),
        (dt.date(2026, 6, 30), None, "на исполнении"),
        (dt.date(2026, 5, 31), None, "просрочено"),
        (dt.date(2026, 5, 31), dt.date(2026, 6, 2), "исполнено"),
    ],
)
def test_a_decisions_execution_status(due: Any, executed: Any, status: str) -> None:
    decision = Decision(date=dt.date(2026, 3, 1), due=due, executed_at=executed)
    assert decision.execution_status(dt.date(2026, 6, 1)) == status


@pytest.mark.django_db(transaction=True)
def test_moving_the_records_keeps_rows_links_and_their_audit_history() -> None:
    """Migrate back to before the move, write a decision with a school and a document the old way
    (cycle's models, their content types), then forward: the same rows, links and history."""
    executor = MigrationExecutor(connection)
    moved_apps = ("cycle", "programmes", "records")
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in moved_apps]
    before = [*others, ("cycle", "0003_management_cycle"), ("programmes", "0002_revision")]
    executor.migrate([*before, ("records", None)])
    old = executor.loader.project_state(before).apps
    region = old.get_model("registry", "Region").objects.create(code="T", name="Тестовая область")
    town = old.get_model("registry", "Municipality").objects.create(region=region, code="01", name="Город")
    school = old.get_model("registry", "School").objects.create(
        municipality=town, school_id="001", name="Школа № 1", locality="city"
    )
    decision = old.get_model("cycle", "Decision").objects.create(
        kind="organising", title="О перечне", number="7", date=dt.date(2026, 2, 1)
    )
    decision.schools.add(school)
    old.get_model("cycle", "Document").objects.create(
        kind="order",
        title="Приказ № 7",
        file="documents/2026/02/order.docx",
        sha256="0" * 64,
        size=1,
        decision=decision,
    )
    types = old.get_model("contenttypes", "ContentType").objects
    types.filter(app_label="records").delete()  # made by the test database's set-up, not by a real upgrade
    content_type, _ = types.get_or_create(app_label="cycle", model="decision")
    old.get_model("audit", "AuditEntry").objects.create(
        content_type=content_type, object_id=str(decision.pk), action="create", changes={}
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    moved = Decision.objects.get(pk=decision.pk)
    assert [s.school_id for s in moved.schools.all()] == ["001"]
    assert [d.title for d in moved.documents.all()] == ["Приказ № 7"]
    from django.contrib.contenttypes.models import ContentType

    from shnor.audit.models import AuditEntry

    ContentType.objects.clear_cache()
    assert AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Decision), object_id=str(decision.pk)
    ).exists()


def test_documents_are_issued_and_signed_as_the_regions_requisites_say(world: Any) -> None:
    """The region's requisites name the authority, the signatory and the executor; a region not the
    preset's own is never given the preset's region's authority; a municipality's act is signed by
    its head, not the region's; what the approving person typed wins."""
    from shnor.documents.identification import OrderData, order

    preset = load("volgograd-2021")[0]
    region = world.region
    region.name = "Демонстрационная область"
    region.save()
    assert records.authority(preset) == "Орган управления образованием: Демонстрационная область"
    region.name = preset.region
    region.save()
    assert records.authority(preset) == preset.authority  # the preset's own region
    assert records.signature() == ("Руководитель", "") and records.executor() == ""
    region.authority, region.head_title, region.head_name = (
        "Комитет образования области",
        "Председатель комитета",
        "А. А. Образцова",
    )
    region.executor, region.executor_contacts = "Петрова Ирина Сергеевна, методист", "тел. 8 (800) 000-00-00"
    region.save()
    assert records.authority(preset) == "Комитет образования области"
    assert records.authority(preset, world.muni_a) == f"Орган управления образованием: {world.muni_a.name}"
    assert records.signature() == ("Председатель комитета", "А. А. Образцова")
    assert records.signature(" Первый заместитель председателя, И. И. Иванов ") == (
        "Первый заместитель председателя, И. И. Иванов",
        "",
    )
    assert records.signature("", world.muni_a) == ("Руководитель", "")
    assert records.executor() == "Исполнитель: Петрова Ирина Сергеевна, методист, тел. 8 (800) 000-00-00"
    position, name = records.signature()
    content = order(
        OrderData(authority=records.authority(preset), number="1", date=dt.date(2027, 2, 1), year=2026, basis="Концепция",
                  schools=[], signatory=position, signatory_name=name, executor=records.executor())
    )  # fmt: skip
    import io

    from docx import Document as Docx

    lines = [p.text for p in Docx(io.BytesIO(content)).paragraphs]
    assert lines[0] == "КОМИТЕТ ОБРАЗОВАНИЯ ОБЛАСТИ"
    assert "Председатель комитета\t______________ А. А. Образцова" in lines
    signed = lines.index("Председатель комитета\t______________ А. А. Образцова")
    assert lines[signed + 2] == "Исполнитель: Петрова Ирина Сергеевна, методист, тел. 8 (800) 000-00-00"
