"""The columnar store replaces a year atomically and reads back through Ibis."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from shnor.engine.store import Store


def _table(year: int, n: int) -> pa.Table:
    return pa.table(
        {
            "year": [year] * n,
            "procedure": ["OGE"] * n,
            "subject": ["rus"] * n,
            "grade": [9] * n,
            "school_id": [f"S{i % 3}" for i in range(n)],
            "student_key": [f"P{n - i:04d}" for i in range(n)],
            "primary_score": [float(i) for i in range(n)],
        }
    )


def test_it_writes_sorted_years_and_reads_them_back(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_year("results", 2025, _table(2025, 5))
    store.write_year("results", 2026, _table(2026, 3))
    assert store.years("results") == [2025, 2026]
    assert store.row_count("results") == 8
    t = store.table("results")
    frame = t.filter(t.year == 2025).to_pandas()
    assert list(frame["school_id"]) == sorted(frame["school_id"])
    assert frame["primary_score"].sum() == 0 + 1 + 2 + 3 + 4


def test_it_replaces_a_year_without_touching_others(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_year("results", 2025, _table(2025, 5))
    store.write_year("results", 2026, _table(2026, 3))
    store.write_year("results", 2025, _table(2025, 2))
    assert store.row_count("results") == 5
    assert not list((tmp_path / "results").glob(".*"))


def test_it_cleans_leftovers_of_an_interrupted_write(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write_year("results", 2025, _table(2025, 4))
    (tmp_path / "results" / ".staging-2025-dead").mkdir()
    assert store.clean_staging() == 1
    assert store.years("results") == [2025]
    assert store.row_count("results") == 4
