"""Effectiveness of measures: did the supported schools change more than similar schools that
were not supported? Pure: numpy and scipy, no Django.

A regional trend (every school's ИОР rising because the tests got easier, say) is not an effect.
So each supported school is compared with the k unsupported schools most like it before the
measures — the same stratum (locality), the nearest on standardised covariates (ИСБ, size, prior
results), with replacement — and the estimate is the mean over supported schools of

    d_i = (after_i − before_i) − mean over its controls j of (after_j − before_j),

a difference in differences on the matched sample, with the bias correction of Abadie and Imbens
(2011): each control's change is moved by β·(x_i − x_j), β from the least-squares fit of change on
the covariates among the unsupported schools, so that what matching leaves unbalanced does not pass
for an effect. Its interval is Student's t on the d_i (n − 1 degrees of freedom). A supported school with no unsupported school in its stratum is left out and
named. Standardised mean differences of the covariates before and after matching show whether the
controls are alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from shnor.core.errors import DomainRefusal


class EffectError(DomainRefusal, ValueError):
    """The data cannot give an estimate; the message (Russian) says why."""


@dataclass(frozen=True)
class Unit:
    id: str
    treated: bool
    before: float
    after: float
    covariates: tuple[float, ...]
    stratum: str = ""


@dataclass(frozen=True)
class Match:
    treated: str
    controls: tuple[str, ...]
    change: float  # after − before of the supported school
    control_change: float  # mean change of its controls, bias-corrected to the school's covariates
    difference: float  # change − control_change


@dataclass(frozen=True)
class Estimate:
    effect: float
    low: float
    high: float
    level: float
    treated: int
    controls: int  # distinct control schools used
    change_treated: float  # the naive before/after change of the supported schools
    change_controls: float  # the same of their matched controls: the trend a naive reading mistakes
    matches: list[Match] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    balance_before: list[float] = field(default_factory=list)  # standardised mean differences
    balance_after: list[float] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.low > 0 or self.high < 0


def _smd(treated: np.ndarray, control: np.ndarray, scale: np.ndarray) -> list[float]:
    """Standardised mean difference per covariate, on the pooled scale of all units."""
    if not len(treated) or not len(control):
        return [math.nan] * len(scale)
    return [float(v) for v in (treated.mean(axis=0) - control.mean(axis=0)) / scale]


def did(units: Sequence[Unit], k: int = 3, level: float = 0.9) -> Estimate:
    """Matched difference in differences (see the module docstring)."""
    if k < 1:
        raise EffectError("Число контрольных школ на одну школу — не меньше 1.")
    if not 0 < level < 1:
        raise EffectError("Уровень доверия — между 0 и 1.")
    if not units:
        raise EffectError("Нет школ для сравнения.")
    widths = {len(u.covariates) for u in units}
    if len(widths) != 1:
        raise EffectError("У всех школ должен быть одинаковый набор характеристик для сопоставления.")
    bad = [u.id for u in units if not all(math.isfinite(v) for v in (u.before, u.after, *u.covariates))]
    if bad:
        raise EffectError(f"Нет значений до или после мер либо характеристик у школ: {', '.join(bad[:10])}.")
    x = np.array([u.covariates for u in units], dtype=float).reshape(len(units), -1)
    scale = x.std(axis=0, ddof=0)
    scale[scale == 0] = 1.0
    z = x / scale
    change = np.array([u.after - u.before for u in units])
    treated_idx = [i for i, u in enumerate(units) if u.treated]
    control_idx = np.array([i for i, u in enumerate(units) if not u.treated], dtype=int)
    if len(treated_idx) < 2:
        raise EffectError("Для интервала нужны хотя бы две поддержанные школы.")
    if not len(control_idx):
        raise EffectError("Нет неподдержанных школ для сравнения.")
    # Bias correction: change ≈ a + β·x among the unsupported schools.
    design = np.column_stack([np.ones(len(control_idx)), x[control_idx]])
    beta = np.linalg.lstsq(design, change[control_idx], rcond=None)[0][1:] if len(control_idx) > x.shape[1] else None
    strata = np.array([u.stratum for u in units])
    matches: list[Match] = []
    unmatched: list[str] = []
    used: set[int] = set()
    matched_controls: list[int] = []
    for i in treated_idx:
        pool = control_idx[strata[control_idx] == strata[i]]
        if not len(pool):
            unmatched.append(units[i].id)
            continue
        distance = np.sqrt(((z[pool] - z[i]) ** 2).sum(axis=1))
        # Nearest first; ties by position, so the result does not depend on anything else.
        order = np.lexsort((pool, distance))[:k]
        chosen = pool[order]
        used.update(int(c) for c in chosen)
        matched_controls.extend(int(c) for c in chosen)
        adjusted = change[chosen] if beta is None else change[chosen] + (x[i] - x[chosen]) @ beta
        control_change = float(adjusted.mean())
        matches.append(
            Match(
                units[i].id,
                tuple(units[int(c)].id for c in chosen),
                float(change[i]),
                control_change,
                float(change[i]) - control_change,
            )
        )
    n = len(matches)
    if n < 2:
        raise EffectError("Меньше двух поддержанных школ нашли похожие неподдержанные: оценка невозможна.")
    d = np.array([m.difference for m in matches])
    effect = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    matched_treated = [i for i in treated_idx if units[i].id not in set(unmatched)]
    return Estimate(
        effect=effect,
        low=effect - half,
        high=effect + half,
        level=level,
        treated=n,
        controls=len(used),
        change_treated=float(np.mean([m.change for m in matches])),
        change_controls=float(np.mean([m.control_change for m in matches])),
        matches=matches,
        unmatched=unmatched,
        balance_before=_smd(x[treated_idx], x[control_idx], scale),
        balance_after=_smd(x[matched_treated], x[matched_controls], scale),
    )
