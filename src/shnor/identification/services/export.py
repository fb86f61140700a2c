"""The output table of a run (the identification table of docs/guide/identification.md) as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from shnor.accounts.actor import Actor
from shnor.core.identification.identify import OUTPUT_COLUMNS
from shnor.identification.models import Run
from shnor.identification.services.results import results_for
from shnor.ingest.workbooks import safe_cell

COLUMN_TITLES = {
    "school_id": "Код ОО",
    "name": "Наименование ОО",
    "municipality": "Муниципалитет",
    "year": "Отчётный год (окно — этот год и два предыдущих)",
    "ior": "Индекс образовательных результатов (ИОР), больше — лучше",
    "ior_low": "ИОР в «низкой» зоне пресета",
    "isb": "Индекс социального благополучия (ИСБ), больше — благоприятнее",
    "isb_low": "ИСБ в «низкой» зоне пресета",
    "cluster": "Кластер: effective — эффективные, resilient — резильентные, struggling — несправляющиеся, "
    "deprived — депривированные; пусто — недостаточно данных",
    "stable_low": "Низкие результаты в каждом из трёх лет окна",
    "value_added": "Добавленная ценность: результаты выше (+) или ниже (−) ожидаемых при социальном контексте школы",
    "value_added_low": "Нижняя граница 90 % интервала добавленной ценности",
    "value_added_high": "Верхняя граница 90 % интервала добавленной ценности",
    "objectivity_flag": "Признаки необъективных результатов",
    "objectivity_signs": "Коды найденных признаков через «;»",
    "objectivity_z": "Сила свидетельств необъективности (отметка — при силе не ниже порога пресета, 2,58 при доле "
    "ложных отметок 0,5 %, или по признаку, подтверждённому экспертом)",
    "ior_low_probability": "Вероятность, что истинный ИОР школы в «низкой» зоне (по сглаженному ИОР и его ошибке)",
    "isb_se": "Стандартная ошибка ИСБ от случайности долей при численности обучающихся школы",
    "isb_low_probability": "Вероятность, что ИСБ школы без случайности долей не выше порога «низкой» зоны (только от "
    "случайности долей при её численности обучающихся)",
    "isb_missing": "Доли ИСБ, которых нет в записи школы (ИСБ рассчитан по остальным с их весами), через «;»",
    "category": "Категория риск-ориентированного отбора: НР, ССК, НО и их сочетания",
    "selected": "Предложена для включения в программу поддержки",
    "insufficient_data": "Недостаточно результатов для суждения; по одним результатам не отбирается",
    "cluster_municipal": "Кластер школы среди школ её муниципалитета (акт 004, раздел 4: группы определяются и для "
    "каждого муниципального района); пусто — в муниципалитете меньше 4 школ с достаточными данными",
    "group": "Группа отобранной школы: low_results — ШНОР (низкие результаты обучения), unfavourable — ШНСУ "
    "(неблагоприятные социальные условия), both — ШНОР и ШНСУ, other — иное основание пресета; пусто — не отобрана",
}


# The contract's columns, then the extra ones it allows.
EXPORT_COLUMNS = [
    *OUTPUT_COLUMNS,
    "cluster_municipal",
    "ior_low_probability",
    "objectivity_z",
    "isb_se",
    "isb_low_probability",
    "isb_missing",
]


def output_rows(user: Actor, run: Run) -> list[dict[str, Any]]:
    """The contract's output table for the schools the user may see, in registry order."""
    rows = []
    for r in results_for(user, run).order_by("school__municipality__name", "school__name"):
        fixed = {
            "school_id": r.school.school_id,
            "name": r.school.name,
            "municipality": r.school.municipality.name,
            "year": run.year,
        }
        rows.append({c: fixed[c] if c in fixed else getattr(r, c) for c in EXPORT_COLUMNS})
    return rows


def _csv_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def export_csv(rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a header row; booleans `true`/`false`, numbers with a decimal point."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        # Text that a spreadsheet would run as a formula (a name beginning with «=») stays text.
        writer.writerow([safe_cell(row[c]) if isinstance(row[c], str) else _csv_value(row[c]) for c in EXPORT_COLUMNS])
    return out.getvalue().encode("utf-8")


def export_xlsx(rows: list[dict[str, Any]], run: Run) -> bytes:
    """The same table as a workbook, with a sheet that explains every column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "identification"
    sheet.append(EXPORT_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(row[c]) for c in EXPORT_COLUMNS])
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("пояснения")
    notes.append(["Столбец", "Значение"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in EXPORT_COLUMNS:
        notes.append([column, COLUMN_TITLES[column]])
    notes.append([])
    notes.append(["Расчёт", f"№ {run.pk} от {timezone.localtime(run.finished_at or run.created_at):%d.%m.%Y %H:%M}"])
    notes.append(["Пресет", f"{run.preset}, версия {run.preset_version}"])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
