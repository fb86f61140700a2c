"""The cooperation agreement of a pair (соглашение о сотрудничестве), rendered from a DOCX template.

The template ships in the package (`templates/agreement.docx`, made by `build_template`); a
region puts its own form in `<data folder>/templates/agreement.docx` (same fields, edited in
Word), and that one is used instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from shnor.documents.common import (
    date,
    date_words,
    heading,
    new_document,
    paragraph,
    render_template,
    sha256,
    to_bytes,
)

__all__ = ["DEFAULT_SUBJECT", "AgreementData", "agreement", "build_template", "sha256"]

DEFAULT_SUBJECT = (
    "Сотрудничество Сторон в целях повышения качества образования в Школе и перехода Школы "
    "в эффективный режим работы: консультационная, методическая и проектировочная помощь."
)


@dataclass(frozen=True)
class AgreementData:
    number: str
    date: dt.date
    curator: str
    school: str
    form: str
    subject: str
    start: dt.date
    end: dt.date
    covered: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)


def agreement(data: AgreementData) -> bytes:
    directions = [f"работа по направлению «{c}»" for c in data.covered] + [
        f"подбор внешней помощи по направлению «{c}» (у Школы-куратора нет опыта в нём)" for c in data.uncovered
    ]
    return render_template(
        "agreement.docx",
        {
            "number": data.number,
            "date": date_words(data.date),
            "curator": data.curator,
            "school": data.school,
            "form": data.form,
            "subject": data.subject,
            "start": date(data.start),
            "end": date(data.end),
            "directions": directions or ["повышение качества образования по результатам самоанализа Школы"],
        },
    )


def build_template(path: Path) -> None:
    """Write the packaged template (run `python -m shnor.documents.support <path>` after editing)."""
    d = new_document()
    paragraph(d, "СОГЛАШЕНИЕ № {{ number }}", bold=True, align="center")
    paragraph(d, "о сотрудничестве в рамках сопровождения школы", bold=True, align="center")
    paragraph(d, "{{ date }}", align="right")
    paragraph(d, "")
    paragraph(
        d,
        "{{ curator }}, именуемое в дальнейшем «Школа-куратор», и {{ school }}, именуемое в дальнейшем "
        "«Школа», совместно именуемые «Стороны», заключили настоящее соглашение о нижеследующем.",
    )
    heading(d, "1. Предмет соглашения")
    paragraph(d, "1.1. {{ subject }}")
    paragraph(d, "1.2. Форма взаимодействия: {{ form }}.")
    heading(d, "2. Направления сотрудничества")
    paragraph(d, "{%p for item in directions %}")
    paragraph(d, "2.{{ loop.index }}. {{ item }}.")
    paragraph(d, "{%p endfor %}")
    heading(d, "3. Обязательства Сторон")
    paragraph(
        d,
        "3.1. Школа-куратор проводит для педагогов и управленческой команды Школы консультации, "
        "семинары, мастер-классы и открытые уроки, выезжает в Школу, ведёт журнал индивидуальных "
        "консультаций.",
    )
    paragraph(
        d,
        "3.2. Школа участвует в мероприятиях, проводит самоанализ, реализует программу повышения "
        "качества образования и оценивает каждую консультацию в журнале обратной связи.",
    )
    paragraph(
        d,
        "3.3. Стороны обмениваются информацией, необходимой для выполнения соглашения, с соблюдением "
        "требований о защите персональных данных.",
    )
    heading(d, "4. Срок действия")
    paragraph(d, "4.1. Соглашение действует с {{ start }} по {{ end }}.")
    paragraph(d, "4.2. Соглашение составлено в двух экземплярах, по одному для каждой из Сторон.")
    heading(d, "5. Подписи Сторон")
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells, ["Школа-куратор", "Школа"], strict=True):
        cell.text = text
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for cell, text in zip(table.rows[1].cells, ["{{ curator }}", "{{ school }}"], strict=True):
        cell.text = text + "\n\n_______________ / ______________\nМ. П."
    path.write_bytes(to_bytes(d))


if __name__ == "__main__":
    import sys

    build_template(Path(sys.argv[1]))
