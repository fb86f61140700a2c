"""A preset that does not fit the loaded data (issue 19): when no work of the preset's results index
(ИОР) has results in the window, the run fails before computing and says what it looked for, what
the data hold instead and what to do — on the service, the page, the API and the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from django.conf import settings
from django.urls import reverse

from shnor.accounts.services import SystemUser, issue_token
from shnor.core.contract import TABLES
from shnor.engine.schemas import schema
from shnor.engine.store import Store
from shnor.identification import labels, services
from shnor.identification.models import Run, SchoolResult
from tests.app.test_cli import run as shnor
from tests.conftest import World

PRESET_WORKS = (
    "ЕГЭ, 11 кл.: русский язык, математика (профильная), математика (базовая); "
    "ОГЭ, 9 кл.: русский язык, математика; ВПР, 4 кл.: русский язык, математика"
)


def _pupils(works: list[tuple[int, str, str, int, str]]) -> pa.Table:
    """Pupil rows: (year, procedure, subject, grade, school) → 20 pupils each."""
    rows: dict[str, list[Any]] = {c.name: [] for c in TABLES["results"].columns}
    for year, procedure, subject, grade, school in works:
        for i in range(20):
            values = {
                "year": year,
                "procedure": procedure,
                "grade": grade,
                "subject": subject,
                "school_id": school,
                "student_key": f"P{school}{year}{procedure}{subject}{i:03d}",
                "primary_score": float(400 + 10 * i),
                "max_primary_score": 800.0,
                "test_score": None,
                "mark": None,
                "journal_mark": None,
            }
            for name, value in values.items():
                rows[name].append(value)
    return pa.table(rows)


@pytest.fixture
def sat(world: World) -> World:
    """SAT scores of 2022–2024 (pupils for three schools, school means for a fourth), and a work of
    the preset only in 2021: gathered for the dynamics, but outside the window of 2024."""
    store = Store(settings.SHNOR_STORE_DIR)
    works = [(y, "SAT", "math", 11, s) for y in (2022, 2023, 2024) for s in ("A001", "A002", "B001")]
    works += [(2024, "SAT", "reading", 11, s) for s in ("A001", "B001")]
    works += [(2021, "VPR", "rus", 4, s) for s in ("A001", "A002", "B001")]
    store.replace("results", _pupils(works), "test", TABLES["results"].replace_by)
    means = [
        {"year": 2024, "procedure": "SAT", "grade": 11, "subject": "math", "school_id": "A001F"}
        | {"participants": 12, "mean_score": 510.0}
    ]
    store.replace(
        "results_schools",
        pa.Table.from_pylist(means, schema=schema("results_schools")),
        "test",
        TABLES["results_schools"].replace_by,
    )
    return world


def test_a_run_under_a_preset_whose_works_are_not_in_the_data_fails_and_says_what_was_found(sat: World) -> None:
    started = services.start(SystemUser("test"), 2024, channel="cli", queue=False)
    failed = services.execute(started.pk)
    assert failed.status == Run.Status.FAILED
    assert failed.message == (
        f"Ни одна работа ИОР пресета «volgograd-2021» ({PRESET_WORKS}) не найдена в загруженных данных "
        "за 2022–2024 годы. Найдено за эти годы: SAT, 11 кл.: математика (школ: 4), reading (школ: 2). "
        "Загрузите результаты работ пресета за эти годы или выберите пресет, который соответствует данным "
        "(shnor init --preset …)."
    )
    assert not SchoolResult.objects.exists()
    works = failed.summary["works"]
    assert failed.summary["window"] == [2022, 2023, 2024]
    assert works["components"] == 7 and works["found"] == 0 and len(works["missing"]) == 7
    assert works["data"] == [
        {"procedure": "SAT", "subject": "math", "grade": 11, "schools": 4},
        {"procedure": "SAT", "subject": "reading", "grade": 11, "schools": 2},
    ]


def test_a_window_without_any_results_names_the_years_that_have_them(sat: World) -> None:
    started = services.start(SystemUser("test"), 2028, channel="cli", queue=False)
    failed = services.execute(started.pk)
    assert failed.status == Run.Status.FAILED
    assert failed.message == (
        "Нет результатов оценочных процедур за 2026–2028 годы: ни одна работа ИОР пресета «volgograd-2021» "
        "не найдена, данных о результатах за эти годы нет (результаты загружены за 2021–2024 годы). "
        "Загрузите результаты за эти годы или укажите отчётный год, за который они есть."
    )


def test_a_preset_with_some_of_its_works_found_runs_and_says_how_many(sat: World, login: Any) -> None:
    store = Store(settings.SHNOR_STORE_DIR)
    works = [(y, "VPR", "rus", 4, s) for y in (2021, 2022, 2023, 2024) for s in ("A001", "A002", "B001")]
    store.replace("results", _pupils(works), "vpr", TABLES["results"].replace_by)
    started = services.start(SystemUser("test"), 2024, channel="cli", queue=False)
    done = services.execute(started.pk)
    assert done.status == Run.Status.DONE, done.message
    assert done.message.endswith(
        " Из 7 работ ИОР пресета в данных за 2022–2024 годы найдено: 1; остальные в индекс не вошли."
    )
    assert done.summary["works"]["found"] == 1 and "ВПР, русский язык, 4 кл." not in done.summary["works"]["missing"]
    page = login("operator").get(reverse("identification:run", args=[done.pk])).content.decode()
    assert "найдено 1 из 7; индекс рассчитан по найденным): ЕГЭ, русский язык, 11 кл.;" in page


def test_the_page_that_starts_a_run_shows_why_it_failed(sat: World, login: Any) -> None:
    client = login("operator")
    response = client.post(reverse("identification:runs"), {"year": 2024}, follow=True)
    assert Run.objects.get().status == Run.Status.FAILED  # the test settings run tasks at once
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "не найдена в загруженных данных за 2022–2024 годы" in page and "SAT, 11 кл.: математика (школ: 4)" in page
    listing = client.get(reverse("identification:runs")).content.decode()
    assert "Ни одна работа ИОР пресета «volgograd-2021»" in listing


def test_the_api_answers_422_with_the_failed_run_and_what_was_found(sat: World, client: Any, world: World) -> None:
    _, token = issue_token(world.users["operator"], "t")
    for wait in (True, False):  # waiting for the run, or queueing it (the test settings run it at once)
        response = client.post(
            "/api/identification/runs",
            {"year": 2024, "wait": wait},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert (response.status_code, body["status"]) == (422, "failed"), body
        assert "не найдена в загруженных данных за 2022–2024 годы" in body["message"]
        assert "Найдено за эти годы: SAT, 11 кл.: математика (школ: 4)" in body["message"]
        assert body["summary"]["works"]["found"] == 0 and body["summary"]["works"]["data"][0]["schools"] == 4


def test_the_command_line_exits_1_with_the_message(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shnor("init", "--preset", "volgograd-2021", data_dir=folder)
    schools = tmp_path / "schools.csv"
    schools.write_text(
        "school_id,name,municipality,locality,enrollment\nS1,Школа 1,Район,rural,200\nS2,Школа 2,Район,city,500\n",
        encoding="utf-8",
    )
    scores = tmp_path / "sat.csv"
    scores.write_text(
        "year,procedure,grade,subject,school_id,participants,mean_score\n"
        + "".join(f"{y},SAT,11,math,{s},40,{500 + y % 10}\n" for y in (2022, 2023, 2024) for s in ("S1", "S2")),
        encoding="utf-8",
    )
    shnor("import", "schools", str(schools), data_dir=folder)
    shnor("import", "results_schools", str(scores), data_dir=folder)
    result = shnor("identify", "--year", "2024", data_dir=folder, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    said = " ".join(result.stderr.split())  # the terminal wraps long lines
    assert "Ни одна работа ИОР пресета «volgograd-2021»" in said
    assert "не найдена в загруженных данных за 2022–2024 годы" in said
    assert "Найдено за эти годы: SAT, 11 кл.: математика (школ: 2)" in said
    assert "выполнен." not in result.stdout


def test_works_are_named_by_procedure_and_grade_and_long_lists_are_cut() -> None:
    assert labels.works([("VPR", "math", 4), ("VPR", "rus", 5), ("VPR", "rus", 4)]) == (
        "ВПР, 4 кл.: математика, русский язык; ВПР, 5 кл.: русский язык"
    )
    many = [("VPR", f"s{i}", g) for g in (4, 5, 6) for i in range(10)]
    assert labels.works(many, groups=2, per_group=3) == (
        "ВПР, 4 кл.: s0, s1, s2, ещё предметов: 7; ВПР, 5 кл.: s0, s1, s2, ещё предметов: 7; ещё работ: 10"
    )
    assert labels.years([2024]) == "2024 год" and labels.years([2019, 2022, 2023, 2024]) == "2019, 2022–2024 годы"
