"""Documents of programmes and monitoring: the order on schools leaving the programme."""

from __future__ import annotations

from typing import Any

from shnor.core.presets import Preset
from shnor.documents.common import date, date_words, heading, new_document, number, paragraph, sha256, table, to_bytes

__all__ = ["exit_order", "sha256"]

CHECK = {True: "да", False: "нет", None: "нет данных"}


def exit_order(preset: Preset, decision: Any, proposals: list[Any]) -> bytes:
    """Приказ «Об исключении школ из программы поддержки» with the schools and the evidence."""
    from shnor.core.programmes import CONDITION_TITLES

    document = new_document()
    paragraph(document, (preset.authority or preset.region).upper(), bold=True, align="center")
    document.add_paragraph()
    paragraph(document, "ПРИКАЗ", bold=True, align="center", size=16)
    document.add_paragraph()
    paragraph(document, f"{date_words(decision.date)}\t\t\t\t\t\t№ {decision.number}", align="left")
    document.add_paragraph()
    paragraph(document, decision.title, bold=True, align="center")
    document.add_paragraph()
    rule = preset.exit
    conditions = [CONDITION_TITLES[c] for c in rule.all_of]
    alternatives = [CONDITION_TITLES[c] for c in rule.any_of]
    text = "; ".join(conditions)
    if alternatives:
        text += "; а также одно из: " + "; ".join(alternatives)
    paragraph(
        document,
        f"По итогам мониторинга реализации программ повышения качества образования, на основании: {decision.basis} "
        f"Условия выхода из программы: {text}.",
    )
    paragraph(document, "ПРИКАЗЫВАЮ:", bold=True, align="left", indent=False)
    items = [
        f"Исключить из программы поддержки школы с низкими результатами обучения и школы, функционирующие в "
        f"неблагоприятных социальных условиях, в количестве {len(proposals)} в связи с достижением условий выхода "
        "(приложение).",
        "Руководителям исключённых школ обеспечить сохранение достигнутых результатов и представить опыт работы "
        "для банка эффективных практик.",
        "Контроль за исполнением настоящего приказа оставляю за собой.",
    ]
    for i, item in enumerate(items, start=1):
        paragraph(document, f"{i}. {item}")
    document.add_paragraph()
    paragraph(document, "Руководитель\t\t\t\t\t\t\t______________", align="left", indent=False)
    document.add_page_break()  # type: ignore[no-untyped-call]
    paragraph(
        document,
        f"Приложение\nк приказу от {date(decision.date)} № {decision.number}",
        align="right",
        indent=False,
        size=12,
    )
    heading(document, "Школы, исключаемые из программы поддержки, и основания")
    rows = []
    for i, p in enumerate(proposals, start=1):
        e = p.evidence
        ior = "—"
        if e.ior_before is not None and e.ior_after is not None:
            ior = f"{number(e.ior_before, 2)} → {number(e.ior_after, 2)}"
        rows.append(
            (
                i,
                p.programme.school.municipality.name,
                p.programme.school.school_id,
                p.programme.school.name,
                ior,
                f"{e.indicators_on_target} из {e.indicators_total}",
                CHECK[None if e.objectivity_flag is None else not e.objectivity_flag],
            )
        )
    table(
        document,
        [
            "№",
            "Муниципалитет",
            "Код ОО",
            "Наименование ОО",
            "ИОР: было → стало",
            "Показатели достигнуты",
            "Без признаков необъективности",
        ],
        rows,
        size=10,
        numeric=(0,),
    )
    return to_bytes(document)
