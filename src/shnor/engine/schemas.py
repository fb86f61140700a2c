"""Arrow schemas of the contract's tables, as the engine stores them."""

from __future__ import annotations

import pyarrow as pa

from shnor.core.contract import TABLES, Column, Kind

_NARROW_INTS = {"year": pa.int16(), "grade": pa.int8(), "mark": pa.int8(), "journal_mark": pa.int8()}


def arrow_type(column: Column) -> pa.DataType:
    if column.kind == Kind.INT:
        return _NARROW_INTS.get(column.name, pa.int32())
    if column.kind in (Kind.FLOAT, Kind.SHARE):
        return pa.float64()
    if column.kind == Kind.BOOL:
        return pa.bool_()
    if column.kind == Kind.DATE:
        return pa.date32()
    return pa.string()


def schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c), nullable=not c.required) for c in TABLES[table].columns])
