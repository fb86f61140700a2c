"""The scale-out lane: the identification's aggregation runs on PySpark (local mode) and on DuckDB
over the same Parquet, and everything that follows from it must be the same to 1e-9.

Needs pyspark (`shnor[spark]`, in requirements.lock) and Java 17 (`scripts/system-deps.sh`): `make
test` installs both, and without them the test fails, as the browser tests do without chromium.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shnor.core.identification import aggregate
from shnor.core.identification.identify import Inputs, identify
from shnor.core.methodology import Methodology
from shnor.engine import engines
from shnor.engine.schemas import schema

if TYPE_CHECKING:
    from shnor.demo.generator import DemoRegion


def _spark() -> object:
    try:
        return engines.connect("spark")
    except engines.EngineError as error:
        pytest.fail(f"the Spark lane needs pyspark and Java (make system-deps install): {error}")


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoRegion, list[Path]]:
    """A small demo region's results in two Parquet parts (as the store keeps a table)."""
    import pyarrow.parquet as pq

    from shnor.demo.generator import DemoConfig, generate

    demo = generate(DemoConfig(schools=40, municipalities=3))
    table = pa.Table.from_pandas(demo.results, preserve_index=False).cast(schema("results"))
    folder = tmp_path_factory.mktemp("parquet")
    half = table.num_rows // 2
    files = [folder / "part-0.parquet", folder / "part-1.parquet"]
    pq.write_table(table.slice(0, half), files[0])
    pq.write_table(table.slice(half), files[1])
    return demo, files


def _same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    a, b = a.sort_values(keys, ignore_index=True), b.sort_values(keys, ignore_index=True)
    assert list(a.columns) == list(b.columns) and len(a) == len(b) > 0
    for column in a.columns:
        if pd.api.types.is_numeric_dtype(a[column]):
            np.testing.assert_allclose(
                a[column].to_numpy(float), b[column].to_numpy(float), rtol=1e-9, atol=1e-9, err_msg=column
            )
        else:
            for x, y in zip(a[column].tolist(), b[column].tolist(), strict=True):
                assert _equal(x, y), (column, x, y)


def _equal(x: object, y: object) -> bool:
    """Equal to 1e-9 for numbers, NaN equal to NaN, the same for what dicts and lists hold."""
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_equal(x[k], y[k]) for k in x)
    if isinstance(x, list | tuple) and isinstance(y, list | tuple):
        return len(x) == len(y) and all(_equal(i, j) for i, j in zip(x, y, strict=True))
    if isinstance(x, float) and isinstance(y, float):
        return (np.isnan(x) and np.isnan(y)) or bool(np.isclose(x, y, rtol=1e-9, atol=1e-9))
    return x == y or (pd.isna(x) and pd.isna(y))


def test_identification_is_the_same_on_spark_and_duckdb(region: tuple[DemoRegion, list[Path]]) -> None:
    demo, files = region
    spark = _spark()
    m = Methodology()
    years = list(range(2026 - m.window - 1, 2027))
    outputs = {}
    for name, con in (("duckdb", engines.connect("duckdb")), ("spark", spark)):
        results = engines.read_parquet(con, "results", files, schema("results"))
        works, heaps = aggregate.works_and_heaping(results, years, m.min_test_scores, m.objectivity.ege_high)
        inputs = Inputs(
            schools=demo.schools,
            works=works,
            social=demo.social,
            oversight=demo.oversight,
            heaping=heaps,
        )
        # Act 003's cross-level count joins pupils' rows: the same on both engines.
        cross = aggregate.base_profile(results, years, m.min_test_scores["math_prof"])
        outputs[name] = (works, heaps, identify(inputs, 2026, m), cross)
    (w1, h1, o1, c1), (w2, h2, o2, c2) = outputs["duckdb"], outputs["spark"]
    _same(c1, c2, ["school_id", "year"])
    _same(w1, w2, aggregate.KEYS)
    _same(h1, h2, aggregate.KEYS)
    _same(o1.table, o2.table, ["school_id"])
    _same(o1.per_year, o2.per_year, ["school_id", "year"])
    _same(o1.signs, o2.signs, list(o1.signs.columns[:3]))
    assert o1.table["selected"].sum() > 0  # the region has a list: the comparison is not of empty frames
    assert o1.summary["selected"] == o2.summary["selected"]


def test_an_empty_table_reads_on_spark() -> None:
    spark = _spark()
    empty = engines.read_parquet(spark, "results_tasks", [], schema("results_tasks"))
    assert aggregate.tasks(empty, [2026]).empty


def test_duckdb_memory_bound_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SHNOR_DUCKDB_MEMORY", "1GB")
    con = engines.connect("duckdb")
    assert con.raw_sql("SELECT current_setting('memory_limit')").fetchall() == [("953.6 MiB",)]
    # The store's own connection (risk profiles, identification) takes the same bound.
    from shnor.engine.store import Store

    table = Store(tmp_path).table("results")
    assert table._find_backend().raw_sql("SELECT current_setting('memory_limit')").fetchall() == [("953.6 MiB",)]
    monkeypatch.delenv("SHNOR_DUCKDB_MEMORY")
    assert con.raw_sql("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(engines.EngineError, match="duckdb, spark"):
        engines.connect("polars")
