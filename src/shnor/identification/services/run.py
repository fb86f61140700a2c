"""A run: started with the preset in force, executed by the worker (or the command line), recovered after a crash."""

from __future__ import annotations

import os
import socket
from typing import Any

import pandas as pd
from django.conf import settings
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.services import account, require
from shnor.audit.context import Acting, acting_as
from shnor.audit.tracking import record
from shnor.core.identification import aggregate
from shnor.core.identification.fit import Fit, fit
from shnor.core.identification.identify import Inputs, identify
from shnor.core.identification.objectivity import REVIEW_KEY
from shnor.core.methodology import DEFAULT_MIN_TEST_SCORES, Methodology
from shnor.engine import engines
from shnor.identification import labels
from shnor.identification.models import Run, Sign
from shnor.identification.services.common import ENGINES, IdentificationRefused, Progress, fit_summary, store
from shnor.identification.services.inputs import input_fingerprints, school_tables
from shnor.identification.services.parameters import journal_changes
from shnor.identification.services.results import save_results
from shnor.registry import services as registry


def start(
    user: Actor,
    year: int,
    *,
    engine: str = "",
    channel: str = "web",
    queue: bool = True,
    reviewed_from: Run | None = None,
) -> Run:
    """Record a run for `year` with the data folder's preset and queue it for the worker (or leave
    it for the caller to `execute`, as the command line does to show its progress).

    With `reviewed_from`, the run applies people's reviews of that run's signs of biased results: a
    rejected sign counts for nothing, a confirmed one flags the school on its own; the flag, the
    down-weighting in ИОР, the category and the list follow (docs/methodology.md, section 7)."""
    require(user, Perm.RUN_IDENTIFICATION)
    reviews = reviews_of(reviewed_from) if reviewed_from is not None else []
    if reviewed_from is not None:
        if reviewed_from.status != Run.Status.DONE:
            raise IdentificationRefused("Учесть рассмотрение признаков можно только у выполненного расчёта.")
        if reviewed_from.is_approved:
            raise IdentificationRefused(
                f"Перечень расчёта № {reviewed_from.pk} уже утверждён: пересчёт с учётом признаков меняет "
                "только неутверждённый перечень; новый перечень утверждается новым решением по новому расчёту."
            )
        if not reviews:
            raise IdentificationRefused(
                f"В расчёте № {reviewed_from.pk} нет рассмотренных признаков: подтвердите или отклоните признаки "
                "на карточках школ, затем пересчитайте."
            )
        if year != reviewed_from.year:
            raise IdentificationRefused(
                f"Расчёт № {reviewed_from.pk} выполнен за {reviewed_from.year} год: пересчёт с учётом его признаков "
                f"возможен только за тот же год, а не за {year}."
            )
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
        reviewed_from=reviewed_from,
        reviews=reviews,
    )
    journal_changes(run)  # the operator's change of a setting is journalled where it takes effect
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
            inputs.reviews = pd.DataFrame(run.reviews, columns=[*REVIEW_KEY, "review"])
            found = fit(inputs.works, run.year, methodology)
            if not found.fits:
                # Before computing: without any work of the preset every school would come out
                # «недостаточно данных» and the run would look done.
                return _fail(run, unfit_message(run.preset, found), summary=fit_summary(found))
            step(70, "Расчёт индексов и признаков")
            outcome = identify(inputs, run.year, methodology)
            step(85, "Сохранение результатов")
            save_results(run, outcome, fingerprints, found)
            step(100, "Готово")
        except Exception as error:
            _fail(run, f"Расчёт прерван внутренней ошибкой: {type(error).__name__}: {error}")
            raise
    run.refresh_from_db()
    return run


def reviews_of(run: Run) -> list[dict[str, Any]]:
    """The reviewed signs of a run as the core matches them (objectivity.REVIEW_KEY + review)."""
    return [
        {
            "school_id": school_id,
            "year": year,
            "code": code,
            "procedure": procedure,
            "subject": subject,
            "grade": grade or 0,
            "review": review,
        }
        for school_id, year, code, procedure, subject, grade, review in Sign.objects.filter(run=run)
        .exclude(review=Sign.Review.PENDING)
        .order_by("pk")
        .values_list("school__school_id", "year", "code", "procedure", "subject", "grade", "review")
    ]


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
    cross = (
        aggregate.base_profile(
            results, years, methodology.min_test_scores.get("math_prof", DEFAULT_MIN_TEST_SCORES["math_prof"])
        )
        if "base_profile" in methodology.objectivity.signs and the_store.row_count("results")
        else pd.DataFrame()
    )
    if step:
        step(55, "Социальные данные и сигналы надзора")
    schools, social, oversight = school_tables()
    fingerprints = input_fingerprints(the_store, schools, social, oversight, years)
    inputs = Inputs(
        schools=schools, works=works, social=social, oversight=oversight, heaping=heaps, tasks=tasks, cross=cross
    )
    return inputs, fingerprints
