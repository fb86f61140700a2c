"""The risk-oriented entry monitoring of municipal education bodies (act 001, section 5, item 5.2),
the same for the page, the export, the API and the command line. The criteria, the comparison with
the region and the choice of the municipalities to monitor are in shnor.core.municipal; here their
counts are gathered from the year's official list, its run, the risk profiles, the programmes, the
pairs, the courses and the registry's support structures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import scope_of
from shnor.core import municipal as core
from shnor.core.numbers import percent
from shnor.core.presets import Source
from shnor.identification.labels import group_of
from shnor.identification.models import Run, SchoolResult
from shnor.programmes.models import Programme
from shnor.registry import services as registry
from shnor.registry.models import InfrastructureBody, Municipality
from shnor.risks.models import Profile
from shnor.staff.models import Course, StaffMember
from shnor.support.models import Pairing
from shnor.support.services import official_run

# «утверждённой»: agreed, in force, or completed within the year.
LIVE = (Programme.Status.APPROVED, Programme.Status.IN_FORCE, Programme.Status.COMPLETED)
CATEGORIES = ("low_results", "unfavourable", "both")
RULE = "monitoring.municipal"


@dataclass(frozen=True)
class Monitoring:
    year: int
    run: Run | None
    assessment: core.Assessment
    # The rows the user may see: every municipality for the region, one's own for a municipality.
    rows: list[core.Assessed]
    groups: dict[str, dict[str, int]]  # municipality code → group → listed schools
    source: Source | None
    region_wide: bool

    @property
    def selected(self) -> list[core.Assessed]:
        return [r for r in self.assessment.districts if r.selected]


def allowed(user: Actor) -> bool:
    """The region and a municipality see the monitoring; a school, a curator, a teacher do not."""
    scope = scope_of(user)
    return scope.region_wide or bool(scope.municipality_ids)


def monitoring(user: Actor, year: int) -> Monitoring:
    """The entry monitoring of the year over every municipality of the region (the comparison is
    with the region's shares), shown to the user within their scope."""
    if not allowed(user):
        raise PermissionDenied("Входной мониторинг муниципалитетов доступен региону и муниципалитетам")
    run, listed = official_run(year)
    districts, groups = _districts(run, listed, year)
    rules = registry.preset().monitoring.municipal
    assessment = core.assess(districts, rules)
    scope = scope_of(user)
    own = set(Municipality.objects.filter(pk__in=scope.municipality_ids).values_list("code", flat=True))
    rows = [r for r in assessment.districts if scope.region_wide or r.district.code in own]
    return Monitoring(year, run, assessment, rows, groups, registry.preset().sources.get(RULE), scope.region_wide)


def _districts(
    run: Run | None, listed: dict[int, str], year: int
) -> tuple[list[core.District], dict[str, dict[str, int]]]:
    municipalities = {m.pk: m for m in Municipality.objects.all()}
    results = (
        list(
            SchoolResult.objects.filter(run=run, school__is_active=True)
            .order_by()
            .values_list("school_id", "school__municipality_id", "objectivity_flag", "orders", "group", "category")
        )
        if run
        else []
    )
    home = {pk: m for pk, m, *_ in results}
    # «школ данных категорий»: the listed ШНОР and ШНСУ, not a school listed on another ground.
    kinds = {pk: group_of(group, category) for pk, _m, _b, _o, group, category in results}
    on_list = {pk for pk in listed if pk in home and kinds[pk] in CATEGORIES}
    flagged = _per_school(year, on_list, set(home))
    parts: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    groups: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(m: int, code: str, bad: bool) -> None:
        cell = parts[m][code]
        cell[0] += bad
        cell[1] += 1

    for pk, m, biased, orders, group, category in results:
        count(m, "listed", pk in on_list)
        count(m, "biased", biased)
        count(m, "orders", orders)
        if pk in flagged["profiled"]:
            count(m, "risks", pk in flagged["risks"])
        if pk in on_list:
            groups[municipalities[m].code][group_of(group, category)] += 1
            count(m, "no_programme", pk not in flagged["programme"])
            count(m, "no_curator", pk not in flagged["paired"])
    for school_pk, trained in flagged["teachers"]:
        count(home[school_pk], "untrained", not trained)
    bodies = set(InfrastructureBody.objects.filter(is_active=True).values_list("municipality_id", flat=True))
    roadmaps = set(
        Programme.objects.filter(
            level=Programme.Level.MUNICIPALITY, status__in=LIVE, start__year__lte=year, end__year__gte=year
        ).values_list("municipality_id", flat=True)
    )
    for m in {m for _, m, *_ in results}:
        count(m, "no_body", m not in bodies)
        count(m, "no_municipal_programme", m not in roadmaps)
    districts = [
        core.District(
            code=municipalities[m].code,
            name=municipalities[m].name,
            schools=cells["listed"][1],
            listed=cells["listed"][0],
            counts={code: core.Count(*cell) for code, cell in cells.items()},
        )
        for m, cells in parts.items()
    ]
    return districts, {code: dict(g) for code, g in groups.items()}


def _per_school(year: int, on_list: set[int], assessed: set[int]) -> dict[str, Any]:
    """Which schools have a profile and fixed risks, a programme in force, an approved curator,
    and each listed school's teachers, trained in the year or not."""
    profiles = Profile.objects.filter(year=year, school_id__in=assessed).values_list("school_id", "fixed")
    fixed = dict(profiles)
    programme = set(
        Programme.objects.filter(
            school_id__in=on_list,
            level__in=(Programme.Level.SCHOOL, Programme.Level.ANTI_RISK),
            status__in=LIVE,
            start__year__lte=year,
            end__year__gte=year,
        ).values_list("school_id", flat=True)
    )
    paired = set(
        Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED, school_id__in=on_list).values_list(
            "school_id", flat=True
        )
    )
    staff: dict[int, int] = {}
    for teacher, school in (
        StaffMember.objects.filter(school_id__in=on_list, is_active=True)
        .order_by("school_id", "teacher_id")
        .values_list("teacher_id", "school_id")
    ):
        staff.setdefault(teacher, school)  # a teacher of two listed schools counts once, at the first
    trained = set(Course.objects.filter(teacher_id__in=staff, end__year=year).values_list("teacher_id", flat=True))
    return {
        "profiled": set(fixed),
        "risks": {pk for pk, codes in fixed.items() if codes},
        "programme": programme,
        "paired": paired,
        "teachers": [(school, t in trained) for t, school in staff.items()],
    }


GROUP_TITLES = {"low_results": "ШНОР", "unfavourable": "ШНСУ", "both": "ШНОР и ШНСУ"}


def _cell(count: core.Count | None, criterion: core.Criterion, zone: bool | None) -> dict[str, Any]:
    if count is None or count.share is None:
        return {"text": "—", "zone": None, "hint": "не измерено"}
    if criterion.own:  # the column names what should be there: «нет» is the risk
        return {"text": "нет" if count.part else "есть", "zone": zone, "hint": criterion.title}
    return {
        "text": percent(float(count.share)),
        "zone": zone,
        "hint": f"{count.part} из {count.whole} {criterion.over}",
    }


def _region_cell(count: core.Count, criterion: core.Criterion) -> dict[str, Any]:
    """The region's share; for a state of a municipality itself, how many of them are in it."""
    if criterion.own:
        return {"text": f"нет у {count.part} из {count.whole}", "hint": f"{criterion.title}: муниципалитетов"}
    share = count.share
    return {
        "text": percent(None if share is None else float(share)),
        "hint": f"{count.part} из {count.whole} {criterion.over}",
    }


def _groups(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{GROUP_TITLES[g]} — {n}" for g, n in sorted(counts.items(), key=lambda x: list(GROUP_TITLES).index(x[0]))
    )


def page(m: Monitoring) -> dict[str, Any]:
    """What the page and the export show, in words and Russian numbers."""
    a = m.assessment
    rows = [
        {
            "name": r.district.name,
            "code": r.district.code,
            "schools": r.district.schools,
            "listed": r.district.listed,
            "groups": _groups(m.groups.get(r.district.code, {})),
            "holds": percent(float(r.holds)),
            "selected": r.selected,
            "category": r.category,
            "category_title": core.CATEGORY_TITLES[r.category],
            "in_zone": f"критериев в зоне риска: {r.in_zone} из {r.measured}",
            "cells": [_cell(r.district.counts.get(c.code), c, r.zone.get(c.code)) for c in core.CRITERIA],
        }
        for r in m.rows
    ]
    # A municipality sees its own category and choice, not how many others fall in each.
    shown = a.districts if m.region_wide else m.rows
    categories = dict.fromkeys(core.CATEGORY_TITLES, 0)
    for r in shown:
        categories[r.category] += 1
    held = sum(r.district.listed for r in a.districts if r.selected)
    rules = a.rules
    return {
        "criteria": core.CRITERIA,
        "rows": rows,
        "region": [_region_cell(a.region[c.code], c) for c in core.CRITERIA],
        "schools": sum(r.district.schools for r in a.districts),
        "districts": len(a.districts),
        "selected": len(m.selected),
        "listed": a.listed,
        "held": f"{held} из {a.listed} ({percent(float(a.selected_hold))})",
        "categories": [(core.CATEGORY_TITLES[k], n) for k, n in categories.items() if n],
        "region_wide": m.region_wide,
        "concentration": percent(rules.concentration, 0),
        "high": percent(rules.high, 0),
        "medium": percent(rules.medium, 0),
    }


def export_xlsx(m: Monitoring) -> bytes:
    """The monitoring as a workbook: one row per municipality the user may see, the shares as
    numbers in percent format, then the region's; the criteria and the settings on a second sheet."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from shnor.ingest.workbooks import safe_cell

    book = Workbook()
    sheet = book.active
    sheet.title = "Муниципалитеты"
    header = [
        "Код",
        "Муниципалитет",
        "Школ в расчёте",
        "Школ перечня",
        "Группы",
        "Доля от перечня в целом",
        "К входному мониторингу",
        "Категория риска",
        "Критериев в зоне риска",
        "Измерено критериев",
        *(c.title for c in core.CRITERIA),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    zone_fill = PatternFill("solid", fgColor="F8D7DA")
    for r in m.rows:
        d = r.district
        values: list[Any] = [
            d.code,
            d.name,
            d.schools,
            d.listed,
            _groups(m.groups.get(d.code, {})),
            float(r.holds),
            "да" if r.selected else "нет",
            core.CATEGORY_TITLES[r.category],
            r.in_zone,
            r.measured,
        ]
        for c in core.CRITERIA:
            count = d.counts.get(c.code)
            share = None if count is None else count.share
            values.append(None if share is None else (("да" if share else "нет") if c.own else float(share)))
        sheet.append([safe_cell(v) for v in values])
        row = sheet.max_row
        sheet.cell(row, 6).number_format = "0.0%"
        for i, c in enumerate(core.CRITERIA, start=11):
            sheet.cell(row, i).number_format = "0.0%"
            if r.zone.get(c.code):
                sheet.cell(row, i).fill = zone_fill
    schools = sum(r.district.schools for r in m.assessment.districts)
    region: list[Any] = ["", "В целом", schools, m.assessment.listed, "", None, "", "", None, None]
    for c in core.CRITERIA:
        share = m.assessment.region[c.code].share
        region.append(None if share is None else float(share))  # own states: the share of municipalities
    sheet.append(region)
    for i in range(11, 11 + len(core.CRITERIA)):
        sheet.cell(sheet.max_row, i).number_format = "0.0%"
    sheet.column_dimensions["B"].width = 36
    _criteria_sheet(book, m)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _criteria_sheet(book: Any, m: Monitoring) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet("Критерии")
    rules = m.assessment.rules
    run = f"расчёт № {m.run.pk} за {m.year} год" if m.run else "расчёта нет"
    lines: list[tuple[str, str]] = [
        ("Год", str(m.year)),
        ("Перечень", run),
        (
            "Основание" if m.source and m.source.act else "Настройка оператора",
            (m.source.act or m.source.setting) if m.source else "акт не назван; числа — настройки системы",
        ),
        (
            "Отбор к мониторингу",
            f"наименьшее число муниципалитетов (по убыванию числа школ перечня), в которых вместе "
            f"не менее {percent(rules.concentration, 0)} школ перечня области (настройка оператора)",
        ),
        (
            "Зона риска",
            "доля муниципалитета выше доли в целом; для программы и структуры самого муниципалитета — когда их "
            "нет (настройка оператора)",
        ),
        (
            "Категория риска",
            f"высокий — в зоне риска более {percent(rules.high, 0)} измеренных критериев, средний — не менее "
            f"{percent(rules.medium, 0)}, иначе низкий (настройки оператора)",
        ),
        ("Финансовая отчётность", "в системе не ведётся: критериев по ней нет"),
    ]
    for label, text in lines:
        sheet.append([label, text])
    sheet.append([])
    sheet.append(["Критерий", "Вид отчётности", "Считается по"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for c in core.CRITERIA:
        sheet.append([c.title, c.kind, c.over])
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 60
