"""How the proposed list depends on the cut-offs: the selection recomputed with the ИОР and ИСБ
cut-offs moved by ± `shift` (5 percentage points of the schools by default), and which schools
enter or leave the list in each case. Only the parts that depend on cut-offs are recomputed
(`identify.classify`); the indices, signs and value added stay as the run computed them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shnor.core.identification.identify import classify
from shnor.core.methodology import Cutoff, Methodology


@dataclass(frozen=True)
class Scenario:
    ior_shift: float
    isb_shift: float
    ior_cutoff: Cutoff
    isb_cutoff: Cutoff
    selected: int
    added: list[str]
    removed: list[str]


def shifted(cutoff: Cutoff, values: pd.Series, eligible: pd.Series, shift: float) -> Cutoff:
    """The cut-off moved by `shift` of the distribution: a quantile directly; a fixed value to
    the value at its own rank plus `shift`."""
    if shift == 0:
        return cutoff
    if cutoff.kind == "quantile":
        return Cutoff(kind="quantile", value=min(max(cutoff.value + shift, 0.01), 0.99))
    pool = values[eligible & values.notna()]
    if pool.empty:
        return cutoff
    rank = float((pool <= cutoff.value).mean())
    return Cutoff(kind="fixed", value=float(pool.quantile(min(max(rank + shift, 0.0), 1.0))))


def sensitivity(
    base: pd.DataFrame, per_year: pd.DataFrame, years: list[int], methodology: Methodology, shift: float = 0.05
) -> list[Scenario]:
    """Nine scenarios: each cut-off at −shift, as set, +shift."""
    sufficient = ~base["insufficient_data"].astype(bool)
    baseline = classify(base, per_year, years, methodology).table["selected"]
    scenarios = []
    for di in (-shift, 0.0, shift):
        for dj in (-shift, 0.0, shift):
            ior_cutoff = shifted(methodology.ior_low, base["ior"], sufficient, di)
            isb_cutoff = shifted(methodology.isb_low, base["isb"], base["isb"].notna(), dj)
            moved = methodology.model_copy(update={"ior_low": ior_cutoff, "isb_low": isb_cutoff})
            selected = classify(base, per_year, years, moved).table["selected"]
            scenarios.append(
                Scenario(
                    ior_shift=di,
                    isb_shift=dj,
                    ior_cutoff=ior_cutoff,
                    isb_cutoff=isb_cutoff,
                    selected=int(selected.sum()),
                    added=sorted(map(str, base.index[selected & ~baseline])),
                    removed=sorted(map(str, base.index[~selected & baseline])),
                )
            )
    return scenarios
