"""The columnar store: student-, task- and school-level results as Parquet parts under a manifest.

Layout of one table::

    <store>/<table>/year=<Y>/<part>.parquet        immutable data, clustered by work and school
    <store>/<table>/year=<Y>/<part>.keys.parquet   the distinct replacement keys the part holds
    <store>/<table>/_manifests/<version>.json      every committed version of the table
    <store>/<table>/_manifest.json                 the current version

A commit writes its new parts first and then swaps `_manifest.json` with one `os.replace`, so
a reader or a killed writer sees either the old table or the new one, never a mix — across all
the years a file touched. Nothing is deleted at commit: the parts a version dropped stay on disk
for as long as an older manifest names them, which is what makes an import reversible. Files no
manifest names (the leftovers of a killed import) are removed by `collect_garbage`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from shnor.engine.schemas import schema as contract_schema

# Columns a part is clustered by (those of them it has), in this order.
CLUSTER_KEYS = ("procedure", "subject", "grade", "school_id", "task")
DICTIONARY_COLUMNS = ("procedure", "subject", "school_id", "task")


class StoreError(Exception):
    """The store cannot do what was asked; the message says why, in Russian."""


@dataclass(frozen=True)
class Part:
    file: str  # relative to the table folder
    year: int
    rows: int
    import_id: str | None = None

    @property
    def keys_file(self) -> str:
        return self.file.removesuffix(".parquet") + ".keys.parquet"


@dataclass(frozen=True)
class Manifest:
    version: int = 0
    parts: tuple[Part, ...] = ()
    import_id: str | None = None  # the import that made this version
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    created_at: str = ""
    note: str = ""

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(
            version=int(data["version"]),
            parts=tuple(Part(**p) for p in data["parts"]),
            import_id=data.get("import_id"),
            added=tuple(data.get("added", ())),
            removed=tuple(data.get("removed", ())),
            created_at=data.get("created_at", ""),
            note=data.get("note", ""),
        )


@dataclass
class CommitResult:
    manifest: Manifest
    rows_added: int
    rows_removed: int
    years: list[int] = field(default_factory=list)


def _fsync_write(path: Path, data: str) -> None:
    tmp = path.with_name(path.name + f".tmp-{uuid.uuid4().hex}")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def cluster_order(batch: pa.RecordBatch | pa.Table, keys: Sequence[str]) -> np.ndarray:
    """Row order that clusters a batch by `keys`, via one integer key (much faster than a lexsort)."""
    n = batch.num_rows
    composite = np.zeros(n, dtype=np.int64)
    span = 1
    for name in keys:
        if name not in batch.schema.names:
            continue
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            encoded = column.dictionary_encode()
            values = encoded.dictionary.to_numpy(zero_copy_only=False).astype(str)
            rank = np.empty(len(values) + 1, dtype=np.int64)
            rank[np.argsort(values, kind="stable")] = np.arange(len(values))
            rank[len(values)] = len(values)  # nulls last
            codes = rank[encoded.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)]
            width = len(values) + 1
        else:
            raw = column.to_numpy(zero_copy_only=False).astype(np.float64)  # nulls become NaN
            valid = ~np.isnan(raw)
            codes = np.zeros(n, dtype=np.int64)
            top = 0
            if valid.any():
                codes[valid] = (raw[valid] - raw[valid].min()).astype(np.int64)
                top = int(codes[valid].max()) + 1
            codes[~valid] = top
            width = top + 1
        if span * width >= 2**62:
            break  # the remaining keys would overflow one integer; the order is still clustered
        composite = composite * width + codes
        span *= width
    return np.argsort(composite)  # introsort: deterministic, and faster than a stable sort


class PartWriter:
    """Streams batches of one import into new parts, one per year, clustering each batch.

    Clustering, compression and the key sets of a batch run in one background thread while the
    caller reads and checks the next batch, so the two halves of an import use both cores. At most
    one batch waits in the queue, which bounds memory to two batches. An error in the thread is
    raised by the next `write` or by `close`.
    """

    def __init__(self, store: Store, table: str, import_id: str, replace_by: Sequence[str]) -> None:
        self.store = store
        self.table = table
        self.import_id = import_id
        self.replace_by = list(replace_by)
        self.schema = contract_schema(table)
        self._writers: dict[int, tuple[pq.ParquetWriter, str]] = {}
        self._rows: dict[int, int] = {}
        self._keys: dict[int, list[pa.Table]] = {}
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._con = duckdb.connect()

    def write(self, batch: pa.Table) -> None:
        self._raise()
        if batch.num_rows == 0:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, name=f"shnor-writer-{self.table}", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def _drain(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue  # keep taking batches so the producer never blocks; they are dropped
            try:
                self._write(batch)
            except BaseException as error:  # noqa: BLE001  (handed to the caller's thread)
                self._error = error

    def _write(self, batch: pa.Table) -> None:
        batch = batch.select(self.schema.names).cast(self.schema)
        years = batch.column("year").unique().to_pylist()
        for year in years:
            part = batch.filter(pa.compute.equal(batch.column("year"), year)) if len(years) > 1 else batch
            part = part.take(cluster_order(part, CLUSTER_KEYS))
            writer, _ = self._writer(int(year))
            writer.write_table(part, row_group_size=1_000_000)
            self._rows[int(year)] += part.num_rows
            self._keys[int(year)].append(_distinct(part.select(self.replace_by), self._con))

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _writer(self, year: int) -> tuple[pq.ParquetWriter, str]:
        if year not in self._writers:
            rel = f"year={year}/{self.import_id}-{uuid.uuid4().hex[:8]}.parquet"
            path = self.store.table_dir(self.table) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(
                path,
                self.schema,
                compression="zstd",
                use_dictionary=[c for c in DICTIONARY_COLUMNS if c in self.schema.names],
            )
            self._writers[year] = (writer, rel)
            self._rows[year] = 0
            self._keys[year] = []
        return self._writers[year]

    def close(self) -> list[Part]:
        self._stop()
        try:
            self._raise()
        except BaseException:
            self.abort()
            raise
        parts = []
        folder = self.store.table_dir(self.table)
        for year, (writer, rel) in sorted(self._writers.items()):
            writer.close()
            keys = _distinct(pa.concat_tables(self._keys[year]), self._con)
            part = Part(file=rel, year=year, rows=self._rows[year], import_id=self.import_id)
            pq.write_table(keys, folder / part.keys_file)
            _fsync_file(folder / rel)
            parts.append(part)
        self._writers.clear()
        self._con.close()
        return parts

    def abort(self) -> None:
        self._stop()
        self._error = None
        folder = self.store.table_dir(self.table)
        for writer, rel in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
            (folder / rel).unlink(missing_ok=True)
        self._writers.clear()
        with contextlib.suppress(Exception):
            self._con.close()


def _distinct(keys: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Distinct rows of a small set of key columns (DuckDB: parallel, much faster than group_by)."""
    own = con is None
    con = con or duckdb.connect()
    con.register("keys", keys)
    result = con.sql("SELECT DISTINCT * FROM keys").arrow()
    if isinstance(result, pa.RecordBatchReader):
        result = result.read_all()
    con.unregister("keys")
    if own:
        con.close()
    return result.cast(keys.schema)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- reading ------------------------------------------------------------------------------

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def manifest(self, table: str) -> Manifest:
        path = self.table_dir(table) / "_manifest.json"
        if not path.exists():
            return Manifest()
        return Manifest.from_json(path.read_text(encoding="utf-8"))

    def history(self, table: str) -> list[Manifest]:
        folder = self.table_dir(table) / "_manifests"
        if not folder.exists():
            return []
        current = self.manifest(table).version
        versions = [Manifest.from_json(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
        return [m for m in versions if m.version <= current]

    def files(self, table: str, years: Sequence[int] | None = None) -> list[Path]:
        folder = self.table_dir(table)
        return [folder / p.file for p in self.manifest(table).parts if years is None or p.year in years]

    def years(self, table: str) -> list[int]:
        return sorted({p.year for p in self.manifest(table).parts})

    def row_count(self, table: str) -> int:
        return self.manifest(table).rows

    def table(self, table: str, con: Any = None) -> ibis.Table:
        """An Ibis expression over every part of `table` on `con` (DuckDB in memory by default, or
        a Spark connection of shnor.engine.engines)."""
        from shnor.engine.engines import connect, read_parquet

        return read_parquet(con or connect("duckdb"), table, self.files(table), contract_schema(table))

    def read_arrow(self, table: str, years: Sequence[int] | None = None) -> pa.Table:
        files = self.files(table, years)
        if not files:
            return contract_schema(table).empty_table()
        return pa.concat_tables(pq.read_table(f).cast(contract_schema(table)) for f in files)

    # --- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time per data folder, across processes (web workers, task worker, CLI)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def writer(self, table: str, import_id: str, replace_by: Sequence[str]) -> PartWriter:
        return PartWriter(self, table, import_id, replace_by)

    def commit(
        self, table: str, new_parts: Sequence[Part], import_id: str, replace_by: Sequence[str], note: str = ""
    ) -> CommitResult:
        """Make `new_parts` current, replacing the stored rows whose `replace_by` keys they hold."""
        folder = self.table_dir(table)
        current = self.manifest(table)
        years = sorted({p.year for p in new_parts})
        keep: list[Part] = [p for p in current.parts if p.year not in years]
        removed: list[str] = []
        added: list[Part] = list(new_parts)
        rows_removed = 0
        con = duckdb.connect()
        for year in years:
            new_keys = pa.concat_tables(pq.read_table(folder / p.keys_file) for p in new_parts if p.year == year)
            con.register("new_keys", new_keys)
            on = " AND ".join(f'k."{c}" IS NOT DISTINCT FROM d."{c}"' for c in replace_by)
            for old in (p for p in current.parts if p.year == year):
                old_keys = pq.read_table(folder / old.keys_file)
                con.register("old_keys", old_keys)
                found = con.sql(
                    f"SELECT count(*) FROM old_keys d WHERE EXISTS (SELECT 1 FROM new_keys k WHERE {on})"
                ).fetchone()
                overlap = int(found[0]) if found else 0
                if overlap == 0:
                    keep.append(old)
                    continue
                removed.append(old.file)
                if overlap == old_keys.num_rows:
                    rows_removed += old.rows
                    continue
                # Part of the old part survives: rewrite it without the replaced keys.
                survivor = self._filtered_copy(con, table, old, on)
                rows_removed += old.rows - survivor.rows
                added.append(survivor)
                keep.append(survivor)
            con.unregister("new_keys")
        version = current.version + 1
        manifest = Manifest(
            version=version,
            parts=tuple(sorted([*keep, *new_parts], key=lambda p: (p.year, p.file))),
            import_id=import_id,
            added=tuple(p.file for p in added),
            removed=tuple(removed),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            note=note,
        )
        self._publish(table, manifest)
        return CommitResult(manifest, sum(p.rows for p in new_parts), rows_removed, years)

    def _filtered_copy(self, con: Any, table: str, old: Part, on: str) -> Part:
        folder = self.table_dir(table)
        rel = f"year={old.year}/{old.import_id or 'part'}-{uuid.uuid4().hex[:8]}.parquet"
        data = pq.read_table(folder / old.file)
        con.register("old_data", data)
        kept = con.sql(f"SELECT d.* FROM old_data d WHERE NOT EXISTS (SELECT 1 FROM new_keys k WHERE {on})").arrow()
        if isinstance(kept, pa.RecordBatchReader):
            kept = kept.read_all()
        con.unregister("old_data")
        kept = kept.cast(data.schema)
        pq.write_table(
            kept,
            folder / rel,
            compression="zstd",
            use_dictionary=[c for c in DICTIONARY_COLUMNS if c in kept.schema.names],
        )
        old_keys = pq.read_table(folder / old.keys_file)
        con.register("old_keys2", old_keys)
        kept_keys = con.sql(
            f"SELECT d.* FROM old_keys2 d WHERE NOT EXISTS (SELECT 1 FROM new_keys k WHERE {on})"
        ).arrow()
        if isinstance(kept_keys, pa.RecordBatchReader):
            kept_keys = kept_keys.read_all()
        con.unregister("old_keys2")
        part = Part(file=rel, year=old.year, rows=kept.num_rows, import_id=old.import_id)
        pq.write_table(kept_keys.cast(old_keys.schema), folder / part.keys_file)
        _fsync_file(folder / rel)
        return part

    def _publish(self, table: str, manifest: Manifest) -> None:
        folder = self.table_dir(table)
        (folder / "_manifests").mkdir(parents=True, exist_ok=True)
        text = manifest.to_json()
        _fsync_write(folder / "_manifests" / f"{manifest.version:08d}.json", text)
        _fsync_write(folder / "_manifest.json", text)  # the commit point

    def revert(self, table: str, import_id: str, note: str = "") -> CommitResult:
        """Undo the version made by `import_id`: its parts leave, the parts it replaced come back."""
        current = self.manifest(table)
        made = [m for m in self.history(table) if m.import_id == import_id]
        if not made:
            raise StoreError(f"Загрузка {import_id} не меняла таблицу {table}.")
        version = made[-1]
        present = {p.file for p in current.parts}
        superseded = [f for f in version.added if f not in present]
        if superseded:
            later = [
                m.import_id
                for m in self.history(table)
                if m.version > version.version and set(m.removed) & set(superseded)
            ]
            raise StoreError(
                "Эту загрузку нельзя откатить: её данные уже заменены более поздней загрузкой"
                + (f" ({', '.join(str(x) for x in later if x)})" if later else "")
                + ". Сначала откатите более позднюю загрузку."
            )
        previous = {p.file: p for m in self.history(table) if m.version < version.version for p in m.parts}
        restored = [previous[f] for f in version.removed if f in previous]
        parts = [p for p in current.parts if p.file not in set(version.added)] + restored
        manifest = Manifest(
            version=current.version + 1,
            parts=tuple(sorted(parts, key=lambda p: (p.year, p.file))),
            import_id=f"revert:{import_id}",
            added=tuple(p.file for p in restored),
            removed=tuple(version.added),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            note=note,
        )
        self._publish(table, manifest)
        rows_removed = sum(p.rows for p in current.parts if p.file in set(version.added))
        return CommitResult(manifest, sum(p.rows for p in restored), rows_removed, sorted({p.year for p in restored}))

    def replace(
        self, table: str, data: pa.Table, import_id: str, replace_by: Sequence[str], note: str = ""
    ) -> CommitResult:
        """Write a whole Arrow table as one import (the demo loader and small loads)."""
        writer = self.writer(table, import_id, replace_by)
        try:
            for batch in data.to_batches(max_chunksize=2_000_000):
                writer.write(pa.Table.from_batches([batch]))
            parts = writer.close()
        except BaseException:
            writer.abort()
            raise
        return self.commit(table, parts, import_id, replace_by, note)

    def collect_garbage(self) -> int:
        """Remove files no manifest names and manifests newer than the current one (call under `lock`)."""
        removed = 0
        if not self.root.exists():
            return 0
        for folder in (p for p in self.root.iterdir() if p.is_dir()):
            table = folder.name
            current = self.manifest(table)
            named: set[str] = set()
            history = folder / "_manifests"
            for path in sorted(history.glob("*.json")) if history.exists() else []:
                manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
                if manifest.version > current.version:
                    path.unlink()
                    removed += 1
                    continue
                for p in manifest.parts:
                    named.update({p.file, p.keys_file})
            for path in folder.glob("year=*/*"):
                rel = path.relative_to(folder).as_posix()
                if rel not in named:
                    path.unlink()
                    removed += 1
            for tmp in folder.glob("**/*.tmp-*"):
                tmp.unlink()
                removed += 1
        return removed
