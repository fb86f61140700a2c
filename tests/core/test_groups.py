"""Curator groups of act 001 (разд. 4, направление 3): «школы-куратора … и 2-3 школ», formed «по
принципу территориальной расположенности, на основе общей выявленной проблемы». Hand-computed cases
and a brute force over every assignment of small random cases."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from shnor.core.matching import (
    NONE,
    Costs,
    Curator,
    Grouping,
    GroupRules,
    MatchingError,
    Place,
    School,
    groups,
    pair,
    solve,
)
from shnor.core.support import SupportRules
from tests.core.test_matching import assignments

NEIGHBOURS = {"A": frozenset({"B"}), "B": frozenset({"A"})}


def members(result: Grouping) -> dict[str, set[str]]:
    return {g.curator: set(g.schools) for g in result.groups}


def test_the_minimum_turns_three_and_one_into_two_and_two() -> None:
    """Four schools of municipality C, curators X (C) and Y (far away), room for 3 each. Pairs of
    least cost: three to X (3 × 10) and one to Y (120) = 150, and Y's group has one school. Groups of
    at least two: two and two, 2 × 10 + 2 × 120 = 260. The pairs' cost is the bound shown."""
    schools = [School(f"S{i}", Place("C")) for i in range(4)]
    curators = [Curator("X", Place("C"), 3), Curator("Y", Place("D"), 3)]
    assert solve(schools, curators, NEIGHBOURS).total == 150
    result = groups(schools, curators, NEIGHBOURS, rules=GroupRules(minimum=2, shared_need=False))
    assert result.total == 260 and result.bound == 150
    assert sorted(len(g.schools) for g in result.groups) == [2, 2]
    assert result.departures == {"short": 0, "outside": 0} and result.optimal and result.unassigned == []
    # With a minimum of one the groups are the pairs of least cost.
    assert groups(schools, curators, NEIGHBOURS, rules=GroupRules(minimum=1, shared_need=False)).total == 150


def test_a_common_problem_outranks_distance() -> None:
    """S1 (R01) and S2 (R02) are in A near curator X; S3 (R01) and S4 (R02) in B near Y (A and B are
    neighbours: 40). Neither curator is strong in anything: 25 per school on top. By territory alone:
    X {S1, S2}, Y {S3, S4} = 4 × 10 + 100 = 140, but neither group shares a problem. The act asks
    both; the problem ranks first: {S1, S3} and {S2, S4}, each with one school 40 away:
    2 × (10 + 40) + 100 = 200."""
    schools = [
        School("S1", Place("A"), frozenset({"R01"})),
        School("S2", Place("A"), frozenset({"R02"})),
        School("S3", Place("B"), frozenset({"R01"})),
        School("S4", Place("B"), frozenset({"R02"})),
    ]
    curators = [Curator("X", Place("A"), 2), Curator("Y", Place("B"), 2)]
    territorial = groups(schools, curators, NEIGHBOURS, rules=GroupRules(minimum=2, shared_need=False))
    assert territorial.total == 140 and members(territorial) == {"X": {"S1", "S2"}, "Y": {"S3", "S4"}}
    result = groups(schools, curators, NEIGHBOURS, rules=GroupRules(minimum=2, shared_need=True))
    assert result.total == 200 and result.departures == {"short": 0, "outside": 0}
    assert {frozenset(g.schools): g.theme for g in result.groups} == {
        frozenset({"S1", "S3"}): "R01",
        frozenset({"S2", "S4"}): "R02",
    }


def test_the_curators_strength_chooses_between_equal_assignments() -> None:
    """Both curators in A; X strong in R02, Y in R01 (gap penalty 25 per weakness not covered). The
    R02 group goes to X, the R01 group to Y: 4 × 10 = 40, against 40 + 4 × 25 the other way."""
    schools = [
        School("S1", Place("A"), frozenset({"R01"})),
        School("S2", Place("A"), frozenset({"R02"})),
        School("S3", Place("A"), frozenset({"R01"})),
        School("S4", Place("A"), frozenset({"R02"})),
    ]
    curators = [Curator("X", Place("A"), 2, frozenset({"R02"})), Curator("Y", Place("A"), 2, frozenset({"R01"}))]
    result = groups(schools, curators, NEIGHBOURS)
    assert result.total == 40
    assert {g.curator: (set(g.schools), g.theme) for g in result.groups} == {
        "X": ({"S2", "S4"}, "R02"),
        "Y": ({"S1", "S3"}, "R01"),
    }


def test_the_named_problem_is_the_widest_shared_then_the_curators_strength() -> None:
    both = frozenset({"R01", "R02"})
    schools = [School("S1", Place("A"), both), School("S2", Place("A"), both | {"R03"})]
    result = groups(schools, [Curator("X", Place("A"), 3, frozenset({"R02"}))], NEIGHBOURS)
    assert result.groups[0].theme == "R02"  # R01 and R02 are shared by both; X is strong in R02
    plain = groups(schools, [Curator("X", Place("A"), 3)], NEIGHBOURS)
    assert plain.groups[0].theme == "R01"  # no strength: the first by code
    no_problems = groups([School("S1", Place("A")), School("S2", Place("A"))], [Curator("X", Place("A"), 3)])
    assert no_problems.groups[0].theme == NONE and no_problems.departures == {"short": 0, "outside": 0}


def test_a_departure_is_shown_and_no_school_is_left_without_a_curator() -> None:
    one = groups([School("S1", Place("A"), frozenset({"R01"}))], [Curator("X", Place("A"), 3)], NEIGHBOURS)
    assert one.unassigned == [] and one.groups[0].short and one.departures == {"short": 1, "outside": 0}
    three = groups(
        [
            School("S1", Place("A"), frozenset({"R01"})),
            School("S2", Place("A"), frozenset({"R01"})),
            School("S3", Place("A"), frozenset({"R02"})),
        ],
        [Curator("X", Place("A"), 3)],
        NEIGHBOURS,
    )
    assert three.unassigned == [] and three.groups[0].theme == "R01" and three.groups[0].outside == ("S3",)
    # Not enough room: as many placed as the pairs place; the rest named.
    short = groups([School(f"S{i}", Place("A")) for i in range(4)], [Curator("X", Place("A"), 3)], NEIGHBOURS)
    assert len(short.pairs) == 3 and len(short.unassigned) == 1


def test_pins_forbids_and_the_same_answer_twice() -> None:
    schools = [School(f"S{i}", Place("A"), frozenset({"R01"})) for i in range(4)]
    curators = [Curator("X", Place("A"), 3), Curator("Y", Place("B"), 3)]
    pinned = groups(schools, curators, NEIGHBOURS, pinned={"S0": "Y"})
    assert pinned.curator_of()["S0"] == "Y" and pinned.departures["short"] == 0
    banned = groups(schools, curators, NEIGHBOURS, forbidden=[("S1", "X"), ("S2", "X")])
    assert banned.curator_of()["S1"] == banned.curator_of()["S2"] == "Y"
    assert groups(schools, curators, NEIGHBOURS).pairs == groups(schools, curators, NEIGHBOURS).pairs
    with pytest.raises(MatchingError, match="одновременно закреплена и запрещена"):
        groups(schools, curators, NEIGHBOURS, pinned={"S1": "X"}, forbidden=[("S1", "X")])
    # Two places for three schools: the pinned school keeps one, though the others cost less.
    tight = groups(
        [School("S1", Place("A")), School("S2", Place("A"), frozenset({"R01"})), School("S3", Place("A"))],
        [Curator("X", Place("A"), 2)],
        NEIGHBOURS,
        rules=GroupRules(minimum=1, shared_need=False),
        pinned={"S2": "X"},
    )
    assert tight.curator_of()["S2"] == "X" and len(tight.unassigned) == 1


def test_groups_are_costed_to_the_hundredth_of_a_km() -> None:
    """S1 → X 10.99, S2 → Y 10.99 (21.98) against S1 → Y 11.00, S2 → X 10.01 (21.01). In whole km
    the first would look cheaper (10 + 10 against 11 + 10); the groups take the second, as the
    exact pairing does."""
    costs = Costs(same_municipality=10.0, neighbouring=10.01, other=120.0, gap_penalty=0.99)
    schools = [School("S1", Place("A"), frozenset({"R02"})), School("S2", Place("B"), frozenset({"R01"}))]
    curators = [Curator("X", Place("A"), 1, frozenset({"R01"})), Curator("Y", Place("B"), 1)]
    result = groups(schools, curators, NEIGHBOURS, rules=GroupRules(minimum=1, shared_need=False), costs=costs)
    assert result.curator_of() == {"S1": "Y", "S2": "X"} and result.total == pytest.approx(21.01)
    assert result.total == pytest.approx(solve(schools, curators, NEIGHBOURS, costs=costs).total)


def brute_force(schools: list[School], curators: list[Curator], rules: GroupRules) -> tuple[int, float]:
    """The least (departures, cost) over every assignment that places every school within capacity."""
    best = (10**9, float("inf"))
    for choice in assignments(schools, curators):
        departures = 0
        for j in range(len(curators)):
            group = [s for s, jj in zip(schools, choice, strict=True) if jj == j]
            if not group:
                continue
            departures += max(0, rules.minimum - len(group))
            if rules.shared_need:
                themes = [set(s.weaknesses) or {NONE} for s in group]
                widest = max(sum(t in ts for ts in themes) for t in set().union(*themes))
                departures += len(group) - widest
        cost = sum(pair(s, curators[j], NEIGHBOURS).cost for s, j in zip(schools, choice, strict=True))
        best = min(best, (departures, cost))
    return best


@pytest.mark.parametrize("seed", range(120))
def test_it_is_optimal_against_brute_force(seed: int) -> None:
    """Small random cases, half with coordinates (costs in fractions of a km), minimum 2 or 3:
    the fewest departures (places missing below the minimum, schools outside their group's
    problem), then the least cost, as a brute force over every assignment finds them."""
    rng = random.Random(seed)
    factors = ["R01", "R02", "R03"]
    munis = ["A", "B", "C"]

    def place() -> Place:
        if seed % 2:
            return Place(rng.choice(munis), 50 + rng.random(), 40 + rng.random())
        return Place(rng.choice(munis))

    schools = [
        School(f"S{i}", place(), frozenset(rng.sample(factors, rng.randint(0, 2)))) for i in range(rng.randint(2, 6))
    ]
    curators = [
        Curator(f"C{j}", place(), rng.randint(1, 3), frozenset(rng.sample(factors, rng.randint(0, 2))))
        for j in range(rng.randint(2, 3))
    ]
    while sum(c.capacity for c in curators) < len(schools):
        curators.append(Curator(f"C{len(curators)}", Place("A"), 3))
    rules = GroupRules(minimum=2 + seed % 4 // 2, shared_need=seed % 3 != 0)
    result = groups(schools, curators, NEIGHBOURS, rules=rules)
    assert result.optimal and result.unassigned == []
    missing = sum(max(0, rules.minimum - len(g.schools)) for g in result.groups)
    assert result.departures["short"] == sum(len(g.schools) < rules.minimum for g in result.groups)
    best = brute_force(schools, curators, rules)
    assert missing + result.departures["outside"] == best[0]
    assert result.total == pytest.approx(best[1], abs=0.01)


def test_the_minimum_cannot_exceed_a_curators_room() -> None:
    with pytest.raises(ValidationError, match="больше вместимости куратора"):
        SupportRules.model_validate({"form": "group", "curators": {"capacity": 2}, "group": {"minimum": 3}})
    rules = SupportRules.model_validate({"form": "group", "group": {"minimum": 2, "shared_need": True}})
    assert rules.grouped and not SupportRules.model_validate({"form": "group"}).grouped
    assert not SupportRules.model_validate({"form": "pair", "group": {"minimum": 2}}).grouped


def test_out_of_time_the_best_answer_so_far_stands() -> None:
    """With no time to search, the groups are the exact pairing (three and one here), not proved
    optimal, and the page says so; nobody is left without a curator."""
    schools = [School(f"S{i}", Place("A"), frozenset({"R01"})) for i in range(4)]
    curators = [Curator("X", Place("A"), 3), Curator("Y", Place("B"), 3)]
    rushed = groups(schools, curators, NEIGHBOURS, time_limit=0.0)
    assert not rushed.optimal and rushed.unassigned == []
    assert rushed.total == solve(schools, curators, NEIGHBOURS).total
    assert sorted(len(g.schools) for g in rushed.groups) == [1, 3] and rushed.departures["short"] == 1
    assert groups(schools, curators, NEIGHBOURS).optimal  # with its time: two and two, proved
    assert SupportRules().group.nearest == 12  # «школа — к одному из 12 ближайших кураторов» (docs)
