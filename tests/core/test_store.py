"""The columnar store: replacement by key, atomic commits across years, reversible imports."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from shnor.engine.store import Store, StoreError, cluster_order

REPLACE_BY = ("year", "procedure", "grade", "subject", "school_id")


def _results(year: int, schools: dict[str, int], score: float = 1.0, subject: str = "rus") -> pa.Table:
    """`schools`: school id -> number of pupils; every pupil gets `score`."""
    rows = [(s, f"{s}-P{i:03d}") for s, n in schools.items() for i in range(n)]
    n = len(rows)
    return pa.table(
        {
            "year": [year] * n,
            "procedure": ["OGE"] * n,
            "grade": [9] * n,
            "subject": [subject] * n,
            "school_id": [r[0] for r in rows],
            "student_key": [r[1] for r in rows],
            "primary_score": [score] * n,
            "max_primary_score": [33.0] * n,
            "test_score": [None] * n,
            "mark": [3] * n,
            "journal_mark": [None] * n,
        }
    )


def _content(store: Store) -> list[tuple[object, ...]]:
    data = store.read_arrow("results").select(["year", "subject", "school_id", "student_key", "primary_score"])
    return sorted(tuple(r.values()) for r in data.to_pylist())


def test_a_reimport_replaces_only_the_works_of_the_schools_in_the_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.replace("results", _results(2025, {"A": 3, "B": 2}), "i1", REPLACE_BY)
    store.replace("results", _results(2025, {"A": 2}, subject="math"), "i2", REPLACE_BY)
    assert store.row_count("results") == 7
    # A corrected Russian file for school A: 1 pupil now, score 5. B's Russian and A's maths stay.
    result = store.replace("results", _results(2025, {"A": 1}, score=5.0), "i3", REPLACE_BY)
    assert (result.rows_added, result.rows_removed) == (1, 3)
    content = _content(store)
    assert len(content) == 5
    assert (2025, "rus", "A", "A-P000", 5.0) in content
    assert sum(1 for r in content if r[1] == "rus" and r[2] == "B") == 2
    assert sum(1 for r in content if r[1] == "math") == 2


def test_importing_the_same_data_twice_changes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    data = pa.concat_tables([_results(2024, {"A": 4}), _results(2025, {"A": 3, "B": 1})])
    store.replace("results", data, "i1", REPLACE_BY)
    before = _content(store)
    store.replace("results", data, "i2", REPLACE_BY)
    assert _content(store) == before
    assert store.years("results") == [2024, 2025]


def test_revert_restores_what_an_import_replaced_and_refuses_when_superseded(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.replace("results", _results(2025, {"A": 3, "B": 2}), "i1", REPLACE_BY)
    original = _content(store)
    store.replace("results", _results(2025, {"A": 1}, score=7.0), "i2", REPLACE_BY)
    store.replace("results", _results(2025, {"A": 2}, score=9.0), "i3", REPLACE_BY)
    with pytest.raises(StoreError, match="позднейш|более поздн"):
        store.revert("results", "i2")
    store.revert("results", "i3")
    assert {r[4] for r in _content(store) if r[2] == "A"} == {7.0}
    store.revert("results", "i2")
    assert _content(store) == original


def test_a_commit_is_one_manifest_swap_and_leftovers_are_collected(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.replace("results", _results(2025, {"A": 3}), "i1", REPLACE_BY)
    # A killed import leaves parts no manifest names; readers never see them.
    writer = store.writer("results", "i2", REPLACE_BY)
    writer.write(_results(2025, {"A": 9}))
    writer.close()
    assert store.row_count("results") == 3
    assert len(store.read_arrow("results")) == 3
    removed = store.collect_garbage()
    assert removed == 2  # the data part and its key file
    manifest = json.loads((tmp_path / "results" / "_manifest.json").read_text())
    assert manifest["version"] == 1 and manifest["import_id"] == "i1"


def test_ibis_reads_every_current_part_and_an_empty_table_has_the_contract_schema(tmp_path: Path) -> None:
    store = Store(tmp_path)
    empty = store.table("results")
    assert empty.count().execute() == 0
    assert "journal_mark" in empty.columns
    store.replace("results", pa.concat_tables([_results(2024, {"A": 2}), _results(2025, {"B": 3})]), "i1", REPLACE_BY)
    t = store.table("results")
    assert t.count().execute() == 5
    assert sorted(t.year.value_counts().execute().itertuples(index=False)) == [(2024, 2), (2025, 3)]


def test_cluster_order_groups_rows_by_work_then_school() -> None:
    batch = pa.table(
        {
            "procedure": ["VPR", "OGE", "VPR", "OGE", None],
            "subject": ["rus", "math", "math", "math", "rus"],
            "grade": [4, 9, 4, 9, 4],
            "school_id": ["B", "B", "A", "A", "A"],
        }
    )
    ordered = batch.take(cluster_order(batch, ["procedure", "subject", "grade", "school_id"]))
    assert ordered.to_pylist() == [
        {"procedure": "OGE", "subject": "math", "grade": 9, "school_id": "A"},
        {"procedure": "OGE", "subject": "math", "grade": 9, "school_id": "B"},
        {"procedure": "VPR", "subject": "math", "grade": 4, "school_id": "A"},
        {"procedure": "VPR", "subject": "rus", "grade": 4, "school_id": "B"},
        {"procedure": None, "subject": "rus", "grade": 4, "school_id": "A"},
    ]


def test_a_writer_error_in_the_background_surfaces_and_leaves_no_part(tmp_path: Path) -> None:
    """Parts are written in a background thread; its failure is raised to the caller and the
    half-written files are removed, so the store is as it was."""
    store = Store(tmp_path)
    store.replace("results", _results(2025, {"S1": 3}), "i1", REPLACE_BY)
    before = _content(store)
    writer = store.writer("results", "i2", REPLACE_BY)
    writer.write(_results(2025, {"S2": 2}))
    writer.write(_results(2025, {"S3": 2}).drop_columns(["student_key"]))  # not the contract's columns
    with pytest.raises(KeyError):
        writer.write(_results(2025, {"S4": 2}))
        writer.close()
    writer.abort()
    assert _content(store) == before
    assert not [p for p in (tmp_path / "results" / "year=2025").iterdir() if p.name.startswith("i2-")]
