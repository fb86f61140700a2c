"""How the list moves with the cut-offs, and how two runs compare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from shnor.accounts.actor import Actor
from shnor.core.methodology import Methodology
from shnor.identification.models import Run, SchoolResult
from shnor.identification.services.results import results_for


@dataclass
class SensitivityRow:
    ior_shift: float
    isb_shift: float
    ior_cutoff: str
    isb_cutoff: str
    selected: int
    added: list[SchoolResult]
    removed: list[SchoolResult]
    added_total: int
    removed_total: int


def sensitivity(user: Actor, run: Run, shift: float = 0.05) -> list[SensitivityRow]:
    """The run's selection with the cut-offs moved by ± `shift`. The cut-offs are the region's,
    so every school of the run takes part; the lists name only the schools the user may see."""
    from shnor.core.identification.sensitivity import sensitivity as scenarios

    rows = list(SchoolResult.objects.filter(run=run).select_related("school", "school__municipality"))
    by_id = {r.school.school_id: r for r in rows}
    base = pd.DataFrame(
        {
            "ior": [r.ior for r in rows],
            "isb": [r.isb for r in rows],
            "insufficient_data": [r.insufficient_data for r in rows],
            "federal_risk": [r.federal_risk for r in rows],
            "objectivity_flag": [r.objectivity_flag for r in rows],
            "value_added_negative": [r.value_added_negative for r in rows],
            "orders": [r.orders for r in rows],
            "complaints": [r.complaints for r in rows],
        },
        index=pd.Index([r.school.school_id for r in rows], name="school_id"),
        dtype=object,
    ).astype({"ior": float, "isb": float})
    per_year = pd.DataFrame(
        [{"school_id": r.school.school_id, "year": y["year"], "ior": y["ior"]} for r in rows for y in r.per_year],
        columns=["school_id", "year", "ior"],
    ).astype({"ior": float})
    visible = set(results_for(user, run).values_list("school__school_id", flat=True))
    methodology = Methodology.model_validate(run.methodology)
    out = []
    for s in scenarios(base, per_year, list(run.summary.get("window", [])), methodology, shift):
        out.append(
            SensitivityRow(
                ior_shift=s.ior_shift,
                isb_shift=s.isb_shift,
                ior_cutoff=_cutoff_text(s.ior_cutoff),
                isb_cutoff=_cutoff_text(s.isb_cutoff),
                selected=s.selected,
                added=[by_id[i] for i in s.added if i in visible],
                removed=[by_id[i] for i in s.removed if i in visible],
                added_total=len(s.added),
                removed_total=len(s.removed),
            )
        )
    return out


def _cutoff_text(cutoff: Any) -> str:
    if cutoff.kind == "quantile":
        return f"{round(100 * cutoff.value)} % школ"
    return f"не выше {cutoff.value:.3f}".replace(".", ",")


@dataclass
class Comparison:
    first: Run
    second: Run
    rows: list[dict[str, Any]]
    entered: int
    left: int
    stayed: int
    transitions: dict[str, dict[str, int]]


def compare(user: Actor, first: Run, second: Run) -> Comparison:
    """Two runs school by school: the list each proposed, the cluster and ИОР in each."""
    a = {r.school_id: r for r in results_for(user, first)}
    b = {r.school_id: r for r in results_for(user, second)}
    rows = []
    codes = ["effective", "resilient", "struggling", "deprived", ""]
    transitions = {x: dict.fromkeys(codes, 0) for x in codes}
    for pk in sorted(
        set(a) | set(b), key=lambda k: ((a.get(k) or b[k]).school.municipality.name, (a.get(k) or b[k]).school.name)
    ):
        ra, rb = a.get(pk), b.get(pk)
        if ra is not None and rb is not None:
            transitions[ra.cluster][rb.cluster] += 1
        rows.append(
            {
                "school": (ra if ra is not None else b[pk]).school,
                "first": ra,
                "second": rb,
                "change": _change(ra, rb),
            }
        )
    return Comparison(
        first=first,
        second=second,
        rows=rows,
        entered=sum(1 for r in rows if r["change"] == "entered"),
        left=sum(1 for r in rows if r["change"] == "left"),
        stayed=sum(1 for r in rows if r["change"] == "stayed"),
        transitions=transitions,
    )


def _change(first: SchoolResult | None, second: SchoolResult | None) -> str:
    was = bool(first and first.selected)
    now = bool(second and second.selected)
    if was and now:
        return "stayed"
    if now:
        return "entered"
    if was:
        return "left"
    return ""
