"""A country's region as full as the demo: the demo's database tiled, every school with all it has.

    shnor demo --no-serve --schools 702 --municipalities 18 --data-dir D
    SHNOR_DATA_DIR=D .venv/bin/python bench/tile.py --copies 56     # 40 014 schools, 1 026 municipalities

The demo builds a region through the services: registry, accounts, imports, two identification
runs with their components and signs, risk profiles, curators, pairs with their agreements and
journals, teachers with their diagnostics, courses and routes, programmes with activities,
indicators and waves, recommendations, measures, decisions, meetings. Writing each of those tables
for 40,000 schools by hand would be a second, drifting copy of the services; this script copies
the demo's own rows instead. Every municipality, school and teacher is copied `--copies` times, and
with it every row that belongs to one of them (found through the foreign keys, to any depth:
a programme of a school, its activities, their evidence); region-wide rows (the runs, the
region's goals, decisions and meetings, the offers, the events) stay single, and the copies link
to them as the originals do. Codes that must stay unique get the copy's number as a suffix. One
`INSERT … SELECT` per table and copy, in the database's own engine: about a minute on PostgreSQL.

The columnar store (pupils' results) is not copied: pages that read it for one school show the
original schools' figures only. `bench/generate.py` writes country-scale Parquet for the
identification's own benchmark.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

APPS: tuple[str, ...] = ("registry", "accounts", "datasets", "staff", "identification", "risks", "support")
APPS += ("programmes", "records", "cycle")
ROOTS = {"registry.Municipality", "registry.School", "staff.Teacher"}
# Not copied: the audit trail, sign-in bookkeeping, tokens and notices (personal, not the region's).
SKIP = {"accounts.ApiToken", "accounts.Notification", "accounts.LoginFailure", "datasets.ImportRun"}
SKIP |= {"datasets.ColumnMapping"}


# Codes that link to another table's code rather than by a key: they follow the copy they name
# (a teacher's account finds its teacher by `staff_key`).
LINKED = {"accounts.User": ("staff_key",)}


def models() -> list[Any]:
    from django.apps import apps

    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in APPS and m._meta.label not in SKIP and not m._meta.proxy
    ]
    return order(found)


def order(found: list[Any]) -> list[Any]:
    """Parents before children (self-references and cycles through nullable keys aside)."""
    labels = {m._meta.label: m for m in found}
    done: list[Any] = []
    seen: set[str] = set()

    def visit(model: Any, path: tuple[str, ...]) -> None:
        label = model._meta.label
        if label in seen or label in path:
            return
        for f in model._meta.concrete_fields:
            target = f.related_model._meta.label if f.is_relation else None
            if target in labels and target != label and (not f.null or target not in path):
                visit(labels[target], (*path, label))
        if label not in seen:
            seen.add(label)
            done.append(model)

    for model in found:
        visit(model, ())
    return done


def plan(found: list[Any]) -> dict[str, dict[str, Any]]:
    """Which models are copied, and how each column of a copy is made."""
    copied: dict[str, dict[str, Any]] = {}
    for model in found:
        label = model._meta.label
        keys = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model._meta.label != label]
        keys = [f for f in keys if f.related_model._meta.label in copied]
        # A row is copied when it belongs to a copied row; who wrote it (an account) does not decide.
        triggers = [f for f in keys if f.related_model._meta.label != "accounts.User"]
        if label not in ROOTS and not triggers:
            continue
        copied[label] = {"model": model, "keys": keys, "triggers": triggers, "unique": unique_text(model, keys)}
    return copied


def unique_text(model: Any, keys: list[Any]) -> set[str]:
    """Text columns that would repeat in a copy: unique alone, or unique together with columns
    none of which is a copied key."""
    from django.db import models as m

    copied = {f.name for f in keys}
    text = (m.CharField, m.TextField, m.SlugField)
    columns = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key and isinstance(f, text)}
    sets = [set(u) for u in model._meta.unique_together]
    # A conditional constraint (e.g. the region's own row, where the municipality is empty) binds
    # rows that are not copied.
    sets += [
        set(c.fields)
        for c in model._meta.constraints
        if getattr(c, "fields", None) and getattr(c, "condition", None) is None
    ]
    for group in sets:
        if not group & copied:
            columns |= {n for n in group if isinstance(model._meta.get_field(n), text)}
    return columns


def tile(copies: int, say: Any = print) -> dict[str, int]:
    """Copy every copied model's original rows `copies` times; returns the rows added per table."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    found = models()
    steps = plan(found)
    q = connection.ops.quote_name
    added: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        stride: dict[str, int] = {}
        for label, step in steps.items():
            table, pk = step["model"]._meta.db_table, step["model"]._meta.pk.column
            cursor.execute(f"SELECT coalesce(max({q(pk)}), 0) FROM {q(table)}")
            stride[label] = int(cursor.fetchone()[0]) or 1
            where = " OR ".join(
                f"{q(f.column)} IN (SELECT id FROM {q('tile_' + tables(steps, f))})" for f in step["triggers"]
            )
            cursor.execute(f"CREATE TEMPORARY TABLE {q('tile_' + table)} (id bigint PRIMARY KEY)")
            cursor.execute(
                f"INSERT INTO {q('tile_' + table)} SELECT {q(pk)} FROM {q(table)}"
                + ("" if label in ROOTS else f" WHERE {where}")
            )
        for step in steps.values():
            start = time.perf_counter()
            model = step["model"]
            table = model._meta.db_table
            columns = [f.column for f in model._meta.concrete_fields]
            total = 0
            for k in range(1, copies + 1):
                values = [column_sql(f, k, step, steps, stride, q) for f in model._meta.concrete_fields]
                cursor.execute(
                    f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) "
                    f"SELECT {', '.join(values)} FROM {q(table)} "
                    f"WHERE {q(model._meta.pk.column)} IN (SELECT id FROM {q('tile_' + table)})"
                )
                total += cursor.rowcount
            added[table] = total
            say(f"  {table:40} +{total:>10,} rows  {time.perf_counter() - start:6.1f} s")
        for sql in connection.ops.sequence_reset_sql(no_style(), [s["model"] for s in steps.values()]):
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return added


def tables(steps: dict[str, dict[str, Any]], field: Any) -> str:
    return str(steps[field.related_model._meta.label]["model"]._meta.db_table)


def column_sql(
    field: Any, k: int, step: dict[str, Any], steps: dict[str, dict[str, Any]], stride: dict[str, int], q: Any
) -> str:
    column = q(field.column)
    if field.primary_key:
        return f"{column} + {k * stride[step['model']._meta.label]}"
    if field in step["keys"] or (field.is_relation and field.related_model._meta.label == step["model"]._meta.label):
        target = field.related_model._meta.label
        tile_table = q("tile_" + str(steps[target]["model"]._meta.db_table))
        return f"CASE WHEN {column} IN (SELECT id FROM {tile_table}) THEN {column} + {k * stride[target]} ELSE {column} END"
    suffix = f"-{k}"
    # A full-length code (a nonce, a token) keeps its length.
    suffixed = (
        f"substr({column}, 1, {field.max_length - len(suffix)}) || '{suffix}'"
        if field.max_length
        else (f"{column} || '{suffix}'")
    )
    if field.name in step["unique"]:
        return suffixed
    if field.name in LINKED.get(step["model"]._meta.label, ()):  # an empty link stays empty
        return f"CASE WHEN {column} = '' THEN {column} ELSE {suffixed} END"
    return column


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=56, help="copies besides the original")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
    import django

    django.setup()
    from shnor.registry.models import Municipality, School

    start = time.perf_counter()
    added = tile(args.copies)
    print(
        f"{School.objects.count():,} schools in {Municipality.objects.count():,} municipalities; "
        f"{sum(added.values()):,} rows added in {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
