"""The objectivity flag by evidence (core/identification/evidence.py), step by step against figures
computed by hand, and its false-flag rate on regions with no biased school at all."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from shnor.core.identification import evidence, objectivity
from shnor.core.methodology import Objectivity

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
