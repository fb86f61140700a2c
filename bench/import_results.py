"""Import throughput of student-level results CSV, against DuckDB's own read_csv on the same file.

    .venv/bin/python bench/import_results.py [--rows 10000000] [--keep]

Writes a contract-shaped `results` CSV (the demo region's rows, tiled with new pupil keys),
then measures in one process:

  reference  DuckDB `read_csv` of the file into a table (parsing and materialising every column)
  pipeline   shnor's ingest pipeline into the columnar store: read, convert, check every row
             (types, ranges, vocabularies, known schools, procedure/grade, duplicate keys),
             cluster and write Parquet parts, commit the manifest
  service    the same through the import service (Django, a file copy with SHA-256, history)

It prints rows/s and the ratio to the reference. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv


def make_file(path: Path, rows: int) -> int:
    from shnor.demo.generator import DemoConfig, generate

    base = pa.Table.from_pandas(generate(DemoConfig()).results, preserve_index=False)
    writer = None
    written = 0
    k = 0
    while written < rows:
        take = min(base.num_rows, rows - written)
        chunk = base.slice(0, take)
        keys = pa.array([f"{s}-{k}" for s in chunk.column("student_key").to_pylist()])
        chunk = chunk.set_column(chunk.schema.get_field_index("student_key"), "student_key", keys)
        if writer is None:
            writer = pacsv.CSVWriter(path, chunk.schema)
        writer.write_table(chunk)
        written += take
        k += 1
    assert writer is not None
    writer.close()
    return written


def reference(path: Path) -> float:
    con = duckdb.connect()
    start = time.perf_counter()
    con.sql(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def pipeline(path: Path, store_dir: Path, schools: frozenset[str]) -> float:
    from shnor.core.contract import TABLES
    from shnor.engine.store import Store
    from shnor.ingest.issues import IssueLog
    from shnor.ingest.pipeline import ROW, Context, Duplicates, batches, plan
    from shnor.ingest.sources import sniff

    start = time.perf_counter()
    table = TABLES["results"]
    log = IssueLog(path.name)
    the_plan = plan(sniff(path, table="results"), table, log)
    store = Store(store_dir)
    writer = store.writer("results", "bench", table.replace_by)
    duplicates = Duplicates(the_plan)
    for typed in batches(the_plan, Context(known_schools=schools), log):
        duplicates.add(typed)
        writer.write(typed.drop_columns([ROW]))
    duplicates.check(log)
    assert not log.has_errors, list(log)[:5]
    store.commit("results", writer.close(), "bench", table.replace_by)
    return time.perf_counter() - start


def service(path: Path, data_dir: Path) -> float:
    os.environ["SHNOR_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
    import django

    django.setup()
    from shnor.accounts.services import SystemUser
    from shnor.bootstrap import initialise
    from shnor.datasets import services
    from shnor.demo.build import load_registry
    from shnor.demo.generator import DemoConfig, generate
    from shnor.registry.models import Region

    initialise("volgograd-2021")
    load_registry(generate(DemoConfig()), Region.objects.get())
    start = time.perf_counter()
    run = services.create_run(SystemUser("bench"), "results", path, path.name, channel="cli")
    run = services.execute(run.pk)
    elapsed = time.perf_counter() - start
    assert run.status == "applied", run.issues[:5]
    return elapsed


def save_results(
    args: argparse.Namespace, rows: int, size: int, ref: float, pipe: float, svc: float, peak: float
) -> None:
    from bench.record import mb, number, ratio, save, seconds, table

    def row(label: str, t: float) -> list[str]:
        return [label, seconds(t), f"{number(rows / t / 1e6)} M", ratio(t / ref)]

    rows_ = [
        row(f"DuckDB `read_csv` into a table (reference, best of {args.repeat})", ref),
        row(f"shnor pipeline: read, convert, check every row, write Parquet, commit (best of {args.repeat})", pipe),
        row("shnor import service: the pipeline, a copy of the file with SHA-256, the history (one run)", svc),
    ]
    save(
        "import_results",
        quick=args.quick,
        tables={"import": table(["step", "time", "rows/s", "ratio to the reference"], rows_)},
        figures={
            "rows": number(rows, 0),
            "size": mb(size / 1e6),
            "peak": mb(peak),
            "rate": f"{number(rows / pipe / 1e6)} M rows/s",
            "pipeline_to_reference": ratio(pipe / ref),
        },
        values={"pipeline_to_reference": pipe / ref, "service_to_reference": svc / ref, "peak_mb": peak},
        points=[{"series": "import pipeline, in process", "unit": "rows", "x": rows, "y": pipe}],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the reference and the pipeline")
    parser.add_argument("--quick", action="store_true", help="save as the quick run's result")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shnor-bench-"))
    try:
        path = work / "results.csv"
        rows = make_file(path, args.rows)
        size = path.stat().st_size
        from shnor.demo.generator import DemoConfig, generate

        schools = frozenset(generate(DemoConfig()).schools.school_id)
        print(f"file: {rows:,} rows, {size / 1e6:,.0f} MB, {os.cpu_count()} CPUs")
        ref = min(reference(path) for _ in range(args.repeat))
        pipe = min(pipeline(path, work / f"store{k}", schools) for k in range(args.repeat))
        svc = service(path, work / "data")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        for label, seconds in (
            ("duckdb read_csv (reference)", ref),
            ("shnor pipeline", pipe),
            ("shnor import service", svc),
        ):
            print(
                f"{label:30s} {seconds:6.2f} s  {rows / seconds / 1e6:5.2f} M rows/s  ratio to reference {seconds / ref:4.2f}"
            )
        print(f"peak RSS of the process: {peak:,.0f} MB")
        save_results(args, rows, size, ref, pipe, svc, peak)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
