"""The indices: ИОР with empirical-Bayes shrinkage of the composite, ИСБ with Cronbach's α,
value added with its interval, and the low zones. Pure numpy/pandas; see docs/methodology.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from shnor.core.methodology import Cutoff, Methodology

WORK = ["procedure", "subject", "grade"]


def standardise(works: pd.DataFrame, assumed_icc: float) -> pd.DataFrame:
    """Each school mean of a work and year in pupil standard deviations from the regional mean.

    Adds `z` (the standardised mean) and `v` (its sampling variance, σ²_within / (s² · n)). Where
    pupil-level data give the within-school sums of squares, the pupil SD `s` and the pooled
    within-school variance come from them. Where only school means exist (`results_schools`), the
    pupil variance is taken as the between-school variance of the means divided by `assumed_icc`.
    """
    if works.empty:
        return works.assign(region_mean=np.nan, region_sd=np.nan, z=np.nan, v=np.nan)
    keys = ["year", *WORK]
    # Each work's rows together, in the order of the keys (stable: a work's schools keep theirs);
    # the sums per work by bincount over the work's number, not a Python loop over the works.
    out = works.sort_values(keys, kind="stable", ignore_index=True)
    ids = out.groupby(keys, sort=False).ngroup().to_numpy()
    k = int(ids.max()) + 1
    # A school whose pupils of a work carry no score (base maths with the mark alone) has no mean:
    # it takes no part in the work's regional sums, and its z stays empty.
    raw_mean = out["mean"].to_numpy(float)
    scored = np.isfinite(raw_mean)
    n = np.where(scored, out["n_scored"].to_numpy(float), 0.0)
    scored &= n > 0
    mean = np.where(scored, raw_mean, 0.0)
    within = out["within_ss"].to_numpy(float)
    finite = np.isfinite(within)
    size = np.bincount(ids, weights=scored, minlength=k)
    total = np.bincount(ids, weights=n, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.bincount(ids, weights=n * mean, minlength=k) / total
    between = np.bincount(ids, weights=np.where(scored, n * (mean - mu[ids]) ** 2, 0.0), minlength=k)
    within_sum = np.bincount(ids, weights=np.where(finite & scored, within, 0.0), minlength=k)
    pupils = (np.bincount(ids, weights=~finite & scored, minlength=k) == 0) & (total > size)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Pupil-level sums of squares: the pupil SD and the pooled within-school variance.
        s2_pupils = (within_sum + between) / (total - 1)
        sigma2_pupils = within_sum / (total - size)
        # School means only: the pupil variance from the between-school variance and the ICC.
        tau2 = np.where(size > 1, between / total, 0.0)
        s2_means = np.where(tau2 > 0, tau2 / assumed_icc, 1.0)
    s2 = np.where(pupils, s2_pupils, s2_means)
    sigma2 = np.where(pupils, sigma2_pupils, s2_means * (1 - assumed_icc))
    s = np.where(s2 > 0, np.sqrt(np.where(s2 > 0, s2, 1.0)), 1.0)
    out["region_mean"] = mu[ids]
    out["region_sd"] = s[ids]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["z"] = np.where(scored, (mean - mu[ids]) / s[ids], np.nan)
        out["v"] = np.where(scored, sigma2[ids] / (s[ids] ** 2 * n), np.nan)
    return out


def dersimonian_laird(estimate: np.ndarray, variance: np.ndarray) -> float:
    """Between-unit variance τ² by DerSimonian–Laird's method of moments (0 when not positive)."""
    k = len(estimate)
    if k < 2:
        return 0.0
    w = 1.0 / variance
    mean = (w * estimate).sum() / w.sum()
    q = (w * (estimate - mean) ** 2).sum()
    denominator = w.sum() - (w * w).sum() / w.sum()
    return float(max(0.0, (q - (k - 1)) / denominator)) if denominator > 0 else 0.0


@dataclass(frozen=True)
class Shrunk:
    estimate: pd.Series
    se: pd.Series
    reliability: pd.Series
    tau2: float
    mean: float


def shrink(raw: pd.Series, variance: pd.Series) -> Shrunk:
    """Empirical Bayes: each raw value pulled toward the precision-weighted mean by its reliability
    B = τ² / (τ² + V); standard error √(B·V + (1 − B)² · Var(mean))."""
    ok = raw.notna() & variance.notna() & (variance > 0)
    r, v = raw[ok].to_numpy(float), variance[ok].to_numpy(float)
    tau2 = dersimonian_laird(r, v)
    w = 1.0 / (tau2 + v)
    mean = float((w * r).sum() / w.sum()) if len(r) else 0.0
    var_mean = 1.0 / w.sum() if len(r) else 0.0
    b = tau2 / (tau2 + v)
    estimate = pd.Series(np.nan, index=raw.index)
    se = pd.Series(np.nan, index=raw.index)
    reliability = pd.Series(np.nan, index=raw.index)
    estimate[ok] = mean + b * (r - mean)
    se[ok] = np.sqrt(b * v + (1 - b) ** 2 * var_mean)
    reliability[ok] = b
    return Shrunk(estimate, se, reliability, tau2, mean)


def composite(scored: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Weighted mean of the standardised components (`z`, `v`, `weight`) per `by`: the raw composite
    R = Σwz / Σw and its sampling variance V = Σw²v / (Σw)²; also the pupils and components counted."""
    s = scored[(scored["weight"] > 0) & scored["z"].notna()]
    if s.empty:  # no work with a result: no composite (an empty sum would lose its columns)
        index = pd.MultiIndex.from_tuples([], names=by) if len(by) > 1 else pd.Index([], name=by[0])
        return pd.DataFrame({"raw": [], "variance": [], "participants": [], "components": []}, index=index)
    w = s["weight"]
    parts = pd.DataFrame(
        {
            **{k: s[k] for k in by},
            "wz": w * s["z"],
            "w": w,
            "w2v": w * w * s["v"],
            "n": s["n_scored"] if "n_scored" in s else s["n"],  # the pupils behind the means
            "one": 1,
        }
    )
    g = parts.groupby(by).sum(numeric_only=True)
    return pd.DataFrame(
        {
            "raw": g["wz"] / g["w"],
            "variance": g["w2v"] / g["w"] ** 2,
            "participants": g["n"],
            "components": g["one"],
        }
    )


def low_zone(values: pd.Series, eligible: pd.Series, cutoff: Cutoff) -> tuple[pd.Series, float]:
    """Values in the low zone (at or below the cut-off) among `eligible`, and the threshold used."""
    pool = values[eligible & values.notna()]
    if pool.empty:
        return pd.Series(False, index=values.index), float("nan")
    threshold = float(pool.quantile(cutoff.value)) if cutoff.kind == "quantile" else cutoff.value
    return (values <= threshold) & eligible & values.notna(), threshold


@dataclass(frozen=True)
class Social:
    table: pd.DataFrame  # school_id → isb, isb_components, isb_year, isb_se, isb_missing
    alpha: float  # Cronbach's α of the oriented, standardised shares
    parts: list[str]


def social_index(social: pd.DataFrame, year: int, methodology: Methodology) -> Social:
    """ИСБ of each school from its latest social record up to `year`: each share standardised across
    the region, oriented so that higher = better, and averaged with the preset's weights over the
    shares the school has (`isb_missing`: those the region collects and it lacks). `isb_se`: the
    index's standard error from the shares' sampling variance p(1 − p)/n over the school's pupils
    (p half a pupil in from 0 and 1; shares taken as independent; a missing share adds nothing), NaN
    without the number of pupils."""
    parts = [p for p in methodology.social if p.column in social]
    empty = pd.DataFrame(columns=["isb", "isb_components", "isb_year", "isb_se", "isb_missing"]).rename_axis(
        "school_id"
    )
    if social.empty or not parts:
        return Social(empty, float("nan"), [])
    latest = social[social["year"] <= year].sort_values("year").groupby("school_id").tail(1).set_index("school_id")
    if latest.empty:
        return Social(empty, float("nan"), [])
    oriented = pd.DataFrame(index=latest.index)
    sampling = pd.DataFrame(index=latest.index)  # each oriented share's sampling variance
    pupils = latest["students"].astype(float) if "students" in latest else pd.Series(np.nan, index=latest.index)
    pupils = pupils.where(pupils > 0)
    for part in parts:
        x = latest[part.column].astype(float)
        sd = x.std(ddof=1)
        # A share the same at every school says nothing of any of them: it is left out as if not
        # collected (no weight, no component, not in α). Judged by its range, not by sd > 0: the sd
        # of 0,4 repeated is 6·10⁻¹⁷, not 0, and turned rounding noise into ±0,8 of the index.
        varies = bool(x.max() - x.min() > 1e-12)
        z = (x - x.mean()) / sd if varies and np.isfinite(sd) else x * np.nan
        oriented[part.column] = z if part.higher_is_better else -z
        # A share of a few pupils moves by chance: p(1 − p)/n of the school's pupils, in units of
        # the region's spread of the share; p taken half a pupil in from 0 and 1 ((k + ½)/(n + 1)),
        # so that a share of none or all of a few pupils is not taken as certain. A share outside
        # [0; 1] has no sampling error to state (the school's index then has none).
        p = (x * pupils + 0.5) / (pupils + 1)
        sampling[part.column] = (p * (1 - p) / pupils / sd**2).where(z.notna() & x.between(0, 1))
    weights = pd.Series({p.column: p.weight for p in parts})
    present = oriented.notna()
    weighted = oriented.fillna(0.0).mul(weights, axis=1).sum(axis=1)
    total = present.mul(weights, axis=1).sum(axis=1)
    spread = sampling.mul(weights**2, axis=1).sum(axis=1, min_count=1)
    missing = ~present & oriented.notna().any(axis=0)  # shares the region collects and the school lacks
    names = np.array(missing.columns, dtype=object)
    table = pd.DataFrame(
        {
            "isb": (weighted / total).where(total > 0),
            "isb_components": present.sum(axis=1).astype(int),
            "isb_year": latest["year"].astype(int),
            "isb_se": (np.sqrt(spread) / total).where((total > 0) & sampling.notna().eq(present).all(axis=1)),
            # Through a plain array of the names: indexing the frame's columns once per school took
            # seconds for a country's region.
            "isb_missing": [";".join(names[gone]) for gone in missing.to_numpy()],
        }
    )
    collected = oriented.dropna(axis=1, how="all")  # a share the source does not collect is left out
    return Social(table, cronbach_alpha(collected.dropna()), list(collected.columns))


def cronbach_alpha(items: pd.DataFrame) -> float:
    """α = k/(k−1) · (1 − Σ var(item) / var(Σ items)); NaN for fewer than two items or rows."""
    k = items.shape[1]
    if k < 2 or len(items) < 2:
        return float("nan")
    total = items.sum(axis=1).var(ddof=1)
    if not total:
        return float("nan")
    return float(k / (k - 1) * (1 - items.var(ddof=1).sum() / total))


@dataclass(frozen=True)
class ValueAdded:
    table: pd.DataFrame  # value_added, value_added_low, value_added_high, predicted
    coefficients: dict[str, float]
    tau2: float
    r2: float


def value_added(
    raw: pd.Series,
    variance: pd.Series,
    isb: pd.Series,
    rural: pd.Series | None,
    fit_on: pd.Series,
    level: float,
    iterations: int = 50,
) -> ValueAdded:
    """Residual of the results on the social context, shrunk toward the regression line.

    Model: R_i = x_i·β + u_i + e_i with u ~ N(0, τ²) the school's value added and e ~ N(0, V_i)
    its sampling noise. β by weighted least squares with weights 1 / (τ² + V), τ² by moments
    (E[r² − V] with a k/(k − p) correction), iterated. The value added is B·(R − x·β) with
    B = τ²/(τ² + V), its variance B·V + B²·x·Cov(β)·x, and its interval the central `level` one.
    """
    index = raw.index
    columns = {"const": pd.Series(1.0, index=index), "isb": isb}
    if rural is not None and rural[fit_on].nunique() > 1:
        columns["rural"] = rural.astype(float)
    design = pd.DataFrame(columns)
    usable = raw.notna() & variance.notna() & design.notna().all(axis=1)
    fit = usable & fit_on
    x = design[fit].to_numpy(float)
    y = raw[fit].to_numpy(float)
    v = variance[fit].to_numpy(float)
    k, p = x.shape
    empty = pd.DataFrame(
        np.nan, index=index, columns=["value_added", "value_added_low", "value_added_high", "predicted"]
    )
    if k <= p:
        return ValueAdded(empty, {}, float("nan"), float("nan"))
    tau2 = max(0.0, float(np.var(y)) - float(v.mean()))
    beta = np.zeros(p)
    cov = np.zeros((p, p))
    for _ in range(iterations):
        w = 1.0 / (tau2 + v)
        xtwx = x.T @ (x * w[:, None])
        cov = np.linalg.inv(xtwx)
        beta = cov @ (x.T @ (w * y))
        resid = y - x @ beta
        new = max(0.0, float(((resid**2 - v).sum()) / (k - p)))
        if abs(new - tau2) < 1e-10:
            tau2 = new
            break
        tau2 = new
    xa = design[usable].to_numpy(float)
    ra = raw[usable].to_numpy(float)
    va = variance[usable].to_numpy(float)
    predicted = xa @ beta
    b = tau2 / (tau2 + va)
    estimate = b * (ra - predicted)
    var = b * va + b * b * np.einsum("ij,jk,ik->i", xa, cov, xa)
    half = stats.norm.ppf(0.5 + level / 2) * np.sqrt(var)
    table = empty.copy()
    table.loc[usable, "value_added"] = estimate
    table.loc[usable, "value_added_low"] = estimate - half
    table.loc[usable, "value_added_high"] = estimate + half
    table.loc[usable, "predicted"] = predicted
    fitted = x @ beta
    spread = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float(((y - fitted) ** 2).sum()) / spread if spread > 0 else float("nan")
    return ValueAdded(table, dict(zip(design.columns, map(float, beta), strict=True)), tau2, r2)


def weights_for(scored: pd.DataFrame, methodology: Methodology, downweighted: Mapping[str, set[str]]) -> pd.Series:
    """Each component row's weight: the preset's weight, times the down-weight of a procedure the
    school's objectivity flag names (an inflated ВПР must not hide low results)."""
    preset = pd.DataFrame(
        [(c.procedure, c.subject, c.grade, c.weight) for c in methodology.components],
        columns=["procedure", "subject", "grade", "preset_weight"],
    )
    keyed = scored[["school_id", "procedure", "subject", "grade"]].merge(
        preset, how="left", on=["procedure", "subject", "grade"]
    )
    weight = pd.Series(keyed["preset_weight"].fillna(0.0).to_numpy(float), index=scored.index)
    if downweighted:
        flagged = pd.DataFrame(
            [(school, proc) for school, procs in downweighted.items() for proc in procs],
            columns=["school_id", "procedure"],
        ).assign(hit=True)
        hit = scored[["school_id", "procedure"]].merge(flagged, how="left", on=["school_id", "procedure"])["hit"]
        weight[hit.fillna(False).astype(bool).to_numpy()] *= methodology.objectivity.downweight
    return weight
