"""The risk profile of a school as a DOCX document (the form of act 004's appendix)."""

from __future__ import annotations

from typing import Any

from shnor.documents.common import date, heading, new_document, number, paragraph, table, to_bytes


def value_text(value: float | None, scale: str) -> str:
    if value is None:
        return "нет данных"
    if scale == "share":
        return f"{number(value * 100, 1)} %"
    return number(value, 2)


def profile(view: Any, authority: str, generated: Any) -> bytes:
    """«Рисковый профиль школы»: factor, parameter, result (value, median, threshold), fixed risk."""
    p = view.profile
    document = new_document(landscape=True)
    if authority:
        paragraph(document, authority.upper(), bold=True, align="center")
    heading(document, f"Рисковый профиль школы за {p.year} год")
    paragraph(
        document,
        f"{p.school.name} (код ОО {p.school.school_id}), {p.school.municipality.name}",
        align="center",
        indent=False,
    )
    paragraph(
        document,
        f"Каталог рисков: {view.catalogue.title}, версия {p.catalogue_version}. Измерено параметров: "
        f"{number(p.completeness * 100, 0)} %. Уровень фактора: доля его измеренных параметров за пороговым "
        f"значением не меньше {number(view.catalogue.high * 100, 0)} % — высокий, не меньше "
        f"{number(view.catalogue.medium * 100, 0)} % — средний.",
    )
    factor_rows = view.rows()
    rows = []
    for row in factor_rows:
        for i, item in enumerate(row["parameters"]):
            param = item["parameter"]
            past = item.get("past")
            rows.append(
                (
                    row["factor"].title if i == 0 else "",
                    param.title,
                    value_text(item.get("value"), param.scale),
                    value_text(item.get("median"), param.scale),
                    ("> " if param.direction == "higher_is_risk" else "< ") + value_text(param.threshold, param.scale),
                    {True: "риск", False: "—", None: "не оценивался"}[past],
                    (row["level_title"] + (" (зафиксирован)" if row["fixed"] else "")) if i == 0 else "",
                )
            )
    table(
        document,
        [
            "Фактор риска",
            "Параметр анализа",
            "Результат",
            "Медиана региона",
            "Порог риска",
            "Фиксация риска",
            "Уровень фактора",
        ],
        rows,
        size=9,
    )
    fixed = [r["factor"].title for r in factor_rows if r["fixed"]]
    heading(document, "Зафиксированные риски")
    if fixed:
        for i, title in enumerate(fixed, start=1):
            paragraph(document, f"{i}. {title}", align="left", indent=False)
    else:
        paragraph(document, "Риски высокого уровня не зафиксированы.", align="left", indent=False)
    if view.previous is not None:
        heading(document, f"Изменения по сравнению с профилем за {view.previous.year} год")
        changes = [
            (
                r["factor"].title,
                r["before_title"],
                r["level_title"],
                {1: "риск вырос", -1: "риск снизился", 0: "без изменений"}[r["change"]],
            )
            for r in factor_rows
        ]
        table(document, ["Фактор риска", f"{view.previous.year}", f"{p.year}", "Изменение"], changes, size=10)
    paragraph(document, f"Сформировано {date(generated)}.", align="left", indent=False, size=10)
    return to_bytes(document)
