"""The engines that run the Ibis expressions over student-level data: DuckDB, embedded (the
default), and PySpark, for a region or a country that one machine cannot hold (`shnor[spark]`).

The same expressions of `shnor.core.identification.aggregate` run on both; a parity test holds
their results equal to 1e-9.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from shnor.core.identification import aggregate
from shnor.env import duckdb_memory, spark_settings

ENGINES = ("duckdb", "spark")


class EngineError(Exception):
    """An engine cannot be used (message in Russian)."""


def connect(engine: str = "duckdb") -> Any:
    if engine == "duckdb":
        # `SHNOR_DUCKDB_MEMORY` (e.g. 1GB) bounds DuckDB's own memory on a small server: at 40 M rows
        # the aggregation's peak RSS falls from 3.3 to 2.0 GB for 30 % more time (docs/performance.md).
        limit = duckdb_memory()
        return ibis.duckdb.connect(**({"memory_limit": limit, "preserve_insertion_order": False} if limit else {}))
    if engine == "spark":
        return ibis.pyspark.connect(spark_session())
    raise EngineError(f"Неизвестный вычислитель «{engine}»: допустимы {', '.join(ENGINES)}.")


def is_spark(con: Any) -> bool:
    return getattr(con, "name", "") == "pyspark"


def execute(expr: ibis.Table) -> pd.DataFrame:
    """Run an expression on its engine and bring the school-level result back as pandas, through
    Arrow on both engines: on Spark through the session's Arrow path (Ibis goes through `toPandas`,
    which pandas 3 no longer supports)."""
    backend = expr._find_backend(use_default=True)
    if is_spark(backend):
        backend._run_pre_execute_hooks(expr)  # registers in-memory tables (the cut-offs) as views
        table = backend._session.sql(backend.compile(expr)).toArrow()
    else:
        table = expr.to_pyarrow()
    frame: pd.DataFrame = table.to_pandas()
    return frame


aggregate.executed_by(execute)


def read_parquet(con: Any, name: str, files: Sequence[Path], schema: pa.Schema) -> ibis.Table:
    """An Ibis table over Parquet files (an empty one with `schema` when there are none)."""
    if is_spark(con):
        session = con._session
        if files:
            frame = session.read.parquet(*[str(f) for f in files])
        else:
            from pyspark.sql.pandas.types import from_arrow_schema

            frame = session.createDataFrame([], from_arrow_schema(schema))
        frame.createOrReplaceTempView(name)
        return con.table(name)
    if not files:
        return con.create_table(f"empty_{name}", schema=ibis.schema(schema), temp=True)
    return con.read_parquet([str(f) for f in files])


_SESSION: Any = None


def spark_session() -> Any:
    """One Spark session per process: `SHNOR_SPARK_MASTER` (default `local[*]`, this machine's
    cores), `SHNOR_SPARK_MEMORY` for the driver (default 2g); the web UI off, time in UTC."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise EngineError(
            "Вычислитель Spark не установлен: pip install 'shnor[spark]' (нужна также Java 17: "
            "apt-get install default-jre-headless)."
        ) from error
    spark = spark_settings()
    master = spark["master"]
    builder = (
        SparkSession.builder.master(master)
        .appName("shnor")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")  # no progress bars in a server log or a report
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", spark["memory"])
        .config("spark.sql.shuffle.partitions", spark["partitions"])
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    try:
        _SESSION = builder.getOrCreate()
    except Exception as error:  # no Java, a cluster that does not answer
        raise EngineError(f"Spark не запускается ({master}): {error}") from error
    _SESSION.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its connection messages at exit
    atexit.register(_SESSION.stop)
    return _SESSION
