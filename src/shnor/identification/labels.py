"""Russian names of what identification computes, for pages, documents and exports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from shnor.core.contract import PROCEDURES, SUBJECTS
from shnor.core.numbers import number, percent

SIGNS = {
    "vpr_journal": "Отметки за ВПР выше отметок по журналу",
    "journal_inflation": "Отметки по журналу выше отметок за ВПР",
    "high_fives": "Доля «5» за ВПР выше ожидаемой при контексте школы",
    "oge_ege": "Доля «5» по ОГЭ несоразмерна доле ЕГЭ от 75 баллов",
    "heaping": "Скопление баллов на границах отметок",
    "difficulty_inversion": "Трудные задания решены не реже лёгких",
    "jump": "Резкий рост против собственных прошлых лет",
    "vpr_oge_mismatch": "Высокие ВПР в 8 классе и низкий ОГЭ того же класса",
    "quality_mismatch": "Качество знаний по итогам четверти не соответствует результатам ВПР",
    "base_profile": "Не сдавшие базовую математику ЕГЭ сдали профильную",
}
# The figures behind a sign (Sign.evidence), in words: (name, how to show the value).
EVIDENCE = {
    "pairs": ("пар отметок ВПР и журнала", "int"),
    "share_raised": ("доля: ВПР выше журнала", "share"),
    "share_confirmed": ("доля: совпадает", "share"),
    "share_lowered": ("доля: ВПР ниже журнала", "share"),
    "region_raised": ("по региону: ВПР выше журнала", "share"),
    "region_lowered": ("по региону: ВПР ниже журнала", "share"),
    "quality_vpr": ("качество по ВПР", "share"),
    "quality_journal": ("качество по журналу", "share"),
    "region_gap": ("расхождение по региону", "share"),
    "direction": ("", "text"),
    "pupils": ("участников", "int"),
    "n_marked": ("участников с отметкой", "int"),
    "n5": ("отметок «5»", "int"),
    "isb": ("ИСБ", "number"),
    "external": ("результаты ОГЭ и ЕГЭ школы, ст. откл.", "number"),
    "z": ("z-оценка", "number"),
    "strength": ("сила отклонения", "number"),
    "share_oge5": ("доля «5» по ОГЭ", "share"),
    "n_test": ("участников ЕГЭ", "int"),
    "share_ege_high": ("доля ЕГЭ от 75 баллов", "share"),
    "n_both": ("сдавали оба уровня", "int"),
    "n_inverted": ("не сдали базовый, сдали профильный", "int"),
    "at_cut": ("на границе отметки", "int"),
    "below_cut": ("на балл ниже границы", "int"),
    "p_value": ("вероятность такого скопления у честной школы", "p"),
    "tasks": ("заданий", "int"),
    "solve_rate": ("решаемость в школе", "share"),
    "region_solve_rate": ("решаемость по региону", "share"),
    "earlier_z": ("прежний уровень, ст. откл.", "number"),
    "earlier_years": ("прежние годы", "years"),
    "z_vpr_grade8": ("ВПР 8 кл., ст. откл.", "number"),
    "z_oge": ("ОГЭ, ст. откл.", "number"),
    "by_evidence": ("", "evidence"),
}


def chance(probability: float | None) -> str:
    """«менее 1 %», «37 %», «более 99 %»: a probability for people, never «0 %» or «100 %»."""
    if probability is None:
        return "—"
    if probability < 0.01:
        return "менее 1 %"
    if probability > 0.99:
        return "более 99 %"
    return percent(probability, 0)


def evidence_text(evidence: Mapping[str, object]) -> str:
    """«пар отметок ВПР и журнала 31; доля: ВПР выше журнала 64,5 %; …» — the figures of a sign in
    words; keys without a name are left out."""
    parts = []
    for key, value in evidence.items():
        if key not in EVIDENCE or value is None:
            continue
        name, kind = EVIDENCE[key]
        if kind == "evidence":
            parts.append("отклонение учтено в силе свидетельств")
        elif kind == "text":
            parts.append(str(value))
        elif kind == "years" and isinstance(value, list | tuple):
            parts.append(f"{name} {years(int(v) for v in value)}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            digits = {"int": 0, "share": 1, "p": 4}.get(kind, 2)
            shown = percent(float(value)) if kind == "share" else number(value, digits)
            parts.append(f"{name} {shown}")
    return "; ".join(parts)


SEVERITY = {"high": "устойчивый (повторяется по годам)", "medium": "разовый"}
CLUSTERS = {
    "effective": "эффективные",
    "resilient": "резильентные",
    "struggling": "несправляющиеся",
    "deprived": "депривированные",
    "": "недостаточно данных",
}
GROUPS = {
    "low_results": "ШНОР",
    "unfavourable": "ШНСУ",
    "both": "ШНОР и ШНСУ",
    "other": "иное основание",
    "": "—",
}
GROUP_TITLES = {
    "low_results": "школы с низкими результатами обучения (ШНОР)",
    "unfavourable": "школы, функционирующие в неблагоприятных социальных условиях (ШНСУ)",
    "both": "школы с низкими результатами обучения, функционирующие в неблагоприятных социальных условиях (ШНОР и ШНСУ)",
    "other": "школы, отобранные по иному основанию пресета",
}
SOCIAL_TITLES = {
    "share_parents_no_higher_ed": "доля обучающихся из семей, где оба родителя не имеют высшего образования",
    "share_unemployed_parents": "доля обучающихся из семей, где единственный или оба родителя безработные",
    "share_on_register": "доля обучающихся, состоящих на внутришкольном и других видах учёта",
    "share_disabilities": "доля обучающихся с ОВЗ",
    "share_non_native": "доля обучающихся, для которых русский язык не родной",
    "share_low_income": "доля обучающихся из малообеспеченных семей",
    "share_single_parent": "доля обучающихся из неполных семей",
    "share_large_families": "доля обучающихся из многодетных семей",
}

FLAGS = {
    "ior_low": "низкий ИОР",
    "isb_low": "низкий ИСБ",
    "stable_low": "стабильно низкие результаты",
    "federal_risk": "риск низких результатов (федеральный показатель)",
    "objectivity_flag": "признаки необъективности",
    "value_added_negative": "результаты ниже ожидаемых при контексте",
    "orders": "предписания надзорных органов",
    "complaints": "обоснованные жалобы родителей",
    "НР": "низкие результаты (НР)",
    "ССК": "сложный социальный контекст (ССК)",
    "НО": "необъективность (НО)",
    "minimum": "добор до минимального числа школ",
}


def work(procedure: str, subject: str, grade: int | None) -> str:
    """«ОГЭ, русский язык, 9 кл.»: the names of the data contract's vocabularies."""
    grade_text = f", {grade} кл." if grade else ""
    return f"{procedure_name(procedure)}, {subject_name(subject)}{grade_text}"


def sign_work(procedure: str | None, subject: str | None, grade: int | None) -> str:
    """«ВПР, математика, 5 кл.» for a sign of one work, «ОГЭ» for a sign of a whole procedure, empty
    for none."""
    if not procedure:
        return ""
    return work(procedure, subject, grade) if subject else procedure_name(procedure)


def procedure_name(code: str) -> str:
    """«ЕГЭ» for EGE; a code outside the contract's vocabulary (a region's own) as it is."""
    return PROCEDURES[code][0] if code in PROCEDURES else code


def subject_name(code: str) -> str:
    """«математика (профильная)» for math_prof; a code outside the vocabulary as it is."""
    return first_lower(SUBJECTS[code][0] if code in SUBJECTS else code)


def first_lower(text: str) -> str:
    """«Отметки за ВПР…» → «отметки за ВПР…»: the first letter only, abbreviations keep their capitals."""
    return text[:1].lower() + text[1:]


def works(
    items: Sequence[tuple[str, str, int]],
    schools: Mapping[tuple[str, str, int], int] | None = None,
    *,
    groups: int = 8,
    per_group: int = 8,
) -> str:
    """«ЕГЭ, 11 кл.: русский язык, математика (профильная); ОГЭ, 9 кл.: математика»: works grouped by
    procedure and grade in the order given, with each work's count of schools when `schools` is
    given; at most `groups` groups of `per_group` subjects, the rest counted."""
    grouped: dict[tuple[str, int], list[str]] = {}
    for procedure, subject, grade in items:
        grouped.setdefault((procedure, grade), []).append(subject)
    parts = []
    for (procedure, grade), subjects in list(grouped.items())[:groups]:
        names = [
            subject_name(s) + (f" (школ: {schools[(procedure, s, grade)]})" if schools is not None else "")
            for s in subjects[:per_group]
        ]
        if len(subjects) > per_group:
            names.append(f"ещё предметов: {len(subjects) - per_group}")
        parts.append(f"{procedure_name(procedure)}{f', {grade} кл.' if grade else ''}: {', '.join(names)}")
    rest = sum(len(subjects) for subjects in list(grouped.values())[groups:])
    if rest:
        parts.append(f"ещё работ: {rest}")
    return "; ".join(parts)


def years(values: Iterable[int]) -> str:
    """«2024 год», «2022–2024 годы», «2019, 2022–2024 годы»: consecutive years as a range."""
    ordered = sorted(set(values))
    spans: list[list[int]] = []
    for y in ordered:
        if spans and y == spans[-1][-1] + 1:
            spans[-1].append(y)
        else:
            spans.append([y])
    text = ", ".join(str(s[0]) if len(s) == 1 else f"{s[0]}–{s[-1]}" for s in spans)
    return f"{text} {'год' if len(ordered) == 1 else 'годы'}"


def reasons(codes: str) -> str:
    return "; ".join(FLAGS.get(c, c) for c in codes.split(",") if c)


def group_of(group: str, category: str) -> str:
    """The group of a listed school: the one the run found for a selected school; for a school added
    to the list by a person, the one its categories give (НР → ШНОР, ССК → ШНСУ)."""
    if group:
        return group
    low, hard = "НР" in category.split("+"), "ССК" in category.split("+")
    return "both" if low and hard else "low_results" if low else "unfavourable" if hard else "other"
