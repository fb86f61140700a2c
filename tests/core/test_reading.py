"""Files as regions send them, read as a person reads them (issue 19): each case failed before the
reader learnt it. Hand-made files, hand-computed expectations, no Django."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from openpyxl import Workbook

from shnor.core.contract import TABLES
from shnor.ingest.convert import convert
from shnor.ingest.issues import IssueLog
from shnor.ingest.mapping import parse
from shnor.ingest.pipeline import Context, batches, matcher_for, plan
from shnor.ingest.sources import ReadOptions, SourceError, delimiter_option, encoding_option, sniff

SOCIAL_HEADER = (
    "Год;Код ОО;Численность обучающихся, чел.;"
    "Доля обучающихся из семей, где оба родителя не имеют высшего образования, %;"
    "Доля обучающихся из семей, где единственный или оба родителя безработные, %;"
    "Доля обучающихся, состоящих на внутришкольном и других видах учёта, %;"
    "Доля обучающихся из малообеспеченных семей, %"
)


def _read(
    path: Path, kind: str, schools: frozenset[str] = frozenset({"S1", "S2", "01001"}), **options: Any
) -> tuple[list[dict[str, object]], IssueLog]:
    log = IssueLog(path.name)
    mapping = options.pop("mapping", None)
    info = sniff(path, table=kind, options=ReadOptions(**options), match=matcher_for(TABLES[kind], mapping))
    the_plan = plan(info, TABLES[kind], log, mapping)
    context = Context(known_schools=None if kind == "schools" else schools)
    rows = [r for b in batches(the_plan, context, log) for r in b.to_pylist()] if not log.has_errors else []
    return rows, log


def _codes(log: IssueLog) -> set[tuple[str, str, int | None]]:
    return {(str(i.severity), i.code, i.row) for i in log}


def test_excel_semicolon_cp1251_csv_with_commas_in_headers_is_split_on_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "social.csv"
    path.write_bytes(
        (SOCIAL_HEADER + "\r\n2024;S1;1 204;25,5;3,1;2;14,2\r\n2024;S2;312;30;4,5;1,5;20\r\n").encode("cp1251")
    )
    info = sniff(path, table="social")
    assert (info.encoding, info.delimiter, info.header_row) == ("cp1251", ";", 1)
    assert "точка с запятой" in info.describe() and not info.unsure
    assert any("одинаковое число полей (7)" in line for line in info.detected)
    rows, log = _read(path, "social")
    assert not log.has_errors
    assert rows[0]["students"] == 1204 and rows[0]["share_low_income"] == pytest.approx(0.142)
    assert rows[1]["share_on_register"] == pytest.approx(0.015)


def test_the_separator_can_be_named_and_a_wrong_name_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "oversight.txt"
    path.write_text("year\tschool_id\tkind\tcount\n2024\tS1\torder\t1\n", encoding="utf-8")
    assert sniff(path, table="oversight").delimiter == "\t"
    assert delimiter_option("tab") == "\t" and delimiter_option(";") == ";"
    assert encoding_option("Windows-1251") == "cp1251"
    with pytest.raises(SourceError, match="не поддерживается"):
        delimiter_option(":")
    forced = sniff(path, table="oversight", options=ReadOptions(delimiter=","))
    assert forced.headers == ["year\tschool_id\tkind\tcount"]
    assert "указан при загрузке" in forced.detected[1]


def test_a_title_row_above_the_header_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "social.csv"
    text = "Сведения о контексте за 2024 год;;;;;;\r\n;;;;;;\r\n" + SOCIAL_HEADER + "\r\n2024;S1;300;25;3;2;14\r\n"
    path.write_bytes(text.encode("cp1251"))
    rows, log = _read(path, "social")
    assert not log.has_errors and len(rows) == 1 and rows[0]["_row"] == 4
    assert ("warning", "title", 1) in _codes(log)
    assert sniff(path, table="social").header_row == 3


def test_a_workbook_title_merged_across_and_a_district_merged_down(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Сведения об ОО за 2024 год"
    sheet.merge_cells("A1:E1")
    sheet.append(["Код ОО", "Наименование ОО", "Муниципалитет", "Тип местности", "Численность обучающихся"])
    sheet.append(["S1", "Школа 1", "Анненский район", "село", 100])
    sheet.append(["S2", "Школа 2", None, "село", 200])
    sheet.append(["S3", "Школа 3", None, "город", 300])
    sheet.merge_cells("C3:C5")
    path = tmp_path / "schools.xlsx"
    book.save(path)
    info = sniff(path, table="schools")
    assert info.header_row == 2 and info.merged == [(2, 2, 2, 4)]
    rows, log = _read(path, "schools")
    assert not log.has_errors
    assert [r["municipality"] for r in rows] == ["Анненский район"] * 3
    assert [r["_row"] for r in rows] == [3, 4, 5]
    assert ("warning", "merged", 3) in _codes(log) and ("warning", "title", 1) in _codes(log)


def test_a_sheet_per_year_is_one_import_with_the_year_from_each_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    for year, count in ((2023, 1), (2024, 2)):
        sheet = book.create_sheet(f"{year} год")
        sheet.append(["Код ОО", "Вид", "Количество"])
        sheet.append(["S1", "предписание", count])
    path = tmp_path / "oversight.xlsx"
    book.save(path)
    rows, log = _read(path, "oversight")
    assert not log.has_errors
    assert sorted((r["year"], r["count"]) for r in rows) == [(2023, 1), (2024, 2)]
    assert sniff(path, table="oversight", options=ReadOptions(sheet="2024 год")).parts == [("2024 год", 1, None)]


def test_totals_rows_and_no_data_marks_are_skipped_with_warnings(tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_text(
        "Код ОО;Наименование ОО;Муниципалитет;Тип местности;Численность обучающихся;Широта\n"
        "S1;Школа 1;Район;село;1\u00a0204;-\n"
        "S2;Школа 2;Район;город;2\u202f000 ;нет данных\n"
        "Итого по району;;;;3 204;\n",
        encoding="utf-8",
    )
    rows, log = _read(path, "schools")
    assert not log.has_errors
    assert [(r["school_id"], r["enrollment"], r["lat"]) for r in rows] == [("S1", 1204, None), ("S2", 2000, None)]
    assert {("warning", "total", 4), ("warning", "empty_marker", 2), ("warning", "empty_marker", 3)} <= _codes(log)


def test_ege_rows_may_carry_the_test_score_alone_and_base_maths_the_mark_alone(tmp_path: Path) -> None:
    path = tmp_path / "ege.csv"
    path.write_text(
        "year,procedure,grade,subject,school_id,student_key,test_score,mark\n"
        "2024,ЕГЭ,11,math_prof,S1,P1,72,\n"  # row 2: the test score alone
        "2024,ЕГЭ,11,Математика (базовая),S1,P2,,4\n"  # row 3: the mark alone
        "2024,ЕГЭ,11,rus,S1,P3,,\n"  # row 4: nothing to count
        "2024,ОГЭ,9,rus,S1,P4,,4\n",  # row 5: ОГЭ needs the primary score
        encoding="utf-8",
    )
    _, log = _read(path, "results")
    errors = {(i.row, i.code) for i in log if i.severity == "error"}
    assert errors == {(4, "required"), (5, "required")}
    ok = tmp_path / "ok.csv"
    ok.write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    rows, log = _read(ok, "results")
    assert not log.has_errors and [r["primary_score"] for r in rows] == [None, None]


def test_a_nearly_ascii_file_with_stray_bytes_is_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "schools.csv"
    path.write_bytes(
        b"school_id;name;municipality;locality;enrollment\n"
        b"S1;Ecole Saint-Andre;District;city;100\n"
        b"S2;Ecole Marie-Th\xe9r\xe8se;District;city;80\n"
    )
    _, log = _read(path, "schools")
    errors = [(i.row, i.code, i.value) for i in log if i.severity == "error"]
    assert errors == [(3, "encoding", "Ecole Marie-Thйrиse")]
    rows, log = _read(path, "schools", encoding="latin-1")
    assert not log.has_errors and rows[1]["name"] == "Ecole Marie-Thérèse"


def test_valid_utf8_wins_and_real_cp1251_text_is_not_doubted(tmp_path: Path) -> None:
    utf8 = tmp_path / "u.csv"
    utf8.write_text(
        "Код ОО;Наименование ОО;Муниципалитет;Тип местности;Численность обучающихся\nS1;Café;Р;село;1\n", "utf-8"
    )
    assert sniff(utf8, table="schools").encoding == "utf-8"
    cp = tmp_path / "c.csv"
    cp.write_bytes(utf8.read_text("utf-8").replace("Café", "МБОУ «СОШ № 3» им. Ю. А. Гагарина").encode("cp1251"))
    rows, log = _read(cp, "schools")
    assert not log.has_errors and rows[0]["name"] == "МБОУ «СОШ № 3» им. Ю. А. Гагарина"


@pytest.mark.parametrize(
    ("values", "unit", "expected", "refused"),
    [
        (["0,4", "0,3", "41,5"], None, None, [2]),  # 41,5 among fractions: the percent row is named
        (["40", "30", "0,5"], None, None, [2]),  # 0,5 among percents: 0,5 % or 50 %?
        (["0,4", "0,3", "41,5"], True, [0.004, 0.003, 0.415], []),  # the header or mapping says «%»
        (["40", "0,5", "12 %"], True, [0.4, 0.005, 0.12], []),
        (["0,4", "12 %", "0"], False, [0.4, 0.12, 0.0], []),  # fractions; a `%` still counts
        (["41,5", "5 %", "0"], None, [0.415, 0.05, 0.0], []),  # all percent: no doubt
        (["0,4", "1", "0"], None, [0.4, 1.0, 0.0], []),  # all fractions
    ],
)
def test_shares_are_decided_per_value_only_where_unambiguous(
    values: list[str], unit: bool | None, expected: list[float] | None, refused: list[int]
) -> None:
    column = TABLES["social"].column("share_low_income")
    result = convert(pa.array(values), column, ",", unit)
    wrong = [i for p in result.problems if p.code == "percent" for i in p.mask.nonzero()[0].tolist()]
    assert wrong == refused
    if expected is not None:
        assert result.values.to_pylist() == pytest.approx(expected)


def test_a_column_per_subject_is_melted_into_rows_by_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("Код ОО;Участников;Русский язык;Математика\nS1;20;15,5;\nS2;18;14;11,2\n", encoding="utf-8")
    mapping = parse(
        {
            "name": "wide",
            "kind": "results_schools",
            "columns": {"school_id": "Код ОО", "participants": "Участников"},
            "constants": {"year": 2024, "procedure": "VPR", "grade": 4},
            "unpivot": {"columns": ["Русский язык", "Математика"], "name_to": "subject", "value_to": "mean_score"},
        },
        "test",
    )
    rows, log = _read(path, "results_schools", mapping=mapping)
    assert not log.has_errors
    got = sorted((r["school_id"], r["subject"], r["mean_score"], r["_row"]) for r in rows)
    assert got == [("S1", "rus", 15.5, 2), ("S2", "math", 11.2, 3), ("S2", "rus", 14.0, 3)]


def test_a_row_of_column_numbers_under_the_header_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("Год;Код ОО;Вид;Количество\n1;2;3;4\n2024;S1;жалоба;2\n", encoding="utf-8")
    rows, log = _read(path, "oversight")
    assert not log.has_errors and [r["_row"] for r in rows] == [3]
    assert ("warning", "numbering", 2) in _codes(log)


def test_decimal_marks_are_decided_per_column(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "school_id,name,municipality,locality,enrollment,lat,lon\n"
        'S1,A,M,city,"1,204",51.53,"40,12"\n'
        'S2,B,M,city,"2,500",51.6,"40,2"\n',
        encoding="utf-8",
    )
    info = sniff(path, table="schools")
    assert info.decimal_of(5) == "." and info.decimal_of(6) == ","
    rows, log = _read(path, "schools")
    assert not log.has_errors
    assert [(r["enrollment"], r["lat"], r["lon"]) for r in rows] == [(1204, 51.53, 40.12), (2500, 51.6, 40.2)]


def test_the_results_template_says_what_a_row_of_each_procedure_must_carry() -> None:
    import io

    from openpyxl import load_workbook

    from shnor.core.contract import ROW_REQUIREMENTS
    from shnor.ingest.workbooks import template

    notes = load_workbook(io.BytesIO(template("results")))["пояснения"]
    rows = {r[0]: r[1] for r in notes.iter_rows(values_only=True) if r and r[0]}
    for procedure, needs in ROW_REQUIREMENTS:
        assert rows[procedure] == needs
    assert "тестовый балл" in rows["ЕГЭ (кроме базовой математики)"]
    assert "отметка" in rows["ЕГЭ по базовой математике"]
    primary = next(r for r in notes.iter_rows(values_only=True) if r and r[1] == "primary_score")
    assert primary[3] == "по процедуре"


def test_a_mapping_checks_its_read_options_and_units() -> None:
    from shnor.ingest.mapping import MappingError

    assert parse({"name": "m", "kind": "social", "encoding": "Windows-1251"}, "t").encoding == "cp1251"
    with pytest.raises(MappingError, match="Кодировка «koi7» не поддерживается"):
        parse({"name": "m", "kind": "social", "encoding": "koi7"}, "t")
    with pytest.raises(MappingError, match="только доли"):
        parse({"name": "m", "kind": "social", "percent": ["students"]}, "t")
    with pytest.raises(MappingError, match="и в процентах, и в долях"):
        parse({"name": "m", "kind": "social", "percent": ["share_low_income"], "fraction": ["share_low_income"]}, "t")
    with pytest.raises(MappingError, match="unpivot"):
        parse(
            {"name": "m", "kind": "results_schools", "unpivot": {"columns": ["a"], "name_to": "nope", "value_to": "x"}},
            "t",
        )


# --- found by review: each failed before its fix -----------------------------------------------


def test_a_share_written_with_a_leading_zero_group_is_not_thousands(tmp_path: Path) -> None:
    path = tmp_path / "rs.csv"
    path.write_text(
        "Год;Процедура;Класс;Предмет;Код ОО;Количество участников;Средний балл;"
        "Доля не преодолевших минимальный порог\n"
        "2024;ЕГЭ;11;Русский язык;S1;25;64;0,040\n2024;ЕГЭ;11;Русский язык;S2;12;58;0,415\n",
        encoding="utf-8",
    )
    rows, log = _read(path, "results_schools")
    assert not log.has_errors and not log.warnings
    assert [r["share_below_min"] for r in rows] == pytest.approx([0.04, 0.415])


def test_a_literal_percent_sign_in_a_cell_format_does_not_make_a_percent(tmp_path: Path) -> None:
    from shnor.ingest.sources import column_formats

    book = Workbook()
    sheet = book.active
    sheet.append(["Код ОО", "Доля, в процентах как есть", "Доля Excel"])
    for code, shown, real in (("S1", 0.5, 0.142), ("S2", 0.8, 0.2)):
        sheet.append([code, shown, real])
        sheet.cell(sheet.max_row, 2).number_format = '0.0"%"'
        sheet.cell(sheet.max_row, 3).number_format = "0.0%"
    path = tmp_path / "f.xlsx"
    book.save(path)
    assert column_formats(path, sheet.title, 1) == {2: ("percent", 0)}


def test_a_row_that_names_its_school_is_data_whatever_its_note_says(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(
        "Год;Код ОО;Вид;Количество;Примечание\n"
        "2024;S1;предписание;1;\n"
        "2024;S2;жалоба;2;Всего 2 жалобы, обе от родителей\n"
        "Итого;;;3;\n",
        encoding="utf-8",
    )
    rows, log = _read(path, "oversight")
    assert not log.has_errors and [r["school_id"] for r in rows] == ["S1", "S2"]
    assert [i.row for i in log if i.code == "total"] == [4]


def test_csv_rows_are_numbered_as_excel_shows_them(tmp_path: Path) -> None:
    # A header whose first cell holds a line break is one row in Excel; a row the reader skips
    # (too few fields) does not move the rows below it.
    path = tmp_path / "o.csv"
    path.write_text(
        '"Код\nОО";Год;Вид;Количество\nS1;2024;предписание;1\nS2;2024;жалоба\nS1;2024;жалоба;x\n',
        encoding="utf-8",
    )
    info = sniff(path, table="oversight")
    assert info.header_row == 1 and info.headers[0] == "Код\nОО"
    _, log = _read(path, "oversight")
    errors = {(i.row, i.code) for i in log if i.severity == "error"}
    assert errors == {(3, "file"), (4, "type")}


def test_the_numbering_row_of_a_table_that_starts_in_column_b_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(";Год;Код ОО;Вид;Количество\n;1;2;3;4\n;2024;S1;предписание;1\n", encoding="utf-8")
    rows, log = _read(path, "oversight")
    assert not log.has_errors and [r["_row"] for r in rows] == [3]


def test_sheets_per_year_fold_their_headers_skip_their_numbering_and_name_the_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.remove(book.active)
    for year, header, count in ((2023, "Количество", "1"), (2024, "Количество, шт.", "x")):
        sheet = book.create_sheet(str(year))
        sheet.append(["Код ОО", "Вид", header])
        sheet.append([1, 2, 3])
        sheet.append(["S1", "предписание", count])
    path = tmp_path / "o.xlsx"
    book.save(path)
    _, log = _read(path, "oversight")
    errors = [(i.file, i.row, i.code) for i in log if i.severity == "error"]
    assert errors == [("o.xlsx, лист «2024»", 3, "type")]


def test_ege_base_maths_with_a_test_score_alone_has_no_result(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(
        "year,procedure,grade,subject,school_id,student_key,test_score\n2024,ЕГЭ,11,math_base,S1,P1,70\n",
        encoding="utf-8",
    )
    _, log = _read(path, "results")
    assert [(i.row, i.code) for i in log if i.severity == "error"] == [(2, "required")]
