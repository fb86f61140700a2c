"""Effectiveness of the measures (act 004 §10), estimated from the identification runs: the schools
on the approved list of the start year are the supported ones; their ИОР of the start year is
«before», their ИОР in the later run is «after»; the unsupported schools of the region are the
pool of controls, matched on ИСБ, size and the ИОР of the year before the start, within the same
locality (shnor.core.effect).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import require
from shnor.core.effect import EffectError, Estimate, Unit, did
from shnor.core.numbers import number
from shnor.cycle import indicators
from shnor.cycle import services as cycle
from shnor.cycle.models import Conclusion
from shnor.documents import cycle as documents
from shnor.identification.models import SchoolResult
from shnor.records import services as records
from shnor.records.models import Document
from shnor.records.services import authority, store_document
from shnor.registry.models import School
from shnor.registry.services import region_name

COVARIATES = ("ИСБ", "численность обучающихся (логарифм)", "ИОР года до начала мер")

__all__ = ["COVARIATES", "Analysis", "EffectError", "analyse", "report", "report_bytes", "verdict"]


@dataclass
class Analysis:
    start: int
    end: int
    estimate: Estimate
    names: dict[str, str]  # school code → name

    def match_rows(self) -> list[dict[str, Any]]:
        """The comparison pairs with the schools' names (codes where a school has left the registry)."""
        name = self.names.get
        return [
            {
                "treated": name(m.treated, m.treated),
                "controls": [name(c, c) for c in m.controls],
                "change": m.change,
                "control_change": m.control_change,
                "difference": m.difference,
            }
            for m in self.estimate.matches
        ]

    def balance(self) -> list[tuple[str, float, float]]:
        return list(zip(COVARIATES, self.estimate.balance_before, self.estimate.balance_after, strict=True))


def analyse(user: Actor, start: int, end: int, k: int = 3, level: float = 0.9) -> Analysis:
    """Matched difference in differences of ИОР between `start` (the list's year) and `end`."""
    from shnor.support.services import official_run

    if end <= start:
        raise EffectError(f"Год «после» ({end}) должен быть позже года начала мер ({start}).")
    run_start, listed = official_run(start)
    run_end, _ = official_run(end)
    if run_start is None or not listed:
        raise EffectError(f"Нет утверждённого списка школ за {start} год: не с чем сравнивать.")
    if run_end is None:
        raise EffectError(f"Нет расчёта идентификации за {end} год: результатов «после» ещё нет.")
    schools = {s.pk: s for s in restrict(School.objects.filter(is_active=True), user)}
    before = {r.school_id: r for r in SchoolResult.objects.filter(run=run_start, school_id__in=schools)}
    after = dict(SchoolResult.objects.filter(run=run_end, school_id__in=schools).values_list("school_id", "per_year"))
    units: list[Unit] = []
    for pk, r in before.items():
        window = {int(y["year"]): y.get("ior") for y in r.per_year}
        later = {int(y["year"]): y.get("ior") for y in after.get(pk, [])}
        b, a, prior = window.get(start), later.get(end), window.get(start - 1, window.get(start))
        if b is None or a is None or r.isb is None or prior is None:
            continue  # not measured in both years: neither supported nor control
        school = schools[pk]
        units.append(
            Unit(
                school.school_id,
                pk in listed,
                float(b),
                float(a),
                (float(r.isb), math.log(school.enrollment + 1), float(prior)),
                school.locality,
            )
        )
    estimate = did(units, k=k, level=level)
    return Analysis(start, end, estimate, {s.school_id: s.name for s in schools.values()})


def verdict(analysis: Analysis) -> str:
    e = analysis.estimate
    interval = (
        f"{number(e.effect, 3)} ({int(round(e.level * 100))} % интервал {number(e.low, 3)} … {number(e.high, 3)})"
    )
    if e.significant and e.effect > 0:
        return f"Эффект мер положителен: ИОР поддержанных школ вырос относительно похожих школ на {interval}."
    if e.significant:
        return f"ИОР поддержанных школ снизился относительно похожих школ: {interval}."
    return (
        f"Эффект мер не доказан: разность {interval}; интервал включает ноль, и изменение поддержанных школ "
        "не отличается от изменения похожих школ."
    )


def report_bytes(
    user: Actor, start: int, end: int, on: dt.date | None = None, rows: list[tuple[Any, Any]] | None = None
) -> bytes:
    """The report for the working group (act 004 §10): indicators' dynamics, measures, decisions
    and their execution, recommendations, and the matched comparison (or why it is not possible)."""

    p = cycle.preset()
    rows = rows if rows is not None else indicators.dashboard(user, end)  # the caller's, when it has them
    years = sorted({y for _v, trend in rows for y, _ in trend})
    table = []
    for value, trend in rows:
        by_year = dict(trend)
        table.append(
            (
                value.number or "—",
                value.title,
                [documents.value_text(by_year.get(y), value.unit) for y in years],
                documents.value_text(value.target, value.unit),
                value.status_title,
            )
        )
    figures: list[tuple[str, str]] = []
    balance: list[tuple[str, str, str]] = []
    try:
        analysis = analyse(user, start, end)
        estimate = verdict(analysis)
        e = analysis.estimate
        figures = [
            ("Поддержанных школ в сравнении", str(e.treated)),
            ("Похожих неподдержанных школ (контроль)", str(e.controls)),
            ("Изменение ИОР поддержанных школ", number(e.change_treated, 3)),
            ("Изменение ИОР контрольных школ (общий тренд)", number(e.change_controls, 3)),
            ("Оценка эффекта (разность разностей)", number(e.effect, 3)),
            ("Границы интервала", f"{number(e.low, 3)} … {number(e.high, 3)}"),
            ("Школы без пары для сравнения", str(len(e.unmatched))),
        ]
        balance = [(name, number(b, 2), number(a, 2)) for name, b, a in analysis.balance()]
    except EffectError as problem:
        estimate = f"Сравнение с похожими школами не выполнено: {problem}"
    period = range(start, end + 1)
    measures = [
        (
            m.title,
            f"{m.start:%d.%m.%Y} — {m.end:%d.%m.%Y}",
            m.get_status_display() + (" (просрочено)" if m.is_overdue(on) else ""),
            m.result,
        )
        for m in cycle.measures(user).filter(year__in=period).order_by("start", "pk")
    ]
    decisions = [
        (str(d), d.get_kind_display(), d.execution_status(on) + (f": {d.execution}" if d.execution else ""))
        for d in records.decisions(user).filter(date__year__in=period).order_by("date", "pk")
    ]
    recs = cycle.recommendations(user).filter(year__in=period)
    counts = [(label, recs.filter(status=code).count()) for code, label in recs.model.Status.choices]
    conclusion = (
        cycle.conclusions(user, end).filter(direction=Conclusion.Direction.ASSISTANCE, municipality=None).first()
    )
    return documents.effect_report(
        documents.EffectData(
            authority=authority(p),
            region=region_name(),
            start=start,
            end=end,
            date=on or cycle.today(),
            indicators=table,
            years=years,
            estimate=estimate,
            figures=figures,
            balance=balance,
            measures=measures,
            decisions=decisions,
            recommendations=[(label, n) for label, n in counts if n],
            conclusion=conclusion.text if conclusion else "",
        )
    )


def report(user: Actor, start: int, end: int) -> Document:
    """Generate the report and keep it (a document of the year `end`)."""

    require(user, Perm.MANAGE_CYCLE)
    if end < start:
        raise EffectError(f"Год окончания ({end}) раньше года начала ({start}).")
    content = report_bytes(user, start, end)
    return store_document(
        Document.Kind.EFFECT_REPORT,
        f"Отчёт об эффективности принятых мер за {start}–{end} годы",
        content,
        f"effect-report-{start}-{end}.docx",
        user,
        year=end,
    )
