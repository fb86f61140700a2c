"""How an import says what it read (issue 19), in-process and from the command line: read options
chosen after a doubtful detection, options that beat a mapping's, a re-import of the same values
that changes nothing, and counts of issues that agree on the page, in the CLI and in the report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shnor.datasets import services
from shnor.datasets.models import ImportRun, SocialRecord
from shnor.datasets.reports import report_bytes
from shnor.ingest.mapping import parse
from shnor.ingest.sources import ReadOptions
from tests.app.test_cli import run
from tests.app.test_imports import _import
from tests.conftest import World

pytestmark = pytest.mark.django_db

SOCIAL = (
    "Год;Код ОО;Численность обучающихся, чел.;"
    "Доля обучающихся из семей, где оба родителя не имеют высшего образования;"
    "Доля обучающихся из семей, где единственный или оба родителя безработные;"
    "Доля обучающихся, состоящих на внутришкольном и других видах учёта;"
    "Доля обучающихся из малообеспеченных семей\n"
    "2026;A001;300;41,5;3,1;2;14,2\n"
    "2026;B001;900;30;4,5;1,5;20\n"
)


def test_percentages_imported_twice_change_nothing_and_say_so(world: World, tmp_path: Path) -> None:
    operator = world.users["operator"]
    path = tmp_path / "social.csv"
    path.write_bytes(SOCIAL.encode("cp1251"))
    first = _import(operator, "social", path)
    assert first.status == ImportRun.Status.APPLIED and first.rows_added == 2
    assert SocialRecord.objects.get(school__school_id="A001").share_parents_no_higher_ed == pytest.approx(0.415)
    # The same values written as fractions: 41,5 % is 0,415, and nothing changes.
    same = tmp_path / "same.csv"
    same.write_bytes(
        SOCIAL.replace("41,5;3,1;2;14,2", "0,415;0,031;0,02;0,142")
        .replace("30;4,5;1,5;20", "0,3;0,045;0,015;0,2")
        .encode("cp1251")
    )
    second = _import(operator, "social", same)
    assert (second.rows_added, second.rows_updated, second.rows_unchanged) == (0, 0, 2)
    assert "без изменений" in second.message


def test_read_options_chosen_on_a_draft_read_the_file_again(world: World, tmp_path: Path) -> None:
    operator = world.users["operator"]
    path = tmp_path / "o.csv"
    path.write_text("Форма 7-Н;;\nОО;Тип сигнала;Число\nA001;предписание;2\n", encoding="utf-8")
    run = services.create_run(operator, "oversight", path, path.name, year=2026)
    assert run.source["header_row"] == 2 and run.source["unsure"]
    run = services.set_read_options(operator, run, ReadOptions(header_row=1))
    assert run.source["header_row"] == 1 and run.read_options == {"header_row": 1}
    assert any("указана при загрузке" in line for line in run.source["detected"])
    with pytest.raises(services.ImportRefused, match="Разделитель «:» не поддерживается"):
        services.set_read_options(operator, run, ReadOptions(delimiter=":"))


def test_options_given_at_upload_beat_the_mapping_and_the_mapping_beats_detection(world: World, tmp_path: Path) -> None:
    operator = world.users["operator"]
    path = tmp_path / "o.csv"
    path.write_text("Итоги\nyear|school_id|kind|count\n2026|A001|order|1\n", encoding="utf-8")
    spec = parse({"name": "pipe", "kind": "oversight", "delimiter": "|", "header_row": 2}, "test")
    by_mapping = services.create_run(operator, "oversight", path, path.name, mapping=spec)
    assert (by_mapping.source["delimiter"], by_mapping.source["header_row"]) == ("|", 2)
    by_option = services.create_run(
        operator, "oversight", path, path.name, mapping=spec, options=ReadOptions(header_row=3)
    )
    assert by_option.source["header_row"] == 3


def test_the_cli_prints_what_it_detected_and_counts_that_agree_with_the_report(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    run("init", "--preset", "volgograd-2021", data_dir=folder)
    schools = tmp_path / "schools.csv"
    schools.write_text(
        "Код ОО;Наименование ОО;Муниципалитет;Тип местности;Численность обучающихся\n"
        + "".join(f"S{i:03d};Школа {i};Район;село;{100 + i}\n" for i in range(30))
        + "Итого;;;;\n",
        encoding="cp1251",
    )
    done = run("import", "schools", str(schools), data_dir=folder)
    lines = done.stdout.splitlines()
    assert lines[1].startswith("Прочитано как: CSV, Windows-1251, разделитель — точка с запятой")
    assert "строка итогов — 1" in done.stdout and "добавлено: 30" in done.stdout
    # A file with 25 wrong values of one kind: the summary counts 25, 10 rows are shown, the report has them all.
    social = tmp_path / "social.csv"
    social.write_text(
        "year,school_id,students,share_parents_no_higher_ed,share_unemployed_parents,share_on_register\n"
        + "".join(f"2026,S{i:03d},x{i},0.1,0.1,0.1\n" for i in range(25)),
        encoding="utf-8",
    )
    report = tmp_path / "r.xlsx"
    refused = run("import", "social", str(social), "--report", str(report), data_dir=folder, check=False)
    assert refused.returncode == 1
    assert "Замечаний: ошибок — 25, предупреждений — 0." in refused.stdout
    assert "неверный тип значения, столбец «students» — 25" in refused.stdout
    assert refused.stdout.count("ожидалось целое число") == 10
    assert "… и ещё 15 строк этого вида" in refused.stdout
    book = load_workbook(report)
    facts = {row[0]: row[1] for row in book["итог"].iter_rows(values_only=True) if row and row[0]}
    assert facts["Ошибок"] == 25 and facts["Строк данных в файле"] == 25
    read = [row[1] for row in book["итог"].iter_rows(values_only=True) if row and row[0] == "Как прочитан файл"]
    assert read[0].startswith("кодировка — UTF-8")
    assert book["замечания"].max_row == 26


def test_the_report_names_how_the_file_was_read(world: World, tmp_path: Path) -> None:
    operator = world.users["operator"]
    path = tmp_path / "social.csv"
    path.write_bytes(("Сведения за 2026 год\n" + SOCIAL).encode("cp1251"))
    done = _import(operator, "social", path)
    assert done.status == ImportRun.Status.APPLIED
    assert {i["code"] for i in done.issues} == {"title", "percent"}  # the title row; values read as percent
    book = load_workbook(io.BytesIO(report_bytes(done)))
    read = [row[1] for row in book["итог"].iter_rows(values_only=True) if row and row[0] == "Как прочитан файл"]
    assert any("Windows-1251" in line for line in read) and any("строка 2" in line for line in read)
    titles = [r for r in book["замечания"].iter_rows(values_only=True) if r[6] == "title"]
    assert [r[2] for r in titles] == [1]  # the title row, named by its row


def test_bytes_of_another_encoding_past_the_first_megabyte_refuse_the_file_in_russian(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    line = "2026,A001,order,1\n"
    body = "year,school_id,kind,count\n" + line * (1_200_000 // len(line))
    path.write_bytes(body.encode("ascii") + "2026,B001,предписание,1\n".encode("cp1251"))
    done = _import(world.users["operator"], "oversight", path)
    assert done.status == ImportRun.Status.FAILED
    assert [i["code"] for i in done.issues] == ["file"]
    assert "Укажите кодировку файла" in done.issues[0]["message"] and "внутренней" not in done.message


def test_an_unpivoted_file_counts_its_own_rows_and_what_it_skipped(world: World, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        "Код ОО;Участников;Русский язык;Математика\nA001;20;15,5;14\nB001;18;14;11,2\nИтого;38;;\n", "utf-8"
    )
    spec = parse(
        {
            "name": "wide",
            "kind": "results_schools",
            "columns": {"school_id": "Код ОО", "participants": "Участников"},
            "constants": {"year": 2026, "procedure": "VPR", "grade": 4},
            "unpivot": {"columns": ["Русский язык", "Математика"], "name_to": "subject", "value_to": "mean_score"},
        },
        "test",
    )
    done = _import(world.users["operator"], "results_schools", path, mapping=spec)
    assert done.status == ImportRun.Status.APPLIED, done.issues
    assert done.rows_read == 3 and done.rows_added == 4
    assert done.message.startswith("Загружено. Строк данных в файле: 3; пропущено: 1 (см. предупреждения); записано: 4")


def test_a_mappings_sheet_does_not_refuse_a_csv(world: World, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("year,school_id,kind,count\n2026,A001,order,1\n", encoding="utf-8")
    spec = parse({"name": "book", "kind": "oversight", "sheet": "Лист1"}, "test")
    done = _import(world.users["operator"], "oversight", path, mapping=spec)
    assert done.status == ImportRun.Status.APPLIED, done.issues
