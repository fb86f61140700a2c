"""Documents of programmes and monitoring: the order on schools leaving the programme."""

from __future__ import annotations

from typing import Any

from shnor.core.presets import Preset
from shnor.core.programmes import rule_text
from shnor.documents import common
from shnor.documents.common import heading, new_document, number, sha256, table, to_bytes

__all__ = ["exit_order", "sha256"]

CHECK = {True: "да", False: "нет", None: "нет данных"}


def exit_order(
    preset: Preset,
    authority: str,
    decision: Any,
    proposals: list[Any],
    signed: tuple[str, str] = ("", ""),
    executor: str = "",
) -> bytes:
    """Приказ «Об исключении школ из программы поддержки» with the schools and the evidence."""
    document = new_document()
    common.order(
        document,
        authority=authority,
        date_of=decision.date,
        number_of=decision.number,
        title=decision.title,
        preamble="По итогам мониторинга реализации программ повышения качества образования, на основании: "
        f"{decision.basis} Условия выхода из программы: {rule_text(preset.exit)}.",
        items=[
            "Исключить из программы поддержки школы с низкими результатами обучения и школы, функционирующие в "
            f"неблагоприятных социальных условиях, в количестве {len(proposals)} "
            + (
                "в связи с выполнением условий выхода (приложение)."
                if all(p.ok for p in proposals)
                else "по основаниям, указанным в приложении."
            ),
            "Руководителям исключённых школ обеспечить сохранение достигнутых результатов и представить опыт "
            "работы для банка эффективных практик.",
            "Контроль за исполнением настоящего приказа оставляю за собой.",
        ],
        signatory=signed[0],
        signatory_name=signed[1],
        executor=executor,
    )
    heading(document, "Школы, исключаемые из программы поддержки, и основания")
    rows = []
    for i, p in enumerate(proposals, start=1):
        e = p.evidence
        ior = "—"
        if e.ior_before is not None and e.ior_after is not None:
            ior = f"{number(e.ior_before, 2)} → {number(e.ior_after, 2)}"
        ground = (
            p.grounds if p.ok else f"условия выхода не выполнены ({p.grounds}); основание решения: {decision.basis}"
        )
        rows.append(
            (
                i,
                p.programme.school.municipality.name,
                p.programme.school.school_id,
                p.programme.school.name,
                ior,
                ground,
            )
        )
    table(
        document,
        ["№", "Муниципалитет", "Код ОО", "Наименование ОО", "ИОР: было → стало", "Основание исключения"],
        rows,
        size=10,
        numeric=(0,),
    )
    return to_bytes(document)
