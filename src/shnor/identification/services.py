"""The identification use case, the same for the web page, the API and the CLI.

start        — check the permission, record a run, queue it (or run it at once)
execute      — gather the inputs, run the methodology (shnor.core.identification), save
export       — the contract's output table as CSV or XLSX
results_for  — a run's school rows the user may see
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import require
from shnor.audit.context import Actor, acting_as
from shnor.audit.tracking import record
from shnor.core.identification import aggregate
from shnor.core.identification.identify import OUTPUT_COLUMNS, Inputs, Outcome, identify, window
from shnor.core.methodology import Methodology
from shnor.core.presets import Preset, load
from shnor.datasets.models import OversightSignal, SocialRecord
from shnor.engine.store import Store
from shnor.identification.models import Component, Run, SchoolResult, Sign
from shnor.ingest.workbooks import safe_cell
from shnor.registry.models import School

Progress = Callable[[int, str], None]
ENGINES = ("duckdb", "spark")

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
    "category": "Категория риск-ориентированного отбора: НР, ССК, НО и их сочетания",
    "selected": "Предложена для включения в программу поддержки",
    "insufficient_data": "Недостаточно результатов для суждения; по одним результатам не отбирается",
}


class IdentificationRefused(Exception):
    """The run cannot start; the message says why, in Russian."""


def store() -> Store:
    return Store(settings.SHNOR_STORE_DIR)


def current_preset() -> tuple[Preset, str]:
    path = settings.DATA_DIR / "preset.yaml"
    if path.exists():
        return load(str(path))
    from shnor.registry.models import Region

    region = Region.objects.first()
    return load(region.preset if region and region.preset else "volgograd-2021")


def start(user: Any, year: int, *, engine: str = "duckdb", channel: str = "web", queue: bool = True) -> Run:
    """Record a run for `year` with the data folder's preset and queue it for the worker (or leave
    it for the caller to `execute`, as the command line does to show its progress)."""
    require(user, Perm.RUN_IDENTIFICATION)
    if engine not in ENGINES:
        raise IdentificationRefused(f"Неизвестный вычислитель «{engine}»: допустимы {', '.join(ENGINES)}.")
    if engine == "spark":
        raise IdentificationRefused(
            "Вычислитель Spark пока не подключён (задача о масштабировании): используйте duckdb."
        )
    if not 1990 <= year <= 2100:
        raise IdentificationRefused(f"Год {year} вне допустимого диапазона 1990–2100.")
    preset, text = current_preset()
    run = Run.objects.create(
        year=year,
        preset=preset.name,
        preset_version=preset.version,
        preset_text=text,
        methodology=preset.methodology.model_dump(mode="json"),
        engine=engine,
        channel=channel,
        created_by=user if getattr(user, "pk", None) else None,
    )
    if not queue:
        return run
    from shnor.identification.tasks import run_identification

    run_identification.enqueue(run.pk)
    return run


def execute(run_id: int, progress: Progress | None = None) -> Run:
    """Compute one run and save its results in one transaction. Never leaves a half-saved run."""
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
        status=Run.Status.RUNNING, started_at=timezone.now()
    )
    run = Run.objects.select_related("created_by").get(pk=run_id)
    if not claimed:
        return run  # already taken by another worker, or finished

    def step(percent: int, stage: str) -> None:
        Run.objects.filter(pk=run.pk).update(progress=percent, stage=stage)
        if progress:
            progress(percent, stage)

    actor = Actor(run.created_by, run.channel, label=f"идентификация № {run.pk}")
    with acting_as(actor):
        try:
            methodology = Methodology.model_validate(run.methodology)
            step(5, "Сбор данных")
            inputs, fingerprints = gather(run.year, methodology, step)
            if inputs.works.empty:
                return _fail(
                    run,
                    f"Нет результатов оценочных процедур за {', '.join(map(str, window(run.year, methodology)))} годы.",
                )
            step(70, "Расчёт индексов и признаков")
            outcome = identify(inputs, run.year, methodology)
            step(85, "Сохранение результатов")
            _save(run, outcome, fingerprints)
            step(100, "Готово")
        except Exception as error:
            _fail(run, f"Расчёт прерван внутренней ошибкой: {type(error).__name__}: {error}")
            raise
    run.refresh_from_db()
    return run


def _fail(run: Run, message: str) -> Run:
    run.status = Run.Status.FAILED
    run.message = message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "message", "finished_at"])
    return run


def gather(year: int, methodology: Methodology, step: Progress | None = None) -> tuple[Inputs, dict[str, Any]]:
    """The inputs of a run: registry, aggregates of the columnar store, social data and oversight."""
    the_store = store()
    con = ibis.duckdb.connect()
    years = list(range(year - methodology.window - 1, year + 1))
    results = the_store.table("results", con)
    school_level = the_store.table("results_schools", con) if the_store.row_count("results_schools") else None
    works = aggregate.works(results, years, methodology.min_test_scores, methodology.objectivity.ege_high, school_level)
    if step:
        step(35, "Агрегирование результатов по школам")
    heaps = aggregate.heaping(results, years, ["VPR", "OGE"]) if the_store.row_count("results") else pd.DataFrame()
    tasks = (
        aggregate.tasks(the_store.table("results_tasks", con), years)
        if the_store.row_count("results_tasks")
        else pd.DataFrame()
    )
    if step:
        step(55, "Социальные данные и сигналы надзора")
    schools = pd.DataFrame(
        list(School.objects.filter(is_active=True).values("school_id", "name", "municipality__name", "locality")),
        columns=["school_id", "name", "municipality__name", "locality"],
    ).rename(columns={"municipality__name": "municipality"})
    social_fields = ["year", "school__school_id", *(c for c in _social_columns())]
    social = pd.DataFrame(list(SocialRecord.objects.values(*social_fields)), columns=social_fields).rename(
        columns={"school__school_id": "school_id"}
    )
    oversight = pd.DataFrame(
        list(OversightSignal.objects.values("year", "school__school_id", "kind", "count")),
        columns=["year", "school__school_id", "kind", "count"],
    ).rename(columns={"school__school_id": "school_id"})
    fingerprints = {
        "store": {t: the_store.manifest(t).version for t in ("results", "results_schools", "results_tasks")},
        "schools": _digest(schools),
        "social": _digest(social),
        "oversight": _digest(oversight),
        "years": years,
    }
    inputs = Inputs(schools=schools, works=works, social=social, oversight=oversight, heaping=heaps, tasks=tasks)
    return inputs, fingerprints


def _social_columns() -> list[str]:
    from shnor.core.methodology import SOCIAL_COLUMNS

    return ["students", *SOCIAL_COLUMNS]


def _digest(frame: pd.DataFrame) -> str:
    ordered = frame.sort_values(list(frame.columns)).reset_index(drop=True) if not frame.empty else frame
    return hashlib.sha256(ordered.to_csv(index=False).encode("utf-8")).hexdigest()


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _save(run: Run, outcome: Outcome, fingerprints: dict[str, Any]) -> None:
    pks = dict(School.objects.values_list("school_id", "pk"))
    per_year: dict[str, list[dict[str, Any]]] = {}
    for row in outcome.per_year.itertuples(index=False):
        per_year.setdefault(row.school_id, []).append(
            {
                "year": int(row.year),
                "ior": _num(row.ior),
                "se": _num(row.ior_se),
                "participants": int(row.participants),
                "low": bool(row.low),
            }
        )
    results = [
        SchoolResult(
            run=run,
            school_id=pks[r.school_id],
            ior=_num(r.ior),
            ior_se=_num(r.ior_se),
            ior_raw=_num(r.ior_raw),
            ior_reliability=_num(r.ior_reliability),
            ior_low=bool(r.ior_low),
            isb=_num(r.isb),
            isb_low=bool(r.isb_low),
            isb_components=int(r.isb_components),
            cluster=r.cluster,
            stable_low=bool(r.stable_low),
            value_added=_num(r.value_added),
            value_added_low=_num(r.value_added_low),
            value_added_high=_num(r.value_added_high),
            value_added_negative=bool(r.value_added_negative),
            value_added_positive=bool(r.value_added_positive),
            objectivity_flag=bool(r.objectivity_flag),
            objectivity_signs=r.objectivity_signs,
            federal_risk=bool(r.federal_risk),
            orders=bool(r.orders),
            complaints=bool(r.complaints),
            category=r.category,
            selected=bool(r.selected),
            reasons=r.reasons,
            insufficient_data=bool(r.insufficient_data),
            participants=int(r.participants),
            components=int(r.components),
            per_year=per_year.get(r.school_id, []),
        )
        for r in outcome.table.itertuples(index=False)
    ]
    components = [
        Component(
            run=run,
            school_id=pks[c.school_id],
            year=int(c.year),
            procedure=c.procedure,
            subject=c.subject,
            grade=int(c.grade),
            participants=int(c.n),
            mean=float(c.mean),
            region_mean=float(c.region_mean),
            region_sd=float(c.region_sd),
            z=float(c.z),
            variance=float(c.v),
            weight=float(c.weight),
        )
        for c in outcome.components.itertuples(index=False)
        if c.school_id in pks and c.weight > 0
    ]
    signs = [
        Sign(
            run=run,
            school_id=pks[s.school_id],
            year=int(s.year),
            code=s.code,
            procedure=s.procedure or "",
            subject=s.subject or "",
            grade=None if s.grade is None or (isinstance(s.grade, float) and math.isnan(s.grade)) else int(s.grade),
            value=float(s.value),
            threshold=float(s.threshold),
            reference=float(s.reference),
            evidence=_json_safe(s.evidence),
            severity=s.severity,
        )
        for s in outcome.signs.itertuples(index=False)
        if s.school_id in pks
    ]
    with transaction.atomic():
        SchoolResult.objects.bulk_create(results, batch_size=2000)
        Component.objects.bulk_create(components, batch_size=5000)
        Sign.objects.bulk_create(signs, batch_size=5000)
        run.status = Run.Status.DONE
        run.inputs = fingerprints
        run.summary = _json_safe(outcome.summary)
        run.finished_at = timezone.now()
        run.message = (
            f"Школ: {len(results)}; предложено к отбору: {outcome.summary['selected']}; "
            f"недостаточно данных: {outcome.summary['insufficient_data']}."
        )
        run.save(update_fields=["status", "inputs", "summary", "finished_at", "message"])
        record(
            run,
            "identify",
            {"year": run.year, "preset": f"{run.preset} {run.preset_version}", "selected": outcome.summary["selected"]},
        )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return _json_safe(value.item())
    return value


# --- reading --------------------------------------------------------------------------------------


def runs() -> QuerySet[Run]:
    return Run.objects.select_related("created_by")


def get_run(pk: int) -> Run:
    return Run.objects.get(pk=pk)


def latest_run(year: int | None = None) -> Run | None:
    qs = Run.objects.filter(status=Run.Status.DONE)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-finished_at", "-pk").first()


def results_for(user: Any, run: Run) -> QuerySet[SchoolResult]:
    qs = SchoolResult.objects.filter(run=run).select_related("school", "school__municipality")
    return restrict(qs, user)


def output_rows(user: Any, run: Run) -> list[dict[str, Any]]:
    """The contract's output table for the schools the user may see, in registry order."""
    rows = []
    for r in results_for(user, run).order_by("school__municipality__name", "school__name"):
        rows.append(
            {
                "school_id": r.school.school_id,
                "name": r.school.name,
                "municipality": r.school.municipality.name,
                "year": run.year,
                "ior": r.ior,
                "ior_low": r.ior_low,
                "isb": r.isb,
                "isb_low": r.isb_low,
                "cluster": r.cluster,
                "stable_low": r.stable_low,
                "value_added": r.value_added,
                "value_added_low": r.value_added_low,
                "value_added_high": r.value_added_high,
                "objectivity_flag": r.objectivity_flag,
                "objectivity_signs": r.objectivity_signs,
                "category": r.category,
                "selected": r.selected,
                "insufficient_data": r.insufficient_data,
            }
        )
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
    writer.writerow(OUTPUT_COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(row[c]) for c in OUTPUT_COLUMNS])
    return out.getvalue().encode("utf-8")


def export_xlsx(rows: list[dict[str, Any]], run: Run) -> bytes:
    """The same table as a workbook, with a sheet that explains every column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "identification"
    sheet.append(OUTPUT_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(row[c]) for c in OUTPUT_COLUMNS])
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("пояснения")
    notes.append(["Столбец", "Значение"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in OUTPUT_COLUMNS:
        notes.append([column, COLUMN_TITLES[column]])
    notes.append([])
    notes.append(["Расчёт", f"№ {run.pk} от {timezone.localtime(run.finished_at or run.created_at):%d.%m.%Y %H:%M}"])
    notes.append(["Пресет", f"{run.preset}, версия {run.preset_version}"])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- pages ---------------------------------------------------------------------------------------


def filter_results(
    qs: QuerySet[SchoolResult],
    *,
    q: str = "",
    municipality: int | None = None,
    cluster: str = "",
    category: str = "",
    selected: bool | None = None,
    objectivity: bool | None = None,
    stable_low: bool | None = None,
) -> QuerySet[SchoolResult]:
    if q:
        qs = qs.filter(Q(school__name__icontains=q) | Q(school__school_id__icontains=q))
    if municipality:
        qs = qs.filter(school__municipality_id=municipality)
    if cluster == "none":
        qs = qs.filter(cluster="")
    elif cluster:
        qs = qs.filter(cluster=cluster)
    if category:
        qs = qs.filter(category=category)
    for field, value in (("selected", selected), ("objectivity_flag", objectivity), ("stable_low", stable_low)):
        if value is not None:
            qs = qs.filter(**{field: value})
    return qs


@dataclass
class Evidence:
    result: SchoolResult
    components: list[Component]
    signs: list[Sign]
    history: list[SchoolResult]


def evidence(user: Any, run: Run, school_pk: int) -> Evidence:
    """Everything behind one school's row: raises SchoolResult.DoesNotExist outside the user's scope."""
    result = results_for(user, run).get(school_id=school_pk)
    components = list(
        Component.objects.filter(run=run, school_id=school_pk).order_by("procedure", "subject", "grade", "year")
    )
    signs = list(
        Sign.objects.filter(run=run, school_id=school_pk).select_related("reviewed_by").order_by("year", "code")
    )
    history = list(
        SchoolResult.objects.filter(school_id=school_pk, run__status=Run.Status.DONE)
        .select_related("run")
        .order_by("-run__year", "-run__finished_at")[:10]
    )
    return Evidence(result, components, signs, history)


def review_sign(user: Any, sign: Sign, review: str, note: str = "") -> Sign:
    """A person confirms or rejects a sign; the decision is kept on the sign and in the audit."""
    require(user, Perm.REVIEW_SIGNS)
    if review not in (Sign.Review.CONFIRMED, Sign.Review.REJECTED):
        raise IdentificationRefused("Решение по признаку: «подтвердить» или «отклонить».")
    before = sign.review
    sign.review = review
    sign.review_note = note
    sign.reviewed_by = user if getattr(user, "pk", None) else None
    sign.reviewed_at = timezone.now()
    sign.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    record(sign, "review", {"review": [before, review], "note": note})
    return sign


def scatter(user: Any, run: Run) -> dict[str, Any]:
    """Points of the ИОР × ИСБ chart (the user's schools), the cut-offs and the value-added line."""
    points = []
    for r in results_for(user, run).exclude(ior=None).exclude(isb=None):
        assert r.ior is not None and r.isb is not None
        points.append(
            {
                "id": r.school_id,
                "name": r.school.name,
                "x": round(r.isb, 4),
                "y": round(r.ior, 4),
                "cluster": r.cluster,
                "selected": r.selected,
            }
        )
    coefficients = (run.summary.get("value_added") or {}).get("coefficients") or {}
    return {
        "points": points,
        "ior_threshold": run.summary.get("ior_threshold"),
        "isb_threshold": run.summary.get("isb_threshold"),
        "line": {"const": coefficients.get("const"), "isb": coefficients.get("isb")},
    }
