"""The objectivity flag by evidence (core/identification/evidence.py), step by step against figures
computed by hand, and its false-flag rate on regions with no biased school at all."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from shnor.core.identification import evidence, objectivity
from shnor.core.methodology import SIGNS, Objectivity

Z_995 = 2.5758293035489  # the normal quantile of 1 − 0.005


def _units(rows: list[tuple[str, int, str, float, float]], **extra: object) -> pd.DataFrame:
    """(school, year, code, d, s2) → units of the journal sign shape."""
    frame = pd.DataFrame(rows, columns=["school_id", "year", "code", "d", "s2"])
    frame = frame.assign(procedure="VPR", subject=None, grade=None, n=20, value=frame["d"], reference=0.0)
    return frame.assign(form="linear", two_sided=False, **extra)


# --- step 1: the empirical null of a sign -------------------------------------------------------


def test_the_null_is_the_theoretical_one_below_thirty_units() -> None:
    d, s2 = np.array([5.0] * 29), np.full(29, 0.01)
    assert evidence.null_of(d, s2) == (0.0, 0.0)


def test_the_between_school_variance_makes_the_median_absolute_z_that_of_a_normal() -> None:
    """Forty units, symmetric about 0, |d| = 0.1 for twenty and 0.3 for twenty; s2 = 0.01 each. The
    median |d| is 0.2 (between 0.1 and 0.3), so τ² solves 0.2 / √(0.01 + τ²) = 0.6745:
    τ² = (0.2 / 0.6745)² − 0.01 = 0.077921."""
    d = np.array([0.1, -0.1] * 10 + [0.3, -0.3] * 10)
    mu0, tau2 = evidence.null_of(d, np.full(40, 0.01))
    assert mu0 in (-0.1, 0.1)  # the weighted median of a symmetric set: a middle value
    spread = np.median(np.abs(d - mu0) / np.sqrt(0.01 + tau2))
    assert spread == pytest.approx(evidence.HALF_NORMAL_MEDIAN, abs=1e-6)
    centred, _ = evidence.null_of(d + 0.05, np.full(40, 0.01))
    assert centred == pytest.approx(mu0 + 0.05)


def test_no_between_school_variance_when_sampling_explains_the_spread() -> None:
    """|d| / √s2 has median 0.5 < 0.6745: the units vary less than sampling alone, τ² = 0."""
    d = np.array([0.05, -0.05] * 20)
    mu0, tau2 = evidence.null_of(d, np.full(40, 0.01))
    assert tau2 == 0.0 and abs(mu0) == 0.05


def test_the_weighted_median_weighs_precise_units_more() -> None:
    assert evidence._weighted_median(np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 10.0])) == 2.0
    assert evidence._weighted_median(np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0])) == 1.0


def test_calibration_of_a_unit_and_of_a_two_sided_one() -> None:
    """Below thirty units the null is N(0, s2): z = d / √s2. A two-sided unit (the act's quality gap
    either way) becomes the one-sided z of the same p-value: |z| = 3 → isf(2 · 0.0013499) = 2.7822;
    |z| = 1.5 → isf(2 · 0.0668072) = 1.1095."""
    units = _units([("A", 2026, "vpr_journal", 0.3, 0.01), ("B", 2026, "vpr_journal", -0.2, 0.04)])
    z = evidence.calibrate(units)["z"].tolist()
    assert z == pytest.approx([3.0, -1.0])
    two = evidence.calibrate(units.assign(two_sided=True, d=[0.3, -0.3]))["z"].tolist()
    assert two == pytest.approx([2.78217, 1.10947], abs=1e-5)


# --- step 2: within a sign ----------------------------------------------------------------------


def test_the_intraclass_correlation_by_hand() -> None:
    school = pd.Series(["A", "A", "B", "B"])
    assert evidence.intraclass(school, pd.Series([1.0, 1.0, -1.0, -1.0])) == pytest.approx(1.0)
    assert evidence.intraclass(school, pd.Series([1.0, -1.0, 1.0, -1.0])) == 0.0
    # Means 1 and −1 with within-school spread: MS_within = ((0.5² + 0.5²) · 2) / 2 = 0.5;
    # MS_between = 2 · (1² + 1²) / 1 = 4; n0 = 2; σ²_b = (4 − 0.5) / 2 = 1.75; ICC = 1.75 / 2.25.
    assert evidence.intraclass(school, pd.Series([1.5, 0.5, -0.5, -1.5])) == pytest.approx(1.75 / 2.25)


def test_a_sign_of_a_school_adds_its_units_by_stouffer_corrected_for_their_correlation() -> None:
    """School A: z 2 and 2; school B: 0 and 0 (ICC by hand: means 2 and 0, no spread within → 1).
    With ICC 1 the two units count as one: Z = 4 / √(2 · (1 + 1)) = 2. Fewer than thirty schools:
    no check against the region (shift 0, scale 1)."""
    calibrated = _units(
        [("A", 2025, "jump", 0, 1), ("A", 2026, "jump", 0, 1), ("B", 2025, "jump", 0, 1), ("B", 2026, "jump", 0, 1)]
    ).assign(z=[2.0, 2.0, 0.0, 0.0])
    signs = evidence.by_sign(calibrated).set_index("school_id")
    assert signs.loc["A", "icc"] == pytest.approx(1.0) and signs.loc["A", "z"] == pytest.approx(2.0)
    assert signs.loc["A", "units"] == 2 and signs.loc["A", "years"] == 2 and signs.loc["B", "z"] == 0.0
    independent = calibrated.assign(z=[3.0, 1.0, 1.0, 3.0])  # equal means: ICC 0 → Z = 4 / √2
    assert evidence.by_sign(independent).set_index("school_id").loc["A", "z"] == pytest.approx(4 / math.sqrt(2))


def test_the_region_check_is_cautious_for_a_sign_and_not_for_the_combination() -> None:
    z = pd.Series(np.concatenate([np.linspace(-2, 2, 40), [9.0]]))
    shift, scale = evidence.robust_null(z)
    assert shift >= 0 and scale >= 1
    narrow = pd.Series(np.linspace(-0.5, 0.5, 41) - 0.3)
    assert evidence.robust_null(narrow) == (0.0, 1.0)
    shift, scale = evidence.robust_null(narrow, cautious=False)
    assert shift == pytest.approx(-0.3) and scale == pytest.approx(0.25 / evidence.HALF_NORMAL_MEDIAN)
    assert evidence.robust_null(pd.Series([5.0] * 29)) == (0.0, 1.0)  # too few schools to say


# --- step 3: across signs, and the flag ---------------------------------------------------------


def test_signs_are_combined_by_stouffer() -> None:
    assert evidence.combine({"vpr_journal": 2.0, "high_fives": 1.0}) == pytest.approx(3 / math.sqrt(2))
    assert math.isnan(evidence.combine({}))


def test_the_flag_is_set_at_the_presets_false_flag_rate() -> None:
    """Ten schools, three years each (theoretical null, no region check below thirty schools): A's
    journal z 3, 3, 3; B's 1.5 ×3; the others 0.3, −0.3, 0. By hand: grand mean 0.45; MS within
    1.44 / 20 = 0.072; MS between 3 · (2.55² + 1.05² + 8 · 0.45²) / 9 = 3.075; n0 = 3;
    σ²_b = (3.075 − 0.072) / 3 = 1.001; ICC = 1.001 / 1.073 = 0.93290. A: 9 / √(3 · (1 + 2 · 0.93290))
    = 3.0694 ≥ 2.576 — flagged at 0.5 %, not at 0.1 % (3.090); B: 4.5 / 2.9321 = 1.5347, not flagged."""
    rows = [(s, y, "vpr_journal", 0.0, 1.0) for s in "ABCDEFGHIJ" for y in (2024, 2025, 2026)]
    found = _units(rows).assign(d=[3.0] * 3 + [1.5] * 3 + [0.3, -0.3, 0.0] * 8)
    weighed = evidence.assess(found, Objectivity())
    assert weighed.threshold == pytest.approx(Z_995)
    assert weighed.schools.loc["A", "z"] == pytest.approx(3.0694, abs=1e-4)
    assert weighed.schools.loc["B", "z"] == pytest.approx(1.5347, abs=1e-4)
    assert list(weighed.schools.index[weighed.schools["flag"]]) == ["A"]
    strict = evidence.assess(found, Objectivity(false_flag_rate=0.001))
    assert strict.threshold == pytest.approx(stats.norm.isf(0.001)) and not strict.schools["flag"].any()


def test_a_rejected_sign_takes_its_evidence_away() -> None:
    rows = [(s, y, "vpr_journal", 0.0, 1.0) for s in "ABCDEFGHIJ" for y in (2024, 2025, 2026)]
    found = _units(rows).assign(d=[3.0] * 3 + [0.0] * 27)
    rejected = {("A", y, "vpr_journal", "VPR", "", 0) for y in (2024, 2025, 2026)}
    weighed = evidence.assess(found, Objectivity(), rejected)
    assert not weighed.schools["flag"].any() and "A" not in weighed.schools.index
    assert weighed.every is not None and len(weighed.every) == 30  # the rows people reviewed stay in view


def test_what_would_flag_a_school_below_the_threshold() -> None:
    """One sign, raw Z 2 over 2 years: k more years of the same give 2·√((2 + k) / 2); 2.576 needs
    k = 2 (2·√2 = 2.83; k = 1 gives 2.45)."""
    signs = [{"code": "vpr_journal", "z": 2.0, "raw": 2.0, "shift": 0.0, "scale": 1.0, "units": 2, "years": 2}]
    assert evidence.years_to_flag(signs, Z_995, 0.0, 1.0) == 2
    weak = [{**signs[0], "z": 0.5, "raw": 0.5}]
    assert evidence.years_to_flag(weak, Z_995, 0.0, 1.0) is None  # five years are not enough
    assert evidence.years_to_flag([{**signs[0], "z": -1.0, "raw": -1.0}], Z_995, 0.0, 1.0) is None
    # Units almost one (ICC 0.9): more years add little, Z levels off at mean z / √0.9. The same raw 2
    # (total 2·√3.8 = 3.899, mean z 1.949): ceiling 2.055 — never. Mean z 2.5 (total 5, raw
    # 5 / √3.8 = 2.565): one more year gives 7.5 / √(3 · 2.8) = 2.588 ≥ 2.576.
    correlated = [{**signs[0], "icc": 0.9, "total": 2 * math.sqrt(3.8)}]
    assert evidence.years_to_flag(correlated, Z_995, 0.0, 1.0) is None
    near = [{**signs[0], "icc": 0.9, "total": 5.0, "z": 5 / math.sqrt(3.8), "raw": 5 / math.sqrt(3.8)}]
    assert evidence.years_to_flag(near, Z_995, 0.0, 1.0) == 1


def test_the_deviations_behind_a_flag_become_rows_to_review_in_the_signs_own_scale() -> None:
    """A flagged school's units with z ≥ 1.645 of signs pointing to bias, not already a sign row.
    Linear: threshold = reference + mu0 + 1.645·√(s2 + τ²); log: reference · e^(…); rho: tanh(−…)."""
    rows = [(s, 2026, "vpr_journal", 0.0, 1.0) for s in "ABCDEFGHIJ"]
    found = _units(rows).assign(d=[3.0] + [0.0] * 9, value=[0.5] + [0.2] * 9, reference=0.2)
    weighed = evidence.assess(found, Objectivity())
    (row,) = evidence.notable_rows(weighed, pd.DataFrame(columns=objectivity.SIGN_COLUMNS))
    assert (row["school_id"], row["code"], row["value"], row["reference"]) == ("A", "vpr_journal", 0.5, 0.2)
    assert row["threshold"] == pytest.approx(0.2 + evidence.NOTABLE_Z) and row["evidence"]["strength"] == 3.0
    assert evidence.notable_rows(weighed, pd.DataFrame([{**row, "grade": 0, "subject": ""}])) == []  # named already
    assert evidence._in_scale("log", 2.0, math.log(1.5)) == pytest.approx(3.0)
    assert evidence._in_scale("rho", 0.9, math.atanh(0.9) - math.atanh(0.4)) == pytest.approx(0.4)


# --- the false-flag rate on honest regions ------------------------------------------------------


def _honest_region(seed: int, schools: int = 400) -> pd.DataFrame:
    """Honest schools only: each has a teacher leniency (shared by its years) and a size from 5 to
    120; the journal sign's share raised is binomial around 0.2 + leniency."""
    rng = np.random.default_rng(seed)
    leniency = rng.normal(0, 0.05, schools)
    size = rng.integers(5, 121, schools)
    rows = []
    for i in range(schools):
        for year in (2024, 2025, 2026):
            p = float(np.clip(0.2 + leniency[i], 0.01, 0.99))
            share = rng.binomial(size[i], p) / size[i]
            rows.append((f"S{i:03}", year, "vpr_journal", share - 0.2, 0.2 * 0.8 / size[i]))
    return _units(rows)


def test_honest_regions_are_flagged_at_about_the_named_rate() -> None:
    """Ten honest regions of 400 schools (4 000 schools): at 0.5 % about 20 would be flagged by
    chance; the binomial 99.9 % bound is 36. A model that ignored leniency (τ²) or the correlation
    of a school's years would flag hundreds."""
    flagged = sum(int(evidence.assess(_honest_region(seed), Objectivity()).schools["flag"].sum()) for seed in range(10))
    assert flagged <= int(stats.binom.ppf(0.999, 4000, 0.005))
    without_tau = sum(
        int(((r["d"] / np.sqrt(r["s2"])).groupby(r["school_id"]).sum() / math.sqrt(3) >= Z_995).sum())
        for r in (_honest_region(seed) for seed in range(10))
    )
    assert without_tau > 5 * flagged + 100


def test_a_share_of_a_handful_of_pupils_gets_the_continuity_correction() -> None:
    """3 «5» of 5 pupils against 16.9 % expected (theoretical null, μ₀ = 0): d = 0.6 − 0.169 = 0.431,
    less 0.5 / 5 → 0.331; z = 0.331 / √(0.169 · 0.831 / 5) = 1.97 (the exact binomial tail gives
    1.88; uncorrected 2.56). A deviation smaller than the correction counts as none, either way; the
    null itself is estimated from the deviations as they are."""
    rows = pd.DataFrame(
        {"school_id": ["A", "B", "C"], "year": 2026, "n": [5, 5, 40], "value": [0.6, 0.2, 0.5],
         "reference": 0.169, "d": [0.431, -0.05, 0.331], "s2": 0.169 * 0.831 / 5}
    )  # fmt: skip
    units = evidence._frame(rows, "high_fives", share=True)
    assert units["d"].tolist() == [0.431, -0.05, 0.331] and units["cc"].tolist() == [0.1, 0.1, 0.0125]
    z = evidence.calibrate(units.assign(two_sided=False))["z"].tolist()
    sd = math.sqrt(0.169 * 0.831 / 5)
    assert z == pytest.approx([0.331 / sd, 0.0, 0.3185 / sd]) and z[0] == pytest.approx(1.97, abs=0.01)
    assert evidence._frame(rows, "jump")["cc"].tolist() == [0.0] * 3  # not a share: as it is


def test_a_two_sided_unit_at_the_centre_is_finite() -> None:
    units = _units([("A", 2026, "quality_mismatch", 0.0, 0.01), ("B", 2026, "quality_mismatch", 0.3, 0.01)])
    z = evidence.calibrate(units.assign(two_sided=True))["z"].tolist()
    assert z == pytest.approx([stats.norm.isf(0.999), stats.norm.isf(2 * stats.norm.sf(3.0))])


def test_a_reviewed_deviation_keeps_its_row_when_the_school_is_no_longer_flagged() -> None:
    """A person's decision stays with its deviation: a unit whose key was reviewed gets a row in the
    next run whatever the flag, so a confirmation still flags the school and a rejection is still
    carried (`flags` reads the row's review)."""
    rows = [(s, 2026, "vpr_journal", 0.0, 1.0) for s in "ABCDEFGHIJ"]
    found = _units(rows).assign(d=[1.0] + [0.0] * 9)
    weighed = evidence.assess(found, Objectivity())
    assert not weighed.schools["flag"].any()
    empty = pd.DataFrame(columns=objectivity.SIGN_COLUMNS)
    assert evidence.notable_rows(weighed, empty) == []
    (row,) = evidence.notable_rows(weighed, empty, {("A", 2026, "vpr_journal", "VPR", "", 0)})
    assert (row["school_id"], row["year"], row["evidence"]["strength"]) == ("A", 2026, 1.0)
    review = pd.DataFrame([{**row, "review": "confirmed"}])
    signs = objectivity.apply_reviews(objectivity.framed([row], Objectivity()), review)
    flagged, down = objectivity.flags(signs, Objectivity(), weighed)
    assert bool(flagged["A"]) and down == {"A": {"VPR"}}


# --- the units of each sign, by hand -------------------------------------------------------------


def _vpr(rows: list[tuple[str, int, int, int, int]]) -> pd.DataFrame:
    """(school, year, pairs, raised, lowered) → ВПР works with journal pairs."""
    frame = pd.DataFrame(rows, columns=["school_id", "year", "pairs", "raised", "lowered"])
    return frame.assign(procedure="VPR", subject="math", grade=5)


def test_journal_units_pool_a_schools_vpr_works_of_a_year_against_the_region() -> None:
    """A: 20 pairs, 8 raised, 2 lowered; B: 30 pairs, 3 raised, 6 lowered; C: 4 pairs (below the floor
    of 5, left out, but counted in the region). Region 2026: 54 pairs, 12 raised (0.2222), 9 lowered
    (0.1667). A's vpr_journal: value 0.4, d 0.1778, s2 0.2222·0.7778 / 20 = 0.008642, cc 0.025."""
    window = _vpr([("A", 2026, 20, 8, 2), ("B", 2026, 30, 3, 6), ("C", 2026, 4, 1, 1), ("D", 2026, 0, 0, 0)])
    raised, lowered = evidence._journal(window, {"vpr_journal", "journal_inflation"}, 5)
    a = raised.set_index("school_id").loc["A"]
    assert list(raised["school_id"]) == ["A", "B"] and set(raised["code"]) == {"vpr_journal"}
    assert (a["value"], a["reference"], a["n"], a["procedure"]) == (0.4, pytest.approx(12 / 54), 20, "VPR")
    assert a["d"] == pytest.approx(0.4 - 12 / 54) and a["s2"] == pytest.approx((12 / 54) * (42 / 54) / 20)
    assert a["cc"] == 0.025 and a["form"] == "linear"
    b = lowered.set_index("school_id").loc["B"]
    assert set(lowered["code"]) == {"journal_inflation"} and b["d"] == pytest.approx(0.2 - 9 / 54)
    assert len(evidence._journal(window, {"vpr_journal"}, 5)) == 1  # only the signs the preset names
    assert evidence._journal(window.assign(procedure="OGE"), {"vpr_journal"}, 5) == []


def test_heaping_units_are_the_share_at_the_cut_off_among_those_at_it_or_a_point_below() -> None:
    """Region OGE 2026: at 20 + 3 + 1, below 5 + 6 + 3 → r = (24 + 0.5) / (38 + 1) = 0.6282.
    A: 20 of 25 at the cut-off: d = 0.8 − 0.6282. C has 4 pupils there: left out (fewer than 5)."""
    heaps = pd.DataFrame(
        {"school_id": ["A", "B", "C"], "year": 2026, "procedure": "OGE", "at_cut": [20, 3, 1], "below_cut": [5, 6, 3]}
    )
    (units,) = evidence._heaping(heaps)
    a = units.set_index("school_id").loc["A"]
    assert list(units["school_id"]) == ["A", "B"] and a["n"] == 25 and a["value"] == 0.8
    assert a["reference"] == pytest.approx(24.5 / 39) and a["d"] == pytest.approx(0.8 - 24.5 / 39)
    assert a["s2"] == pytest.approx((24.5 / 39) * (14.5 / 39) / 25) and a["cc"] == 0.02
    assert evidence._heaping(heaps.iloc[0:0]) == []


def test_oge_ege_units_are_the_log_of_a_schools_ratio_against_the_regions() -> None:
    """A: ОГЭ 10 «5» of 20, ЕГЭ 2 of 20 ≥ 75 → smoothed (10.5 / 21) / (2.5 / 21) = 4.2; B: 2 of 20 and
    6 of 20 → (2.5 / 21) / (6.5 / 21) = 0.3846. Region: (12.5 / 41) / (8.5 / 41) = 1.4706; A's d is
    log(4.2 / 1.4706); its variance (1 − p) / ((n + 1) p) for each share."""
    window = pd.DataFrame(
        [("A", 2026, "OGE", "math", 20, 10, 0, 0), ("A", 2026, "EGE", "math_prof", 0, 0, 20, 2),
         ("B", 2026, "OGE", "math", 20, 2, 0, 0), ("B", 2026, "EGE", "math_prof", 0, 0, 20, 6)],
        columns=["school_id", "year", "procedure", "subject", "n_marked", "n5", "n_test", "high"],
    )  # fmt: skip
    (units,) = evidence._oge_ege(window, 5)
    a = units.set_index("school_id").loc["A"]
    assert a["value"] == pytest.approx(4.2) and a["reference"] == pytest.approx(12.5 / 8.5)
    assert a["d"] == pytest.approx(math.log(4.2 / (12.5 / 8.5))) and a["n"] == 40 and a["form"] == "log"
    p5, ph = 10.5 / 21, 2.5 / 21
    assert a["s2"] == pytest.approx((1 - p5) / (21 * p5) + (1 - ph) / (21 * ph))
    assert evidence._oge_ege(window, 25) == []  # under the floor on both exams


def test_base_profile_and_quality_units_by_hand() -> None:
    """Base/profile: A 1 inverted of 4, B 0 of 6; region (1 + 0.5) / (10 + 1) = 0.1364. Quality: A's
    term-mark quality 0.8 and ВПР 0.5 of 20; region gap (16 + 6 − 10 − 12) / 40 = 0 → d = 0.3."""
    cross = pd.DataFrame({"school_id": ["A", "B"], "year": 2026, "n_both": [4, 6], "n_inverted": [1, 0]})
    (bp,) = evidence._base_profile(cross, [2026])
    a = bp.set_index("school_id").loc["A"]
    assert a["d"] == pytest.approx(0.25 - 1.5 / 11) and a["s2"] == pytest.approx((1.5 / 11) * (9.5 / 11) / 4)
    assert (a["procedure"], a["subject"], a["grade"]) == ("EGE", "math_prof", 11)
    assert evidence._base_profile(cross, [2025]) == [] and evidence._base_profile(None, [2026]) == []
    works = pd.DataFrame(
        {"school_id": ["A", "B"], "year": 2026, "procedure": "VPR", "subject": "rus", "grade": 4,
         "q_pairs": [20, 20], "q_journal": [16, 6], "q_vpr": [10, 12]}
    )  # fmt: skip
    (quality,) = evidence._quality(works, 5)
    q = quality.set_index("school_id").loc["A"]
    assert q["value"] == pytest.approx(0.3) and q["reference"] == pytest.approx(0.0) and q["d"] == pytest.approx(0.3)
    assert q["s2"] == pytest.approx((0.8 * 0.2 + 0.5 * 0.5) / 20) and bool(quality["two_sided"].all())
    assert evidence._quality(works.drop(columns="q_pairs"), 5) == []


def test_inversion_units_against_the_median_school_of_the_work() -> None:
    """Five schools of one work, ten tasks each. Their ρ with the region: the median school's is the
    reference; a school below it by a Fisher distance d; variance 1.06 / (10 − 3)."""
    rows = []
    for school, flip in (("A", 0), ("B", 0), ("C", 0), ("D", 1), ("E", 0)):
        for t in range(1, 11):
            rate = (11 - t) / 10 if not flip else t / 10  # D solves hard tasks more often
            rows.append(("2026", "VPR", "math", 4, school, str(t), 20, rate * 20 + (t % 3), 20.0))
    rates = pd.DataFrame(
        rows, columns=["year", "procedure", "subject", "grade", "school_id", "task", "pupils", "score", "max_score"]
    )
    rates["year"] = rates["year"].astype(int)
    (units,) = evidence._inversion(rates, 5)
    d = units.set_index("school_id")
    assert "D" in d.index and d.loc["D", "d"] > 1 and d.loc["D", "form"] == "rho"
    assert d.loc["D", "s2"] == pytest.approx(1.06 / 7)
    assert d.loc["D", "d"] == pytest.approx(
        math.atanh(min(d.loc["D", "reference"], 0.999)) - math.atanh(max(d.loc["D", "value"], -0.999))
    )


def test_units_look_only_for_the_signs_the_preset_names() -> None:
    window = _vpr([("A", 2026, 20, 8, 2), ("B", 2026, 30, 3, 6)]).assign(
        n=20, z=0.0, v=0.05, n_marked=0, n5=0, n_test=0, high=0
    )
    only = evidence.units(
        window, pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), [2026], Objectivity(signs=("vpr_journal",))
    )
    assert set(only["code"]) == {"vpr_journal"} and list(only.columns[:6]) == objectivity.REVIEW_KEY
    assert evidence.units(window, pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), [2025], Objectivity()).empty


def test_fives_units_are_the_share_of_fives_against_the_contexts_prediction() -> None:
    """Twelve schools of one ВПР work, 20 marked each, the same ИСБ and the same share of «5» (0.25)
    but L, with 15 «5»: the prediction sits near 0.25 · 11/12 + 0.75/12 in logits; L's d is clearly
    above 0, the others' below, each with its binomial variance and the half-pupil correction."""
    ids = [f"S{i:02}" for i in range(11)] + ["L"]
    window = pd.DataFrame(
        {"school_id": ids, "year": 2026, "procedure": "VPR", "subject": "math", "grade": 5,
         "n_marked": 20, "n5": [5] * 11 + [15], "z": np.nan, "n": 20}
    )  # fmt: skip
    (units,) = evidence._fives(window, pd.Series(0.0, index=ids), 5)
    u = units.set_index("school_id")
    assert u.loc["L", "value"] == 0.75 and u.loc["L", "d"] > 0.4 and (u.drop("L")["d"] < 0).all()
    ref = u.loc["L", "reference"]
    assert u.loc["L", "s2"] == pytest.approx(ref * (1 - ref) / 20) and u.loc["L", "cc"] == 0.025
    assert all(part.empty for part in evidence._fives(window, pd.Series(0.0, index=ids), 25))  # under the floor


def test_a_schools_signs_are_listed_strongest_first_with_their_largest_deviation() -> None:
    rows = [(s, y, c, 0.0, 1.0) for s in "ABCDEFGHIJ" for y in (2025, 2026) for c in ("vpr_journal", "heaping")]
    d = [0.0] * 40
    d[0], d[1], d[2], d[3] = 1.0, 1.0, 3.0, 2.0  # A: vpr_journal 1 (2025), heaping 1 (2025), vpr 3 (2026), heaping 2
    weighed = evidence.assess(_units(rows).assign(d=d), Objectivity())
    signs = weighed.schools.loc["A", "signs"]
    assert [s["code"] for s in signs] == ["vpr_journal", "heaping"] and signs[0]["z"] > signs[1]["z"]
    assert signs[0]["top"] == {"year": 2026, "procedure": "VPR", "subject": None, "grade": None, "n": 20, "z": 3.0}
    assert signs[0]["units"] == 2 and signs[0]["years"] == 2 and "icc" in signs[0] and "total" in signs[0]


def _one_unit(code: str, **columns: object) -> pd.DataFrame:
    row: dict[str, object] = dict.fromkeys(evidence.UNIT_COLUMNS)
    row.update(school_id="A", year=2026, code=code, n=10, value=0.1, reference=0.0, form="linear", d=0.1, s2=0.01)
    row.update(cc=0.0, **columns)
    return pd.DataFrame([row])


def test_units_ask_each_sign_the_preset_names_for_its_units_of_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dispatch of `units`: each sign's function gets the window's years (heaping, task rates and
    base/profile data cut to them; the standardised works whole, for the history a jump compares
    with), the preset's floor of pupils and the context; their units come together with only the
    quality mismatch two-sided, and a unit without a finite deviation or a positive variance is
    dropped."""
    calls: dict[str, tuple[object, ...]] = {}

    def stub(name: str, *frames: pd.DataFrame) -> object:
        def run(*args: object) -> list[pd.DataFrame]:
            calls[name] = args
            return list(frames)

        return run

    bad = pd.concat(
        [_one_unit("base_profile"), _one_unit("base_profile", s2=0.0), _one_unit("base_profile", d=np.inf),
         _one_unit("base_profile", s2=np.nan), _one_unit("base_profile", d=np.nan)], ignore_index=True
    )  # fmt: skip
    monkeypatch.setattr(evidence, "_journal", stub("journal", _one_unit("vpr_journal")))
    monkeypatch.setattr(evidence, "_fives", stub("fives", _one_unit("high_fives")))
    monkeypatch.setattr(evidence, "_oge_ege", stub("oge_ege", _one_unit("oge_ege")))
    monkeypatch.setattr(evidence, "_heaping", stub("heaping", _one_unit("heaping")))
    monkeypatch.setattr(evidence, "_inversion", stub("inversion", _one_unit("difficulty_inversion")))
    monkeypatch.setattr(evidence, "_scored", stub("scored", _one_unit("jump")))
    monkeypatch.setattr(evidence, "_quality", stub("quality", _one_unit("quality_mismatch").assign(two_sided=True)))
    monkeypatch.setattr(evidence, "_base_profile", stub("base_profile", bad))
    scored = pd.DataFrame({"school_id": ["A", "A"], "year": [2025, 2026]})
    heaps, rates = scored.assign(at_cut=1), scored.assign(task="1")
    isb, cross = pd.Series([0.5], index=["A"]), scored.assign(n_both=3)
    every = Objectivity(evidence_min_pupils=7, signs=SIGNS)
    out = evidence.units(scored, heaps, rates, isb, [2026], every, cross)
    assert list(out["code"]) == ["vpr_journal", "high_fives", "oge_ege", "heaping", "difficulty_inversion", "jump",
                                 "quality_mismatch", "base_profile"]  # fmt: skip
    assert list(out["two_sided"]) == [False] * 6 + [True, False] and out["two_sided"].dtype == bool
    assert list(out.index) == list(range(8))
    codes = set(every.signs)
    window = calls["journal"][0]
    assert isinstance(window, pd.DataFrame) and list(window["year"]) == [2026]
    assert calls["journal"][1:] == (codes, 7) and calls["fives"][1:] == (isb, 7) and calls["oge_ege"][1:] == (7,)
    assert calls["quality"][1:] == (7,) and calls["inversion"][1] == 7
    for name in ("fives", "oge_ege", "quality"):
        assert calls[name][0] is not None and list(calls[name][0]["year"]) == [2026]  # type: ignore[index]  # a frame
    assert list(calls["heaping"][0]["year"]) == [2026] and list(calls["inversion"][0]["year"]) == [2026]  # type: ignore[index]  # a frame
    assert calls["scored"][0] is scored and calls["scored"][1:] == ([2026], codes, 7)
    assert calls["base_profile"] == (cross, [2026])
    # Each sign alone asks only its own function (the standardised works are always asked: they
    # answer by the codes); without heaping or task data those are not asked at all.
    for code, name in (("vpr_journal", "journal"), ("journal_inflation", "journal"), ("high_fives", "fives"),
                       ("oge_ege", "oge_ege"), ("heaping", "heaping"), ("difficulty_inversion", "inversion"),
                       ("quality_mismatch", "quality"), ("base_profile", "base_profile")):  # fmt: skip
        calls.clear()
        evidence.units(scored, heaps, rates, isb, [2026], Objectivity(signs=(code,)), cross)
        assert set(calls) == {name, "scored"}, code
    calls.clear()
    alone = evidence.units(scored, heaps.iloc[0:0], rates.iloc[0:0], isb, [2026], Objectivity(signs=("jump",)))
    assert set(calls) == {"scored"} and list(alone["two_sided"]) == [False]
    monkeypatch.setattr(evidence, "_scored", stub("scored"))
    empty = evidence.units(scored, heaps, rates, isb, [2026], Objectivity(signs=("jump",)))
    assert empty.empty and list(empty.columns) == [*evidence.UNIT_COLUMNS, "two_sided"]


def test_each_signs_units_carry_its_code_work_and_floor() -> None:
    """The bounds and labels of each sign's units: a school at exactly the floor counts; a work of
    one pair counts in the region's share; each unit names its sign and its work."""
    window = _vpr([("A", 2026, 20, 8, 2), ("B", 2026, 30, 3, 6), ("E", 2026, 1, 1, 0)])
    (raised,) = evidence._journal(window, {"vpr_journal"}, 20)  # A's 20 pairs are at the floor
    assert list(raised["school_id"]) == ["A", "B"] and raised.loc[0, "reference"] == pytest.approx(12 / 51)
    assert raised.loc[0, "subject"] is None  # pooled over the school's works
    (lowered,) = evidence._journal(window, {"journal_inflation"}, 5)
    assert set(lowered["code"]) == {"journal_inflation"}
    # «5»: the work's own procedure, subject and grade; the floor inclusive.
    ids = [f"S{i:02}" for i in range(11)] + ["L"]
    works = pd.DataFrame(
        {"school_id": ids, "year": 2026, "procedure": "VPR", "subject": "math", "grade": 5,
         "n_marked": 20, "n5": [5] * 11 + [15], "z": np.nan, "n": 20}
    )  # fmt: skip
    (fives,) = evidence._fives(works, pd.Series(0.0, index=ids), 20)
    assert len(fives) == 12 and set(fives["code"]) == {"high_fives"}
    assert (fives.loc[0, "procedure"], fives.loc[0, "subject"], fives.loc[0, "grade"]) == ("VPR", "math", 5)
    # ОГЭ/ЕГЭ: both exams at the floor; one under it is enough to leave the school out.
    exams = pd.DataFrame(
        [("A", 2026, "OGE", "math", 20, 10, 0, 0), ("A", 2026, "EGE", "math_prof", 0, 0, 20, 2),
         ("B", 2026, "OGE", "math", 20, 2, 0, 0), ("B", 2026, "EGE", "math_prof", 0, 0, 19, 6)],
        columns=["school_id", "year", "procedure", "subject", "n_marked", "n5", "n_test", "high"],
    )  # fmt: skip
    (oge,) = evidence._oge_ege(exams, 20)
    assert list(oge["school_id"]) == ["A"] and oge.loc[0, "code"] == "oge_ege" and oge.loc[0, "procedure"] == "OGE"
    assert evidence._oge_ege(exams.assign(n_marked=exams["n_marked"].where(exams["school_id"] == "B", 19)), 20) == []
    # Heaping: five pupils at the cut-off or a point below are enough.
    heaps = pd.DataFrame(
        {"school_id": ["A", "B", "C"], "year": 2026, "procedure": "OGE", "at_cut": [20, 3, 1], "below_cut": [5, 2, 3]}
    )
    (heaped,) = evidence._heaping(heaps)
    assert list(heaped["school_id"]) == ["A", "B"] and set(heaped["code"]) == {"heaping"}
    assert heaped.loc[1, "n"] == 5 and heaped.loc[1, "value"] == 0.6


def test_quality_and_base_profile_units_at_their_bounds() -> None:
    """Quality: region gap (16 + 10 − 10 − 10) / 40 = 0,15; A's d = 0,3 − 0,15; B's term and ВПР
    quality both 1 (variance floored at 0,01 / 20); an ОГЭ row is not a ВПР work; the floor
    inclusive. Base/profile: a school with one pupil of both counts, one with none does not."""
    works = pd.DataFrame(
        {"school_id": ["A", "B", "C"], "year": 2026, "procedure": ["VPR", "VPR", "OGE"], "subject": "rus",
         "grade": 4, "q_pairs": [20, 20, 20], "q_journal": [16, 20, 20], "q_vpr": [10, 20, 0]}
    )  # fmt: skip
    (quality,) = evidence._quality(works, 20)
    q = quality.set_index("school_id")
    assert list(q.index) == ["A", "B"] and set(q["code"]) == {"quality_mismatch"}
    region_gap = (36 - 30) / 40
    assert q.loc["A", "reference"] == pytest.approx(region_gap) and q.loc["A", "d"] == pytest.approx(0.3 - region_gap)
    assert q.loc["B", "s2"] == pytest.approx(0.01 / 20) and q.loc["A", "n"] == 20 and q.loc["A", "cc"] == 0.025
    assert quality["two_sided"].tolist() == [True, True]
    cross = pd.DataFrame({"school_id": ["A", "B", "C"], "year": 2026, "n_both": [1, 0, 9], "n_inverted": [1, 0, 0]})
    (bp,) = evidence._base_profile(cross, [2026])
    b = bp.set_index("school_id")
    assert list(b.index) == ["A", "C"] and set(b["code"]) == {"base_profile"}
    assert b.loc["A", "value"] == 1.0 and b.loc["A", "reference"] == pytest.approx(1.5 / 11) and b.loc["A", "cc"] == 0.5


def test_inversion_units_of_a_perfectly_reversed_school_are_finite() -> None:
    """A school whose task solve rates run exactly opposite to the region's has ρ = −1; its Fisher
    transform is held at atanh(−0,999), not −∞; the unit counts its pupils."""
    rows = []
    for school, flip in (("A", 0), ("B", 0), ("C", 0), ("D", 1)):
        for t in range(1, 7):
            rate = (7 - t) / 6 if not flip else t / 6
            rows.append((2026, "VPR", "math", 4, school, str(t), 12, rate * 12, 12.0))
    rates = pd.DataFrame(
        rows, columns=["year", "procedure", "subject", "grade", "school_id", "task", "pupils", "score", "max_score"]
    )
    (units,) = evidence._inversion(rates, 5)
    d = units.set_index("school_id")
    assert d.loc["D", "value"] == pytest.approx(-0.999) and np.isfinite(d.loc["D", "d"])
    assert d.loc["D", "n"] == 12 and d.loc["D", "code"] == "difficulty_inversion"
    assert d.loc["D", "s2"] == pytest.approx(1.06 / 3)


def test_jump_and_mismatch_units_from_the_standardised_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """A jump's unit is the rise against the school's own history, its variance the rise's se²,
    compared with 0; the mismatch's, the cohort's ВПР grade 8 minus its ОГЭ a year later, with the
    ОГЭ's pupils. Each asked for only when the preset names it, with the preset's floor."""
    asked: dict[str, tuple[object, ...]] = {}
    rises = pd.DataFrame({"school_id": ["A"], "procedure": "VPR", "subject": "math", "grade": 5, "year": 2026,
                          "n": [30], "rise": [0.8], "se": [0.2]})  # fmt: skip
    cohorts = pd.DataFrame({"school_id": ["B"], "subject": "rus", "year": 2026, "n_oge": [25], "gap": [0.6],
                            "se": [0.3]})  # fmt: skip
    monkeypatch.setattr(objectivity, "rises", lambda *a: asked.setdefault("rises", a) and rises)
    monkeypatch.setattr(objectivity, "cohorts", lambda *a: asked.setdefault("cohorts", a) and cohorts)
    scored = pd.DataFrame({"year": [2026]})
    jump, mismatch = evidence._scored(scored, [2026], {"jump", "vpr_oge_mismatch"}, 7)
    assert asked["rises"][1:] == ([2026], 7) and asked["cohorts"][1:] == ([2026], 7)
    j = jump.iloc[0]
    assert (j["code"], j["value"], j["reference"], j["d"], j["n"]) == ("jump", 0.8, 0.0, 0.8, 30)
    assert j["s2"] == pytest.approx(0.04) and (j["procedure"], j["subject"], j["grade"]) == ("VPR", "math", 5)
    m = mismatch.iloc[0]
    assert (m["code"], m["value"], m["reference"], m["d"], m["n"]) == ("vpr_oge_mismatch", 0.6, 0.0, 0.6, 25)
    assert m["s2"] == pytest.approx(0.09) and (m["procedure"], m["subject"], m["grade"]) == ("VPR", "rus", 8)
    assert [f["code"].iloc[0] for f in evidence._scored(scored, [2026], {"jump"}, 7)] == ["jump"]
    assert [f["code"].iloc[0] for f in evidence._scored(scored, [2026], {"vpr_oge_mismatch"}, 7)] == [
        "vpr_oge_mismatch"
    ]
    monkeypatch.setattr(objectivity, "rises", lambda *a: rises.iloc[0:0])
    assert [f["code"].iloc[0] for f in evidence._scored(scored, [2026], {"jump", "vpr_oge_mismatch"}, 7)] == [
        "vpr_oge_mismatch"
    ]


def test_each_sign_is_checked_against_its_own_spread_over_the_schools() -> None:
    """41 schools, one unit each: heaping z from −2,5 to 3,5 (median 0,5, median absolute deviation
    1,5, robust spread 1,5 / 0,6745 = 2,2239): each school's heaping Z is (z − 0,5) / 2,2239. A sign
    with fewer than thirty schools keeps the model (shift 0, scale 1). One unit per school: ICC 0."""
    z = np.linspace(-2.5, 3.5, 41)
    heaping = pd.DataFrame({"school_id": [f"S{i:02}" for i in range(41)], "year": 2026, "code": "heaping", "z": z})
    few = pd.DataFrame({"school_id": ["S00", "S01"], "year": 2026, "code": "oge_ege", "z": [4.0, -1.0]})
    out = evidence.by_sign(pd.concat([heaping, few], ignore_index=True)).set_index(["school_id", "code"])
    scale = 1.5 / evidence.HALF_NORMAL_MEDIAN
    h = out.xs("heaping", level="code")
    assert h["shift"].tolist() == pytest.approx([0.5] * 41) and h["scale"].tolist() == pytest.approx([scale] * 41)
    assert h["z"].tolist() == pytest.approx(list((z - 0.5) / scale)) and (h["icc"] == 0).all()
    o = out.xs("oge_ege", level="code")
    assert o["z"].tolist() == [4.0, -1.0] and o["shift"].tolist() == [0.0, 0.0] and o["scale"].tolist() == [1.0, 1.0]
    # Thirty schools are enough to say; thirty alike give no spread, and the scale stays 1.
    assert evidence.robust_null(pd.Series([2.0] * 30), cautious=False) == (2.0, 1.0)
    assert evidence.robust_null(pd.Series(np.linspace(1, 2, 30))) == (pytest.approx(1.5), 1.0)
    assert evidence._in_scale("rho", -1.0, 0.0) == pytest.approx(-0.999)
    assert evidence._in_scale("rho", 1.0, 0.0) == pytest.approx(0.999)


def test_a_schools_signs_in_words_keep_their_figures_to_the_stated_digits() -> None:
    part = pd.DataFrame(
        [("A", "heaping", 3, 2, 1.234567, 2.345678, 3.456789, 0.1234567, 0.456789, 1.234567),
         ("A", "vpr_journal", 2, 2, 2.0, 2.0, 2.8, 0.0, 0.0, 1.0)],
        columns=["school_id", "code", "units", "years", "z", "raw", "total", "icc", "shift", "scale"],
    )  # fmt: skip
    strongest = pd.DataFrame(
        [
            ("A", "heaping", 2025, np.nan, "math", 5.0, 12, 2.71828),
            ("A", "vpr_journal", 2026, "VPR", None, np.nan, 40, 2.5),
        ],
        columns=["school_id", "code", "year", "procedure", "subject", "grade", "n", "z"],
    ).set_index(["school_id", "code"])
    ((school, (z_by_code, (first, second))),) = evidence._strengths(part, strongest).items()
    assert school == "A" and z_by_code == {"heaping": 1.234567, "vpr_journal": 2.0}  # unrounded, for combining
    assert first["code"] == "vpr_journal" and second == {
        "code": "heaping", "units": 3, "years": 2, "z": 1.235, "raw": 2.346, "total": 3.457, "icc": 0.1235,
        "shift": 0.457, "scale": 1.235,
        "top": {"year": 2025, "procedure": None, "subject": "math", "grade": 5, "n": 12, "z": 2.718},
    }  # fmt: skip
    assert first["top"] == {"year": 2026, "procedure": "VPR", "subject": None, "grade": None, "n": 40, "z": 2.5}


def test_what_would_flag_a_school_at_the_edges_of_the_rule() -> None:
    """By hand, one sign of 2 units over 2 years, e more years: k = 2 + e units, the sign's raw Z
    grows as total · (k / 2) / √k (ICC 0)."""
    one = {"code": "heaping", "units": 2, "years": 2, "icc": 0.0, "shift": 0.0, "scale": 1.0}
    assert evidence.years_to_flag([], Z_995, 0.0, 1.0) is None
    # z 0 (raw 1 less a shift of 1): no sign points to bias, though 3 more years would reach 0,5.
    assert evidence.years_to_flag([{**one, "z": 0.0, "raw": 1.0, "shift": 1.0}], 0.5, 0.0, 1.0) is None
    # z 0,5: one more year gives 0,5 · √(3/2) = 0,612 ≥ 0,6.
    assert evidence.years_to_flag([{**one, "z": 0.5, "raw": 0.5}], 0.6, 0.0, 1.0) == 1
    # Already at the threshold: the answer counts years to come, from one.
    assert evidence.years_to_flag([{**one, "z": 3.0, "raw": 3.0}], Z_995, 0.0, 1.0) == 1
    # Six years would be needed (√7 = 2,646 ≥ 2,6 with one unit a year): more than five — no answer.
    single = {**one, "units": 1, "years": 1, "z": 1.0, "raw": 1.0}
    assert evidence.years_to_flag([single], 2.6, 0.0, 1.0) is None
    # ICC 0,9, total 5: Z levels off below 3 (2,588 after a year, 2,599 after two, ceiling 2,635).
    assert evidence.years_to_flag([{**one, "icc": 0.9, "total": 5.0, "z": 2.56, "raw": 2.56}], 3.0, 0.0, 1.0) is None
    # The sign's and the region's checks: sign (Z − 0,5) / 2, region (z − 0,2) / 0,5. Raw 2 (total 2√2):
    # after e years Z = √2·√(2 + e); e = 4: (3,464 − 0,5) / 2 = 1,482 → 2,564 < 2,576; e = 5: 2,842.
    checked = {**one, "z": 0.75, "raw": 2.0, "shift": 0.5, "scale": 2.0}
    assert evidence.years_to_flag([checked], Z_995, 0.2, 0.5) == 5


def test_the_rows_behind_a_flag_by_hand() -> None:
    """Hand-built evidence. A is flagged: its journal sign (Z 3) and heaping (Z 0,5) point to bias,
    its ОГЭ/ЕГЭ sign (Z 0) does not. E is flagged by ОГЭ/ЕГЭ (Z 1,5). B is not flagged. D's unit was
    rejected (out of the evidence, in `every`) and a person reviewed it. Rows: A's journal unit at
    exactly 1,645 (not its 2025 unit at 1,0), A's heaping unit (2,0), E's ОГЭ/ЕГЭ unit in the
    ratio's own scale, and D's reviewed unit; not A's ОГЭ/ЕГЭ unit, nor B's."""
    cols = ["school_id", "year", "code", "procedure", "form", "value", "reference", "z", "s2", "tau2", "mu0"]
    every = pd.DataFrame(
        [("A", 2026, "vpr_journal", "VPR", "linear", 0.5, 0.2, evidence.NOTABLE_Z, 0.01, 0.0036, 0.01),
         ("A", 2025, "vpr_journal", "VPR", "linear", 0.3, 0.2, 1.0, 0.01, 0.0036, 0.01),
         ("A", 2026, "oge_ege", "OGE", "log", 3.0, 1.5, 2.5, 0.04, 0.05, 0.1),
         ("A", 2026, "heaping", "OGE", "linear", 0.7, 0.5, 2.0, 0.01, 0.0, 0.0),
         ("E", 2026, "oge_ege", "OGE", "log", 3.0, 1.5, 2.5, 0.04, 0.05, 0.1),
         ("B", 2026, "vpr_journal", "VPR", "linear", 0.6, 0.2, 3.0, 0.01, 0.0, 0.0),
         ("D", 2026, "vpr_journal", "VPR", "linear", 0.25, 0.2, 0.5, 0.01, 0.0, 0.0)],
        columns=cols,
    ).assign(subject=None, grade=None, n=20)  # fmt: skip
    signs = {
        "A": [{"code": "vpr_journal", "z": 3.0}, {"code": "heaping", "z": 0.5}, {"code": "oge_ege", "z": 0.0}],
        "E": [{"code": "oge_ege", "z": 1.5}], "B": [{"code": "vpr_journal", "z": 3.0}],
    }  # fmt: skip
    schools = pd.DataFrame({"signs": pd.Series(signs), "flag": pd.Series({"A": True, "E": True, "B": False})})
    weighed = evidence.Evidence(units=every.iloc[:6], schools=schools, threshold=Z_995, every=every)
    empty = pd.DataFrame(columns=objectivity.SIGN_COLUMNS)
    reviewed = {("D", 2026, "vpr_journal", "VPR", "", 0)}
    rows = evidence.notable_rows(weighed, empty, reviewed)
    assert [(r["school_id"], r["year"], r["code"]) for r in rows] == [
        ("A", 2026, "vpr_journal"), ("A", 2026, "heaping"), ("E", 2026, "oge_ege"), ("D", 2026, "vpr_journal")
    ]  # fmt: skip
    journal, _, ratio, _ = rows
    assert journal["reference"] == pytest.approx(0.21)
    assert journal["threshold"] == pytest.approx(0.21 + evidence.NOTABLE_Z * math.sqrt(0.0136))
    assert journal["evidence"] == {"pupils": 20, "strength": 1.64, "by_evidence": True}
    assert journal["value"] == 0.5 and journal["procedure"] == "VPR" and journal["subject"] is None
    assert ratio["reference"] == pytest.approx(1.5 * math.exp(0.1))
    assert ratio["threshold"] == pytest.approx(1.5 * math.exp(0.1 + evidence.NOTABLE_Z * 0.3))
    # A row a sign already names is not repeated; the others still follow it.
    named = pd.DataFrame([{**rows[0], "subject": "", "grade": 0}])
    assert [r["code"] for r in evidence.notable_rows(weighed, named, reviewed)] == ["heaping", "oge_ege", "vpr_journal"]
    # A reviewed unit of a flagged school joins that school's notable ones; none of them is dropped.
    also = reviewed | {("A", 2025, "vpr_journal", "VPR", "", 0)}
    assert [(r["school_id"], r["year"], r["code"]) for r in evidence.notable_rows(weighed, empty, also)] == [
        ("A", 2026, "vpr_journal"), ("A", 2025, "vpr_journal"), ("A", 2026, "heaping"), ("E", 2026, "oge_ege"),
        ("D", 2026, "vpr_journal"),
    ]  # fmt: skip
    # Without `every`, the units themselves: D's rejected unit is not among them.
    alone = evidence.Evidence(units=every.iloc[:6], schools=schools, threshold=Z_995)
    assert [r["school_id"] for r in evidence.notable_rows(alone, empty, reviewed)] == ["A", "A", "E"]


def test_the_details_of_each_schools_evidence_as_the_pages_read_them() -> None:
    """Per school: its z and the threshold to three digits, the rule and its false-flag rate of the
    methodology, its signs as they are, and how many more years would flag it only below the threshold."""
    from shnor.core.identification import identify
    from shnor.core.methodology import Methodology

    m = Methodology()
    sign = {"code": "heaping", "units": 4, "years": 2, "z": 2.0, "raw": 2.0, "total": 4.0, "icc": 0.1,
            "shift": 0.0, "scale": 1.0, "top": {}}  # fmt: skip
    schools = pd.DataFrame(
        {"z": [3.14159, 0.51234], "signs": [[], [sign]], "flag": [True, False]},
        index=pd.Index(["A", 7], name="school_id"),
    )
    weighed = evidence.Evidence(pd.DataFrame(), schools, 2.326348, shift=0.1, scale=0.9)
    got = identify._evidence_details(weighed, m)
    assert list(got) == ["A", "7"]
    assert got["A"] == {"z": 3.142, "threshold": 2.326, "rule": m.objectivity.flag,
                        "false_flag_rate": m.objectivity.false_flag_rate, "signs": [], "years_to_flag": None}  # fmt: skip
    below = got["7"]
    assert (below["z"], below["threshold"], below["signs"]) == (0.512, 2.326, [sign])
    assert below["years_to_flag"] == evidence.years_to_flag([sign], 2.326348, 0.1, 0.9) == 3
    assert below["rule"] == m.objectivity.flag and below["false_flag_rate"] == m.objectivity.false_flag_rate
