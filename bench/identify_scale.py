"""Identification at country scale: 40,000 schools, 4 M and 40 M pupil results over three years.

    .venv/bin/python bench/identify_scale.py [--sizes 4000000,40000000] [--spark] [--quick]

Data: bench/generate.py (deterministic; generated once into `--data` and reused). Every stage runs
in a child process of its own, so that its wall time and its peak RSS are its own:

  floor     DuckDB: SELECT year, school_id, procedure, subject, grade, count(*), avg(score)
            over the Parquet, GROUP BY those keys (the least any aggregation can cost)
  pandas    the same aggregation as an analyst writes it: read_parquet, groupby, agg
  aggregate shnor's aggregation through Ibis on DuckDB (works with 16 aggregates + score heaping)
  identify  identification end to end without Django: the aggregation, then the methodology on
            the aggregates (indices, signs, value added, categories, selection) for 40,000 schools
  spark     (with --spark) the aggregation on PySpark in local mode, same expressions

Prints, per size, each stage's wall time and peak RSS, the ratios to the floor and to pandas, and
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

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE.parent))

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
    elif name == "pandas":
        frame = pd.read_parquet(
            files(folder), columns=[*KEYS, "test_score", "primary_score"], dtype_backend="numpy_nullable"
        )
        frame["score"] = frame["test_score"].fillna(frame["primary_score"])
        out = frame.groupby(KEYS, observed=True)["score"].agg(["count", "mean"]).reset_index()
        rows = len(out)
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
            outcome = identify(Inputs(schools=schools, works=works, social=social, oversight=oversight, heaping=heaps), YEAR, m)
            rows = int(outcome.table["selected"].sum())
    else:
        raise SystemExit(f"unknown stage {name}")
    return {"seconds": time.perf_counter() - start, "rows": rows}


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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(stage(args.child, args.data)))
        return
    from generate import ensure

    sizes = [400_000, 4_000_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    stages = ["floor", "pandas", "aggregate", "identify"] + (["spark"] if args.spark else [])
    table: dict[int, dict[str, dict[str, float]]] = {}
    for rows in sizes:
        folder = ensure(args.data / f"{rows}", rows, args.schools)
        table[rows] = {}
        print(f"\n{rows:,} pupil results, {args.schools:,} schools ({folder})")
        for name in stages:
            got = table[rows][name] = measure(name, folder)
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


if __name__ == "__main__":
    main()
