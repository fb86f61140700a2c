"""Identification at country scale: 40,000 schools, 4 M and 40 M pupil results over three years.

    .venv/bin/python bench/identify_scale.py [--sizes 4000000,40000000] [--spark] [--quick]

Data: bench/generate.py (deterministic; generated once into `--data` and reused). Every stage runs
in a child process of its own, so that its wall time and its peak RSS are its own:

  floor     DuckDB: SELECT year, school_id, procedure, subject, grade, count(*), avg(score)
            over the Parquet, GROUP BY those keys (the least any aggregation can cost)
  sql       shnor's aggregation written by hand in DuckDB SQL (16 aggregates, then heaping with
            the cut-offs found in the same pass): what the same work costs without Ibis or Python
  pandas    shnor's aggregation as an analyst writes it in pandas: read_parquet, derived columns,
            groupby().agg with the same 16 aggregates, the cut-offs, a merge and a second groupby
  aggregate shnor's aggregation through Ibis on DuckDB (works with 17 aggregates + score heaping)
  identify  identification end to end without Django: the aggregation, then the methodology on
            the aggregates (indices, signs, value added, categories, selection) for 40,000 schools
  spark     (with --spark) the aggregation on PySpark in local mode, same expressions

With `--repeat N` every stage (pandas too) runs N times and the fastest time (and the highest peak
RSS) is kept: on a shared virtual machine a single run varies by ±30 %. Prints, per size, each
stage's wall time and peak RSS, the ratios to the floor and to pandas, and
the growth from the smaller size to the larger. `--quick` runs 400 k and 4 M rows. Figures go to
docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE.parent))

if TYPE_CHECKING:
    import pandas as pd

    from shnor.core.methodology import Methodology

KEYS = ["year", "school_id", "procedure", "subject", "grade"]
YEAR = 2026


def files(folder: Path) -> list[str]:
    return sorted(str(p) for p in (folder / "results").rglob("*.parquet"))


def stage(name: str, folder: Path) -> dict[str, float]:
    """Run one stage in this process; return what it measured (the libraries are imported before
    the clock starts: their import is the same at every size)."""
    import duckdb
    import pandas as pd

    from shnor.core.identification import aggregate
    from shnor.core.identification.identify import Inputs, identify
    from shnor.core.methodology import Methodology
    from shnor.engine import engines
    from shnor.engine.schemas import schema

    if name == "spark":
        # 40 M rows' aggregates (1.8 M groups) come back to the driver through Arrow: with the
        # default `SHNOR_SPARK_MEMORY` of 2g the driver lost a task's result (TaskResultLost, run of
        # 07.12.2026). The bench gives it 4g unless told otherwise; docs/guide/install.md says so.
        os.environ.setdefault("SHNOR_SPARK_MEMORY", "4g")
        engines.spark_session()  # the JVM's start is not the aggregation's
    start = time.perf_counter()
    rows = 0
    if name == "floor":
        con = duckdb.connect()
        table = con.sql(
            "SELECT year, school_id, procedure, subject, grade, count(*) AS n, "
            "avg(coalesce(test_score, primary_score)) AS mean "
            f"FROM read_parquet({files(folder)!r}) GROUP BY ALL"
        ).to_arrow_table()
        rows = table.num_rows
    elif name == "sql":
        m = Methodology()
        con = duckdb.connect()
        rows = con.sql(hand_written_sql(files(folder), m)).to_arrow_table().num_rows
    elif name.startswith("terms"):
        m = Methodology()
        con = duckdb.connect()
        rows = con.sql(breakdown_sql(files(folder), m, int(name[5:]))).to_arrow_table().num_rows
    elif name == "pandas":
        m = Methodology()
        rows = len(pandas_aggregation(files(folder), m))
    elif name in ("aggregate", "identify", "spark"):
        m = Methodology()
        years = list(range(YEAR - m.window - 1, YEAR + 1))
        con = engines.connect("spark" if name == "spark" else "duckdb")
        results = engines.read_parquet(con, "results", [Path(f) for f in files(folder)], schema("results"))
        works, heaps = aggregate.works_and_heaping(results, years, m.min_test_scores, m.objectivity.ege_high)
        rows = len(works)
        if name == "identify":
            schools = pd.read_parquet(folder / "schools.parquet")[["school_id", "name", "municipality", "locality"]]
            social = pd.read_parquet(folder / "social.parquet")
            oversight = pd.DataFrame(columns=["year", "school_id", "kind", "count"])
            outcome = identify(
                Inputs(schools=schools, works=works, social=social, oversight=oversight, heaping=heaps), YEAR, m
            )
            rows = int(outcome.table["selected"].sum())
    else:
        raise SystemExit(f"unknown stage {name}")
    return {"seconds": time.perf_counter() - start, "rows": rows}


def hand_written_sql(parquet: list[str], m: Methodology) -> str:
    """shnor's aggregation as one DuckDB statement: the works with each group's lowest score of
    every mark, the cut-offs from those, the pupils at a cut-off and one point below it."""
    minimum = " ".join(f"WHEN subject = '{s}' THEN {v}" for s, v in m.min_test_scores.items())
    years = ", ".join(str(y) for y in range(YEAR - m.window - 1, YEAR + 1))
    return f"""
    WITH r AS (
      SELECT *, coalesce(test_score, primary_score) AS score,
             coalesce(mark = 2 OR test_score < CASE {minimum} END, false) AS below,
             mark IS NOT NULL AND journal_mark IS NOT NULL AS paired
      FROM read_parquet({parquet!r}) WHERE year IN ({years})),
    works AS MATERIALIZED (
      SELECT year, procedure, subject, grade, school_id, count(*) AS n, avg(score) AS mean,
        sum(score * score) AS sumsq, count(mark) AS n_marked,
        count(*) FILTER (WHERE mark = 2) AS n2, count(*) FILTER (WHERE mark = 3) AS n3,
        count(*) FILTER (WHERE mark = 4) AS n4, count(*) FILTER (WHERE mark = 5) AS n5,
        count(*) FILTER (WHERE paired) AS pairs, count(*) FILTER (WHERE paired AND mark > journal_mark) AS raised,
        count(*) FILTER (WHERE paired AND mark < journal_mark) AS lowered,
        count(*) FILTER (WHERE paired AND mark >= 4) AS q_vpr, count(*) FILTER (WHERE paired AND journal_mark >= 4) AS q_journal,
        count(*) FILTER (WHERE below) AS below_min, count(test_score) AS n_test,
        count(*) FILTER (WHERE test_score >= {m.objectivity.ege_high}) AS high,
        min(primary_score) FILTER (WHERE mark = 3) AS c3, min(primary_score) FILTER (WHERE mark = 4) AS c4,
        min(primary_score) FILTER (WHERE mark = 5) AS c5
      FROM r GROUP BY ALL),
    cuts AS (
      SELECT year, procedure, subject, grade, min(c3) AS c3, min(c4) AS c4, min(c5) AS c5
      FROM works WHERE procedure IN ('VPR', 'OGE') GROUP BY ALL),
    scores AS (
      SELECT year, procedure, subject, grade, s AS primary_score, bool_or(is_at) AS is_at, bool_or(NOT is_at) AS under
      FROM (SELECT *, unnest([c3, c4, c5]) AS s, true AS is_at FROM cuts
            UNION ALL SELECT *, unnest([c3 - 1, c4 - 1, c5 - 1]), false FROM cuts)
      WHERE s IS NOT NULL GROUP BY ALL),
    heaps AS (
      SELECT year, procedure, subject, grade, school_id,
        count(*) FILTER (WHERE is_at) AS at_cut, count(*) FILTER (WHERE under) AS below_cut
      FROM r JOIN scores USING (year, procedure, subject, grade, primary_score) GROUP BY ALL)
    SELECT w.* EXCLUDE (c3, c4, c5), h.at_cut, h.below_cut
    FROM works w LEFT JOIN heaps h USING (year, procedure, subject, grade, school_id)
    """


# The aggregates of a work and school, in the order the breakdown adds them to the floor's two.
TERMS = [
    ("count and mean (the floor's two)", "count(*) AS n, avg(score) AS mean"),
    ("sum of squares", "sum(score * score) AS sumsq"),
    ("marked pupils", "count(mark) AS n_marked"),
    ("pupils at each mark (four)", ", ".join(f"count(*) FILTER (WHERE mark = {k}) AS n{k}" for k in (2, 3, 4, 5))),
    (
        "marks against the journal (three)",
        "count(*) FILTER (WHERE paired) AS pairs, count(*) FILTER (WHERE paired AND mark > journal_mark) AS raised, "
        "count(*) FILTER (WHERE paired AND mark < journal_mark) AS lowered",
    ),
    (
        "quality by the work and by the journal (two)",
        "count(*) FILTER (WHERE paired AND mark >= 4) AS q_vpr, count(*) FILTER (WHERE paired AND journal_mark >= 4) AS q_journal",
    ),
    ("below the minimum", "count(*) FILTER (WHERE below) AS below_min"),
    (
        "test scores and high scores (two)",
        "count(test_score) AS n_test, count(*) FILTER (WHERE test_score >= {high}) AS high",
    ),
    (
        "lowest score of each mark: the cut-offs (three)",
        "min(primary_score) FILTER (WHERE mark = 3) AS c3, min(primary_score) FILTER (WHERE mark = 4) AS c4, "
        "min(primary_score) FILTER (WHERE mark = 5) AS c5",
    ),
]


def breakdown_sql(parquet: list[str], m: Methodology, terms: int) -> str:
    """The hand-written aggregation with its first `terms` groups of aggregates (terms = len(TERMS) + 1:
    all of them and the heaping pass)."""
    if terms > len(TERMS):
        return hand_written_sql(parquet, m)
    minimum = " ".join(f"WHEN subject = '{s}' THEN {v}" for s, v in m.min_test_scores.items())
    years = ", ".join(str(y) for y in range(YEAR - m.window - 1, YEAR + 1))
    aggregates = ", ".join(sql for _, sql in TERMS[:terms]).format(high=m.objectivity.ege_high)
    return f"""
    WITH r AS (
      SELECT *, coalesce(test_score, primary_score) AS score,
             coalesce(mark = 2 OR test_score < CASE {minimum} END, false) AS below,
             mark IS NOT NULL AND journal_mark IS NOT NULL AS paired
      FROM read_parquet({parquet!r}) WHERE year IN ({years}))
    SELECT year, procedure, subject, grade, school_id, {aggregates} FROM r GROUP BY ALL
    """


def pandas_aggregation(parquet: list[str], m: Methodology) -> pd.DataFrame:
    """shnor's aggregation as an analyst writes it in pandas: the same figures (`--check` compares
    them, and the hand-written SQL's, with shnor's)."""
    import pandas as pd

    # Only the columns and years the aggregation needs, as an analyst who knows pandas reads them.
    needed = [*KEYS, "test_score", "primary_score", "mark", "journal_mark"]
    years = list(range(YEAR - m.window - 1, YEAR + 1))
    frame = pd.read_parquet(parquet, columns=needed, filters=[("year", "in", years)])
    frame["score"] = frame["test_score"].fillna(frame["primary_score"])
    frame["sq"] = frame["score"] ** 2
    frame["below"] = (frame["mark"] == 2) | (frame["test_score"] < frame["subject"].map(m.min_test_scores))
    paired = frame["mark"].notna() & frame["journal_mark"].notna()
    frame["pairs"] = paired
    frame["raised"] = paired & (frame["mark"] > frame["journal_mark"])
    frame["lowered"] = paired & (frame["mark"] < frame["journal_mark"])
    frame["q_vpr"] = paired & (frame["mark"] >= 4)
    frame["q_journal"] = paired & (frame["journal_mark"] >= 4)
    for k in (2, 3, 4, 5):
        frame[f"n{k}"] = frame["mark"] == k
    frame["high"] = frame["test_score"] >= m.objectivity.ege_high
    works = frame.groupby(KEYS, observed=True).agg(
        n=("score", "size"),
        mean=("score", "mean"),
        sumsq=("sq", "sum"),
        n_marked=("mark", "count"),
        **{
            c: (c, "sum")
            for c in ["n2", "n3", "n4", "n5", "pairs", "raised", "lowered", "q_vpr", "q_journal", "below", "high"]
        },
        n_test=("test_score", "count"),
    )
    vo = frame[frame["procedure"].isin(["VPR", "OGE"])]
    work = ["year", "procedure", "subject", "grade"]
    cuts = pd.concat(
        {k: vo[vo["mark"] == k].groupby(work, observed=True)["primary_score"].min() for k in (3, 4, 5)}, axis=1
    )
    at = cuts.reset_index().melt(id_vars=work, value_name="primary_score").dropna()[[*work, "primary_score"]]
    marked = pd.concat(
        [at.assign(at=True, under=False), at.assign(primary_score=at["primary_score"] - 1, at=False, under=True)]
    )
    marked = marked.groupby([*work, "primary_score"], as_index=False)[["at", "under"]].any()
    heaps = vo.merge(marked, on=[*work, "primary_score"]).groupby(KEYS, observed=True)[["at", "under"]].sum()
    heaps = heaps.rename(columns={"at": "at_cut", "under": "below_cut"})
    return works.rename(columns={"below": "below_min"}).join(heaps, how="left").reset_index()


def check(folder: Path) -> None:
    """The hand-written SQL and pandas compute what shnor computes (every count, the means)."""
    import duckdb
    import numpy as np

    from shnor.core.identification import aggregate
    from shnor.core.methodology import Methodology
    from shnor.engine import engines
    from shnor.engine.schemas import schema

    m = Methodology()
    years = list(range(YEAR - m.window - 1, YEAR + 1))
    con = engines.connect("duckdb")
    results = engines.read_parquet(con, "results", [Path(f) for f in files(folder)], schema("results"))
    works, heaps = aggregate.works_and_heaping(results, years, m.min_test_scores, m.objectivity.ege_high)
    ours = works.merge(heaps, on=aggregate.KEYS, how="left").sort_values(aggregate.KEYS, ignore_index=True)
    columns = ["n", "mean", "n_marked", "n2", "n3", "n4", "n5", "pairs", "raised", "lowered", "q_vpr"]
    columns += ["q_journal", "below_min", "n_test", "high", "at_cut", "below_cut"]
    theirs = {
        "sql": duckdb.connect().sql(hand_written_sql(files(folder), m)).df(),
        "pandas": pandas_aggregation(files(folder), m),
    }
    for name, frame in theirs.items():
        frame = frame.sort_values(aggregate.KEYS, ignore_index=True)
        assert len(frame) == len(ours), (name, len(frame), len(ours))
        for column in columns:
            a = ours[column].astype("float64").fillna(0).to_numpy()
            b = frame[column].astype("float64").fillna(0).to_numpy()
            assert np.allclose(a, b, rtol=1e-9, atol=1e-9), (name, column)
        print(f"{name}: the same {len(columns)} figures as shnor's in {len(ours):,} rows")


def measure(name: str, folder: Path) -> dict[str, float]:
    """A stage in a child process: its wall time (as it measured it) and its peak RSS."""
    child = subprocess.Popen(
        [sys.executable, str(HERE), "--child", name, "--data", str(folder)], stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(child.pid, 0)
    out = child.stdout.read() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"stage {name} failed ({status})")
    got = json.loads(out.strip().splitlines()[-1])
    got["rss_mb"] = usage.ru_maxrss / 1024
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4000000,40000000")
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/shnor-bench"))
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--quick", action="store_true", help="400 k and 4 M rows")
    parser.add_argument("--repeat", type=int, default=1, help="run each stage N times, keep the fastest")
    parser.add_argument(
        "--check", action="store_true", help="compare the references' figures with shnor's (400 k rows)"
    )
    parser.add_argument(
        "--breakdown", type=int, help="add the aggregates to the floor's one group at a time at this size (rows)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(stage(args.child, args.data)))
        return
    from generate import ensure

    if args.check:
        check(ensure(args.data / "400000", 400_000, args.schools))
        return

    if args.breakdown:
        breakdown(ensure(args.data / f"{args.breakdown}", args.breakdown, args.schools), args)
        return
    sizes = [400_000, 4_000_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    stages = ["floor", "sql", "pandas", "aggregate", "identify"] + (["spark"] if args.spark else [])
    table: dict[int, dict[str, dict[str, float]]] = {}
    for rows in sizes:
        folder = ensure(args.data / f"{rows}", rows, args.schools)
        table[rows] = {}
        print(f"\n{rows:,} pupil results, {args.schools:,} schools ({folder})")
        for name in stages:
            runs = [measure(name, folder) for _ in range(args.repeat)]
            got = table[rows][name] = {
                "seconds": min(r["seconds"] for r in runs),  # the least disturbed run of a shared machine
                "rss_mb": max(r["rss_mb"] for r in runs),
                "rows": runs[0]["rows"],
            }
            floor = table[rows]["floor"]["seconds"]
            line = f"  {name:10} {got['seconds']:7.2f} s  peak RSS {got['rss_mb']:7.0f} MB  {got['seconds'] / floor:6.2f}× the floor"
            if name != "pandas" and "pandas" in table[rows]:
                line += f"  {table[rows]['pandas']['seconds'] / got['seconds']:6.1f}× faster than pandas"
            print(line, flush=True)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\ngrowth from {small:,} to {large:,} rows ({large / small:.0f}× the data):")
        for name in stages:
            print(f"  {name:10} {table[large][name]['seconds'] / table[small][name]['seconds']:6.1f}× the time")
    save_results(table, sizes, stages, args)


def breakdown(folder: Path, args: argparse.Namespace) -> None:
    """What each group of aggregates, and then heaping, adds to the floor: the hand-written query
    (which shnor's Ibis expressions match) with one more group at a time, each the best of
    `--repeat` fresh processes."""
    from record import mb, ratio, save, seconds
    from record import table as md

    floor = min((measure("floor", folder) for _ in range(args.repeat)), key=lambda r: r["seconds"])
    rows, before = [], floor["seconds"]
    steps = [*(label for label, _ in TERMS), "heaping: pupils at and one point below each cut-off"]
    for k, label in enumerate(steps, start=1):
        got = min((measure(f"terms{k}", folder) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        rows.append(
            [f"+ {label}", seconds(got["seconds"]), seconds(got["seconds"] - before)]
            + [ratio(got["seconds"] / floor["seconds"]), mb(got["rss_mb"])]
        )
        print(f"  {label:55} {got['seconds']:7.2f} s", flush=True)
        before = got["seconds"]
    rows.insert(0, ["floor: DuckDB `GROUP BY` with a count and a mean", seconds(floor["seconds"]), "—", ratio(1)])
    rows[0].append(mb(floor["rss_mb"]))
    columns = ["step (the hand-written query, one group more each row)", "time", "added", "to the floor", "peak RSS"]
    save(
        "identify_breakdown",
        quick=args.quick,
        tables={"terms": md(columns, rows)},
        figures={"rows": f"{args.breakdown / 1e6:g} M"},
    )


LABELS = {
    "floor": "floor: DuckDB `GROUP BY` with a count and a mean",
    "sql": "sql: shnor's aggregation by hand in DuckDB",
    "pandas": "pandas: the same aggregation (only the columns and years it needs)",
    "aggregate": "**shnor aggregation** on DuckDB through Ibis",
    "identify": "**identification end to end** without Django (aggregation + methodology)",
    "spark": "Spark, local mode (after the JVM's start)",
}


def save_results(
    table: dict[int, dict[str, dict[str, float]]], sizes: list[int], stages: list[str], args: argparse.Namespace
) -> None:
    from record import mb, ratio, save, seconds
    from record import table as md

    small, large = sizes[0], sizes[-1]
    top = table[large]
    columns = ["stage", *(f"{n / 1e6:g} M rows" for n in sizes), f"{large / 1e6:g} M: to the floor"]
    columns += [f"{large / 1e6:g} M: peak RSS", f"{large / 1e6:g} M: pandas / stage", "growth"]
    rows = [
        [LABELS[name], *(seconds(table[n][name]["seconds"]) for n in sizes)]
        + [ratio(top[name]["seconds"] / top["floor"]["seconds"]), mb(top[name]["rss_mb"])]
        + [ratio(top["pandas"]["seconds"] / top[name]["seconds"])]
        + [ratio(top[name]["seconds"] / table[small][name]["seconds"]) if large != small else "—"]
        for name in stages
    ]
    values = {
        "aggregate_to_floor": top["aggregate"]["seconds"] / top["floor"]["seconds"],
        "aggregate_to_sql": top["aggregate"]["seconds"] / top["sql"]["seconds"],
        "pandas_to_aggregate": top["pandas"]["seconds"] / top["aggregate"]["seconds"],
        "aggregate_rss_mb": top["aggregate"]["rss_mb"],
        "aggregate_growth": top["aggregate"]["seconds"] / table[small]["aggregate"]["seconds"],
        "data_growth": large / small,
        "growth_to_linear": top["aggregate"]["seconds"] / table[small]["aggregate"]["seconds"] / (large / small),
    }
    figures = {key: f"{v:.2f}" for key, v in values.items()}
    figures.update(
        largest=f"{large / 1e6:g} M",
        smallest=f"{small / 1e6:g} M",
        schools=f"{args.schools:,}".replace(",", " "),
        repeat=str(args.repeat),
        works=f"{int(top['aggregate']['rows']):,}".replace(",", " "),
    )
    points = [
        {"series": "identification without Django", "unit": "rows", "x": n, "y": table[n]["identify"]["seconds"]}
        for n in sizes
    ]
    save(
        "identify_scale",
        quick=args.quick,
        tables={"stages": md(columns, rows)},
        figures=figures,
        values=values,
        points=points,
    )


if __name__ == "__main__":
    main()
