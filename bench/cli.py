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
        save_results(args, schools, rows, paths["all"].stat().st_size, best)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save_results(
    args: argparse.Namespace, schools: int, rows: int, size: int, best: dict[str, tuple[float, float]]
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
        tables={"commands": table(["process", f"time (best of {args.repeat})", "peak RSS", "ratio"], rows_)},
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
