"""The entry monitoring of municipal bodies (act 001, section 5, item 5.2) on examples computed by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from shnor.core.municipal import (
    CRITERIA,
    HIGH,
    LOW,
    MEDIUM,
    NO_DATA,
    Count,
    District,
    MunicipalMonitoring,
    assess,
    category,
    select,
)


def district(code: str, n_listed: int, schools: int, **counts: tuple[int, int]) -> District:
    return District(code, f"район {code}", schools, n_listed, {k: Count(*v) for k, v in counts.items()})


# A: 4 of its 10 schools listed, 1 biased, has a support structure;
# B: 1 of 5 listed, 2 biased, no structure; C: 0 of 5 listed, none biased, has a structure.
# The region: listed 5/20 = 0.25, biased 3/20 = 0.15, without a structure 1/3.
A = district("A", 4, 10, listed=(4, 10), biased=(1, 10), no_body=(0, 1))
B = district("B", 1, 5, listed=(1, 5), biased=(2, 5), no_body=(1, 1))
C = district("C", 0, 5, listed=(0, 5), biased=(0, 5), no_body=(0, 1))


def test_a_district_is_in_a_criterion_s_zone_when_its_share_is_above_the_region_s() -> None:
    a = assess([C, B, A])
    assert a.region["listed"] == Count(5, 20) and a.region["biased"] == Count(3, 20)
    assert a.region["no_body"] == Count(1, 3)
    rows = {r.district.code: r for r in a.districts}
    # A: listed 0.4 > 0.25 in; biased 0.1 < 0.15 out; has a structure: out → 1 of 3.
    assert rows["A"].zone == {"listed": True, "biased": False, "no_body": False}
    # B: listed 0.2 out; biased 0.4 in; no structure: in (a state of its own, not compared) → 2 of 3.
    assert rows["B"].zone == {"listed": False, "biased": True, "no_body": True}
    assert rows["C"].zone == {"listed": False, "biased": False, "no_body": False}
    assert (rows["A"].in_zone, rows["A"].measured) == (1, 3)
    # 1/3 ≥ 1/4 → medium; 2/3 > 1/2 → high; 0 → low.
    assert [rows[c].category for c in "ABC"] == [MEDIUM, HIGH, LOW]
    # The most listed first: A (4), B (1), C (0).
    assert [r.district.code for r in a.districts] == ["A", "B", "C"]
    assert rows["A"].holds == Fraction(4, 5) and rows["B"].holds == Fraction(1, 5)


def test_the_monitored_districts_are_the_fewest_holding_the_share_of_the_list() -> None:
    # Half of 5 listed = 2.5: A alone holds 4.
    a = assess([A, B, C])
    assert [r.district.code for r in a.districts if r.selected] == ["A"]
    assert a.selected_hold == Fraction(4, 5)
    # 90 %: 4.5 needs A and B; C has no listed school and is never monitored.
    assert select([A, B, C], 0.9) == {"A", "B"}
    assert select([A, B, C], 1.0) == {"A", "B"}
    # Exactly the goal: 4 of 5 is 80 %, reached by A.
    assert select([A, B, C], 0.8) == {"A"}


def test_of_equal_numbers_the_larger_share_goes_first_and_a_full_tie_is_chosen_too() -> None:
    d1 = district("1", 3, 12, listed=(3, 12))
    d2 = district("2", 3, 6, listed=(3, 6))
    d3 = district("3", 3, 6, listed=(3, 6))
    d4 = district("4", 2, 2, listed=(2, 2))
    # 25 % of 11 = 2.75: 3 of 6 (a half) goes before 3 of 12 (a quarter) and reaches it alone; «3»
    # is equal to «2» in both and goes too; «1» and «4» stay out.
    assert select([d4, d1, d3, d2], 0.25) == {"2", "3"}
    assert [r.district.code for r in assess([d4, d1, d3, d2]).districts] == ["2", "3", "1", "4"]
    # 70 % of 11 = 7.7: the two halves hold 6, the quarter brings 9.
    assert select([d4, d1, d3, d2], 0.7) == {"1", "2", "3"}
    assert select([], 0.5) == set()


def test_the_category_boundaries_are_strictly_more_than_half_and_at_least_a_quarter() -> None:
    rules = MunicipalMonitoring()
    assert category(3, 4, rules) == HIGH
    assert category(2, 4, rules) == MEDIUM  # exactly half is not «more than half»
    assert category(1, 4, rules) == MEDIUM  # exactly a quarter is «at least a quarter»
    assert category(1, 5, rules) == LOW
    assert category(0, 0, rules) == NO_DATA
    lenient = MunicipalMonitoring(high=0.75, medium=0)
    assert category(3, 4, lenient) == MEDIUM and category(0, 4, lenient) == LOW


def test_an_unmeasured_criterion_is_left_out_and_a_lone_district_is_never_above_itself() -> None:
    lone = district("L", 2, 4, listed=(2, 4), biased=(0, 0), no_municipal_programme=(1, 1))
    (row,) = assess([lone]).districts
    assert row.zone == {"listed": False, "no_municipal_programme": True}
    assert row.category == MEDIUM  # 1 of the 2 measured is half: medium, not high
    assert row.selected


def test_the_settings_and_counts_refuse_what_cannot_be() -> None:
    with pytest.raises(ValueError, match="доля 3 из 2"):
        Count(3, 2)
    with pytest.raises(ValidationError, match="среднего риска больше"):
        MunicipalMonitoring(high=0.2, medium=0.4)
    with pytest.raises(ValidationError):
        MunicipalMonitoring(concentration=0)
    assert Count(0, 0).share is None
    assert {c.code for c in CRITERIA} >= {"listed", "biased", "no_body", "no_municipal_programme", "untrained"}


def test_a_region_without_listed_schools_holds_nothing_and_keeps_its_settings() -> None:
    rules = MunicipalMonitoring(concentration=0.7, high=0.6, medium=0.3)
    quiet = [district("Q", 0, 4, listed=(0, 4)), district("R", 0, 3, listed=(0, 3))]
    a = assess(quiet, rules)
    assert a.rules is rules and a.listed == 0 and a.selected_hold == 0
    assert [r.holds for r in a.districts] == [0, 0] and not any(r.selected for r in a.districts)
    assert assess([A, B, C]).listed == 5
