"""Russian names of what identification computes, for pages, documents and exports."""

from __future__ import annotations

from shnor.core.contract import PROCEDURES, SUBJECTS

SIGNS = {
    "vpr_journal": "Отметки за ВПР выше отметок по журналу",
    "journal_inflation": "Отметки по журналу выше отметок за ВПР",
    "high_fives": "Доля «5» за ВПР выше ожидаемой при контексте школы",
    "oge_ege": "Доля «5» по ОГЭ несоразмерна доле ЕГЭ от 75 баллов",
    "heaping": "Скопление баллов на границах отметок",
    "difficulty_inversion": "Трудные задания решены не реже лёгких",
    "jump": "Резкий рост против собственных прошлых лет",
    "vpr_oge_mismatch": "Высокие ВПР в 8 классе и низкий ОГЭ того же класса",
}
SEVERITY = {"high": "устойчивый (повторяется по годам)", "medium": "разовый"}
CLUSTERS = {
    "effective": "эффективные",
    "resilient": "резильентные",
    "struggling": "несправляющиеся",
    "deprived": "депривированные",
    "": "недостаточно данных",
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
    title = SUBJECTS[subject][0] if subject in SUBJECTS else subject
    return f"{PROCEDURES[procedure][0] if procedure in PROCEDURES else procedure}, {title[:1].lower()}{title[1:]}{grade_text}"


def reasons(codes: str) -> str:
    return "; ".join(FLAGS.get(c, c) for c in codes.split(",") if c)
