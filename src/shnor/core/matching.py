"""Curators for selected schools: an exact minimum-cost assignment (DOMAIN §5; seeds 001, 004).

Pure: no Django. Each supported school gets one curator; a curator takes at most its capacity
(seed 001: a curator group is one curator and 2–3 schools). The cost of a pair is

    distance + gap_penalty × (the school's weaknesses the curator is not strong in)

where the distance is the great-circle distance in km when both have coordinates, otherwise a
fixed cost for the same, a neighbouring or another municipality. Pinned pairs are forced,
forbidden pairs never used. The problem is solved exactly as a min-cost flow (OR-Tools):

    source → school (capacity 1) → curator (capacity 1, cost of the pair) → sink (capacity of the curator)

A school no curator can take goes to an «unassigned» node whose cost exceeds any real pair, so
the solver assigns as many schools as possible and names the rest. `greedy` is the baseline a
person would do by hand (each school in turn takes its cheapest curator with room left).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow

SCALE = 100  # costs are integers for the solver: hundredths of a km


@dataclass(frozen=True)
class Place:
    municipality: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class School:
    id: str
    place: Place
    weaknesses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Curator:
    id: str
    place: Place
    capacity: int
    strengths: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Costs:
    same_municipality: float = 10.0
    neighbouring: float = 40.0
    other: float = 120.0
    gap_penalty: float = 25.0


@dataclass(frozen=True)
class Pair:
    school: str
    curator: str
    cost: float
    distance: float
    distance_basis: str  # "km" | "same" | "neighbouring" | "other"
    covered: frozenset[str]
    uncovered: frozenset[str]


@dataclass
class Assignment:
    pairs: list[Pair]
    unassigned: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(p.cost for p in self.pairs), 6)

    def curator_of(self) -> dict[str, str]:
        return {p.school: p.curator for p in self.pairs}


def haversine(a: Place, b: Place) -> float:
    assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
    r = 6371.0
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def pair(school: School, curator: Curator, neighbours: Mapping[str, frozenset[str]], costs: Costs = Costs()) -> Pair:
    """The cost of one pair and why."""
    a, b = school.place, curator.place
    if None not in (a.lat, a.lon, b.lat, b.lon):
        distance, basis = haversine(a, b), "km"
    elif a.municipality == b.municipality:
        distance, basis = costs.same_municipality, "same"
    elif b.municipality in neighbours.get(a.municipality, frozenset()):
        distance, basis = costs.neighbouring, "neighbouring"
    else:
        distance, basis = costs.other, "other"
    covered = school.weaknesses & curator.strengths
    uncovered = school.weaknesses - curator.strengths
    cost = distance + costs.gap_penalty * len(uncovered)
    return Pair(school.id, curator.id, round(cost, 6), round(distance, 3), basis, covered, uncovered)


class MatchingError(ValueError):
    """The input cannot be matched as given; the message says why, in Russian."""


def _check(
    schools: list[School], curators: list[Curator], pinned: Mapping[str, str], forbidden: set[tuple[str, str]]
) -> None:
    ids = {c.id for c in curators}
    school_ids = {s.id for s in schools}
    for school_id, curator_id in pinned.items():
        if school_id not in school_ids or curator_id not in ids:
            raise MatchingError(f"Закреплённая пара {school_id} — {curator_id}: такой школы или куратора нет в задаче.")
        if (school_id, curator_id) in forbidden:
            raise MatchingError(f"Пара {school_id} — {curator_id} одновременно закреплена и запрещена.")
    load: dict[str, int] = {}
    for curator_id in pinned.values():
        load[curator_id] = load.get(curator_id, 0) + 1
    for c in curators:
        if c.capacity < 0:
            raise MatchingError(f"Куратор {c.id}: вместимость не может быть отрицательной.")
        if load.get(c.id, 0) > c.capacity:
            raise MatchingError(f"За куратором {c.id} закреплено школ: {load[c.id]}, а его вместимость — {c.capacity}.")


def solve(
    schools: Iterable[School],
    curators: Iterable[Curator],
    neighbours: Mapping[str, frozenset[str]] | None = None,
    *,
    costs: Costs = Costs(),
    pinned: Mapping[str, str] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
) -> Assignment:
    """The assignment of least total cost that places as many schools as capacity allows."""
    schools, curators = list(schools), list(curators)
    neighbours = neighbours or {}
    pinned = dict(pinned or {})
    banned = set(forbidden)
    _check(schools, curators, pinned, banned)
    if not schools:
        return Assignment([])
    table = {(s.id, c.id): pair(s, c, neighbours, costs) for s in schools for c in curators}
    worst = max((p.cost for p in table.values()), default=0.0)
    unassigned_cost = int(round((worst + 1.0) * SCALE * (len(schools) + 1)))

    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink, nobody = 0, 1, 2
    school_node = {s.id: 3 + i for i, s in enumerate(schools)}
    curator_node = {c.id: 3 + len(schools) + j for j, c in enumerate(curators)}
    arcs: dict[int, tuple[str, str]] = {}
    for s in schools:
        flow.add_arc_with_capacity_and_unit_cost(source, school_node[s.id], 1, 0)
        options = [pinned[s.id]] if s.id in pinned else [c.id for c in curators]
        for c_id in options:
            if (s.id, c_id) in banned:
                continue
            arc = flow.add_arc_with_capacity_and_unit_cost(
                school_node[s.id], curator_node[c_id], 1, int(round(table[(s.id, c_id)].cost * SCALE))
            )
            arcs[arc] = (s.id, c_id)
        if s.id not in pinned:
            flow.add_arc_with_capacity_and_unit_cost(school_node[s.id], nobody, 1, unassigned_cost)
    for c in curators:
        flow.add_arc_with_capacity_and_unit_cost(curator_node[c.id], sink, c.capacity, 0)
    flow.add_arc_with_capacity_and_unit_cost(nobody, sink, len(schools), 0)
    flow.set_node_supply(source, len(schools))
    flow.set_node_supply(sink, -len(schools))
    status = flow.solve()
    if status != flow.OPTIMAL:
        # Only pinned schools lack the «unassigned» way out: their curator's arc must be forbidden.
        raise MatchingError("Назначение невозможно: проверьте закреплённые и запрещённые пары.")
    pairs = [table[arcs[a]] for a in arcs if flow.flow(a) > 0]
    placed = {p.school for p in pairs}
    order = {s.id: i for i, s in enumerate(schools)}
    pairs.sort(key=lambda p: order[p.school])
    return Assignment(pairs, [s.id for s in schools if s.id not in placed])


def greedy(
    schools: Iterable[School],
    curators: Iterable[Curator],
    neighbours: Mapping[str, frozenset[str]] | None = None,
    *,
    costs: Costs = Costs(),
) -> Assignment:
    """Each school in turn takes the cheapest curator with room left (the by-hand baseline)."""
    neighbours = neighbours or {}
    curators = list(curators)
    room = {c.id: c.capacity for c in curators}
    pairs, unassigned = [], []
    for s in schools:
        options = sorted(
            (pair(s, c, neighbours, costs) for c in curators if room[c.id] > 0), key=lambda p: (p.cost, p.curator)
        )
        if not options:
            unassigned.append(s.id)
            continue
        best = options[0]
        room[best.curator] -= 1
        pairs.append(best)
    return Assignment(pairs, unassigned)
