"""Identification of the demo region (700 schools, about 1.2 million pupil results), end to end
in the core, against a bare DuckDB GROUP BY over the same Parquet in the same process.

    .venv/bin/python bench/identify_demo.py [--repeat 3]

  reference  DuckDB: SELECT year, school_id, procedure, subject, grade, count(*), avg(score)
             over the store's Parquet parts (the floor of any aggregation)
  aggregate  shnor's Ibis aggregation (works + score heaping) over the same parts
  identify   the methodology on the aggregates (indices, signs, value added, selection)

Prints the best of `--repeat` runs of each and the ratios; saves bench/results/identify_demo.json.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

R = TypeVar("R")


def best(fn: Callable[[], R], repeat: int) -> tuple[float, R]:
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="save as the quick run's result")
    args = parser.parse_args()
    import duckdb
    import ibis

    from shnor.core.contract import TABLES
    from shnor.core.identification import aggregate
    from shnor.core.identification.identify import Inputs, identify
    from shnor.core.methodology import Methodology
    from shnor.demo.generator import DemoConfig, generate
    from shnor.engine.store import Store

    work = Path(tempfile.mkdtemp(prefix="shnor-bench-id-"))
    try:
        region = generate(DemoConfig())
        import pyarrow as pa

        store = Store(work)
        store.replace(
            "results", pa.Table.from_pandas(region.results, preserve_index=False), "demo", TABLES["results"].replace_by
        )
        files = [str(f) for f in store.files("results")]
        rows = store.row_count("results")
        m = Methodology()
        years = list(range(2026 - m.window - 1, 2027))

        def reference() -> list[Any]:
            con = duckdb.connect()
            return con.sql(
                "SELECT year, school_id, procedure, subject, grade, count(*), avg(coalesce(test_score, primary_score)) "
                f"FROM read_parquet({files!r}) GROUP BY ALL"
            ).fetchall()

        def aggregated() -> tuple[pd.DataFrame, pd.DataFrame]:
            con = ibis.duckdb.connect()
            results = store.table("results", con)
            return aggregate.works_and_heaping(results, years, m.min_test_scores, m.objectivity.ege_high)

        ref, _ = best(reference, args.repeat)
        agg, (works, heaps) = best(aggregated, args.repeat)
        inputs = Inputs(
            schools=region.schools, works=works, social=region.social, oversight=region.oversight, heaping=heaps
        )
        ident, outcome = best(lambda: identify(inputs, 2026, m), args.repeat)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"pupil results: {rows:,}; schools: {len(region.schools)}")
        print(f"reference GROUP BY (DuckDB)   {ref:6.2f} s")
        print(f"shnor aggregation (Ibis)      {agg:6.2f} s  ratio to reference {agg / ref:5.2f}")
        print(f"shnor methodology (core)      {ident:6.2f} s")
        print(f"identification without Django {agg + ident:6.2f} s")
        print(f"peak RSS of the process: {peak:,.0f} MB")
        from bench.record import mb, number, ratio, save, seconds, table

        rows_ = [
            ["DuckDB `GROUP BY year, school, procedure, subject, grade` over the Parquet parts (reference)"]
            + [seconds(ref), ratio(1)],
            ["shnor aggregation through Ibis (every aggregate of a work, score heaping at the cut-offs)"]
            + [seconds(agg), ratio(agg / ref)],
            ["shnor methodology on the aggregates (indices, signs, value added, categories)", seconds(ident), "—"],
            ["identification without Django", seconds(agg + ident), ratio((agg + ident) / ref)],
        ]
        save(
            "identify_demo",
            quick=args.quick,
            tables={"stages": table(["step", f"time (best of {args.repeat})", "ratio to the reference"], rows_)},
            figures={"rows": number(rows, 0), "schools": number(len(region.schools), 0), "peak": mb(peak)},
            values={"aggregate_to_reference": agg / ref, "rows": rows},
            points=[{"series": "identification without Django", "unit": "rows", "x": rows, "y": agg + ident}],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
