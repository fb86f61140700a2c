"""The demo region: deterministic, in contract shapes, with the planted structure recoverable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shnor.demo.generator import (
    OVERSIGHT_COLUMNS,
    RESULT_COLUMNS,
    SCHOOL_COLUMNS,
    SOCIAL_COLUMNS,
    STAFF_COLUMNS,
    DemoConfig,
    DemoRegion,
    generate,
)
from shnor.demo.scales import WORKS, Work

SMALL = DemoConfig(seed=7, municipalities=6, schools=150)


@pytest.fixture(scope="module")
def region() -> DemoRegion:
    return generate(SMALL)


@pytest.fixture(scope="module")
def full() -> DemoRegion:
    return generate()


def test_it_converts_scores_to_marks_at_the_cut_offs() -> None:
    work = Work("VPR", 4, "rus", 38, (14, 24, 33), 0.0)
    assert work.marks(np.array([0, 13, 14, 23, 24, 32, 33, 38])).tolist() == [2, 2, 3, 3, 4, 4, 5, 5]


def test_it_maps_primary_to_test_scores_monotonically() -> None:
    work = Work("EGE", 11, "rus", 50, None, 0.0, min_test_score=24)
    scores = work.test_scores(np.arange(51))
    assert scores[0] == 0 and scores[-1] == 100
    assert np.all(np.diff(scores) >= 0)


def test_it_is_deterministic(region: DemoRegion) -> None:
    again = generate(SMALL)
    pd.testing.assert_frame_equal(region.results, again.results)
    pd.testing.assert_frame_equal(region.schools, again.schools)
    other = generate(DemoConfig(seed=8, municipalities=6, schools=150))
    assert not region.results["primary_score"].equals(other.results["primary_score"])


def test_it_writes_the_contract_columns(region: DemoRegion) -> None:
    assert list(region.results.columns) == RESULT_COLUMNS
    assert list(region.schools.columns[: len(SCHOOL_COLUMNS)]) == SCHOOL_COLUMNS
    assert list(region.social.columns) == SOCIAL_COLUMNS
    assert list(region.staff.columns) == STAFF_COLUMNS
    assert list(region.oversight.columns) == OVERSIGHT_COLUMNS


def test_it_keeps_values_in_their_ranges(region: DemoRegion) -> None:
    results = region.results
    assert (results["primary_score"] >= 0).all()
    assert (results["primary_score"] <= results["max_primary_score"]).all()
    marks = results["mark"].dropna()
    assert marks.between(2, 5).all()
    assert results["journal_mark"].dropna().between(2, 5).all()
    ege = results[results["procedure"] == "EGE"]
    profile = ege[ege["subject"] != "math_base"]
    assert profile["mark"].isna().all() and profile["test_score"].between(0, 100).all()
    assert results[results["procedure"] != "EGE"]["test_score"].isna().all()
    assert results[results["procedure"] != "VPR"]["journal_mark"].isna().all()
    shares = region.social.filter(like="share_")
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert set(region.staff["category"]) <= {"highest", "first", "conformity", "none"}
    assert set(region.schools["locality"]) == {"city", "rural"}


def test_it_keeps_grades_consistent_with_procedures(region: DemoRegion) -> None:
    grades = region.results.groupby("procedure")["grade"].agg(["min", "max"])
    assert grades.loc["VPR"].tolist() == [4, 8]
    assert grades.loc["OGE"].tolist() == [9, 9]
    assert grades.loc["EGE"].tolist() == [11, 11]
    last = region.schools.set_index("school_id")["last_grade"]
    highest = region.results.groupby("school_id")["grade"].max()
    assert (highest <= last.loc[highest.index]).all()


def test_it_uses_pseudonymous_unique_student_keys(region: DemoRegion) -> None:
    keys = region.results["student_key"]
    assert keys.str.fullmatch(r"P[0-9A-F]{10}").all()
    assert not region.results.duplicated(["year", "procedure", "subject", "grade", "student_key"]).any()


def test_it_follows_a_student_across_years(region: DemoRegion) -> None:
    vpr = region.results[region.results["procedure"] == "VPR"]
    grade4 = set(vpr[(vpr["year"] == 2023) & (vpr["grade"] == 4)]["student_key"])
    grade5 = set(vpr[(vpr["year"] == 2024) & (vpr["grade"] == 5)]["student_key"])
    assert len(grade4 & grade5) > 0.5 * len(grade4)


def test_it_points_branches_at_head_schools_of_the_same_municipality(full: DemoRegion) -> None:
    schools = full.schools.set_index("school_id")
    branches = schools[schools["parent_school_id"] != ""]
    assert len(branches) > 10
    heads = schools.loc[branches["parent_school_id"]]
    assert (heads["parent_school_id"] == "").all()
    assert (heads["municipality"].to_numpy() == branches["municipality"].to_numpy()).all()


def test_it_builds_a_realistic_region_by_default(full: DemoRegion) -> None:
    schools = full.schools
    assert len(schools) == 700 and full.municipalities.shape[0] == 30
    assert (schools["enrollment"] < 40).sum() >= 50  # ungraded rural schools
    assert set(schools["last_grade"]) == {4, 9, 11}
    assert 0.3 < (schools["locality"] == "city").mean() < 0.5
    assert full.results["year"].unique().tolist() == [2023, 2024, 2025, 2026]
    assert {(w.procedure, w.subject) for w in WORKS} == set(
        map(tuple, full.results[["procedure", "subject"]].drop_duplicates().to_numpy())
    )


def _school_z(region: DemoRegion, procedures: tuple[str, ...]) -> pd.Series:
    r = region.results[region.results["procedure"].isin(procedures)].copy()
    r["rate"] = r["primary_score"] / r["max_primary_score"]
    key = ["year", "procedure", "subject", "grade"]
    r["z"] = (r["rate"] - r.groupby(key)["rate"].transform("mean")) / r.groupby(key)["rate"].transform("std")
    return r.groupby("school_id")["z"].mean()


def test_it_plants_value_added_that_a_regression_recovers(full: DemoRegion) -> None:
    z = _school_z(full, ("OGE", "EGE"))
    truth = full.truth.set_index("school_id").loc[z.index]
    slope, intercept = np.polyfit(truth["social"], z, 1)
    residual = z - (slope * truth["social"] + intercept)
    assert slope > 0.2  # results follow the social context
    assert residual[truth["planted"] == "resilient"].mean() > 0.4
    assert residual[truth["planted"] == "struggling"].mean() < -0.4
    resilient_social = truth.loc[truth["planted"] == "resilient", "social"].mean()
    struggling_social = truth.loc[truth["planted"] == "struggling", "social"].mean()
    assert resilient_social < struggling_social


def test_it_inflates_vpr_but_not_term_marks_or_oge(full: DemoRegion) -> None:
    vpr = full.results[full.results["procedure"] == "VPR"]
    raised = (vpr["mark"] > vpr["journal_mark"]).groupby(vpr["school_id"]).mean()
    planted = full.truth.set_index("school_id")["planted"]
    inflated = raised[planted.loc[raised.index] == "inflated"]
    ordinary = raised[planted.loc[raised.index] == "ordinary"]
    assert inflated.mean() > ordinary.mean() + 0.2
    gap = _school_z(full, ("VPR",)) - _school_z(full, ("OGE",))
    gap = gap.dropna()
    assert gap[planted.loc[gap.index] == "inflated"].mean() > gap[planted.loc[gap.index] == "ordinary"].mean() + 0.5


def test_it_plants_trends(full: DemoRegion) -> None:
    r = full.results[full.results["procedure"].isin(["OGE", "VPR"])].copy()
    r["rate"] = r["primary_score"] / r["max_primary_score"]
    by_year = r.groupby(["school_id", "year"])["rate"].mean().unstack()
    change = by_year[2026] - by_year[2023]
    planted = full.truth.set_index("school_id")["planted"].loc[change.index]
    assert change[planted == "improving"].mean() > change[planted == "ordinary"].mean() + 0.05
    assert change[planted == "declining"].mean() < change[planted == "ordinary"].mean() - 0.05


def test_it_makes_tiny_schools_noisy(full: DemoRegion) -> None:
    counts = full.results[full.results["procedure"] == "VPR"].groupby(["school_id", "year", "subject", "grade"]).size()
    per_school = counts.groupby("school_id").median()
    tiny = full.truth.set_index("school_id")["planted"] == "tiny"
    assert per_school[tiny.loc[per_school.index]].median() <= 4


def test_it_describes_the_support_infrastructure(full: DemoRegion) -> None:
    kinds = {b["kind"] for b in full.bodies}
    assert {
        "regional_working_group",
        "municipal_working_group",
        "methodological_association",
        "operator",
        "tutor_community",
        "information_resource",
        "consultation_point",
    } <= kinds
    keys = {b["key"] for b in full.bodies}
    assert all(p["body"] in keys for p in full.people)


def test_questionnaires_follow_context_and_improvement(full: DemoRegion) -> None:
    """Schools in hard conditions report more risks; improving schools report fewer a year later."""
    from shnor.core import risks

    catalogue = risks.default_catalogue()
    survey = full.survey
    assert list(survey.columns) == ["year", "school_id", "parameter", "value", "respondents"]
    years = sorted(survey["year"].unique())
    assert len(years) == 2 and survey["value"].between(0, 5).all()

    def risky(year: int) -> pd.Series:
        part = survey[survey["year"] == year]
        values = part.pivot(index="school_id", columns="parameter", values="value")
        counts = {
            school: sum(bool(catalogue.parameter(c).past(v)) for c, v in row.items() if pd.notna(v))
            for school, row in values.iterrows()
        }
        return pd.Series(counts)

    later = risky(years[1])
    truth = full.truth.set_index("school_id")
    hard = truth["social"] < truth["social"].quantile(0.25)
    easy = truth["social"] > truth["social"].quantile(0.75)
    assert later[hard[hard].index].mean() > later[easy[easy].index].mean() + 2
    improving = truth.index[truth["planted"] == "improving"]
    earlier = risky(years[0])
    assert (later[improving] - earlier[improving]).mean() < -1
