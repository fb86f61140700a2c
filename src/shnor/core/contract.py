"""The data contract (docs/data-contract.md) as data: tables, columns, types, vocabularies.

Pure: no Django, no files. The importers, the XLSX templates, the API schema and the user guide
all read these specs, so the contract is written down exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"  # free text
    KEY = "key"  # a pseudonymous key (student, staff): never a name, never a SNILS
    INT = "int"
    FLOAT = "float"
    SHARE = "share"  # a fraction in [0, 1], or a percentage when the header or the values say so
    BOOL = "bool"
    DATE = "date"
    CODE = "code"  # a value of a vocabulary, given by code or by its Russian name


class Store(StrEnum):
    COLUMNAR = "columnar"  # Parquet through the engine: student- and task-level, school aggregates
    DATABASE = "database"  # Django models


@dataclass(frozen=True)
class Column:
    name: str
    ru: str
    kind: Kind
    required: bool = True
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    vocabulary: str | None = None
    strict: bool = True  # an unknown vocabulary value is an error (True) or a warning (False)
    note: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # a row's identity: two rows of one file with the same key are duplicates
    replace_by: tuple[str, ...]  # a re-import replaces the stored rows that share these values
    store: Store
    note: str = ""
    yearly: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "yearly", any(c.name == "year" for c in self.columns))

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


TYPE_LABELS = {
    Kind.TEXT: "текст",
    Kind.KEY: "код (псевдоним)",
    Kind.INT: "целое число",
    Kind.FLOAT: "число",
    Kind.SHARE: "доля от 0 до 1 или процент",
    Kind.BOOL: "да / нет",
    Kind.DATE: "дата (ДД.ММ.ГГГГ)",
    Kind.CODE: "значение из справочника",
}

# --- vocabularies: code -> accepted spellings (the code itself and its Russian names) ----------

PROCEDURES: dict[str, tuple[str, ...]] = {
    "EGE": ("ЕГЭ", "единый государственный экзамен"),
    "OGE": ("ОГЭ", "основной государственный экзамен"),
    "GVE": ("ГВЭ", "ГВЭ-9", "ГВЭ-11", "государственный выпускной экзамен"),
    "VPR": ("ВПР", "всероссийская проверочная работа", "всероссийские проверочные работы"),
}
# Grades in which a procedure is written; a row outside them is an impossible combination.
PROCEDURE_GRADES: dict[str, frozenset[int]] = {
    "EGE": frozenset({11}),
    "OGE": frozenset({9}),
    "GVE": frozenset({9, 11}),
    "VPR": frozenset({4, 5, 6, 7, 8, 10, 11}),
}
SUBJECTS: dict[str, tuple[str, ...]] = {
    "rus": ("Русский язык", "русский"),
    "math": ("Математика",),
    "math_base": (
        "Математика (базовая)",
        "Математика базовая",
        "Математика (базовый уровень)",
        "Математика базового уровня",
        "Математика Б",
    ),
    "math_prof": (
        "Математика (профильная)",
        "Математика профильная",
        "Математика (профильный уровень)",
        "Математика профильного уровня",
        "Математика П",
    ),
    "okr": ("Окружающий мир",),
    "bio": ("Биология",),
    "hist": ("История",),
    "phys": ("Физика",),
    "chem": ("Химия",),
    "geo": ("География",),
    "soc": ("Обществознание",),
    "lit": ("Литература",),
    "eng": ("Английский язык", "английский"),
    "ger": ("Немецкий язык", "немецкий"),
    "fra": ("Французский язык", "французский"),
    "spa": ("Испанский язык", "испанский"),
    "chi": ("Китайский язык", "китайский"),
    "inf": ("Информатика", "Информатика и ИКТ"),
}
LOCALITIES: dict[str, tuple[str, ...]] = {
    "city": ("город", "городская", "городской", "городская местность", "г", "urban"),
    "rural": ("село", "сельская", "сельский", "сельская местность", "с", "деревня"),
}
CATEGORIES: dict[str, tuple[str, ...]] = {
    "highest": ("высшая", "высшая категория", "высшая квалификационная категория"),
    "first": ("первая", "первая категория", "первая квалификационная категория"),
    "conformity": ("соответствие", "соответствие занимаемой должности", "СЗД"),
    "none": ("нет", "без категории", "не имеет"),
}
OVERSIGHT_KINDS: dict[str, tuple[str, ...]] = {
    "order": ("предписание", "предписание надзорного органа", "предписания"),
    "complaint": ("жалоба", "обоснованная жалоба", "обоснованная жалоба родителей", "жалобы"),
}
DIAGNOSTIC_AREAS: dict[str, tuple[str, ...]] = {
    "subject": ("предметная", "предметные компетенции"),
    "methodical": ("методическая", "методические компетенции"),
    "psych_ped": ("психолого-педагогическая", "психолого-педагогические компетенции"),
    "assessment": ("оценочная", "оценочные компетенции", "оценивание"),
    "digital": ("цифровая", "цифровые компетенции"),
}
VOCABULARIES: dict[str, dict[str, tuple[str, ...]]] = {
    "procedure": PROCEDURES,
    "subject": SUBJECTS,
    "locality": LOCALITIES,
    "category": CATEGORIES,
    "oversight_kind": OVERSIGHT_KINDS,
    "area": DIAGNOSTIC_AREAS,
}
VOCABULARY_TITLES = {
    "procedure": "процедура оценки",
    "subject": "предмет",
    "locality": "тип местности",
    "category": "квалификационная категория",
    "oversight_kind": "вид сигнала",
    "area": "область диагностики",
}
TRUE_WORDS = frozenset({"да", "1", "true", "yes", "истина", "д", "y", "+"})
FALSE_WORDS = frozenset({"нет", "0", "false", "no", "ложь", "н", "n", "-"})


def fold(text: str) -> str:
    """Case, `ё`, quotes, punctuation and spacing folded away: the key a spelling is matched on."""
    text = text.replace("\u00a0", " ").strip().lower().replace("ё", "е")
    text = re.sub(r"[«»\"'“”„`]", "", text)
    text = re.sub(r"[()\[\].,;:_/\\-]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def vocabulary_lookup(name: str) -> dict[str, str]:
    """Folded spelling -> code, for every code and Russian name of a vocabulary."""
    table: dict[str, str] = {}
    for code, spellings in VOCABULARIES[name].items():
        table[fold(code)] = code
        for spelling in spellings:
            table[fold(spelling)] = code
    return table


def vocabulary_hint(name: str, limit: int = 8) -> str:
    items = [f"{code} ({spellings[0]})" for code, spellings in VOCABULARIES[name].items()]
    more = "" if len(items) <= limit else f" и ещё {len(items) - limit}"
    return ", ".join(items[:limit]) + more


# --- headers ------------------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(
    r"\s*(?:(?:[,(]\s*|\s+)(?:в процентах|процентов|проц|чел|человек|баллов|балла|лет|ч|час|часов|шт)\.?|[,(]?\s*%)\s*\)?\s*$",
    re.IGNORECASE,
)


def normalise_header(header: str) -> tuple[str, bool]:
    """A header folded for matching, and whether it marked the column as a percentage."""
    raw = str(header).replace("\ufeff", "").replace("\u00a0", " ").strip()
    lowered = raw.lower()
    percent = lowered.endswith("%") or bool(re.search(r"(\(|,)\s*(%|в процентах)\s*\)?\s*$", lowered))
    stripped = raw
    for _ in range(2):  # "Доля, % (чел.)" style double suffixes
        stripped = _UNIT_SUFFIX.sub("", stripped)
    return fold(stripped), percent


def header_index(table: Table) -> dict[str, str]:
    """Folded header spelling -> canonical column name, for one table."""
    index: dict[str, str] = {}
    for column in table.columns:
        for spelling in (column.name, column.ru, *column.aliases):
            index[normalise_header(spelling)[0]] = column.name
    return index


# Headers that carry personal data: such a file is refused, whatever else it holds.
PERSONAL_HEADER = re.compile(
    r"(^|\s)(фио|ф и о|фамилия|имя|отчество|снилс|паспорт|дата рождения|год рождения|телефон|e mail|email"
    r"|электронная почта|адрес проживания|адрес регистрации|full name|first name|last name|surname"
    r"|student name|pupil name|date of birth|dob|snils|passport|phone)(\s|$)"
)
SNILS_VALUE = re.compile(r"^\s*\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}\s*$")
FULL_NAME_VALUE = re.compile(r"^\s*[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ][а-яё]+(?:\s+[А-ЯЁ][а-яё]+)?\s*$")


def is_personal_header(header: str) -> bool:
    return bool(PERSONAL_HEADER.search(normalise_header(header)[0]))


# --- the tables ---------------------------------------------------------------------------------

_YEAR = Column("year", "Год", Kind.INT, min=1990, max=2100, note="календарный год", example="2026")
_SCHOOL = Column(
    "school_id",
    "Код ОО",
    Kind.TEXT,
    note="код ОО из реестра (логин ФИС ОКО или внутренний код)",
    example="M01001",
    aliases=("Код ОУ", "Логин ОО", "Код школы", "Код организации"),
)
_STUDENT = Column(
    "student_key",
    "Код участника",
    Kind.KEY,
    note="псевдоним обучающегося; не ФИО и не СНИЛС",
    example="P0A1B2C3D4",
    aliases=("Код обучающегося", "Идентификатор участника", "ID участника"),
)
_STAFF = Column(
    "staff_key",
    "Код педагога",
    Kind.KEY,
    note="псевдоним педагога; не ФИО и не СНИЛС",
    example="T01001-007",
    aliases=("Код работника", "Идентификатор педагога"),
)
_WORK = (
    _YEAR,
    Column(
        "procedure",
        "Процедура",
        Kind.CODE,
        vocabulary="procedure",
        strict=False,
        note="EGE (ЕГЭ), OGE (ОГЭ), GVE (ГВЭ), VPR (ВПР) или код процедуры из пресета",
        example="ВПР",
    ),
    Column("grade", "Класс", Kind.INT, min=4, max=11, example="4"),
    Column(
        "subject",
        "Предмет",
        Kind.CODE,
        vocabulary="subject",
        strict=False,
        note="код (rus, math, math_base, math_prof, …) или название по-русски",
        example="Русский язык",
    ),
    _SCHOOL,
)


def _share(name: str, ru: str, required: bool = False, note: str = "") -> Column:
    return Column(name, ru, Kind.SHARE, required=required, min=0, max=1, note=note, example="0,25")


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "schools",
            "Реестр общеобразовательных организаций",
            (
                Column(
                    "school_id",
                    "Код ОО",
                    Kind.TEXT,
                    note="уникален в регионе",
                    example="M01001",
                    aliases=_SCHOOL.aliases,
                ),
                Column(
                    "name",
                    "Наименование ОО",
                    Kind.TEXT,
                    example="МБОУ «Средняя школа № 1»",
                    aliases=("Наименование", "Полное наименование ОО"),
                ),
                Column(
                    "municipality",
                    "Муниципалитет",
                    Kind.TEXT,
                    note="муниципальный район или городской округ (код или наименование)",
                    example="Анненский муниципальный район",
                    aliases=("Муниципальное образование", "МО", "Район"),
                ),
                Column(
                    "locality",
                    "Тип местности",
                    Kind.CODE,
                    vocabulary="locality",
                    note="city / rural (город / село)",
                    example="село",
                    aliases=("Местность",),
                ),
                Column("enrollment", "Численность обучающихся", Kind.INT, min=0, example="312"),
                Column(
                    "lat",
                    "Широта",
                    Kind.FLOAT,
                    required=False,
                    min=-90,
                    max=90,
                    note="для подбора кураторов",
                    example="51,53",
                ),
                Column(
                    "lon",
                    "Долгота",
                    Kind.FLOAT,
                    required=False,
                    min=-180,
                    max=180,
                    note="для подбора кураторов",
                    example="40,12",
                ),
                Column(
                    "innovation_site",
                    "РИП",
                    Kind.BOOL,
                    required=False,
                    note="статус региональной инновационной площадки (да/нет)",
                    example="нет",
                ),
                Column(
                    "parent_school_id",
                    "Код головной ОО",
                    Kind.TEXT,
                    required=False,
                    note="для филиала — код школы, филиалом которой он является",
                    example="",
                ),
            ),
            key=("school_id",),
            replace_by=("school_id",),
            store=Store.DATABASE,
            note="Школы, которых нет в файле, не удаляются: файл может описывать часть региона.",
        ),
        Table(
            "results",
            "Результаты обучающихся (одна строка — один участник одной работы)",
            (
                *_WORK,
                _STUDENT,
                Column(
                    "primary_score",
                    "Первичный балл",
                    Kind.FLOAT,
                    required=False,
                    min=0,
                    note="обязателен, кроме строк ЕГЭ с тестовым баллом и ЕГЭ по базовой математике с отметкой",
                    example="27",
                ),
                Column(
                    "max_primary_score",
                    "Максимальный первичный балл",
                    Kind.FLOAT,
                    required=False,
                    min=0,
                    min_exclusive=True,
                    example="38",
                ),
                Column(
                    "test_score",
                    "Тестовый балл",
                    Kind.FLOAT,
                    required=False,
                    min=0,
                    max=100,
                    note="только ЕГЭ",
                    example="",
                ),
                Column(
                    "mark",
                    "Отметка",
                    Kind.INT,
                    required=False,
                    min=2,
                    max=5,
                    note="ОГЭ, ВПР, ЕГЭ по базовой математике; пусто для профильного ЕГЭ",
                    example="4",
                ),
                Column(
                    "journal_mark",
                    "Отметка по журналу",
                    Kind.INT,
                    required=False,
                    min=2,
                    max=5,
                    note="последняя четвертная (триместровая) отметка по предмету",
                    example="4",
                ),
            ),
            key=("year", "procedure", "grade", "subject", "student_key"),
            replace_by=("year", "procedure", "grade", "subject", "school_id"),
            store=Store.COLUMNAR,
            note="Повторная загрузка заменяет результаты тех же работ (год, процедура, класс, предмет) тех же школ.",
        ),
        Table(
            "results_tasks",
            "Результаты по заданиям",
            (
                *_WORK,
                _STUDENT,
                Column("task", "Задание", Kind.TEXT, note="номер или код задания", example="5"),
                Column("score", "Балл", Kind.FLOAT, min=0, example="1"),
                Column("max_score", "Максимальный балл", Kind.FLOAT, min=0, min_exclusive=True, example="2"),
            ),
            key=("year", "procedure", "grade", "subject", "student_key", "task"),
            replace_by=("year", "procedure", "grade", "subject", "school_id"),
            store=Store.COLUMNAR,
        ),
        Table(
            "results_schools",
            "Результаты оценочных процедур по школам (агрегаты)",
            (
                *_WORK,
                Column("participants", "Количество участников", Kind.INT, min=0, min_exclusive=True, example="24"),
                Column(
                    "mean_score",
                    "Средний балл",
                    Kind.FLOAT,
                    min=0,
                    note="первичный балл; для ЕГЭ — тестовый",
                    example="21,4",
                ),
                _share("share_2", "Доля «2»"),
                _share("share_3", "Доля «3»"),
                _share("share_4", "Доля «4»"),
                _share("share_5", "Доля «5»"),
                _share("share_below_min", "Доля не преодолевших минимальный порог", note="ЕГЭ"),
                _share("journal_share_2", "Доля «2» по журналу", note="ВПР"),
                _share("journal_share_3", "Доля «3» по журналу", note="ВПР"),
                _share("journal_share_4", "Доля «4» по журналу", note="ВПР"),
                _share("journal_share_5", "Доля «5» по журналу", note="ВПР"),
            ),
            key=("year", "procedure", "grade", "subject", "school_id"),
            replace_by=("year", "procedure", "grade", "subject", "school_id"),
            store=Store.COLUMNAR,
        ),
        Table(
            "social",
            "Социальный контекст школ",
            (
                _YEAR,
                _SCHOOL,
                Column("students", "Численность обучающихся", Kind.INT, min=0, example="312"),
                _share(
                    "share_parents_no_higher_ed",
                    "Доля обучающихся из семей, где оба родителя не имеют высшего образования",
                    required=True,
                ),
                _share(
                    "share_unemployed_parents",
                    "Доля обучающихся из семей, где единственный или оба родителя безработные",
                    required=True,
                ),
                _share(
                    "share_on_register",
                    "Доля обучающихся, состоящих на внутришкольном и других видах учёта",
                    required=True,
                ),
                _share("share_disabilities", "Доля обучающихся с ОВЗ"),
                _share("share_non_native", "Доля обучающихся, для которых русский язык не родной"),
                _share("share_low_income", "Доля обучающихся из малообеспеченных семей"),
                _share("share_single_parent", "Доля обучающихся из неполных семей"),
                _share("share_large_families", "Доля обучающихся из многодетных семей"),
            ),
            key=("year", "school_id"),
            replace_by=("year", "school_id"),
            store=Store.DATABASE,
        ),
        Table(
            "survey",
            "Результаты анкетирования (параметры рискового профиля)",
            (
                _YEAR,
                _SCHOOL,
                Column(
                    "parameter", "Параметр", Kind.TEXT, note="код параметра из каталога рисков пресета", example="R01.2"
                ),
                Column(
                    "value", "Значение", Kind.FLOAT, note="доля от 0 до 1 или значение шкалы параметра", example="0,35"
                ),
                Column("respondents", "Число респондентов", Kind.INT, required=False, min=0, example="18"),
            ),
            key=("year", "school_id", "parameter"),
            replace_by=("year", "school_id"),
            store=Store.DATABASE,
        ),
        Table(
            "staff",
            "Педагогические работники (псевдонимизированно)",
            (
                _STAFF,
                _SCHOOL,
                Column("position", "Должность", Kind.TEXT, example="учитель"),
                Column(
                    "subjects", "Предметы", Kind.TEXT, required=False, note="через запятую или «;»", example="rus; lit"
                ),
                Column("experience_years", "Стаж", Kind.INT, required=False, min=0, max=70, example="12"),
                Column(
                    "category",
                    "Квалификационная категория",
                    Kind.CODE,
                    required=False,
                    vocabulary="category",
                    note="highest / first / conformity / none (высшая / первая / соответствие / нет)",
                    example="первая",
                ),
                Column("age", "Возраст", Kind.INT, required=False, min=16, max=100, example="44"),
            ),
            key=("staff_key", "school_id"),
            replace_by=("school_id",),
            store=Store.DATABASE,
            note="Педагоги школы, которых нет в новом файле этой школы, помечаются выбывшими (не удаляются).",
        ),
        Table(
            "diagnostics",
            "Диагностика профессиональных дефицитов педагогов",
            (
                _YEAR,
                _STAFF,
                Column(
                    "area",
                    "Область",
                    Kind.CODE,
                    vocabulary="area",
                    strict=False,
                    note="subject, methodical, psych_ped, assessment, digital или код пресета",
                    example="methodical",
                ),
                Column("score", "Балл", Kind.FLOAT, min=0, example="14"),
                Column("max_score", "Максимальный балл", Kind.FLOAT, min=0, min_exclusive=True, example="20"),
            ),
            key=("year", "staff_key", "area"),
            replace_by=("year", "staff_key"),
            store=Store.DATABASE,
        ),
        Table(
            "courses",
            "Пройденное повышение квалификации",
            (
                _STAFF,
                Column("title", "Программа", Kind.TEXT, example="Формирование функциональной грамотности"),
                Column("provider", "Организация", Kind.TEXT, required=False, example="ИРО"),
                Column("hours", "Часы", Kind.INT, min=0, min_exclusive=True, example="36"),
                Column("start", "Начало", Kind.DATE, example="01.02.2026"),
                Column("end", "Окончание", Kind.DATE, example="20.02.2026"),
                Column("topic", "Тема", Kind.TEXT, required=False, example="функциональная грамотность"),
            ),
            key=("staff_key", "title", "start"),
            replace_by=("staff_key", "title", "start"),
            store=Store.DATABASE,
            note="Курсы не удаляются повторной загрузкой: строки с тем же педагогом, программой и датой начала обновляются.",
        ),
        Table(
            "oversight",
            "Сигналы надзора (риск-ориентированный отбор)",
            (
                _YEAR,
                _SCHOOL,
                Column(
                    "kind",
                    "Вид",
                    Kind.CODE,
                    vocabulary="oversight_kind",
                    note="order (предписание надзорного органа) / complaint (обоснованная жалоба родителей)",
                    example="предписание",
                ),
                Column("count", "Количество", Kind.INT, min=0, example="1"),
            ),
            key=("year", "school_id", "kind"),
            replace_by=("year", "school_id"),
            store=Store.DATABASE,
        ),
    )
}


# What a row of `results` must carry, by procedure: the exam centre's ЕГЭ exports often give the
# test score alone (the methodology uses the test score for ЕГЭ), and base maths has a mark only.
ROW_REQUIREMENTS: tuple[tuple[str, str], ...] = (
    ("ЕГЭ (кроме базовой математики)", "тестовый балл или первичный балл; отметки нет"),
    ("ЕГЭ по базовой математике", "отметка или первичный балл"),
    ("ОГЭ, ГВЭ, ВПР и процедуры пресета", "первичный балл; отметка — если она выставляется"),
)


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"Неизвестная таблица «{name}». Допустимые: {', '.join(TABLES)}.") from None
