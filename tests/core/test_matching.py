"""Curator matching: exact against brute force on small cases, cheaper than greedy, rules respected."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest

from shnor.core.matching import (
    Assignment,
    Costs,
    Curator,
    MatchingError,
    Place,
    School,
    greedy,
    haversine,
    pair,
    solve,
)

NEIGHBOURS = {"A": frozenset({"B"}), "B": frozenset({"A", "C"}), "C": frozenset({"B"})}


def assignments(schools: list[School], curators: list[Curator]) -> Iterator[tuple[int, ...]]:
    """Every assignment (a curator's index per school) that places every school within capacity."""
    for choice in itertools.product(range(len(curators)), repeat=len(schools)):
        load = [0] * len(curators)
        for j in choice:
            load[j] += 1
        if all(load[j] <= c.capacity for j, c in enumerate(curators)):
            yield choice


def brute_force(schools: list[School], curators: list[Curator]) -> float:
    """The least total cost over every assignment that places every school within capacity."""
    best = float("inf")
    for choice in assignments(schools, curators):
        total = sum(pair(s, curators[j], NEIGHBOURS).cost for s, j in zip(schools, choice, strict=True))
        best = min(best, total)
    return best


def random_case(rng: random.Random) -> tuple[list[School], list[Curator]]:
    factors = ["R01", "R02", "R03", "R06", "R09"]
    munis = ["A", "B", "C"]
    schools = [
        School(f"S{i}", Place(rng.choice(munis)), frozenset(rng.sample(factors, rng.randint(0, 3))))
        for i in range(rng.randint(1, 6))
    ]
    curators = [
        Curator(f"C{j}", Place(rng.choice(munis)), rng.randint(1, 3), frozenset(rng.sample(factors, rng.randint(0, 3))))
        for j in range(rng.randint(2, 4))
    ]
    while sum(c.capacity for c in curators) < len(schools):
        curators.append(Curator(f"C{len(curators)}", Place("A"), 3))
    return schools, curators


def test_the_cost_of_a_pair_by_hand() -> None:
    s = School("S", Place("A"), frozenset({"R01", "R03"}))
    assert pair(s, Curator("C", Place("A"), 2, frozenset({"R01"})), NEIGHBOURS).cost == 10 + 25  # same, one gap
    assert pair(s, Curator("C", Place("B"), 2, frozenset({"R01", "R03"})), NEIGHBOURS).cost == 40  # neighbouring
    assert pair(s, Curator("C", Place("C"), 2), NEIGHBOURS).cost == 120 + 50  # other, two gaps
    # Moscow → Saint Petersburg, about 634 km.
    assert haversine(Place("x", 55.7558, 37.6173), Place("y", 59.9311, 30.3609)) == pytest.approx(634, abs=3)


@pytest.mark.parametrize("seed", range(60))
def test_it_is_optimal_against_brute_force(seed: int) -> None:
    schools, curators = random_case(random.Random(seed))
    result = solve(schools, curators, NEIGHBOURS)
    assert result.unassigned == []
    assert result.total == pytest.approx(brute_force(schools, curators), abs=1e-6)
    load: dict[str, int] = {}
    for p in result.pairs:
        load[p.curator] = load.get(p.curator, 0) + 1
    assert all(load.get(c.id, 0) <= c.capacity for c in curators)
    assert result.total <= greedy(schools, curators, NEIGHBOURS).total + 1e-6


def test_greedy_can_be_worse() -> None:
    """S1 comes first and takes the curator S2 needs more."""
    schools = [School("S1", Place("B")), School("S2", Place("A"))]
    curators = [Curator("X", Place("B"), 1), Curator("Y", Place("C"), 1)]
    # S1: X 10 (same), Y 40 (neighbouring). S2: X 40, Y 120 (other).
    # Greedy: S1→X, S2→Y = 130. Optimum: S1→Y, S2→X = 80.
    assert greedy(schools, curators, NEIGHBOURS).total == 130
    result = solve(schools, curators, NEIGHBOURS)
    assert result.total == 80 and result.curator_of() == {"S1": "Y", "S2": "X"}


def test_pins_forbids_and_capacity() -> None:
    schools = [School("S1", Place("A")), School("S2", Place("A")), School("S3", Place("A"))]
    curators = [Curator("X", Place("A"), 2), Curator("Y", Place("C"), 2)]
    free = solve(schools, curators, NEIGHBOURS)
    assert sorted(free.curator_of().values()).count("X") == 2
    pinned = solve(schools, curators, NEIGHBOURS, pinned={"S1": "Y"})
    assert pinned.curator_of()["S1"] == "Y"
    banned = solve(schools, curators, NEIGHBOURS, forbidden=[("S2", "X"), ("S3", "X")])
    assert banned.curator_of() == {"S1": "X", "S2": "Y", "S3": "Y"}
    # Not enough room: as many as possible are placed, the rest named.
    short = solve(schools, [Curator("X", Place("A"), 2)], NEIGHBOURS)
    assert len(short.pairs) == 2 and len(short.unassigned) == 1
    with pytest.raises(MatchingError, match="вместимость — 1"):
        solve(schools, [Curator("X", Place("A"), 1)], NEIGHBOURS, pinned={"S1": "X", "S2": "X"})
    with pytest.raises(MatchingError, match="одновременно закреплена и запрещена"):
        solve(schools, curators, NEIGHBOURS, pinned={"S1": "X"}, forbidden=[("S1", "X")])


def test_strengths_decide_between_equally_near_curators() -> None:
    s = School("S", Place("A"), frozenset({"R03"}))
    curators = [Curator("plain", Place("A"), 3), Curator("strong", Place("A"), 3, frozenset({"R03"}))]
    result = solve([s], curators, NEIGHBOURS, costs=Costs())
    assert result.pairs[0].curator == "strong" and result.pairs[0].covered == frozenset({"R03"})


@pytest.mark.parametrize("seed", range(12))
def test_a_sparse_start_reaches_the_same_optimum(seed: int) -> None:
    """Starting from each school's two cheapest curators, the reduced-cost check adds what is
    needed: the total equals the solve over every arc, with pins and forbids too."""
    rng = random.Random(1000 + seed)
    factors = ["R01", "R02", "R03", "R06", "R09", "math", "rus"]
    munis = ["A", "B", "C"]

    def place() -> Place:
        if rng.random() < 0.5:
            return Place(rng.choice(munis), 50 + rng.random() * 3, 40 + rng.random() * 3)
        return Place(rng.choice(munis))

    schools = [School(f"S{i:02d}", place(), frozenset(rng.sample(factors, rng.randint(0, 3)))) for i in range(40)]
    curators = [
        Curator(f"C{j:02d}", place(), rng.randint(1, 3), frozenset(rng.sample(factors, rng.randint(0, 4))))
        for j in range(15)
    ]
    pinned = {"S00": "C03"}
    forbidden = [("S01", curators[0].id), ("S02", curators[1].id)]
    dense = solve(schools, curators, NEIGHBOURS, pinned=pinned, forbidden=forbidden, candidates=0)
    sparse = solve(schools, curators, NEIGHBOURS, pinned=pinned, forbidden=forbidden, candidates=2)
    assert sparse.total == pytest.approx(dense.total, abs=1e-6)
    assert len(sparse.unassigned) == len(dense.unassigned)  # which ones may differ between equal optima
    assert sparse.curator_of()["S00"] == "C03"
    assert ("S01", curators[0].id) not in {(p.school, p.curator) for p in sparse.pairs}
    assert greedy(schools, curators, NEIGHBOURS).total >= dense.total - 1e-6


def test_greedy_with_no_curator_left_leaves_every_school_unassigned() -> None:
    """When the pins take every curator's room, the by-hand baseline has nobody to give the rest to."""
    schools = [School("s1", Place("m1")), School("s2", Place("m1"))]
    assert greedy(schools, []) == Assignment([], ["s1", "s2"])


def test_greedy_never_takes_a_forbidden_curator() -> None:
    """S1 would take X (same municipality, 10); forbidden, it takes Y (neighbouring, 40)."""
    schools = [School("S1", Place("B"))]
    curators = [Curator("X", Place("B"), 1), Curator("Y", Place("C"), 1)]
    assert greedy(schools, curators, NEIGHBOURS).curator_of() == {"S1": "X"}
    chosen = greedy(schools, curators, NEIGHBOURS, forbidden=[("S1", "X")])
    assert chosen.curator_of() == {"S1": "Y"} and chosen.total == 40
    assert greedy(schools, curators, NEIGHBOURS, forbidden=[("S1", "X"), ("S1", "Y")]).unassigned == ["S1"]


def test_greedy_takes_the_schools_in_their_order_and_prices_by_the_given_costs() -> None:
    """Three schools of B in turn, one curator of room 1 in B and two farther: the first takes the
    near one. With the cost of a neighbour doubled, the totals follow the costs given. No school, no
    pairs; a school that no curator may take leaves the next ones their turn."""
    schools = [School("S1", Place("B")), School("S2", Place("B")), School("S3", Place("B"))]
    curators = [Curator("X", Place("B"), 1), Curator("Y", Place("C"), 1), Curator("Z", Place("C"), 1)]
    result = greedy(schools, curators, NEIGHBOURS)
    assert result.curator_of() == {"S1": "X", "S2": "Y", "S3": "Z"} and result.total == 10 + 40 + 40
    dear = Costs(neighbouring=80.0)
    assert greedy(schools, curators, NEIGHBOURS, costs=dear).total == 10 + 80 + 80
    assert greedy([], curators).pairs == [] and greedy([], curators).unassigned == []
    blocked = greedy(schools, curators, NEIGHBOURS, forbidden=[("S1", c.id) for c in curators])
    assert blocked.unassigned == ["S1"] and blocked.curator_of() == {"S2": "X", "S3": "Y"}
