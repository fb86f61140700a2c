"""A run's saved results and their reading: runs, categories, results by school, filters and the scatter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from shnor import failpoints
from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict
from shnor.audit.tracking import record
from shnor.core.identification.fit import Fit
from shnor.core.identification.identify import Outcome
from shnor.identification import labels
from shnor.identification.models import Component, Run, SchoolResult, Sign
from shnor.identification.services.common import fit_summary
from shnor.identification.services.inputs import LISTS, number_or_none
from shnor.registry.models import School

FLOAT_FIELDS = (
    "ior",
    "ior_se",
    "ior_raw",
    "ior_reliability",
    "isb",
    "value_added",
    "value_added_low",
    "value_added_high",
    "objectivity_z",
    "ior_low_probability",
    "isb_se",
    "isb_low_probability",
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
TEXT_FIELDS = ("cluster", "objectivity_signs", "category", "reasons", "group", "cluster_municipal", "isb_missing")


def _result_fields(row: dict[str, Any]) -> dict[str, Any]:
    """One row of the core's table as SchoolResult fields (NaN → None, numpy → Python)."""
    return {
        **{f: number_or_none(row[f]) for f in FLOAT_FIELDS},
        **{f: bool(row[f]) for f in BOOL_FIELDS},
        **{f: int(row[f]) for f in INT_FIELDS},
        **{f: str(row[f]) for f in TEXT_FIELDS},
    }


def save_results(run: Run, outcome: Outcome, fingerprints: dict[str, Any], found: Fit) -> None:
    """Write a run's results, components and signs and mark it done, in one transaction."""
    pks = dict(School.objects.values_list("school_id", "pk"))
    results = _school_results(run, outcome, pks)
    components = component_rows(run.pk, outcome.components, pks)
    signs = _signs(run, outcome, pks)
    with transaction.atomic():
        SchoolResult.objects.bulk_create(results, batch_size=2000)
        failpoints.hit("identify:results-written")
        _insert_components(components)
        Sign.objects.bulk_create(signs, batch_size=5000)
        run.status = Run.Status.DONE
        run.inputs = fingerprints
        run.summary = _json_safe({**outcome.summary, "works": fit_summary(found)["works"]})
        run.finished_at = timezone.now()
        run.message = (
            f"Школ: {len(results)}; предложено к отбору: {outcome.summary['selected']}; "
            f"недостаточно данных: {outcome.summary['insufficient_data']}."
        )
        if run.reviewed_from_id:
            reviews = outcome.summary.get("reviews", {})
            run.message += (
                f" С учётом рассмотрения признаков необъективности по расчёту № {run.reviewed_from_id}: "
                f"подтверждено {reviews.get('confirmed', 0)}, отклонено {reviews.get('rejected', 0)}."
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


def _school_results(run: Run, outcome: Outcome, pks: dict[str, int]) -> list[SchoolResult]:
    per_year: dict[str, list[dict[str, Any]]] = {}
    for row in outcome.per_year.itertuples(index=False):
        per_year.setdefault(row.school_id, []).append(
            {
                "year": int(row.year),
                "ior": number_or_none(row.ior),
                "se": number_or_none(row.ior_se),
                "participants": int(row.participants),
                "low": bool(row.low),
            }
        )
    return [
        SchoolResult(
            run=run,
            school_id=pks[r["school_id"]],
            per_year=per_year.get(r["school_id"], []),
            objectivity_evidence=_json_safe(outcome.evidence.get(r["school_id"], {})),
            **_result_fields(r),
        )
        for r in outcome.table.to_dict("records")
    ]


# A component's columns as saved, in the order `component_rows` gives them.
COMPONENT_COLUMNS = (
    "run_id", "school_id", "year", "procedure", "subject", "grade", "participants",
    "mean", "region_mean", "region_sd", "z", "variance", "weight",
)  # fmt: skip


def component_rows(run_id: int, components: pd.DataFrame, pks: dict[str, int]) -> list[tuple[Any, ...]]:
    """The run's components as rows of plain values (COMPONENT_COLUMNS): a work without a score at
    the school (base maths with marks only) has no mean and no weight, and is not a component; a
    school not in the registry has none either. Built in columns: a region's tens of thousands of
    components as model instances took most of a run's saving."""
    c = components
    if c.empty:
        return []
    keep = c["school_id"].isin(pks.keys()).to_numpy() & (c["weight"] > 0).to_numpy() & np.isfinite(c["z"].to_numpy())
    c = c[keep]
    participants = c["n_scored"] if "n_scored" in c else c["n"]
    columns = [
        [run_id] * len(c),
        c["school_id"].map(pks).astype("int64").tolist(),
        c["year"].astype("int64").tolist(),
        c["procedure"].astype(str).tolist(),
        c["subject"].astype(str).tolist(),
        c["grade"].astype("int64").tolist(),
        participants.astype("int64").tolist(),
        *(c[f].astype(float).tolist() for f in ("mean", "region_mean", "region_sd", "z", "v", "weight")),
    ]
    return list(zip(*columns, strict=True))


def _insert_components(rows: list[tuple[Any, ...]], batch: int = 5000) -> None:
    """Insert the rows by `executemany`, 5 000 at a time, without model instances (bulk_create built
    and compiled each row's fields: 6 of a 3 000-school run's 11 seconds). One prepared statement
    for every row on SQLite; psycopg sends the rows pipelined on PostgreSQL."""
    columns = {f.attname: str(f.column) for f in Component._meta.concrete_fields}
    quote = connection.ops.quote_name
    names = ", ".join(quote(columns[c]) for c in COMPONENT_COLUMNS)
    values = ", ".join(["%s"] * len(COMPONENT_COLUMNS))
    sql = f"INSERT INTO {quote(Component._meta.db_table)} ({names}) VALUES ({values})"  # noqa: S608  the model's own names
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])


def _signs(run: Run, outcome: Outcome, pks: dict[str, int]) -> list[Sign]:
    signs = [
        Sign(
            run=run,
            school_id=pks[s.school_id],
            year=int(s.year),
            code=s.code,
            procedure=_text(s.procedure),
            subject=_text(s.subject),
            grade=None if s.grade is None or (isinstance(s.grade, float) and math.isnan(s.grade)) else int(s.grade),
            value=float(s.value),
            threshold=float(s.threshold),
            reference=float(s.reference),
            evidence=_json_safe(s.evidence),
            severity=s.severity,
            review=getattr(s, "review", "") or Sign.Review.PENDING,
        )
        for s in outcome.signs.itertuples(index=False)
        if s.school_id in pks
    ]
    if run.reviewed_from_id:
        _carry_reviews(run, signs)
    return signs


def _text(value: Any) -> str:
    """A sign's text field: empty for a missing value (None or NaN), never «nan»."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _key(sign: Sign) -> tuple[int, int, str, str, str, int]:
    return (sign.school_id, sign.year, sign.code, sign.procedure, sign.subject, sign.grade or 0)


def _carry_reviews(run: Run, signs: list[Sign]) -> None:
    """A sign a person reviewed in the earlier run keeps who decided, when and why."""
    earlier = {_key(s): s for s in Sign.objects.filter(run=run.reviewed_from).exclude(review=Sign.Review.PENDING)}
    for sign in signs:
        source = earlier.get(_key(sign))
        if source is not None and sign.review != Sign.Review.PENDING:
            sign.review_note = source.review_note
            sign.reviewed_by_id = source.reviewed_by_id
            sign.reviewed_at = source.reviewed_at


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):
        return _json_safe(value.item())
    return value


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

    return list(LISTS.get(("categories", run.pk), distinct))


def results_for(user: Actor, run: Run) -> QuerySet[SchoolResult]:
    qs = SchoolResult.objects.filter(run=run).select_related("school", "school__municipality")
    return restrict(qs, user)


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
    group: str = "",
    cluster_municipal: str = "",
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
    if group:
        qs = qs.filter(group=group)
    if cluster_municipal:
        qs = qs.filter(cluster_municipal=cluster_municipal)
    for field, value in (("selected", selected), ("objectivity_flag", objectivity), ("stable_low", stable_low)):
        if value is not None:
            qs = qs.filter(**{field: value})
    return qs


def scatter(user: Actor, run: Run) -> dict[str, Any]:
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
                "low_probability": None if r.ior_low_probability is None else round(r.ior_low_probability, 3),
                "isb_low_probability": None if r.isb_low_probability is None else round(r.isb_low_probability, 3),
                "uncertain": r.cluster_uncertain,
            }
        )
    coefficients = (run.summary.get("value_added") or {}).get("coefficients") or {}
    return {
        "points": points,
        "ior_threshold": run.summary.get("ior_threshold"),
        "isb_threshold": run.summary.get("isb_threshold"),
        "line": {"const": coefficients.get("const"), "isb": coefficients.get("isb")},
    }


def place(result: SchoolResult) -> list[tuple[str, int, int]]:
    """A school's place by ИОР among the run's schools with an index, in the region and in its
    municipality: (where, place counted from the lowest, of how many). Counts only, never whose."""
    if result.ior is None:
        return []
    out = []
    scored = SchoolResult.objects.filter(run_id=result.run_id, ior__isnull=False)
    for where, rows in (
        ("в регионе", scored),
        ("в муниципалитете", scored.filter(school__municipality_id=result.school.municipality_id)),
    ):
        out.append((where, rows.filter(ior__lt=result.ior).count() + 1, rows.count()))
    return out
