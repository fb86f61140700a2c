"""The import use case in-process: round trips, replacement, idempotency, rollback, recovery, access."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from django.conf import settings
from openpyxl import Workbook, load_workbook

from shnor.accounts.roles import Role
from shnor.accounts.services import create_user
from shnor.core.contract import TABLES
from shnor.datasets import services
from shnor.datasets.models import ImportRun, OversightSignal, SocialRecord
from shnor.demo.build import load_registry
from shnor.demo.generator import RESULT_COLUMNS, DemoConfig, DemoRegion, generate
from shnor.engine.store import Store
from shnor.registry.models import Municipality, Region, School
from shnor.staff.models import StaffMember, Teacher

pytestmark = pytest.mark.django_db

RU = {c.name: c.ru for t in TABLES.values() for c in t.columns}


@pytest.fixture(scope="module")
def region_data() -> DemoRegion:
    return generate(DemoConfig(schools=40, municipalities=3, years=(2025, 2026)))


@pytest.fixture
def region(region_data: DemoRegion) -> DemoRegion:
    load_registry(region_data, Region.objects.create(code="X", name="", preset="volgograd-2021"))
    return region_data


@pytest.fixture
def operator() -> Any:
    return create_user("op", "correct-horse-battery-9", Role.OPERATOR)


def _import(user: Any, kind: str, path: Path, **options: Any) -> ImportRun:
    run = services.create_run(user, kind, path, path.name, **options)
    if run.status == ImportRun.Status.DRAFT:
        run = services.execute(run.pk)
    return run


def _russian_csv(frame: pd.DataFrame, path: Path) -> Path:
    """As Russian Excel saves it: cp1251, `;`, decimal commas, Russian headers."""
    frame.rename(columns=RU).to_csv(path, sep=";", decimal=",", index=False, encoding="cp1251")
    return path


def _xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([RU[c] for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row])
    book.save(path)
    return path


def _stored_results() -> pd.DataFrame:
    data = Store(settings.SHNOR_STORE_DIR).read_arrow("results").to_pandas()
    return (
        data[RESULT_COLUMNS]
        .sort_values(["year", "procedure", "grade", "subject", "student_key"])
        .reset_index(drop=True)
    )


def _expected_results(region: DemoRegion, years: tuple[int, ...]) -> pd.DataFrame:
    frame = region.results[region.results["year"].isin(years)]
    return (
        frame[RESULT_COLUMNS]
        .sort_values(["year", "procedure", "grade", "subject", "student_key"])
        .reset_index(drop=True)
    )


def _same(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(stored) == len(expected)
    for column in RESULT_COLUMNS:
        left = stored[column].astype(
            "float64" if column not in ("procedure", "subject", "school_id", "student_key") else "object"
        )
        right = expected[column].astype(left.dtype)
        pd.testing.assert_series_equal(left, right, check_names=False, check_dtype=False)


def test_russian_csv_and_xlsx_round_trip_to_identical_stored_data(
    region: DemoRegion, operator: Any, tmp_path: Path
) -> None:
    results = region.results
    run = _import(operator, "results", _russian_csv(results[results.year == 2025], tmp_path / "Результаты 2025.csv"))
    assert run.status == ImportRun.Status.APPLIED, run.issues[:3]
    assert run.source["encoding"] == "cp1251" and run.source["decimal"] == ","
    sample = results[(results.year == 2026)]
    run = _import(operator, "results", _xlsx(sample, tmp_path / "results_2026.xlsx", "results"))
    assert run.status == ImportRun.Status.APPLIED, run.issues[:3]
    _same(_stored_results(), _expected_results(region, (2025, 2026)))
    social = region.social
    run = _import(operator, "social", _russian_csv(social, tmp_path / "social.csv"))
    assert run.status == ImportRun.Status.APPLIED, run.issues[:3]
    stored = pd.DataFrame(
        SocialRecord.objects.values("year", "school__school_id", "share_on_register", "share_low_income")
    )
    stored = stored.sort_values(["year", "school__school_id"]).reset_index(drop=True)
    expected = social.sort_values(["year", "school_id"]).reset_index(drop=True)
    assert stored["share_on_register"].round(6).tolist() == expected["share_on_register"].round(6).tolist()
    assert stored["share_low_income"].round(6).tolist() == expected["share_low_income"].round(6).tolist()


def test_the_same_file_twice_changes_nothing_and_a_corrected_file_replaces_its_schools(
    region: DemoRegion, operator: Any, tmp_path: Path
) -> None:
    results = region.results[region.results.year == 2026]
    path = tmp_path / "r.csv"
    results.to_csv(path, index=False)
    first = _import(operator, "results", path)
    before = _stored_results()
    second = _import(operator, "results", path)
    assert second.status == ImportRun.Status.APPLIED
    assert (second.rows_added, second.rows_removed) == (first.rows_added, first.rows_added)
    pd.testing.assert_frame_equal(_stored_results(), before)
    # A corrected file: one school's OGE Russian re-sent with every score corrected to 0.
    school = results[(results.procedure == "OGE") & (results.subject == "rus")].school_id.iloc[0]
    fixed = results[(results.school_id == school) & (results.procedure == "OGE") & (results.subject == "rus")].copy()
    fixed["primary_score"] = 0.0
    fixed.to_csv(tmp_path / "fixed.csv", index=False)
    third = _import(operator, "results", tmp_path / "fixed.csv")
    assert third.status == ImportRun.Status.APPLIED, third.issues[:3]
    assert (third.rows_added, third.rows_removed) == (len(fixed), len(fixed))
    after = _stored_results()
    assert len(after) == len(before)
    changed = (after.school_id == school) & (after.procedure == "OGE") & (after.subject == "rus")
    assert changed.sum() == len(fixed) and (after[changed].primary_score == 0).all()
    assert (after[~changed].primary_score.to_numpy() == before[~changed].primary_score.to_numpy()).all()
    # Undo the correction: the first version is back.
    services.rollback(operator, third)
    pd.testing.assert_frame_equal(_stored_results(), before)


def test_an_error_anywhere_writes_nothing(region: DemoRegion, operator: Any, tmp_path: Path) -> None:
    region.social.to_csv(tmp_path / "social.csv", index=False)
    _import(operator, "social", tmp_path / "social.csv")
    before = list(SocialRecord.objects.order_by("pk").values())
    bad = region.social.copy()
    bad["share_on_register"] = bad["share_on_register"] / 2  # every row changes…
    bad.loc[17, "school_id"] = "NOPE"  # …but row 19 names an unknown school
    bad.to_csv(tmp_path / "bad.csv", index=False)
    run = _import(operator, "social", tmp_path / "bad.csv")
    assert run.status == ImportRun.Status.FAILED
    assert [(i["row"], i["code"], i["value"]) for i in run.issues if i["severity"] == "error"] == [
        (19, "unknown_school", "NOPE")
    ]
    assert list(SocialRecord.objects.order_by("pk").values()) == before
    results = region.results[region.results.year == 2026].copy()
    results.to_csv(tmp_path / "ok.csv", index=False)
    _import(operator, "results", tmp_path / "ok.csv")
    manifest = Store(settings.SHNOR_STORE_DIR).manifest("results")
    results.iloc[-1, results.columns.get_loc("mark")] = 7
    results.to_csv(tmp_path / "bad-results.csv", index=False)
    run = _import(operator, "results", tmp_path / "bad-results.csv")
    assert run.status == ImportRun.Status.FAILED
    assert [(i["row"], i["code"]) for i in run.issues if i["severity"] == "error"] == [(len(results) + 1, "range")]
    assert Store(settings.SHNOR_STORE_DIR).manifest("results") == manifest


def test_schools_create_municipalities_and_link_branches(db: Any, operator: Any, tmp_path: Path) -> None:
    Region.objects.create(code="R", name="Регион", preset="volgograd-2021")
    path = tmp_path / "schools.csv"
    path.write_text(
        "Код ОО;Наименование ОО;Муниципалитет;Тип местности;Численность обучающихся;РИП;Код головной ОО\n"
        "S1;Школа 1;Городской округ город Альфа;город;800;да;\n"
        "S2;Филиал школы 1;Городской округ город Альфа;город;30;нет;S1\n"
        "S3;Школа 3;Бетинский муниципальный район;село;120;нет;\n",
        encoding="utf-8",
    )
    run = _import(operator, "schools", path)
    assert run.status == ImportRun.Status.APPLIED, run.issues
    assert run.rows_added == 3 and run.warnings == 2  # two municipalities created
    assert School.objects.get(school_id="S2").parent == School.objects.get(school_id="S1")
    assert Municipality.objects.get(name="Городской округ город Альфа").kind == "city_okrug"
    again = _import(operator, "schools", path)
    assert (again.rows_added, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    services.rollback(operator, again)
    services.rollback(operator, run)
    assert not School.objects.exists() and not Municipality.objects.exists()
    # A branch of a branch is refused, naming the row.
    path.write_text(
        "school_id,name,municipality,locality,enrollment,parent_school_id\n"
        "S1,Школа,М,city,10,\nS2,Филиал,М,city,10,S1\nS3,Филиал филиала,М,city,10,S2\n",
        encoding="utf-8",
    )
    refused = _import(operator, "schools", path)
    assert refused.status == ImportRun.Status.FAILED
    assert [(i["row"], i["code"]) for i in refused.issues if i["severity"] == "error"] == [(4, "reference")]
    assert not School.objects.exists()


def test_staff_replacement_marks_teachers_who_left_and_rollback_restores(
    region: DemoRegion, operator: Any, tmp_path: Path
) -> None:
    staff = region.staff
    staff.to_csv(tmp_path / "staff.csv", index=False)
    first = _import(operator, "staff", tmp_path / "staff.csv")
    assert first.rows_added == len(staff) and Teacher.objects.count() == staff.staff_key.nunique()
    school = staff.school_id.iloc[0]
    left = staff[staff.school_id == school].iloc[1:]
    left.to_csv(tmp_path / "one-school.csv", index=False)
    second = _import(operator, "staff", tmp_path / "one-school.csv")
    assert second.rows_removed == 1
    assert StaffMember.objects.filter(is_active=False).count() == 1
    services.rollback(operator, second)
    assert StaffMember.objects.filter(is_active=False).count() == 0


def test_rollback_is_refused_while_a_later_import_builds_on_it(
    region: DemoRegion, operator: Any, tmp_path: Path
) -> None:
    region.oversight.to_csv(tmp_path / "o.csv", index=False)
    first = _import(operator, "oversight", tmp_path / "o.csv")
    second = _import(operator, "oversight", tmp_path / "o.csv")
    with pytest.raises(services.ImportRefused, match=f"№ {second.pk}"):
        services.rollback(operator, first)
    services.rollback(operator, second)
    services.rollback(operator, first)
    assert not OversightSignal.objects.exists()
    first.refresh_from_db()
    assert first.status == ImportRun.Status.ROLLED_BACK


def test_a_file_with_personal_data_is_refused_and_not_kept(region: DemoRegion, operator: Any, tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("Код педагога;Код ОО;Должность;СНИЛС\nT1;M01001;учитель;123-456-789 00\n", encoding="utf-8")
    run = services.create_run(operator, "staff", path, path.name)
    assert run.status == ImportRun.Status.FAILED and run.stored_path == ""
    assert [i["code"] for i in run.issues] == ["personal_data"]
    assert not (Path(settings.MEDIA_ROOT) / "uploads" / str(run.pk)).exists()


def test_recovery_finishes_a_committed_import_and_marks_the_rest_interrupted(
    region: DemoRegion, operator: Any, tmp_path: Path
) -> None:
    results = region.results[region.results.year == 2026]
    results.to_csv(tmp_path / "r.csv", index=False)
    landed = services.create_run(operator, "results", tmp_path / "r.csv", "r.csv")
    lost = services.create_run(operator, "results", tmp_path / "r.csv", "r.csv")
    # As if the process died right after the manifest swap of `landed`, and before `lost` committed.
    store = Store(settings.SHNOR_STORE_DIR)
    store.replace(
        "results", pa.Table.from_pandas(results, preserve_index=False), landed.store_id, TABLES["results"].replace_by
    )
    ImportRun.objects.filter(pk__in=[landed.pk, lost.pk]).update(status=ImportRun.Status.RUNNING)
    assert services.recover() == 2
    landed.refresh_from_db()
    lost.refresh_from_db()
    assert landed.status == ImportRun.Status.APPLIED and landed.rows_added == len(results)
    assert lost.status == ImportRun.Status.INTERRUPTED


def test_only_operators_import_and_coordinators_may_read_the_history(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("year,school_id,kind,count\n2026,A001,order,1\n", encoding="utf-8")
    for name in ("coordinator", "municipal", "school", "curator", "teacher", "observer"):
        with pytest.raises(services.PermissionDenied):
            services.create_run(world.users[name], "oversight", path, "o.csv")
    run = _import(world.users["operator"], "oversight", path)
    assert run.status == ImportRun.Status.APPLIED
    assert list(services.runs_for(world.users["coordinator"])) == [run]
    with pytest.raises(services.PermissionDenied):
        services.runs_for(world.users["municipal"])


def test_every_template_opens_with_russian_headers_and_explains_every_column() -> None:
    from shnor.ingest.workbooks import template

    for kind, table in TABLES.items():
        book = load_workbook(io.BytesIO(template(kind)))
        assert book.sheetnames == [kind, "пояснения"]
        assert [c.value for c in book[kind][1]] == [c.ru for c in table.columns]
        explained = {row[1].value for row in book["пояснения"].iter_rows(min_row=5)}
        assert set(table.names) <= explained


def test_the_schools_template_example_imports_cleanly(db: Any, operator: Any, tmp_path: Path) -> None:
    from shnor.ingest.workbooks import template

    Region.objects.create(code="R", name="Регион", preset="volgograd-2021")
    path = tmp_path / "schools.xlsx"
    path.write_bytes(template("schools"))
    run = _import(operator, "schools", path)
    assert run.status == ImportRun.Status.APPLIED, run.issues
    assert School.objects.get().name == "МБОУ «Средняя школа № 1»"


def test_the_validation_report_is_a_real_workbook_with_every_issue(
    region: DemoRegion, operator: Any, tmp_path: Path
) -> None:
    from shnor.datasets.reports import report_bytes

    path = tmp_path / "o.csv"
    path.write_text("year,school_id,kind,count,=cmd|' /C calc'!A0\n2026,ZZZ,order,-1,x\n", encoding="utf-8")
    run = _import(operator, "oversight", path)
    book = load_workbook(io.BytesIO(report_bytes(run)))
    rows = [[c.value for c in r] for r in book["замечания"].iter_rows(min_row=2)]
    assert ["ошибка", "o.csv", 2, "school_id", "ZZZ"] in [r[:5] for r in rows]
    assert ["ошибка", "o.csv", 2, "count", "-1"] in [r[:5] for r in rows]
    # The hostile header comes back as text, never as a formula.
    assert any(r[3] == "'=cmd|' /C calc'!A0" for r in rows)
