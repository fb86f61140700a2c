"""Student-level results → school-level aggregates, as Ibis expressions (DuckDB or Spark).

This is the only part of the identification that touches student-level data; everything after
it works on a few rows per school. Each function takes Ibis tables in the contract's shapes and
returns a pandas DataFrame:

* `works`: one row per year × procedure × subject × grade × school with the pupils, the mean
  score and the within-school sum of squares (for pupil standard deviations), the marks, the
  pairs of ВПР mark and term mark, the pupils below the minimum threshold and above `ege_high`;
* `heaping`: pupils exactly at each mark cut-off of a work and one point below it;
* `tasks`: solve rates per task (task-level data, when there is any).

The score of a pupil is the test score where the work has one (ЕГЭ) and the primary score otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis import _

WORK = ["year", "procedure", "subject", "grade"]
KEYS = [*WORK, "school_id"]
WORK_COLUMNS = [
    *KEYS,
    "n",
    "mean",
    "within_ss",
    "n_scored",
    "n_marked",
    "n2",
    "n3",
    "n4",
    "n5",
    "pairs",
    "raised",
    "lowered",
    "q_vpr",
    "q_journal",
    "q_pairs",  # pupils behind q_vpr and q_journal: `pairs` for pupil rows, all participants for school rows
    "below_min",
    "n_test",
    "high",
    "source",
]


def _to_pandas(expr: ibis.Table) -> pd.DataFrame:
    """Ibis's public way: the result as Arrow, then pandas (Ibis's own `to_pandas` converts column
    by column in Python: 3.5 s of the 4.8 s for 1.4 M groups of a country)."""
    frame: pd.DataFrame = expr.to_pyarrow().to_pandas()
    return frame


# How an expression is run and brought back: the engine that made the connection hands in its own
# way when it is imported (shnor.engine.engines.execute: Spark needs its session's Arrow path).
_execute: Callable[[ibis.Table], pd.DataFrame] = _to_pandas


def executed_by(execute: Callable[[ibis.Table], pd.DataFrame]) -> None:
    global _execute
    _execute = execute


def works(
    results: ibis.Table,
    years: Sequence[int],
    min_test_scores: Mapping[str, float],
    ege_high: float = 75.0,
    school_level: ibis.Table | None = None,
) -> pd.DataFrame:
    """Aggregates of every work in `years`; school-level rows fill in where no pupil rows exist."""
    return _finish(_pupil_works(results, years, min_test_scores, ege_high), years, school_level)


def _pupil_works(
    results: ibis.Table,
    years: Sequence[int],
    min_test_scores: Mapping[str, float],
    ege_high: float,
    cuts: bool = False,
) -> pd.DataFrame:
    """The GROUP BY over pupil rows; with `cuts`, also each group's lowest primary score of every
    mark (c3, c4, c5), from which the work's cut-offs follow without another pass over the data."""
    r = results.filter(results.year.isin(list(years)))
    score = ibis.coalesce(r.test_score, r.primary_score)
    minimum = ibis.cases(*[(r.subject == s, v) for s, v in min_test_scores.items()], else_=ibis.null("float64"))
    below = (r.mark == 2) | (r.test_score.notnull() & (r.test_score < minimum))
    both = r.mark.notnull() & r.journal_mark.notnull()
    r = r.mutate(score=score, below=below.fill_null(False), both=both)
    extra = _lowest_of_each_mark() if cuts else {}
    # Conditional counts as COUNT(*) FILTER (WHERE …): on DuckDB 1.6 times faster than SUM(CAST(…)).
    agg = (
        r.group_by(KEYS)
        .aggregate(
            n=_.count(),
            n_scored=_.count(where=_.score.notnull()),
            mean=_.score.mean(),
            sumsq=(_.score * _.score).sum(),
            n_marked=_.count(where=_.mark.notnull()),
            n2=_.count(where=_.mark == 2),
            n3=_.count(where=_.mark == 3),
            n4=_.count(where=_.mark == 4),
            n5=_.count(where=_.mark == 5),
            pairs=_.count(where=_.both),
            raised=_.count(where=_.both & (_.mark > _.journal_mark)),
            lowered=_.count(where=_.both & (_.mark < _.journal_mark)),
            q_vpr=_.count(where=_.both & (_.mark >= 4)),
            q_journal=_.count(where=_.both & (_.journal_mark >= 4)),
            below_min=_.count(where=_.below),
            n_test=_.count(where=_.test_score.notnull()),
            high=_.count(where=_.test_score >= ege_high),
            **extra,
        )
        .order_by(KEYS)
    )
    frame = _execute(agg)
    # The mean and its sums of squares are over the pupils with a score: a base-maths row may carry
    # the mark alone (it counts in the marks, not in the mean).
    frame["within_ss"] = (frame["sumsq"] - frame["n_scored"] * frame["mean"] ** 2).clip(lower=0.0)
    frame["q_pairs"] = frame["pairs"]
    frame["source"] = "pupils"
    return frame.drop(columns=["sumsq"])


def _finish(frame: pd.DataFrame, years: Sequence[int], school_level: ibis.Table | None) -> pd.DataFrame:
    """Pupil aggregates plus the school-level rows, in the contract's columns and types."""
    if school_level is not None:
        frame = pd.concat([frame, _school_level(school_level, years, frame)], ignore_index=True)
    for column in WORK_COLUMNS:
        if column not in frame:
            frame[column] = np.nan
    counts = WORK_COLUMNS[WORK_COLUMNS.index("n_marked") : -1]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    # School-level rows: the mean is over all participants.
    frame["n_scored"] = frame["n_scored"].fillna(frame["n"].where(frame["mean"].notna(), 0)).astype("int64")
    frame["n"] = frame["n"].astype("int64")
    frame["year"] = frame["year"].astype("int64")
    frame["grade"] = frame["grade"].astype("int64")
    if school_level is None:
        return frame[WORK_COLUMNS]  # the engine ordered it
    return frame[WORK_COLUMNS].sort_values(KEYS, ignore_index=True)


def works_and_heaping(
    results: ibis.Table,
    years: Sequence[int],
    min_test_scores: Mapping[str, float],
    ege_high: float = 75.0,
    school_level: ibis.Table | None = None,
    procedures: Sequence[str] = ("VPR", "OGE"),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both aggregates of a run in two passes over the pupil rows. The first (the works) also finds
    each work's cut-offs; the second joins them, one row per cut-off score, so that the hash join
    itself drops the pupils away from a cut-off. At 40 M rows this took heaping from 5.7 s (its own
    pass for the cut-offs and a join of all three side by side) to about 1.5 s."""
    pupils = _pupil_works(results, years, min_test_scores, ege_high, cuts=True)
    cuts = pupils.loc[pupils["procedure"].isin(list(procedures)), [*WORK, "c3", "c4", "c5"]]  # not every column
    mins = cuts.groupby(WORK, as_index=False)[["c3", "c4", "c5"]].min()
    heaps = _heaping_at(results, years, procedures, mins)
    return _finish(pupils.drop(columns=["c3", "c4", "c5"]), years, school_level), heaps


BASE_PROFILE_COLUMNS = ["school_id", "year", "n_both", "n_inverted"]


def base_profile(results: ibis.Table, years: Sequence[int], profile_minimum: float) -> pd.DataFrame:
    """Act 003: pupils who wrote ЕГЭ mathematics at both levels in a year, per school, and those of
    them who failed the base level (mark «2») yet passed the profile one (test score at or above its
    minimum) — «выпускников, не сдавших ЕГЭ по математике на базовом уровне, но сдавшим его на
    профильном уровне»."""
    r = results.filter(results.year.isin(list(years)) & (results.procedure == "EGE"))
    keys = ["school_id", "year", "student_key"]
    base = r.filter(r.subject == "math_base").select(*keys, failed=(r.mark == 2).fill_null(False))
    prof = r.filter(r.subject == "math_prof")
    prof = prof.select(*keys, passed=(prof.test_score >= profile_minimum).fill_null(False))
    both = base.join(prof, keys)
    agg = (
        both.group_by(["school_id", "year"])
        .aggregate(n_both=_.count(), n_inverted=_.count(where=_.failed & _.passed))
        .order_by(["school_id", "year"])
    )
    frame = _execute(agg)
    if frame.empty:
        return pd.DataFrame(columns=BASE_PROFILE_COLUMNS)
    return frame.astype({"year": "int64", "n_both": "int64", "n_inverted": "int64"})[BASE_PROFILE_COLUMNS]


def _school_level(table: ibis.Table, years: Sequence[int], pupils: pd.DataFrame) -> pd.DataFrame:
    """Rows of `results_schools` for works and schools that have no pupil-level rows."""
    frame = _execute(table.filter(table.year.isin(list(years))))
    if frame.empty:
        return frame
    if not pupils.empty:
        have = pd.MultiIndex.from_frame(pupils[KEYS])
        frame = frame[~pd.MultiIndex.from_frame(frame[KEYS]).isin(have)]
    n = frame["participants"].astype("int64")
    out = frame[KEYS].copy()
    out["n"] = n
    out["mean"] = frame["mean_score"].astype(float)
    out["within_ss"] = np.nan
    marks = [f"share_{k}" for k in (2, 3, 4, 5)]
    if set(marks) <= set(frame.columns) and frame[marks].notna().all(axis=None):
        for k in (2, 3, 4, 5):
            out[f"n{k}"] = (frame[f"share_{k}"] * n).round()
        out["n_marked"] = out[["n2", "n3", "n4", "n5"]].sum(axis=1)
    # Act 003: quality (marks «4» and «5») by term marks against quality by ВПР, from the shares a
    # region sends when it has no pupil rows.
    quality = ["share_4", "share_5", "journal_share_4", "journal_share_5"]
    if set(quality) <= set(frame.columns):
        known = frame[quality].notna().all(axis=1)
        out["q_vpr"] = ((frame["share_4"] + frame["share_5"]) * n).round().where(known)
        out["q_journal"] = ((frame["journal_share_4"] + frame["journal_share_5"]) * n).round().where(known)
        out["q_pairs"] = n.where(known)
    below = frame.get("share_below_min")
    if below is not None and below.notna().any():
        out["below_min"] = (below.fillna(0) * n).round()
    elif "share_2" in frame:
        out["below_min"] = (frame["share_2"].fillna(0) * n).round()
    out["source"] = "schools"
    return out


def heaping(results: ibis.Table, years: Sequence[int], procedures: Sequence[str]) -> pd.DataFrame:
    """Pupils at each mark cut-off (the lowest primary score the region marked «3», «4», «5») and
    one point below it, per school and work."""
    r = results.filter(results.year.isin(list(years)) & results.procedure.isin(list(procedures)))
    mins = _execute(r.group_by(WORK).aggregate(**_lowest_of_each_mark()))
    return _heaping_at(results, years, procedures, mins)


def _lowest_of_each_mark() -> dict[str, Any]:
    """c3, c4, c5: the lowest primary score marked «3», «4», «5» (a work's cut-offs, over its groups)."""
    return {f"c{k}": _.primary_score.min(where=_.mark == k) for k in (3, 4, 5)}


def cut_scores(mins: pd.DataFrame) -> pd.DataFrame:
    """Each work's cut-offs (`c3`, `c4`, `c5`) as one row per score that matters: `at` a cut-off,
    `below` one (one point under it); a score can be both (at «4» and one under «5»)."""
    at = mins.melt(id_vars=WORK, value_vars=["c3", "c4", "c5"], value_name="primary_score").dropna(
        subset=["primary_score"]
    )
    below = at.assign(primary_score=at["primary_score"] - 1)
    both = pd.concat([at.assign(at=True, below=False), below.assign(at=False, below=True)], ignore_index=True)
    return both.groupby([*WORK, "primary_score"], as_index=False)[["at", "below"]].any()


def _heaping_at(
    results: ibis.Table, years: Sequence[int], procedures: Sequence[str], mins: pd.DataFrame
) -> pd.DataFrame:
    scores = cut_scores(mins)
    if scores.empty:
        return pd.DataFrame({**{k: pd.Series(dtype="int64") for k in KEYS}, "at_cut": [], "below_cut": []}).astype(
            {"procedure": "str", "subject": "str", "school_id": "str", "at_cut": "int64", "below_cut": "int64"}
        )
    types = results.schema()
    schema = {**{k: types[k] for k in [*WORK, "primary_score"]}, "at": "boolean", "below": "boolean"}
    cut = ibis.memtable(scores, schema=schema)
    r = results.filter(results.year.isin(list(years)) & results.procedure.isin(list(procedures)))
    joined = r.join(cut, [*WORK, "primary_score"])
    agg = (
        joined.group_by(KEYS)
        .aggregate(at_cut=_.count(where=_.at), below_cut=_.count(where=_.below))
        .order_by(KEYS)  # the engine sorts: pandas took 0.9 s to sort a million rows of strings
    )
    frame = _execute(agg)
    return frame.astype({"at_cut": "int64", "below_cut": "int64"})


def tasks(results_tasks: ibis.Table, years: Sequence[int]) -> pd.DataFrame:
    """Solve rate of every task per school and work (score over maximum, summed over pupils)."""
    t = results_tasks.filter(results_tasks.year.isin(list(years)))
    agg = t.group_by([*KEYS, "task"]).aggregate(
        pupils=_.count(),
        score=_.score.sum(),
        max_score=_.max_score.sum(),
    )
    frame = _execute(agg)
    return frame.sort_values([*KEYS, "task"], ignore_index=True)
