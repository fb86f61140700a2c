"""End to end, as a user waits: `shnor import results` and `shnor identify` as whole processes,
against DuckDB processes that do the least of the same work on the same file.

    .venv/bin/python bench/cli.py [--schools 3000] [--repeat 3] [--quick]

The region is the demo's generator at `--schools` schools (in `--schools / 40` municipalities),
written as the contract's CSV files; a data folder gets its registry and social data through
`shnor import` first (not timed). Then, each a whole process (start-up, Django, checks, writing
and saving included), the best of `--repeat`:

  start        `shnor --help`: the command line's own start (Python, the CLI's imports)
  import1      `shnor import results` of a file of one school's rows: the fixed cost of an import
  import200k   `shnor import results` of a file of 200,000 rows
  import       `shnor import results` of every year's rows in one file
  identify     `shnor identify --year Y` (reads the store, saves every school's result, components
               and signs)

and the references, each a whole Python process as well:

  duckdb-read  DuckDB reading the same CSV into a table (the import's reference)
  duckdb-group DuckDB reading the same CSV and grouping it by year, school, procedure, subject and
               grade with a count and a mean (the identification's reference)

Saves bench/results/cli.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
SHNOR = str(ROOT / ".venv" / "bin" / "shnor")
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE.parent))

# The scores' types are given, as the import knows them from the contract: sniffed from the first
# rows, a column empty there (the test score of a year of ВПР) is read as text.
TYPES = "types={{'primary_score': 'DOUBLE', 'test_score': 'DOUBLE'}}"  # braces doubled: the child's code is an f-string
READ = f"import duckdb, sys; duckdb.connect().sql(f\"CREATE TABLE t AS SELECT * FROM read_csv('{{sys.argv[1]}}', {TYPES})\")"
GROUP = (
    f'import duckdb, sys; duckdb.connect().sql(f"SELECT year, school_id, procedure, subject, grade, count(*), '
    f"avg(coalesce(test_score, primary_score)) FROM read_csv('{{sys.argv[1]}}', {TYPES}) GROUP BY ALL\").fetchall()"
)


# Where a command's time goes: each stage is a function of the main thread whose cumulative time
# cProfile reports (the import's reading and writing threads run beside them); the rest of the
# profiled total is Python's own start, the imports a command makes itself and what no stage names. Under the
# profiler a command runs slower than without it: the shares, not the seconds, are the finding.
STAGES = {
    "identify": [
        ("loading the command line (its imports: pandas, pydantic, the presets)", "shnor/cli/__init__.py", "<module>"),
        ("starting Django (settings, apps, models)", "cli/base.py", "django_setup"),
        ("reading the store and aggregating the works", "identification/services/run.py", "gather"),
        ("the methodology (indices, signs, value added, categories)", "core/identification/identify.py", "identify"),
        ("saving the results, components and signs", "identification/services/results.py", "save_results"),
    ],
    "import": [
        ("loading the command line (its imports: pandas, pydantic, the presets)", "shnor/cli/__init__.py", "<module>"),
        ("starting Django (settings, apps, models)", "cli/base.py", "django_setup"),
        ("a copy of the file with its SHA-256, the import's record", "datasets/services/upload.py", "create_run"),
        ("parsing the CSV (waiting for the read-ahead thread)", "ingest/sources.py", "string_batches"),
        ("converting every column (codes, numbers, texts)", "ingest/pipeline.py", "_convert_columns"),
        ("dropping blank and «Итого» rows", "ingest/pipeline.py", "_drop_blank_and_totals"),
        ("the rules of each row", "ingest/pipeline.py", "_row_rules"),
        ("the duplicate and key checks", "ingest/pipeline.py", "check"),
        ("finishing the write to the store (the writer thread)", "engine/store.py", "close"),
    ],
}


def profiled(command: list[str], env: dict[str, str], stages: list[tuple[str, str, str]]) -> list[list[str]]:
    """Run a `shnor` command once under cProfile; its stages' cumulative times and shares of the total."""
    import pstats

    from record import seconds

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "profile"
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "shnor.cli", *command[1:]],
            env=env,
            capture_output=True,
            check=True,
        )
        stats: Any = pstats.Stats(str(out))
    total = max(cumulative for (_, _, _, cumulative, _) in stats.stats.values())
    rows, named = [], 0.0
    for label, path, name in stages:
        found = [v[3] for (file, _, func), v in stats.stats.items() if file.endswith(path) and func == name]
        if not found:
            raise SystemExit(f"the profile has no {path}:{name}: bench/cli.py's STAGES are out of date")
        named += max(found)
        rows.append([label, seconds(max(found)), f"{max(found) / total * 100:.0f} %"])
    rows.append(["the rest: Python's start, the command's own imports and what no stage names", seconds(total - named),
                 f"{(total - named) / total * 100:.0f} %"])  # fmt: skip
    rows.append(["the whole command under the profiler", seconds(total), "100 %"])
    return rows


def files(schools: int, folder: Path) -> tuple[dict[str, Path], int]:
    """The region's contract files, one results file of every year, a 200,000-row and a one-school
    slice of it; returns the paths and the row count of the whole."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from shnor.demo.generator import SCHOOL_COLUMNS, DemoConfig, generate

    region = generate(DemoConfig(schools=schools, municipalities=max(2, schools // 40)))
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"schools": folder / "schools.csv", "social": folder / "social.csv"}
    region.schools[SCHOOL_COLUMNS].to_csv(paths["schools"], index=False)  # as `shnor demo` writes them
    region.social.to_csv(paths["social"], index=False)
    results = pa.Table.from_pandas(region.results, preserve_index=False)
    latest = max(region.config.years)
    pacsv.write_csv(results, folder / "results.csv")
    recent = region.results[region.results["year"] == latest]
    pacsv.write_csv(pa.Table.from_pandas(recent.head(200_000), preserve_index=False), folder / "results_200k.csv")
    one = recent[recent["school_id"] == recent["school_id"].iloc[0]]
    pacsv.write_csv(pa.Table.from_pandas(one, preserve_index=False), folder / "results_1.csv")
    paths.update(all=folder / "results.csv", k200=folder / "results_200k.csv", one=folder / "results_1.csv")
    return paths, results.num_rows


def main() -> None:
    from record import process

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="700 schools, save as the quick run's result")
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    schools = 700 if args.quick else args.schools
    if args.files:
        paths, rows = files(schools, args.files)
        print(json.dumps({"paths": {k: str(v) for k, v in paths.items()}, "rows": rows}))
        return
    work = Path(tempfile.mkdtemp(prefix="shnor-bench-cli-"))
    try:
        # The files are written by a child: a process's peak RSS is inherited by the processes it
        # starts, so this one stays small for the commands it measures.
        command = [sys.executable, str(HERE), "--schools", str(schools), "--files", str(work / "files")]
        made = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout.splitlines()[-1])
        paths, rows = {k: Path(v) for k, v in made["paths"].items()}, int(made["rows"])
        data = work / "data"
        env = {**os.environ, "SHNOR_DATA_DIR": str(data)}
        env.pop("DATABASE_URL", None)  # the embedded database, as a user's own machine has it
        process([SHNOR, "init", "--data-dir", str(data)], env)
        for kind in ("schools", "social"):
            process([SHNOR, "import", kind, str(paths[kind]), "--data-dir", str(data)], env)
        best: dict[str, tuple[float, float]] = {}

        def timed(name: str, command: list[str]) -> None:
            got = process(command, env)
            if name not in best or got[0] < best[name][0]:
                best[name] = got
            print(f"  {name:14} {got[0]:7.2f} s  peak RSS {got[1]:6.0f} MB", flush=True)

        for _ in range(args.repeat):
            timed("start", [SHNOR, "--help"])
            timed("python", [sys.executable, "-c", "import duckdb"])
            timed("import1", [SHNOR, "import", "results", str(paths["one"]), "--data-dir", str(data)])
            timed("import200k", [SHNOR, "import", "results", str(paths["k200"]), "--data-dir", str(data)])
            timed("duckdb-read200k", [sys.executable, "-c", READ, str(paths["k200"])])
            timed("import", [SHNOR, "import", "results", str(paths["all"]), "--data-dir", str(data)])
            timed("duckdb-read", [sys.executable, "-c", READ, str(paths["all"])])
            timed("identify", [SHNOR, "identify", "--year", str(args.year), "--data-dir", str(data)])
            timed("duckdb-group", [sys.executable, "-c", GROUP, str(paths["all"])])
        breakdown = {
            "import": profiled([SHNOR, "import", "results", str(paths["all"]), "--data-dir", str(data)], env,
                               STAGES["import"]),
            "identify": profiled([SHNOR, "identify", "--year", str(args.year), "--data-dir", str(data)], env,
                                 STAGES["identify"]),
        }  # fmt: skip
        save_results(args, schools, rows, paths["all"].stat().st_size, best, breakdown)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save_results(
    args: argparse.Namespace,
    schools: int,
    rows: int,
    size: int,
    best: dict[str, tuple[float, float]],
    breakdown: dict[str, list[list[str]]],
) -> None:
    from record import mb, number, ratio, save, seconds, table

    def row(label: str, name: str, reference: str | None) -> list[str]:
        t, rss = best[name]
        return [label, seconds(t), mb(rss), ratio(t / best[reference][0]) if reference else "—"]

    rows_ = [
        row("`shnor --help`: the command line's start", "start", None),
        row("a Python process importing DuckDB", "python", None),
        row("`shnor import results`, one school's rows: an import's fixed cost", "import1", None),
        row("`shnor import results`, 200 000 rows", "import200k", "duckdb-read200k"),
        row("DuckDB process reading the 200 000 rows into a table (reference)", "duckdb-read200k", None),
        row(f"`shnor import results`, every year: {number(rows, 0)} rows", "import", "duckdb-read"),
        row("DuckDB process reading the same CSV into a table (reference)", "duckdb-read", None),
        row(f"`shnor identify --year {args.year}`", "identify", "duckdb-group"),
        row("DuckDB process reading the same CSV and grouping it (reference)", "duckdb-group", None),
    ]
    values = {
        "import_to_reference": best["import"][0] / best["duckdb-read"][0],
        "identify_to_reference": best["identify"][0] / best["duckdb-group"][0],
        "import200k_fixed_share": best["import1"][0] / best["import200k"][0],
    }
    save(
        "cli",
        quick=args.quick,
        tables={
            "commands": table(["process", f"time (best of {args.repeat})", "peak RSS", "ratio"], rows_),
            **{
                f"{name}_stages": table(["stage (one run under cProfile)", "time", "share"], stage_rows)
                for name, stage_rows in breakdown.items()
            },
        },
        figures={
            "schools": number(schools, 0),
            "rows": number(rows, 0),
            "size": mb(size / 1e6),
            "fixed": seconds(best["import1"][0]),
            "k200": number(200_000, 0),
            "fixed_share": f"{best['import1'][0] / best['import200k'][0] * 100:.0f} %",
        },
        values=values,
        points=[
            {
                "series": "`shnor import results`, whole process",
                "unit": "rows",
                "x": 200_000,
                "y": best["import200k"][0],
            },
            {"series": "`shnor import results`, whole process", "unit": "rows", "x": rows, "y": best["import"][0]},
            {"series": "`shnor identify`, whole process", "unit": "rows", "x": rows, "y": best["identify"][0]},
        ],
    )


if __name__ == "__main__":
    main()
