"""Writes the messy files of tests/data/messy/: small copies of what regions really send.

    .venv/bin/python tests/data/messy/make_corpus.py [FOLDER]

Each file is built byte by byte here (encodings, separators, BOMs, line ends, the last line
without a newline; workbooks with title rows, merged cells, a sheet per year, numbers stored as
text), so the committed files can be checked against this script (tests/app/test_messy_files.py
does). What each file should import to, or why it must be refused, is written by hand in
manifest.yaml next to them — never derived from what the importer does. Workbooks are written
uncompressed (ZIP «stored») with fixed dates, so they do not depend on the clock or on zlib.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NBSP, NNBSP = "\u00a0", "\u202f"

YEAR, CODE, STUDENTS = "Год", "Код ОО", "Численность обучающихся"
NO_HIGHER = "Доля обучающихся из семей, где оба родителя не имеют высшего образования"
UNEMPLOYED = "Доля обучающихся из семей, где единственный или оба родителя безработные"
REGISTER = "Доля обучающихся, состоящих на внутришкольном и других видах учёта"
LOW_INCOME = "Доля обучающихся из малообеспеченных семей"
DISABLED = "Доля обучающихся с ОВЗ"
NON_NATIVE = "Доля обучающихся, для которых русский язык не родной"
SOCIAL = [YEAR, CODE, STUDENTS, NO_HIGHER, UNEMPLOYED, REGISTER]
SCHOOLS = [CODE, "Наименование ОО", "Муниципалитет", "Тип местности", STUDENTS]
OVERSIGHT = [YEAR, CODE, "Вид", "Количество"]
WORK = [YEAR, "Процедура", "Класс", "Предмет", CODE]
RESULTS = [*WORK, "Код участника"]
COURSES = ["Код педагога", "Программа", "Организация", "Часы", "Начало", "Окончание"]


# --- writers --------------------------------------------------------------------------------------


def _quote(value: str, sep: str) -> str:
    """A field as Excel writes it: quoted (quotes doubled) when it holds the separator or a quote."""
    if sep in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def csv(
    rows: Sequence[Sequence[str]],
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    eol: str = "\n",
    bom: bool = False,
    last_eol: bool = True,
) -> bytes:
    text = eol.join(sep.join(_quote(v, sep) for v in row) for row in rows) + (eol if last_eol else "")
    data = text.encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


@dataclass
class Sheet:
    title: str
    rows: list[list[Any]]
    at: tuple[int, int] = (1, 1)  # the row and column (1-based) of the first cell of `rows`
    merged: list[str] = field(default_factory=list)  # ranges such as "A1:F1"
    formats: dict[str, str] = field(default_factory=dict)  # cell -> number format


FIXED = dt.datetime(2024, 9, 1)


def xlsx(*sheets: Sheet) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title)
        first_row, first_column = spec.at
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.cell(first_row + r, first_column + c, value)
        for cell, number_format in spec.formats.items():
            sheet[cell].number_format = number_format
        for area in spec.merged:
            sheet.merge_cells(area)
    book.properties.creator = "shnor tests"
    book.properties.created = FIXED
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same workbook, byte for byte, whenever it is written: fixed dates, no compression."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-09-01T00:00:00Z", content)
            info = zipfile.ZipInfo(item.filename, date_time=(2024, 9, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


# --- the base: a registry of schools and their teachers, loaded before any messy file -------------


def registry() -> bytes:
    return csv(
        [
            SCHOOLS,
            ["M01001", "МБОУ «СОШ № 3»", "Анненский муниципальный район", "село", "312"],
            ["M01002", "МКОУ «Анненская ООШ»", "Анненский муниципальный район", "село", "95"],
            ["M01003", "МБОУ «Краснополянская СОШ»", "Анненский муниципальный район", "село", "140"],
            ["M02001", "МБОУ «Лицей № 2»", "Городской округ город Урюпинск", "город", "1204"],
            ["M02002", "МБОУ «СОШ № 7»", "Городской округ город Урюпинск", "город", "876"],
            ["M03001", "МКОУ «Бударинская СОШ»", "Урюпинский муниципальный район", "село", "210"],
            ["M03002", "МКОУ «Дьяконовская СОШ»", "Урюпинский муниципальный район", "село", "164"],
        ]
    )


def staff() -> bytes:
    return csv(
        [
            ["Код педагога", CODE, "Должность", "Предметы", "Стаж", "Квалификационная категория", "Возраст"],
            ["T01001-001", "M01001", "учитель", "rus", "12", "первая", "44"],
            ["T01001-002", "M01001", "учитель", "math", "5", "нет", "31"],
            ["T02001-001", "M02001", "учитель", "rus", "21", "высшая", "52"],
            ["T02001-002", "M02001", "учитель", "phys", "3", "соответствие", "27"],
        ]
    )


# --- social ---------------------------------------------------------------------------------------


def social_excel_cp1251() -> bytes:
    """Russian Excel's «CSV (разделители — точки с запятой)»: cp1251, CRLF, commas in the headers."""
    return csv(
        [
            [YEAR, CODE, "Численность обучающихся, чел.", NO_HIGHER, UNEMPLOYED, REGISTER, LOW_INCOME + ", %"],
            ["2024", "M01001", "312", "0,41", "0,08", "0,03", "14,2"],
            ["2024", "M01002", "95", "0,52", "0,11", "0,05", "21"],
            ["2024", "M03001", "210", "0,47", "0,09", "0,02", "18,6"],
        ],
        encoding="cp1251",
        eol="\r\n",
    )


def social_title_rows() -> bytes:
    title = (
        "Сведения о социальном контексте общеобразовательных организаций городского округа город Урюпинск за 2024 год"
    )
    return csv(
        [
            [title, "", "", "", "", ""],
            ["", "", "", "", "", ""],
            SOCIAL,
            ["2024", "M02001", "1204", "0,22", "0,03", "0,04"],
            ["2024", "M02002", "876", "0,31", "0,06", "0,07"],
        ]
    )


def social_title_merged() -> bytes:
    return xlsx(
        Sheet(
            "Лист1",
            [
                ["Социальный паспорт общеобразовательных организаций Урюпинского муниципального района, 2024 год"],
                ["(по состоянию на 1 сентября 2024 года)"],
                SOCIAL,
                [2024, "M03002", 164, 0.55, 0.12, 0.06],
                [2024, "M01003", 140, 0.46, 0.10, 0.02],
            ],
            merged=["A1:F1", "A2:F2"],
        )
    )


def social_totals() -> bytes:
    return csv(
        [
            SOCIAL,
            ["2023", "M01001", "305", "0,43", "0,07", "0,03"],
            ["2023", "M01002", "98", "0,50", "0,12", "0,04"],
            ["2023", "M01003", "143", "0,46", "0,10", "0,02"],
            ["", "Итого по району", "546", "0,45", "0,09", "0,03"],
        ],
        encoding="cp1251",
        eol="\r\n",
    )


def social_totals_name_column() -> bytes:
    """The school's name next to its code, and «Итого по району» written in the name column."""
    return xlsx(
        Sheet(
            "Соцпаспорт",
            [
                [YEAR, CODE, "Наименование ОО", STUDENTS, NO_HIGHER, UNEMPLOYED, REGISTER],
                [2019, "M01001", "МБОУ «СОШ № 3»", 296, 0.45, 0.09, 0.04],
                [2019, "M01002", "МКОУ «Анненская ООШ»", 101, 0.53, 0.13, 0.05],
                [None, None, "Итого по району", 397, 0.47, 0.10, 0.04],
            ],
        )
    )


def social_thousands() -> bytes:
    return csv(
        [
            SOCIAL,
            ["2023", "M02001", "1 204", "0,21", "0,03", "0,04"],
            ["2023", "M02002", f"1{NBSP}187", "0,30", "0,05", "0,06"],
            ["2023", "M03001", f"1{NNBSP}015", "0,44", "0,08", "0,02"],
        ]
    )


def social_trailing_spaces() -> bytes:
    return csv(
        [
            [f"{h} " for h in SOCIAL],
            ["2022 ", "M02002  ", "870 ", "0,33 ", "0,05 ", "0,06 "],
            ["2022", "M02001 ", "1198", "0,23", "0,04", "0,05  "],
        ]
    )


def social_empty_markers() -> bytes:
    return csv(
        [
            [*SOCIAL, DISABLED, NON_NATIVE, LOW_INCOME],
            ["2022", "M01001", "309", "0,42", "0,08", "0,03", "-", "0,02", "0,15"],
            ["2022", "M01002", "97", "0,51", "0,11", "0,05", "0,04", "нет данных", "0,22"],
            ["2022", "M01003", "141", "0,47", "0,09", "0,02", "0,03", "0,01", "—"],
            ["2022", "M03001", "208", "0,48", "0,10", "0,03", "н/д", "0", "0,19"],
        ]
    )


def social_percent_signs() -> bytes:
    return csv(
        [
            [*SOCIAL, LOW_INCOME],
            ["2021", "M01001", "301", "41%", "8%", "3%", "14,2%"],
            ["2021", "M01002", "93", "52 %", "11 %", "5 %", "21 %"],
            ["2021", "M01003", "138", "47,5%", "9,1%", "2%", "18,6%"],
        ]
    )


def social_percent_cells() -> bytes:
    """Header «…, %» over cells in Excel's percent format: the cell holds 0,142 and shows «14,2%»."""
    return xlsx(
        Sheet(
            "Соцпаспорт",
            [
                [*SOCIAL, LOW_INCOME + ", %"],
                [2018, "M01001", 290, 0.46, 0.09, 0.04, 0.142],
                [2018, "M01002", 100, 0.53, 0.13, 0.05, 0.2],
            ],
            formats={"G2": "0.0%", "G3": "0.0%"},
        )
    )


def social_mixed_shares() -> bytes:
    return csv(
        [
            [*SOCIAL, LOW_INCOME],
            ["2021", "M02001", "1190", "0,22", "0,03", "0,04", "12,5"],
            ["2021", "M02002", "868", "0,31", "0,05", "0,06", "18"],
            ["2021", "M03001", "205", "0,46", "0,09", "0,02", "41,5"],
            ["2021", "M03002", "160", "0,55", "0,12", "0,06", "0,4"],
        ]
    )


def social_utf8_bom() -> bytes:
    """Excel's «CSV UTF-8 (разделители — запятые)»: a BOM, commas, headers with commas quoted."""
    return csv(
        [
            SOCIAL,
            ["2021", "M02001", "1190", "0.22", "0.03", "0.04"],
            ["2021", "M02002", "868", "0.31", "0.05", "0.06"],
        ],
        sep=",",
        bom=True,
        eol="\r\n",
    )


def social_multiline_header() -> bytes:
    """A header cell written on two lines (Alt+Enter in Excel), quoted in the CSV; a typo («З» for
    «3») in the second data row, which Excel shows as row 3."""
    return csv(
        [
            [YEAR, CODE, "Численность\nобучающихся, чел.", NO_HIGHER, UNEMPLOYED, REGISTER],
            ["2020", "M01001", "300", "0,44", "0,08", "0,03"],
            ["2020", "M01002", "99", "0,5З", "0,12", "0,05"],
        ],
    )


def social_leading_zeros() -> bytes:
    return xlsx(
        Sheet(
            "Соцпаспорт",
            [SOCIAL, [2024, "034001", 1012, 0.24, 0.04, 0.05], [2024, "034002", 188, 0.49, 0.10, 0.03]],
        )
    )


def social_codes_as_numbers() -> bytes:
    """Codes typed as numbers and shown with their leading zero by the cell format «000000»."""
    return xlsx(
        Sheet(
            "Соцпаспорт",
            [SOCIAL, [2023, 34001, 1009, 0.25, 0.04, 0.05], [2023, 34002, 190, 0.50, 0.11, 0.03]],
            formats={"B2": "000000", "B3": "000000"},
        )
    )


def social_sheet_option() -> bytes:
    return xlsx(
        Sheet(
            "Инструкция",
            [
                ["Как заполнить форму"],
                ["Заполните лист «Данные 2017»: одна строка — одна общеобразовательная организация."],
                ["Доли указываются от 0 до 1."],
            ],
        ),
        Sheet(
            "Данные 2017",
            [SOCIAL, [2017, "M03002", 166, 0.54, 0.13, 0.05], [2017, "M03001", 207, 0.45, 0.10, 0.03]],
        ),
    )


def social_table_at_b3() -> bytes:
    return xlsx(
        Sheet(
            "Свод",
            [
                ["Социальный контекст, 2020 год"],
                [],
                SOCIAL,
                [2020, "M01001", 300, 0.44, 0.08, 0.03],
                [2020, "M0100l", 99, 0.50, 0.12, 0.05],
                [2020, "M01003", 137, 0.46, 0.10, 0.02],
            ],
            at=(1, 2),
        )
    )


def social_xlsx_text_numbers() -> bytes:
    """Every value a text cell, as a 1C export writes them: decimal commas, NBSP, percent signs."""
    return xlsx(
        Sheet(
            "TDSheet",
            [
                [*SOCIAL, LOW_INCOME],
                ["2020", "M02001", f"1{NBSP}204", "0,22", "0,03", "0,04", "12,5%"],
                ["2020", "M02002", "880", "0,32", "0,05", "0,06", "17%"],
            ],
        )
    )


# --- schools --------------------------------------------------------------------------------------


def schools_merged_municipality() -> bytes:
    return xlsx(
        Sheet(
            "Реестр",
            [
                ["Реестр общеобразовательных организаций Даниловского муниципального района"],
                SCHOOLS,
                ["M04001", "МБОУ «Даниловская СОШ № 1»", "Даниловский муниципальный район", "село", 415],
                ["M04002", "МКОУ «Лобакинская СОШ»", None, None, 128],
                ["M04003", "МКОУ «Плотниковская ООШ»", None, None, 76],
            ],
            merged=["A1:E1", "C3:C5", "D3:D5"],
        )
    )


def schools_leading_zeros() -> bytes:
    return csv(
        [
            SCHOOLS,
            ["034001", "МБОУ «Средняя школа № 1»", "Михайловский муниципальный округ", "город", "1012"],
            ["034002", "МКОУ «Отрадненская СОШ»", "Михайловский муниципальный округ", "село", "188"],
        ]
    )


def schools_latin1() -> bytes:
    """A nearly-ASCII file with three bytes of Latin-1: «É», «é», «ë»."""
    return csv(
        [
            ["school_id", "name", "municipality", "locality", "enrollment"],
            ["F05001", "Lycee Saint-Exupery", "Gorodishchensky district", "city", "420"],
            ["F05002", "École Café", "Gorodishchensky district", "city", "310"],
            ["F05003", "Noël School", "Gorodishchensky district", "rural", "95"],
        ],
        sep=",",
        encoding="latin-1",
    )


def schools_cp1251_names() -> bytes:
    return csv(
        [
            SCHOOLS,
            ["M05001", "МБОУ «Ерзовская средняя школа»", "Городищенский муниципальный район", "село", "512"],
            ["M05002", "МКОУ «Грачёвская ООШ»", "Городищенский муниципальный район", "село", "230"],
            [
                "M05003",
                'МОУ "Гимназия № 11" — структурное подразделение',
                "Городищенский муниципальный район",
                "город",
                "640",
            ],
        ],
        encoding="cp1251",
        eol="\r\n",
    )


# --- oversight ------------------------------------------------------------------------------------


def oversight_crlf() -> bytes:
    return csv(
        [
            OVERSIGHT,
            ["2024", "M01001", "предписание", "1"],
            ["2024", "M01002", "жалоба", "2"],
            ["2024", "M02001", "предписание", "1"],
        ],
        eol="\r\n",
    )


def oversight_no_final_newline() -> bytes:
    return csv(
        [
            OVERSIGHT,
            ["2023", "M03001", "обоснованная жалоба родителей", "1"],
            ["2023", "M03002", "предписание надзорного органа", "3"],
        ],
        encoding="cp1251",
        last_eol=False,
    )


def oversight_tab() -> bytes:
    """Excel's «Текст (разделители — знаки табуляции)»: cp1251, tabs, CRLF; the year is not in the file."""
    return csv(
        [[CODE, "Вид", "Количество"], ["M02001", "предписание", "2"], ["M02002", "жалоба", "1"]],
        sep="\t",
        encoding="cp1251",
        eol="\r\n",
    )


def oversight_blank_rows() -> bytes:
    return csv(
        [
            OVERSIGHT,
            ["2022", "M01001", "предписание", "1"],
            [""],
            ["", "", "", ""],
            ["2022", "M01003", "жалоба", "2"],
            [" ", " ", " ", " "],
            ["2022", "M03002", "жалоба", "1"],
            ["", "", "", ""],
        ]
    )


def oversight_trailing_separator() -> bytes:
    """Every line ends with the separator, as some exports write them."""
    return csv(
        [[*OVERSIGHT, ""], ["2020", "M02001", "предписание", "1", ""], ["2020", "M03002", "жалоба", "2", ""]],
        encoding="cp1251",
        eol="\r\n",
    )


def oversight_blank_line_error() -> bytes:
    return csv(
        [OVERSIGHT, ["2020", "M01001", "предписание", "1"], [""], ["2020", "M01002", "жалоба", "два"]],
    )


def oversight_header_row_option() -> bytes:
    return csv(
        [
            ["Форма 7. Сигналы надзора за 2023 год"],
            ["Заполняет отдел образования администрации Анненского муниципального района"],
            OVERSIGHT,
            ["2023", "M01001", "предписание", "2"],
            ["2023", "M01002", "жалоба", "1"],
        ]
    )


def oversight_pipe() -> bytes:
    return csv([OVERSIGHT, ["2021", "M02002", "предписание", "1"], ["2021", "M03001", "жалоба", "2"]], sep="|")


def oversight_cyrillic_code() -> bytes:
    return csv([OVERSIGHT, ["2021", "M01001", "предписание", "1"], ["2021", "М01002", "жалоба", "1"]])


# --- courses --------------------------------------------------------------------------------------


def courses_excel_serials() -> bytes:
    return csv(
        [
            [*COURSES, "Тема"],
            [
                "T01001-001",
                "Формирование функциональной грамотности",
                "ВГАПО",
                "36",
                "45323",
                "45342",
                "функциональная грамотность",
            ],
            [
                "T02001-001",
                "Методика подготовки к ОГЭ по русскому языку",
                "ВГАПО",
                "72",
                "45383",
                "45412",
                "подготовка к ГИА",
            ],
        ]
    )


def courses_serial_dates() -> bytes:
    return xlsx(
        Sheet(
            "Курсы",
            [
                COURSES,
                ["T01001-002", "Цифровая образовательная среда", "ЦНППМ", 24, 45566, 45580],
                [
                    "T02001-002",
                    "Преподавание физики по обновлённым ФГОС",
                    "ВГСПУ",
                    36,
                    dt.datetime(2024, 11, 5),
                    dt.datetime(2024, 11, 19),
                ],
            ],
            formats={"E3": "DD.MM.YYYY", "F3": "DD.MM.YYYY"},
        )
    )


# --- results --------------------------------------------------------------------------------------


def results_vpr_absent() -> bytes:
    header = [*RESULTS, "Первичный балл", "Максимальный первичный балл", "Отметка", "Отметка по журналу"]
    work = ["2024", "ВПР", "4", "Русский язык", "M01001"]
    return csv(
        [
            header,
            [*work, "V24-01001-01", "31", "38", "4", "4"],
            [*work, "V24-01001-02", "22", "38", "3", "н/я"],
            [*work, "V24-01001-03", "36", "38", "5", "5"],
        ],
        encoding="cp1251",
    )


def results_ege_test_score_only() -> bytes:
    return csv(
        [
            [*RESULTS, "Тестовый балл"],
            ["2024", "ЕГЭ", "11", "Русский язык", "M02001", "E24-02001-01", "78"],
            ["2024", "ЕГЭ", "11", "Русский язык", "M02001", "E24-02001-02", "64"],
            ["2024", "ЕГЭ", "11", "Математика (профильная)", "M02001", "E24-02001-01", "70"],
        ]
    )


def results_ege_base_mark_only() -> bytes:
    return csv(
        [
            [*RESULTS, "Первичный балл", "Тестовый балл", "Отметка"],
            ["2024", "ЕГЭ", "11", "Математика (базовая)", "M02002", "E24-02002-01", "", "", "5"],
            ["2024", "ЕГЭ", "11", "Математика (базовая)", "M02002", "E24-02002-02", "", "", "4"],
            ["2024", "ЕГЭ", "11", "Математика базовая", "M02002", "E24-02002-03", "", "", "3"],
        ]
    )


def results_ege_no_result() -> bytes:
    work = ["2024", "ЕГЭ", "11", "Математика (профильная)", "M02002"]
    return csv(
        [
            [*RESULTS, "Первичный балл", "Тестовый балл", "Отметка"],
            [*work, "E24-02002-11", "", "72", ""],
            [*work, "E24-02002-12", "", "", ""],
            [*work, "E24-02002-13", "14", "68", ""],
        ]
    )


def results_personal_data() -> bytes:
    work = ["2024", "ОГЭ", "9", "Математика", "M01001"]
    return csv(
        [
            [*RESULTS, "ФИО участника", "Первичный балл", "Отметка"],
            [*work, "O24-01001-01", "Петров Иван Сергеевич", "18", "4"],
            [*work, "O24-01001-02", "Смирнова Анна Олеговна", "9", "3"],
        ]
    )


# --- results_schools ------------------------------------------------------------------------------


def results_schools_totals() -> bytes:
    header = ["№ п/п", "Наименование ОО", CODE, YEAR, "Процедура", "Класс", "Предмет"]
    header += ["Количество участников", "Средний балл"]
    return xlsx(
        Sheet(
            "ОГЭ",
            [
                header,
                [1, "МБОУ «Лицей № 2»", "M02001", 2024, "ОГЭ", 9, "Русский язык", 98, 27.4],
                [2, "МБОУ «СОШ № 7»", "M02002", 2024, "ОГЭ", 9, "Русский язык", 72, 24.1],
                ["Всего по городскому округу", None, None, 2024, "ОГЭ", 9, "Русский язык", 170, 26.0],
            ],
            merged=["A4:B4"],
        )
    )


def results_schools_sheet_per_year() -> bytes:
    header = ["Процедура", "Класс", "Предмет", CODE, "Количество участников", "Средний балл"]
    header += ["Доля «2»", "Доля «3»", "Доля «4»", "Доля «5»"]
    data = {
        2022: [("M02001", 96, 14.1, 0.06, 0.38, 0.40, 0.16), ("M02002", 71, 12.8, 0.10, 0.45, 0.35, 0.10)],
        2023: [("M02001", 101, 15.3, 0.04, 0.33, 0.43, 0.20), ("M02002", 68, 13.2, 0.09, 0.41, 0.38, 0.12)],
        2024: [("M02001", 99, 16.0, 0.03, 0.30, 0.45, 0.22), ("M02002", 74, 12.9, 0.11, 0.44, 0.34, 0.11)],
    }
    sheets = []
    for year, rows in data.items():
        title = [f"Результаты ОГЭ по математике, {year} год"]
        body = [["ОГЭ", 9, "Математика", *row] for row in rows]
        sheets.append(Sheet(str(year), [title, header, *body], merged=["A1:J1"]))
    return xlsx(*sheets)


def results_schools_wide() -> bytes:
    return csv(
        [
            [YEAR, CODE, "Количество участников", "Русский язык", "Математика", "Окружающий мир"],
            ["2024", "M01001", "28", "21,4", "12,5", "18,2"],
            ["2024", "M01002", "9", "19,8", "11,0", ""],
            ["2024", "M01003", "14", "22,1", "13,4", "20,0"],
        ]
    )


def results_schools_wide_dash() -> bytes:
    return csv(
        [
            [YEAR, CODE, "Количество участников", "Русский язык", "Математика", "Окружающий мир"],
            ["2023", "M01001", "27", "20,9", "12,1", "17,8"],
            ["2023", "M01002", "10", "19,5", "-", "16,4"],
            ["2023", "M01003", "15", "21,7", "13,0", "19,1"],
        ]
    )


def results_schools_mixed_decimal() -> bytes:
    return csv(
        [
            [*WORK, "Количество участников", "Средний балл", "Доля «2»", "Доля «3»", "Доля «4»", "Доля «5»"],
            ["2023", "ОГЭ", "9", "Математика", "M01001", "31", "14,6", "0.08", "0.42", "0.35", "0.15"],
            ["2023", "ОГЭ", "9", "Математика", "M01002", "11", "12,3", "0.18", "0.45", "0.27", "0.1"],
        ]
    )


def results_schools_percent_header() -> bytes:
    header = [*WORK, "Количество участников", "Средний балл"]
    header += ["Доля «2», %", "Доля «3», %", "Доля «4», %", "Доля «5», %"]
    return xlsx(
        Sheet(
            "ВПР",
            [
                header,
                [2022, "ВПР", 5, "Математика", "M03001", 16, 9.8, 12.5, 43.75, 31.25, 12.5],
                [2022, "ВПР", 5, "Математика", "M03002", 12, 10.4, 8.3, 41.7, 33.3, 16.7],
            ],
        )
    )


FILES: dict[str, Callable[[], bytes]] = {
    "registry.csv": registry,
    "staff.csv": staff,
    "social_excel_cp1251.csv": social_excel_cp1251,
    "social_title_rows.csv": social_title_rows,
    "social_title_merged.xlsx": social_title_merged,
    "social_totals.csv": social_totals,
    "social_totals_name_column.xlsx": social_totals_name_column,
    "social_thousands.csv": social_thousands,
    "social_trailing_spaces.csv": social_trailing_spaces,
    "social_empty_markers.csv": social_empty_markers,
    "social_percent_signs.csv": social_percent_signs,
    "social_percent_cells.xlsx": social_percent_cells,
    "social_mixed_shares.csv": social_mixed_shares,
    "social_utf8_bom.csv": social_utf8_bom,
    "social_multiline_header.csv": social_multiline_header,
    "social_leading_zeros.xlsx": social_leading_zeros,
    "social_codes_as_numbers.xlsx": social_codes_as_numbers,
    "social_sheet_option.xlsx": social_sheet_option,
    "social_table_at_b3.xlsx": social_table_at_b3,
    "social_xlsx_text_numbers.xlsx": social_xlsx_text_numbers,
    "schools_merged_municipality.xlsx": schools_merged_municipality,
    "schools_leading_zeros.csv": schools_leading_zeros,
    "schools_latin1.csv": schools_latin1,
    "schools_cp1251_names.csv": schools_cp1251_names,
    "oversight_crlf.csv": oversight_crlf,
    "oversight_no_final_newline.csv": oversight_no_final_newline,
    "oversight_tab.txt": oversight_tab,
    "oversight_blank_rows.csv": oversight_blank_rows,
    "oversight_trailing_separator.csv": oversight_trailing_separator,
    "oversight_blank_line_error.csv": oversight_blank_line_error,
    "oversight_header_row_option.csv": oversight_header_row_option,
    "oversight_pipe.txt": oversight_pipe,
    "oversight_cyrillic_code.csv": oversight_cyrillic_code,
    "courses_excel_serials.csv": courses_excel_serials,
    "courses_serial_dates.xlsx": courses_serial_dates,
    "results_vpr_absent.csv": results_vpr_absent,
    "results_ege_test_score_only.csv": results_ege_test_score_only,
    "results_ege_base_mark_only.csv": results_ege_base_mark_only,
    "results_ege_no_result.csv": results_ege_no_result,
    "results_personal_data.csv": results_personal_data,
    "results_schools_totals.xlsx": results_schools_totals,
    "results_schools_sheet_per_year.xlsx": results_schools_sheet_per_year,
    "results_schools_wide.csv": results_schools_wide,
    "results_schools_wide_dash.csv": results_schools_wide_dash,
    "results_schools_mixed_decimal.csv": results_schools_mixed_decimal,
    "results_schools_percent_header.xlsx": results_schools_percent_header,
}


def build() -> dict[str, bytes]:
    """Every file of the corpus, by name, as bytes."""
    return {name: make() for name, make in FILES.items()}


def main(argv: Sequence[str]) -> None:
    target = Path(argv[1]) if len(argv) > 1 else HERE
    target.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (target / name).write_bytes(data)
    print(f"{len(FILES)} файлов записано в {target}")


if __name__ == "__main__":
    main(sys.argv)
