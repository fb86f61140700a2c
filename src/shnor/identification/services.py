"""The identification use case, the same for the web page, the API and the CLI.

start        — check the permission, record a run, queue it (or run it at once)
execute      — gather the inputs, run the methodology (shnor.core.identification), save
export       — the contract's output table as CSV or XLSX
results_for  — a run's school rows the user may see
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from shnor import failpoints
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account, require
from shnor.audit.context import Acting, acting_as
from shnor.audit.tracking import record
from shnor.core.errors import DomainRefusal
from shnor.core.identification import aggregate
from shnor.core.identification.fit import Fit, fit
from shnor.core.identification.identify import OUTPUT_COLUMNS, Inputs, Outcome, identify
from shnor.core.methodology import Methodology
from shnor.core.presets import Preset, load_text
from shnor.datasets.models import OversightSignal, SocialRecord
from shnor.documents import identification as documents
from shnor.documents.charts import scatter_png
from shnor.documents.identification import ListedSchool, NoteData, OrderData
from shnor.engine import engines
from shnor.engine.store import Store
from shnor.identification import labels
from shnor.identification.models import Component, ListChange, Run, SchoolResult, Sign
from shnor.ingest.workbooks import safe_cell
from shnor.lib.memo import Memo
from shnor.records.models import Decision, Document
from shnor.records.services import authority, keeping, store_document
from shnor.registry import services as registry
from shnor.registry.models import School

Progress = Callable[[int, str], None]
ENGINES = engines.ENGINES

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


class IdentificationRefused(DomainRefusal):
    """The run cannot start; the message says why, in Russian."""


def store() -> Store:
    return Store(settings.SHNOR_STORE_DIR)


def start(user: Any, year: int, *, engine: str = "", channel: str = "web", queue: bool = True) -> Run:
    """Record a run for `year` with the data folder's preset and queue it for the worker (or leave
    it for the caller to `execute`, as the command line does to show its progress)."""
    require(user, Perm.RUN_IDENTIFICATION)
    engine = engine or settings.SHNOR_ENGINE
    if engine not in ENGINES:
        raise IdentificationRefused(f"Неизвестный вычислитель «{engine}»: допустимы {', '.join(ENGINES)}.")
    if engine == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise IdentificationRefused(
                "Вычислитель Spark не установлен на сервере: pip install 'shnor[spark]' и Java 17 "
                "(apt-get install default-jre-headless); либо выберите duckdb."
            ) from None
    if not 1990 <= year <= 2100:
        raise IdentificationRefused(f"Год {year} вне допустимого диапазона 1990–2100.")
    preset, text = registry.preset_in_force()
    run = Run.objects.create(
        year=year,
        preset=preset.name,
        preset_version=preset.version,
        preset_text=text,
        methodology=preset.methodology.model_dump(mode="json"),
        engine=engine,
        channel=channel,
        created_by=account(user),
    )
    if not queue:
        return run
    from shnor.identification.tasks import run_identification

    run_identification.enqueue(run.pk)
    return run


def execute(run_id: int, progress: Progress | None = None) -> Run:
    """Compute one run and save its results in one transaction. Never leaves a half-saved run."""
    recover()
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
        status=Run.Status.RUNNING, started_at=timezone.now(), worker=_worker()
    )
    run = Run.objects.select_related("created_by").get(pk=run_id)
    if not claimed:
        return run  # already taken by another worker, or finished

    def step(percent: int, stage: str) -> None:
        Run.objects.filter(pk=run.pk).update(progress=percent, stage=stage)
        if progress:
            progress(percent, stage)

    actor = Acting(run.created_by, run.channel, label=f"идентификация № {run.pk}")
    with acting_as(actor):
        try:
            methodology = Methodology.model_validate(run.methodology)
            step(5, "Сбор данных")
            inputs, fingerprints = gather(run.year, methodology, step, engine=run.engine)
            found = fit(inputs.works, run.year, methodology)
            if not found.fits:
                # Before computing: without any work of the preset every school would come out
                # «недостаточно данных» and the run would look done.
                return _fail(run, unfit_message(run.preset, found), summary=_fit_summary(found))
            step(70, "Расчёт индексов и признаков")
            outcome = identify(inputs, run.year, methodology)
            step(85, "Сохранение результатов")
            _save(run, outcome, fingerprints, found)
            step(100, "Готово")
        except Exception as error:
            _fail(run, f"Расчёт прерван внутренней ошибкой: {type(error).__name__}: {error}")
            raise
    run.refresh_from_db()
    return run


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return True


def recover() -> int:
    """Runs left «running» by a process of this machine that is gone (killed, the server restarted)
    are marked failed with the reason; their results were never committed, so nothing is to undo.
    A new run redoes the work. Runs of other machines are left to those machines."""
    host = socket.gethostname()
    lost = []
    for run in Run.objects.filter(status=Run.Status.RUNNING).only("pk", "worker"):
        name, _, pid = run.worker.rpartition(":")
        if name == host and pid.isdigit() and not _alive(int(pid)):
            lost.append(run.pk)
    if lost:
        Run.objects.filter(pk__in=lost, status=Run.Status.RUNNING).update(
            status=Run.Status.FAILED,
            finished_at=timezone.now(),
            message="Расчёт прерван: процесс, который его выполнял, остановлен. Результаты не сохранены; "
            "запустите расчёт снова.",
        )
    return len(lost)


def _fail(run: Run, message: str, summary: dict[str, Any] | None = None) -> Run:
    run.status = Run.Status.FAILED
    run.message = message
    run.finished_at = timezone.now()
    fields = ["status", "message", "finished_at"]
    if summary is not None:
        run.summary = summary
        fields.append("summary")
    run.save(update_fields=fields)
    record(run, "identify", {"year": run.year, "status": "failed", "message": message[:500]})
    return run


def unfit_message(preset: str, found: Fit) -> str:
    """Why a run cannot use the loaded data: the preset's works, the window, what the data hold
    instead and what to do (Russian, one paragraph: the run's message on every channel)."""
    window_text = labels.years(found.years)
    if not found.data:
        loaded = sorted(set(store().years("results")) | set(store().years("results_schools")))
        elsewhere = f"результаты загружены за {labels.years(loaded)}" if loaded else "результаты ещё не загружены"
        return (
            f"Нет результатов оценочных процедур за {window_text}: ни одна работа ИОР пресета «{preset}» "
            f"не найдена, данных о результатах за эти годы нет ({elsewhere}). Загрузите результаты за эти "
            "годы или укажите отчётный год, за который они есть."
        )
    schools = dict(found.data)
    return (
        f"Ни одна работа ИОР пресета «{preset}» ({labels.works(found.components)}) не найдена в загруженных "
        f"данных за {window_text}. Найдено за эти годы: {labels.works([w for w, _ in found.data], schools)}. "
        "Загрузите результаты работ пресета за эти годы или выберите пресет, который соответствует данным "
        "(shnor init --preset …)."
    )


def _fit_summary(found: Fit) -> dict[str, Any]:
    """What a run's summary keeps of the check (the API's clients read it; the run's page lists
    the missing works)."""
    return {
        "window": found.years,
        "works": {
            "components": len(found.components),
            "found": len(found.found),
            "missing": [labels.work(*w) for w in found.missing],
            "data": [{"procedure": p, "subject": s, "grade": g, "schools": n} for (p, s, g), n in found.data],
        },
    }


def gather(
    year: int, methodology: Methodology, step: Progress | None = None, engine: str = "duckdb"
) -> tuple[Inputs, dict[str, Any]]:
    """The inputs of a run: registry, aggregates of the columnar store (on DuckDB or Spark), social
    data and oversight."""
    the_store = store()
    con = engines.connect(engine)
    years = list(range(year - methodology.window - 1, year + 1))
    results = the_store.table("results", con)
    school_level = the_store.table("results_schools", con) if the_store.row_count("results_schools") else None
    works, heaps = aggregate.works_and_heaping(
        results, years, methodology.min_test_scores, methodology.objectivity.ege_high, school_level
    )
    if step:
        step(35, "Агрегирование результатов по школам")
    if not the_store.row_count("results"):
        heaps = pd.DataFrame()
    tasks = (
        aggregate.tasks(the_store.table("results_tasks", con), years)
        if the_store.row_count("results_tasks")
        else pd.DataFrame()
    )
    if step:
        step(55, "Социальные данные и сигналы надзора")
    schools, social, oversight = _school_tables()
    fingerprints = _fingerprints(the_store, schools, social, oversight, years)
    inputs = Inputs(schools=schools, works=works, social=social, oversight=oversight, heaping=heaps, tasks=tasks)
    return inputs, fingerprints


def _school_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The registry, social data and oversight signals as the core takes them."""
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
    return schools, social, oversight


def _fingerprints(
    the_store: Store, schools: pd.DataFrame, social: pd.DataFrame, oversight: pd.DataFrame, years: list[int]
) -> dict[str, Any]:
    return {
        "store": {t: the_store.manifest(t).version for t in ("results", "results_schools", "results_tasks")},
        "schools": _digest(schools),
        "social": _digest(social),
        "oversight": _digest(oversight),
        "years": years,
    }


# Read by most pages, kept in memory until the data change: the list of a run (indicators,
# recommendations, the network; 4,000 listed schools of a country: 50 ms a page otherwise) and the
# digests of the registry and social data a run's page compares with the run's own.
_LISTS = Memo(size=16)


INPUT_TITLES = {
    "results": "результаты обучающихся",
    "results_schools": "результаты по школам",
    "results_tasks": "результаты по заданиям",
    "schools": "реестр школ",
    "social": "социальные данные",
    "oversight": "сигналы надзора",
}


def input_changes(run: Run) -> list[str]:
    """Which inputs differ from those the run used (Russian names). Empty: a new run with the same
    preset gives the same results, because the computation is deterministic."""
    if not run.inputs:
        return []
    the_store = store()
    versions = {t: the_store.manifest(t).version for t in run.inputs.get("store", {})}
    changed = [t for t, version in run.inputs.get("store", {}).items() if versions.get(t) != version]
    # Digests of the registry, social data and oversight: a read and a hash of every school's rows,
    # done once per data version, not on every view of a run's page.
    now = _LISTS.get(("input_digests",), _database_digests)
    changed += [k for k in ("schools", "social", "oversight") if now[k] != run.inputs.get(k)]
    return [INPUT_TITLES[k] for k in changed]


def _database_digests() -> dict[str, str]:
    schools, social, oversight = _school_tables()
    return {"schools": _digest(schools), "social": _digest(social), "oversight": _digest(oversight)}


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


FLOAT_FIELDS = (
    "ior",
    "ior_se",
    "ior_raw",
    "ior_reliability",
    "isb",
    "value_added",
    "value_added_low",
    "value_added_high",
)
BOOL_FIELDS = (
    "ior_low",
    "isb_low",
    "stable_low",
    "value_added_negative",
    "value_added_positive",
    "objectivity_flag",
    "federal_risk",
    "orders",
    "complaints",
    "selected",
    "insufficient_data",
)
INT_FIELDS = ("isb_components", "participants", "components")
TEXT_FIELDS = ("cluster", "objectivity_signs", "category", "reasons")


def _result_fields(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the core's table as SchoolResult fields (NaN → None, numpy → Python)."""
    return {
        **{f: _num(row[f]) for f in FLOAT_FIELDS},
        **{f: bool(row[f]) for f in BOOL_FIELDS},
        **{f: int(row[f]) for f in INT_FIELDS},
        **{f: str(row[f]) for f in TEXT_FIELDS},
    }


def _save(run: Run, outcome: Outcome, fingerprints: dict[str, Any], found: Fit) -> None:
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
            run=run, school_id=pks[r["school_id"]], per_year=per_year.get(r["school_id"], []), **_result_fields(r)
        )
        for r in outcome.table.to_dict("records")
    ]
    components = [
        Component(
            run=run,
            school_id=pks[c.school_id],
            year=int(c.year),
            procedure=c.procedure,
            subject=c.subject,
            grade=int(c.grade),
            participants=int(getattr(c, "n_scored", c.n)),
            mean=float(c.mean),
            region_mean=float(c.region_mean),
            region_sd=float(c.region_sd),
            z=float(c.z),
            variance=float(c.v),
            weight=float(c.weight),
        )
        for c in outcome.components.itertuples(index=False)
        # A work without a score at the school (base maths with marks only) has no mean: not a component.
        if c.school_id in pks and c.weight > 0 and math.isfinite(c.z)
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
        failpoints.hit("identify:results-written")
        Component.objects.bulk_create(components, batch_size=5000)
        Sign.objects.bulk_create(signs, batch_size=5000)
        run.status = Run.Status.DONE
        run.inputs = fingerprints
        run.summary = _json_safe({**outcome.summary, "works": _fit_summary(found)["works"]})
        run.finished_at = timezone.now()
        run.message = (
            f"Школ: {len(results)}; предложено к отбору: {outcome.summary['selected']}; "
            f"недостаточно данных: {outcome.summary['insufficient_data']}."
        )
        if found.missing:
            run.message += (
                f" Из {len(found.components)} работ ИОР пресета в данных за {labels.years(found.years)} "
                f"найдено: {len(found.found)}; остальные в индекс не вошли."
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


def categories(run: Run) -> list[str]:
    """The categories a run gave (the filter's choices; the words of a fixed vocabulary): a scan
    of the run's results, 14 ms at 40,000 schools, so kept until the data change."""

    def distinct() -> list[str]:
        found = SchoolResult.objects.filter(run=run).order_by().values_list("category", flat=True).distinct()
        return sorted(c for c in found if c)

    return list(_LISTS.get(("categories", run.pk), distinct))


def results_for(user: Any, run: Run) -> QuerySet[SchoolResult]:
    qs = SchoolResult.objects.filter(run=run).select_related("school", "school__municipality")
    return restrict(qs, user)


def output_rows(user: Any, run: Run) -> list[dict[str, Any]]:
    """The contract's output table for the schools the user may see, in registry order."""
    rows = []
    for r in results_for(user, run).order_by("school__municipality__name", "school__name"):
        fixed = {
            "school_id": r.school.school_id,
            "name": r.school.name,
            "municipality": r.school.municipality.name,
            "year": run.year,
        }
        rows.append({c: fixed[c] if c in fixed else getattr(r, c) for c in OUTPUT_COLUMNS})
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
        # Text that a spreadsheet would run as a formula (a name beginning with «=») stays text.
        writer.writerow([safe_cell(row[c]) if isinstance(row[c], str) else _csv_value(row[c]) for c in OUTPUT_COLUMNS])
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


def sign_to_review(user: Any, run_pk: int, sign_pk: int) -> Sign:
    """The sign a person is about to review: refused without the right before the form is read,
    and not found outside the person's scope."""
    require(user, Perm.REVIEW_SIGNS)
    sign = Sign.objects.select_related("run").get(pk=sign_pk, run_id=run_pk)
    if not results_for(user, sign.run).filter(school_id=sign.school_id).exists():
        raise Sign.DoesNotExist
    return sign


def review_sign(user: Any, sign: Sign, review: str, note: str = "") -> Sign:
    """A person confirms or rejects a sign; the decision is kept on the sign and in the audit."""
    if not results_for(user, sign.run).filter(school_id=sign.school_id).exists():
        raise SchoolResult.DoesNotExist  # outside the user's scope: as if it did not exist
    require(user, Perm.REVIEW_SIGNS)
    if review not in (Sign.Review.CONFIRMED, Sign.Review.REJECTED):
        raise IdentificationRefused("Решение по признаку: «подтвердить» или «отклонить».")
    before = sign.review
    sign.review = review
    sign.review_note = note
    sign.reviewed_by = account(user)
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


# --- the list and its approval ------------------------------------------------------------------


def final_list(run: Run) -> dict[int, str]:
    """School pk → reason, for the list as it stands: the proposed schools, then every person's
    change in order (the latest change of a school wins)."""
    return dict(_LISTS.get(("final_list", run.pk), lambda: _final_list(run)))


def _final_list(run: Run) -> dict[int, str]:
    listed = {
        pk: labels.reasons(reasons)
        for pk, reasons in SchoolResult.objects.filter(run=run, selected=True).values_list("school_id", "reasons")
    }
    for change in ListChange.objects.filter(run=run).order_by("created_at", "pk"):
        if change.action == ListChange.Action.ADD:
            listed[change.school_id] = f"включена решением: {change.reason}"
        else:
            listed.pop(change.school_id, None)
    return listed


def is_approved(run: Run) -> bool:
    return run.decisions.exists()


def change_list(user: Any, run: Run, school_pk: int, action: str, reason: str) -> ListChange:
    """Add a school to the proposed list or remove one, with the reason; only before approval."""
    require(user, Perm.RUN_IDENTIFICATION)
    if run.status != Run.Status.DONE:
        raise IdentificationRefused("Перечень можно менять только у выполненного расчёта.")
    if is_approved(run):
        raise IdentificationRefused("Перечень уже утверждён: изменения вносятся новым решением.")
    if not reason.strip():
        raise IdentificationRefused("Укажите основание изменения перечня.")
    if not SchoolResult.objects.filter(run=run, school_id=school_pk).exists():
        raise IdentificationRefused("Этой школы нет в расчёте.")
    listed = final_list(run)
    if action == ListChange.Action.ADD and school_pk in listed:
        raise IdentificationRefused("Школа уже в перечне.")
    if action == ListChange.Action.REMOVE and school_pk not in listed:
        raise IdentificationRefused("Школы нет в перечне.")
    if action not in (ListChange.Action.ADD, ListChange.Action.REMOVE):
        raise IdentificationRefused("Действие: «включить» или «исключить».")
    change = ListChange.objects.create(
        run=run,
        school_id=school_pk,
        action=action,
        reason=reason.strip(),
        created_by=account(user),
    )
    record(change, "create", {"action": [None, action], "reason": [None, reason.strip()]})
    return change


def approve(user: Any, run: Run, *, number: str, date: dt.date, signatory: str = "") -> Decision:
    """Approve the list: an organising management decision with the order and the analytical
    note as DOCX documents. All or nothing: a failure leaves no decision and no files."""
    require(user, Perm.APPROVE)
    if run.status != Run.Status.DONE:
        raise IdentificationRefused("Утвердить можно только выполненный расчёт.")
    if not number.strip():
        raise IdentificationRefused("Укажите номер приказа.")
    listed = final_list(run)
    if not listed:
        raise IdentificationRefused("Перечень пуст: утверждать нечего.")
    preset = load_text(run.preset_text)
    issuer = authority(preset)
    schools = {s.pk: s for s in School.objects.filter(pk__in=listed).select_related("municipality")}
    results = {r.school_id: r for r in SchoolResult.objects.filter(run=run, school_id__in=listed)}
    entries = [
        ListedSchool(
            municipality=schools[pk].municipality.name,
            school_id=schools[pk].school_id,
            name=schools[pk].name,
            cluster=labels.CLUSTERS[results[pk].cluster],
            category=results[pk].category,
            reasons=reason,
        )
        for pk, reason in listed.items()
    ]
    title = f"Об утверждении перечня школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, на {run.year}–{run.year + 1} учебный год"
    order_bytes = documents.order(
        OrderData(
            authority=issuer,
            number=number.strip(),
            date=date,
            year=run.year,
            basis=preset.title,
            schools=entries,
            signatory=signatory,
        )
    )
    note_bytes = documents.analytic_note(note_data(run, issuer, preset, selected=len(listed)))
    with keeping():  # the decision, its documents and their files, or none of them
        Run.objects.select_for_update().filter(pk=run.pk).first()  # one approval at a time
        if is_approved(run):
            raise IdentificationRefused("Перечень уже утверждён.")
        decision = Decision.objects.create(
            kind=Decision.Kind.ORGANISING,
            title=title,
            number=number.strip(),
            date=date,
            basis=f"{run}: {run.message}",
            identification_run=run,
            created_by=account(user),
        )
        decision.schools.set(listed)
        for kind, name, data in (
            (Document.Kind.ORDER, f"Приказ № {number.strip()} от {date:%d.%m.%Y}", order_bytes),
            (
                Document.Kind.ANALYTIC_NOTE,
                f"Аналитическая справка по итогам идентификации за {run.year} год",
                note_bytes,
            ),
        ):
            store_document(kind, name, data, f"{kind}-{run.year}-{decision.pk}.docx", user, decision=decision)
        record(decision, "approve", {"run": run.pk, "schools": len(listed), "number": number.strip()})
    return decision


def note_data(run: Run, authority: str, preset: Preset, selected: int) -> NoteData:
    """The analytical note's figures, from the run (region-wide: the note is the region's);
    `selected` is the length of the list as approved."""
    summary = run.summary
    methodology = Methodology.model_validate(run.methodology)
    rows = SchoolResult.objects.filter(run=run).select_related("school__municipality")
    by_municipality: dict[str, list[int]] = {}
    points = []
    for r in rows:
        counts = by_municipality.setdefault(r.school.municipality.name, [0, 0, 0, 0, 0, 0])
        counts[0] += 1
        counts[1] += int(r.selected)
        for i, code in enumerate(("effective", "resilient", "struggling", "deprived"), start=2):
            counts[i] += int(r.cluster == code)
        if r.ior is not None and r.isb is not None:
            points.append((r.isb, r.ior, r.cluster))
    signs = (
        Sign.objects.filter(run=run)
        .values("code")
        .annotate(n=Count("pk"), schools=Count("school", distinct=True))
        .order_by("-n")
    )
    coefficients = (summary.get("value_added") or {}).get("coefficients") or {}
    line = (coefficients["const"], coefficients["isb"]) if "const" in coefficients and "isb" in coefficients else None
    changes = [
        (c.school.name, c.get_action_display(), c.reason)
        for c in ListChange.objects.filter(run=run).select_related("school").order_by("created_at")
    ]
    return NoteData(
        authority=authority,
        region=preset.region,
        year=run.year,
        window=list(summary.get("window", [])),
        run_number=run.pk,
        run_date=timezone.localtime(run.finished_at or run.created_at).date(),
        preset_title=preset.title,
        preset_version=preset.version,
        components=[labels.work(*c.key) for c in methodology.components],
        social_parts=[SOCIAL_TITLES.get(p.column, p.column) for p in methodology.social],
        schools_total=int(summary.get("schools", 0)),
        selected=selected,
        insufficient=int(summary.get("insufficient_data", 0)),
        ior_threshold=summary.get("ior_threshold"),
        isb_threshold=summary.get("isb_threshold"),
        alpha=summary.get("isb_alpha"),
        value_added=coefficients,
        r2=(summary.get("value_added") or {}).get("r2"),
        clusters=summary.get("clusters", {}),
        combinations=summary.get("combinations", []),
        municipalities=[(name, *counts) for name, counts in sorted(by_municipality.items())],  # type: ignore[misc]
        signs=[(labels.SIGNS.get(s["code"], s["code"]), s["n"], s["schools"]) for s in signs],
        changes=changes,
        chart_png=scatter_png(points, summary.get("ior_threshold"), summary.get("isb_threshold"), line)
        if points
        else None,
    )


SOCIAL_TITLES = {
    "share_parents_no_higher_ed": "доля обучающихся из семей, где оба родителя не имеют высшего образования",
    "share_unemployed_parents": "доля обучающихся из семей, где единственный или оба родителя безработные",
    "share_on_register": "доля обучающихся, состоящих на внутришкольном и других видах учёта",
    "share_disabilities": "доля обучающихся с ОВЗ",
    "share_non_native": "доля обучающихся, для которых русский язык не родной",
    "share_low_income": "доля обучающихся из малообеспеченных семей",
    "share_single_parent": "доля обучающихся из неполных семей",
    "share_large_families": "доля обучающихся из многодетных семей",
}


# --- sensitivity and comparison ------------------------------------------------------------------


@dataclass
class SensitivityRow:
    ior_shift: float
    isb_shift: float
    ior_cutoff: str
    isb_cutoff: str
    selected: int
    added: list[SchoolResult]
    removed: list[SchoolResult]
    added_total: int
    removed_total: int


def sensitivity(user: Any, run: Run, shift: float = 0.05) -> list[SensitivityRow]:
    """The run's selection with the cut-offs moved by ± `shift`. The cut-offs are the region's,
    so every school of the run takes part; the lists name only the schools the user may see."""
    from shnor.core.identification.sensitivity import sensitivity as scenarios

    rows = list(SchoolResult.objects.filter(run=run).select_related("school", "school__municipality"))
    by_id = {r.school.school_id: r for r in rows}
    base = pd.DataFrame(
        {
            "ior": [r.ior for r in rows],
            "isb": [r.isb for r in rows],
            "insufficient_data": [r.insufficient_data for r in rows],
            "federal_risk": [r.federal_risk for r in rows],
            "objectivity_flag": [r.objectivity_flag for r in rows],
            "value_added_negative": [r.value_added_negative for r in rows],
            "orders": [r.orders for r in rows],
            "complaints": [r.complaints for r in rows],
        },
        index=pd.Index([r.school.school_id for r in rows], name="school_id"),
        dtype=object,
    ).astype({"ior": float, "isb": float})
    per_year = pd.DataFrame(
        [{"school_id": r.school.school_id, "year": y["year"], "ior": y["ior"]} for r in rows for y in r.per_year],
        columns=["school_id", "year", "ior"],
    ).astype({"ior": float})
    visible = set(results_for(user, run).values_list("school__school_id", flat=True))
    methodology = Methodology.model_validate(run.methodology)
    out = []
    for s in scenarios(base, per_year, list(run.summary.get("window", [])), methodology, shift):
        out.append(
            SensitivityRow(
                ior_shift=s.ior_shift,
                isb_shift=s.isb_shift,
                ior_cutoff=_cutoff_text(s.ior_cutoff),
                isb_cutoff=_cutoff_text(s.isb_cutoff),
                selected=s.selected,
                added=[by_id[i] for i in s.added if i in visible],
                removed=[by_id[i] for i in s.removed if i in visible],
                added_total=len(s.added),
                removed_total=len(s.removed),
            )
        )
    return out


def _cutoff_text(cutoff: Any) -> str:
    if cutoff.kind == "quantile":
        return f"{round(100 * cutoff.value)} % школ"
    return f"не выше {cutoff.value:.3f}".replace(".", ",")


@dataclass
class Comparison:
    first: Run
    second: Run
    rows: list[dict[str, Any]]
    entered: int
    left: int
    stayed: int
    transitions: dict[str, dict[str, int]]


def compare(user: Any, first: Run, second: Run) -> Comparison:
    """Two runs school by school: the list each proposed, the cluster and ИОР in each."""
    a = {r.school_id: r for r in results_for(user, first)}
    b = {r.school_id: r for r in results_for(user, second)}
    rows = []
    codes = ["effective", "resilient", "struggling", "deprived", ""]
    transitions = {x: dict.fromkeys(codes, 0) for x in codes}
    for pk in sorted(
        set(a) | set(b), key=lambda k: ((a.get(k) or b[k]).school.municipality.name, (a.get(k) or b[k]).school.name)
    ):
        ra, rb = a.get(pk), b.get(pk)
        if ra is not None and rb is not None:
            transitions[ra.cluster][rb.cluster] += 1
        rows.append(
            {
                "school": (ra or rb).school,  # type: ignore[union-attr]
                "first": ra,
                "second": rb,
                "change": _change(ra, rb),
            }
        )
    return Comparison(
        first=first,
        second=second,
        rows=rows,
        entered=sum(1 for r in rows if r["change"] == "entered"),
        left=sum(1 for r in rows if r["change"] == "left"),
        stayed=sum(1 for r in rows if r["change"] == "stayed"),
        transitions=transitions,
    )


def _change(first: SchoolResult | None, second: SchoolResult | None) -> str:
    was = bool(first and first.selected)
    now = bool(second and second.selected)
    if was and now:
        return "stayed"
    if now:
        return "entered"
    if was:
        return "left"
    return ""
