"""The objectivity flag decided by evidence rather than by a count of signs (docs/methodology.md,
«Флаг по совокупности свидетельств»).

Every unit a sign looks at — a school's ВПР works of a year for the journal signs, one work for the
share of «5», a school's year for the ОГЭ/ЕГЭ ratio, and so on — gives a deviation `d` from the
region's reference and its sampling variance `s2` (binomial or from the standardisation), whether or
not the sign's threshold is crossed. Then:

1. **Calibration against the region's honest schools** (an empirical null). Honest schools differ by
   more than sampling: teachers mark differently, contexts differ. Under the null a unit's deviation
   is `d ~ N(mu0, s2 + tau2)`; `mu0` is the weighted median of the sign's deviations and `tau2` the
   between-school variance that makes the median absolute calibrated z equal that of a standard
   normal (0.6745). Both are robust to a minority of biased schools. With fewer than `NULL_UNITS`
   units the theoretical null (`mu0 = 0`, `tau2 = 0`) is used. A small school's `s2` is large, so
   its deviation counts for less, but it counts.
2. **Within a sign**, its units of a school (works, years) are added by Stouffer's rule corrected
   for their correlation: `Z = sum(z) / sqrt(k (1 + (k - 1) icc))`, with `icc` the sign's
   intraclass correlation of calibrated z within schools over the region (a school's units share
   its teachers and its context, so twenty works are not twenty independent pieces of evidence).
   Each sign's Z is then checked against its own spread over the region's schools (median and
   robust spread, applied only where they exceed 0 and 1: never less cautious than the model).
3. **Across signs** by Stouffer's rule, `sum(Z) / sqrt(m)` over the m signs the school has data
   for: several signs moving together are more evidence than any one of them.
4. **Over the region** (Efron's empirical null): the combined statistic of all schools is
   centred on its median and scaled by its robust spread, both estimated from the bulk of the
   region's schools, most of which are honest. Signs look at overlapping data, so their sum is not
   a standard normal under the null; the region says what it is. Below `NULL_UNITS` schools the
   theoretical null is kept.
5. **The flag**: the calibrated z at or above the normal quantile of the preset's
   `false_flag_rate` (default 0.005, z ≥ 2.576): an honest school is flagged with about that
   probability when the null holds. Measured by bench/validate.py (docs/validation.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from shnor.core.identification import objectivity
from shnor.core.methodology import Objectivity

# `value` and `reference`: the sign's own figure and what it is compared with; `form` says how the
# deviation `d` comes from them: linear (value − reference), log (of the ratio), rho (atanh(reference) −
# atanh(value)).
UNIT_COLUMNS = [*objectivity.REVIEW_KEY, "n", "value", "reference", "form", "d", "s2", "cc"]
# Below this many units of a sign the region says too little about its honest spread.
NULL_UNITS = 30
# The median of |N(0, 1)|: a calibrated z's median absolute value under the null.
HALF_NORMAL_MEDIAN = float(stats.norm.ppf(0.75))
# A unit's calibrated z at or above this is shown as a deviation worth reading (one-sided 5 %).
NOTABLE_Z = float(stats.norm.isf(0.05))


@dataclass
class Evidence:
    """What the evidence says: the calibrated units, and per school the combined z, its p-value,
    the flag, and the strength of each sign."""

    units: pd.DataFrame  # UNIT_COLUMNS + z (calibrated), mu0, tau2
    schools: pd.DataFrame  # index school_id: z, p, flag, signs (list of dicts, strongest first)
    threshold: float  # the combined z a school must reach, from the false-flag rate
    shift: float = 0.0  # the region's check of the combined z (step 4)
    # Every calibrated unit, those of rejected signs included (for the rows people review).
    every: pd.DataFrame | None = None
    scale: float = 1.0


def _frame(rows: pd.DataFrame, code: str, form: str = "linear", share: bool = False, **fixed: Any) -> pd.DataFrame:
    """Units of a sign in UNIT_COLUMNS. `share`: `d` is a share of `n` pupils against a reference, and
    its calibration applies Yates's continuity correction `cc` = 0.5 / n (`calibrate`): the normal
    approximation otherwise overstates a handful of pupils (3 «5» of 5 against 17 % expected: z 2.56
    uncorrected, 1.97 corrected, 1.88 from the exact binomial tail)."""
    out = rows[["school_id", "year", "n", "value", "reference", "d", "s2"]].copy()
    out["cc"] = 0.5 / out["n"] if share else 0.0
    out["code"], out["form"] = code, form
    for key in ("procedure", "subject", "grade"):
        out[key] = rows[key] if key in rows else fixed.get(key)
    return out[UNIT_COLUMNS]


def _journal(window: pd.DataFrame, codes: set[str], floor: int) -> list[pd.DataFrame]:
    """A school's ВПР works of a year pooled: the share of pupils whose ВПР mark is above (below)
    their term mark, against the region's share."""
    vpr = window.loc[(window["procedure"] == "VPR") & (window["pairs"] > 0)]
    if vpr.empty:
        return []
    g = vpr.groupby(["school_id", "year"])[["pairs", "raised", "lowered"]].sum().reset_index()
    region = vpr.groupby("year")[["pairs", "raised", "lowered"]].sum()
    g = g[g["pairs"] >= floor]
    out = []
    for code, column in (("vpr_journal", "raised"), ("journal_inflation", "lowered")):
        if code not in codes:
            continue
        r = g["year"].map(region[column] / region["pairs"])
        share = g[column] / g["pairs"]
        unit = g.assign(n=g["pairs"], value=share, reference=r, d=share - r, s2=r * (1 - r) / g["pairs"])
        out.append(_frame(unit, code, share=True, procedure="VPR"))
    return out


def _fives(window: pd.DataFrame, isb: pd.Series, floor: int) -> list[pd.DataFrame]:
    """Each ВПР work: the share of «5» against the share the school's context predicts."""
    out = []
    for p in objectivity.fives_expected(window, isb, objectivity.external(window)):
        p = p[p["n_marked"] >= floor]
        ref = p["reference"]
        unit = p.assign(n=p["n_marked"], value=p["share"], d=p["share"] - ref, s2=ref * (1 - ref) / p["n_marked"])
        out.append(_frame(unit, "high_fives", share=True))
    return out


def _oge_ege(window: pd.DataFrame, floor: int) -> list[pd.DataFrame]:
    """A school's year: the log of its ratio of ОГЭ «5» to ЕГЭ ≥ `ege_high` against the region's."""
    both = objectivity.oge_ege_counts(window)
    both = both[(both["n_marked"] >= floor) & (both["n_test"] >= floor)]
    if both.empty:
        return []
    region = both.groupby("year")[["n_marked", "n5", "n_test", "high"]].sum()
    log_region = np.log((region["n5"] + 0.5) / (region["n_marked"] + 1)) - np.log(
        (region["high"] + 0.5) / (region["n_test"] + 1)
    )
    p5 = (both["n5"] + 0.5) / (both["n_marked"] + 1)
    ph = (both["high"] + 0.5) / (both["n_test"] + 1)
    unit = both.assign(
        n=both["n_marked"] + both["n_test"],
        value=p5 / ph,
        reference=np.exp(both["year"].map(log_region)),
        d=np.log(p5) - np.log(ph) - both["year"].map(log_region),
        s2=(1 - p5) / ((both["n_marked"] + 1) * p5) + (1 - ph) / ((both["n_test"] + 1) * ph),
    )
    return [_frame(unit, "oge_ege", "log", procedure="OGE")]


def _heaping(heaps: pd.DataFrame) -> list[pd.DataFrame]:
    """A school's procedure of a year: the share of pupils exactly at a cut-off among those at it
    or one point below, against the region's share."""
    if heaps.empty:
        return []
    g = heaps.groupby(["school_id", "year", "procedure"])[["at_cut", "below_cut"]].sum().reset_index()
    region = heaps.groupby(["year", "procedure"])[["at_cut", "below_cut"]].sum()
    share = ((region["at_cut"] + 0.5) / (region["at_cut"] + region["below_cut"] + 1)).rename("r")
    g = g.join(share, on=["year", "procedure"])
    both = g["at_cut"] + g["below_cut"]
    g = g[both >= 5]
    both = both[both >= 5]
    share = g["at_cut"] / both
    unit = g.assign(n=both, value=share, reference=g["r"], d=share - g["r"], s2=g["r"] * (1 - g["r"]) / both)
    return [_frame(unit, "heaping", share=True)]


def _inversion(task_rates: pd.DataFrame, floor: int) -> list[pd.DataFrame]:
    """A school's work of a year with five or more tasks, solved at or above the region's rate: how
    far the Fisher transform of the rank correlation of its task solve rates with the region's falls
    below the median school's on the same work (an honest school's ρ is high, not 0). Its variance,
    Fieller's 1.06 / (k − 3), does not depend on the pupils; the region's τ² takes in, on average,
    the larger spread of small schools."""
    rows = objectivity.inversion_rhos(task_rates, floor)
    if rows.empty:
        return []
    fisher = np.arctanh(rows["rho"].astype(float).clip(-0.999, 0.999))
    median = fisher.groupby([rows[k] for k in ("year", "procedure", "subject", "grade")]).transform("median")
    rows = rows.assign(fisher=fisher, median=median)[rows["overall"] >= rows["region_overall"]]
    unit = rows.assign(
        n=rows["pupils"],
        value=np.tanh(rows["fisher"]),
        reference=np.tanh(rows["median"]),
        d=rows["median"] - rows["fisher"],
        s2=1.06 / (rows["tasks"] - 3),  # five tasks at least (objectivity.inversion_rhos)
    )
    return [_frame(unit, "difficulty_inversion", "rho")]


def _scored(scored: pd.DataFrame, years: list[int], codes: set[str], floor: int) -> list[pd.DataFrame]:
    """The standardised works: a rise against the school's own history (jump), and the same cohort
    on ВПР in grade 8 against ОГЭ a year later (vpr_oge_mismatch)."""
    out = []
    if "jump" in codes:
        rises = objectivity.rises(scored, years, floor)
        if not rises.empty:
            unit = rises.assign(value=rises["rise"], reference=0.0, d=rises["rise"], s2=rises["se"] ** 2)
            out.append(_frame(unit, "jump"))
    if "vpr_oge_mismatch" in codes:
        both = objectivity.cohorts(scored, years, floor)
        unit = both.assign(n=both["n_oge"], value=both["gap"], reference=0.0, d=both["gap"], s2=both["se"] ** 2)
        out.append(_frame(unit, "vpr_oge_mismatch", procedure="VPR", grade=8))
    return out


def _quality(window: pd.DataFrame, floor: int) -> list[pd.DataFrame]:
    """Each ВПР work: quality by term marks minus quality by ВПР, against the region's gap on it.
    The act counts a gap either way, so the unit's deviation is the distance from the region's gap
    (its variance that of independent shares: larger than the paired one, so cautious)."""
    if "q_pairs" not in window.columns:
        return []
    w = window.loc[(window["procedure"] == "VPR") & (window["q_pairs"] >= floor)]
    if w.empty:
        return []
    qj, qv = w["q_journal"] / w["q_pairs"], w["q_vpr"] / w["q_pairs"]
    region = w.groupby(["year", "subject", "grade"])[["q_pairs", "q_vpr", "q_journal"]].sum()
    gap = ((region["q_journal"] - region["q_vpr"]) / region["q_pairs"]).rename("region_gap")
    ref = w[["year", "subject", "grade"]].join(gap, on=["year", "subject", "grade"])["region_gap"]
    s2 = (qj * (1 - qj) + qv * (1 - qv)).clip(lower=0.01) / w["q_pairs"]
    unit = w.assign(n=w["q_pairs"], value=qj - qv, reference=ref, d=qj - qv - ref, s2=s2)
    return [_frame(unit, "quality_mismatch", share=True).assign(two_sided=True)]


def _base_profile(cross: pd.DataFrame | None, years: list[int]) -> list[pd.DataFrame]:
    """A school's year: pupils who failed ЕГЭ base mathematics yet passed profile, among those with
    both, against the region's share."""
    if cross is None or cross.empty:
        return []
    c = cross[cross["year"].isin(years) & (cross["n_both"] > 0)]
    if c.empty:
        return []
    region = c.groupby("year")[["n_both", "n_inverted"]].sum()
    r = c["year"].map((region["n_inverted"] + 0.5) / (region["n_both"] + 1))
    share = c["n_inverted"] / c["n_both"]
    unit = c.assign(n=c["n_both"], value=share, reference=r, d=share - r, s2=r * (1 - r) / c["n_both"])
    return [_frame(unit, "base_profile", share=True, procedure="EGE", subject="math_prof", grade=11)]


def units(
    scored: pd.DataFrame,
    heaps: pd.DataFrame,
    task_rates: pd.DataFrame,
    isb: pd.Series,
    years: list[int],
    rule: Objectivity,
    cross: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every unit of every sign the preset looks for, in the window's years: UNIT_COLUMNS."""
    window = scored[scored["year"].isin(years)]
    codes, floor = set(rule.signs), rule.evidence_min_pupils
    parts: list[pd.DataFrame] = []
    if {"vpr_journal", "journal_inflation"} & codes:
        parts += _journal(window, codes, floor)
    if "high_fives" in codes:
        parts += _fives(window, isb, floor)
    if "oge_ege" in codes:
        parts += _oge_ege(window, floor)
    if "heaping" in codes and not heaps.empty:
        parts += _heaping(heaps[heaps["year"].isin(years)])
    if "difficulty_inversion" in codes and not task_rates.empty:
        parts += _inversion(task_rates[task_rates["year"].isin(years)], floor)
    parts += _scored(scored, years, codes, floor)
    if "quality_mismatch" in codes:
        parts += _quality(window, floor)
    if "base_profile" in codes:
        parts += _base_profile(cross, years)
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=[*UNIT_COLUMNS, "two_sided"])
    out = pd.concat(parts, ignore_index=True)
    out["two_sided"] = out["two_sided"].fillna(False).astype(bool) if "two_sided" in out else False
    ok = np.isfinite(out["d"].astype(float)) & np.isfinite(out["s2"].astype(float)) & (out["s2"] > 0)
    return out[ok].reset_index(drop=True)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def null_of(d: np.ndarray, s2: np.ndarray) -> tuple[float, float]:
    """(mu0, tau2) of a sign's units: the empirical null (module docstring, step 1)."""
    if len(d) < NULL_UNITS:
        return 0.0, 0.0
    mu0 = _weighted_median(d, 1 / s2)

    def spread(tau2: float) -> float:
        return float(np.median(np.abs(d - mu0) / np.sqrt(s2 + tau2)))

    if spread(0.0) <= HALF_NORMAL_MEDIAN:
        return mu0, 0.0
    # At this τ² the spread is at most the normal's whatever the sampling variances: the root is below.
    low, high = 0.0, (float(np.median(np.abs(d - mu0))) / HALF_NORMAL_MEDIAN) ** 2
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if spread(middle) > HALF_NORMAL_MEDIAN else (low, middle)
    return mu0, high


def calibrate(found: pd.DataFrame) -> pd.DataFrame:
    """The units with their calibrated z (one-sided: evidence of bias is positive)."""
    out = found.copy()
    out["z"], out["mu0"], out["tau2"] = np.nan, np.nan, np.nan
    for _code, part in out.groupby("code"):
        d, s2 = part["d"].to_numpy(float), part["s2"].to_numpy(float)
        mu0, tau2 = null_of(d, s2)  # from the deviations as they are
        deviation = d - mu0
        # Yates: a share's distance from the null less half a pupil, never past it.
        cc = part["cc"].to_numpy(float) if "cc" in part else 0.0
        deviation = np.sign(deviation) * np.clip(np.abs(deviation) - cc, 0, None)
        z = deviation / np.sqrt(s2 + tau2)
        two = part["two_sided"].to_numpy(bool)
        # A two-sided deviation as one-sided evidence of the same p-value: standard normal under the
        # null; a unit at the centre itself (p = 1) is held at p = 0.999 (z −3.09), not −∞.
        one_sided = stats.norm.isf(np.clip(2 * stats.norm.sf(np.abs(z)), 1e-300, 0.999))
        z = np.where(two, one_sided, z)
        out.loc[part.index, ["z", "mu0", "tau2"]] = np.column_stack([z, np.full(len(z), mu0), np.full(len(z), tau2)])
    return out


def combine(per_sign: dict[str, float]) -> float:
    """A school's combined z before the region's check: Stouffer's rule over its signs' z."""
    if not per_sign:
        return math.nan
    return float(sum(per_sign.values()) / math.sqrt(len(per_sign)))


def robust_null(z: pd.Series, cautious: bool = True) -> tuple[float, float]:
    """(shift, scale) of a statistic over the region's schools: its median and robust spread
    (the median absolute deviation over that of a standard normal). `cautious`: never below 0 and
    1, so that the check never makes a sign weigh more than the model says."""
    finite = z[np.isfinite(z)]
    if len(finite) < NULL_UNITS:
        return 0.0, 1.0
    median = float(finite.median())
    scale = float(np.median(np.abs(finite - median))) / HALF_NORMAL_MEDIAN
    if cautious:
        return max(median, 0.0), max(scale, 1.0)
    return median, scale if scale > 0 else 1.0


def intraclass(school: pd.Series, z: pd.Series) -> float:
    """The intraclass correlation of a sign's calibrated z within schools (one-way ANOVA estimator,
    never below 0): how much of a school's deviation is shared by all its units."""
    groups = z.groupby(school.to_numpy())
    sizes, means = groups.size(), groups.mean()
    if len(sizes) < 2 or len(z) <= len(sizes):
        return 0.0
    n, m = len(z), len(sizes)
    within = float(((z - school.map(means).to_numpy()) ** 2).sum()) / (n - m)
    between = float((sizes * (means - z.mean()) ** 2).sum()) / (m - 1)
    n0 = (n - float((sizes**2).sum()) / n) / (m - 1)
    variance = (between - within) / n0
    return max(0.0, variance / (variance + within)) if variance + within > 0 else 0.0


def by_sign(calibrated: pd.DataFrame) -> pd.DataFrame:
    """Per school and sign: its units, years and Stouffer z, and that z checked against the same
    sign's z over the region's schools (units of one school share its context, so they are not
    independent: the region's spread of the sign says by how much)."""
    g = calibrated.groupby(["school_id", "code"])
    out = pd.DataFrame({"units": g["z"].size(), "years": g["year"].nunique(), "total": g["z"].sum()})
    for code, part in calibrated.groupby("code"):  # every sign gets its icc, shift and scale here
        out.loc[(slice(None), code), "icc"] = intraclass(part["school_id"], part["z"])
    k = out["units"]
    out["raw"] = out["total"] / np.sqrt(k * (1 + (k - 1) * out["icc"]))
    for _code, part in out.groupby(level="code"):
        shift, scale = robust_null(part["raw"])
        out.loc[part.index, ["shift", "scale"]] = [shift, scale]
    out["z"] = (out["raw"] - out["shift"]) / out["scale"]
    return out.reset_index()


def assess(found: pd.DataFrame, rule: Objectivity, rejected: set[tuple[Any, ...]] | None = None) -> Evidence:
    """The evidence per school (module docstring). `rejected`: REVIEW_KEYs of signs a person
    rejected; their units count for nothing."""
    threshold = float(stats.norm.isf(rule.false_flag_rate))
    calibrated = calibrate(found) if not found.empty else found.assign(z=[], mu0=[], tau2=[])
    every = calibrated
    if rejected and not calibrated.empty:
        calibrated = calibrated[[k not in rejected for k in objectivity.keys_of(calibrated)]]
    if calibrated.empty:
        empty = pd.DataFrame(
            {"raw": [], "signs": [], "z": [], "p": [], "flag": []}, index=pd.Index([], name="school_id")
        )
        return Evidence(calibrated, empty.astype({"raw": float, "z": float, "p": float, "flag": bool}), threshold)
    signs = by_sign(calibrated)
    by_school = _strengths(signs, _strongest_units(calibrated))
    rows = {school: {"raw": combine(z), "signs": strengths} for school, (z, strengths) in by_school.items()}
    schools = pd.DataFrame.from_dict(rows, orient="index", columns=["raw", "signs"])
    schools["raw"] = schools["raw"].astype(float)
    shift, scale = robust_null(schools["raw"], cautious=False)
    schools["z"] = (schools["raw"] - shift) / scale
    schools["p"] = stats.norm.sf(schools["z"])
    schools["flag"] = schools["z"] >= threshold
    schools.index.name = "school_id"
    return Evidence(calibrated, schools, threshold, shift=shift, scale=scale, every=every)


def _strongest_units(calibrated: pd.DataFrame) -> pd.DataFrame:
    top = calibrated.loc[calibrated.groupby(["school_id", "code"])["z"].idxmax()]
    return top.set_index(["school_id", "code"])


def _strengths(
    signs: pd.DataFrame, strongest: pd.DataFrame
) -> dict[Any, tuple[dict[str, float], list[dict[str, Any]]]]:
    """Per school (in order): its signs' calibrated z by code, for combining, and its signs by
    strength: code, units, years, calibrated z (with what calibrated it), and its strongest unit.
    One pass over plain columns: indexing a frame per school and sign cost seconds per thousand
    schools."""
    top = strongest.reset_index()[["school_id", "code", "year", "procedure", "subject", "grade", "n", "z"]]
    top = top.rename(columns={c: f"top_{c}" for c in ("year", "procedure", "subject", "grade", "n", "z")})
    joined = signs.merge(top, on=["school_id", "code"], how="left", validate="one_to_one")
    names = ["school_id", "code", "z", "units", "years", "raw", "total", "icc", "shift", "scale"]
    names += ["top_year", "top_procedure", "top_subject", "top_grade", "top_n", "top_z"]
    found: dict[Any, tuple[dict[str, float], list[dict[str, Any]]]] = {}
    for school, code, z, units, years, raw, total, icc, shift, scale, *top in zip(
        *(joined[c].tolist() for c in names), strict=True
    ):
        year, procedure, subject, grade, n, top_z = top
        z_by_code, strengths = found.setdefault(school, ({}, []))
        z_by_code[code] = z
        strengths.append(
            {
                "code": str(code),
                "units": int(units),
                "years": int(years),
                "z": round(float(z), 3),
                "raw": round(float(raw), 3),
                "total": round(float(total), 3),
                "icc": round(float(icc), 4),
                "shift": round(float(shift), 3),
                "scale": round(float(scale), 3),
                "top": {
                    "year": int(year),
                    "procedure": None if pd.isna(procedure) else str(procedure),
                    "subject": None if pd.isna(subject) else str(subject),
                    "grade": None if pd.isna(grade) else int(grade),
                    "n": int(n),
                    "z": round(float(top_z), 3),
                },
            }
        )
    return {school: (z, sorted(found[school][1], key=lambda s: -s["z"])) for school, (z, _) in sorted(found.items())}


def years_to_flag(signs: list[dict[str, Any]], threshold: float, shift: float, scale: float) -> int | None:
    """How many more years with the same deviations in the school's strongest sign would flag it
    (None when five would not, or when no sign points to bias): what would change the evidence of a
    school below the threshold. The sign's units grow with its years at their mean z, and its Z
    with them as step 2 adds them: Σz / √(k (1 + (k − 1) ICC)), which levels off at mean z / √ICC."""
    if not signs or signs[0]["z"] <= 0:
        return None
    strongest = signs[0]
    per_sign = {s["code"]: s["z"] for s in signs}
    units, years, icc = strongest["units"], strongest["years"], strongest.get("icc", 0.0)
    for extra in range(1, 6):
        k = units * (years + extra) / years
        grown = (
            strongest.get("total", strongest["raw"] * math.sqrt(units)) * k / units / math.sqrt(k * (1 + (k - 1) * icc))
        )
        per_sign[strongest["code"]] = (grown - strongest["shift"]) / strongest["scale"]
        if (combine(per_sign) - shift) / scale >= threshold:
            return extra
    return None


def notable_rows(
    weighed: Evidence, found: pd.DataFrame, reviewed: set[tuple[Any, ...]] | None = None
) -> list[dict[str, Any]]:
    """Sign rows, for people to review, of the deviations behind a flag set by evidence: each unit of a
    flagged school whose calibrated z is at least NOTABLE_Z, of a sign whose combined z at the school
    is above 0, and every unit a person already reviewed (`reviewed`: REVIEW_KEYs), flagged or not,
    so that a decision stays with its deviation from run to run; none that a sign row already names.
    The row's threshold is where the unit would reach NOTABLE_Z; its reference, the honest schools'."""
    every = weighed.every if weighed.every is not None else weighed.units
    if every.empty:
        return []
    flagged = weighed.schools[weighed.schools["flag"]]
    # Only the signs that point to bias at the school (their combined z above 0) carry its flag.
    carrying = {(school, s["code"]) for school, signs in flagged["signs"].items() for s in signs if s["z"] > 0}
    known = set(objectivity.keys_of(found)) if not found.empty else set()
    # Columns first, keys last: a country's run has millions of units and a few hundred behind flags.
    behind = np.array(every["school_id"].isin(set(flagged.index)) & (every["z"] >= NOTABLE_Z), dtype=bool)
    if carrying:
        behind &= pd.MultiIndex.from_arrays([every["school_id"], every["code"]]).isin(list(carrying))
    else:
        behind[:] = False
    if reviewed:  # the units of the schools a person reviewed, by their keys
        maybe = np.flatnonzero(every["school_id"].astype(str).isin({k[0] for k in reviewed}).to_numpy() & ~behind)
        for i, key in zip(maybe, objectivity.keys_of(every.iloc[maybe]), strict=True):
            behind[i] = key in reviewed
    chosen = every[behind]
    out = []
    for key, u in zip(objectivity.keys_of(chosen), chosen.itertuples(index=False), strict=True):
        if key in known:
            continue
        sd = math.sqrt(u.s2 + u.tau2)
        centre, edge = u.mu0, u.mu0 + NOTABLE_Z * sd
        reference, threshold = _in_scale(u.form, u.reference, centre), _in_scale(u.form, u.reference, edge)
        out.append(
            {
                "school_id": u.school_id,
                "year": int(u.year),
                "code": u.code,
                "procedure": u.procedure,
                "subject": u.subject,
                "grade": u.grade,
                "value": float(u.value),
                "threshold": threshold,
                "reference": reference,
                "evidence": {"pupils": int(u.n), "strength": round(float(u.z), 2), "by_evidence": True},
            }
        )
    return out


def _in_scale(form: str, reference: float, d: float) -> float:
    """The sign's own figure at deviation `d` from `reference`."""
    if form == "log":
        return float(reference * math.exp(d))
    if form == "rho":  # the rank correlation at Fisher distance d below the reference's
        return float(math.tanh(math.atanh(min(max(reference, -0.999), 0.999)) - d))
    return float(reference + d)
