"""Reading and checking files, without Django: hand-made files, hand-computed expectations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from openpyxl import Workbook

from shnor.core.contract import TABLES, normalise_header
from shnor.ingest.convert import convert, parse_numbers
from shnor.ingest.issues import IssueLog
from shnor.ingest.mapping import MappingError, parse
from shnor.ingest.pipeline import ROW, Context, Duplicates, batches, plan
from shnor.ingest.sources import SourceError, read_ahead, sniff

SCHOOLS = frozenset({"S1", "S2"})


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _run(path: Path, kind: str, **context: Any) -> tuple[pa.Table | None, IssueLog]:
    log = IssueLog(path.name)
    info = sniff(path, table=kind)
    year = context.get("year")
    the_plan = plan(info, TABLES[kind], log, None, year)
    ctx = Context(known_schools=SCHOOLS, **context)
    frames = list(batches(the_plan, ctx, log))
    data = pa.concat_tables(frames) if frames else None
    if data is not None:
        dup = Duplicates(the_plan)
        dup.add(data)
        dup.check(log, rescan=lambda: batches(the_plan, ctx, IssueLog()))
    return data, log


def _errors(log: IssueLog) -> list[tuple[int | None, str, str, str]]:
    return [(i.row, i.code, i.column, i.value) for i in log if i.severity == "error"]


@pytest.mark.parametrize(
    ("header", "folded", "percent"),
    [
        ("Доля «5», %", "доля 5", True),
        ("  Тип   местности ", "тип местности", False),
        ("Численность обучающихся, чел.", "численность обучающихся", False),
        ("\ufeffКод ОО", "код оо", False),
        ("Доля обучающихся с ОВЗ (%)", "доля обучающихся с овз", True),
        ("Учёт", "учет", False),
    ],
)
def test_headers_match_whatever_the_case_spacing_yo_and_units(header: str, folded: str, percent: bool) -> None:
    assert normalise_header(header) == (folded, percent)


def test_numbers_with_decimal_commas_spaces_and_percent_signs() -> None:
    values, bad, percent = parse_numbers(pa.array(["1,5", " 2 ", "1 234,5", "12 %", "abc", None]))
    assert values.to_pylist() == [1.5, 2.0, 1234.5, 12.0, None, None]
    assert bad.tolist() == [False, False, False, False, True, False]
    assert percent.tolist() == [False, False, False, True, False, False]


def test_shares_are_read_as_percentages_when_the_values_say_so() -> None:
    column = TABLES["social"].column("share_on_register")
    fractions = convert(pa.array(["0.2", "0.05"]), column)
    assert fractions.values.to_pylist() == [0.2, 0.05] and not fractions.notes
    percents = convert(pa.array(["20", "5"]), column)
    assert percents.values.to_pylist() == [0.2, 0.05] and "проценты" in percents.notes[0]
    by_header = convert(pa.array(["0.5"]), column, percent_header=True)
    assert by_header.values.to_pylist() == [0.005]
    too_big = convert(pa.array(["150"]), column)
    assert too_big.problems[0].code == "range"


def test_vocabularies_take_codes_and_russian_names() -> None:
    procedure = TABLES["results"].column("procedure")
    subject = TABLES["results"].column("subject")
    assert convert(pa.array(["ЕГЭ", "oge", "ВПР", "НИКО"]), procedure).values.to_pylist() == [
        "EGE",
        "OGE",
        "VPR",
        "НИКО",
    ]
    subjects = convert(pa.array(["Русский язык", "Математика (профильная)", "математика базового уровня"]), subject)
    assert subjects.values.to_pylist() == ["rus", "math_prof", "math_base"]
    locality = convert(pa.array(["село", "Город", "деревня?"]), TABLES["schools"].column("locality"))
    assert locality.values.to_pylist() == ["rural", "city", None]
    assert locality.problems[0].mask.tolist() == [False, False, True]


def test_booleans_and_dates() -> None:
    site = convert(pa.array(["да", "Нет", "1", "0", "true", "может быть"]), TABLES["schools"].column("innovation_site"))
    assert site.values.to_pylist() == [True, False, True, False, True, None]
    start = convert(pa.array(["01.02.2026", "2026-02-03", "45000", "31.02.2026"]), TABLES["courses"].column("start"))
    assert [str(d) for d in start.values.to_pylist()] == [
        "2026-02-01",
        "2026-02-03",
        "2023-03-15",
        "None",
    ]  # 45000 = 15.03.2023
    assert start.problems[0].mask.tolist() == [False, False, False, True]


def test_a_cp1251_semicolon_file_with_russian_headers_and_decimal_commas(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ru.csv",
        "Год;Процедура;Класс;Предмет;Код ОО;Код участника;Первичный балл;Отметка\n"
        "2026;ВПР;4;Русский язык;S1;P1;27,5;4\n"
        "2026;ОГЭ;9;Математика;S2;P2;14;3\n",
        "cp1251",
    )
    info = sniff(path)
    assert (info.encoding, info.delimiter, info.decimal) == ("cp1251", ";", ",")
    data, log = _run(path, "results")
    assert not log.has_errors, list(log)
    assert data is not None
    assert data.select(["procedure", "subject", "primary_score", "mark", ROW]).to_pylist() == [
        {"procedure": "VPR", "subject": "rus", "primary_score": 27.5, "mark": 4, ROW: 2},
        {"procedure": "OGE", "subject": "math", "primary_score": 14.0, "mark": 3, ROW: 3},
    ]


def test_every_row_error_names_row_column_and_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "year,procedure,grade,subject,school_id,student_key,primary_score,max_primary_score,mark\n"
        "2026,EGE,4,rus,S1,P1,10,50,\n"  # row 2: ЕГЭ in grade 4
        "2026,VPR,4,rus,S9,P2,10,38,4\n"  # row 3: unknown school
        "2026,VPR,4,rus,S1,P3,40,38,6\n"  # row 4: over the maximum, mark 6
        "2026,VPR,4,rus,S1,P3,x,38,4\n"  # row 5: not a number, and a duplicate of row 4
        "2026,VPR,4,rus,S1,,10,38,4\n",  # row 6: no student key
    )
    _, log = _run(path, "results")
    errors = _errors(log)
    assert (2, "combination", "grade", "4") in errors
    assert (3, "unknown_school", "school_id", "S9") in errors
    assert (4, "range", "mark", "6") in errors
    assert (4, "range", "primary_score", "40.0") in errors
    assert (5, "type", "primary_score", "x") in errors
    assert (5, "duplicate", "", "") in errors
    assert (6, "required", "student_key", "") in errors
    duplicate = next(i for i in log if i.code == "duplicate")
    assert "строку 4" in duplicate.message


def test_missing_columns_extra_columns_and_personal_data(tmp_path: Path) -> None:
    path = _write(tmp_path / "pd.csv", "Год,Код ОО,ФИО,Примечание\n2026,S1,Иванов Иван,\n")
    _, log = _run(path, "social")
    codes = {(i.code, i.column) for i in log}
    assert ("personal_data", "ФИО") in codes
    assert ("extra_column", "Примечание") in codes
    assert ("missing_column", "Численность обучающихся") in codes


def test_a_student_key_that_is_a_snils_or_a_name_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "keys.csv",
        "year,procedure,grade,subject,school_id,student_key,primary_score\n"
        "2026,VPR,4,rus,S1,123-456-789 01,10\n"
        "2026,VPR,4,rus,S1,Петров Пётр,10\n"
        "2026,VPR,4,rus,S1,P0001,10\n"
        "2026,VPR,4,rus,S1,12345678901,10\n",
    )
    _, log = _run(path, "results")
    errors = [(i.row, i.code) for i in log if i.severity == "error"]
    assert errors == [(2, "personal_data"), (3, "personal_data"), (5, "personal_data")]


def test_read_ahead_keeps_order_raises_where_the_source_failed_and_stops_early() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken line")

    seen = []
    with pytest.raises(ValueError, match="broken line"):
        for item in read_ahead(source()):
            seen.append(item)
    assert seen == [1, 2]
    # A generator, which read_ahead's `Iterator` return type does not say: it can be closed.
    endless = read_ahead(iter(range(10**9)))
    assert [next(endless), next(endless)] == [0, 1]
    endless.close()  # the background thread stops instead of reading on


def test_empty_files_and_header_only_files(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as empty:
        sniff(_write(tmp_path / "empty.csv", ""))
    assert empty.value.code == "empty"
    data, log = _run(_write(tmp_path / "header.csv", "year,school_id,kind,count\n"), "oversight")
    assert data is None or data.num_rows == 0


def test_workbooks_pick_the_sheet_named_like_the_table_or_refuse_a_wrong_one(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "readme"
    book.active.append(["Это пояснение, а не данные"])
    sheet = book.create_sheet("oversight")
    sheet.append(["Год", "Код ОО", "Вид", "Количество"])
    sheet.append([2026, "S1", "предписание", 2])
    sheet.append([2026.0, "S2", "жалоба", 1.0])
    sheet.append([None, None, None, None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    data, log = _run(path, "oversight")
    assert not log.has_errors, list(log)
    assert data is not None
    assert data.select(["year", "school_id", "kind", "count", ROW]).to_pylist() == [
        {"year": 2026, "school_id": "S1", "kind": "order", "count": 2, ROW: 2},
        {"year": 2026, "school_id": "S2", "kind": "complaint", "count": 1, ROW: 3},
    ]
    with pytest.raises(SourceError) as wrong:
        sniff(path, sheet="данные")
    assert wrong.value.code == "sheet" and "readme, oversight" in wrong.value.message


def test_a_ragged_csv_line_is_an_error_on_its_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "ragged.csv", "year,school_id,kind,count\n2026,S1,order,1\n2026,S2,order,1,extra\n")
    _, log = _run(path, "oversight")
    assert [(i.code, i.row) for i in log if i.severity == "error"] == [("file", 3)]


def test_the_year_option_fills_a_missing_year_and_checks_a_present_one(tmp_path: Path) -> None:
    no_year = _write(tmp_path / "a.csv", "school_id,kind,count\nS1,order,1\n")
    data, log = _run(no_year, "oversight", year=2025)
    assert not log.has_errors and data is not None and data.column("year").to_pylist() == [2025]
    other = _write(tmp_path / "b.csv", "year,school_id,kind,count\n2024,S1,order,1\n")
    _, log = _run(other, "oversight", year=2025)
    assert [(i.row, i.code) for i in log if i.severity == "error"] == [(2, "year")]


def test_a_mapping_renames_sets_constants_recodes_and_skips(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "foreign.csv",
        "cds,stype,api.stu,api00\nS1,E,120,700\nS2,H,NA,NA\n",
    )
    spec = parse(
        {
            "name": "test",
            "kind": "results_schools",
            "columns": {"school_id": "cds", "grade": "stype", "participants": "api.stu", "mean_score": "api00"},
            "constants": {"year": 2000, "procedure": "API", "subject": "all"},
            "recode": {"grade": {"E": 4, "H": 11}},
            "null_values": ["NA"],
            "skip_rows_without": ["mean_score"],
        },
        "test",
    )
    log = IssueLog("foreign.csv")
    the_plan = plan(sniff(path), TABLES["results_schools"], log, spec)
    data = pa.concat_tables(list(batches(the_plan, Context(known_schools=SCHOOLS), log)))
    assert not log.has_errors, list(log)
    assert data.select(
        ["school_id", "year", "procedure", "grade", "subject", "participants", "mean_score"]
    ).to_pylist() == [
        {
            "school_id": "S1",
            "year": 2000,
            "procedure": "API",
            "grade": 4,
            "subject": "all",
            "participants": 120,
            "mean_score": 700.0,
        }
    ]
    assert [i.code for i in log if i.severity == "warning"].count("skipped") == 1


def test_a_mapping_that_names_an_unknown_column_is_refused() -> None:
    with pytest.raises(MappingError, match="столбцы не из контракта"):
        parse({"name": "x", "kind": "schools", "columns": {"nonsense": "A"}}, "x")


def test_a_mapping_declares_shares_not_collected_and_skips_schools_outside_the_registry(tmp_path: Path) -> None:
    path = _write(tmp_path / "census.csv", "URN,NOR,FSM\nS1,200,16.2\nX9,40,30\nS2,300,8\n")
    spec = parse(
        {
            "name": "census",
            "kind": "social",
            "columns": {"school_id": "URN", "students": "NOR", "share_low_income": "FSM"},
            "constants": {"year": 2019},
            "not_collected": ["share_parents_no_higher_ed", "share_unemployed_parents", "share_on_register"],
            "skip_unknown_schools": True,
        },
        "census",
    )
    log = IssueLog("census.csv")
    the_plan = plan(sniff(path), TABLES["social"], log, spec)
    data = pa.concat_tables(list(batches(the_plan, Context(known_schools=SCHOOLS), log)))
    assert not log.has_errors, list(log)
    assert data.column("school_id").to_pylist() == ["S1", "S2"]  # X9 is not in the registry
    assert data.column("share_low_income").to_pylist() == pytest.approx([0.162, 0.08])
    assert data.column("share_on_register").null_count == 2  # stored empty, never invented
    warnings = [i.code for i in log if i.severity == "warning"]
    assert warnings.count("not_collected") == 3 and warnings.count("skipped") == 1
    # Only shares may be declared not collected, and never one the mapping also provides.
    with pytest.raises(MappingError, match="только доли"):
        parse({"name": "x", "kind": "social", "not_collected": ["students"]}, "x")
    with pytest.raises(MappingError, match="несобираемым, но задан"):
        parse(
            {
                "name": "x",
                "kind": "social",
                "columns": {"share_on_register": "R"},
                "not_collected": ["share_on_register"],
            },
            "x",
        )
