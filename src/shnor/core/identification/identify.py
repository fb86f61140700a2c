"""One identification: the school-level inputs of a reference year → the output table of the data
contract, with every intermediate figure kept for the evidence pages.

Order of the steps (docs/methodology.md, section by section):

1. standardise every work of every year in pupil SDs (`indices.standardise`);
2. ИСБ from the latest social record (`indices.social_index`);
3. signs of biased results and the objectivity flag (`objectivity`);
4. component weights, with the flagged procedures of a school down-weighted;
5. ИОР = the weighted composite over the window, shrunk as a whole (empirical Bayes), and the
   same per year for «stable low» and dynamics;
6. low zones, clusters, value added with its interval;
7. the federal risk indicator, orders and complaints, risk-oriented categories;
8. the selection rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from shnor.core.identification import aggregate, evidence, indices, objectivity
from shnor.core.methodology import RESULT_FLAGS, Methodology

OUTPUT_COLUMNS = [
    "school_id",
    "name",
    "municipality",
    "year",
    "ior",
    "ior_low",
    "isb",
    "isb_low",
    "cluster",
    "stable_low",
    "value_added",
    "value_added_low",
    "value_added_high",
    "objectivity_flag",
    "objectivity_signs",
    "category",
    "selected",
    "insufficient_data",
    "group",
]
EXTRA_COLUMNS = [
    "ior_se",
    "ior_raw",
    "ior_reliability",
    "participants",
    "components",
    "isb_components",
    "federal_risk",
    "orders",
    "complaints",
    "value_added_negative",
    "value_added_positive",
    "reasons",
    "cluster_municipal",
    "ior_low_probability",
    "objectivity_z",
    "isb_se",
    "isb_low_probability",
    "isb_missing",
]
CATEGORY_ORDER = ("НР", "ССК", "НО")
# Why a selected school is listed (data contract v1.1, column `group`): ШНОР — low results (the flags
# of category НР), ШНСУ — unfavourable conditions (category ССК), both, or another rule of the preset.
GROUPS = ("low_results", "unfavourable", "both", "other")
COMBINATIONS = ("НР", "ССК", "НО", "НР+ССК", "НР+НО", "ССК+НО", "НР+ССК+НО")


@dataclass
class Inputs:
    """School-level data of a region, as the engine's aggregation and the database give them."""

    schools: pd.DataFrame  # school_id, name, municipality, locality
    works: pd.DataFrame  # aggregate.WORK_COLUMNS, for the window and the year before it
    social: pd.DataFrame  # the contract's social table
    oversight: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["year", "school_id", "kind", "count"])
    )
    heaping: pd.DataFrame = field(default_factory=pd.DataFrame)
    tasks: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Pupils with ЕГЭ mathematics at both levels per school and year (aggregate.base_profile).
    cross: pd.DataFrame = field(default_factory=pd.DataFrame)
    # People's reviews of an earlier run's signs: objectivity.REVIEW_KEY + review.
    reviews: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class Outcome:
    year: int
    table: pd.DataFrame  # OUTPUT_COLUMNS + EXTRA_COLUMNS, one row per school of the registry
    components: pd.DataFrame  # every standardised work of the window with its weight
    per_year: pd.DataFrame  # school_id, year, ior, ior_se, low
    signs: pd.DataFrame  # objectivity.SIGN_COLUMNS + severity
    summary: dict[str, Any]
    # Per school with evidence: its signs by strength, the threshold and what would change the flag.
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)


def window(year: int, methodology: Methodology) -> list[int]:
    return list(range(year - methodology.window + 1, year + 1))


@dataclass
class _Figures:
    """What an identification finds of each school before the cut-offs, indexed by the registry."""

    social: indices.Social
    isb: pd.Series
    found: pd.DataFrame  # objectivity.SIGN_COLUMNS + severity
    evidence: evidence.Evidence
    objectivity_flag: pd.Series
    in_window: pd.DataFrame  # every standardised work of the window with its weight
    overall: pd.DataFrame  # the composite over the window: raw, variance, participants, components
    shrunk: indices.Shrunk
    participants: pd.Series
    insufficient: pd.Series
    va: indices.ValueAdded
    va_negative: pd.Series
    va_positive: pd.Series
    federal_risk: pd.Series
    orders: pd.Series
    complaints: pd.Series


def identify(inputs: Inputs, year: int, methodology: Methodology) -> Outcome:
    years = window(year, methodology)
    schools = inputs.schools.set_index("school_id")
    figures = _figures(inputs, schools, year, years, methodology)
    per_year = _per_year(figures.in_window, years)
    base = _base(figures, schools.index)
    classes = classify(base, per_year, years, methodology)
    per_year = per_year.merge(classes.per_year_low, on=["school_id", "year"], how="left")
    table = _output_table(schools, year, figures, classes)
    table["cluster_municipal"] = municipal_clusters(base, schools["municipality"], methodology).to_numpy()
    summary = _summary(table, years, figures, classes)
    details = _evidence_details(figures.evidence, methodology)
    return Outcome(year, table, figures.in_window, per_year, figures.found, summary, details)


def _evidence_details(weighed: evidence.Evidence, methodology: Methodology) -> dict[str, dict[str, Any]]:
    """Per school: the calibrated z, the threshold, the signs by strength and, below the threshold,
    how many more years of the same deviations would reach it."""
    out = {}
    schools = weighed.schools
    # Plain columns, not a row Series per school (seconds for a country's region).
    for school, z_value, signs in zip(schools.index, schools["z"].tolist(), schools["signs"].tolist(), strict=True):
        z = float(z_value)
        out[str(school)] = {
            "z": round(z, 3),
            "threshold": round(weighed.threshold, 3),
            "rule": methodology.objectivity.flag,
            "false_flag_rate": methodology.objectivity.false_flag_rate,
            "signs": signs,
            "years_to_flag": None
            if z >= weighed.threshold
            else evidence.years_to_flag(signs, weighed.threshold, weighed.shift, weighed.scale),
        }
    return out


def _figures(inputs: Inputs, schools: pd.DataFrame, year: int, years: list[int], methodology: Methodology) -> _Figures:
    """The figures of the steps that do not depend on the cut-offs: the indices, the signs of biased
    results and the flag, the composite ИОР, the value added, the federal risk and oversight."""
    index = schools.index

    scored = indices.standardise(inputs.works, methodology.assumed_icc) if not inputs.works.empty else _no_works()
    social = indices.social_index(inputs.social, year, methodology)
    isb = social.table["isb"].reindex(index)

    rule = methodology.objectivity
    found = objectivity.signs(scored, inputs.heaping, inputs.tasks, isb, years, rule, inputs.cross)
    units = evidence.units(scored, inputs.heaping, inputs.tasks, isb, years, rule, inputs.cross)
    weighed = evidence.assess(units, rule, objectivity.decided(inputs.reviews, ("rejected",)))
    if rule.flag == "evidence":  # the deviations behind a flag, as signs a person can review
        found = objectivity.framed(
            [
                *found.drop(columns="severity").to_dict("records"),
                *evidence.notable_rows(weighed, found, objectivity.decided(inputs.reviews, objectivity.REVIEWS)),
            ],
            rule,
        )
    found = objectivity.apply_reviews(found, inputs.reviews, rule.persistence_years)
    flagged, down = objectivity.flags(found, rule, weighed)
    objectivity_flag = flagged.reindex(index, fill_value=False).astype(bool)

    in_window = scored[scored["year"].isin(years)]  # a new frame already (copy-on-write)
    in_window["weight"] = indices.weights_for(in_window, methodology, down)
    overall = indices.composite(in_window, ["school_id"]).reindex(index)
    shrunk = indices.shrink(overall["raw"], overall["variance"])

    participants = overall["participants"].fillna(0).astype(int)
    insufficient = participants < methodology.min_participants

    rural = (schools["locality"] == "rural") if methodology.value_added_locality and "locality" in schools else None
    va = indices.value_added(
        overall["raw"], overall["variance"], isb, rural, fit_on=~insufficient, level=methodology.value_added_level
    )
    va_negative = (va.table["value_added_high"] < 0).fillna(False)
    va_positive = (va.table["value_added_low"] > 0).fillna(False)

    federal_risk = _federal(scored, years, methodology, index)
    oversight = inputs.oversight
    recent = oversight[oversight["year"].isin(years)] if not oversight.empty else oversight
    orders = _oversight_flag(recent, "order", index)
    complaints = _oversight_flag(recent, "complaint", index)
    return _Figures(
        social=social,
        isb=isb,
        found=found,
        evidence=weighed,
        objectivity_flag=objectivity_flag,
        in_window=in_window,
        overall=overall,
        shrunk=shrunk,
        participants=participants,
        insufficient=insufficient,
        va=va,
        va_negative=va_negative,
        va_positive=va_positive,
        federal_risk=federal_risk,
        orders=orders,
        complaints=complaints,
    )


def _base(figures: _Figures, index: pd.Index) -> pd.DataFrame:
    """What `classify` takes: ior, isb, insufficient_data and the flags that do not depend on cut-offs."""
    return pd.DataFrame(
        {
            "ior": figures.shrunk.estimate,
            "isb": figures.isb,
            "insufficient_data": figures.insufficient,
            "federal_risk": figures.federal_risk,
            "objectivity_flag": figures.objectivity_flag,
            "value_added_negative": figures.va_negative,
            "orders": figures.orders,
            "complaints": figures.complaints,
        },
        index=index,
    )


def _output_table(schools: pd.DataFrame, year: int, figures: _Figures, classes: Classes) -> pd.DataFrame:
    """The output table of the data contract: OUTPUT_COLUMNS + EXTRA_COLUMNS, a row per school."""
    index = schools.index
    found, shrunk, overall, va = objectivity.counted(figures.found), figures.shrunk, figures.overall, figures.va
    social = figures.social.table.reindex(index)
    sign_codes = (
        found.groupby("school_id")["code"].agg(lambda c: ";".join(sorted(set(c)))) if not found.empty else pd.Series()
    )
    return pd.DataFrame(
        {
            "school_id": index,
            "name": schools["name"].to_numpy(),
            "municipality": schools["municipality"].to_numpy(),
            "year": year,
            "ior": shrunk.estimate.to_numpy(),
            "ior_low": classes.table["ior_low"].to_numpy(),
            "isb": figures.isb.to_numpy(),
            "isb_low": classes.table["isb_low"].to_numpy(),
            "cluster": classes.table["cluster"].to_numpy(),
            "stable_low": classes.table["stable_low"].to_numpy(),
            "value_added": va.table["value_added"].to_numpy(),
            "value_added_low": va.table["value_added_low"].to_numpy(),
            "value_added_high": va.table["value_added_high"].to_numpy(),
            "objectivity_flag": figures.objectivity_flag.to_numpy(),
            "objectivity_signs": sign_codes.reindex(index, fill_value="").fillna("").to_numpy(),
            "category": classes.table["category"].to_numpy(),
            "selected": classes.table["selected"].to_numpy(),
            "insufficient_data": figures.insufficient.to_numpy(),
            "group": classes.table["group"].to_numpy(),
            "ior_se": shrunk.se.to_numpy(),
            "ior_raw": overall["raw"].to_numpy(),
            "ior_reliability": shrunk.reliability.to_numpy(),
            "participants": figures.participants.to_numpy(),
            "components": overall["components"].fillna(0).astype(int).to_numpy(),
            "isb_components": social["isb_components"].fillna(0).astype(int).to_numpy(),
            "federal_risk": figures.federal_risk.to_numpy(),
            "orders": figures.orders.to_numpy(),
            "complaints": figures.complaints.to_numpy(),
            "value_added_negative": figures.va_negative.to_numpy(),
            "value_added_positive": figures.va_positive.to_numpy(),
            "reasons": classes.table["reasons"].to_numpy(),
            "ior_low_probability": low_probability(shrunk, classes.ior_threshold, figures.insufficient).to_numpy(),
            "objectivity_z": figures.evidence.schools["z"].reindex(index).to_numpy(float),
            "isb_se": social["isb_se"].to_numpy(float),
            "isb_low_probability": isb_low_probability(figures.isb, social["isb_se"], classes.isb_threshold).to_numpy(),
            "isb_missing": social["isb_missing"].fillna("").to_numpy(),
        }
    )


def low_probability(shrunk: indices.Shrunk, threshold: float, insufficient: pd.Series) -> pd.Series:
    """The probability that a school's true ИОР is at or below the low zone's threshold, from its
    shrunk estimate and standard error (normal posterior; the threshold taken as fixed). None for a
    school with too little data or no estimate."""
    p = _chance_below(shrunk.estimate, shrunk.se, threshold)
    return p.where(~insufficient.reindex(p.index, fill_value=True))


def isb_low_probability(isb: pd.Series, se: pd.Series, threshold: float) -> pd.Series:
    """The probability that a school's ИСБ, were its shares counted without sampling chance, is at or
    below the low zone's threshold: from the empirical-Bayes posterior, as for ИОР. The region's
    spread of true indices τ² = Var(ИСБ) − mean(se²); a school's index shrinks toward the region's
    mean by B = τ²/(τ² + se²), its posterior variance B·se². The zone itself stays the act's: by the
    index as computed."""
    se = se.astype(float).reindex(isb.index)
    known = isb.notna() & se.gt(0)
    if known.sum() < 2:
        return pd.Series(np.nan, index=isb.index)
    tau2 = max(float(isb[known].var(ddof=1) - (se[known] ** 2).mean()), 0.0)
    shrink = tau2 / (tau2 + se**2)
    centre = float(isb[known].mean())
    return _chance_below(centre + shrink * (isb - centre), np.sqrt(shrink) * se, threshold)


def _chance_below(estimate: pd.Series, se: pd.Series, threshold: float) -> pd.Series:
    """Φ((threshold − estimate) / se): the probability that the true value is at or below the
    threshold; NaN without an estimate, a positive standard error or a threshold."""
    se = se.astype(float).reindex(estimate.index)
    p = pd.Series(stats.norm.cdf((threshold - estimate.astype(float)) / se), index=estimate.index)
    return p.where(se.gt(0) & np.isfinite(threshold) & estimate.notna())


def _summary(table: pd.DataFrame, years: list[int], figures: _Figures, classes: Classes) -> dict[str, Any]:
    """The run's figures for the evidence pages: counts, thresholds, the models' parameters."""
    found, va = objectivity.counted(figures.found), figures.va
    return {
        "window": years,
        "schools": len(table),
        "selected": int(table["selected"].sum()),
        "groups": {g: int((table["group"] == g).sum()) for g in GROUPS},
        "insufficient_data": int(table["insufficient_data"].sum()),
        "ior_threshold": classes.ior_threshold,
        "isb_threshold": classes.isb_threshold,
        "tau2": figures.shrunk.tau2,
        "isb_alpha": figures.social.alpha,
        "isb_parts": figures.social.parts,
        "value_added": {"coefficients": va.coefficients, "tau2": va.tau2, "r2": va.r2},
        "clusters": {
            c: int((table["cluster"] == c).sum()) for c in ("effective", "resilient", "struggling", "deprived")
        },
        "combinations": combinations(table["category"]),
        "signs": {str(k): int(v) for k, v in found["code"].value_counts().items()} if not found.empty else {},
        "reviews": {r: int((figures.found["review"] == r).sum()) for r in objectivity.REVIEWS}
        if "review" in figures.found.columns
        else {},
    }


def _no_works() -> pd.DataFrame:
    """The standardised works of a region with none: every column the signs and indices read (an
    empty frame without `pairs` failed the journal sign)."""
    return pd.DataFrame(columns=[*aggregate.WORK_COLUMNS, "region_mean", "region_sd", "z", "v"])


def _per_year(in_window: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """ИОР of each year on its own, shrunk within the year."""
    frames = []
    for y in years:
        part = in_window[in_window["year"] == y]
        if part.empty:
            continue
        comp = indices.composite(part, ["school_id"])
        shrunk = indices.shrink(comp["raw"], comp["variance"])
        frames.append(
            pd.DataFrame(
                {
                    "school_id": comp.index,
                    "year": y,
                    "ior": shrunk.estimate.to_numpy(),
                    "ior_se": shrunk.se.to_numpy(),
                    "participants": comp["participants"].to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["school_id", "year", "ior", "ior_se", "participants"])
    return pd.concat(frames, ignore_index=True)


@dataclass
class Classes:
    table: pd.DataFrame  # ior_low, isb_low, stable_low, cluster, category, selected, reasons, group
    per_year_low: pd.DataFrame  # school_id, year, low
    ior_threshold: float
    isb_threshold: float


def classify(base: pd.DataFrame, per_year: pd.DataFrame, years: list[int], methodology: Methodology) -> Classes:
    """Everything that depends on the cut-offs: low zones (overall and per year), «stable low»,
    clusters, categories and the selection. `base` is indexed by school with ior, isb,
    insufficient_data and the flags that do not depend on cut-offs. The sensitivity analysis calls
    this again with the cut-offs moved."""
    index = base.index
    insufficient = base["insufficient_data"].astype(bool)
    ior, isb = base["ior"], base["isb"]
    ior_low, ior_threshold = indices.low_zone(ior, ~insufficient, methodology.ior_low)
    isb_low, isb_threshold = indices.low_zone(isb, isb.notna(), methodology.isb_low)
    lows = []
    for y in years:
        part = per_year[per_year["year"] == y].set_index("school_id")
        if part.empty:
            continue
        eligible = (~insufficient).reindex(part.index, fill_value=False)
        low, _ = indices.low_zone(part["ior"], eligible, methodology.ior_low)
        lows.append(pd.DataFrame({"school_id": part.index, "year": y, "low": low.to_numpy()}))
    per_year_low = pd.concat(lows, ignore_index=True) if lows else pd.DataFrame(columns=["school_id", "year", "low"])
    low_years = per_year_low[per_year_low["low"].astype(bool)].groupby("school_id")["year"].nunique()
    stable_low = (low_years.reindex(index, fill_value=0) == len(years)) & ~insufficient

    cluster = pd.Series(
        np.select(
            [ior_low & isb_low, ior_low & ~isb_low, ~ior_low & isb_low],
            ["deprived", "struggling", "resilient"],
            default="effective",
        ),
        index=index,
        dtype=object,
    )
    cluster[ior.isna() | isb.isna() | insufficient] = ""
    flags = pd.DataFrame(
        {
            "ior_low": ior_low,
            "isb_low": isb_low,
            "stable_low": stable_low,
            "federal_risk": base["federal_risk"],
            "objectivity_flag": base["objectivity_flag"],
            "value_added_negative": base["value_added_negative"],
            "orders": base["orders"],
            "complaints": base["complaints"],
        },
        index=index,
    ).astype(bool)
    category_flags = _categories(flags, methodology)
    marks = category_flags[list(CATEGORY_ORDER)].to_numpy(dtype=bool)
    category = pd.Series(
        ["+".join(c for c, on in zip(CATEGORY_ORDER, row, strict=True) if on) for row in marks],
        index=category_flags.index,
        dtype=object,
    )
    selected, reasons = _select(flags, insufficient, ior, methodology)
    group = _groups(flags, insufficient, selected, methodology)
    table = pd.DataFrame(
        {
            "ior_low": ior_low,
            "isb_low": isb_low,
            "stable_low": stable_low,
            "cluster": cluster,
            "category": category if len(index) else pd.Series(dtype=object),
            "selected": selected,
            "reasons": reasons,
            "group": group,
        },
        index=index,
    )
    return Classes(table, per_year_low, ior_threshold, isb_threshold)


# A municipality needs this many schools with enough data for clusters of its own.
MUNICIPAL_MINIMUM = 4


def municipal_clusters(
    base: pd.DataFrame, municipality: pd.Series, methodology: Methodology, minimum: int = MUNICIPAL_MINIMUM
) -> pd.Series:
    """Act 004 §4: «Школы данных групп определяются на региональном уровне … а также для каждого
    муниципального района (городского округа) … для включения в муниципальные программы». The four
    clusters again, with the low zones of ИОР and ИСБ taken within each municipality (its own
    quantile; a fixed cut-off is the region's). Empty for a school without a cluster and in a
    municipality with fewer than `minimum` schools with enough data."""
    muni = municipality.reindex(base.index)
    ior, isb = base["ior"].astype(float), base["isb"].astype(float)  # an empty column comes as objects
    ok = ~base["insufficient_data"].astype(bool) & ior.notna() & isb.notna()

    def low(values: pd.Series, eligible: pd.Series, cutoff: Any) -> pd.Series:
        if cutoff.kind != "quantile":
            return (values <= cutoff.value) & eligible
        thresholds = values[eligible].groupby(muni[eligible]).quantile(cutoff.value)
        return (values <= muni.map(thresholds)).fillna(False).astype(bool) & eligible

    ior_low = low(ior, ok, methodology.ior_low)
    isb_low = low(isb, isb.notna(), methodology.isb_low)
    enough = muni.map(ok.groupby(muni).sum()).fillna(0) >= minimum
    cluster = pd.Series(
        np.select(
            [ior_low & isb_low, ior_low & ~isb_low, ~ior_low & isb_low],
            ["deprived", "struggling", "resilient"],
            default="effective",
        ),
        index=base.index,
        dtype=object,
    )
    cluster[~(ok & enough)] = ""
    return cluster


def _categories(flags: pd.DataFrame, methodology: Methodology) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "НР": flags[list(methodology.categories.low_results)].any(axis=1),
            "ССК": flags[list(methodology.categories.hard_context)].any(axis=1),
            "НО": flags[list(methodology.categories.biased)].any(axis=1),
        },
        index=flags.index,
    )


def _federal(scored: pd.DataFrame, years: list[int], methodology: Methodology, index: pd.Index) -> pd.Series:
    """Works where at least `share` of the participants are below the minimum threshold; a school is
    at risk with `procedures` such works in one year, or the same work in two consecutive years."""
    rule = methodology.federal_risk
    columns = ["school_id", "year", "procedure", "subject", "grade", "n", "below_min"]
    w = scored.loc[scored["year"].isin(years) & (scored["n"] >= rule.min_participants), columns]
    if rule.works == "components":
        keys = [c.key for c in methodology.components]
        w = w[pd.MultiIndex.from_frame(w[["procedure", "subject", "grade"]]).isin(keys)]
    w["share_below"] = w["below_min"] / w["n"]
    risky = w[w["share_below"] >= rule.share][
        ["school_id", "year", "procedure", "subject", "grade", "n", "share_below"]
    ]
    at_risk: set[str] = set()
    per_year = risky.groupby(["school_id", "year"]).size()
    at_risk |= {s for (s, _), k in per_year.items() if k >= rule.procedures}
    seen = set(
        zip(risky["school_id"], risky["year"], risky["procedure"], risky["subject"], risky["grade"], strict=True)
    )
    at_risk |= {s for (s, y, p, sub, g) in seen if (s, y - 1, p, sub, g) in seen}
    return pd.Series(index.isin(list(at_risk)), index=index)


def _oversight_flag(oversight: pd.DataFrame, kind: str, index: pd.Index) -> pd.Series:
    if oversight.empty:
        return pd.Series(False, index=index)
    hit = set(oversight.loc[(oversight["kind"] == kind) & (oversight["count"] > 0), "school_id"])
    return pd.Series(index.isin(list(hit)), index=index)


def _select(
    flags: pd.DataFrame,
    insufficient: pd.Series,
    ior: pd.Series,
    methodology: Methodology,
) -> tuple[pd.Series, pd.Series]:
    """The selection rule. Result-based flags do not count for a school with insufficient data."""
    rule = methodology.selection
    usable = _usable(flags, insufficient)
    every = usable.join(_categories(usable, methodology))
    any_of = every[list(rule.any_of)].any(axis=1) if rule.any_of else pd.Series(True, index=flags.index)
    all_of = every[list(rule.all_of)].all(axis=1) if rule.all_of else pd.Series(True, index=flags.index)
    selected = any_of & all_of
    named = [*rule.any_of, *rule.all_of]
    hits = every[named].to_numpy(dtype=bool)
    reasons = pd.Series(
        [
            ",".join(c for c, hit in zip(named, row, strict=True) if hit) if chosen else ""
            for row, chosen in zip(hits, selected.to_numpy(), strict=True)
        ],
        index=flags.index,
        dtype=object,
    )
    short = max(rule.minimum, math.ceil(rule.minimum_share * len(flags) - 1e-9)) - int(selected.sum())
    if short > 0:
        candidates = ior[~selected & ~insufficient & ior.notna()].sort_values().head(short)
        selected[candidates.index] = True
        reasons[candidates.index] = "minimum"
    return selected, reasons


def _groups(flags: pd.DataFrame, insufficient: pd.Series, selected: pd.Series, methodology: Methodology) -> pd.Series:
    """The group of each selected school: low results (ШНОР) when a flag of category НР holds (on
    enough data); unfavourable conditions (ШНСУ) when a flag of category ССК holds; both; otherwise
    `other` — an oversight signal, biased results alone, or a school added to reach the preset's
    minimum (it is the lowest of the rest, not low by the preset's rule). Empty when not selected."""
    usable = _usable(flags, insufficient)
    marks = _categories(usable, methodology)
    low = marks["НР"]
    hard = marks["ССК"]
    group = pd.Series(
        np.select([low & hard, low, hard], ["both", "low_results", "unfavourable"], default="other"),
        index=flags.index,
        dtype=object,
    )
    group[~selected.astype(bool)] = ""
    return group


def _usable(flags: pd.DataFrame, insufficient: pd.Series) -> pd.DataFrame:
    """The flags with those resting on results alone switched off for a school with too little data."""
    usable = flags.copy()
    for column in RESULT_FLAGS:
        usable.loc[insufficient, column] = False
    return usable


def combinations(category: pd.Series) -> list[dict[str, Any]]:
    """Act 001's table: how many schools fall in each of the seven combinations, and their share
    of the schools in any category."""
    counted = category[category != ""]
    total = len(counted)
    return [
        {
            "category": c,
            "schools": int((counted == c).sum()),
            "share": (float((counted == c).sum()) / total) if total else 0.0,
        }
        for c in COMBINATIONS
    ]
