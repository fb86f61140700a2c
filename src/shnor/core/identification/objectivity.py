"""Signs of biased results (признаки необъективности). Signs, not proof: each comes with its value,
the threshold it crossed, the regional reference, and the counts behind it, for a person to
confirm or reject. See docs/methodology.md for each rule and its source."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from shnor.core.methodology import Objectivity

SIGN_COLUMNS = [
    "school_id",
    "year",
    "code",
    "procedure",
    "subject",
    "grade",
    "value",
    "threshold",
    "reference",
    "evidence",
]


def _rows(frame: pd.DataFrame, code: str, evidence: list[str], **fixed: Any) -> list[dict[str, Any]]:
    out = []
    for row in frame.itertuples(index=False):
        data = row._asdict()
        out.append(
            {
                "school_id": data["school_id"],
                "year": int(data["year"]),
                "code": code,
                "procedure": data.get("procedure", fixed.get("procedure")),
                "subject": data.get("subject", fixed.get("subject")),
                "grade": data.get("grade", fixed.get("grade")),
                "value": float(data["value"]),
                "threshold": float(data["threshold"]),
                "reference": float(data["reference"]),
                "evidence": {k: _plain(data[k]) for k in evidence},
            }
        )
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return round(float(value), 4)
    return value


def journal(works: pd.DataFrame, rule: Objectivity) -> list[dict[str, Any]]:
    """ВПР mark against the term mark of the same pupils, pooled over a school's ВПР works of a year:
    shares that raised (ВПР above the term mark), confirmed and lowered it, against the region's;
    and, after act 003, «quality» (marks 4 and 5) by term marks against quality by ВПР."""
    pairs = ["pairs", "raised", "lowered", "q_vpr", "q_journal"]
    vpr = works.loc[(works["procedure"] == "VPR") & (works["pairs"] > 0), ["school_id", "year", *pairs]]
    if vpr.empty:
        return []
    g = vpr.groupby(["school_id", "year"])[pairs].sum().reset_index()
    region = vpr.groupby("year")[["pairs", "raised", "lowered"]].sum()
    g["share_raised"] = g["raised"] / g["pairs"]
    g["share_lowered"] = g["lowered"] / g["pairs"]
    g["share_confirmed"] = 1 - g["share_raised"] - g["share_lowered"]
    g["quality_vpr"] = g["q_vpr"] / g["pairs"]
    g["quality_journal"] = g["q_journal"] / g["pairs"]
    g["region_raised"] = g["year"].map(region["raised"] / region["pairs"])
    g["region_lowered"] = g["year"].map(region["lowered"] / region["pairs"])
    g = g[g["pairs"] >= rule.min_participants]
    evidence = [
        "pairs",
        "share_raised",
        "share_confirmed",
        "share_lowered",
        "quality_vpr",
        "quality_journal",
        "region_raised",
        "region_lowered",
    ]
    out: list[dict[str, Any]] = []
    for code, share, reference in (
        ("vpr_journal", "share_raised", "region_raised"),
        ("journal_inflation", "share_lowered", "region_lowered"),
    ):
        if code not in rule.signs:
            continue
        z = (g[share] - g[reference]) / np.sqrt(g[reference] * (1 - g[reference]) / g["pairs"])
        hit = g[(g[share] - g[reference] >= rule.journal_gap) & (z >= rule.z)].copy()
        hit["value"] = hit[share]
        hit["reference"] = hit[reference]
        hit["threshold"] = hit[reference] + rule.journal_gap
        out += _rows(hit, code, evidence, procedure="VPR")
    return out


def quality_mismatch(works: pd.DataFrame, rule: Objectivity) -> list[dict[str, Any]]:
    """Act 003: «несоответствие процента качества знаний детей по итогам четверти и результатам ВПР»
    (55 % against 82 %). Per ВПР work of a school and year: quality — the share of «4» and «5» — by
    term marks against quality by the ВПР itself, from pupil rows (the same pupils) or from the
    school-level shares; a sign when they differ by `quality_gap` or more, either way. The region's
    gap on the same work is the reference."""
    keys = ["year", "procedure", "subject", "grade", "school_id"]
    vpr = works.loc[(works["procedure"] == "VPR") & (works["q_pairs"] > 0), [*keys, "q_pairs", "q_vpr", "q_journal"]]
    if vpr.empty:
        return []
    w = vpr.copy()
    w["quality_vpr"] = w["q_vpr"] / w["q_pairs"]
    w["quality_journal"] = w["q_journal"] / w["q_pairs"]
    w["gap"] = (w["quality_journal"] - w["quality_vpr"]).abs()
    region = w.groupby(["year", "subject", "grade"])[["q_pairs", "q_vpr", "q_journal"]].sum()
    region_gap = ((region["q_journal"] - region["q_vpr"]) / region["q_pairs"]).abs().rename("region_gap")
    w = w.join(region_gap, on=["year", "subject", "grade"])
    hit = w[(w["q_pairs"] >= rule.min_participants) & (w["gap"] >= rule.quality_gap)].copy()
    hit["value"] = hit["gap"]
    hit["reference"] = hit["region_gap"]
    hit["threshold"] = rule.quality_gap
    hit["pupils"] = hit["q_pairs"]
    hit["direction"] = np.where(hit["quality_journal"] > hit["quality_vpr"], "по журналу выше", "по ВПР выше")
    return _rows(hit, "quality_mismatch", ["pupils", "quality_journal", "quality_vpr", "direction", "region_gap"])


def high_fives(works: pd.DataFrame, isb: pd.Series, external: pd.Series, rule: Objectivity) -> list[dict[str, Any]]:
    """Share of «5» on a ВПР work (marked by the school's own teachers) against the share its context
    predicts: a weighted linear fit, across the region's schools, of the share on ИСБ and on the
    school's externally marked results (ОГЭ and ЕГЭ in pupil SDs, where it has them). A school whose
    ВПР «5» are high because its pupils are strong on every exam is therefore not flagged."""
    out = []
    for p in fives_expected(works, isb, external):
        p["value"] = p["share"]
        p["threshold"] = p["reference"] + rule.fives_gap
        hit = p[(p["n_marked"] >= rule.min_participants) & (p["share"] >= p["threshold"]) & (p["z"] >= rule.z)]
        out += _rows(hit, "high_fives", ["n_marked", "n5", "isb", "external", "z"])
    return out


def fives_expected(works: pd.DataFrame, isb: pd.Series, external: pd.Series) -> list[pd.DataFrame]:
    """Per ВПР work of a year with at least ten schools of known ИСБ: its schools with `reference`, the
    share of «5» their context predicts, and `z`, the share's distance from it in binomial errors."""
    # Only the columns used: a copy of every column of every ВПР work cost a third of the signs.
    keys = ["year", "procedure", "subject", "grade", "school_id"]
    marked = works.loc[(works["procedure"] == "VPR") & (works["n_marked"] > 0), [*keys, "n_marked", "n5"]]
    marked["share"] = marked["n5"] / marked["n_marked"]
    marked["isb"] = marked["school_id"].map(isb)
    marked["external"] = marked["school_id"].map(external)
    out = []
    for _work, part in marked.groupby(["year", "procedure", "subject", "grade"]):
        fit = part.dropna(subset=["isb"])
        if len(fit) < 10:
            continue
        has_external = fit["external"].notna()
        columns = ["isb", "external"] if has_external.sum() >= 10 else ["isb"]
        fit = fit[has_external] if columns == ["isb", "external"] else fit
        design = np.column_stack([np.ones(len(fit)), *(fit[c].to_numpy(float) for c in columns)])
        n5, n = fit["n5"].to_numpy(float), fit["n_marked"].to_numpy(float)
        logit = np.log((n5 + 0.5) / (n - n5 + 0.5))  # empirical logits: shares are not linear in ability
        weight = np.sqrt((n5 + 0.5) * (n - n5 + 0.5) / (n + 1))
        beta, *_ = np.linalg.lstsq(design * weight[:, None], logit * weight, rcond=None)
        p = part.copy()
        predictors = [p["isb"].fillna(0.0)] + ([p["external"].fillna(0.0)] if len(columns) == 2 else [])
        eta = beta[0] + sum(b * x for b, x in zip(beta[1:], predictors, strict=True))
        p["reference"] = (1 / (1 + np.exp(-eta))).clip(0.01, 0.99)
        p["z"] = (p["share"] - p["reference"]) / np.sqrt(p["reference"] * (1 - p["reference"]) / p["n_marked"])
        out.append(p)
    return out


def oge_ege(works: pd.DataFrame, rule: Objectivity) -> list[dict[str, Any]]:
    """The state programme's objectivity ratio at school level: the share of ОГЭ «5» in Russian and
    mathematics over the share of ЕГЭ results ≥ `ege_high` in them, against the region's ratio."""
    both = oge_ege_counts(works)
    both = both[(both["n_marked"] >= rule.min_participants) & (both["n_test"] >= rule.min_participants)]
    if both.empty:
        return []
    region = both.groupby("year")[["n_marked", "n5", "n_test", "high"]].sum()
    region_ratio = (region["n5"] / region["n_marked"]) / (region["high"] / region["n_test"]).clip(lower=1e-6)
    both["share_oge5"] = both["n5"] / both["n_marked"]
    both["share_ege_high"] = both["high"] / both["n_test"]
    # Smoothed, so that a school with no ЕГЭ ≥ 75 at all gets a finite ratio.
    both["value"] = ((both["n5"] + 0.5) / (both["n_marked"] + 1)) / ((both["high"] + 0.5) / (both["n_test"] + 1))
    both["reference"] = both["year"].map(region_ratio)
    both["threshold"] = both["reference"] * rule.ratio
    hit = both[both["value"] >= both["threshold"]]
    return _rows(hit, "oge_ege", ["n_marked", "share_oge5", "n_test", "share_ege_high"], procedure="OGE")


def oge_ege_counts(works: pd.DataFrame) -> pd.DataFrame:
    """Per school and year with both: ОГЭ marked and «5», ЕГЭ taken and ≥ `ege_high`, in Russian and
    mathematics."""
    columns = ["school_id", "year", "procedure", "n_marked", "n5", "n_test", "high"]
    core = works.loc[works["subject"].isin(["rus", "math", "math_prof"]), columns]
    oge = core[core["procedure"] == "OGE"].groupby(["school_id", "year"])[["n_marked", "n5"]].sum()
    ege = core[core["procedure"] == "EGE"].groupby(["school_id", "year"])[["n_test", "high"]].sum()
    return oge.join(ege, how="inner").reset_index()


def base_profile(cross: pd.DataFrame) -> list[dict[str, Any]]:
    """Act 003: a pupil who failed ЕГЭ base mathematics but passed the profile level in the same year.
    The act counts such pupils against a target of none («не достиг нулевого значения показателя»),
    so one is a sign."""
    if cross.empty:
        return []
    hit = cross[cross["n_inverted"] >= 1].copy()
    hit["value"] = hit["n_inverted"].astype(float)
    hit["threshold"] = 1.0
    hit["reference"] = 0.0
    return _rows(hit, "base_profile", ["n_both", "n_inverted"], procedure="EGE", subject="math_prof", grade=11)


def heaping(heaps: pd.DataFrame, works: pd.DataFrame, rule: Objectivity) -> list[dict[str, Any]]:
    """Pupils exactly at a mark cut-off against those one point below, per school, year and
    procedure, where the region's own ratio shows no heaping."""
    if heaps.empty:
        return []
    g = heaps.groupby(["school_id", "year", "procedure"])[["at_cut", "below_cut"]].sum().reset_index()
    pupils = (
        works.groupby(["school_id", "year", "procedure"], as_index=False)["n"].sum().rename(columns={"n": "pupils"})
    )
    g = g.merge(pupils, on=["school_id", "year", "procedure"], how="left").fillna({"pupils": 0})
    region = heaps.groupby(["year", "procedure"], as_index=False)[["at_cut", "below_cut"]].sum()
    region["reference"] = (region["at_cut"] + 0.5) / (region["below_cut"] + 0.5)
    g = g.merge(region[["year", "procedure", "reference"]], on=["year", "procedure"], how="left")
    g["value"] = (g["at_cut"] + 0.5) / (g["below_cut"] + 0.5)
    g["threshold"] = rule.heap_ratio
    # Under no heaping, a pupil of the two scores is at the cut-off with the region's probability.
    p_at = g["reference"] / (1 + g["reference"])
    g["p_value"] = stats.binom.sf(g["at_cut"] - 1, g["at_cut"] + g["below_cut"], p_at)
    hit = g[
        (g["pupils"] >= rule.min_participants)
        & (g["at_cut"] >= 5)
        & (g["value"] >= rule.heap_ratio)
        & (g["reference"] < 1.5)
        & (g["p_value"] < stats.norm.sf(rule.z))
    ]
    return _rows(hit, "heaping", ["at_cut", "below_cut", "pupils", "p_value"])


def difficulty_inversion(task_rates: pd.DataFrame, rule: Objectivity) -> list[dict[str, Any]]:
    """A school whose task solve rates do not follow the tasks' difficulty in the region (rank
    correlation below the threshold) while its overall solve rate is at or above the region's."""
    rows = inversion_rhos(task_rates, rule.min_participants)
    if rows.empty:
        return []
    hit = rows[
        np.isfinite(rows["rho"]) & (rows["rho"] < rule.inversion_rho) & (rows["overall"] >= rows["region_overall"])
    ]
    return [
        {
            "school_id": r.school_id,
            "year": int(r.year),
            "code": "difficulty_inversion",
            "procedure": r.procedure,
            "subject": r.subject,
            "grade": int(r.grade),
            "value": float(r.rho),
            "threshold": rule.inversion_rho,
            "reference": 1.0,
            "evidence": {
                "tasks": int(r.tasks),
                "pupils": int(r.pupils),
                "solve_rate": round(float(r.overall), 4),
                "region_solve_rate": round(float(r.region_overall), 4),
            },
        }
        for r in hit.itertuples(index=False)
    ]


def inversion_rhos(task_rates: pd.DataFrame, floor: int) -> pd.DataFrame:
    """Per school and work of a year with at least five tasks and `floor` pupils: the rank correlation
    of its task solve rates with the region's, its overall solve rate and the region's."""
    columns = [
        "school_id",
        "year",
        "procedure",
        "subject",
        "grade",
        "tasks",
        "pupils",
        "rho",
        "overall",
        "region_overall",
    ]
    if task_rates.empty:
        return pd.DataFrame(columns=columns)
    keys = ["year", "procedure", "subject", "grade"]
    region = task_rates.groupby([*keys, "task"])[["score", "max_score"]].sum()
    region_rate = region["score"] / region["max_score"]
    out = []
    for (school, *work), part in task_rates.groupby(["school_id", *keys]):
        if len(part) < 5 or part["pupils"].max() < floor:
            continue
        rate = part["score"] / part["max_score"]
        reference = [region_rate.get((*work, task), np.nan) for task in part["task"]]
        work_region = region.loc[tuple(work)]
        out.append(
            (
                school,
                *work,
                len(part),
                int(part["pupils"].max()),
                stats.spearmanr(rate, reference).statistic,
                part["score"].sum() / part["max_score"].sum(),
                work_region["score"].sum() / work_region["max_score"].sum(),
            )
        )
    return pd.DataFrame(out, columns=columns)


def jump(scored: pd.DataFrame, years: list[int], rule: Objectivity) -> list[dict[str, Any]]:
    """A work's standardised mean in a year of the window against the mean of the school's one or
    two previous years of that work: a rise of at least `jump` pupil SDs that is also `z` standard
    errors away from no change."""
    r = rises(scored, years, rule.min_participants)
    if r.empty:
        return []
    hit = r[(r["rise"] >= rule.jump) & (r["rise"] >= rule.z * r["se"])]
    return [
        {
            "school_id": row.school_id,
            "year": int(row.year),
            "code": "jump",
            "procedure": row.procedure,
            "subject": row.subject,
            "grade": int(row.grade),
            "value": float(row.rise),
            "threshold": rule.jump,
            "reference": 0.0,
            "evidence": {
                "z": round(float(row.z), 4),
                "earlier_z": round(float(row.earlier_z), 4),
                "earlier_years": list(row.earlier_years),
            },
        }
        for row in hit.itertuples(index=False)
    ]


def rises(scored: pd.DataFrame, years: list[int], floor: int) -> pd.DataFrame:
    """Per school, work and year of the window with `floor` pupils and an earlier year of the same
    work (one or two years before): the standardised mean, the earlier mean, the rise and its
    standard error."""
    keys = ["school_id", "procedure", "subject", "grade"]
    columns = [*keys, "year", "n", "z", "earlier_z", "earlier_years", "rise", "se"]
    s = scored.loc[scored["n"] >= floor, [*keys, "year", "z", "v", "n"]]
    if s.empty:  # no work large enough (a small region, or few pupils per school)
        return pd.DataFrame(columns=columns)
    # One row per school, work and year: unstacking is pivot_table(aggfunc="first") without its cost.
    wide = s.drop_duplicates([*keys, "year"]).set_index([*keys, "year"]).unstack("year").sort_index()
    z, v, n = wide["z"], wide["v"], wide["n"]
    out = []
    for year in years:
        earlier = [y for y in (year - 1, year - 2) if y in z.columns]
        if year not in z.columns or not earlier:
            continue
        count = z[earlier].notna().sum(axis=1)
        kept = ((count > 0) & z[year].notna()).to_numpy()
        frame = pd.DataFrame(
            {
                "year": year,
                "n": n[year],
                "z": z[year],
                "earlier_z": z[earlier].mean(axis=1),
                "se": np.sqrt(v[year] + v[earlier].sum(axis=1, min_count=1) / count**2),
            }
        )[kept]
        frame["rise"] = frame["z"] - frame["earlier_z"]
        # The earlier years of the rows kept only (a list per row of every work cost a second at 4 M rows).
        present = z[earlier].notna().to_numpy()[kept]
        frame["earlier_years"] = [[y for y, there in zip(earlier, row, strict=True) if there] for row in present]
        out.append(frame.reset_index())
    return pd.concat(out, ignore_index=True)[columns] if out else pd.DataFrame(columns=columns)


def mismatch(scored: pd.DataFrame, years: list[int], rule: Objectivity) -> list[dict[str, Any]]:
    """The same cohort on two procedures: ВПР in grade 8 of year Y−1 against ОГЭ in grade 9 of
    year Y, in Russian and in mathematics, in pupil SDs from the region."""
    both = cohorts(scored, years, rule.min_participants)
    hit = both[(both["gap"] >= rule.mismatch) & (both["gap"] >= rule.z * both["se"])]
    return [
        {
            "school_id": row.school_id,
            "year": int(row.year),
            "code": "vpr_oge_mismatch",
            "procedure": "VPR",
            "subject": row.subject,
            "grade": 8,
            "value": float(row.gap),
            "threshold": rule.mismatch,
            "reference": 0.0,
            "evidence": {"z_vpr_grade8": round(float(row.z_vpr), 4), "z_oge": round(float(row.z_oge), 4)},
        }
        for row in hit.itertuples(index=False)
    ]


def cohorts(scored: pd.DataFrame, years: list[int], floor: int) -> pd.DataFrame:
    """Per school, subject and year of the window: the cohort's ВПР grade 8 a year before and its ОГЭ
    grade 9, both with `floor` pupils; their gap (ВПР − ОГЭ) and its standard error."""
    s = scored[scored["n"] >= floor]
    vpr = s[(s["procedure"] == "VPR") & (s["grade"] == 8)][["school_id", "subject", "year", "z", "v", "n"]].copy()
    vpr["year"] += 1  # the cohort's ОГЭ comes a year after its ВПР in grade 8
    oge = s[(s["procedure"] == "OGE") & (s["grade"] == 9) & s["year"].isin(years)][
        ["school_id", "subject", "year", "z", "v", "n"]
    ]
    both = oge.merge(vpr, on=["school_id", "subject", "year"], suffixes=("_oge", "_vpr"))
    both["gap"] = both["z_vpr"] - both["z_oge"]
    both["se"] = np.sqrt(both["v_oge"] + both["v_vpr"])
    return both


def signs(
    scored: pd.DataFrame,
    heaps: pd.DataFrame,
    task_rates: pd.DataFrame,
    isb: pd.Series,
    years: list[int],
    rule: Objectivity,
    cross: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every sign the preset looks for, in the window's years, with its severity: «high» when the
    same sign recurs in `persistence_years` or more years, otherwise «medium». `cross`: the pupils
    with ЕГЭ mathematics at both levels (aggregate.base_profile), where the preset looks for it."""
    window = scored[scored["year"].isin(years)]
    found: list[dict[str, Any]] = []
    if {"vpr_journal", "journal_inflation"} & set(rule.signs):
        found += journal(window, rule)
    if "high_fives" in rule.signs:
        found += high_fives(window, isb, external(window), rule)
    if "oge_ege" in rule.signs:
        found += oge_ege(window, rule)
    if "heaping" in rule.signs:
        found += heaping(heaps[heaps["year"].isin(years)] if not heaps.empty else heaps, window, rule)
    if "difficulty_inversion" in rule.signs and not task_rates.empty:
        found += difficulty_inversion(task_rates[task_rates["year"].isin(years)], rule)
    if "jump" in rule.signs:
        found += jump(scored, years, rule)
    if "vpr_oge_mismatch" in rule.signs:
        found += mismatch(scored, years, rule)
    if "quality_mismatch" in rule.signs and "q_pairs" in window.columns:
        found += quality_mismatch(window, rule)
    if "base_profile" in rule.signs and cross is not None and not cross.empty:
        found += base_profile(cross[cross["year"].isin(years)])
    return framed(found, rule)


def framed(found: list[dict[str, Any]], rule: Objectivity) -> pd.DataFrame:
    """Sign rows as a frame with their severity: «high» when the same sign recurs in
    `persistence_years` or more years, otherwise «medium»; sorted by school, year and sign."""
    frame = pd.DataFrame(found, columns=SIGN_COLUMNS)
    if frame.empty:
        return frame.assign(severity=pd.Series(dtype=str))
    recurring = frame.groupby(["school_id", "code"])["year"].nunique()
    frame["severity"] = [
        "high" if recurring[(s, c)] >= rule.persistence_years else "medium"
        for s, c in zip(frame["school_id"], frame["code"], strict=True)
    ]
    return frame.sort_values(["school_id", "year", "code", "procedure", "subject"], ignore_index=True)


def external(window: pd.DataFrame) -> pd.Series:
    """Each school's results on the externally marked exams (ОГЭ, ЕГЭ) of the window: the mean of
    its standardised works weighted by pupils."""
    ext = window[window["procedure"].isin(["OGE", "EGE"]) & window["z"].notna()]
    if ext.empty:
        return pd.Series(dtype=float)
    weighted = (ext["z"] * ext["n"]).groupby(ext["school_id"]).sum()
    return weighted / ext.groupby("school_id")["n"].sum()


# What identifies a sign across runs of the same data: a person's review of a sign in one run is
# applied to the same sign found again by a later run.
REVIEW_KEY = ["school_id", "year", "code", "procedure", "subject", "grade"]
REVIEWS = ("confirmed", "rejected")


def keys_of(frame: pd.DataFrame) -> list[tuple[str, int, str, str, str, int]]:
    def text(column: str) -> list[str]:
        return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in frame[column]]

    def grade(v: Any) -> int:
        return 0 if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)

    return list(
        zip(
            frame["school_id"].astype(str),
            frame["year"].astype(int),
            frame["code"].astype(str),
            text("procedure"),
            text("subject"),
            [grade(v) for v in frame["grade"]],
            strict=True,
        )
    )


def apply_reviews(found: pd.DataFrame, reviews: pd.DataFrame | None, persistence_years: int = 2) -> pd.DataFrame:
    """The signs with a column `review`: «confirmed» or «rejected» where a person reviewed the same
    sign (REVIEW_KEY), empty otherwise. A rejected sign stays in the evidence but counts for
    nothing; a confirmed sign flags the school on its own (`flags`)."""
    out = found.assign(review=pd.Series("", index=found.index, dtype=object))
    if reviews is None or reviews.empty or found.empty:
        return out
    known = {k: r for k, r in zip(keys_of(reviews), reviews["review"], strict=True) if r in REVIEWS}
    out["review"] = [known.get(k, "") for k in keys_of(out)]
    # Persistence over the signs that count: a sign whose twin of another year was rejected is no
    # longer «устойчивый».
    if "severity" in out.columns and (out["review"] == "rejected").any():
        kept = out[out["review"] != "rejected"]
        recurring = kept.groupby(["school_id", "code"])["year"].nunique()
        out["severity"] = [
            "high" if recurring.get((s, c), 0) >= persistence_years else "medium"
            for s, c in zip(out["school_id"], out["code"], strict=True)
        ]
    return out


def decided(reviews: pd.DataFrame | None, decisions: tuple[str, ...]) -> set[tuple[str, int, str, str, str, int]]:
    """The REVIEW_KEYs of the signs a person decided on with one of `decisions` (of REVIEWS)."""
    if reviews is None or reviews.empty:
        return set()
    return {k for k, r in zip(keys_of(reviews), reviews["review"], strict=True) if r in decisions}


def counted(found: pd.DataFrame) -> pd.DataFrame:
    """The signs that count: all but those a person rejected."""
    if "review" not in found.columns or found.empty:
        return found
    return found[found["review"] != "rejected"]


def flags(found: pd.DataFrame, rule: Objectivity, evidence: Any = None) -> tuple[pd.Series, dict[str, set[str]]]:
    """The objectivity flag per school and the procedures whose components are down-weighted for
    flagged schools (those of its sign rows, which for a flag by evidence include the deviations
    behind it: evidence.notable_rows). `rule.flag`: «evidence» — the school's combined evidence
    (`evidence`, an evidence.Evidence) reaches its threshold; «count» — at least `flag_signs` distinct signs or one
    persistent sign (the same sign in `persistence_years` years). Either way a sign a person
    confirmed flags the school on its own, and rejected signs count for nothing."""
    found = counted(found)
    by_evidence = rule.flag == "evidence" and evidence is not None
    if found.empty and not (by_evidence and bool(evidence.schools["flag"].any())):
        return pd.Series(dtype=bool), {}
    if by_evidence:
        flagged = evidence.schools["flag"].astype(bool)
    else:
        distinct = found.groupby("school_id")["code"].nunique()
        recurring = found.groupby(["school_id", "code"])["year"].nunique()
        persistent = set(recurring[recurring >= rule.persistence_years].index.get_level_values(0))
        flagged = (distinct >= rule.flag_signs) | distinct.index.isin(list(persistent))
    if "review" in found.columns:
        confirmed = set(found.loc[found["review"] == "confirmed", "school_id"])
        flagged = flagged.reindex(flagged.index.union(list(confirmed)), fill_value=False)
        flagged |= flagged.index.isin(list(confirmed))
    procedures: dict[str, set[str]] = {}
    for school in flagged[flagged].index:
        procedures[str(school)] = set(found.loc[found["school_id"] == school, "procedure"].dropna())
    return flagged, procedures
