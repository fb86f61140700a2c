"""Russian names of what identification computes, for pages, documents and exports."""

from __future__ import annotations

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
PROCEDURES = {"EGE": "ЕГЭ", "OGE": "ОГЭ", "VPR": "ВПР", "GVE": "ГВЭ"}
SUBJECTS = {
    "rus": "русский язык",
    "math": "математика",
    "math_base": "математика (базовая)",
    "math_prof": "математика (профильная)",
}


def work(procedure: str, subject: str, grade: int | None) -> str:
    grade_text = f", {grade} кл." if grade else ""
    return f"{PROCEDURES.get(procedure, procedure)}, {SUBJECTS.get(subject, subject)}{grade_text}"


def reasons(codes: str) -> str:
    return "; ".join(FLAGS.get(c, c) for c in codes.split(",") if c)
