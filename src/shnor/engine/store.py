"""The columnar store of student- and task-level results: Parquet files under the data folder.

Layout: `<store>/<table>/year=<Y>/part-0.parquet`, each file sorted by
(procedure, subject, grade, school_id, student_key) so that engine scans prune well.
A year is replaced atomically: written beside, then swapped in with a rename, so a reader or
a killed writer never sees half a year.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

SORT_KEYS = ["procedure", "subject", "grade", "school_id", "student_key"]


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def years(self, table: str) -> list[int]:
        folder = self.table_dir(table)
        if not folder.exists():
            return []
        return sorted(int(p.name.split("=", 1)[1]) for p in folder.glob("year=*") if (p / "part-0.parquet").exists())

    def write_year(self, table: str, year: int, data: pa.Table) -> Path:
        """Replace the rows of `year` in `table` with `data` (without its year column)."""
        if "year" in data.column_names:
            data = data.drop_columns(["year"])
        keys = [(k, "ascending") for k in SORT_KEYS if k in data.column_names]
        if keys:
            data = data.sort_by(keys)
        folder = self.table_dir(table)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"year={year}"
        staging = folder / f".staging-{year}-{uuid.uuid4().hex}"
        staging.mkdir()
        pq.write_table(data, staging / "part-0.parquet", compression="zstd", row_group_size=1_000_000)
        retired = None
        if final.exists():
            retired = folder / f".retired-{year}-{uuid.uuid4().hex}"
            final.rename(retired)
        staging.rename(final)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        return final

    def clean_staging(self) -> int:
        """Remove leftovers of interrupted writes; returns how many folders were removed."""
        removed = 0
        for leftover in self.root.glob("*/.staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
            removed += 1
        for leftover in self.root.glob("*/.retired-*"):
            shutil.rmtree(leftover, ignore_errors=True)
            removed += 1
        return removed

    def table(self, table: str) -> ibis.Table:
        """An Ibis expression over every year of `table` (DuckDB, in memory)."""
        pattern = str(self.table_dir(table) / "year=*" / "part-0.parquet")
        con = ibis.duckdb.connect()
        return con.read_parquet(pattern, hive_partitioning=True)

    def row_count(self, table: str) -> int:
        total = 0
        for year in self.years(table):
            total += pq.ParquetFile(self.table_dir(table) / f"year={year}" / "part-0.parquet").metadata.num_rows
        return total
