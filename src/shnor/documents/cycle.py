"""Documents of the management cycle: addressed recommendations, the management decision (from a
DOCX template a region may replace), the working group's protocol in act 000's form, the report
on the effectiveness of measures, and the goals and analysis of a year for the evidence pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shnor.documents.common import (
    date,
    date_words,
    executor_mark,
    heading,
    new_document,
    number,
    paragraph,
    render_template,
    signature,
    signature_line,
    table,
    to_bytes,
)

ADDRESSEE = {
    "municipality": "Руководителю органа, осуществляющего управление в сфере образования: {name}",
    "school": "Руководителю общеобразовательной организации: {name}",
    "curator": "Руководителю школы-куратора: {name}",
}


def addressee_line(kind: str, name: str, municipality: str) -> str:
    line = ADDRESSEE[kind].format(name=name)
    return line if kind == "municipality" else f"{line} ({municipality})"


@dataclass(frozen=True)
class RecommendationData:
    authority: str
    addressee: str
    title: str
    year: int
    findings: list[str]
    actions: list[str]
    due: dt.date | None
    date: dt.date
    signatory: str = ""
    signatory_name: str = ""
    executor: str = ""


def recommendation(data: RecommendationData) -> bytes:
    d = new_document()
    paragraph(d, data.authority.upper(), bold=True, align="center")
    d.add_paragraph()
    paragraph(d, data.addressee, align="right", indent=False)
    d.add_paragraph()
    paragraph(d, f"АДРЕСНЫЕ РЕКОМЕНДАЦИИ\nпо результатам мониторинга {data.year} года", bold=True, align="center")
    paragraph(d, date_words(data.date), align="right")
    d.add_paragraph()
    paragraph(
        d,
        "Рекомендации подготовлены по результатам мониторинга и анализа показателей системы работы со школами "
        "с низкими результатами обучения и школами, функционирующими в неблагоприятных социальных условиях.",
    )
    heading(d, "1. Результаты анализа")
    for i, line in enumerate(data.findings, start=1):
        paragraph(d, f"1.{i}. {line}")
    heading(d, "2. Рекомендации")
    for i, line in enumerate(data.actions, start=1):
        paragraph(d, f"2.{i}. {line}")
    heading(d, "3. Отчёт об исполнении")
    due = f" в срок до {date(data.due)}" if data.due else ""
    paragraph(
        d,
        f"О результатах исполнения рекомендаций просим проинформировать{due} через информационно-аналитическую "
        "систему (раздел «Адресные рекомендации»).",
    )
    d.add_paragraph()
    signature(d, data.signatory, data.signatory_name)
    executor_mark(d, data.executor)
    return to_bytes(d)


@dataclass(frozen=True)
class DecisionData:
    authority: str
    document: str  # ПРИКАЗ / РАСПОРЯЖЕНИЕ / ПРОТОКОЛ
    number: str
    date: dt.date
    title: str
    basis: str
    items: list[str]
    kind: str
    schools: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    due: dt.date | None = None
    signatory: str = ""
    signatory_name: str = ""
    executor: str = ""


def decision(data: DecisionData) -> bytes:
    verb = {"ПРИКАЗ": "ПРИКАЗЫВАЮ:", "РАСПОРЯЖЕНИЕ": "ОБЯЗЫВАЮ:", "ПРОТОКОЛ": "ПОСТАНОВИЛИ:"}[data.document]
    items = list(data.items)
    if data.measures:
        items.append("Обеспечить выполнение мероприятий: " + "; ".join(data.measures) + ".")
    if data.due:
        items.append(f"Об исполнении доложить в срок до {date(data.due)}.")
    return render_template(
        "decision.docx",
        {
            "authority": data.authority.upper(),
            "document": data.document,
            "date": date_words(data.date),
            "date_short": date(data.date),
            "number": data.number,
            "title": data.title,
            "basis": data.basis
            or "В целях совершенствования качества образования по результатам анализа мониторинга показателей "
            "системы работы со школами с низкими результатами обучения и школами, функционирующими в "
            "неблагоприятных социальных условиях,",
            "verb": verb,
            "kind": data.kind,
            "items": items,
            "schools": data.schools,
            "signatory": data.signatory or "Руководитель",
            "signatory_name": data.signatory_name,
            "signature": signature_line(data.signatory, data.signatory_name),  # a region's own template may use it
            "executor": data.executor,
        },
    )


def build_decision_template(path: Path) -> None:
    """Write the packaged decision template (`python -m shnor.documents.cycle <path>` after editing)."""
    d = new_document()
    paragraph(d, "{{ authority }}", bold=True, align="center")
    paragraph(d, "")
    paragraph(d, "{{ document }}", bold=True, align="center", size=16)
    paragraph(d, "")
    paragraph(d, "{{ date }}\t\t\t\t\t\t№ {{ number }}", align="left")
    paragraph(d, "")
    paragraph(d, "{{ title }}", bold=True, align="center")
    paragraph(d, "(управленческое решение: {{ kind }})", align="center", size=12)
    paragraph(d, "")
    paragraph(d, "{{ basis }}")
    paragraph(d, "{{ verb }}", bold=True, align="left", indent=False)
    paragraph(d, "{%p for item in items %}")
    paragraph(d, "{{ loop.index }}. {{ item }}")
    paragraph(d, "{%p endfor %}")
    paragraph(d, "")
    signature(d, "{{ signatory }}", "{{ signatory_name }}")
    paragraph(d, "{%p if executor %}")
    paragraph(d, "")
    paragraph(d, "{{ executor }}", align="left", indent=False, size=10)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if schools %}")
    paragraph(d, "")
    paragraph(d, "Приложение к документу от {{ date_short }} № {{ number }}", align="right", indent=False, size=12)
    paragraph(d, "Перечень общеобразовательных организаций", bold=True, align="center")
    paragraph(d, "{%p for school in schools %}")
    paragraph(d, "{{ loop.index }}. {{ school }}", align="left", indent=False, size=12)
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endif %}")
    path.write_bytes(to_bytes(d))


@dataclass(frozen=True)
class AgendaData:
    title: str
    heard: str
    resolved: str
    votes_for: int
    votes_against: int
    votes_abstained: int


@dataclass(frozen=True)
class ProtocolData:
    authority: str
    body: str
    number: str
    date: dt.date
    chair: str
    secretary: str
    items: list[AgendaData]


ORDINALS = ("первому", "второму", "третьему", "четвёртому", "пятому", "шестому", "седьмому", "восьмому")


def protocol(data: ProtocolData) -> bytes:
    """Act 000's form: authority, the meeting, ПРОТОКОЛ, date and number, chair and secretary,
    ПОВЕСТКА ДНЯ, then for each question: heard, resolved, the vote; the signatures."""
    d = new_document()
    paragraph(d, data.authority, bold=True, align="center")
    d.add_paragraph()
    paragraph(d, f"Заседание: {data.body}", align="center")
    d.add_paragraph()
    paragraph(d, "ПРОТОКОЛ", bold=True, align="center", size=16)
    d.add_paragraph()
    paragraph(d, f"{data.date.day} {date_words(data.date).split(' ', 1)[1].rstrip(' г.')} года", align="left")
    paragraph(d, f"№ {data.number}", align="left")
    d.add_paragraph()
    paragraph(d, f"Руководитель рабочей группы: {data.chair}")
    paragraph(d, f"Секретарь рабочей группы: {data.secretary}")
    d.add_paragraph()
    paragraph(d, "ПОВЕСТКА ДНЯ:", bold=True, align="left", indent=False)
    for i, item in enumerate(data.items, start=1):
        paragraph(d, f"{i}. {item.title}")
    for i, item in enumerate(data.items, start=1):
        d.add_paragraph()
        ordinal = ORDINALS[i - 1] if i <= len(ORDINALS) else f"{i}-му"
        paragraph(d, f"По {ordinal} вопросу слушали: {item.heard or '—'}")
        paragraph(d, "Постановили:", bold=True, align="left", indent=False)
        for line in (item.resolved or "—").splitlines():
            if line.strip():
                paragraph(d, line.strip())
        paragraph(
            d,
            f"Проголосовали: «За» — {item.votes_for}, «Против» — {item.votes_against}, "
            f"«Воздержались» — {item.votes_abstained}.",
        )
    d.add_paragraph()
    paragraph(d, "Руководитель рабочей группы\t\t\t\t" + data.chair.split(",")[0], align="left", indent=False)
    d.add_paragraph()
    paragraph(d, "Секретарь рабочей группы\t\t\t\t" + data.secretary.split(",")[0], align="left", indent=False)
    return to_bytes(d)


@dataclass(frozen=True)
class EffectData:
    authority: str
    region: str
    start: int
    end: int
    date: dt.date
    indicators: list[tuple[str, str, list[str], str, str]]  # code, title, values by year, target, status
    years: list[int]
    estimate: str  # the verdict, in words
    figures: list[tuple[str, str]]  # label, value
    balance: list[tuple[str, str, str]]  # covariate, treated, controls
    measures: list[tuple[str, str, str, str]]  # title, period, status, result
    decisions: list[tuple[str, str, str]]  # document, kind, execution
    recommendations: list[tuple[str, int]]  # status, count
    conclusion: str = ""


def effect_report(data: EffectData) -> bytes:
    """Act 004 §10: the dynamics of the indicators, the measures and decisions with their
    execution, and the comparison of supported schools with similar unsupported ones."""
    d = new_document(landscape=True)
    paragraph(d, data.authority.upper(), bold=True, align="center")
    d.add_paragraph()
    paragraph(d, "ОТЧЁТ", bold=True, align="center", size=16)
    paragraph(
        d,
        f"об эффективности принятых мер в системе работы со школами с низкими результатами обучения и школами, "
        f"функционирующими в неблагоприятных социальных условиях ({data.region}), за {data.start}–{data.end} годы",
        bold=True,
        align="center",
    )
    paragraph(d, f"Дата подготовки: {date(data.date)}", align="right")
    heading(d, "1. Динамика показателей эффективности системы")
    table(
        d,
        ["Код", "Показатель", *[str(y) for y in data.years], "Цель", "Статус"],
        [(c, t, *vals, target, status) for c, t, vals, target, status in data.indicators],
        size=10,
        numeric=tuple(range(2, 3 + len(data.years))),
    )
    heading(d, "2. Сравнение поддержанных школ с похожими неподдержанными")
    paragraph(
        d,
        "Чтобы общий региональный тренд не был принят за результат мер, изменение ИОР школ перечня сравнивается "
        "с изменением ИОР похожих школ, не получавших поддержки (сопоставление по ИСБ, численности, типу "
        "местности и прежним результатам; разность разностей с доверительным интервалом).",
    )
    paragraph(d, data.estimate, bold=True)
    if data.figures:
        table(d, ["Величина", "Значение"], data.figures, size=11, numeric=(1,))
    if data.balance:
        table(d, ["Признак", "Поддержанные", "Сопоставленные"], data.balance, size=11, numeric=(1, 2))
    heading(d, "3. Меры и мероприятия")
    if data.measures:
        table(d, ["Мера, мероприятие", "Сроки", "Статус", "Результат"], data.measures, size=10)
    else:
        paragraph(d, "Меры на период не внесены.")
    heading(d, "4. Управленческие решения и их исполнение")
    if data.decisions:
        table(d, ["Документ", "Вид решения", "Исполнение"], data.decisions, size=10)
    else:
        paragraph(d, "Управленческие решения за период не зарегистрированы.")
    heading(d, "5. Адресные рекомендации")
    if data.recommendations:
        table(d, ["Состояние", "Количество"], [(s, str(n)) for s, n in data.recommendations], size=11, numeric=(1,))
    else:
        paragraph(d, "Адресные рекомендации за период не направлялись.")
    heading(d, "6. Выводы")
    for line in (data.conclusion or "Выводы формулирует рабочая группа по итогам рассмотрения отчёта.").splitlines():
        if line.strip():
            paragraph(d, line.strip())
    return to_bytes(d)


def goals_document(region: str, year: int, blocks: Sequence[tuple[str, list[str], list[str], str]]) -> bytes:
    """Goals and tasks of the region and municipalities: (level, goal, tasks, source)."""
    d = new_document()
    paragraph(d, f"Цели и задачи системы работы со ШНОР и ШНСУ на {year} год", bold=True, align="center")
    paragraph(d, region, align="center")
    for level, goal, tasks, source in blocks:
        heading(d, level)
        for line in goal:
            paragraph(d, f"Цель: {line}")
        paragraph(d, "Задачи:", bold=True, align="left", indent=False)
        for i, line in enumerate(tasks, start=1):
            paragraph(d, f"{i}) {line}.")
        if source:
            paragraph(d, f"Источник: {source}.", size=11)
    return to_bytes(d)


def analysis_document(year: int, blocks: Sequence[tuple[str, list[tuple[str, str]], str]]) -> bytes:
    """The year's analysis by act 004 §6's directions: (direction, figures, conclusions)."""
    d = new_document()
    paragraph(d, f"Анализ результатов мониторинга за {year} год", bold=True, align="center")
    for title, figures, text in blocks:
        heading(d, title)
        if figures:
            table(d, ["Показатель", "Значение"], figures, size=11, numeric=(1,))
        for line in (text or "Выводы не сформулированы.").splitlines():
            if line.strip():
                paragraph(d, line.strip())
    return to_bytes(d)


def value_text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{number(value, 1)} %" if unit else number(value)


if __name__ == "__main__":
    import sys

    build_decision_template(Path(sys.argv[1]))
