"""The identification methodology against hand-computed examples, statsmodels/scipy where they
apply, and the demo region's planted structure."""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.meta_analysis import combine_effects

from shnor.core.identification import aggregate, indices, objectivity, sensitivity
from shnor.core.identification import identify as identify_module
from shnor.core.identification.identify import OUTPUT_COLUMNS, Inputs, classify, identify
from shnor.core.identification.uncertainty import uncertain
from shnor.core.methodology import Component, Cutoff, FederalRisk, Methodology, Objectivity, Selection, SocialPart
from shnor.core.presets import PresetError
from shnor.demo.generator import DemoConfig, DemoRegion, generate
from shnor.presets import available, load


def _works(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in aggregate.WORK_COLUMNS:
        if column not in frame:
            frame[column] = 0
    return frame[aggregate.WORK_COLUMNS]


# A base frame's flags, none set (classify and the sensitivity analysis read them).
NO_FLAGS = dict.fromkeys(
    ("insufficient_data", "federal_risk", "objectivity_flag", "value_added_negative", "orders", "complaints"), False
)


def _work(school: str, n: int, mean: float, within_ss: float, year: int = 2026, **extra: object) -> dict[str, object]:
    return {
        "year": year,
        "procedure": extra.pop("procedure", "OGE"),
        "subject": extra.pop("subject", "rus"),
        "grade": extra.pop("grade", 9),
        "school_id": school,
        "n": n,
        "n_scored": extra.pop("n_scored", n),
        "mean": mean,
        "within_ss": within_ss,
        **extra,
    }


# --- standardising and shrinking ------------------------------------------------------------------


def test_a_school_mean_is_expressed_in_pupil_sds_with_its_sampling_variance() -> None:
    # School A: pupils 1 and 3 (mean 2, within SS 2); school B: pupils 5 and 7 (mean 6, within SS 2).
    # Regional mean 4; pupil variance (2 + 2 + 2·2² + 2·2²) / 3 = 20/3; pooled within variance 4/2 = 2.
    scored = indices.standardise(_works([_work("A", 2, 2.0, 2.0), _work("B", 2, 6.0, 2.0)]), assumed_icc=0.2)
    a = scored.set_index("school_id").loc["A"]
    assert a["region_mean"] == pytest.approx(4.0)
    assert a["region_sd"] == pytest.approx(np.sqrt(20 / 3))
    assert a["z"] == pytest.approx(-2 / np.sqrt(20 / 3))
    assert a["v"] == pytest.approx(2 / (20 / 3 * 2))


def test_school_means_alone_use_the_assumed_share_of_variance_between_schools() -> None:
    # Means 2 and 6 of 10 pupils each: between-school variance of the means 4; with ICC 0.2 the pupil
    # variance is 20, so z = ±2/√20 and v = 20·0.8 / (20·10) = 0.08.
    frame = _works([_work("A", 10, 2.0, np.nan), _work("B", 10, 6.0, np.nan)])
    scored = indices.standardise(frame, assumed_icc=0.2).set_index("school_id")
    assert scored.loc["B", "z"] == pytest.approx(2 / np.sqrt(20))
    assert scored.loc["B", "v"] == pytest.approx(0.08)


def test_school_means_only_by_hand() -> None:
    """ОГЭ Russian: A 10 and B 14 (10 pupils each, no pupil rows): regional mean 12, between-school
    variance (10 × 4 + 10 × 4) / 20 = 4, pupil variance 4 / 0,2 = 20 (sd 4,4721), within 20 × 0,8 =
    16; A's z = −2 / 4,4721 = −0,4472 with v = 16 / (20 × 10) = 0,08. D's pupils carry no score and E
    has none scored: neither counts nor gets a z. ОГЭ mathematics has one school, C (7, 5 pupils): no
    spread, the pupil sd taken as 1, z 0, v 0,8 / 5 = 0,16."""
    rows = [
        _work("A", 10, 10.0, np.nan), _work("B", 10, 14.0, np.nan), _work("D", 10, np.nan, np.nan),
        _work("E", 10, 30.0, np.nan, n_scored=0), _work("C", 5, 7.0, np.nan, subject="math"),
    ]  # fmt: skip
    out = indices.standardise(_works(rows), assumed_icc=0.2)
    assert list(out["subject"]) == ["math", "rus", "rus", "rus", "rus"] and list(out.index) == list(range(5))
    by = out.set_index("school_id")
    assert by.loc["A", "region_mean"] == 12.0 and by.loc["A", "region_sd"] == pytest.approx(np.sqrt(20))
    assert (by.loc["A", "z"], by.loc["B", "z"]) == (pytest.approx(-2 / np.sqrt(20)), pytest.approx(2 / np.sqrt(20)))
    assert by.loc["A", "v"] == pytest.approx(0.08) and by.loc["B", "v"] == pytest.approx(0.08)
    assert by.loc[["D", "E"], ["z", "v"]].isna().all(axis=None)
    assert (by.loc["C", "z"], by.loc["C", "region_sd"], by.loc["C", "region_mean"]) == (0.0, 1.0, 7.0)
    assert by.loc["C", "v"] == pytest.approx(0.16)
    empty = indices.standardise(_works([]), assumed_icc=0.2)
    assert empty.empty and {"region_mean", "region_sd", "z", "v"} <= set(empty.columns)


def test_the_composite_weights_components_and_its_noise_partly_cancels() -> None:
    scored = pd.DataFrame(
        {"school_id": ["A", "A"], "z": [1.0, -1.0], "v": [0.2, 0.2], "weight": [3.0, 1.0], "n": [10, 12]}
    )
    row = indices.composite(scored, ["school_id"]).loc["A"]
    assert row["raw"] == pytest.approx(0.5)  # (3·1 − 1) / 4
    assert row["variance"] == pytest.approx((9 * 0.2 + 0.2) / 16)  # below either component's 0.2
    assert (row["participants"], row["components"]) == (22, 2)


def test_dersimonian_laird_agrees_with_statsmodels() -> None:
    rng = np.random.default_rng(7)
    v = rng.uniform(0.01, 0.3, 60)
    y = rng.normal(0, 0.4, 60) + rng.normal(0, np.sqrt(v))
    reference = combine_effects(y, v, method_re="dl")
    assert indices.dersimonian_laird(y, v) == pytest.approx(reference.tau2)


def test_shrinkage_by_hand() -> None:
    # Raw −1, 0, 1 with sampling variance 0.5 each: DL gives τ² = (4 − 2) / (6 − 2) = 0.5, so the
    # reliability is 0.5, the estimates −0.5, 0, 0.5, and the SE √(0.5·0.5 + 0.25 · 1/3).
    shrunk = indices.shrink(pd.Series([-1.0, 0.0, 1.0]), pd.Series([0.5, 0.5, 0.5]))
    assert shrunk.tau2 == pytest.approx(0.5)
    assert list(shrunk.estimate) == pytest.approx([-0.5, 0.0, 0.5])
    assert list(shrunk.se) == pytest.approx([np.sqrt(0.25 + 0.25 / 3)] * 3)


def test_shrinkage_with_unequal_variances_by_hand() -> None:
    """Raw 1, 2, 4 with variances 0,5, 1, 0,5. DerSimonian–Laird: weights 2, 1, 2, mean 12 / 5 = 2,4,
    Q = 2 × 1,96 + 0,16 + 2 × 2,56 = 9,2, denominator 5 − 9 / 5 = 3,2, τ² = (9,2 − 2) / 3,2 = 2,25.
    Then weights 1 / (2,25 + V) = 4/11, 4/13, 4/11: the mean 2,3514 with variance 1 / Σw = 0,9662;
    reliabilities 9/11, 9/13, 9/11; estimates 2,3514 + B·(R − 2,3514) = 1,2457, 2,1081, 3,7002;
    SE √(B·V + (1 − B)² · 0,9662) = 0,6641, 0,8853, 0,6641. D (no raw), E (variance 0) and F (no
    variance) get none."""
    raw = pd.Series([1.0, 2.0, 4.0, np.nan, 3.0, 3.0], index=list("ABCDEF"))
    variance = pd.Series([0.5, 1.0, 0.5, 0.5, 0.0, np.nan], index=list("ABCDEF"))
    shrunk = indices.shrink(raw, variance)
    assert shrunk.tau2 == pytest.approx(2.25) and shrunk.mean == pytest.approx(2.3513514)
    assert list(shrunk.estimate[:3]) == pytest.approx([1.2457003, 2.1081081, 3.7002457])
    assert list(shrunk.se[:3]) == pytest.approx([0.6641024, 0.8853156, 0.6641024])
    assert list(shrunk.reliability[:3]) == pytest.approx([9 / 11, 9 / 13, 9 / 11])
    assert shrunk.estimate[3:].isna().all() and shrunk.se[3:].isna().all() and shrunk.reliability[3:].isna().all()
    assert shrunk.estimate.dtype == float and shrunk.se.dtype == float
    nothing = indices.shrink(pd.Series([np.nan]), pd.Series([0.5]))
    assert nothing.tau2 == 0.0 and nothing.mean == 0.0 and nothing.estimate.isna().all()
    # One unit: no spread to estimate, τ² 0, the estimate is the mean.
    assert indices.dersimonian_laird(np.array([1.0]), np.array([0.5])) == 0.0
    assert indices.dersimonian_laird(np.array([1.0, 1.0]), np.array([0.5, 0.5])) == 0.0  # Q = 0: not negative
    assert indices.dersimonian_laird(np.array([0.0, 2.0]), np.array([0.5, 0.5])) == pytest.approx(1.5)  # (4 − 1) / 2
    low, threshold = indices.low_zone(
        pd.Series([1.0, np.nan]), pd.Series([False, True]), Cutoff(kind="quantile", value=0.25)
    )
    assert list(low) == [False, False] and low.dtype == bool and np.isnan(threshold)


def test_cronbach_alpha_by_hand() -> None:
    # Item variances 1 and 7/3, variance of the sum 19/3: α = 2 · (1 − (10/3) / (19/3)) = 18/19.
    items = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 5.0]})
    assert indices.cronbach_alpha(items) == pytest.approx(18 / 19)


def test_the_social_index_is_oriented_so_that_higher_is_better() -> None:
    social = pd.DataFrame(
        {
            "year": [2026, 2026, 2026, 2025],
            "school_id": ["A", "B", "C", "D"],
            "share_parents_no_higher_ed": [0.1, 0.2, 0.3, 0.5],
            "share_unemployed_parents": [0.0, 0.1, 0.2, 0.5],
            "share_on_register": [np.nan, 0.05, 0.1, 0.2],
        }
    )
    result = indices.social_index(social, 2026, Methodology())
    table = result.table
    assert table.loc["A", "isb"] > table.loc["B", "isb"] > table.loc["C", "isb"] > table.loc["D", "isb"]
    assert table.loc["A", "isb_components"] == 2 and table.loc["B", "isb_components"] == 3
    assert table.loc["D", "isb_year"] == 2025  # the latest record up to the year
    assert 0 < result.alpha <= 1


def test_the_social_index_by_hand() -> None:
    """Shares without higher education 0,1 / 0,2 / 0,3 (mean 0,2, sd 0,1: z −1, 0, 1, oriented 1, 0, −1)
    and of unemployed parents 0 / 0 / 0,3 (mean 0,1, sd √0,03: z −0,577, −0,577, 1,155, oriented 0,577,
    0,577, −1,155) with weight 2: ИСБ = (o₁ + 2·o₂) / 3 = 0,7182, 0,3849, −1,1031. α over the two
    oriented shares: 2 × (1 − (1 + 1) / 3,732) = 0,9282. E's latest record up to 2026 is of 2025 (its
    2027 record is later); its shares equal B's. A share of families with many children, higher
    (as the preset says) is better, is the same everywhere: it says nothing and is left out as if
    not collected (no weight, no component, not in α). D has no record before 2026 and no index."""
    social = pd.DataFrame(
        {
            "year": [2026, 2026, 2026, 2025, 2027, 2027],
            "school_id": ["A", "B", "C", "E", "E", "D"],
            "share_parents_no_higher_ed": [0.1, 0.2, 0.3, 0.2, 0.9, 0.5],
            "share_unemployed_parents": [0.0, 0.0, 0.3, 0.0, 0.9, 0.5],
            "share_large_families": [0.4] * 6,
        }
    )
    m = Methodology(
        social=(
            SocialPart(column="share_parents_no_higher_ed"),
            SocialPart(column="share_unemployed_parents", weight=2.0),
            SocialPart(column="share_large_families", higher_is_better=True),
            SocialPart(column="share_on_register"),  # not collected: left out
        )
    )
    without_e = indices.social_index(social[social["school_id"] != "E"], 2026, m)
    t = without_e.table
    assert list(t.index) == ["A", "B", "C"] and list(t["isb_year"]) == [2026] * 3
    assert list(t["isb"]) == pytest.approx([0.7182335, 0.3849002, -1.1031337])
    assert list(t["isb_components"]) == [2, 2, 2] and without_e.alpha == pytest.approx(0.9282032)
    assert without_e.parts == ["share_parents_no_higher_ed", "share_unemployed_parents"]
    # The same without the constant share at all.
    two = Methodology(social=m.social[:2])
    t2 = indices.social_index(social[social["school_id"] != "E"], 2026, two)
    assert list(t2.table["isb"]) == pytest.approx([0.7182335, 0.3849002, -1.1031337])
    assert t2.alpha == pytest.approx(0.9282032)
    with_e = indices.social_index(social, 2026, two).table
    assert with_e.loc["E", "isb_year"] == 2025 and with_e.loc["E", "isb"] == pytest.approx(with_e.loc["B", "isb"])
    # A school missing one share: its index rests on the others, with their weights.
    gap = social[social["school_id"] != "E"].copy()
    gap.loc[gap["school_id"] == "A", "share_unemployed_parents"] = np.nan
    g = indices.social_index(gap, 2026, two).table
    assert g.loc["A", "isb_components"] == 1 and g.loc["A", "isb"] == pytest.approx(1.0)  # o₁ of A alone
    assert indices.social_index(social, 2024, two).table.empty and np.isnan(
        indices.social_index(social, 2024, two).alpha
    )
    assert np.isnan(indices.cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0]})))  # one item
    assert indices.cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 2.0]})) == pytest.approx(1.0)
    assert np.isnan(indices.cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]})))
    assert np.isnan(indices.cronbach_alpha(pd.DataFrame({"a": [1.0, -1.0], "b": [-1.0, 1.0]})))  # the sum does not vary


def test_low_zones_by_quantile_and_by_fixed_value() -> None:
    values = pd.Series([-2.0, -1.0, 0.0, 1.0, 2.0], index=list("abcde"))
    eligible = pd.Series([True, True, True, True, False], index=list("abcde"))
    low, threshold = indices.low_zone(values, eligible, Cutoff(kind="quantile", value=0.25))
    assert threshold == pytest.approx(-1.25) and list(low) == [True, False, False, False, False]
    low, threshold = indices.low_zone(values, eligible, Cutoff(kind="fixed", value=0.0))
    assert threshold == 0.0 and list(low) == [True, True, True, False, False]


def test_value_added_uses_weighted_least_squares_like_statsmodels() -> None:
    rng = np.random.default_rng(3)
    n = 200
    isb = pd.Series(rng.normal(0, 1, n))
    v = pd.Series(rng.uniform(0.01, 0.2, n))
    raw = 0.1 + 0.5 * isb + rng.normal(0, 0.3, n) + rng.normal(0, np.sqrt(v))
    result = indices.value_added(raw, v, isb, None, fit_on=pd.Series(True, index=raw.index), level=0.9)
    x = sm.add_constant(isb.to_numpy())
    reference = sm.WLS(raw.to_numpy(), x, weights=1 / (result.tau2 + v.to_numpy())).fit()
    assert [result.coefficients["const"], result.coefficients["isb"]] == pytest.approx(list(reference.params))
    assert result.tau2 == pytest.approx(0.09, abs=0.03)
    table = result.table
    assert (
        (table["value_added_low"] < table["value_added"]) & (table["value_added"] < table["value_added_high"])
    ).all()
    # The shrunk value added is smaller in size than the raw residual.
    residual = raw - reference.fittedvalues
    assert (table["value_added"].abs() <= residual.abs() + 1e-12).all()


def test_value_added_and_its_interval_against_an_independent_computation() -> None:
    """τ² is the root of τ² = Σ(r(τ²)² − V) / (k − p), found here by bisection (scipy's brentq)
    instead of the iteration; β and its covariance come from statsmodels' WLS with weights
    1 / (τ² + V) and the scale fixed at 1; then for each school B = τ² / (τ² + V), the value added
    B·(R − x·β), its variance B·V + B²·x·Cov(β)·x and the central 90 % interval ± 1,6449 √var. School
    H is not fitted (fit_on) but gets its value added; J has no ИСБ and gets none."""
    from scipy.optimize import brentq

    ids = list("ABCDEFGHIJ")
    isb = pd.Series([-1.5, -1.0, -0.5, 0.0, 0.3, 0.6, 1.0, 1.4, 0.2, np.nan], index=ids)
    rural = pd.Series([True, False] * 5, index=ids)
    raw = pd.Series([-0.9, -0.2, -0.6, 0.3, -0.1, 0.7, 0.4, 1.2, 0.9, 0.0], index=ids)
    v = pd.Series([0.02, 0.05, 0.03, 0.08, 0.02, 0.04, 0.06, 0.03, 0.05, 0.04], index=ids)
    fit_on = pd.Series(True, index=ids)
    fit_on["H"] = False
    result = indices.value_added(raw, v, isb, rural, fit_on=fit_on, level=0.9)

    fitted = [i for i in ids if i not in ("H", "J")]
    x = np.column_stack([np.ones(len(fitted)), isb[fitted], rural[fitted].astype(float)])
    y, vv = raw[fitted].to_numpy(), v[fitted].to_numpy()
    k, p = x.shape

    def wls(t: float) -> Any:
        return sm.WLS(y, x, weights=1 / (t + vv)).fit(cov_type="fixed scale", cov_kwds={"scale": 1.0})

    def excess(t: float) -> float:
        return float(((y - x @ wls(t).params) ** 2 - vv).sum() / (k - p)) - t

    tau2 = brentq(excess, 0.0, 5.0, xtol=1e-12)
    assert result.tau2 == pytest.approx(tau2, abs=1e-8) and tau2 > 0
    model = wls(tau2)
    assert list(result.coefficients) == ["const", "isb", "rural"]
    assert list(result.coefficients.values()) == pytest.approx(list(model.params), abs=1e-7)
    cov = model.cov_params()
    for school in ids[:9]:
        xi = np.array([1.0, isb[school], float(rural[school])])
        b = tau2 / (tau2 + v[school])
        estimate = b * (raw[school] - xi @ model.params)
        half = 1.6448536 * np.sqrt(b * v[school] + b * b * xi @ cov @ xi)
        row = result.table.loc[school]
        assert row["value_added"] == pytest.approx(estimate, abs=1e-7), school
        assert (row["value_added_low"], row["value_added_high"]) == (
            pytest.approx(estimate - half, abs=1e-6),
            pytest.approx(estimate + half, abs=1e-6),
        ), school
        assert row["predicted"] == pytest.approx(xi @ model.params, abs=1e-7)
    assert result.table.loc["J"].isna().all()
    ssr = float(((y - x @ model.params) ** 2).sum())
    assert result.r2 == pytest.approx(1 - ssr / float(((y - y.mean()) ** 2).sum()), abs=1e-7)
    # A 95 % interval is wider by 1,96 / 1,645.
    wide = indices.value_added(raw, v, isb, rural, fit_on=fit_on, level=0.95).table.loc["A"]
    narrow = result.table.loc["A"]
    ratio = (wide["value_added_high"] - wide["value_added"]) / (narrow["value_added_high"] - narrow["value_added"])
    assert ratio == pytest.approx(1.959964 / 1.6448536, rel=1e-6)
    # Locality enters only where the fitted schools have both kinds; too few schools give nothing.
    assert "rural" not in indices.value_added(raw, v, isb, pd.Series(True, index=ids), fit_on, 0.9).coefficients
    few = indices.value_added(raw, v, isb, rural, fit_on=pd.Series(ids, index=ids).isin(["A", "B", "C"]), level=0.9)
    assert few.coefficients == {} and few.table.isna().all(axis=None) and np.isnan(few.tau2) and np.isnan(few.r2)
    assert list(few.table.columns) == ["value_added", "value_added_low", "value_added_high", "predicted"]


# --- aggregation from pupils (Ibis over DuckDB) ---------------------------------------------------


def test_pupil_rows_become_work_aggregates_and_heaps() -> None:
    rows = pd.DataFrame(
        {
            "year": [2026] * 6,
            "procedure": ["VPR"] * 4 + ["EGE"] * 2,
            "grade": [4] * 4 + [11] * 2,
            "subject": ["rus"] * 6,
            "school_id": ["A"] * 6,
            "student_key": list("pqrstu"),
            "primary_score": [10.0, 14.0, 14.0, 13.0, 20.0, 40.0],
            "max_primary_score": [38.0] * 4 + [50.0] * 2,
            "test_score": [np.nan] * 4 + [20.0, 80.0],
            "mark": [2.0, 3.0, 3.0, 2.0, np.nan, np.nan],
            "journal_mark": [3.0, 3.0, 2.0, np.nan, np.nan, np.nan],
        }
    )
    table = ibis.memtable(rows)
    works = aggregate.works(table, [2026], {"rus": 24.0}).set_index("procedure")
    vpr, ege = works.loc["VPR"], works.loc["EGE"]
    assert (vpr["n"], vpr["mean"], vpr["within_ss"]) == (4, 12.75, pytest.approx(10.75))
    assert (vpr["n2"], vpr["n3"], vpr["pairs"], vpr["raised"], vpr["lowered"]) == (2, 2, 3, 1, 1)
    assert vpr["below_min"] == 2
    assert (ege["n"], ege["mean"], ege["below_min"], ege["n_test"], ege["high"]) == (2, 50.0, 1, 2, 1)
    heaps = aggregate.heaping(table, [2026], ["VPR"]).iloc[0]
    # The lowest score marked «3» is 14: two pupils are at the cut-off, one (13) just below it.
    assert (heaps["at_cut"], heaps["below_cut"]) == (2, 1)


# --- signs, federal risk, selection ---------------------------------------------------------------


def test_vpr_marks_above_term_marks_are_a_sign_with_their_evidence() -> None:
    rows = [_work(f"S{i}", 40, 10.0, 40.0, procedure="VPR", grade=4, pairs=40, raised=4, lowered=4) for i in range(9)]
    rows.append(
        _work("X", 40, 10.0, 40.0, procedure="VPR", grade=4, pairs=40, raised=24, lowered=0, q_vpr=30, q_journal=12)
    )
    found = objectivity.journal(_works(rows), Objectivity())
    assert [(s["school_id"], s["code"]) for s in found] == [("X", "vpr_journal")]
    sign = found[0]
    assert sign["value"] == pytest.approx(0.6)
    assert sign["reference"] == pytest.approx(60 / 400)  # the region's share raised, X included
    assert sign["evidence"]["quality_vpr"] == pytest.approx(0.75) and sign["evidence"][
        "quality_journal"
    ] == pytest.approx(0.3)


def _identify(
    works: list[dict[str, object]], schools: list[str], methodology: Methodology, reviews: pd.DataFrame | None = None
) -> pd.DataFrame:
    return _identify_with_summary(works, schools, methodology, reviews)[0]


def _identify_with_summary(
    works: list[dict[str, object]], schools: list[str], methodology: Methodology, reviews: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    registry = pd.DataFrame(
        {
            "school_id": schools,
            "name": schools,
            "municipality": "M",
            "locality": ["city", "rural"] * (len(schools) // 2) + ["city"] * (len(schools) % 2),
        }
    )
    social = pd.DataFrame(
        {
            "year": 2026,
            "school_id": schools,
            "share_parents_no_higher_ed": np.linspace(0.2, 0.6, len(schools)),
            "share_unemployed_parents": np.linspace(0.05, 0.2, len(schools)),
            "share_on_register": np.linspace(0.01, 0.05, len(schools)),
        }
    )
    inputs = Inputs(schools=registry, works=_works(works), social=social)
    if reviews is not None:
        inputs.reviews = reviews
    outcome = identify(inputs, 2026, methodology)
    return outcome.table.set_index("school_id"), outcome.summary


def test_the_federal_risk_needs_two_works_in_a_year_or_one_work_two_years_running() -> None:
    m = Methodology(federal_risk=FederalRisk(works="all"))
    rows = []
    for school in "ABCDEF":
        for year in (2024, 2025, 2026):
            for subject in ("rus", "math"):
                below = 0
                if school == "A" and year == 2026:
                    below = 6  # both subjects in one year
                if school == "B" and subject == "rus" and year in (2025, 2026):
                    below = 6  # the same work two years running
                if school == "C" and subject == "rus" and year in (2024, 2026):
                    below = 6  # twice, but not running
                rows.append(_work(school, 20, 10.0, 200.0, year=year, subject=subject, below_min=below))
    table = _identify(rows, list("ABCDEF"), m)
    assert list(table["federal_risk"]) == [True, True, False, False, False, False]


def test_a_school_with_too_few_results_is_never_selected_on_results_alone() -> None:
    m = Methodology(min_participants=15, selection=Selection(any_of=("ior_low",), minimum=3))
    rows = [_work(s, 30, mean, 30 * 4.0) for s, mean in zip("ABCDEFGH", [4, 9, 10, 10, 11, 11, 12, 12], strict=True)]
    rows.append(_work("T", 3, 2.0, 3 * 4.0))  # the lowest mean, but of three pupils
    table = _identify(rows, [*"ABCDEFGH", "T"], m)
    assert bool(table.loc["T", "insufficient_data"]) and not table.loc["T", "selected"]
    assert table.loc["T", "ior_reliability"] < table.loc["A", "ior_reliability"]  # three pupils say less
    assert table.loc["T", "ior_se"] > table.loc["A", "ior_se"]
    assert bool(table.loc["A", "selected"]) and table.loc["A", "reasons"] == "ior_low"
    assert int(table["selected"].sum()) == 3  # topped up to the minimum by the lowest ИОР
    assert list(table.columns[: len(OUTPUT_COLUMNS) - 1]) == OUTPUT_COLUMNS[1:]


def test_stable_low_is_low_in_every_year_and_the_output_keeps_its_figures() -> None:
    """Eight schools over the three years of the window; the lowest quarter of each year is low
    (two schools). A is the lowest every year: stable low. B is low in 2026 only, C in 2024 and
    2025 only: neither is. The output table carries the value-added interval around its estimate,
    and the run's summary counts the table's selected schools."""
    means = {  # ОГЭ mean by school and year: the two lowest of each year are the year's low zone
        "A": (4, 4, 4),
        "B": (12, 12, 5),
        "C": (6, 6, 12),
        "D": (10, 10, 10),
        "E": (11, 11, 11),
        "F": (13, 13, 13),
        "G": (14, 14, 14),
        "H": (15, 15, 15),
    }
    rows = [
        _work(school, 40, mean, 40 * 4.0, year=year)
        for school, by_year in means.items()
        for year, mean in zip((2024, 2025, 2026), by_year, strict=True)
    ]
    m = Methodology(selection=Selection(any_of=("stable_low",), minimum=0))
    table, summary = _identify_with_summary(rows, list(means), m)
    assert list(table.index[table["stable_low"].astype(bool)]) == ["A"]
    assert bool(table.loc["A", "selected"]) and not table.loc[["B", "C"], "selected"].any()
    assert summary["selected"] == int(table["selected"].sum()) == 1
    known = table["value_added"].notna()
    assert (table.loc[known, "value_added_low"] <= table.loc[known, "value_added"]).all()
    assert (table.loc[known, "value_added"] <= table.loc[known, "value_added_high"]).all()


def test_the_group_says_why_a_school_is_listed_and_the_clusters_are_the_act_s_table() -> None:
    """Data contract v1.1, column `group`, and act 004, table 1, by hand with fixed cut-offs at −0.5:
    A low results only (struggling, ШНОР), B low context only (resilient, ШНСУ), C both (deprived),
    D listed for a supervision order alone (other), E at federal risk but with too little data (not
    listed: a result flag does not count then), F the lowest ИОР of the rest, added to reach the
    minimum of five (other: not low by the rule), G effective and not listed."""
    base = pd.DataFrame(
        {
            "ior": [-1.0, 1.0, -1.0, 1.0, 1.0, 0.5, 2.0],
            "isb": [1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0],
            "insufficient_data": [False, False, False, False, True, False, False],
            "federal_risk": [False, False, False, False, True, False, False],
            "objectivity_flag": False,
            "value_added_negative": False,
            "orders": [False, False, False, True, False, False, False],
            "complaints": False,
        },
        index=pd.Index(list("ABCDEFG"), name="school_id"),
    )
    m = Methodology(
        ior_low=Cutoff(kind="fixed", value=-0.5),
        isb_low=Cutoff(kind="fixed", value=-0.5),
        selection=Selection(any_of=("ior_low", "isb_low", "orders", "federal_risk"), minimum=5),
    )
    per_year = pd.DataFrame(columns=["school_id", "year", "ior", "ior_se", "participants"])
    table = classify(base, per_year, [2026], m).table
    assert dict(table["cluster"]) == {
        "A": "struggling",
        "B": "resilient",
        "C": "deprived",
        "D": "effective",
        "E": "",
        "F": "effective",
        "G": "effective",
    }
    assert dict(table["category"]) == {"A": "НР", "B": "ССК", "C": "НР+ССК", "D": "", "E": "НР", "F": "", "G": ""}
    assert dict(table["group"]) == {
        "A": "low_results",
        "B": "unfavourable",
        "C": "both",
        "D": "other",
        "E": "",
        "F": "other",
        "G": "",
    }
    assert table.loc["F", "reasons"] == "minimum" and not table.loc["E", "selected"]


def test_every_built_in_preset_declares_a_valid_methodology() -> None:
    for name in available():
        preset, _ = load(name)
        assert preset.methodology.components


def test_a_preset_methodology_with_an_unknown_flag_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "p.yaml"
    path.write_text(
        "name: x\nversion: '1'\ntitle: x\nregion: x\nlevel: region\nmethodology:\n  selection:\n    any_of: [low_mood]\n",
        encoding="utf-8",
    )
    with pytest.raises(PresetError, match="low_mood"):
        load(str(path))


# --- the demo region's planted structure --------------------------------------------------------


# The demo region, its schools' table joined with the planted truth, and the signs.
Demo = tuple[DemoRegion, pd.DataFrame, pd.DataFrame]


@pytest.fixture(scope="module")
def demo() -> Demo:
    region = generate(DemoConfig())
    m = Methodology()
    results = ibis.memtable(region.results.astype({"mark": "float64", "journal_mark": "float64"}))
    years = list(range(2026 - m.window - 1, 2027))
    works = aggregate.works(results, years, m.min_test_scores)
    heaps = aggregate.heaping(results, years, ["VPR", "OGE"])
    tasks = aggregate.tasks(ibis.memtable(region.tasks), years)
    inputs = Inputs(region.schools, works, region.social, region.oversight, heaping=heaps, tasks=tasks)
    outcome = identify(inputs, 2026, m)
    table = outcome.table.merge(region.truth.rename(columns={"value_added": "true_value_added"}), on="school_id")
    return region, table, outcome.signs


def _precision_recall(found: pd.Series, truth: pd.Series) -> tuple[float, float]:
    hits = int((found & truth).sum())
    return hits / max(int(found.sum()), 1), hits / max(int(truth.sum()), 1)


def test_planted_resilient_and_struggling_schools_are_separated_by_value_added(demo: Demo) -> None:
    _, table, _ = demo
    precision, recall = _precision_recall(table["value_added_positive"], table["planted"] == "resilient")
    assert recall >= 0.95
    precision, recall = _precision_recall(table["value_added_negative"], table["planted"] == "struggling")
    assert recall >= 0.95
    # Among the schools the model calls resilient (cluster), most are planted resilient or ordinary
    # schools with a hard context and good results; none is planted struggling.
    assert not ((table["cluster"] == "resilient") & (table["planted"] == "struggling")).any()
    assert not ((table["cluster"] == "struggling") & (table["planted"] == "resilient")).any()


def test_planted_inflated_vpr_is_flagged_and_ordinary_schools_are_not(demo: Demo) -> None:
    """The flag by evidence at the default false-flag rate of 0.5 %: on the demo, all 35 inflated
    schools and none of the 665 others (docs/validation.md says so)."""
    _, table, signs = demo
    assert int((table["objectivity_flag"] & table["inflated"]).sum()) == 35 == int(table["inflated"].sum())
    assert int((table["objectivity_flag"] & ~table["inflated"]).sum()) == 0
    inflated = set(table.loc[table["inflated"], "school_id"])
    journal = signs[signs["code"] == "vpr_journal"]
    assert set(journal["school_id"]) & inflated == inflated or len(set(journal["school_id"]) & inflated) >= 0.9 * len(
        inflated
    )


def test_difficulty_inversion_on_the_demo_s_task_level_results_finds_inflated_schools_only(demo: Demo) -> None:
    """The demo's ВПР mathematics, grade 4, of 2026 by task: in its 35 inflated schools half of a
    pupil's points go to the hard tasks first. Measured: the sign by its threshold at 27 schools,
    and with the deviations behind flags by evidence at 33, all of them inflated."""
    region, table, signs = demo
    inversion = signs[signs["code"] == "difficulty_inversion"]
    by_threshold = inversion[[not e.get("by_evidence") for e in inversion["evidence"]]]
    inflated = set(table.loc[table["inflated"], "school_id"])
    assert len(set(by_threshold["school_id"])) == 27 and len(set(inversion["school_id"])) == 33
    assert set(inversion["school_id"]) <= inflated
    assert set(region.tasks["task"]) == {str(t) for t in range(1, 11)} and set(region.tasks["year"]) == {2026}


def test_the_demo_marks_the_schools_of_uncertain_cluster(demo: Demo) -> None:
    """On the demo region with the default methodology (CHANGELOG says so): 108 of 700 schools of
    uncertain low-ИОР membership, 205 schools with a cluster of uncertain cluster with the ИСБ's;
    every school's ИСБ has its standard error (the demo reports its pupils)."""
    _, table, _ = demo
    ior = table["ior_low_probability"].between(0.1, 0.9, inclusive="neither")
    either = ior | table["isb_low_probability"].between(0.1, 0.9, inclusive="neither")
    clustered = table["cluster"] != ""
    assert (len(table), int(ior.sum()), int((either & clustered).sum())) == (700, 108, 205)
    assert table["isb_se"].notna().all() and (table["isb_se"] > 0).all()


def test_very_small_schools_are_not_flagged_on_noise(demo: Demo) -> None:
    _, table, _ = demo
    tiny = table[table["planted"] == "tiny"]
    ordinary = table[table["planted"] == "ordinary"]
    assert tiny["objectivity_flag"].mean() <= 0.02
    # Flagged low although their true quality (context plus value added) is above the median: noise.
    quality = 0.55 * table["social"] + table["true_value_added"]
    good = quality > quality.median()
    assert (tiny["ior_low"] & good[tiny.index]).mean() <= (ordinary["ior_low"] & good[ordinary.index]).mean() + 0.02
    assert (tiny["ior_se"].median()) > ordinary["ior_se"].median()
    assert not (tiny["insufficient_data"] & tiny["selected"] & ~tiny["isb_low"]).any()


INFLATED_SCHOOLS = [*(f"S{i:02d}" for i in range(12)), "X"]


def _inflated_vpr() -> list[dict[str, object]]:
    """Twelve ordinary schools (ОГЭ and ВПР alike, few pupils' marks raised) and X: weak on ОГЭ,
    strong on ВПР with 30 of 40 pupils' ВПР marks above their term marks."""
    rows = []
    for i in range(12):
        rows.append(_work(f"S{i:02d}", 40, 10.0 + (i % 3), 40 * 4.0, procedure="OGE"))
        rows.append(
            _work(f"S{i:02d}", 40, 10.0 + (i % 3), 40 * 4.0, procedure="VPR", grade=4, pairs=40, raised=4, lowered=4)
        )
    rows.append(_work("X", 40, 8.0, 40 * 4.0, procedure="OGE"))
    rows.append(_work("X", 40, 14.0, 40 * 4.0, procedure="VPR", grade=4, pairs=40, raised=30, lowered=0))
    return rows


def test_a_down_weighted_inflated_vpr_does_not_raise_the_index() -> None:
    # Two components; school X's ВПР is inflated and flagged: its ИОР leans on its ОГЭ.
    m = Methodology(
        components=(
            Component(procedure="OGE", subject="rus", grade=9),
            Component(procedure="VPR", subject="rus", grade=4),
        ),
        objectivity=Objectivity(flag="count", downweight=0.0, flag_signs=1, signs=("vpr_journal",)),
    )
    rows = _inflated_vpr()
    table = _identify(rows, INFLATED_SCHOOLS, m)
    assert table.loc["X", "objectivity_flag"] and table.loc["X", "objectivity_signs"] == "vpr_journal"
    assert table.loc["X", "ior"] < 0  # its ОГЭ alone: below the region
    assert table.loc["X", "ior_low"]


def _review(
    school: str, code: str, review: str, year: int = 2026, procedure: str = "VPR", subject: str = "", grade: int = 0
) -> pd.DataFrame:
    """A person's review of one sign (the journal sign is the school's, over every ВПР: no subject)."""
    return pd.DataFrame(
        [
            {
                "school_id": school,
                "year": year,
                "code": code,
                "procedure": procedure,
                "subject": subject,
                "grade": grade,
                "review": review,
            }
        ]
    )


def test_a_reviewed_sign_changes_the_flag_the_weighting_the_category_and_the_list() -> None:
    """The inflated ВПР of school X, found by the journal sign. Rejected by a person, the sign counts
    for nothing: no flag, the ВПР weighs in full, ИОР rises above the region, X leaves the list.
    With two signs needed for the flag, the single sign flags X once a person confirms it."""
    components = (
        Component(procedure="OGE", subject="rus", grade=9),
        Component(procedure="VPR", subject="rus", grade=4),
    )
    rows = _inflated_vpr()
    schools = INFLATED_SCHOOLS
    one = Methodology(
        components=components,
        objectivity=Objectivity(flag="count", downweight=0.0, flag_signs=1, signs=("vpr_journal",)),
        selection=Selection(any_of=("ior_low", "НО")),
    )
    before = _identify(rows, schools, one)
    assert before.loc["X", "objectivity_flag"] and before.loc["X", "category"].endswith("НО")
    assert before.loc["X", "selected"] and before.loc["X", "ior"] < 0
    after, summary = _identify_with_summary(rows, schools, one, _review("X", "vpr_journal", "rejected"))
    assert not after.loc["X", "objectivity_flag"] and after.loc["X", "objectivity_signs"] == ""
    assert "НО" not in after.loc["X", "category"]
    # The ВПР (+1.2 SD) counts again beside the ОГЭ (−1.2 SD): ИОР −1.10 → 0.00, out of the low zone.
    assert after.loc["X", "ior_raw"] == pytest.approx(0.0, abs=1e-9) and before.loc["X", "ior_raw"] < -1.2
    assert not after.loc["X", "ior_low"] and not after.loc["X", "selected"]
    assert summary["reviews"] == {"confirmed": 0, "rejected": 1} and summary["signs"] == {}
    # A review of another year's sign, or another school's, changes nothing.
    same = _identify(rows, schools, one, _review("X", "vpr_journal", "rejected", year=2025))
    assert same.loc["X", "objectivity_flag"]
    two = Methodology(
        components=components,
        objectivity=Objectivity(flag="count", downweight=0.0, flag_signs=2, signs=("vpr_journal",)),
    )
    assert not _identify(rows, schools, two).loc["X", "objectivity_flag"]  # one sign of two needed
    confirmed = _identify(rows, schools, two, _review("X", "vpr_journal", "confirmed"))
    assert confirmed.loc["X", "objectivity_flag"] and confirmed.loc["X", "ior"] < 0


def test_persistence_counts_only_the_signs_not_rejected() -> None:
    found = pd.DataFrame(
        [
            {"school_id": "C", "year": 2025, "code": "jump", "procedure": "OGE", "subject": "math", "grade": 9},
            {"school_id": "C", "year": 2026, "code": "jump", "procedure": "OGE", "subject": "math", "grade": 9},
        ]
    )
    rule = Objectivity(flag="count", flag_signs=2, persistence_years=2)
    assert bool(objectivity.flags(objectivity.apply_reviews(found, None), rule)[0]["C"])
    rejected = _review("C", "jump", "rejected", year=2025, procedure="OGE", subject="math", grade=9)
    reviewed = objectivity.apply_reviews(found.assign(severity="high"), rejected)
    flagged, down = objectivity.flags(reviewed, rule)
    assert not bool(flagged["C"]) and down == {}
    assert list(reviewed["severity"]) == ["medium", "medium"]  # no longer «устойчивый» on the page


def test_moving_the_cut_offs_moves_the_list_predictably(demo: Demo) -> None:
    from shnor.core.identification.sensitivity import sensitivity, shifted

    region, table, _ = demo
    base = table.set_index("school_id")[
        [
            "ior",
            "isb",
            "insufficient_data",
            "federal_risk",
            "objectivity_flag",
            "value_added_negative",
            "orders",
            "complaints",
        ]
    ]
    per_year = pd.DataFrame(columns=["school_id", "year", "ior"])  # no per-year data: «stable low» is off
    m = Methodology()
    scenarios = {(s.ior_shift, s.isb_shift): s for s in sensitivity(base, per_year, [2024, 2025, 2026], m)}
    assert len(scenarios) == 9
    middle = scenarios[(0.0, 0.0)]
    assert middle.added == [] and middle.removed == []
    assert scenarios[(0.05, 0.0)].selected >= middle.selected >= scenarios[(-0.05, 0.0)].selected
    assert scenarios[(0.05, 0.05)].selected > scenarios[(-0.05, -0.05)].selected
    assert not scenarios[(0.05, 0.0)].removed and scenarios[(0.05, 0.0)].added  # a wider zone only adds
    # A fixed cut-off moves to the value at its own rank ± 5 points.
    values = pd.Series(np.arange(100, dtype=float))
    moved = shifted(Cutoff(kind="fixed", value=24.0), values, pd.Series(True, index=values.index), 0.05)
    assert moved.kind == "fixed" and moved.value == pytest.approx(0.30 * 99)  # rank 25 % + 5 points


def test_jump_against_the_schools_own_earlier_years_by_hand() -> None:
    """S1's ВПР rus 5 in z: 0.0 (2024), 0.1 (2025), 0.9 (2026), each with variance 0.01. In 2026
    the earlier mean is 0.05 over two years (variance (0.01 + 0.01) / 2² = 0.005): a rise of 0.85
    ≥ 0.8, with z = 0.85 / √0.015 = 6.94 ≥ 3. S2 rises as much with 9 pupils (below 10): not
    looked at. S3 rises by 0.5 only."""
    rows = []
    for school, n, zs in (("S1", 20, (0.0, 0.1, 0.9)), ("S2", 9, (0.0, 0.1, 0.9)), ("S3", 20, (0.0, 0.0, 0.5))):
        for year, z in zip((2024, 2025, 2026), zs, strict=True):
            rows.append(
                {"school_id": school, "procedure": "VPR", "subject": "rus", "grade": 5, "year": year, "n": n}
                | {"z": z, "v": 0.01}
            )
    found = objectivity.jump(pd.DataFrame(rows), [2025, 2026], Objectivity())
    assert len(found) == 1
    hit = found[0]
    assert (hit["school_id"], hit["year"], hit["code"], hit["grade"]) == ("S1", 2026, "jump", 5)
    assert hit["value"] == pytest.approx(0.85) and hit["threshold"] == 0.8
    assert hit["evidence"] == {"z": 0.9, "earlier_z": 0.05, "earlier_years": [2025, 2024]}
    # No work with enough pupils (a small region): nothing, not an error.
    small = pd.DataFrame(rows).assign(n=3)
    assert objectivity.jump(small, [2025, 2026], Objectivity()) == []


def test_a_school_whose_base_maths_rows_carry_the_mark_alone_has_no_mean_and_moves_no_other_school() -> None:
    # A and B as above; C's pupils have marks only (ЕГЭ base maths as the exam centre sends it):
    # C gets no z, the region's mean and SD are A's and B's, and C is left out of the composite.
    works = _works(
        [
            _work("A", 2, 2.0, 2.0),
            _work("B", 2, 6.0, 2.0),
            _work("C", 3, float("nan"), float("nan"), n_scored=0, n_marked=3, n4=3),
        ]
    )
    scored = indices.standardise(works, assumed_icc=0.2).set_index("school_id")
    assert scored.loc["A", "region_mean"] == pytest.approx(4.0)
    assert scored.loc["A", "region_sd"] == pytest.approx(np.sqrt(20 / 3))
    assert scored.loc["A", "z"] == pytest.approx(-2 / np.sqrt(20 / 3))
    assert scored.loc["A", "v"] == pytest.approx(2 / (20 / 3 * 2))  # C adds no school to the pooled variance
    assert np.isnan(scored.loc["C", "z"]) and np.isnan(scored.loc["C", "v"])
    with_weights = scored.reset_index().assign(weight=1.0)
    overall = indices.composite(with_weights, ["school_id"])
    assert list(overall.index) == ["A", "B"]


def test_pupil_aggregates_count_only_scored_pupils_in_the_mean_and_its_spread() -> None:
    import ibis

    rows = pd.DataFrame(
        {
            "year": [2026] * 3,
            "procedure": ["EGE"] * 3,
            "grade": [11] * 3,
            "subject": ["math_base"] * 3,
            "school_id": ["A"] * 3,
            "student_key": ["p1", "p2", "p3"],
            "primary_score": [1.0, 3.0, None],
            "max_primary_score": [21.0] * 3,
            "test_score": [None, None, None],
            "mark": [2, 3, 4],
            "journal_mark": [None, None, None],
        }
    ).astype({"test_score": "float64", "journal_mark": "float64", "primary_score": "float64"})
    frame = aggregate.works(ibis.memtable(rows), [2026], {"math_prof": 27.0})
    row = frame.iloc[0]
    assert (row["n"], row["n_scored"], row["n_marked"], row["n4"]) == (3, 2, 3, 1)
    assert row["mean"] == pytest.approx(2.0) and row["within_ss"] == pytest.approx(2.0)


def test_a_composite_counts_the_pupils_behind_its_means_not_every_pupil_of_the_work() -> None:
    # 30 pupils wrote base maths at A, one of them with a score: the index rests on one pupil.
    works = _works([_work("A", 30, 2.0, 0.0, n_scored=1), _work("B", 20, 6.0, 2.0)])
    scored = indices.standardise(works, assumed_icc=0.2).assign(weight=1.0)
    overall = indices.composite(scored, ["school_id"])
    assert overall.loc["A", "participants"] == 1 and overall.loc["B", "participants"] == 20


def test_a_school_with_some_pupils_scored_weighs_by_its_scored_pupils() -> None:
    # D: 10 pupils of base maths, 2 with a score (mean 4, within SS 2). Scored pupils: 6 in all;
    # regional mean (2·2 + 2·6 + 2·4) / 6 = 4; between 16; pupil variance (6 + 16) / 5 = 4,4;
    # pooled within 6 / (6 − 3) = 2; D's sampling variance 2 / (4,4 · 2).
    works = _works([_work("A", 2, 2.0, 2.0), _work("B", 2, 6.0, 2.0), _work("D", 10, 4.0, 2.0, n_scored=2)])
    scored = indices.standardise(works, assumed_icc=0.2).set_index("school_id")
    assert scored.loc["A", "region_sd"] == pytest.approx(np.sqrt(4.4))
    assert scored.loc["A", "z"] == pytest.approx(-2 / np.sqrt(4.4))
    assert scored.loc["D", "v"] == pytest.approx(2 / (4.4 * 2))


@pytest.mark.demo
def test_volgograd_lists_a_fifth_of_the_demo_as_the_act_s_practice() -> None:
    """Act 004, section 1: 140 schools with low results of 712 (19,7 %). With the preset's
    defaults the demo region's 700 schools give 138 (docs/methodology.md, section 5): 54 ШНОР with
    favourable conditions, 84 ШНОР and ШНСУ (deprived); resilient schools are not listed."""
    region = generate(DemoConfig())
    m = load("volgograd-2021")[0].methodology
    results = ibis.memtable(region.results.astype({"mark": "float64", "journal_mark": "float64"}))
    years = list(range(2026 - m.window - 1, 2027))
    works = aggregate.works(results, years, m.min_test_scores)
    heaps = aggregate.heaping(results, years, ["VPR", "OGE"])
    inputs = Inputs(
        schools=region.schools, works=works, social=region.social, oversight=region.oversight, heaping=heaps
    )
    outcome = identify(inputs, 2026, m)
    table = outcome.table
    assert (len(table), outcome.summary["selected"]) == (700, 138)
    assert outcome.summary["groups"] == {"low_results": 54, "unfavourable": 0, "both": 84, "other": 0}
    assert not table.loc[table["cluster"] == "resilient", "selected"].any()
    assert set(table.loc[table["selected"], "group"]) == {"low_results", "both"}
    # Each district's own clusters (act 004 §4): every school with a cluster has one in its district
    # (30 districts of 10 to 65 schools), and they differ from the region's where a
    # district is stronger or weaker than the region.
    clustered = table["cluster"] != ""
    assert (table.loc[clustered, "cluster_municipal"] != "").all()
    assert (table.loc[clustered, "cluster_municipal"] != table.loc[clustered, "cluster"]).sum() > 50


def test_the_list_is_topped_up_to_a_share_of_the_schools() -> None:
    """Act 003: «включение 72 % образовательных организаций в Программу». Twenty-five schools, one
    low; a share of 0.28 means seven schools (0.28 × 25 is 7.000000000000001 in floating point,
    still seven), the next six lowest by ИОР added («иное основание»: not low by the rule);
    0.29 × 25 = 7.25 means eight."""
    schools = [f"S{i:02d}" for i in range(25)]
    base = pd.DataFrame(
        {
            "ior": [-1.0, *(0.1 * i for i in range(1, 25))],
            "isb": 0.0,
            **NO_FLAGS,
        },
        index=pd.Index(schools, name="school_id"),
    )
    m = Methodology(
        ior_low=Cutoff(kind="fixed", value=-0.5),
        isb_low=Cutoff(kind="fixed", value=-0.5),
        selection=Selection(any_of=("ior_low",), minimum_share=0.28),
    )
    per_year = pd.DataFrame(columns=["school_id", "year", "ior", "ior_se", "participants"])
    table = classify(base, per_year, [2026], m).table
    assert list(table.index[table["selected"]]) == schools[:7]
    assert list(table.loc[schools[1:7], "reasons"]) == ["minimum"] * 6 and table.loc["S00", "reasons"] == "ior_low"
    assert table.loc["S00", "group"] == "low_results" and set(table.loc[schools[1:7], "group"]) == {"other"}
    more = m.model_copy(update={"selection": Selection(any_of=("ior_low",), minimum_share=0.29)})
    assert int(classify(base, per_year, [2026], more).table["selected"].sum()) == 8


def test_quality_by_term_marks_against_quality_by_vpr_as_act_003_reads_it() -> None:
    """Act 003: «несоответствие процента качества знаний детей по итогам четверти и результатам ВПР
    резко проявляется в СОШ ст. Хворостянка (55 % и 82 %)». H: 100 pupils, quality 55 % by term
    marks and 82 % by ВПР — a gap of 0.27 ≥ 0.2: a sign. K: 12 against 10 of 20 (0.1): none. S: nine
    pupils, below the minimum of ten: none, though it counts in the region's gap |76 − 92| / 129."""
    works = pd.DataFrame(
        [
            {
                "school_id": s,
                "year": 2026,
                "procedure": "VPR",
                "subject": "rus",
                "grade": 4,
                "q_pairs": n,
                "q_journal": j,
                "q_vpr": v,
            }
            for s, n, j, v in (("H", 100, 55, 82), ("K", 20, 12, 10), ("S", 9, 9, 0))
        ]
    )
    found = objectivity.quality_mismatch(works, Objectivity())
    assert [(f["school_id"], f["code"]) for f in found] == [("H", "quality_mismatch")]
    (h,) = found
    assert h["value"] == pytest.approx(0.27) and h["threshold"] == 0.2
    assert h["reference"] == pytest.approx(16 / 129)
    assert h["evidence"]["direction"] == "по ВПР выше" and h["evidence"]["quality_journal"] == 0.55
    assert objectivity.quality_mismatch(works, Objectivity(quality_gap=0.28)) == []
    assert "quality_mismatch" not in Objectivity().signs  # looked for where a preset names it (Dobrinka)
    # Through the identification: named by the preset, the sign is found and flags the school.
    m = Methodology(
        components=(Component(procedure="VPR", subject="rus", grade=4),),
        objectivity=Objectivity(flag="count", signs=("quality_mismatch",), flag_signs=1),
    )
    rows = [
        _work(s, 40, 10.0 + i % 3, 160.0, procedure="VPR", grade=4, q_pairs=40, q_journal=20, q_vpr=j)
        for i, (s, j) in enumerate((("A", 20), ("B", 21), ("C", 19), ("D", 20), ("E", 31)))
    ]
    table = _identify(rows, list("ABCDE"), m)
    assert table.loc["E", "objectivity_signs"] == "quality_mismatch" and table.loc["E", "objectivity_flag"]
    assert not table.loc[list("ABCD"), "objectivity_flag"].any()
    assert "quality_mismatch" in load("dobrinka-2018")[0].methodology.objectivity.signs


def test_school_level_shares_give_the_quality_by_term_marks_and_by_vpr() -> None:
    """A region without pupil rows sends the shares of marks by ВПР and by the journal (results_schools)."""
    rows = pd.DataFrame(
        [
            {
                "year": 2026,
                "procedure": "VPR",
                "grade": 4,
                "subject": "rus",
                "school_id": "H",
                "participants": 20,
                "mean_score": 21.4,
                "share_2": 0.05,
                "share_3": 0.15,
                "share_4": 0.5,
                "share_5": 0.3,
                "share_below_min": None,
                "journal_share_2": 0.0,
                "journal_share_3": 0.45,
                "journal_share_4": 0.4,
                "journal_share_5": 0.15,
            }
        ]
    )
    out = aggregate._school_level(ibis.memtable(rows), [2026], pd.DataFrame())
    assert (out.loc[0, "q_pairs"], out.loc[0, "q_vpr"], out.loc[0, "q_journal"]) == (20, 16, 11)


def _school_rows(**changes: dict[str, Any]) -> pd.DataFrame:
    """Rows of `results_schools`: H's Russian (with journal shares) and mathematics of 2026, P's
    Russian (P also sends pupil rows) and H's Russian of 2020 (outside the window)."""
    base = {"procedure": "VPR", "grade": 4, "share_below_min": None}
    marks = {f"share_{k}": v for k, v in zip((2, 3, 4, 5), (0.05, 0.15, 0.5, 0.3), strict=True)}
    journal = {f"journal_share_{k}": v for k, v in zip((2, 3, 4, 5), (0.0, 0.45, 0.4, 0.15), strict=True)}
    rows = {
        "rus": {**base, "year": 2026, "subject": "rus", "school_id": "H", "participants": 20, "mean_score": 21.4,
                **marks, **journal},
        "math": {**base, "year": 2026, "subject": "math", "school_id": "H", "participants": 10, "mean_score": 12.0,
                 "share_2": 0.2, "share_3": 0.3, "share_4": 0.3, "share_5": 0.2},
        "pupils": {**base, "year": 2026, "subject": "rus", "school_id": "P", "participants": 30, "mean_score": 20.0,
                   **marks, **journal},
        "old": {**base, "year": 2020, "subject": "rus", "school_id": "H", "participants": 25, "mean_score": 19.0,
                **marks, **journal},
    }  # fmt: skip
    for key, change in changes.items():
        rows[key].update(change)
    return pd.DataFrame(list(rows.values()))


def test_school_level_rows_by_hand() -> None:
    """A school's work without pupil rows: pupils 20 → «2» 0,05 × 20 = 1, «3» 3, «4» 10, «5» 6; quality
    by ВПР (0,5 + 0,3) × 20 = 16, by the journal (0,4 + 0,15) × 20 = 11; below the minimum from the
    share of «2» when no work sends its own share (1; mathematics 0,2 × 10 = 2). A work the school
    also sends pupil rows for, and a year outside the window, are left out."""
    pupils = pd.DataFrame([{"year": 2026, "procedure": "VPR", "subject": "rus", "grade": 4, "school_id": "P"}])
    out = aggregate._school_level(ibis.memtable(_school_rows()), [2026], pupils).reset_index(drop=True)
    assert list(out["subject"]) == ["rus", "math"] and set(out["school_id"]) == {"H"}
    assert out["n"].dtype == "int64" and list(out["n"]) == [20, 10] and list(out["mean"]) == [21.4, 12.0]
    assert out["within_ss"].dtype == float and out["within_ss"].isna().all()
    assert [list(out[f"n{k}"]) for k in (2, 3, 4, 5)] == [[1, 2], [3, 3], [10, 3], [6, 2]]
    assert list(out["n_marked"]) == [20, 10]
    assert out.loc[0, ["q_pairs", "q_vpr", "q_journal"]].tolist() == [20, 16, 11]
    assert out.loc[1, ["q_pairs", "q_vpr", "q_journal"]].isna().all()  # no journal shares for mathematics
    assert list(out["below_min"]) == [1, 2] and list(out["source"]) == ["schools", "schools"]
    # A work that sends its own share below the minimum: that share, and none for the others (0).
    own = aggregate._school_level(ibis.memtable(_school_rows(math={"share_below_min": 0.1})), [2026], pupils)
    assert list(own["below_min"]) == [0, 1]
    # Mark counts need every share of every work: one missing share (of «2», «3» or «4») drops them.
    for missing in (2, 3, 4):
        gap = aggregate._school_level(ibis.memtable(_school_rows(math={f"share_{missing}": None})), [2026], pupils)
        assert not {"n2", "n3", "n4", "n5", "n_marked"} & set(gap.columns), missing
        if missing == 2:
            assert list(gap["below_min"]) == [1, 0]  # a missing share of «2» counts none below the minimum


def test_clusters_within_each_municipality_as_act_004_asks() -> None:
    """Act 004 §4: the groups are found for the region and «для каждого муниципального района». In
    Н (four schools) the low quarter of ИОР is below −1.25 (only N1) and of ИСБ below −0.25 (only
    N4): N1 is struggling, N4 resilient, N2 and N3 effective in their district — though N2 (ИОР −1)
    is among the region's lowest. С has two schools: too few for clusters of its own."""
    from shnor.core.identification.identify import municipal_clusters

    base = pd.DataFrame(
        {
            "ior": [-2.0, -1.0, 0.0, 1.0, -3.0, 2.0],
            "isb": [0.0, 0.0, 0.0, -1.0, 0.0, 0.0],
            "insufficient_data": False,
        },
        index=pd.Index(["N1", "N2", "N3", "N4", "S1", "S2"], name="school_id"),
    )
    municipality = pd.Series(["Н", "Н", "Н", "Н", "С", "С"], index=base.index)
    got = municipal_clusters(base, municipality, Methodology())
    assert dict(got) == {
        "N1": "struggling",
        "N2": "effective",
        "N3": "effective",
        "N4": "resilient",
        "S1": "",
        "S2": "",
    }
    # With two schools enough: in С both ИСБ are 0, the quarter's threshold is 0 and both are at it
    # (low, as at the region's threshold); S1's ИОР is С's lowest.
    assert dict(municipal_clusters(base, municipality, Methodology(), minimum=2))["S1"] == "deprived"
    # The district's own quantile: at a half, Н's low ИОР is below −0.5 (N1 and N2).
    half = Methodology(ior_low=Cutoff(kind="quantile", value=0.5))
    assert list(municipal_clusters(base, municipality, half)[["N1", "N2", "N3"]]) == [
        "struggling",
        "struggling",
        "effective",
    ]


def test_municipal_clusters_of_a_region_without_a_social_index() -> None:
    """No social data: ИСБ is empty (an object column of None), and no school has a cluster."""
    from shnor.core.identification.identify import municipal_clusters

    base = pd.DataFrame(
        {"ior": [-1.0, 0.0, 1.0, 2.0], "isb": [None] * 4, "insufficient_data": False},
        index=pd.Index(list("ABCD"), name="school_id"),
    )
    got = municipal_clusters(base, pd.Series("Н", index=base.index), Methodology())
    assert list(got) == ["", "", "", ""]


def test_failed_base_but_passed_profile_mathematics_is_act_003s_sign() -> None:
    """Act 003: «не достиг нулевого значения показателя по количеству выпускников, не сдавших ЕГЭ по
    математике на базовом уровне, но сдавшим его на профильном уровне». At A, p1 failed base («2»)
    and passed profile (30 ≥ 27): one such pupil; p2 failed both (20 < 27); p3 passed both (base
    «3»); p4
    wrote profile only. At B nobody failed base. So A has 3 pupils at both levels, 1 inverted, and
    the sign; B has 1 and none. The sign is looked for only where the preset names it."""
    rows = pd.DataFrame(
        {
            "year": [2026] * 9,
            "procedure": ["EGE"] * 9,
            "grade": [11] * 9,
            "subject": ["math_base", "math_prof"] * 3 + ["math_prof", "math_base", "math_prof"],
            "school_id": ["A"] * 7 + ["B"] * 2,
            "student_key": ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "q1", "q1"],
            "primary_score": [None] * 9,
            "max_primary_score": [21.0] * 9,
            "test_score": [None, 30.0, None, 20.0, None, 50.0, 40.0, None, 60.0],
            "mark": [2, None, 2, None, 3, None, None, 5, None],
            "journal_mark": [None] * 9,
        }
    ).astype({"test_score": "float64", "journal_mark": "float64", "primary_score": "float64", "mark": "float64"})
    cross = aggregate.base_profile(ibis.memtable(rows), [2026], 27.0)
    assert cross.to_dict("records") == [
        {"school_id": "A", "year": 2026, "n_both": 3, "n_inverted": 1},
        {"school_id": "B", "year": 2026, "n_both": 1, "n_inverted": 0},
    ]
    assert aggregate.base_profile(ibis.memtable(rows), [2026], 31.0)["n_inverted"].tolist() == [0, 0]
    assert aggregate.base_profile(ibis.memtable(rows), [2026], 30.0)["n_inverted"].tolist() == [1, 0]  # at the minimum
    assert aggregate.base_profile(ibis.memtable(rows), [2025], 27.0).empty
    empty = pd.DataFrame(columns=["school_id", "year", "procedure", "subject", "grade"])
    looked_for = Objectivity(signs=("base_profile",))
    found = objectivity.signs(empty, pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), [2026], looked_for, cross)
    assert found[["school_id", "code", "procedure", "subject", "value"]].to_dict("records") == [
        {"school_id": "A", "code": "base_profile", "procedure": "EGE", "subject": "math_prof", "value": 1.0}
    ]
    assert found.iloc[0]["evidence"] == {"n_both": 3, "n_inverted": 1}
    before = objectivity.signs(empty, pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), [2025], looked_for, cross)
    assert before.empty  # another window's years
    assert "base_profile" not in Objectivity().signs  # act 003's own: only where a preset names it
    other = Objectivity(signs=("difficulty_inversion",))  # runs on task data only: none here
    assert objectivity.signs(empty, pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), [2026], other, cross).empty


def _task_rows() -> pd.DataFrame:
    """One ВПР work, five one-point tasks. N1–N3 solve them as their difficulty goes (9, 7, 5, 3 and
    1 of 10 pupils); X solves the hard ones more (6, 7, 8, 8, 9 of 10: 0,76 overall); Z too, but weakly
    (1, 1, 2, 2, 3 of 10: 0,18); S, like X, has only 9 pupils."""
    solved = {
        "N1": (10, [9, 7, 5, 3, 1]),
        "N2": (10, [9, 7, 5, 3, 1]),
        "N3": (10, [9, 7, 5, 3, 1]),
        "X": (10, [6, 7, 8, 8, 9]),
        "Z": (10, [1, 1, 2, 2, 3]),
        "S": (9, [5, 6, 7, 8, 9]),
    }
    rows = [
        {"year": 2026, "procedure": "VPR", "subject": "math", "grade": 5, "school_id": school, "task": task + 1,
         "student_key": f"{school}-{pupil}", "score": int(pupil < counts[task]), "max_score": 1}
        for school, (pupils, counts) in solved.items()
        for task in range(5)
        for pupil in range(pupils)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_difficulty_inversion_on_task_level_results_by_hand() -> None:
    """Region: tasks solved by 39, 35, 32, 27 and 24 of 59 pupils (still in order of difficulty),
    157 of 295 points overall (0,532). X's rates 0,6 … 0,9 rank against the region's as (1, 2, 3,5,
    3,5, 5) against (5, 4, 3, 2, 1): Spearman −0,975 < 0,2, and X's 0,76 ≥ 0,532 — a sign. Z is
    inverted too (−0,949) but below the region (0,18): no sign. S has 9 pupils (< 10). N follow
    the difficulty (ρ = 1)."""
    rates = aggregate.tasks(ibis.memtable(_task_rows()), [2026])
    x1 = rates[(rates["school_id"] == "X") & (rates["task"] == 1)].iloc[0]
    assert (x1["pupils"], x1["score"], x1["max_score"]) == (10, 6, 10)
    assert len(rates) == 30 and aggregate.tasks(ibis.memtable(_task_rows()), [2025]).empty
    found = objectivity.difficulty_inversion(rates, Objectivity())
    assert [(s["school_id"], s["code"], s["procedure"], s["subject"], s["grade"], s["year"]) for s in found] == [
        ("X", "difficulty_inversion", "VPR", "math", 5, 2026)
    ]
    (x,) = found
    assert x["value"] == pytest.approx(-0.9747, abs=1e-4) and (x["threshold"], x["reference"]) == (0.2, 1.0)
    assert x["evidence"] == {"tasks": 5, "pupils": 10, "solve_rate": 0.76, "region_solve_rate": 0.5322}
    # A lenient threshold below −0,975 finds nothing; one above −0,949 still leaves Z out (weak).
    assert objectivity.difficulty_inversion(rates, Objectivity(inversion_rho=-0.98)) == []
    assert [s["school_id"] for s in objectivity.difficulty_inversion(rates, Objectivity(inversion_rho=-0.9))] == ["X"]
    # With 9 pupils enough, S (inverted, 0,78 overall) is a sign too; four tasks are too few.
    assert [s["school_id"] for s in objectivity.difficulty_inversion(rates, Objectivity(min_participants=9))] == [
        "S",
        "X",
    ]
    assert objectivity.difficulty_inversion(rates[rates["task"] <= 4], Objectivity()) == []
    # In the run it counts as a sign of its own, only where the preset looks for it.
    scored = pd.DataFrame(columns=["year", "procedure", "subject", "grade", "school_id", "n", "z", "v"])
    heaps = pd.DataFrame(columns=["school_id", "year", "procedure", "at_cut", "below_cut"])
    only = Objectivity(signs=("difficulty_inversion",))
    found = objectivity.signs(scored, heaps, rates, pd.Series(dtype=float), [2026], only)
    assert list(found["code"]) == ["difficulty_inversion"] and list(found["severity"]) == ["medium"]
    off = Objectivity(signs=("heaping",))
    assert objectivity.signs(scored, heaps, rates, pd.Series(dtype=float), [2026], off).empty


def test_a_cut_off_moved_by_a_share_of_the_schools() -> None:
    """A quantile moves by the shift, kept within 1–99 %; a fixed value moves to the value at its
    own rank plus the shift: 3 of 1…10 is at rank 0,3, so +0,1 gives the 0,4 quantile, 4,6."""
    values = pd.Series([float(v) for v in range(1, 11)])
    eligible = pd.Series(True, index=values.index)
    q = Cutoff(kind="quantile", value=0.25)
    assert sensitivity.shifted(q, values, eligible, 0.0) is q
    assert sensitivity.shifted(q, values, eligible, 0.05).value == pytest.approx(0.30)
    assert sensitivity.shifted(Cutoff(kind="quantile", value=0.98), values, eligible, 0.05).value == 0.99
    assert sensitivity.shifted(Cutoff(kind="quantile", value=0.03), values, eligible, -0.05).value == 0.01
    fixed = Cutoff(kind="fixed", value=3.0)
    moved = sensitivity.shifted(fixed, values, eligible, 0.1)
    assert (moved.kind, moved.value) == ("fixed", pytest.approx(4.6))
    assert sensitivity.shifted(fixed, values, eligible, -0.5).value == 1.0  # not below the lowest
    assert sensitivity.shifted(fixed, values, eligible, 0.9).value == 10.0  # nor above the highest
    assert sensitivity.shifted(fixed, values, ~eligible, 0.1) is fixed  # no eligible school: as set
    with_gap = pd.Series([1.0, None, 3.0, 4.0])
    assert sensitivity.shifted(fixed, with_gap, pd.Series(True, index=with_gap.index), 0.0) is fixed
    # Unknown values are left out of the ranking: 3 of (1, 3, 4) is at rank 2/3, the quantile 2/3 of
    # the three lies at position 2/3 × 2 = 1,33, a third of the way from 3 to 4.
    assert sensitivity.shifted(fixed, with_gap, pd.Series(True, index=with_gap.index), 1e-9).value == pytest.approx(
        10 / 3, abs=1e-6
    )


def test_the_nine_scenarios_of_the_sensitivity_analysis_by_hand() -> None:
    """Ten schools, ИОР 1…10 (ИСБ all high); listed: ИОР at or below the 0,2 quantile (2,8: schools 1
    and 2). ИОР's cut-off at 0,1 (1,9) lists school 1 alone; at 0,3 (3,7) adds school 3."""
    base = pd.DataFrame(
        {
            "ior": [float(v) for v in range(1, 11)],
            "isb": 5.0,
            **NO_FLAGS,
        },
        index=pd.Index([f"S{v}" for v in range(1, 11)], name="school_id"),
    )
    m = Methodology(
        ior_low=Cutoff(kind="quantile", value=0.2),
        isb_low=Cutoff(kind="fixed", value=0.0),
        selection=Selection(any_of=("ior_low",)),
    )
    per_year = pd.DataFrame(columns=["school_id", "year", "ior", "ior_se", "participants"])
    got = sensitivity.sensitivity(base, per_year, [2026], m, shift=0.1)
    assert [(s.ior_shift, s.isb_shift) for s in got] == [(a, b) for a in (-0.1, 0.0, 0.1) for b in (-0.1, 0.0, 0.1)]
    by = {(s.ior_shift, s.isb_shift): s for s in got}
    assert (by[(0.0, 0.0)].selected, by[(0.0, 0.0)].added, by[(0.0, 0.0)].removed) == (2, [], [])
    assert (by[(-0.1, 0.0)].selected, by[(-0.1, 0.0)].removed) == (1, ["S2"])
    assert (by[(0.1, 0.1)].selected, by[(0.1, 0.1)].added) == (3, ["S3"])
    assert by[(0.1, 0.0)].ior_cutoff.value == pytest.approx(0.3) and by[(0.0, 0.1)].isb_cutoff.kind == "fixed"
    # ИСБ's fixed cut-off 0 is below every school (rank 0): +0,1 moves it to the 0,1 quantile, 5.
    assert by[(0.0, 0.1)].isb_cutoff.value == 5.0 and by[(0.0, -0.1)].isb_cutoff.value == 5.0


def _vpr_marks(n5: dict[str, int], isb: dict[str, float], n: int = 20) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"year": 2026, "procedure": "VPR", "subject": "math", "grade": 5, "school_id": s, "n_marked": n, "n5": k}
            for s, k in n5.items()
        ]
    )


def test_high_fives_against_what_the_context_predicts_by_hand() -> None:
    """Ten schools give 4 «5» of 20 at ИСБ −5 … −1, 1 … 5; X gives 16 of 20 at ИСБ 0. The empirical
    logits are ±ln(16,5 / 4,5) = ±1,2993 with equal weights, and ИСБ is symmetric about X: the fit's
    slope is 0, its intercept the mean logit −9 × 1,2993 / 11 = −1,0630, the predicted share
    1 / (1 + e^1,0630) = 0,2567. X: 0,8 ≥ 0,2567 + 0,15 and z = (0,8 − 0,2567) / √(0,2567 × 0,7433 / 20)
    = 5,56 ≥ 3 — a sign; the ten (0,2) are below the prediction."""
    schools = [f"S{i}" for i in range(10)]
    isb = pd.Series({**dict(zip(schools, [-5, -4, -3, -2, -1, 1, 2, 3, 4, 5], strict=True)), "X": 0}, dtype=float)
    works = _vpr_marks({**dict.fromkeys(schools, 4), "X": 16}, isb.to_dict())
    found = objectivity.high_fives(works, isb, pd.Series(dtype=float), Objectivity())
    assert [(s["school_id"], s["code"], s["subject"], s["grade"]) for s in found] == [("X", "high_fives", "math", 5)]
    (x,) = found
    assert x["value"] == 0.8 and x["reference"] == pytest.approx(0.25673, abs=1e-5)
    assert x["threshold"] == pytest.approx(0.40673, abs=1e-5) and x["evidence"]["z"] == pytest.approx(5.5619, abs=1e-4)
    assert (x["evidence"]["n_marked"], x["evidence"]["n5"]) == (20, 16)
    # Nine schools are too few to fit what the context predicts; 9 pupils of X are too few to judge.
    assert (
        objectivity.high_fives(works[works["school_id"] != "S0"].iloc[1:], isb, pd.Series(dtype=float), Objectivity())
        == []
    )
    assert objectivity.high_fives(works, isb, pd.Series(dtype=float), Objectivity(min_participants=21)) == []
    # A gap of 0,6 above the prediction is more than X has (0,54); z of 6 more than its 5,56.
    assert objectivity.high_fives(works, isb, pd.Series(dtype=float), Objectivity(fives_gap=0.6)) == []
    assert objectivity.high_fives(works, isb, pd.Series(dtype=float), Objectivity(z=6.0)) == []
    # X's pupils are as strong on ОГЭ and ЕГЭ (externally marked) as its «5» say: the fit on its
    # external results explains them, and it is not flagged.
    external = pd.Series({**dict.fromkeys(schools, 0.0), "X": 3.0})
    assert objectivity.high_fives(works, isb, external, Objectivity()) == []


def test_heaping_at_a_mark_cut_off_by_hand() -> None:
    """Twenty schools with 2 pupils at a cut-off and 2 one point below; X with 20 at it and 1 below.
    The region's ratio (40 + 20 + 0,5) / (40 + 1 + 0,5) = 1,4578 shows no heaping (< 1,5); a pupil of
    the two scores is at the cut-off with probability 1,4578 / 2,4578 = 0,5931, so 20 or more of X's 21
    have probability 21 p²⁰ q + p²¹ = 0,000265 < 0,00135 (z = 3); X's ratio 20,5 / 1,5 = 13,7 ≥ 2,5."""
    ordinary = [
        {"school_id": f"S{i}", "year": 2026, "procedure": "OGE", "at_cut": 2, "below_cut": 2} for i in range(20)
    ]
    heaps = pd.DataFrame(
        [*ordinary, {"school_id": "X", "year": 2026, "procedure": "OGE", "at_cut": 20, "below_cut": 1}]
    )
    works = pd.DataFrame({"school_id": heaps["school_id"], "year": 2026, "procedure": "OGE", "n": 30})
    found = objectivity.heaping(heaps, works, Objectivity())
    assert [(s["school_id"], s["code"], s["procedure"], s["year"]) for s in found] == [("X", "heaping", "OGE", 2026)]
    (x,) = found
    p = 1.4578313 / 2.4578313
    assert x["value"] == pytest.approx(20.5 / 1.5) and x["reference"] == pytest.approx(1.4578313)
    assert x["threshold"] == 2.5 and x["evidence"]["p_value"] == pytest.approx(21 * p**20 * (1 - p) + p**21, rel=1e-3)
    assert (x["evidence"]["at_cut"], x["evidence"]["below_cut"], x["evidence"]["pupils"]) == (20, 1, 30)
    # Fewer than 10 pupils in X's works; a ratio threshold above 13,7; a region that heaps itself.
    assert objectivity.heaping(heaps, works.assign(n=9), Objectivity()) == []
    assert objectivity.heaping(heaps, works, Objectivity(heap_ratio=14.0)) == []
    heaped = heaps.assign(at_cut=heaps["at_cut"] + 1)  # the region: 81,5 / 41,5 = 1,96
    assert objectivity.heaping(heaped, works, Objectivity()) == []
    # Four at the cut-off are too few to say anything, whatever the ratio.
    few = heaps.copy()
    few.loc[few["school_id"] == "X", ["at_cut", "below_cut"]] = [4, 0]
    assert objectivity.heaping(few, works, Objectivity(z=0.1)) == []


def test_the_oge_to_ege_ratio_against_the_region_by_hand() -> None:
    """Five schools: ОГЭ «5» 4 of 20, ЕГЭ ≥ 75 4 of 20 (ratio 1); X: 16 of 20 and 2 of 20. The region:
    36 / 120 = 0,3 over 22 / 120 = 0,1833, ratio 1,6364, threshold 2 × 1,6364 = 3,2727. X's smoothed
    ratio (16,5 / 21) / (2,5 / 21) = 6,6 — a sign; theirs (4,5 / 21) / (4,5 / 21) = 1 is not."""
    rows = []
    for school, (n5, high) in {**{f"S{i}": (4, 4) for i in range(5)}, "X": (16, 2)}.items():
        for subject in ("rus", "math"):
            rows.append(
                {
                    "school_id": school,
                    "year": 2026,
                    "procedure": "OGE",
                    "subject": subject,
                    "n_marked": 10,
                    "n5": n5 // 2,
                    "n_test": 0,
                    "high": 0,
                }
            )
        rows.append(
            {
                "school_id": school,
                "year": 2026,
                "procedure": "EGE",
                "subject": "rus",
                "n_marked": 0,
                "n5": 0,
                "n_test": 20,
                "high": high,
            }
        )
    rows.append(
        {
            "school_id": "X",
            "year": 2026,
            "procedure": "EGE",
            "subject": "history",
            "n_marked": 0,
            "n5": 0,
            "n_test": 50,
            "high": 50,
        }
    )  # not a core subject: left out
    # fmt: skip
    works = pd.DataFrame(rows)
    found = objectivity.oge_ege(works, Objectivity())
    assert [(s["school_id"], s["code"], s["procedure"]) for s in found] == [("X", "oge_ege", "OGE")]
    (x,) = found
    assert x["value"] == pytest.approx(6.6) and x["reference"] == pytest.approx(0.3 / (22 / 120))
    assert x["threshold"] == pytest.approx(2 * 0.3 / (22 / 120))
    assert x["evidence"] == {"n_marked": 20, "share_oge5": 0.8, "n_test": 20, "share_ege_high": 0.1}
    assert objectivity.oge_ege(works, Objectivity(ratio=4.1)) == []  # 6,6 < 4,1 × 1,6364
    assert objectivity.oge_ege(works, Objectivity(min_participants=21)) == []  # 20 pupils are too few


def _pupils() -> pd.DataFrame:
    """A: ВПР Russian grade 4 (eight pupils; the last has the mark alone) and ЕГЭ Russian (test scores
    23, 24, 75, 80 against the minimum 24 and «high» from 75); B: ВПР (30 «5», 12 «2»); a row of 2025
    outside the window."""
    vpr = [(10, 2, 3), (14, 3, 3), (14, 3, 2), (13, 2, None), (20, 4, 5), (25, 5, 4), (24, 4, 3), (None, 5, 5)]
    rows = [
        {"year": 2026, "procedure": "VPR", "grade": 4, "school_id": "A", "primary_score": p, "mark": m,
         "journal_mark": j, "test_score": None}
        for p, m, j in vpr
    ]  # fmt: skip
    rows += [
        {"year": 2026, "procedure": "EGE", "grade": 11, "school_id": "A", "primary_score": p, "mark": None,
         "journal_mark": None, "test_score": t}
        for p, t in ((20, 23), (21, 24), (40, 75), (45, 80))
    ]  # fmt: skip
    rows += [
        {"year": 2026, "procedure": "VPR", "grade": 4, "school_id": "B", "primary_score": p, "mark": m,
         "journal_mark": m, "test_score": None}
        for p, m in ((30, 5), (12, 2))
    ]  # fmt: skip
    rows.append({"year": 2025, "procedure": "VPR", "grade": 4, "school_id": "A", "primary_score": 38, "mark": 5,
                 "journal_mark": 2, "test_score": None})  # fmt: skip
    frame = pd.DataFrame(rows).assign(subject="rus", student_key=[f"p{i}" for i in range(len(rows))])
    return frame.astype(dict.fromkeys(("primary_score", "mark", "journal_mark", "test_score"), "float64"))


def test_every_column_of_the_work_aggregates_by_hand() -> None:
    """A's ВПР: 8 pupils, 7 with a score (10, 14, 14, 13, 20, 25, 24: mean 120 / 7, squares 2 262, so
    within 2 262 − 14 400 / 7 = 204,857); marks «2» 2, «3» 2, «4» 2, «5» 2; 7 with both marks, raised
    by ВПР (3 > 2, 5 > 4, 4 > 3) 3, lowered (2 < 3, 4 < 5) 2; «4»–«5» by ВПР 4, by the journal 3; below
    the minimum (the «2») 2. A's ЕГЭ: mean 202 / 4 = 50,5, within 13 130 − 4 × 50,5² = 2 929; one below
    24 (23, not 24); 2 high (75 and 80). B: 30 and 12, mean 21, within 162. C sends school-level shares
    only (10 pupils: 1, 2, 3, 4 of each mark); A's school-level row is left out (A has pupil rows)."""
    schools = pd.DataFrame(
        [
            {"year": 2026, "procedure": "VPR", "subject": "rus", "grade": 4, "school_id": s, "participants": 10,
             "mean_score": 15.0, "share_2": 0.1, "share_3": 0.2, "share_4": 0.3, "share_5": 0.4,
             "share_below_min": None}
            for s in ("C", "A")
        ]
    )  # fmt: skip
    table = ibis.memtable(_pupils())
    out = aggregate.works(table, [2026], {"rus": 24.0}, school_level=ibis.memtable(schools))
    assert list(out.columns) == aggregate.WORK_COLUMNS
    keys = list(zip(out["procedure"], out["school_id"], strict=True))
    assert keys == [("EGE", "A"), ("VPR", "A"), ("VPR", "B"), ("VPR", "C")]  # sorted by year, work, school
    ints = [
        c
        for c in aggregate.WORK_COLUMNS
        if c not in ("procedure", "subject", "school_id", "mean", "within_ss", "source")
    ]
    assert all(out[c].dtype == "int64" for c in ints), {c: str(out[c].dtype) for c in ints}
    counts = ["n", "n_scored", "n_marked", "n2", "n3", "n4", "n5", "pairs", "raised", "lowered", "q_vpr",
              "q_journal", "q_pairs", "below_min", "n_test", "high"]  # fmt: skip
    assert [list(r) for r in out[counts].itertuples(index=False)] == [
        [4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 2],
        [8, 7, 8, 2, 2, 2, 2, 7, 3, 2, 4, 3, 7, 2, 0, 0],
        [2, 2, 2, 1, 0, 0, 1, 2, 0, 0, 1, 1, 2, 1, 0, 0],
        [10, 10, 10, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 1, 0, 0],
    ]
    assert list(out["mean"]) == pytest.approx([50.5, 120 / 7, 21.0, 15.0])
    assert list(out["within_ss"][:3]) == pytest.approx([2929.0, 2262 - 14400 / 7, 162.0])
    assert np.isnan(out["within_ss"][3]) and list(out["source"]) == ["pupils", "pupils", "pupils", "schools"]
    assert list(out["year"]) == [2026] * 4 and list(out["grade"]) == [11, 4, 4, 4]
    # Without school-level rows: the pupils' works alone, in the engine's order; the same figures.
    alone = aggregate.works(table, [2026], {"rus": 24.0})
    assert alone.equals(out.iloc[:3].reset_index(drop=True))
    # The single pass for works and heaping gives the same works.
    both, heaps = aggregate.works_and_heaping(table, [2026], {"rus": 24.0}, school_level=ibis.memtable(schools))
    assert both.equals(out)
    # Cut-offs of A and B's ВПР: «3» from 14, «4» from 20, «5» from 25 (B's 30 is not the lowest):
    # A has 14, 14, 20, 25 at them and 13, 24 one below; B has neither (12 and 30).
    assert [list(r) for r in heaps.itertuples(index=False)] == [[2026, "VPR", "rus", 4, "A", 4, 2]]
    assert heaps.equals(aggregate.heaping(table, [2026], ["VPR", "OGE"]))
    assert list(heaps.columns) == [*aggregate.KEYS, "at_cut", "below_cut"] and heaps["at_cut"].dtype == "int64"


def test_cut_scores_and_an_empty_heaping_keep_their_shape() -> None:
    """A score can be at one cut-off and one below the next: «4» from 20 and «5» from 21."""
    mins = pd.DataFrame([{"year": 2026, "procedure": "VPR", "subject": "rus", "grade": 4, "c3": 14.0, "c4": 20.0,
                          "c5": 21.0}])  # fmt: skip
    scores = aggregate.cut_scores(mins)
    assert list(scores.columns) == [*aggregate.WORK, "primary_score", "at", "below"]
    assert [(r.primary_score, r.at, r.below) for r in scores.itertuples(index=False)] == [
        (13.0, False, True),
        (14.0, True, False),
        (19.0, False, True),
        (20.0, True, True),
        (21.0, True, False),
    ]
    assert list(scores.index) == list(range(5))
    # A work nobody scored «3» or better has no cut-offs; a work without «5» has two.
    assert aggregate.cut_scores(mins.assign(c3=np.nan, c4=np.nan, c5=np.nan)).empty
    assert len(aggregate.cut_scores(mins.assign(c5=np.nan))) == 4
    # No cut-off anywhere (no «3» or better in the window): an empty table of the same columns and types.
    table = ibis.memtable(_pupils())
    empty = aggregate.heaping(table, [2024], ["VPR"])
    assert empty.empty and list(empty.columns) == [*aggregate.KEYS, "at_cut", "below_cut"]
    assert {c: str(t) for c, t in empty.dtypes.items()} == {
        "year": "int64", "procedure": "str", "subject": "str", "grade": "int64", "school_id": "str",
        "at_cut": "int64", "below_cut": "int64",
    }  # fmt: skip


def test_both_journal_signs_in_full_and_at_their_bounds() -> None:
    """Nine schools raise and lower 4 of 40 ВПР marks each; X raises 24 of 40, L lowers 24 of 40; Q has
    one pair (raised); Z's ОГЭ is no ВПР and its pairs do not count. The region: 441 pairs, 61 raised
    (0,1383), 60 lowered (0,1361). X: 0,6 − 0,1383 = 0,4617 ≥ 0,15 with z = 0,4617 / √(0,1383 × 0,8617 /
    40) = 8,458; L likewise lowers (z = 8,558). Q has too few pairs to be judged (it counts in the
    region)."""
    rows = [_work(f"S{i}", 40, 10.0, 40.0, procedure="VPR", grade=4, pairs=40, raised=4, lowered=4) for i in range(9)]
    rows += [
        _work("X", 40, 10.0, 40.0, procedure="VPR", grade=4, pairs=40, raised=24, lowered=0, q_vpr=30, q_journal=12),
        _work("L", 40, 10.0, 40.0, procedure="VPR", grade=4, pairs=40, raised=0, lowered=24, q_vpr=8, q_journal=20),
        _work("Q", 1, 10.0, 0.0, procedure="VPR", grade=4, pairs=1, raised=1, lowered=0),
        _work("Z", 40, 10.0, 40.0, procedure="OGE", grade=9, pairs=40, raised=40, lowered=0),
        _work("E", 40, 10.0, 40.0, procedure="VPR", grade=4, pairs=0, raised=0, lowered=0),
    ]
    found = objectivity.journal(_works(rows), Objectivity())
    region = {"region_raised": 61 / 441, "region_lowered": 60 / 441}
    assert found == [
        {"school_id": "X", "year": 2026, "code": "vpr_journal", "procedure": "VPR", "subject": None, "grade": None,
         "value": 0.6, "threshold": pytest.approx(61 / 441 + 0.15), "reference": pytest.approx(61 / 441),
         "evidence": pytest.approx({"pairs": 40, "share_raised": 0.6, "share_confirmed": 0.4, "share_lowered": 0.0,
                                    "quality_vpr": 0.75, "quality_journal": 0.3, **region}, abs=1e-4)},
        {"school_id": "L", "year": 2026, "code": "journal_inflation", "procedure": "VPR", "subject": None,
         "grade": None, "value": 0.6, "threshold": pytest.approx(60 / 441 + 0.15), "reference": pytest.approx(60 / 441),
         "evidence": pytest.approx({"pairs": 40, "share_raised": 0.0, "share_confirmed": 0.4, "share_lowered": 0.6,
                                    "quality_vpr": 0.2, "quality_journal": 0.5, **region}, abs=1e-4)},
    ]  # fmt: skip

    def codes(rule: Objectivity) -> list[tuple[str, str]]:
        return [(s["school_id"], s["code"]) for s in objectivity.journal(_works(rows), rule)]

    assert codes(Objectivity(journal_gap=0.4616)) == [("X", "vpr_journal"), ("L", "journal_inflation")]
    assert codes(Objectivity(journal_gap=0.462)) == [("L", "journal_inflation")]  # X's gap is 0,46168
    assert codes(Objectivity(z=8.45)) == [("X", "vpr_journal"), ("L", "journal_inflation")]
    assert codes(Objectivity(z=8.5)) == [("L", "journal_inflation")]
    assert (
        codes(Objectivity(min_participants=40)) == codes(Objectivity())
        and codes(Objectivity(min_participants=41)) == []
    )
    assert codes(Objectivity(signs=("vpr_journal",))) == [("X", "vpr_journal")]
    assert codes(Objectivity(signs=("journal_inflation",))) == [("L", "journal_inflation")]
    # A region of ВПР without pairs has nothing to compare.
    assert objectivity.journal(_works(rows).assign(pairs=0), Objectivity()) == []


def test_jump_at_its_bounds_by_hand() -> None:
    """S1: z 0,0 (2024), 0,1 (2025), 0,91234 (2026), variance 0,01 each: the earlier mean 0,05 with
    variance 0,02 / 2² = 0,005, a rise of 0,86234 with z = 0,86234 / √0,015 = 7,041. S4 rises by exactly
    0,8 (z = 0,8 / √0,015 = 6,53). S5 has 2025 and 2026 only: the earlier mean is 2025's alone, variance
    0,01 (z = 0,9 / √0,02 = 6,36). S3's second row of 2026 (a repeated work) is not read."""
    rows = []
    for school, zs in (
        ("S1", (0.0, 0.1, 0.91234)),
        ("S4", (0.0, 0.0, 0.8)),
        ("S5", (None, 0.0, 0.9)),
        ("S3", (0.0, 0.0, 0.5)),
    ):
        for year, z in zip((2024, 2025, 2026), zs, strict=True):
            if z is not None:
                rows.append({"school_id": school, "procedure": "VPR", "subject": "rus", "grade": 5, "year": year,
                             "n": 20, "z": z, "v": 0.01})  # fmt: skip
    rows.append({"school_id": "S3", "procedure": "VPR", "subject": "rus", "grade": 5, "year": 2026, "n": 20, "z": 3.0,
                 "v": 0.01})  # fmt: skip
    scored = pd.DataFrame(rows)

    def hits(rule: Objectivity) -> list[str]:
        return [s["school_id"] for s in objectivity.jump(scored, [2025, 2026], rule)]

    found = objectivity.jump(scored, [2025, 2026], Objectivity())
    assert [s["school_id"] for s in found] == ["S1", "S4", "S5"]
    assert found[0] == {
        "school_id": "S1", "year": 2026, "code": "jump", "procedure": "VPR", "subject": "rus", "grade": 5,
        "value": pytest.approx(0.86234), "threshold": 0.8, "reference": 0.0,
        "evidence": {"z": 0.9123, "earlier_z": 0.05, "earlier_years": [2025, 2024]},
    }  # fmt: skip
    assert found[2]["evidence"] == {"z": 0.9, "earlier_z": 0.0, "earlier_years": [2025]}
    assert hits(Objectivity(z=7.0)) == ["S1"] and hits(Objectivity(z=7.05)) == []
    assert hits(Objectivity(z=6.4)) == ["S1", "S4"]  # S5's 6,36 below
    assert hits(Objectivity(jump=0.81)) == ["S1", "S5"]  # S4's 0,8 below
    assert hits(Objectivity(min_participants=20)) == ["S1", "S4", "S5"] and hits(Objectivity(min_participants=21)) == []


def test_a_sign_s_evidence_is_plain_numbers() -> None:
    assert objectivity._plain(np.int64(3)) == 3 and type(objectivity._plain(np.int64(3))) is int
    assert objectivity._plain(np.float64(0.123456)) == 0.1235 and type(objectivity._plain(np.float32(0.5))) is float
    assert objectivity._plain("по журналу выше") == "по журналу выше" and objectivity._plain(7) == 7


def test_a_review_matches_its_sign_also_where_the_sign_has_no_subject_or_grade() -> None:
    """A sign of the journal (no subject, no grade) and one of a work (grade 5, read back as 5.0
    from a column with gaps) are matched to their reviews by year, code, procedure, subject and grade."""
    found = pd.DataFrame(
        [
            {
                "school_id": "X",
                "year": 2026,
                "code": "vpr_journal",
                "procedure": "VPR",
                "subject": None,
                "grade": np.nan,
            },
            {"school_id": "X", "year": 2026, "code": "jump", "procedure": "VPR", "subject": "rus", "grade": 5.0},
            {"school_id": "X", "year": 2026, "code": "jump", "procedure": "VPR", "subject": "rus", "grade": 6.0},
        ]
    )
    reviews = pd.DataFrame(
        [
            {"school_id": "X", "year": 2026, "code": "vpr_journal", "procedure": "VPR", "subject": "", "grade": 0,
             "review": "rejected"},
            {"school_id": "X", "year": 2026, "code": "jump", "procedure": "VPR", "subject": "rus", "grade": 5,
             "review": "confirmed"},
        ]
    )  # fmt: skip
    assert list(objectivity.apply_reviews(found, reviews)["review"]) == ["rejected", "confirmed", ""]
    assert objectivity.keys_of(found)[0] == ("X", 2026, "vpr_journal", "VPR", "", 0)


def test_vpr_in_grade_8_against_the_same_cohort_s_oge_by_hand() -> None:
    """X's mathematics: ВПР grade 8 in 2025 at z 1,0, ОГЭ grade 9 in 2026 at 0,2 (variances 0,01): a gap
    of 0,8 ≥ 0,6 and ≥ 3 × √0,02 = 0,42 — a sign. Y's gap 0,3 is small; W's 0,8 is within its noise
    (3 × √0,2 = 1,34); V has 9 pupils; U's ВПР grade 8 is of the same year as its ОГЭ (another cohort);
    T's ОГЭ of 2027 is outside the window."""

    def work(
        school: str, procedure: str, grade: int, year: int, z: float, v: float = 0.01, n: int = 20
    ) -> dict[str, Any]:
        return {"school_id": school, "procedure": procedure, "subject": "math", "grade": grade, "year": year,
                "n": n, "z": z, "v": v}  # fmt: skip

    rows = [
        work("X", "VPR", 8, 2025, 1.0), work("X", "OGE", 9, 2026, 0.2),
        work("Y", "VPR", 8, 2025, 0.5), work("Y", "OGE", 9, 2026, 0.2),
        work("W", "VPR", 8, 2025, 1.0, v=0.1), work("W", "OGE", 9, 2026, 0.2, v=0.1),
        work("V", "VPR", 8, 2025, 1.0, n=9), work("V", "OGE", 9, 2026, 0.2),
        work("U", "VPR", 8, 2026, 1.0), work("U", "OGE", 9, 2026, 0.2),
        work("T", "VPR", 8, 2026, 1.0), work("T", "OGE", 9, 2027, 0.2),
        work("X", "VPR", 7, 2025, 3.0),  # another grade: not the cohort
    ]  # fmt: skip
    found = objectivity.mismatch(pd.DataFrame(rows), [2025, 2026], Objectivity())
    assert found == [
        {"school_id": "X", "year": 2026, "code": "vpr_oge_mismatch", "procedure": "VPR", "subject": "math",
         "grade": 8, "value": pytest.approx(0.8), "threshold": 0.6, "reference": 0.0,
         "evidence": {"z_vpr_grade8": 1.0, "z_oge": 0.2}}
    ]  # fmt: skip
    assert objectivity.mismatch(pd.DataFrame(rows), [2025, 2026], Objectivity(mismatch=0.81)) == []
    assert len(objectivity.mismatch(pd.DataFrame(rows), [2025, 2026], Objectivity(mismatch=0.3, z=2.0))) == 2  # Y: 2,12
    assert objectivity.mismatch(pd.DataFrame(rows), [2025, 2026], Objectivity(z=5.7)) == []  # 0,8 / 0,1414 = 5,66
    lenient = objectivity.mismatch(pd.DataFrame(rows), [2025, 2026], Objectivity(z=1.7))
    assert sorted(s["school_id"] for s in lenient) == ["W", "X"]  # W's 0,8 / 0,447 = 1,79
    precise = pd.DataFrame(rows).assign(z=lambda f: f["z"] + 0.000123)
    assert objectivity.mismatch(precise, [2025, 2026], Objectivity())[0]["evidence"] == {
        "z_vpr_grade8": 1.0001,
        "z_oge": 0.2001,
    }


def test_a_school_s_external_results_are_its_oge_and_ege_weighted_by_pupils() -> None:
    """A: ОГЭ at z 1,0 with 10 pupils and ЕГЭ at −0,5 with 30 → (10 − 15) / 40 = −0,125; its ВПР and
    a work without z do not count. B has ВПР only: no external result."""
    window = pd.DataFrame(
        [
            {"school_id": "A", "procedure": "OGE", "z": 1.0, "n": 10},
            {"school_id": "A", "procedure": "EGE", "z": -0.5, "n": 30},
            {"school_id": "A", "procedure": "VPR", "z": 3.0, "n": 50},
            {"school_id": "A", "procedure": "OGE", "z": np.nan, "n": 40},
            {"school_id": "B", "procedure": "VPR", "z": 1.0, "n": 20},
        ]
    )
    assert objectivity.external(window).to_dict() == {"A": pytest.approx(-0.125)}
    assert objectivity.external(window[window["procedure"] == "VPR"]).empty


def _small_region() -> Inputs:
    """Fourteen schools of one work (ОГЭ Russian, 2026): S01–S11 with 20 pupils, S12 with 9 (one below
    the minimum of 10), S13 with exactly 10; S14 in the registry only. S01 lacks one social share. Supervision: S01
    has an order of 2026, S02 an order counted 0, S03 an order of 2020 (outside the window), S04 a
    complaint. S05 has a pupil who failed base but passed profile mathematics and heaps at a cut-off;
    S06 has such pupils in 2025 and 2026."""
    ids = [f"S{i:02}" for i in range(1, 15)]
    means = [10.0, 14.0, 9.0, 16.0, 12.0, 11.0, 15.0, 13.0, 8.0, 17.0, 12.5, 11.5, 13.5]
    pupils = [20] * 11 + [9, 10]
    works = _works([_work(s, n, m, 4.0 * (n - 1)) for s, n, m in zip(ids, pupils, means, strict=False)])
    schools = pd.DataFrame({"school_id": ids, "name": ids, "municipality": "M", "locality": ["city", "rural"] * 7})
    shares = np.linspace(0.2, 0.6, 13)
    social = pd.DataFrame(
        {"year": 2026, "school_id": ids[:13], "share_parents_no_higher_ed": shares,
         "share_unemployed_parents": shares / 4, "share_on_register": [np.nan, *(shares[1:] / 10)]}
    )  # fmt: skip
    oversight = pd.DataFrame(
        [
            (2026, "S01", "order", 1),
            (2026, "S02", "order", 0),
            (2020, "S03", "order", 2),
            (2026, "S04", "complaint", 1),
        ],
        columns=["year", "school_id", "kind", "count"],
    )
    heaping = pd.DataFrame(
        [{"school_id": s, "year": 2026, "procedure": "OGE", "at_cut": 20 if s == "S05" else 1,
          "below_cut": 1 if s == "S05" else 3} for s in ids[:11]]
    )  # fmt: skip
    cross = pd.DataFrame(
        [("S05", 2026, 2, 1), ("S06", 2025, 3, 1), ("S06", 2026, 3, 1)],
        columns=["school_id", "year", "n_both", "n_inverted"],
    )
    return Inputs(schools=schools, works=works, social=social, oversight=oversight, heaping=heaping, cross=cross)


def _small_outcome() -> Any:
    """The small region through `identify`: one work, a minimum of 10 pupils, heaping and act 003's
    base/profile sign looked for."""
    m = Methodology(
        components=(Component(procedure="OGE", subject="rus", grade=9),),
        min_participants=10,
        objectivity=Objectivity(flag="count", signs=("heaping", "base_profile")),
    )
    return identify(_small_region(), 2026, m)


def test_identify_fills_every_column_of_a_small_region_by_hand() -> None:
    outcome = _small_outcome()
    t = outcome.table.set_index("school_id")
    assert outcome.year == 2026 and list(outcome.table["school_id"]) == [f"S{i:02}" for i in range(1, 15)]
    # Below the minimum of pupils is too little data; the minimum itself is enough; none is none.
    assert (
        t.loc["S12", "insufficient_data"],
        t.loc["S13", "insufficient_data"],
        t.loc["S14", "insufficient_data"],
    ) == (
        True,
        False,
        True,
    )
    assert list(t["participants"]) == [20] * 11 + [9, 10, 0] and t["participants"].dtype == int
    assert list(t["components"]) == [1] * 13 + [0] and list(t["isb_components"]) == [2] + [3] * 12 + [0]
    # Supervision in the window only, counted above zero, of its own kind.
    assert list(t.index[t["orders"]]) == ["S01"] and list(t.index[t["complaints"]]) == ["S04"]
    # Signs: S05 two distinct, S06 one that recurs; the codes once each, sorted, joined by «;».
    assert (
        t.loc["S05", "objectivity_signs"] == "base_profile;heaping"
        and t.loc["S06", "objectivity_signs"] == "base_profile"
    )
    assert t.loc["S07", "objectivity_signs"] == "" and list(t.index[t["objectivity_flag"]]) == ["S05", "S06"]
    assert sorted(outcome.signs["school_id"].unique()) == ["S05", "S06"] and set(outcome.signs["year"]) == {2025, 2026}
    # Value added below or above what the context predicts: its interval entirely below or above zero.
    high, low = t["value_added_high"], t["value_added_low"]
    assert (t["value_added_negative"] == (high < 0).fillna(False)).all() and t["value_added_negative"].dtype == bool
    assert (t["value_added_positive"] == (low > 0).fillna(False)).all() and t["value_added_positive"].dtype == bool
    assert t["value_added_negative"].any() and t["value_added_positive"].any()
    assert not t.loc["S14", ["value_added_negative", "value_added_positive"]].any()
    # The per-year indices carry each year's low zone; the components are the window's works.
    assert {"school_id", "year", "ior", "ior_se", "low"} <= set(outcome.per_year.columns)
    assert set(outcome.components["school_id"]) == {f"S{i:02}" for i in range(1, 14)}
    assert "cluster_municipal" in t and set(t["cluster_municipal"]) <= {
        "",
        "effective",
        "resilient",
        "struggling",
        "deprived",
    }


def test_fit_names_the_preset_s_works_found_missing_and_what_the_data_hold() -> None:
    """The preset asks for ОГЭ Russian and mathematics (grade 9) over 2025–2026. The data hold ОГЭ
    Russian at three schools in 2026, ВПР Russian grade 5 at two, ОГЭ mathematics at one school but
    with no pupil (n = 0), and ОГЭ mathematics of 2023 (outside the window)."""
    from shnor.core.identification.fit import fit

    m = Methodology(
        window=2,
        components=(
            Component(procedure="OGE", subject="rus", grade=9),
            Component(procedure="OGE", subject="math", grade=9),
        ),
    )
    works = _works(
        [
            _work("A", 20, 10.0, 1.0), _work("B", 20, 10.0, 1.0), _work("C", 20, 10.0, 1.0, year=2025),
            _work("A", 20, 10.0, 1.0, procedure="VPR", grade=5), _work("B", 20, 10.0, 1.0, procedure="VPR", grade=5),
            _work("A", 0, 0.0, 0.0, subject="math"), _work("B", 30, 10.0, 1.0, subject="math", year=2023),
        ]
    )  # fmt: skip
    f = fit(works, 2026, m)
    assert f.years == [2025, 2026] and f.components == [("OGE", "rus", 9), ("OGE", "math", 9)]
    assert f.found == [("OGE", "rus", 9)] and f.missing == [("OGE", "math", 9)] and f.fits
    assert f.data == [(("OGE", "rus", 9), 3), (("VPR", "rus", 5), 2)]  # most schools first
    nothing = fit(works[works["procedure"] == "VPR"], 2026, m)
    assert nothing.found == [] and not nothing.fits and nothing.data == [(("VPR", "rus", 5), 2)]
    assert fit(works.iloc[0:0], 2026, m).data == [] and not fit(works.iloc[0:0], 2026, m).fits
    # Equal numbers of schools: by the work's own order.
    tied = fit(works[works["school_id"] == "A"], 2026, m)
    assert tied.data == [(("OGE", "rus", 9), 1), (("VPR", "rus", 5), 1)]


def test_the_federal_risk_at_its_bounds_by_hand() -> None:
    """At least 30 % of a work's participants below the minimum, on works of 5 pupils or more: two
    such works in a year, or the same work two years running. D: 2 of 5 in both subjects (0,4, at
    the pupils' minimum); E: the same with 4 pupils (too few); F: exactly 3 of 10 in both (0,3); G:
    2 of 10 (0,2); H: one risky work in 2024 and another in 2026 (not the same, not one year); I:
    Russian in 2024 and 2025 (running); J: a risky work of 2023 (outside the window) and of 2024."""
    from shnor.core.identification.identify import _federal

    def work(school: str, year: int, subject: str, n: int, below: int, grade: int = 9) -> dict[str, Any]:
        return {"school_id": school, "year": year, "procedure": "OGE", "subject": subject, "grade": grade, "n": n,
                "below_min": below}  # fmt: skip

    rows = [
        work("D", 2026, "rus", 5, 2), work("D", 2026, "math", 5, 2),
        work("E", 2026, "rus", 4, 2), work("E", 2026, "math", 4, 2),
        work("F", 2026, "rus", 10, 3), work("F", 2026, "math", 10, 3),
        work("G", 2026, "rus", 10, 2), work("G", 2026, "math", 10, 2),
        work("H", 2024, "rus", 10, 5), work("H", 2026, "math", 10, 5),
        work("I", 2024, "rus", 10, 5), work("I", 2025, "rus", 10, 5),
        work("J", 2023, "rus", 10, 5), work("J", 2024, "rus", 10, 5),
    ]  # fmt: skip
    scored = pd.DataFrame(rows)
    index = pd.Index(list("DEFGHIJK"))
    m = Methodology(federal_risk=FederalRisk(works="all"))
    risk = _federal(scored, [2024, 2025, 2026], m, index)
    assert list(index[risk]) == ["D", "F", "I"] and list(risk.index) == list(index)
    # One work a year is enough when the rule says so; a share of 0,5 leaves only the 5-of-10 works.
    assert list(index[_federal(scored, [2024, 2025, 2026], Methodology(federal_risk=FederalRisk(works="all", procedures=1)), index)]) == [
        "D", "F", "H", "I", "J",
    ]  # fmt: skip
    half = Methodology(federal_risk=FederalRisk(works="all", share=0.5))
    assert list(index[_federal(scored, [2024, 2025, 2026], half, index)]) == ["I"]
    # Over the index's works only (the default): grade 9 ОГЭ is not among a preset's components here.
    only_vpr = Methodology(components=(Component(procedure="VPR", subject="rus", grade=4),))
    assert not _federal(scored, [2024, 2025, 2026], only_vpr, index).any()


def test_the_combinations_table_of_act_001_by_hand() -> None:
    """Five schools in a category, one in none: НР 2 of 5 (0,4), ССК 1, НР+ССК 1, НР+НО 1."""
    from shnor.core.identification.identify import combinations

    table = combinations(pd.Series(["НР", "НР", "ССК", "", "НР+ССК", "НР+НО"]))
    assert [(r["category"], r["schools"], r["share"]) for r in table] == [
        ("НР", 2, 0.4), ("ССК", 1, 0.2), ("НО", 0, 0.0), ("НР+ССК", 1, 0.2), ("НР+НО", 1, 0.2),
        ("ССК+НО", 0, 0.0), ("НР+ССК+НО", 0, 0.0),
    ]  # fmt: skip
    assert all(r["share"] == 0.0 for r in combinations(pd.Series(["", ""])))


def test_the_selection_with_every_flag_required_and_its_reasons() -> None:
    """`all_of`: low ИОР and low ИСБ both (A only, the reasons naming both); `any_of` with two flags
    that hold at once names both, joined by a comma; a minimum share of 0,5 of four schools adds the
    lowest ИОР of the rest."""
    base = pd.DataFrame(
        {
            "ior": [-1.0, -1.0, 1.0, 0.5],
            "isb": [-1.0, 1.0, -1.0, 1.0],
            "insufficient_data": False,
            "federal_risk": False,
            "objectivity_flag": False,
            "value_added_negative": False,
            "orders": [True, False, False, False],
            "complaints": False,
        },
        index=pd.Index(list("ABCD"), name="school_id"),
    )
    per_year = pd.DataFrame(columns=["school_id", "year", "ior", "ior_se", "participants"])

    def rule(selection: Selection) -> Methodology:
        low = Cutoff(kind="fixed", value=-0.5)
        return Methodology(ior_low=low, isb_low=low, selection=selection)

    both = classify(base, per_year, [2026], rule(Selection(any_of=(), all_of=("ior_low", "isb_low"))))
    assert list(both.table["selected"]) == [True, False, False, False]
    assert list(both.table["reasons"]) == ["ior_low,isb_low", "", "", ""]
    anyone = classify(base, per_year, [2026], rule(Selection(any_of=("ior_low", "orders"))))
    assert list(anyone.table["reasons"]) == ["ior_low,orders", "ior_low", "", ""]
    share = classify(base, per_year, [2026], rule(Selection(any_of=("orders",), minimum_share=0.5)))
    assert list(share.table["reasons"]) == ["orders", "minimum", "", ""]  # B has the lowest ИОР of the rest
    with pytest.raises(ValueError, match="правило отбора пусто"):
        Selection(any_of=(), all_of=())


def test_the_run_s_summary_adds_up_from_its_table() -> None:
    outcome = _small_outcome()
    t, s = outcome.table, outcome.summary
    assert s["window"] == [2024, 2025, 2026] and s["schools"] == 14 and s["insufficient_data"] == 2
    assert s["selected"] == int(t["selected"].sum()) > 0
    assert s["groups"] == {g: int((t["group"] == g).sum()) for g in ("low_results", "unfavourable", "both", "other")}
    assert sum(s["groups"].values()) == s["selected"]
    assert s["clusters"] == {
        c: int((t["cluster"] == c).sum()) for c in ("effective", "resilient", "struggling", "deprived")
    }
    assert sum(s["clusters"].values()) == 12  # every school with enough data and an ИСБ
    assert s["signs"] == {"base_profile": 3, "heaping": 1} and s["reviews"] == {"confirmed": 0, "rejected": 0}
    assert [c["category"] for c in s["combinations"]][:3] == ["НР", "ССК", "НО"]
    assert s["ior_threshold"] == pytest.approx(t.loc[~t["insufficient_data"], "ior"].quantile(0.25))
    assert s["isb_threshold"] == pytest.approx(t["isb"].dropna().quantile(0.25))
    assert s["isb_parts"] == ["share_parents_no_higher_ed", "share_unemployed_parents", "share_on_register"]
    assert 0 < s["isb_alpha"] <= 1 and s["tau2"] >= 0
    assert set(s["value_added"]) == {"coefficients", "tau2", "r2"} and set(s["value_added"]["coefficients"]) == {
        "const",
        "isb",
        "rural",
    }


def test_a_region_without_any_result_is_all_too_little_data() -> None:
    """No work at all (results not loaded yet): every school is «недостаточно данных», none selected
    on results (only on its social context), no component of the window, no index. It failed
    before: an empty frame of works lacked the columns the signs and the composite read."""
    inputs = _small_region()
    inputs.works = _works([])
    outcome = identify(inputs, 2026, Methodology(components=(Component(procedure="OGE", subject="rus", grade=9),)))
    t = outcome.table
    assert t["insufficient_data"].all() and t["ior"].isna().all()
    assert set(t.loc[t["selected"], "reasons"]) == {"isb_low"}  # the social context alone still lists
    assert outcome.components.empty and list(t["participants"]) == [0] * 14
    assert {"year", "procedure", "subject", "grade", "school_id", "z", "v"} <= set(outcome.components.columns)


def test_the_social_index_states_its_sampling_error_and_the_shares_a_school_lacks() -> None:
    """Shares of 100, 25, 400 and 0 pupils. Without higher education 0,1 / 0,2 / 0,3 / 0,4 (sd²
    0,05/3); unemployed parents 0 / — / 0,3 / 0,1 (sd² 0,07/3) with weight 2. A share's sampling
    variance in the index's units is p(1 − p)/n / sd² with p = (k + ½)/(n + 1), k the pupils it
    counts; the index's is Σ w² v / (Σ w)² over the shares the school has:
    A: p 10,5/101 → 0,0558911; p 0,5/101 (none of 100 is not certain) → 0,0021111;
       se = √(0,0558911 + 4·0,0021111) / 3 = 0,0845484.
    B: only the first, p 5,5/26 → 0,4002959; se = 0,6326894; lacks the second.
    C: p 120,5/401 → 0,0315299 and 0,0225214; se = √(0,0315299 + 4·0,0225214) / 3 = 0,1162446.
    D: no pupils counted: no standard error."""
    social = pd.DataFrame(
        {
            "year": [2026] * 4,
            "school_id": ["A", "B", "C", "D"],
            "students": [100, 25, 400, 0],
            "share_parents_no_higher_ed": [0.1, 0.2, 0.3, 0.4],
            "share_unemployed_parents": [0.0, np.nan, 0.3, 0.1],
        }
    )
    m = Methodology(
        social=(
            SocialPart(column="share_parents_no_higher_ed"),
            SocialPart(column="share_unemployed_parents", weight=2),
        )
    )
    t = indices.social_index(social, 2026, m).table
    assert list(t["isb_se"].iloc[:3]) == pytest.approx([0.0845484, 0.6326894, 0.1162446], abs=1e-6)
    assert np.isnan(t.loc["D", "isb_se"])
    assert list(t["isb_missing"]) == ["", "share_unemployed_parents", "", ""]
    assert list(t["isb_components"]) == [2, 1, 2, 2]
    # Without the number of pupils there is no standard error at all.
    assert indices.social_index(social.drop(columns="students"), 2026, m).table["isb_se"].isna().all()
    # No record up to the year, or no share the preset names: an empty index with every column.
    for none in (indices.social_index(social, 2020, m), indices.social_index(social.iloc[0:0], 2026, m)):
        assert list(none.table.columns) == ["isb", "isb_components", "isb_year", "isb_se", "isb_missing"]
        assert none.table.empty and none.table.index.name == "school_id" and np.isnan(none.alpha) and none.parts == []
    # A share outside [0; 1] has no sampling error to state: the school's index then has none.
    odd = social.assign(share_parents_no_higher_ed=[1.5, 0.2, 0.3, 0.4])
    assert indices.social_index(odd, 2026, m).table["isb_se"].isna().tolist() == [True, False, False, True]


def test_the_chance_of_a_low_social_index_is_the_posterior_one() -> None:
    """ИСБ −1, 0, 1, −0,5 with se 0,5, 0,5, 0,5, 1: Var 0,729167, mean se² 0,4375, τ² 0,291667,
    centre −0,125. A: B = 0,538462, posterior −0,596154 ± 0,366900 → Φ(0,262072) = 0,603367 below
    −0,5; D: B = 0,225806, −0,209677 ± 0,475191 → Φ(−0,610960) = 0,270613 (its raw −0,5 is at the
    threshold, but its index says little). Without two schools with an error: no chance at all."""
    isb, se = pd.Series([-1.0, 0.0, 1.0, -0.5], index=list("ABCD")), pd.Series([0.5, 0.5, 0.5, 1.0], index=list("ABCD"))
    p = identify_module.isb_low_probability(isb, se, -0.5)
    assert p["A"] == pytest.approx(0.603367, abs=1e-6) and p["D"] == pytest.approx(0.270613, abs=1e-6)
    assert identify_module.isb_low_probability(isb, se * np.nan, -0.5).isna().all()


def test_the_chance_of_the_low_zone_from_the_estimate_and_its_error() -> None:
    """ИСБ −0,5 with se 0,25 against a threshold −0,3: Φ(0,8) = 0,78814; at the threshold itself 0,5;
    no chance without an error, an estimate or a threshold."""
    estimate = pd.Series([-0.5, -0.3, -0.5, np.nan], index=list("ABCD"))
    se = pd.Series([0.25, 0.1, 0.0, 0.2], index=list("ABCD"))
    p = identify_module._chance_below(estimate, se, -0.3)
    assert p["A"] == pytest.approx(0.7881446) and p["B"] == pytest.approx(0.5)
    assert p[["C", "D"]].isna().all()
    assert identify_module._chance_below(estimate, se, float("nan")).isna().all()
    assert uncertain(0.7881446) and uncertain(0.1000001) and uncertain(0.8999999)
    assert not any(uncertain(p) for p in (0.95, 0.1, 0.9, 0.05, None))  # the bounds are not uncertain


def test_the_social_index_takes_a_schools_latest_record_and_the_chance_needs_two_known_schools() -> None:
    """A school with records of 2025 and 2026 is read by the 2026 one. Two schools with an index and
    an error are enough for the posterior; a school with an error but no index takes no part in it."""
    social = pd.DataFrame(
        {"year": [2025, 2026, 2026, 2026], "school_id": ["A", "A", "B", "C"], "students": [50] * 4,
         "share_parents_no_higher_ed": [0.9, 0.1, 0.2, 0.3]}
    )  # fmt: skip
    m = Methodology(social=(SocialPart(column="share_parents_no_higher_ed"),))
    t = indices.social_index(social, 2026, m).table
    assert (
        list(t.index) == ["A", "B", "C"] and t.loc["A", "isb_year"] == 2026 and t.loc["A", "isb"] == pytest.approx(1.0)
    )
    two = identify_module.isb_low_probability(pd.Series([-1.0, 1.0]), pd.Series([0.5, 0.5]), 0.0)
    assert two.notna().all()  # Var 2, mean se² 0,25: τ² 1,75, B 0,875: −0,875 ± 0,4677 → Φ(1,8708)
    assert two[0] == pytest.approx(0.9693, abs=1e-4)
    with_gap = identify_module.isb_low_probability(pd.Series([-1.0, 1.0, np.nan]), pd.Series([0.5, 0.5, 9.0]), 0.0)
    assert with_gap[:2].tolist() == pytest.approx(two.tolist()) and np.isnan(with_gap[2])


def test_rises_by_hand() -> None:
    """A work's rise over its one or two earlier years, by hand: school S has the work in 2024, 2025
    and 2026; school T only in 2026 (no earlier year: no rise), and a year with no earlier year in
    the data (2024) yields nothing but does not stop the later years."""
    keys = {"procedure": "VPR", "subject": "математика", "grade": 5}
    scored = pd.DataFrame(
        [
            {"school_id": "S", **keys, "year": 2024, "z": 0.0, "v": 0.01, "n": 30},
            {"school_id": "S", **keys, "year": 2025, "z": 0.1, "v": 0.01, "n": 30},
            {"school_id": "S", **keys, "year": 2026, "z": 0.5, "v": 0.01, "n": 30},
            {"school_id": "T", **keys, "year": 2026, "z": 0.9, "v": 0.01, "n": 30},
        ]
    )
    got = objectivity.rises(scored, [2024, 2025, 2026], 10)
    assert list(zip(got["school_id"], got["year"], strict=True)) == [("S", 2025), ("S", 2026)]
    first, second = got.to_dict("records")
    assert first["rise"] == pytest.approx(0.1) and first["se"] == pytest.approx(np.sqrt(0.01 + 0.01))
    assert first["earlier_years"] == [2024]
    # 2026 against the mean of 2025 and 2024: 0.5 − 0.05; its variance 0.01 + (0.01 + 0.01) / 2².
    assert second["earlier_z"] == pytest.approx(0.05) and second["rise"] == pytest.approx(0.45)
    assert second["se"] == pytest.approx(np.sqrt(0.01 + 0.02 / 4)) and second["earlier_years"] == [2025, 2024]
