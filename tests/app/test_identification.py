"""Identification as people use it: the service, the pages, the exports and the API, on the test
world's four schools with pupil results written to the store and social data in the database."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from shnor.accounts.services import SystemUser
from shnor.core.contract import TABLES
from shnor.core.identification.identify import OUTPUT_COLUMNS
from shnor.datasets.models import SocialRecord
from shnor.engine.store import Store
from shnor.identification import labels, services
from shnor.identification.models import Run, SchoolResult, Sign
from tests.conftest import World

LEVEL = {"A001": 0.0, "A001F": -0.3, "A002": -1.2, "B001": 0.8}
SOCIAL = {"A001": 0.45, "A001F": 0.5, "A002": 0.2, "B001": 0.15}  # share of parents without higher education

# The extras of the ИСБ: its error, the probability of its low zone and the shares a school lacks.
ISB_EXTRA = ["isb_se", "isb_low_probability", "isb_missing"]


def _results() -> pa.Table:
    rng = np.random.default_rng(5)
    rows: dict[str, list[Any]] = {c.name: [] for c in TABLES["results"].columns}
    for year in (2024, 2025, 2026):
        for school, level in LEVEL.items():
            for procedure, subject, grade, top in (("OGE", "rus", 9, 33), ("VPR", "rus", 4, 38)):
                pupils = 2 if school == "A001F" else 40
                for i in range(pupils):
                    score = float(np.clip(round(top * 0.6 + 5 * (level + rng.normal(0, 1))), 0, top))
                    mark = 2 + int(score >= top * 0.4) + int(score >= top * 0.6) + int(score >= top * 0.85)
                    values = {
                        "year": year,
                        "procedure": procedure,
                        "grade": grade,
                        "subject": subject,
                        "school_id": school,
                        "student_key": f"P{school}{year}{grade}{i:03d}",
                        "primary_score": score,
                        "max_primary_score": float(top),
                        "test_score": None,
                        "mark": mark,
                        "journal_mark": mark if procedure == "VPR" else None,
                    }
                    for name, value in values.items():
                        rows[name].append(value)
    return pa.table(rows)


@pytest.fixture
def region(world: World) -> World:
    Store(settings.SHNOR_STORE_DIR).replace("results", _results(), "test", TABLES["results"].replace_by)
    for school in (world.a1, world.a1_branch, world.a2, world.b1):
        share = SOCIAL[school.school_id]
        SocialRecord.objects.create(
            year=2026,
            school=school,
            students=school.enrollment,
            share_parents_no_higher_ed=share,
            share_unemployed_parents=share / 4,
            share_on_register=share / 10,
        )
    return world


def make_sign(run: Run, school: Any, severity: str = "medium") -> Sign:
    """A ВПР-above-term-marks sign, as the methodology would store it."""
    return Sign.objects.create(
        run=run,
        school=school,
        year=2026,
        code="vpr_journal",
        procedure="VPR",
        subject="rus",
        grade=4,
        value=0.6,
        threshold=0.3,
        reference=0.15,
        evidence={"pairs": 40},
        severity=severity,
    )


@pytest.fixture
def run(region: World) -> Run:
    started = services.start(SystemUser("test"), 2026, channel="cli", queue=False)
    return services.execute(started.pk)


def test_a_run_records_its_preset_and_inputs_and_finds_the_weak_school(run: Run) -> None:
    assert run.status == Run.Status.DONE, run.message
    assert run.preset == "volgograd-2021" and "volgograd-2021" in run.preset_text and run.methodology["window"] == 3
    assert run.inputs["store"]["results"] >= 1 and len(run.inputs["social"]) == 64
    rows = {r.school.school_id: r for r in SchoolResult.objects.filter(run=run).select_related("school")}
    assert set(rows) == {"A001", "A001F", "A002", "B001"}
    low, middle, high = rows["A002"].ior, rows["A001"].ior, rows["B001"].ior
    assert low is not None and middle is not None and high is not None
    assert low < middle < high
    assert rows["A001F"].insufficient_data and not rows["A002"].insufficient_data
    assert rows["A002"].ior_low and rows["A002"].selected
    assert run.summary["window"] == [2024, 2025, 2026]


def test_the_operator_starts_a_run_on_the_page_and_sees_the_table(region: World, login: Any) -> None:
    client = login("operator")
    response = client.post(reverse("identification:runs"), {"year": 2026})
    assert response.status_code == 302
    the_run = Run.objects.get()
    assert the_run.status == Run.Status.DONE  # the test settings run tasks at once
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Школа А2" in text and "Кластеры" in text and ">ШНОР<" in text
    partial = client.get(
        reverse("identification:run", args=[the_run.pk]),
        {"selected": "1"},
        headers={"HX-Request": "true", "HX-Target": "table"},
    )
    assert "Школа А2" in partial.content.decode() and "<h1>" not in partial.content.decode()


def test_roles_without_the_permission_cannot_start_a_run(region: World, login: Any) -> None:
    for name in ("municipal", "school", "coordinator"):
        response = login(name).post(reverse("identification:runs"), {"year": 2026})
        assert response.status_code == 403
    assert not Run.objects.exists()


def test_the_exports_are_exactly_the_contract_table(run: Run, login: Any) -> None:
    client = login("operator")
    text = client.get(reverse("identification:run-csv", args=[run.pk])).content.decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    # The contract's columns in its order, then the extra one it allows: the municipal cluster.
    assert table[0] == [*OUTPUT_COLUMNS, "cluster_municipal", "ior_low_probability", "objectivity_z", *ISB_EXTRA]
    assert len(table) == 5
    a2 = next(r for r in table if r[0] == "A002")
    assert a2[OUTPUT_COLUMNS.index("selected")] == "true" and a2[OUTPUT_COLUMNS.index("year")] == "2026"
    assert "." in a2[OUTPUT_COLUMNS.index("ior")] and "," not in a2[OUTPUT_COLUMNS.index("ior")]
    book = load_workbook(io.BytesIO(client.get(reverse("identification:run-xlsx", args=[run.pk])).content))
    sheet = book["identification"]
    assert [c.value for c in sheet[1]] == [
        *OUTPUT_COLUMNS,
        "cluster_municipal",
        "ior_low_probability",
        "objectivity_z",
        *ISB_EXTRA,
    ] and sheet.max_row == 5
    assert "пояснения" in book.sheetnames


def test_a_school_sees_only_itself_and_its_branch(run: Run, login: Any, world: World) -> None:
    client = login("school")
    text = client.get(reverse("identification:run-csv", args=[run.pk])).content.decode("utf-8")
    assert sorted(r[0] for r in list(csv.reader(io.StringIO(text)))[1:]) == ["A001", "A001F"]
    assert client.get(reverse("identification:school", args=[run.pk, world.a1.pk])).status_code == 200
    assert client.get(reverse("identification:school", args=[run.pk, world.b1.pk])).status_code == 404


def test_the_school_card_shows_shrinkage_components_and_signs_and_a_coordinator_reviews_a_sign(
    run: Run, login: Any, world: World
) -> None:
    sign = make_sign(run, world.a2, severity="high")
    client = login("coordinator")
    page = client.get(reverse("identification:school", args=[run.pk, world.a2.pk])).content.decode()
    assert "ИОР без сглаживания" in page and "ОГЭ, русский язык, 9 кл." in page
    assert "Отметки за ВПР выше отметок по журналу" in page and "устойчивый" in page
    response = client.post(
        reverse("identification:review", args=[run.pk, sign.pk]), {"review": "rejected", "note": "проверено"}
    )
    assert response.status_code == 302
    sign.refresh_from_db()
    assert sign.review == "rejected" and sign.reviewed_by == world.users["coordinator"]
    # A school may review no sign at all: refused for the right before anything is looked up (the same
    # 403 for any number, so it tells nothing of other schools' signs).
    assert (
        login("school")
        .post(reverse("identification:review", args=[run.pk, sign.pk]), {"review": "confirmed"})
        .status_code
        == 403
    )


def test_the_chart_page_carries_its_data_and_the_offline_bundle(run: Run, login: Any) -> None:
    page = login("operator").get(reverse("identification:run-chart", args=[run.pk])).content.decode()
    assert (
        'id="chart-data"' in page
        and "/static/plotly/plotly.min.js" in page
        and "http" not in page.split("chart-data")[1][:200]
    )


def test_the_api_runs_lists_and_explains(region: World, client: Any, world: World) -> None:
    from shnor.accounts.services import issue_token

    _, operator = issue_token(world.users["operator"], "t")
    _, school = issue_token(world.users["school"], "t")
    response = client.post(
        "/api/identification/runs",
        {"year": 2026},
        content_type="application/json",
        headers={"Authorization": f"Bearer {operator}"},
    )
    assert response.status_code == 201, response.content
    run_id = response.json()["id"]
    denied = client.post(
        "/api/identification/runs",
        {"year": 2026},
        content_type="application/json",
        headers={"Authorization": f"Bearer {school}"},
    )
    assert denied.status_code == 403 and denied["Content-Type"] == "application/problem+json"
    spark = client.post(
        "/api/identification/runs",
        {"year": 2026, "engine": "polars"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {operator}"},
    )
    assert spark.status_code == 409
    rows = client.get(
        f"/api/identification/runs/{run_id}/results", headers={"Authorization": f"Bearer {school}"}
    ).json()
    assert sorted(r["school_id"] for r in rows["items"]) == ["A001", "A001F"]
    evidence = client.get(
        f"/api/identification/runs/{run_id}/schools/A001", headers={"Authorization": f"Bearer {school}"}
    )
    assert evidence.status_code == 200 and evidence.json()["components"]
    hidden = client.get(
        f"/api/identification/runs/{run_id}/schools/B001", headers={"Authorization": f"Bearer {school}"}
    )
    assert hidden.status_code == 404


def test_a_run_without_results_fails_with_a_clear_message(world: World) -> None:
    started = services.start(SystemUser("test"), 2026, channel="cli", queue=False)
    failed = services.execute(started.pk)
    assert failed.status == Run.Status.FAILED and "Нет результатов" in failed.message
    assert not SchoolResult.objects.exists()


def _docx_text(data: bytes) -> str:
    from docx import Document as Docx

    document = Docx(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for t in document.tables:
        for row in t.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_people_change_the_list_and_the_coordinator_approves_it_with_two_documents(
    run: Run, login: Any, world: World
) -> None:
    import datetime as dt

    from docx import Document as Docx

    from shnor.records.models import Decision

    operator = login("operator")
    listed = services.final_list(run)
    assert world.a2.pk in listed
    url = reverse("identification:list", args=[run.pk])
    operator.post(url, {"form": "change", "school_id": "A002", "action": "remove", "reason": "реорганизация школы"})
    assert world.a2.pk not in services.final_list(run)
    refused = operator.post(
        url, {"form": "change", "school_id": "A002", "action": "remove", "reason": "ещё раз"}, follow=True
    )
    assert "Школы нет в перечне" in refused.content.decode()
    operator.post(url, {"form": "change", "school_id": "A002", "action": "add", "reason": "решение рабочей группы"})
    assert "решение рабочей группы" in services.final_list(run)[world.a2.pk]

    assert login("municipal").post(url, {"form": "approve", "number": "1", "date": "01.02.2027"}).status_code == 403
    coordinator = login("coordinator")
    response = coordinator.post(
        url,
        {"form": "approve", "number": "12-од", "date": "01.02.2027", "signatory": "Председатель комитета И. И. Иванов"},
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.kind == "organising" and decision.date == dt.date(2027, 2, 1) and decision.identification_run == run
    assert set(decision.schools.values_list("pk", flat=True)) == set(services.final_list(run))
    documents = {d.kind: d for d in decision.documents.all()}
    order = _docx_text(documents["order"].file.read())
    assert "ПРИКАЗ" in order and "№ 12-од" in order and "«01» февраля 2027 г." in order
    assert "Школа А2" in order and "решение рабочей группы" in order
    # Which schools are ШНОР and which ШНСУ: counted in item 1, named in the appendix's column.
    listed_groups = {
        labels.GROUPS[labels.group_of(r.group, r.category)]
        for r in SchoolResult.objects.filter(run=run, school_id__in=services.final_list(run))
    }
    counts = ", ".join(
        f"{g} — {sum(1 for r in SchoolResult.objects.filter(run=run, school_id__in=services.final_list(run)) if labels.GROUPS[labels.group_of(r.group, r.category)] == g)}"
        for g in ("ШНОР", "ШНСУ", "ШНОР и ШНСУ", "иное основание")
        if g in listed_groups
    )
    assert f"в количестве {len(services.final_list(run))}, из них: {counts} (приложение)" in order
    appendix = Docx(io.BytesIO(documents["order"].file.open("rb").read())).tables[-1]
    assert [c.text for c in appendix.rows[0].cells][4] == "Группа (категория)"
    # A region not the preset's own (the test region runs Volgograd's preset) is not given Volgograd's
    # committee: its documents name it; the signature is the one typed, with room to sign.
    assert (
        order.split("\n")[0] == "ОРГАН УПРАВЛЕНИЯ ОБРАЗОВАНИЕМ: ТЕСТОВАЯ ОБЛАСТЬ"
    )  # the preamble cites the act followed
    assert "Председатель комитета И. И. Иванов\t______________" in order
    note_bytes = documents["analytic_note"].file.open("rb").read()
    note = _docx_text(note_bytes)
    assert "Аналитическая справка по итогам идентификации" in note and "НР+ССК+НО" in note
    assert "Альфинский район" in note and "реорганизация школы" in note
    assert len(Docx(io.BytesIO(note_bytes)).inline_shapes) == 1  # the ИОР × ИСБ chart
    # The whole order names every listed school: the region-wide roles read it, a school its extract.
    download = login("coordinator").get(reverse("identification:document", args=[documents["order"].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    assert login("school").get(reverse("identification:document", args=[documents["order"].pk])).status_code == 404

    again = coordinator.post(url, {"form": "approve", "number": "13", "date": "02.02.2027"}, follow=True)
    assert "Перечень уже утверждён" not in again.content.decode() or Decision.objects.count() == 1
    assert Decision.objects.count() == 1
    with pytest.raises(services.IdentificationRefused, match="уже утверждён"):
        services.change_list(world.users["operator"], run, world.b1.pk, "remove", "поздно")


def test_the_list_as_a_condition_follows_every_change(run: Run, region: World) -> None:
    """`listed_q` is the list as it stands (`final_list`) inside a query: the proposed schools, one
    added, one removed, one added and removed again."""
    from shnor.registry.models import School

    operator = region.users["operator"]

    def in_query() -> set[int]:
        got = set(
            SchoolResult.objects.filter(run=run).filter(services.listed_q(run)).values_list("school_id", flat=True)
        )
        assert got == set(School.objects.filter(services.listed_q(run, "pk")).values_list("pk", flat=True))
        return got

    proposed = set(services.final_list(run))
    assert proposed and in_query() == proposed
    others = list(
        SchoolResult.objects.filter(run=run).exclude(school_id__in=proposed).values_list("school_id", flat=True)
    )
    gone = next(iter(proposed))
    services.change_list(operator, run, gone, "remove", "решение рабочей группы")
    services.change_list(operator, run, others[0], "add", "решение рабочей группы")
    assert in_query() == set(services.final_list(run)) == proposed - {gone} | {others[0]}
    services.change_list(operator, run, others[0], "remove", "ошибка")
    services.change_list(operator, run, gone, "add", "возвращена")
    assert in_query() == set(services.final_list(run)) == proposed


def test_a_failed_approval_leaves_no_decision_and_no_files(run: Run, world: World, monkeypatch: Any) -> None:
    from pathlib import Path

    from shnor.records.models import Decision, Document

    saved = Document.save
    calls = {"n": 0}

    def failing(self: Document, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        saved(self, *args, **kwargs)

    monkeypatch.setattr(Document, "save", failing)
    import datetime as dt

    with pytest.raises(RuntimeError):
        services.approve(world.users["coordinator"], run, number="7", date=dt.date(2027, 1, 10))
    assert not Decision.objects.exists() and not Document.objects.exists()
    folder = Path(settings.MEDIA_ROOT) / "documents"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


def test_sensitivity_and_comparison_pages(run: Run, login: Any, world: World) -> None:
    client = login("operator")
    page = client.get(reverse("identification:sensitivity", args=[run.pk])).content.decode()
    assert "как в пресете" in page and "+5 п. п." in page
    rows = services.sensitivity(world.users["operator"], run)
    assert len(rows) == 9 and {r.selected for r in rows if r.ior_shift == 0 and r.isb_shift == 0} == {
        run.summary["selected"]
    }
    # A second run under a stricter rule: the comparison shows who left the list.
    second = services.execute(services.start(SystemUser("test"), 2026, channel="cli", queue=False).pk)
    SchoolResult.objects.filter(run=second, school=world.a2).update(selected=False)
    comparison = services.compare(world.users["operator"], run, second)
    assert comparison.left == 1 and comparison.entered == 0
    text = client.get(reverse("identification:compare"), {"a": run.pk, "b": second.pk}).content.decode()
    assert "вышли: 1" in text and "Школа А2" in text
    school_view = services.compare(world.users["school"], run, second)
    assert {r["school"].school_id for r in school_view.rows} == {"A001", "A001F"}


def test_a_run_is_reproduced_exactly_and_knows_when_its_inputs_changed(run: Run, world: World) -> None:
    assert services.input_changes(run) == []
    again = services.execute(services.start(SystemUser("test"), 2026, channel="cli", queue=False).pk)
    fields = ["school__school_id", "ior", "ior_se", "isb", "value_added", "cluster", "category", "selected"]
    first = list(SchoolResult.objects.filter(run=run).order_by("school__school_id").values_list(*fields))
    second = list(SchoolResult.objects.filter(run=again).order_by("school__school_id").values_list(*fields))
    assert first == second and again.inputs == run.inputs
    SocialRecord.objects.filter(school=world.b1).update(share_on_register=0.5)
    assert services.input_changes(run) == ["социальные данные"]


@pytest.mark.parametrize("preset", ["volgograd-2021", "vologda-2019", "ivanovo-2020", "dobrinka-2018"])
def test_every_preset_runs_and_is_approved_with_its_own_documents(preset: str, region: World, monkeypatch: Any) -> None:
    import datetime as dt

    from shnor.presets import load
    from shnor.registry import services as registry

    monkeypatch.setattr(registry, "preset_in_force", lambda: load(preset))
    region.region.name = load(preset)[0].region  # the preset's own region: its authority issues the order
    region.region.save()
    the_run = services.execute(services.start(SystemUser("test"), 2026, channel="cli", queue=False).pk)
    assert the_run.status == Run.Status.DONE and the_run.preset == preset
    if not services.final_list(the_run):  # a rule may select nobody in four schools: add one by hand
        services.change_list(region.users["operator"], the_run, region.a2.pk, "add", "решение рабочей группы")
    decision = services.approve(region.users["coordinator"], the_run, number=f"{preset}-1", date=dt.date(2027, 2, 1))
    order = _docx_text(decision.documents.get(kind="order").file.read())
    assert load(preset)[0].authority.upper() in order and f"№ {preset}-1" in order
    note = _docx_text(decision.documents.get(kind="analytic_note").file.read())
    assert load(preset)[0].title in note


def test_a_reviewed_sign_changes_the_flag_the_category_and_the_list_in_a_new_run(
    region: World, world: World, login: Any
) -> None:
    """School A2's term marks are a mark below its ВПР marks every year: the journal sign recurs and
    flags it. The coordinator rejects the signs (the school shows the journals); the operator
    re-runs with the reviews: the flag and НО go, the ВПР weighs in full again, the reviews are
    carried with who decided, and the comparison shows the list before and after."""
    table = _results()
    marks = table.column("mark").to_pylist()
    journal = table.column("journal_mark").to_pylist()
    for i, (school, procedure) in enumerate(
        zip(table.column("school_id").to_pylist(), table.column("procedure").to_pylist(), strict=True)
    ):
        if school == "A002" and procedure == "VPR":
            journal[i] = max(2, marks[i] - 1)
    table = table.set_column(
        table.schema.get_field_index("journal_mark"), "journal_mark", pa.array(journal, pa.int64())
    )
    Store(settings.SHNOR_STORE_DIR).replace("results", table, "test", TABLES["results"].replace_by)
    first = services.execute(services.start(SystemUser("test"), 2026, channel="cli", queue=False).pk)
    signs = list(Sign.objects.filter(run=first, school=world.a2, code="vpr_journal"))
    before = SchoolResult.objects.get(run=first, school=world.a2)
    assert len(signs) == 3 and before.objectivity_flag and before.category.endswith("НО")

    operator = login("operator")
    page = operator.get(reverse("identification:run", args=[first.pk])).content.decode()
    assert 'data-testid="rerun-reviewed"' not in page  # nothing reviewed yet
    refused = operator.post(reverse("identification:run-reviewed", args=[first.pk]), follow=True).content.decode()
    assert "нет рассмотренных признаков" in refused
    coordinator = world.users["coordinator"]
    for sign in signs:
        services.review_sign(coordinator, sign, "rejected", "журналы проверены: отметки выставлены верно")
    assert (
        'data-testid="rerun-reviewed"' in operator.get(reverse("identification:run", args=[first.pk])).content.decode()
    )
    assert login("coordinator").post(reverse("identification:run-reviewed", args=[first.pk])).status_code == 403
    operator = login("operator")
    response = operator.post(reverse("identification:run-reviewed", args=[first.pk]))
    second = Run.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and second.status == Run.Status.DONE and second.reviewed_from == first
    assert len(second.reviews) == 3 and {r["review"] for r in second.reviews} == {"rejected"}
    after = SchoolResult.objects.get(run=second, school=world.a2)
    assert not after.objectivity_flag and "НО" not in after.category and after.objectivity_signs == ""
    assert after.ior is not None and before.ior is not None and after.ior != before.ior  # the ВПР weighs in full
    carried = Sign.objects.filter(run=second, school=world.a2, code="vpr_journal")
    assert {(s.review, s.reviewed_by_id, s.review_note[:7]) for s in carried} == {
        ("rejected", coordinator.pk, "журналы")
    }
    assert "отклонено 3" in second.message
    detail = operator.get(reverse("identification:run", args=[second.pk])).content.decode()
    assert f"?a={first.pk}&amp;b={second.pk}" in detail and 'data-testid="reviewed-from"' in detail
    with pytest.raises(services.IdentificationRefused, match="только за тот же год"):
        services.start(world.users["operator"], 2025, reviewed_from=first)
    import datetime as dt

    services.approve(world.users["coordinator"], first, number="3", date=dt.date(2027, 2, 1))
    with pytest.raises(services.IdentificationRefused, match="уже утверждён"):
        services.start(world.users["operator"], 2026, reviewed_from=first)


def test_each_rule_shows_its_source_and_a_changed_setting_is_journalled(run: Run, login: Any, world: World) -> None:
    """The run's page and the analytical note show every rule with its value and source: the act's
    clause quoted, or the operator's setting with its reason. The operator moves the low-ИОР cut-off
    in the data folder's preset: the next run journals the change and its page says what changed."""
    import datetime as dt

    from docx import Document as Docx

    import shnor.presets
    from shnor.audit.models import AuditEntry

    presets = Path(shnor.presets.__file__).parent
    page = login("operator").get(reverse("identification:run", args=[run.pk])).content.decode()
    assert (
        re.search(r'data-key="methodology.window"\s+data-from-act="yes"', page) and "«за три предыдущих года»" in page
    )
    assert f"Методика: {run.preset_title} (версия" in page and run.preset_title != run.preset  # the title, not the code
    assert re.search(r'data-key="methodology.ior_low"\s+data-from-act="no"', page) and "нижние 20 % школ" in page
    assert "140 образовательных организаций" in page and 'data-testid="settings-changed"' not in page

    text = (presets / "volgograd-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("ior_low: {kind: quantile, value: 0.2}", "ior_low: {kind: quantile, value: 0.3}")
    path = settings.DATA_DIR / "preset.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        second = services.execute(services.start(world.users["operator"], 2026, channel="cli", queue=False).pk)
        entry = AuditEntry.objects.get(object_id=str(second.pk), action="update")
        changed = entry.changes["правила расчёта"]
        assert changed["по сравнению с"] == f"расчёт № {run.pk}" and list(changed) == [
            "по сравнению с",
            "Граница низкого ИОР",
        ]
        assert changed["Граница низкого ИОР"] == [
            "нижние 20 % школ (настройка оператора)",
            "нижние 30 % школ (настройка оператора)",
        ]
        page = login("operator").get(reverse("identification:run", args=[second.pk])).content.decode()
        assert 'data-testid="settings-changed"' in page and "было — нижние 20 % школ" in page

        decision = services.approve(world.users["coordinator"], second, number="5", date=dt.date(2027, 2, 1))
        note = next(d for d in decision.documents.all() if d.kind == "analytic_note")
        cells = [c.text for t in Docx(note.file.open("rb")).tables for row in t.rows for c in row.cells]
        assert "Правило" in cells and "Граница низкого ИОР" in cells
        assert any(c.startswith("Положение акта: Акт 004, раздел 4: «за три предыдущих года»") for c in cells)
        assert any(c.startswith("Настройка оператора: Нижние 20 % школ по ИОР") for c in cells)
    finally:
        path.unlink(missing_ok=True)  # the data folder is the session's


def test_a_run_whose_preset_copy_no_longer_reads_still_shows_its_page(run: Run, login: Any, world: World) -> None:
    """A run kept from an older preset format (or with a damaged copy) shows its page without the
    rules table, and the next run compares nothing with it."""
    Run.objects.filter(pk=run.pk).update(preset_text="<b>не пресет</b>")
    page = login("operator").get(reverse("identification:run", args=[run.pk]))
    assert page.status_code == 200 and 'data-testid="parameters"' not in page.content.decode()
    assert f"Методика: {run.preset} (версия" in page.content.decode()  # the code, when the text no longer reads
    assert services.of_run(Run.objects.get(pk=run.pk)) == []
    second = services.start(world.users["operator"], 2026, channel="cli", queue=False)
    assert services.changed_since_previous(second)[1] == {}


def test_the_run_table_and_the_api_show_the_list_after_peoples_changes(
    run: Run, login: Any, world: World, client: Any
) -> None:
    """The run's table and its API results are the system's proposal; each row also says where the
    school stands on the list after people's changes, with its group: a school added by a decision
    takes the group its categories give, a removed one is off the list."""
    from shnor.accounts.services import issue_token

    added = SchoolResult.objects.filter(run=run, selected=False).select_related("school").first()
    removed = SchoolResult.objects.filter(run=run, selected=True).select_related("school").first()
    assert added is not None and removed is not None
    operator = login("operator")
    url = reverse("identification:list", args=[run.pk])
    code_in, code_out = added.school.school_id, removed.school.school_id
    operator.post(url, {"form": "change", "school_id": code_in, "action": "add", "reason": "решение рабочей группы"})
    operator.post(url, {"form": "change", "school_id": code_out, "action": "remove", "reason": "реорганизация"})
    page = operator.get(reverse("identification:run", args=[run.pk])).content.decode()
    assert "включена решением" in page and "исключена решением" in page
    _, key = issue_token(world.users["operator"], "test")
    rows = client.get(f"/api/identification/runs/{run.pk}/results", headers={"Authorization": f"Bearer {key}"})
    by_id = {r["school_id"]: r for r in rows.json()["items"]}
    assert by_id[code_in]["listed"] and by_id[code_in]["group"] == ""
    assert by_id[code_in]["list_group"] == labels.group_of("", added.category) != ""
    assert by_id[code_out]["group"] and not by_id[code_out]["listed"] and by_id[code_out]["list_group"] == ""
    others = [r for c, r in by_id.items() if c not in (code_in, code_out)]
    assert all(r["listed"] == bool(r["group"]) and r["list_group"] == r["group"] for r in others)


def test_the_card_the_export_and_the_chart_carry_the_evidence_and_the_uncertainty(
    run: Run, login: Any, world: World
) -> None:
    """Every school with results has its strength of evidence stored with the rule, threshold and
    signs; the card states it against the threshold in words; the chart's points carry the
    probability of the low zone and whether membership is uncertain (between 10 and 90 %)."""
    a2 = SchoolResult.objects.get(run=run, school=world.a2)
    assert a2.objectivity_z is not None and a2.objectivity_evidence["threshold"] == pytest.approx(2.576, abs=1e-3)
    assert a2.objectivity_evidence["rule"] == "evidence" and a2.objectivity_evidence["signs"]
    probability = a2.ior_low_probability
    assert probability is not None and 0 <= probability <= 1 and a2.low_uncertain == (0.1 < probability < 0.9)
    client = login("operator")
    card = re.sub(
        r"\s+", " ", client.get(reverse("identification:school", args=[run.pk, world.a2.pk])).content.decode()
    )
    assert "Сила свидетельств необъективности" in card and "при пороге 2,58" in card
    # Its ИОР by year as a picture (Plotly, vendored) beside the table that is its text alternative.
    assert a2.per_year and 'data-testid="ior-trend"' in card and 'id="ior-trend-data"' in card
    assert "/static/shnor/js/ior_trend.js" in card and "/static/plotly/plotly.min.js" in card
    assert "вероятность, что истинный ИОР в «низкой» зоне" in card
    chart = client.get(reverse("identification:run-chart", args=[run.pk])).context["chart"]
    point = next(p for p in chart["points"] if p["id"] == world.a2.pk)
    assert point["low_probability"] == pytest.approx(a2.ior_low_probability, abs=1e-3)
    assert point["uncertain"] == a2.cluster_uncertain
    # ИСБ: its standard error from the number of pupils, the chance of its low zone, a missing share.
    assert a2.isb_se is not None and a2.isb_se > 0 and a2.isb_low_probability is not None
    assert point["isb_low_probability"] == pytest.approx(a2.isb_low_probability, abs=1e-3)
    a2.isb_low_probability, a2.isb_missing = 0.4, "share_disabilities;share_low_income"
    a2.save()
    card = re.sub(
        r"\s+", " ", client.get(reverse("identification:school", args=[run.pk, world.a2.pk])).content.decode()
    )
    assert "вероятность, что ИСБ без случайности долей в «низкой» зоне, — 40 %" in card
    assert "нет в записи школы: доля обучающихся с ОВЗ, доля обучающихся из малообеспеченных семей" in card
    assert re.search(r"определён неуверенно: школа близко к порогу «низкой» зоны (ИОР и )?ИСБ \(", card)
    assert "share_disabilities" not in card
    rows = client.get(reverse("identification:run", args=[run.pk])).content.decode()
    assert "зона ИСБ не определена" in rows


def test_the_card_says_what_would_flag_a_school_below_the_threshold(login: Any, run: Run, world: World) -> None:
    a2 = SchoolResult.objects.get(run=run, school=world.a2)
    sign = {"code": "vpr_journal", "units": 2, "years": 2, "z": 2.0, "raw": 2.0, "shift": 0.0, "scale": 1.0,
            "top": {"year": 2026, "procedure": "VPR", "subject": None, "grade": None, "n": 40, "z": 2.1}}  # fmt: skip
    a2.objectivity_evidence = {"z": 2.0, "threshold": 2.576, "rule": "evidence", "false_flag_rate": 0.005,
                               "signs": [sign], "years_to_flag": 2}  # fmt: skip
    a2.save()
    card = login("operator").get(reverse("identification:school", args=[run.pk, world.a2.pk])).content.decode()
    text = re.sub(r"\s+", " ", card)
    assert "Если те же отклонения сохранятся ещё 2 года, свидетельства достигнут порога." in text
    assert "Отметки за ВПР выше отметок по журналу" in text and "2026, ВПР: сила 2,10, участников 40" in text


def test_a_year_is_approved_once_unless_a_replacement_is_stated(run: Run, login: Any, world: World) -> None:
    """A second run of a year whose list an order already approved is approved only as its
    replacement, with the reason; otherwise two orders «on the list of the year» would stand side by
    side. The page says so before anyone tries."""
    import datetime as dt

    coordinator = world.users["coordinator"]
    first = services.approve(coordinator, run, number="3", date=dt.date(2027, 2, 1))
    second = services.execute(services.start(world.users["operator"], 2026, channel="cli", queue=False).pk)
    with pytest.raises(services.IdentificationRefused, match=r"на 2026 год уже утверждён: .*№ 3 от 01\.02\.2027"):
        services.approve(coordinator, second, number="4", date=dt.date(2027, 3, 1))
    assert not second.is_approved
    client = login("coordinator")
    url = reverse("identification:list", args=[second.pk])
    page = re.sub(r"\s+", " ", client.get(url).content.decode())
    assert 'data-testid="approved-earlier"' in page and "укажите причину замены" in page
    refused = client.post(url, {"form": "approve", "number": "4", "date": "01.03.2027"}, follow=True)
    assert "укажите причину замены" in refused.content.decode() and not second.is_approved
    client.post(url, {"form": "approve", "number": "4", "date": "01.03.2027", "replaces": "уточнены данные ВПР"})
    replacement = second.decisions.get()
    assert f"Заменяет {first}. Причина замены: уточнены данные ВПР" in replacement.basis
    # The replacement is the year's official list, even where the replaced run finished later.
    from django.utils import timezone

    from shnor.support.services.common import official_run

    Run.objects.filter(pk=run.pk).update(finished_at=timezone.now() + dt.timedelta(hours=1))
    assert official_run(2026)[0] == second
    # The review of a sign starts with no choice made: a decision is never sent by default.
    sign = make_sign(run, world.a2)
    card = client.get(reverse("identification:school", args=[run.pk, sign.school_id])).content.decode()
    assert card.find('name="review"') > 0
    options = re.findall(r"<option value=\"(\w*)\"( selected)?", card[card.find('name="review"') :])
    assert options[:3] == [("", ""), ("confirmed", ""), ("rejected", "")]
    review = reverse("identification:review", args=[run.pk, sign.pk])
    client.post(review, {"review": "", "note": ""})
    sign.refresh_from_db()
    assert sign.review == Sign.Review.PENDING
