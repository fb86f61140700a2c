"""Writing validated tables into the database, inside the caller's transaction, with an undo log.

Each loader takes the typed Arrow table of one file (contract columns plus `_row`), applies it
by the contract's replacement rule and returns what changed plus the data needed to put every
touched row back as it was. Columns a file does not have are never overwritten.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from django.db import models

from shnor.core.contract import TABLES, fold
from shnor.datasets.models import OversightSignal, SocialRecord, SurveyValue
from shnor.ingest.issues import IssueLog
from shnor.ingest.pipeline import ROW
from shnor.registry.models import Municipality, Region, School
from shnor.staff.models import Course, Diagnostic, StaffMember, Teacher


@dataclass
class Outcome:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    years: list[int] = field(default_factory=list)
    undo: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _unplain(field_obj: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(field_obj, models.DateField) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _rows(data: pa.Table, present: Iterable[str]) -> list[dict[str, Any]]:
    columns = [c for c in present if c in data.column_names]
    rows: list[dict[str, Any]] = data.select([*columns, ROW]).to_pylist()
    return rows


# --- generic keyed upsert -----------------------------------------------------------------------


@dataclass
class Spec:
    """How the rows of one contract table map onto one model."""

    model: type[models.Model]
    key: tuple[str, ...]  # model fields identifying a row
    scope: tuple[str, ...]  # model fields of the replacement rule; () = upsert only
    fields: dict[str, str]  # contract column -> model field (values)
    resolve: Callable[[dict[str, Any]], dict[str, Any]]  # contract row -> key and FK values
    deactivate: str | None = None  # a boolean field to clear instead of deleting a dropped row


def apply(spec: Spec, data: pa.Table, present: set[str]) -> Outcome:
    """Upsert the rows of `data` by `spec.key`; rows in the same `spec.scope` the file does not
    have any more are deleted (or deactivated). Only columns in `present` are written."""
    model = spec.model
    outcome = Outcome()
    rows = _rows(data, set(spec.fields) | present | {"school_id", "staff_key", "year"})
    value_fields = [spec.fields[c] for c in spec.fields if c in present]
    incoming = _incoming(spec, rows, present)
    existing = {tuple(getattr(o, k) for k in spec.key): o for o in _existing(spec, incoming)}
    created, changed, undo_updated = _compare(spec, incoming, existing, value_fields, outcome)
    # What is left in `existing` is in the replaced scope but not in the file.
    undo_deleted = _retire(spec, list(existing.values()), undo_updated, outcome) if spec.scope else []
    model._default_manager.bulk_create(created, batch_size=1000)
    fields_changed = sorted({f for _, fs in changed for f in fs})
    if changed:
        model._default_manager.bulk_update([o for o, _ in changed], fields_changed, batch_size=1000)
    created_pks = [o.pk for o in created]  # bulk_create returns them on SQLite and PostgreSQL
    outcome.added = len(created)
    outcome.updated = len(changed)
    outcome.undo = {
        "model": model._meta.label,
        "created": created_pks,
        "updated": undo_updated,
        "deleted": undo_deleted,
    }
    if "year" in spec.fields or "year" in spec.key:
        outcome.years = sorted({int(v["year"]) for v in incoming.values() if v.get("year") is not None})
    return outcome


def _incoming(spec: Spec, rows: list[dict[str, Any]], present: set[str]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The file's rows by their key: the key and foreign keys resolved, the values of the columns
    in `present` (empty text where the model keeps no nulls)."""
    model = spec.model
    incoming: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        resolved = spec.resolve(row)
        values = {spec.fields[c]: row.get(c) for c in spec.fields if c in present}
        for name, value in values.items():
            if value is None:
                field_obj = model._meta.get_field(name)
                if not field_obj.null and isinstance(field_obj, models.CharField):
                    values[name] = ""
        incoming[tuple(resolved[k] for k in spec.key)] = {**resolved, **values}
    return incoming


def _existing(spec: Spec, incoming: dict[tuple[Any, ...], dict[str, Any]]) -> models.QuerySet[Any]:
    """The stored rows the file may touch: every row of the scopes it replaces, else the rows
    sharing the first part of a key with a row of the file."""
    model = spec.model
    if spec.scope:
        scopes = {tuple(r[k] for k in spec.scope) for r in incoming.values()}
        condition = models.Q(pk__in=[])
        by_first: dict[Any, list[tuple[Any, ...]]] = {}
        for s in scopes:
            by_first.setdefault(s[:-1], []).append(s)
        for prefix, group in by_first.items():
            q = models.Q(**{f"{spec.scope[-1]}__in": [s[-1] for s in group]})
            for name, value in zip(spec.scope[:-1], prefix, strict=True):
                q &= models.Q(**{name: value})
            condition |= q
        return model._default_manager.filter(condition)
    keys = list(incoming)
    first = spec.key[0]
    return (
        model._default_manager.filter(**{f"{first}__in": {k[0] for k in keys}})
        if keys
        else model._default_manager.none()
    )


def _compare(
    spec: Spec,
    incoming: dict[tuple[Any, ...], dict[str, Any]],
    existing: dict[tuple[Any, ...], Any],
    value_fields: list[str],
    outcome: Outcome,
) -> tuple[list[models.Model], list[tuple[Any, list[str]]], list[dict[str, Any]]]:
    """Each incoming row against the stored one, popped from `existing`: the rows to create, the
    rows changed (set in memory) with their changed fields, and the old values to undo them.
    Rows that are the same are counted in `outcome.unchanged`."""
    model = spec.model
    created: list[models.Model] = []
    changed: list[tuple[Any, list[str]]] = []
    undo_updated: list[dict[str, Any]] = []
    for key, values in incoming.items():
        current = existing.pop(key, None)
        if current is None:
            created.append(model(**values))
            continue
        if spec.deactivate and not getattr(current, spec.deactivate):
            values = {**values, spec.deactivate: True}
        fields = [f for f in [*value_fields, *([spec.deactivate] if spec.deactivate else [])] if f in values]
        diff = {f: getattr(current, f) for f in fields if _differs(getattr(current, f), values[f])}
        if diff:
            undo_updated.append({"pk": current.pk, **{k: _plain(v) for k, v in diff.items()}})
            for f in diff:
                setattr(current, f, values[f])
            changed.append((current, list(diff)))
        else:
            outcome.unchanged += 1
    return created, changed, undo_updated


def _retire(
    spec: Spec, leftovers: list[Any], undo_updated: list[dict[str, Any]], outcome: Outcome
) -> list[dict[str, Any]]:
    """Stored rows of the replaced scope the file no longer has: deactivated (their undo added to
    `undo_updated`) or deleted (their snapshots returned); counted in `outcome.removed`."""
    model = spec.model
    if spec.deactivate:
        stale = [o for o in leftovers if getattr(o, spec.deactivate)]
        for o in stale:
            undo_updated.append({"pk": o.pk, spec.deactivate: True})
            setattr(o, spec.deactivate, False)
        if stale:
            model._default_manager.bulk_update(stale, [spec.deactivate], batch_size=1000)
        outcome.removed = len(stale)
        return []
    undo_deleted = [_snapshot(o) for o in leftovers]
    model._default_manager.filter(pk__in=[o.pk for o in leftovers]).delete()
    outcome.removed = len(leftovers)
    return undo_deleted


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def revert(undo: dict[str, Any]) -> None:
    """Put every row an import touched back as it was (inside the caller's transaction)."""
    from django.apps import apps

    for part in reversed(undo.get("parts", [undo])):
        model = apps.get_model(part["model"])
        if model is School:  # branches created with their head school: unlink before deleting
            School.objects.filter(pk__in=part["created"]).update(parent=None)
        model._default_manager.filter(pk__in=part["created"]).delete()
        for change in part["updated"]:
            pk = change.pop("pk")
            values = {k: _unplain(model._meta.get_field(k), v) for k, v in change.items()}
            model._default_manager.filter(pk=pk).update(**values)
            change["pk"] = pk
        rows = []
        for snapshot in part["deleted"]:
            values = {}
            for f in model._meta.concrete_fields:
                if f.attname in snapshot:
                    values[f.attname] = _unplain(f, snapshot[f.attname])
            rows.append(model(**values))
        model._default_manager.bulk_create(rows, batch_size=1000)


# --- the tables ----------------------------------------------------------------------------------


def _school_ids() -> dict[str, int]:
    return dict(School.objects.values_list("school_id", "pk"))


def load_social(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    schools = _school_ids()
    columns = [c for c in TABLES["social"].names if c not in ("year", "school_id")]
    spec = Spec(
        SocialRecord,
        key=("year", "school_id"),
        scope=("year", "school_id"),
        fields={c: c for c in columns},
        resolve=lambda r: {"year": r["year"], "school_id": schools[r["school_id"]]},
    )
    return apply(spec, data, present)


def load_survey(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    schools = _school_ids()
    spec = Spec(
        SurveyValue,
        key=("year", "school_id", "parameter"),
        scope=("year", "school_id"),
        fields={"value": "value", "respondents": "respondents"},
        resolve=lambda r: {"year": r["year"], "school_id": schools[r["school_id"]], "parameter": r["parameter"]},
    )
    return apply(spec, data, present)


def load_oversight(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    schools = _school_ids()
    spec = Spec(
        OversightSignal,
        key=("year", "school_id", "kind"),
        scope=("year", "school_id"),
        fields={"count": "count"},
        resolve=lambda r: {"year": r["year"], "school_id": schools[r["school_id"]], "kind": r["kind"]},
    )
    return apply(spec, data, present)


def _teachers(keys: Iterable[str], create: bool) -> tuple[dict[str, int], list[int]]:
    keys = set(keys)
    known = dict(Teacher.objects.filter(staff_key__in=keys).values_list("staff_key", "pk"))
    created: list[int] = []
    if create:
        missing = [Teacher(staff_key=k) for k in sorted(keys - set(known))]
        Teacher.objects.bulk_create(missing, batch_size=1000)
        fresh = dict(
            Teacher.objects.filter(staff_key__in=[t.staff_key for t in missing]).values_list("staff_key", "pk")
        )
        created = list(fresh.values())
        known.update(fresh)
    return known, created


def load_staff(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    schools = _school_ids()
    teachers, new_teachers = _teachers(data.column("staff_key").to_pylist(), create=True)
    spec = Spec(
        StaffMember,
        key=("teacher_id", "school_id"),
        scope=("school_id",),
        fields={c: c for c in ("position", "subjects", "experience_years", "category", "age")},
        resolve=lambda r: {"teacher_id": teachers[r["staff_key"]], "school_id": schools[r["school_id"]]},
        deactivate="is_active",
    )
    outcome = apply(spec, data, present)
    outcome.undo = {
        "parts": [{"model": "staff.Teacher", "created": new_teachers, "updated": [], "deleted": []}, outcome.undo]
    }
    return outcome


def load_diagnostics(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    teachers, _ = _teachers(data.column("staff_key").to_pylist(), create=False)
    spec = Spec(
        Diagnostic,
        key=("year", "teacher_id", "area"),
        scope=("year", "teacher_id"),
        fields={"score": "score", "max_score": "max_score"},
        resolve=lambda r: {"year": r["year"], "teacher_id": teachers[r["staff_key"]], "area": r["area"]},
    )
    return apply(spec, data, present)


def load_courses(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    teachers, _ = _teachers(data.column("staff_key").to_pylist(), create=False)
    spec = Spec(
        Course,
        key=("teacher_id", "title", "start"),
        scope=(),
        fields={c: c for c in ("provider", "hours", "end", "topic")},
        resolve=lambda r: {"teacher_id": teachers[r["staff_key"]], "title": r["title"], "start": r["start"]},
    )
    return apply(spec, data, present)


def _municipality_kind(name: str) -> str:
    folded = fold(name)
    if "городской округ" in folded or folded.startswith("город ") or folded.startswith("г "):
        return Municipality.Kind.CITY_OKRUG
    if "муниципальный округ" in folded:
        return Municipality.Kind.MUNICIPAL_OKRUG
    return Municipality.Kind.DISTRICT


def load_schools(data: pa.Table, present: set[str], log: IssueLog) -> Outcome:
    """Schools by code; municipalities matched by code or name, new ones created; branches linked."""
    region = Region.objects.order_by("pk").first()
    if region is None:
        raise LookupError("Регион не создан: выполните «shnor init».")
    rows = _rows(data, TABLES["schools"].names)
    municipalities, created_munis = _municipalities(region, rows, log)
    file_ids = {r["school_id"] for r in rows}
    _check_parents(rows, file_ids, log)
    if log.has_errors:
        return Outcome()
    spec = Spec(
        School,
        key=("school_id",),
        scope=(),
        fields={c: c for c in ("name", "locality", "enrollment", "lat", "lon", "innovation_site")}
        | {"municipality": "municipality_id"},
        resolve=lambda r: {"school_id": r["school_id"]},
    )
    muni_ids = data.column("municipality").to_pylist()
    data = data.set_column(
        data.schema.get_field_index("municipality"),
        "municipality",
        pa.array([municipalities[fold(m)].pk for m in muni_ids], pa.int64()),
    )
    if "innovation_site" in present:
        data = data.set_column(
            data.schema.get_field_index("innovation_site"),
            "innovation_site",
            data.column("innovation_site").fill_null(False),
        )
    outcome = apply(spec, data, present)
    if "parent_school_id" in present:
        outcome.undo["updated"].extend(_link_branches(rows, file_ids))
    outcome.undo = {
        "parts": [
            {"model": "registry.Municipality", "created": created_munis, "updated": [], "deleted": []},
            outcome.undo,
        ]
    }
    return outcome


def _municipalities(
    region: Region, rows: list[dict[str, Any]], log: IssueLog
) -> tuple[dict[str, Municipality], list[int]]:
    """The region's municipalities by folded code and name, with those the file names and the
    registry does not have created (a warning each); and the ids of the created ones."""
    municipalities = {fold(m.code): m for m in Municipality.objects.filter(region=region)}
    municipalities.update({fold(m.name): m for m in Municipality.objects.filter(region=region)})
    created_munis: list[int] = []
    for row in rows:
        name = row["municipality"]
        if fold(name) not in municipalities:
            muni = Municipality.objects.create(region=region, code=name[:32], name=name, kind=_municipality_kind(name))
            municipalities[fold(name)] = muni
            created_munis.append(muni.pk)
            log.warning(
                "reference",
                f"муниципалитета «{name}» не было в реестре: он создан",
                row=row[ROW],
                column="Муниципалитет (municipality)",
                value=name,
            )
    return municipalities, created_munis


def _check_parents(rows: list[dict[str, Any]], file_ids: set[str], log: IssueLog) -> None:
    """A branch's head school must be in the file or the registry, and not a branch itself."""
    parents_in_file = {r["school_id"]: r.get("parent_school_id") for r in rows}
    registry_parents = dict(School.objects.filter(parent__isnull=False).values_list("school_id", "parent__school_id"))
    known = set(School.objects.values_list("school_id", flat=True))
    for row in rows:
        parent = row.get("parent_school_id")
        if not parent:
            continue
        label = "Код головной ОО (parent_school_id)"
        if parent not in file_ids and parent not in known:
            log.error(
                "reference",
                "головной ОО с таким кодом нет ни в файле, ни в реестре",
                row=row[ROW],
                column=label,
                value=parent,
            )
        elif parents_in_file.get(parent) or (parent not in file_ids and registry_parents.get(parent)):
            log.error(
                "reference",
                "головная ОО сама является филиалом: укажите школу, у которой нет головной",
                row=row[ROW],
                column=label,
                value=parent,
            )


def _link_branches(rows: list[dict[str, Any]], file_ids: set[str]) -> list[dict[str, Any]]:
    """Each school of the file linked to its head school (or unlinked); the old links, to undo it."""
    ids = _school_ids()
    current = dict(School.objects.filter(school_id__in=file_ids).values_list("school_id", "parent_id"))
    undo_parent = []
    for row in rows:
        wanted = ids.get(row["parent_school_id"]) if row.get("parent_school_id") else None
        if current[row["school_id"]] != wanted:
            pk = ids[row["school_id"]]
            undo_parent.append({"pk": pk, "parent_id": current[row["school_id"]]})
            School.objects.filter(pk=pk).update(parent_id=wanted)
    return undo_parent


LOADERS: dict[str, Callable[[pa.Table, set[str], IssueLog], Outcome]] = {
    "schools": load_schools,
    "social": load_social,
    "survey": load_survey,
    "oversight": load_oversight,
    "staff": load_staff,
    "diagnostics": load_diagnostics,
    "courses": load_courses,
}


def _differs(stored: Any, incoming: Any) -> bool:
    """A value changed: floats within a billionth of each other are the same value (41,5 % read
    as 0.41500000000000004 is the 0.415 already stored)."""
    if isinstance(stored, float) and isinstance(incoming, float):
        return not math.isclose(stored, incoming, rel_tol=1e-9, abs_tol=1e-12)
    return bool(stored != incoming)
