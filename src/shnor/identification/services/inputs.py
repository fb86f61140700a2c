"""The inputs of a run and their fingerprints: what changed in the data since a run."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pandas as pd

from shnor.datasets.models import OversightSignal, SocialRecord
from shnor.engine.store import Store
from shnor.identification.models import Run
from shnor.identification.services.common import store
from shnor.lib.memo import Memo
from shnor.registry.models import School


def school_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The registry, social data and oversight signals as the core takes them."""
    schools = pd.DataFrame(
        list(School.objects.filter(is_active=True).values("school_id", "name", "municipality__name", "locality")),
        columns=["school_id", "name", "municipality__name", "locality"],
    ).rename(columns={"municipality__name": "municipality"})
    social_fields = ["year", "school__school_id", *(c for c in _social_columns())]
    social = pd.DataFrame(list(SocialRecord.objects.values(*social_fields)), columns=social_fields).rename(
        columns={"school__school_id": "school_id"}
    )
    oversight = pd.DataFrame(
        list(OversightSignal.objects.values("year", "school__school_id", "kind", "count")),
        columns=["year", "school__school_id", "kind", "count"],
    ).rename(columns={"school__school_id": "school_id"})
    return schools, social, oversight


def input_fingerprints(
    the_store: Store, schools: pd.DataFrame, social: pd.DataFrame, oversight: pd.DataFrame, years: list[int]
) -> dict[str, Any]:
    return {
        "store": {t: the_store.manifest(t).version for t in ("results", "results_schools", "results_tasks")},
        "schools": _digest(schools),
        "social": _digest(social),
        "oversight": _digest(oversight),
        "years": years,
    }


# Read by most pages, kept in memory until the data change: the list of a run (indicators,
# recommendations, the network; 4,000 listed schools of a country: 50 ms a page otherwise) and the
# digests of the registry and social data a run's page compares with the run's own. Never an
# earlier version's: the list is official, and every page that names it must name the same one.
LISTS = Memo(size=16, earlier=False)


INPUT_TITLES = {
    "results": "результаты обучающихся",
    "results_schools": "результаты по школам",
    "results_tasks": "результаты по заданиям",
    "schools": "реестр школ",
    "social": "социальные данные",
    "oversight": "сигналы надзора",
}


def input_changes(run: Run) -> list[str]:
    """Which inputs differ from those the run used (Russian names). Empty: a new run with the same
    preset gives the same results, because the computation is deterministic."""
    if not run.inputs:
        return []
    the_store = store()
    versions = {t: the_store.manifest(t).version for t in run.inputs.get("store", {})}
    changed = [t for t, version in run.inputs.get("store", {}).items() if versions.get(t) != version]
    # Digests of the registry, social data and oversight: a read and a hash of every school's rows,
    # done once per data version, not on every view of a run's page.
    now = LISTS.get(("input_digests",), _database_digests)
    changed += [k for k in ("schools", "social", "oversight") if now[k] != run.inputs.get(k)]
    return [INPUT_TITLES[k] for k in changed]


def _database_digests() -> dict[str, str]:
    schools, social, oversight = school_tables()
    return {"schools": _digest(schools), "social": _digest(social), "oversight": _digest(oversight)}


def _social_columns() -> list[str]:
    from shnor.core.methodology import SOCIAL_COLUMNS

    return ["students", *SOCIAL_COLUMNS]


def _digest(frame: pd.DataFrame) -> str:
    ordered = frame.sort_values(list(frame.columns)).reset_index(drop=True) if not frame.empty else frame
    return hashlib.sha256(ordered.to_csv(index=False).encode("utf-8")).hexdigest()


def number_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number
