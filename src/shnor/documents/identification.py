"""The documents of an approved identification: the order (приказ) that approves the list of
schools, and the analytical note (аналитическая справка) on the identification's results.

Pure builders: they take plain data and return DOCX bytes, so tests open what they build."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document as DocxDocument
from docx.shared import Cm

from shnor.documents import common
from shnor.documents.common import (
    date,
    heading,
    landscape_section,
    new_document,
    number,
    paragraph,
    percent,
    table,
    to_bytes,
)


@dataclass(frozen=True)
class ListedSchool:
    municipality: str
    school_id: str
    name: str
    cluster: str
    category: str
    reasons: str
    group: str = ""  # ШНОР, ШНСУ, ШНОР и ШНСУ, иное основание (labels.GROUPS)


@dataclass(frozen=True)
class OrderData:
    authority: str  # who issues the order, e.g. «Министерство образования … области»
    number: str
    date: dt.date
    year: int
    basis: str  # the act the methodology follows (the preset's title)
    schools: list[ListedSchool]
    signatory: str = ""
    signatory_name: str = ""
    executor: str = ""


def order(data: OrderData) -> bytes:
    """Приказ «Об утверждении перечня ШНОР и ШНСУ» with the list as its appendix."""
    document = new_document()
    common.order(
        document,
        authority=data.authority,
        date_of=data.date,
        number_of=data.number,
        title="Об утверждении перечня школ с низкими результатами обучения и школ, функционирующих "
        f"в неблагоприятных социальных условиях, на {data.year}–{data.year + 1} учебный год",
        preamble=f"В соответствии с документом «{data.basis}», по итогам идентификации школ с низкими "
        "результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, "
        f"проведённой по результатам оценочных процедур {data.year - 2}–{data.year} годов и данным "
        "о социальном контексте школ,",
        items=[
            "Утвердить перечень школ с низкими результатами обучения и школ, функционирующих в "
            f"неблагоприятных социальных условиях (далее — перечень), в количестве {len(data.schools)}"
            f"{_group_counts(data.schools)} (приложение).",
            "Руководителям органов местного самоуправления, осуществляющих управление в сфере "
            "образования, обеспечить включение школ перечня в муниципальные программы (дорожные карты) "
            "поддержки и назначение школ-кураторов.",
            "Руководителям школ перечня разработать (актуализировать) программы повышения качества "
            "образования с учётом рискового профиля школы.",
            "Контроль за исполнением настоящего приказа оставляю за собой.",
        ],
        signatory=data.signatory,
        signatory_name=data.signatory_name,
        executor=data.executor,
    )
    landscape_section(document)  # the appendix: six columns read best across the page
    heading(
        document,
        "Перечень школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях",
    )
    rows = [
        (i, s.municipality, s.school_id, s.name, _group_cell(s), s.reasons)
        for i, s in enumerate(sorted(data.schools, key=lambda s: (s.municipality, s.name)), start=1)
    ]
    table(
        document,
        ["№ п/п", "Муниципалитет", "Код ОО", "Наименование ОО", "Группа (категория)", "Основание включения"],
        rows,
        size=10,
        numeric=(0,),
    )
    return to_bytes(document)


def _group_cell(school: ListedSchool) -> str:
    """«ШНОР и ШНСУ (НР+ССК)»: the group, with the risk-oriented category where there is one."""
    group = school.group or "—"
    return f"{group} ({school.category})" if school.category else group


def _group_counts(schools: list[ListedSchool]) -> str:
    """«, из них: ШНОР — 12, ШНСУ — 3, ШНОР и ШНСУ — 9»: the groups of the list, in a fixed order."""
    counts = {g: sum(1 for s in schools if s.group == g) for g in GROUP_ORDER}
    parts = [f"{g} — {number(n)}" for g, n in counts.items() if n]
    return f", из них: {', '.join(parts)}" if parts else ""


GROUP_ORDER = ("ШНОР", "ШНСУ", "ШНОР и ШНСУ", "иное основание")


@dataclass(frozen=True)
class NoteData:
    authority: str
    region: str
    year: int
    window: list[int]
    run_number: int
    run_date: dt.date
    preset_title: str
    preset_version: str
    components: list[str]
    social_parts: list[str]
    schools_total: int
    selected: int
    insufficient: int
    ior_threshold: float | None
    isb_threshold: float | None
    alpha: float | None
    value_added: dict[str, float]
    r2: float | None
    clusters: dict[str, int]
    combinations: list[dict[str, Any]]
    municipalities: list[tuple[str, int, int, int, int, int, int]]  # name, schools, selected, clusters ×4
    signs: list[tuple[str, int, int]]  # title, signs, schools
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # school, action, reason
    groups: list[tuple[str, int]] = field(default_factory=list)  # group title, schools of the list
    # The rules of the run: title, value, «положение акта» / «настройка оператора», the source.
    parameters: list[tuple[str, str, str, str]] = field(default_factory=list)
    chart_png: bytes | None = None


CLUSTER_TITLES = (
    ("effective", "эффективные"),
    ("resilient", "резильентные"),
    ("struggling", "несправляющиеся"),
    ("deprived", "депривированные"),
)


def analytic_note(data: NoteData) -> bytes:
    """Аналитическая справка по итогам идентификации: method, figures, clusters, combinations,
    municipalities, signs of biased results, the chart, and the changes people made to the list."""
    document = new_document()
    _note_title(document, data)
    _note_method(document, data)
    if data.parameters:
        _note_parameters(document, data)
    _note_results(document, data)
    _note_clusters(document, data)
    _note_categories(document, data)
    _note_municipalities(document, data)
    _note_signs(document, data)
    if data.chart_png:
        _note_chart(document, data.chart_png)
    if data.changes:
        _note_changes(document, data.changes)
    return to_bytes(document)


def _note_title(document: DocxDocument, data: NoteData) -> None:
    """The authority, the title and the region with the date of the run."""
    paragraph(document, data.authority, align="center", indent=False)
    document.add_paragraph()
    heading(
        document,
        f"Аналитическая справка по итогам идентификации школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, за {data.year} год",
    )
    paragraph(document, f"{data.region}, {date(data.run_date)}", align="center", indent=False)


def _note_method(document: DocxDocument, data: NoteData) -> None:
    """Section 1: the methodology, the works and the indices."""
    heading(document, "1. Методика")
    paragraph(
        document,
        f"Идентификация проведена по методике «{data.preset_title}» (версия {data.preset_version}), "
        f"расчёт № {data.run_number}. Использованы результаты оценочных процедур за "
        f"{', '.join(map(str, data.window))} годы: {'; '.join(data.components).rstrip('.')}.",
    )
    paragraph(
        document,
        "Индекс образовательных результатов (ИОР) — взвешенное среднее отклонений средних баллов школы "
        "от региональных, выраженных в стандартных отклонениях баллов обучающихся, сглаженное с учётом "
        "числа участников: результаты малых школ приближаются к среднему по региону пропорционально их "
        "ненадёжности. Индекс социального благополучия (ИСБ) — среднее стандартизованных долей: "
        f"{'; '.join(data.social_parts)} (чем больше индекс, тем благоприятнее условия).",
    )
    if data.alpha is not None:
        paragraph(document, f"Согласованность составляющих ИСБ (α Кронбаха) — {number(data.alpha, 2)}.")


def _note_parameters(document: DocxDocument, data: NoteData) -> None:
    """The rules of the run and the source of each: the act's clause, or the operator's setting."""
    paragraph(
        document,
        "Правила расчёта и их основания (правило из акта приводится с цитатой; правило, которого в акте нет, — "
        "настройка оператора с причиной выбранного значения):",
    )
    table(
        document,
        ["Правило", "Значение", "Основание"],
        [(title, value, f"{kind.capitalize()}: {source}") for title, value, kind, source in data.parameters],
        size=9,
    )


def _note_results(document: DocxDocument, data: NoteData) -> None:
    """Section 2: schools considered and selected, the thresholds, the context's effect."""
    heading(document, "2. Основные результаты")
    paragraph(
        document,
        f"Рассмотрено школ: {number(data.schools_total)}. Предложено к включению в программу поддержки: "
        f"{number(data.selected)} ({percent(data.selected / data.schools_total if data.schools_total else None)}). "
        f"Недостаточно данных для суждения по результатам: {number(data.insufficient)}.",
    )
    if data.groups:
        paragraph(
            document,
            "Состав перечня: " + "; ".join(f"{title} — {number(n)}" for title, n in data.groups) + ".",
        )
    if data.ior_threshold is not None and data.isb_threshold is not None:
        paragraph(
            document,
            f"Граница «низкого» ИОР — {number(data.ior_threshold, 3)}, «низкого» ИСБ — {number(data.isb_threshold, 3)}.",
        )
    if data.value_added:
        paragraph(
            document,
            "Связь результатов с социальным контекстом: при росте ИСБ на единицу ожидаемый ИОР изменяется на "
            f"{number(data.value_added.get('isb'), 3)}; контекст объясняет {percent(data.r2)} различий между школами. "
            "Школы, результаты которых достоверно ниже ожидаемых при их контексте, не используют свои "
            "преимущества; достоверно выше — работают эффективнее ожидаемого (резильентные).",
        )


def _note_clusters(document: DocxDocument, data: NoteData) -> None:
    """Section 3: the four clusters as a table of ИОР × ИСБ."""
    heading(document, "3. Кластеры школ")
    c = data.clusters
    table(
        document,
        ["", "ИОР низкий", "ИОР не низкий"],
        [
            (
                "ИСБ не низкий",
                f"несправляющиеся: {number(c.get('struggling', 0))}",
                f"эффективные: {number(c.get('effective', 0))}",
            ),
            (
                "ИСБ низкий",
                f"депривированные: {number(c.get('deprived', 0))}",
                f"резильентные: {number(c.get('resilient', 0))}",
            ),
        ],
    )


def _note_categories(document: DocxDocument, data: NoteData) -> None:
    """Section 4: the categories of risk and their combinations."""
    heading(document, "4. Категории риска и их сочетания")
    table(
        document,
        ["Категория", "Школ", "Доля, %"],
        [(str(r["category"]), number(r["schools"]), number(100 * float(r["share"]), 1)) for r in data.combinations],
        numeric=(1, 2),
    )
    paragraph(
        document,
        "НР — низкие результаты; ССК — сложный социальный контекст; НО — признаки необъективности результатов.",
        size=11,
    )


def _note_municipalities(document: DocxDocument, data: NoteData) -> None:
    """Section 5: schools, selected and clusters by municipality."""
    heading(document, "5. По муниципалитетам")
    table(
        document,
        ["Муниципалитет", "Школ", "Отобрано", "Эффективные", "Резильентные", "Несправляющиеся", "Депривированные"],
        [(m[0], *(number(v) for v in m[1:])) for m in data.municipalities],
        size=10,
        numeric=(1, 2, 3, 4, 5, 6),
    )


def _note_signs(document: DocxDocument, data: NoteData) -> None:
    """Section 6: the signs of biased results, or that there are none."""
    heading(document, "6. Признаки необъективности результатов")
    if data.signs:
        table(
            document,
            ["Признак", "Случаев", "Школ"],
            [(t, number(n), number(s)) for t, n, s in data.signs],
            numeric=(1, 2),
        )
        paragraph(
            document,
            "Признаки не являются доказательством необъективности и подлежат рассмотрению экспертами.",
            size=11,
        )
    else:
        paragraph(document, "Признаков необъективности не выявлено.")


def _note_chart(document: DocxDocument, chart_png: bytes) -> None:
    """Section 7: the chart of ИОР × ИСБ."""
    heading(document, "7. Диаграмма ИОР × ИСБ")
    document.add_picture(io.BytesIO(chart_png), width=Cm(16))
    paragraph(
        document, "Пунктир — границы «низких» зон; линия — результаты, ожидаемые при социальном контексте.", size=11
    )


def _note_changes(document: DocxDocument, changes: list[tuple[str, str, str]]) -> None:
    """Section 8: the changes people made to the proposed list, with their reasons."""
    heading(document, "8. Изменения предложенного перечня")
    table(document, ["Школа", "Действие", "Основание"], changes, size=11)
