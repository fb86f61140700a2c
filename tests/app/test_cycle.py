"""The management cycle end to end in the services: goals, targets, conclusions, recommendations
from draft to report, measures, decisions with their documents, the working group's protocol,
the effectiveness report and the evidence pack (documents read back, converted by LibreOffice)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from docx import Document as Docx
from openpyxl import load_workbook

from shnor.accounts.models import Notification
from shnor.cycle import effect, evidence, indicators
from shnor.cycle import services as cycle
from shnor.cycle.models import Measure, Recommendation
from shnor.documents import convert
from shnor.records import services as records
from shnor.records.models import Decision, Document
from shnor.support import services as support
from tests.app.test_support import identification, included_pool

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    d = Docx(io.BytesIO(content))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


def _file(document: Document) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


def test_goals_start_from_the_preset_and_are_kept_by_level(world: Any) -> None:
    operator, municipal = world.users["operator"], world.users["municipal"]
    g = cycle.goals(operator, 2026)
    assert g.from_preset and len(g.goal) == 1 and len(g.tasks) == 6 and "сетевые пары" in g.tasks[4]
    saved = cycle.set_goals(operator, 2026, None, "Цель региона", "1. Первая задача\n\n2) Вторая задача\n- Третья")
    assert not saved.from_preset and saved.tasks == ["Первая задача", "Вторая задача", "Третья"]
    # A municipal coordinator keeps their municipality's goals, not the region's nor another's.
    cycle.set_goals(municipal, 2026, world.muni_a, "Цель района", "Задача района")
    with pytest.raises(PermissionDenied):
        cycle.set_goals(municipal, 2026, None, "x", "y")
    with pytest.raises(PermissionDenied):
        cycle.set_goals(municipal, 2026, world.muni_b, "x", "y")
    with pytest.raises(PermissionDenied):
        cycle.set_goals(world.users["school"], 2026, world.muni_a, "x", "y")
    with pytest.raises(cycle.CycleError, match="задачи"):
        cycle.set_goals(operator, 2026, None, "Цель", "  ")
    assert cycle.goals(operator, 2027).from_preset  # another year starts from the preset again


def test_a_target_set_for_the_year_replaces_the_presets(world: Any) -> None:
    identification(world)
    operator = world.users["operator"]
    assert indicators.get(operator, 2026, "1.2").target == 50.0
    cycle.set_targets(operator, 2026, {"1.2": 80.0, "agreements": 7})
    assert cycle.targets(2026)["1.2"] == (80.0, "установлено на год")
    assert indicators.get(operator, 2026, "1.2").target == 80.0
    assert indicators.get(operator, 2025, "1.2").target == 50.0  # other years keep the preset's
    cycle.set_targets(operator, 2026, {"1.2": None})
    assert indicators.get(operator, 2026, "1.2").target == 50.0
    with pytest.raises(cycle.CycleError, match="0–100"):
        cycle.set_targets(operator, 2026, {"1.4.2": 120.0})
    with pytest.raises(cycle.CycleError, match="Нет показателя"):
        cycle.set_targets(operator, 2026, {"9.9": 1.0})
    with pytest.raises(PermissionDenied):
        cycle.set_targets(world.users["municipal"], 2026, {"1.2": 10.0})


def test_analysis_shows_the_figures_and_keeps_the_conclusions(world: Any) -> None:
    identification(world)
    operator = world.users["operator"]
    directions = cycle.analysis(operator, 2026)
    assert [d.code for d in directions] == ["identification", "dynamics", "competences", "assistance"]
    ident = dict(directions[0].figures)
    assert ident["Школ в расчёте"] == "8" and ident["Школ в перечне"] == "2"
    assert [v.definition.code for v in directions[1].values] == ["1.2"]
    cycle.save_conclusion(operator, 2026, "dynamics", None, "Обе школы перечня улучшили ИОР.")
    cycle.save_conclusion(operator, 2026, "dynamics", None, "Уточнённые выводы.")
    conclusion = cycle.analysis(operator, 2026)[1].conclusion
    assert conclusion is not None and conclusion.text == "Уточнённые выводы."
    with pytest.raises(cycle.CycleError, match="пустое"):
        cycle.save_conclusion(operator, 2026, "dynamics", None, " ")


def test_recommendation_from_draft_to_report(world: Any) -> None:
    run = identification(world)
    run.summary = {"ior_threshold": -0.3}
    run.save()
    operator, head = world.users["operator"], world.users["school"]
    included_pool(world)
    support.approve(operator, support.propose(operator, 2026), {world.a1.pk})
    rec = cycle.draft(operator, 2026, "school", world.a1.pk)
    assert rec.status == "draft" and rec.municipality == world.muni_a and rec.school == world.a1
    assert "ИОР школы −0,60 при пороге отбора −0,30" in rec.findings
    assert "Высокий уровень фактора риска" in rec.findings  # A1's fixed R06 with the catalogue's measures
    assert "Использовать ресурсы школы-куратора" in rec.text
    # Drafting again refreshes the draft (no second row); an edit from a stale version is refused.
    again = cycle.draft(operator, 2026, "school", world.a1.pk)
    assert again.pk == rec.pk and again.version == 2
    cycle.edit(
        operator,
        again,
        title="Рекомендации школе А1",
        findings=again.findings,
        text="1. Сделать X\n2. Сделать Y",
        due=dt.date(2026, 12, 25),
        version=2,
    )
    with pytest.raises(cycle.CycleError, match="другой пользователь"):
        cycle.edit(operator, again, title="Чужая правка", findings="", text="z", due=None, version=2)
    # Only the addressee may mark it read, and only once issued; until then the head does not see it.
    with pytest.raises(PermissionDenied):
        cycle.mark_read(operator, again)
    with pytest.raises(cycle.CycleError):
        cycle.mark_read(head, again)
    assert not cycle.recommendations(head).exists() and not cycle.recommendations(world.users["municipal"]).exists()
    issued = cycle.issue(operator, again)
    assert issued.status == "issued" and issued.issued_by == operator
    document = issued.documents.get()
    text = _text(_file(document))
    assert "АДРЕСНЫЕ РЕКОМЕНДАЦИИ" in text and "2.1. Сделать X" in text and "до 25.12.2026" in text
    assert document.sha256 and document.year == 2026
    assert Notification.objects.filter(user=head, text__contains="Рекомендации школе А1").exists()
    with pytest.raises(cycle.CycleError, match="не редактируются"):
        cycle.edit(operator, issued, title="x", findings="", text="y", due=None, version=issued.version)
    with pytest.raises(cycle.CycleError, match="уже направлены"):
        cycle.draft(operator, 2026, "school", world.a1.pk)
    # Scope: another school does not see it; the municipality does.
    with pytest.raises(Recommendation.DoesNotExist):
        cycle.get_recommendation(world.users["other_school"], issued.pk)
    assert cycle.get_recommendation(world.users["municipal"], issued.pk) == issued
    cycle.mark_read(head, issued)
    with pytest.raises(cycle.CycleError, match="не короче"):
        cycle.report(head, issued, "мало")
    done = cycle.report(head, issued, "Проведён педсовет, разработана программа.")
    assert done.status == "reported" and done.read_by == head and done.reported_at is not None
    assert Notification.objects.filter(user=operator, text__contains="Доложено об исполнении").exists()


def test_who_drafts_to_whom(world: Any) -> None:
    identification(world)
    operator, municipal = world.users["operator"], world.users["municipal"]
    rec = cycle.draft(operator, 2026, "municipality", world.muni_a.pk)
    assert "Школ муниципалитета в перечне ШНОР и ШНСУ: 2." in rec.findings
    with pytest.raises(PermissionDenied):
        cycle.draft(municipal, 2026, "municipality", world.muni_a.pk)  # the region writes to municipalities
    with pytest.raises(Exception):  # noqa: B017 - out of scope: not found
        cycle.draft(municipal, 2026, "school", world.b1.pk)
    own = cycle.draft(municipal, 2026, "school", world.a2.pk)
    assert own.level == "municipality"
    assert list(cycle.recommendations(municipal)) == [own]  # its own draft, not the region's to it
    with pytest.raises(PermissionDenied):
        cycle.draft(world.users["school"], 2026, "school", world.a1.pk)
    # Everyone in reach at once: municipality A and school A1; A2's draft is the municipality's.
    assert cycle.draft_all(operator, 2026) == cycle.Drafted(drafted=2, issued=0, held_elsewhere=1)
    assert Recommendation.objects.filter(year=2026).count() == 3
    own.refresh_from_db()
    assert own.level == "municipality" and own.version == 1


def test_a_draft_is_never_taken_over_by_the_other_level(world: Any) -> None:
    """Issue 20: the operator drafts to school A1 and edits the text; the municipal coordinator's
    draft to the same school (one by one or all at once) was taking the operator's draft over —
    its level turned municipal, the text replaced. Now refused, naming who holds it; and the other
    way round alike."""
    identification(world)
    operator, municipal = world.users["operator"], world.users["municipal"]
    rec = cycle.draft(operator, 2026, "school", world.a1.pk)
    rec = cycle.edit(
        operator, rec, title="Рекомендации", findings="", text="Текст оператора", due=None, version=rec.version
    )
    with pytest.raises(cycle.DraftHeldElsewhere, match="на региональном уровне") as refused:
        cycle.draft(municipal, 2026, "school", world.a1.pk)
    assert operator.get_username() in str(refused.value) or operator.get_full_name() in str(refused.value)
    done = cycle.draft_all(municipal, 2026)
    assert done.held_elsewhere == 1 and "другого уровня, не изменены: 1" in done.message(2026)
    rec.refresh_from_db()
    assert (rec.level, rec.text, rec.created_by) == ("region", "Текст оператора", operator)
    # The other way: the municipality's own draft is not the region's to take.
    own = Recommendation.objects.get(year=2026, school=world.a2)
    assert own.level == "municipality"
    with pytest.raises(cycle.DraftHeldElsewhere, match="на муниципальном уровне"):
        cycle.draft(operator, 2026, "school", world.a2.pk)
    own.refresh_from_db()
    assert own.level == "municipality"
    # Nor does the region rewrite or issue it through the draft's own address.
    with pytest.raises(cycle.DraftHeldElsewhere):
        cycle.edit(operator, own, title="Т", findings="", text="Текст региона", due=None, version=own.version)
    with pytest.raises(cycle.DraftHeldElsewhere):
        cycle.issue(operator, own)
    own.refresh_from_db()
    assert own.status == "draft" and own.text != "Текст региона"


def test_a_curators_recommendation_is_read_by_the_curator_only(world: Any) -> None:
    """Curator B1 (municipality B) supports A1 (municipality A): its recommendation speaks of A1, so
    B's coordinator must not read it; the curator school does, and so does the region."""
    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user

    identification(world)
    operator = world.users["operator"]
    b1, _ = included_pool(world)
    support.approve(operator, support.propose(operator, 2026), {world.a1.pk})
    rec = cycle.draft(operator, 2026, "curator", b1.pk)
    assert rec.municipality == world.muni_b and "Школа А1" in rec.findings
    assert not cycle.recommendations(world.users["curator"]).exists()  # a draft is the author's
    cycle.issue(operator, rec)
    coordinator_b = create_user("muni_b", "x-Passw0rd-1", Role.MUNICIPAL_COORDINATOR, municipality_id=world.muni_b.pk)
    assert not cycle.recommendations(coordinator_b).exists()
    assert list(cycle.recommendations(world.users["curator"])) == [rec]  # the curator school's account
    assert list(cycle.recommendations(world.users["other_school"])) == [rec]  # B1's management team
    assert list(cycle.recommendations(world.users["coordinator"])) == [rec]


def test_decision_is_fixed_in_its_document_and_executed(world: Any) -> None:
    identification(world)
    operator = world.users["operator"]
    measure = cycle.add_measure(
        operator,
        year=2026,
        title="Семинар для руководителей ШНОР",
        direction=Measure.Direction.MANAGEMENT,
        responsible="ГАУ ДПО «ВГАПО»",
        start=dt.date(2026, 3, 1),
        end=dt.date(2026, 3, 31),
        schools=[world.a1, world.a2],
    )
    assert measure.is_overdue(dt.date(2026, 4, 1)) and not measure.is_overdue(dt.date(2026, 3, 31))
    with pytest.raises(cycle.CycleError, match="результат"):
        cycle.update_measure(operator, measure, "done", "")
    cycle.update_measure(operator, measure, "done", "Обучено 12 руководителей")
    decision = cycle.record_decision(
        operator,
        kind="activating",
        document_kind="order",
        number="123-о",
        date=dt.date(2026, 4, 10),
        title="О направлении педагогов на обучение",
        items=["Направить педагогов школ на курсы.", "", "Обеспечить контроль."],
        basis="По результатам анализа мониторинга 2026 года.",
        schools=[world.a1],
        measures_=[measure],
        due=dt.date(2026, 6, 1),
        signatory="Председатель комитета А.Б. Иванов",
    )
    assert decision.level == "region" and decision.items == [
        "Направить педагогов школ на курсы.",
        "Обеспечить контроль.",
    ]
    document = decision.documents.get()
    text = _text(_file(document))
    for expected in (
        "ПРИКАЗ",
        "№ 123-о",
        "О направлении педагогов на обучение",
        "управленческое решение: активизирующее",
        "1. Направить педагогов школ на курсы.",
        "Семинар для руководителей ШНОР",
        "Об исполнении доложить в срок до 01.06.2026.",
        "A001 — Школа А1",
        "Председатель комитета А.Б. Иванов",
    ):
        assert expected in text, expected
    with pytest.raises(cycle.CycleError, match="уже зарегистрирован"):
        cycle.record_decision(
            operator,
            kind="activating",
            document_kind="order",
            number="123-о",
            date=dt.date(2026, 5, 1),
            title="t",
            items=["x"],
        )
    assert Decision.objects.count() == 1 and Document.objects.count() == 1  # the refusal wrote nothing
    assert decision.execution_status(dt.date(2026, 7, 1)) == "просрочено"
    with pytest.raises(cycle.CycleError, match="будущем"):
        cycle.execute(operator, decision, cycle.today() + dt.timedelta(days=2), "x")
    cycle.execute(operator, decision, dt.date(2026, 5, 20), "Курсы пройдены.")
    assert decision.execution_status() == "исполнено"
    # A municipality's decision is not seen by another municipality; the region's by whoever it
    # names (docs/security.md, «Official acts»).
    local = cycle.record_decision(
        world.users["municipal"],
        kind="controlling",
        document_kind="disposition",
        number="5",
        date=dt.date(2026, 4, 1),
        title="О совещаниях",
        items=["Проводить ежемесячно."],
        municipality=world.muni_a,
    )
    assert "РАСПОРЯЖЕНИЕ" in _text(_file(local.documents.get()))
    assert set(records.decisions(world.users["other_school"])) == set()  # names A1 only: not B1's
    assert set(records.decisions(world.users["school"])) == {decision, local}
    assert set(records.decisions(world.users["teacher"])) == set()
    assert set(records.decisions(world.users["municipal"])) == {decision, local}
    assert records.sees_whole(world.users["municipal"], local) and not records.sees_whole(world.users["school"], local)
    assert not records.sees_whole(world.users["municipal"], decision)
    assert records.sees_whole(world.users["coordinator"], decision)


def test_official_acts_are_read_as_the_policy_says(world: Any, client: Any) -> None:
    """Issue 20: a teacher got `/api/decisions/1` with all the listed schools of the region, the
    order and the analytical note with the counts of every district; regional meetings too.
    Now (docs/security.md, «Official acts»): the whole act and its documents for the region-wide
    roles; an extract (the items, the schools of one's own scope, no documents) for those it names;
    nothing for a teacher; the working group's protocols for the region-wide roles."""
    from tests.app.test_network_api import Api

    operator = world.users["operator"]
    decision = cycle.record_decision(
        operator,
        kind="organising",
        document_kind="order",
        number="7-о",
        date=dt.date(2026, 4, 10),
        title="Об утверждении перечня",
        items=["Утвердить перечень."],
        schools=[world.a1, world.b1],
    )
    general = cycle.record_decision(
        operator, kind="organising", document_kind="order", number="8-о", date=dt.date(2026, 4, 11),
        title="О плане", items=["Утвердить план."],
    )  # fmt: skip
    meeting = cycle.add_meeting(
        operator, body="Рабочая группа", number="1", date=dt.date(2026, 4, 12), chair="Председатель",
        secretary="Секретарь", items=[{"title": "О перечне", "heard": "Школа Б1", "resolved": "Принять"}],
    )  # fmt: skip
    document = decision.documents.get()
    seen = {}
    for role in ("operator", "coordinator", "municipal", "observer", "school", "other_school", "curator", "teacher"):
        api = Api(client, world, role)
        got = api.get(f"/decisions/{decision.pk}")
        seen[role] = (
            got.json()["schools"] if got.status_code == 200 else got.status_code,
            len(got.json()["documents"]) if got.status_code == 200 else None,
            api.get(f"/documents/{document.pk}").status_code,
            api.get(f"/meetings/{meeting.pk}").status_code,
            api.get(f"/decisions/{general.pk}").status_code,
        )
    assert seen["operator"] == (["A001", "B001"], 1, 200, 200, 200)
    assert seen["coordinator"] == (["A001", "B001"], 1, 200, 200, 200)
    assert seen["municipal"] == (["A001"], 0, 404, 404, 200)
    assert seen["observer"] == (["A001"], 0, 404, 404, 200)  # a municipality's observer
    assert seen["curator"] == (["B001"], 0, 404, 404, 200)
    assert seen["school"] == (["A001"], 0, 404, 404, 200)
    assert seen["other_school"] == (["B001"], 0, 404, 404, 200)
    assert seen["teacher"] == (404, None, 404, 404, 404)
    # A municipality's act naming A2 is not A1's: its head does not see it; the coordinator does.
    local = cycle.record_decision(
        world.users["municipal"], kind="controlling", document_kind="disposition", number="9",
        date=dt.date(2026, 4, 13), title="О контроле", items=["Проверить."], municipality=world.muni_a,
        schools=[world.a2],
    )  # fmt: skip
    assert local not in set(records.decisions(world.users["school"]))
    assert local in set(records.decisions(world.users["municipal"]))
    # The evidence pack of a municipal coordinator holds no document of the region's whole act.
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(evidence.build(world.users["municipal"], 2026))).namelist()
    assert not any("7-о" in n for n in names), [n for n in names if "7-о" in n]
    operator_names = zipfile.ZipFile(io.BytesIO(evidence.build(operator, 2026))).namelist()
    assert any("7-о" in n for n in operator_names)
    # The page says it is an extract and offers no document.
    client.force_login(world.users["school"])
    page = client.get(f"/cycle/decisions/{decision.pk}/").content.decode()
    assert "Показана выписка" in page and "Школа Б1" not in page and "/cycle/documents/" not in page


def test_working_group_protocol_in_the_form_of_seed_000(world: Any) -> None:
    operator = world.users["operator"]
    meeting = cycle.add_meeting(
        operator,
        body="",
        number="2",
        date=dt.date(2026, 11, 20),
        chair="Е.Г. Логойдо, первый заместитель председателя комитета",
        secretary="Е.А. Сахно, директор центра",
        items=[
            {
                "title": "Об эффективности принятых мер",
                "heard": "Е.А. Сахно",
                "resolved": "Утвердить отчёт.\nПродолжить работу.",
                "votes_for": 19,
            },
            {"title": "Разное"},
            {"title": " "},
        ],
    )
    assert meeting.items.count() == 2
    text = _text(_file(cycle.protocol(operator, meeting)))
    for expected in (
        "ПРОТОКОЛ",
        "20 ноября 2026 года",
        "№ 2",
        "Руководитель рабочей группы: Е.Г. Логойдо",
        "ПОВЕСТКА ДНЯ:",
        "1. Об эффективности принятых мер",
        "По первому вопросу слушали: Е.А. Сахно",
        "Постановили:",
        "Утвердить отчёт.",
        "Проголосовали: «За» — 19, «Против» — 0, «Воздержались» — 0.",
        "По второму вопросу слушали: —",
    ):
        assert expected in text, expected
    with pytest.raises(cycle.CycleError, match="хотя бы один вопрос"):
        cycle.add_meeting(operator, body="", number="3", date=dt.date(2026, 12, 1), chair="a", secretary="b", items=[])
    with pytest.raises(PermissionDenied):
        cycle.add_meeting(
            world.users["municipal"],
            body="",
            number="3",
            date=dt.date(2026, 12, 1),
            chair="a",
            secretary="b",
            items=[{"title": "x"}],
        )


def test_effect_report_states_why_there_is_no_comparison_yet(world: Any) -> None:
    identification(world)
    operator = world.users["operator"]
    document = effect.report(operator, 2026, 2026)
    text = _text(_file(document))
    assert "ОТЧЁТ" in text and "Динамика показателей эффективности системы" in text
    assert "Сравнение с похожими школами не выполнено" in text
    assert "1.2" in text and "Доля ШНОР и ШНСУ, показавших положительную динамику ИОР за год" in text
    with pytest.raises(PermissionDenied):
        effect.report(world.users["school"], 2026, 2026)


def test_evidence_pack_holds_the_nine_elements_with_an_index(world: Any, tmp_path: Path) -> None:
    identification(world)
    operator = world.users["operator"]
    cycle.set_goals(operator, 2026, None, "Цель", "Задача")
    cycle.save_conclusion(operator, 2026, "identification", None, "Выводы по выявлению.")
    rec = cycle.issue(operator, cycle.draft(operator, 2026, "school", world.a1.pk))
    cycle.record_decision(
        operator,
        kind="organising",
        document_kind="order",
        number="1",
        date=dt.date(2026, 3, 1),
        title="О мерах",
        items=["Провести."],
        recommendations_=[rec],
    )
    meeting = cycle.add_meeting(
        operator, body="", number="1", date=dt.date(2026, 11, 1), chair="А", secretary="Б", items=[{"title": "Отчёт"}]
    )
    cycle.protocol(operator, meeting)
    content = evidence.build(operator, 2026)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        names = z.namelist()
        folders = {n.split("/")[0] for n in names if "/" in n}
        assert folders == {f"{code} {title}" for code, title in evidence.ELEMENTS}
        index = load_workbook(io.BytesIO(z.read("00 Опись.xlsx")))["Опись"]
        listed = {row[2]: row[6] for row in index.iter_rows(min_row=2, values_only=True)}
        files = [n for n in names if not n.endswith("/") and n != "00 Опись.xlsx"]
        assert set(listed) == set(files)
        import hashlib

        for name in files:
            assert hashlib.sha256(z.read(name)).hexdigest() == listed[name], name
        assert any(n.startswith("06 ") and n.endswith(".docx") for n in files)
        assert any(n.startswith("08 ") and "приказ № 1" in n for n in files)
        assert any(n.startswith("09 ") and "Протокол" in n for n in files)
        goals = next(n for n in files if n.startswith("01 "))
        assert "Цель: Цель" in _text(z.read(goals))
        docx = [n for n in files if n.endswith(".docx")]
        for i, name in enumerate(docx):
            (tmp_path / f"{i}.docx").write_bytes(z.read(name))
    # Every document opens in LibreOffice (converted headless) without errors.
    pdfs = convert.to_pdf_many(sorted(tmp_path.glob("*.docx")))
    assert len(pdfs) == len(docx) >= 6 and all(p.startswith(b"%PDF") for p in pdfs.values())
    # Building the pack writes nothing.
    assert Document.objects.count() == 3
    with pytest.raises(PermissionDenied):
        evidence.build(world.users["school"], 2026)


def test_pages_of_the_cycle(world: Any, login: Any) -> None:
    from django.urls import reverse

    identification(world)
    operator = login("operator")
    for name in ("goals", "analysis", "recommendations", "measures", "decisions", "meetings", "evidence", "effect"):
        response = operator.get(reverse(f"cycle:{name}"), {"year": 2026})
        assert response.status_code == 200, name
    # Goals and targets through the forms.
    r = operator.post(reverse("cycle:goals") + "?year=2026", {"goal": "Цель года", "tasks": "Задача 1\nЗадача 2"})
    assert r.status_code == 302 and "Задача 2" in operator.get(reverse("cycle:goals"), {"year": 2026}).content.decode()
    operator.post(reverse("cycle:goals") + "?year=2026", {"targets": "1", "target_1.2": "75,5"})
    assert cycle.targets(2026)["1.2"] == (75.5, "установлено на год")
    page = operator.post(reverse("cycle:goals") + "?year=2026", {"targets": "1", "target_1.2": "много"}, follow=True)
    assert "Показатель 1.2: «много» — не число." in page.content.decode()
    # A conclusion, a draft edited and issued, then its documents downloaded as DOCX and PDF.
    operator.post(reverse("cycle:analysis") + "?year=2026", {"direction": "dynamics", "text": "Выводы аналитика"})
    page = operator.get(reverse("cycle:analysis"), {"year": 2026}).content.decode()
    # Printed once; the edit box, which starts from the text, stays folded until asked for.
    section = page.split('data-testid="direction-dynamics"', 1)[1].split("</section>", 1)[0]
    shown, folded = section.split('<details class="edit"', 1)
    assert shown.count("Выводы аналитика") == 1 and folded.lstrip().startswith(">") and "Изменить выводы" in folded
    r = operator.post(reverse("cycle:recommendations") + "?year=2026", {"target": f"school:{world.a1.pk}"})
    rec = Recommendation.objects.get()
    assert r.url == reverse("cycle:recommendation", args=[rec.pk])
    operator.post(
        r.url,
        {
            "action": "save",
            "version": rec.version,
            "title": "Рекомендации А1",
            "findings": "Ф",
            "text": "Сделать",
            "due": "2026-12-20",
        },
    )
    stale = operator.post(
        r.url, {"action": "save", "version": rec.version, "title": "x", "findings": "", "text": "y"}, follow=True
    )
    assert "изменил другой пользователь" in stale.content.decode()
    operator.post(r.url, {"action": "issue"})
    document = Recommendation.objects.get().documents.get()
    docx = operator.get(reverse("cycle:document", args=[document.pk]))
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = operator.get(reverse("cycle:document-pdf", args=[document.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # The addressee reads and reports; another school gets 404 for the page and the document.
    head = login("school")
    head.post(r.url, {"action": "read"})
    head.post(r.url, {"action": "report", "text": "Сделано всё, что рекомендовано."})
    assert Recommendation.objects.get().status == "reported"
    other = login("other_school")
    assert other.get(r.url).status_code == 404
    assert other.get(reverse("cycle:document", args=[document.pk])).status_code == 404
    # A decision through the form, and the evidence pack.
    operator = login("operator")
    conclusion = cycle.conclusions(world.users["operator"], 2026).get()
    r = operator.post(
        reverse("cycle:decisions") + "?year=2026",
        {
            "kind": "organising",
            "document_kind": "order",
            "number": "7",
            "date": "2026-05-01",
            "title": "О мерах",
            "items": "Провести семинар",
            "schools": "A001, A002",
            "recommendations": [rec.pk],
            "conclusion": conclusion.pk,
        },
    )
    decision = Decision.objects.get()
    assert r.url == reverse("cycle:decision", args=[decision.pk]) and decision.schools.count() == 2
    assert list(decision.recommendations.all()) == [rec] and decision.conclusion == conclusion
    assert "Выводы аналитика" in operator.get(r.url).content.decode()
    bad = operator.post(
        reverse("cycle:decisions") + "?year=2026",
        {
            "kind": "organising",
            "document_kind": "order",
            "number": "8",
            "date": "2026-05-01",
            "title": "x",
            "items": "y",
            "schools": "Z999",
        },
        follow=True,
    )
    assert "Z999" in bad.content.decode() and Decision.objects.count() == 1
    pack = operator.get(reverse("cycle:evidence"), {"year": 2026, "download": 1})
    assert pack.status_code == 200 and pack["Content-Type"] == "application/zip"
    assert login("school").get(reverse("cycle:evidence"), {"year": 2026, "download": 1}).status_code == 403


def test_the_draft_form_offers_the_list_and_takes_any_school_by_its_code(
    world: Any, login: Any, monkeypatch: Any
) -> None:
    """A country has 40,000 schools: the select holds the year's list (and municipalities and
    curators); any other school of the scope is named by its code, and a wrong code is refused."""
    from django.urls import reverse

    identification(world)
    operator = login("operator")
    page = operator.get(reverse("cycle:recommendations"), {"year": 2026}).content.decode()

    assert "A001 — Школа А1" in page and "Руководителю школы из перечня 2026 года" in page
    assert "B001 — " not in page  # not on the list: by its code
    r = operator.post(reverse("cycle:recommendations") + "?year=2026", {"target": "", "code": " B001 "})
    rec = Recommendation.objects.get()
    assert r.url == reverse("cycle:recommendation", args=[rec.pk]) and rec.school == world.b1
    page = operator.post(
        reverse("cycle:recommendations") + "?year=2026", {"target": "", "code": "Z999"}, follow=True
    ).content.decode()
    assert "Школы с кодами Z999 не найдены в вашей зоне ответственности." in page
    municipal = login("municipal")  # B001 is outside a municipality A coordinator's scope
    page = municipal.post(
        reverse("cycle:recommendations") + "?year=2026", {"code": "B001"}, follow=True
    ).content.decode()
    assert "Школы с кодами B001 не найдены" in page
    page = operator.post(reverse("cycle:recommendations") + "?year=2026", {"target": ""}, follow=True)
    assert "Выберите адресата или введите код ОО." in page.content.decode()
    assert Recommendation.objects.count() == 1
    # A list longer than a select can usefully hold is named by codes only.
    from shnor.cycle.services import recommendation
    from shnor.support.models import Curator

    operator = login("operator")
    curators = [
        Curator.objects.create(school=school, municipality=school.municipality, status="included")
        for school in (world.b1, world.a2)
    ]
    page = operator.get(reverse("cycle:recommendations"), {"year": 2026}).content.decode()
    assert f'value="curator:{curators[0].pk}"' in page and "Кураторам" in page
    # docs/guide/cycle.md names the select's limit for schools and curators alike.
    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide" / "cycle.md").read_text("utf-8")
    assert recommendation.LISTED_IN_SELECT == 300 and "в пуле больше 300 кураторов" in " ".join(guide.split())
    monkeypatch.setattr(recommendation, "LISTED_IN_SELECT", 1)
    page = operator.get(reverse("cycle:recommendations"), {"year": 2026}).content.decode()
    assert "A001 — Школа А1" not in page and "только по коду" in page
    # A pool longer than the select: no curator in it; each is addressed from its card.
    assert "curator:" not in page and "Кураторам" not in page
    card = operator.get(reverse("support:curator", args=[curators[0].pk])).content.decode()
    assert 'data-testid="draft-for-curator"' in card and f'value="curator:{curators[0].pk}"' in card
    r = operator.post(reverse("cycle:recommendations") + "?year=2026", {"target": f"curator:{curators[0].pk}"})
    rec = Recommendation.objects.get(curator=curators[0])
    assert r.url == reverse("cycle:recommendation", args=[rec.pk]) and rec.addressee == "curator"
    head = login("school")  # may read a card of its scope's pool, but prepares no recommendation
    assert "draft-for-curator" not in head.get(reverse("support:curator", args=[curators[0].pk])).content.decode()


def test_remind_reports_late_measures_decisions_and_reports_once(world: Any) -> None:
    identification(world)
    operator, municipal, head = world.users["operator"], world.users["municipal"], world.users["school"]
    cycle.add_measure(
        municipal, year=2026, title="Районный семинар", direction="methodical", responsible="РМК",
        start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28), municipality=world.muni_a,
    )  # fmt: skip
    decision = cycle.record_decision(
        operator, kind="controlling", document_kind="order", number="9", date=dt.date(2026, 3, 1),
        title="О контроле", items=["Проверить."], due=dt.date(2026, 4, 1),
    )  # fmt: skip
    rec = cycle.draft(operator, 2026, "school", world.a1.pk)
    cycle.edit(
        operator,
        rec,
        title=rec.title,
        findings=rec.findings,
        text=rec.text,
        due=dt.date(2026, 5, 1),
        version=rec.version,
    )
    cycle.issue(operator, rec)
    Notification.objects.all().delete()
    got = cycle.remind(dt.date(2026, 3, 10))
    assert (got["measures"], got["decisions"], got["recommendations"]) == (1, 0, 0)
    assert Notification.objects.filter(user=municipal, text__contains="Районный семинар").exists()
    assert not Notification.objects.filter(user=operator, text__contains="Районный семинар").exists()
    got = cycle.remind(dt.date(2026, 6, 1))
    assert (got["measures"], got["decisions"], got["recommendations"]) == (0, 1, 1)
    assert Notification.objects.filter(user=operator, text__contains="Не отмечено исполнение").exists()
    assert Notification.objects.filter(user=head, text__contains="Истёк срок отчёта").exists()
    assert cycle.remind(dt.date(2026, 6, 2)) == {"measures": 0, "decisions": 0, "recommendations": 0, "notified": 0}
    cycle.execute(operator, decision, dt.date(2026, 5, 30), "Проверено.")


def test_list_pages_do_not_grow_in_queries_with_their_rows(world: Any, login: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    identification(world)
    operator = world.users["operator"]
    client = login("operator")

    def add(n: int) -> None:
        for i in range(n):
            number = f"{Decision.objects.count() + 1}-т"
            cycle.record_decision(
                operator,
                kind="organising",
                document_kind="order",
                number=number,
                date=dt.date(2026, 5, 1),
                title=f"Решение {i}",
                items=["Пункт."],
                schools=[world.a1],
            )
            cycle.add_measure(
                operator,
                year=2026,
                title=f"Мера {i}",
                direction="network",
                responsible="РМК",
                start=dt.date(2026, 1, 1),
                end=dt.date(2026, 2, 1),
                schools=[world.a1, world.a2],
            )

    def counts() -> list[int]:
        out = []
        for url in ("/cycle/decisions/", "/cycle/measures/", "/cycle/recommendations/"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, {"year": 2026}).status_code == 200
            out.append(len(queries))
        return out

    add(2)
    cycle.draft_all(operator, 2026)
    few = counts()
    add(6)
    assert counts() == few


def test_a_regions_own_decision_form_is_used(world: Any, settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    own = Docx()
    own.add_paragraph("СВОЯ ФОРМА РЕГИОНА: {{ document }} № {{ number }} — {{ title }}")
    (tmp_path / "templates").mkdir()
    own.save(str(tmp_path / "templates" / "decision.docx"))
    decision = cycle.record_decision(
        world.users["operator"], kind="stimulating", document_kind="order", number="3", date=dt.date(2026, 6, 1),
        title="О благодарности <кураторам>", items=["Объявить благодарность."],
    )  # fmt: skip
    assert (
        _text(_file(decision.documents.get())).strip() == "СВОЯ ФОРМА РЕГИОНА: ПРИКАЗ № 3 — О благодарности <кураторам>"
    )


def test_the_days_reminders_are_queued_once_a_day_from_their_hour(world: Any) -> None:
    """The worker's clock (`shnor worker`, SHNOR_REMIND_AT): before the hour nothing; from it, one
    queued task a day however many workers tick; no hour set, never."""
    from shnor.cycle import reminders
    from shnor.cycle.models import Reminder

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime(2026, 6, day, hour, minute))

    seven = dt.time(7, 0)
    assert not reminders.tick(at(1, 6, 59), seven)
    assert reminders.tick(at(1, 7, 0), seven)
    assert not reminders.tick(at(1, 18, 30), seven)  # once a day
    assert not reminders.tick(at(2, 6, 0), seven)
    assert reminders.tick(at(2, 7, 1), seven)
    assert not reminders.tick(at(3, 9, 0), None)  # no hour: only `shnor remind` sends them
    marks = Reminder.objects.filter(code__startswith="daily:").order_by("code").values_list("code", flat=True)
    assert list(marks) == ["daily:2026-06-01", "daily:2026-06-02"]


def test_failed_daily_reminders_are_queued_again(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that fails (or cannot be queued) takes back the day's mark: the next minute tries again."""
    from shnor.cycle import reminders
    from shnor.cycle.models import Reminder
    from shnor.cycle.tasks import send_reminders

    def failing(on: Any = None) -> Any:
        raise RuntimeError("база данных занята")

    seven, at = dt.time(7, 0), timezone.make_aware(dt.datetime(2026, 6, 1, 7, 0))
    monkeypatch.setattr(reminders, "send", failing)
    with pytest.raises(RuntimeError):
        send_reminders.call("2026-06-01")
    assert not Reminder.objects.filter(code__startswith="daily:").exists()
    from types import SimpleNamespace

    from shnor.cycle import tasks

    monkeypatch.setattr(tasks, "send_reminders", SimpleNamespace(enqueue=lambda day: failing()))
    with pytest.raises(RuntimeError):
        reminders.tick(at, seven)
    assert reminders.due(at, seven)  # not marked: due again
    monkeypatch.undo()
    assert reminders.tick(at, seven) and not reminders.due(at, seven)


def test_the_scheduled_reminders_are_the_commands_and_tell_once(world: Any) -> None:
    from shnor.cycle import reminders
    from shnor.cycle.tasks import send_reminders

    municipal = world.users["municipal"]
    cycle.add_measure(
        municipal, year=2026, title="Районный семинар", direction="methodical", responsible="РМК",
        start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28), municipality=world.muni_a,
    )  # fmt: skip
    Notification.objects.all().delete()
    text = send_reminders.call("2026-03-10")
    assert "мер цикла: 1;" in text and "просрочено пунктов циклограммы: 2;" in text
    assert Notification.objects.filter(user=municipal, text__contains="Районный семинар").count() == 1
    again = reminders.send(dt.date(2026, 3, 11))
    assert (again.measures, again.notified) == (0, 0)


def test_measures_have_the_act_s_six_directions() -> None:
    """Act 004, section 8: the results «являются основой для принятия мер и разработки мероприятий,
    направленных на» six directions, in this order; a measure takes one of them."""
    import re
    from pathlib import Path

    from shnor.cycle.models import Measure

    act = re.sub(r"\s+", " ", (Path(__file__).resolve().parents[2] / "docs" / "acts" / "004.txt").read_text())
    section = act[act.index("являются основой для принятия мер") : act.index("Представленные меры реализуются")]
    phrases = {
        "preparation": "повышение качества подготовки обучающихся",
        "network": "развитию сетевого взаимодействия",
        "methodical": "оказанию адресной методической поддержки",
        "curators": "в качестве школ-кураторов",
        "management": "подготовки управленческих команд",
        "training": "программ повышения квалификации для педагогических работников",
    }
    assert list(Measure.Direction.values) == list(phrases)
    positions = [section.index(phrase) for phrase in phrases.values()]
    assert positions == sorted(positions) and len(section.split(";")) == 6
