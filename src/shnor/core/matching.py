"""Curators for selected schools: an exact minimum-cost assignment (docs/guide/support.md; acts 001, 004).

Pure: no Django. Each supported school gets one curator; a curator takes at most its capacity
(act 001: a curator group is one curator and 2–3 schools). The cost of a pair is

    distance + gap_penalty × (the school's weaknesses the curator is not strong in)

where the distance is the great-circle distance in km when both have coordinates, otherwise a
fixed cost for the same, a neighbouring or another municipality. Pinned pairs are forced,
forbidden pairs never used. The problem is solved exactly as a min-cost flow (OR-Tools):

    source → school (capacity 1) → curator (capacity 1, cost of the pair) → sink (capacity of the curator)

A school no curator can take goes to an «unassigned» node whose cost exceeds any real pair, so
the solver assigns as many schools as possible and names the rest. `greedy` is the baseline a
person would do by hand (each school in turn takes its cheapest curator with room left).

Costs are computed as numpy blocks, never pair by pair. A small problem gets every arc. A
large one (thousands of schools and curators) first gets each school's `candidates` cheapest
curators. The flow on that graph is then checked against every arc left out: node potentials
come from Bellman-Ford on the residual graph, and an arc left out with a negative reduced cost
could improve the solution, so it is added and the flow solved again. When no such arc
remains, the flow is optimal for the full problem. The result is exact either way, only faster.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from shnor.core.errors import DomainRefusal

SCALE = 100  # costs are integers for the solver: hundredths of a km
DENSE_ARCS = 2_000_000  # up to this many school × curator arcs, give the solver all of them
CANDIDATES = 24  # otherwise start from each school's cheapest curators


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
    rounds: int = 0  # arcs added by the optimality check (sparse start only)

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


class MatchingError(DomainRefusal, ValueError):
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


class _Problem:
    """The schools and curators as arrays, and the cost of any block of pairs."""

    def __init__(
        self,
        schools: list[School],
        curators: list[Curator],
        neighbours: Mapping[str, frozenset[str]],
        costs: Costs,
    ) -> None:
        self.schools, self.curators, self.costs = schools, curators, costs
        munis = sorted({s.place.municipality for s in schools} | {c.place.municipality for c in curators})
        index = {m: i for i, m in enumerate(munis)}
        near = np.zeros((len(munis), len(munis)), dtype=bool)
        for a, bs in neighbours.items():
            for b in bs:
                if a in index and b in index:
                    near[index[a], index[b]] = True
        self.near = near
        self.s_muni = np.array([index[s.place.municipality] for s in schools], dtype=np.int32)
        self.c_muni = np.array([index[c.place.municipality] for c in curators], dtype=np.int32)
        self.s_lat, self.s_lon, self.s_geo = self._coords([s.place for s in schools])
        self.c_lat, self.c_lon, self.c_geo = self._coords([c.place for c in curators])
        codes = sorted(set().union(*(s.weaknesses for s in schools), *(c.strengths for c in curators)))
        code = {c: i for i, c in enumerate(codes)}
        self.weak = np.zeros((len(schools), len(codes)), dtype=np.int32)
        for i, s in enumerate(schools):
            self.weak[i, [code[w] for w in s.weaknesses]] = 1
        self.strong = np.zeros((len(curators), len(codes)), dtype=np.int32)
        for j, c in enumerate(curators):
            self.strong[j, [code[w] for w in c.strengths]] = 1
        self.weak_count = self.weak.sum(axis=1)
        self.capacity = np.array([c.capacity for c in curators], dtype=np.int64)

    @staticmethod
    def _coords(places: list[Place]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        geo = np.array([p.lat is not None and p.lon is not None for p in places], dtype=bool)
        lat = np.radians(np.array([p.lat if p.lat is not None else 0.0 for p in places], dtype=float))
        lon = np.radians(np.array([p.lon if p.lon is not None else 0.0 for p in places], dtype=float))
        return lat, lon, geo

    def block(self, rows: slice) -> np.ndarray:
        """Integer costs (× SCALE) of the schools in `rows` against every curator."""
        c = self.costs
        s_lat, s_lon = self.s_lat[rows, None], self.s_lon[rows, None]
        h = (
            np.sin((self.c_lat[None, :] - s_lat) / 2) ** 2
            + np.cos(s_lat) * np.cos(self.c_lat[None, :]) * np.sin((self.c_lon[None, :] - s_lon) / 2) ** 2
        )
        km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
        sm = self.s_muni[rows, None]
        by_muni = np.where(
            sm == self.c_muni[None, :],
            c.same_municipality,
            np.where(self.near[sm, self.c_muni[None, :]], c.neighbouring, c.other),
        )
        geo = self.s_geo[rows, None] & self.c_geo[None, :]
        distance = np.where(geo, km, by_muni)
        gaps = self.weak_count[rows, None] - self.weak[rows] @ self.strong.T
        result: np.ndarray = np.rint((distance + c.gap_penalty * gaps) * SCALE).astype(np.int64)
        return result

    def blocks(self, size: int = 512) -> Iterable[tuple[int, np.ndarray]]:
        for i0 in range(0, len(self.schools), size):
            yield i0, self.block(slice(i0, min(i0 + size, len(self.schools))))


def _arcs(
    problem: _Problem, pinned: Mapping[str, str], banned: set[tuple[str, str]], candidates: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """School → curator arcs (row, column, integer cost): all of them, or each school's cheapest;
    and the dearest pair of the whole problem (the «unassigned» way out must cost more)."""
    m = len(problem.curators)
    c_index = {c.id: j for j, c in enumerate(problem.curators)}
    rows, cols, vals = [], [], []
    worst = 0
    for i0, block in problem.blocks():
        k = block.shape[0]
        worst = max(worst, int(block.max(initial=0)))
        if candidates is None or candidates >= m:
            r = np.repeat(np.arange(i0, i0 + k), m)
            col = np.tile(np.arange(m), k)
        else:
            part = np.argpartition(block, candidates - 1, axis=1)[:, :candidates]
            r = np.repeat(np.arange(i0, i0 + k), candidates)
            col = part.ravel()
        rows.append(r)
        cols.append(col)
        vals.append(block[r - i0, col])
    row, col, val = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    keep = np.ones(len(row), dtype=bool)
    pinned_rows = {i: c_index[pinned[s.id]] for i, s in enumerate(problem.schools) if s.id in pinned}
    if pinned_rows:
        pr = np.fromiter(pinned_rows.keys(), dtype=np.int64)
        keep &= ~np.isin(row, pr)
    if banned:
        s_index = {s.id: i for i, s in enumerate(problem.schools)}
        codes = {s_index[a] * m + c_index[b] for a, b in banned if a in s_index and b in c_index}
        if codes:
            keep &= ~np.isin(row * m + col, np.fromiter(codes, dtype=np.int64))
    row, col, val = row[keep], col[keep], val[keep]
    if pinned_rows:
        pr = np.fromiter(pinned_rows.keys(), dtype=np.int64)
        pc = np.fromiter(pinned_rows.values(), dtype=np.int64)
        pv = np.array([problem.block(slice(i, i + 1))[0, j] for i, j in zip(pr, pc, strict=True)], dtype=np.int64)
        row, col, val = np.concatenate([row, pr]), np.concatenate([col, pc]), np.concatenate([val, pv])
    return row, col, val, worst


class _Flow:
    """One min-cost flow over the given school → curator arcs, with the «unassigned» way out."""

    def __init__(
        self, problem: _Problem, arcs: tuple[np.ndarray, np.ndarray, np.ndarray], worst: int, pinned: set[int]
    ) -> None:
        row, col, val = arcs
        n, m = len(problem.schools), len(problem.curators)
        self.n, self.m = n, m
        source, sink, nobody = 0, 1, 2
        s_node = 3 + np.arange(n, dtype=np.int64)
        c_node = 3 + n + np.arange(m, dtype=np.int64)
        free = np.array([i for i in range(n) if i not in pinned], dtype=np.int64)
        ones = np.ones
        parts = [  # (tails, heads, capacities, costs)
            (np.zeros(n, dtype=np.int64), s_node, ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64)),
            (s_node[row], c_node[col], ones(len(row), dtype=np.int64), val.astype(np.int64)),
            (
                s_node[free],
                np.full(len(free), nobody, dtype=np.int64),
                ones(len(free), dtype=np.int64),
                np.full(len(free), (worst + SCALE) * (n + 1), dtype=np.int64),
            ),
            (c_node, np.full(m, sink, dtype=np.int64), problem.capacity, np.zeros(m, dtype=np.int64)),
            (np.array([nobody]), np.array([sink]), np.array([n]), np.array([0])),
        ]
        self.tails, self.heads, self.caps, self.costs = (np.concatenate([p[k] for p in parts]) for k in range(4))
        self.first, self.count = n, len(row)
        f = min_cost_flow.SimpleMinCostFlow()
        f.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, self.caps, self.costs)
        f.set_node_supply(source, n)
        f.set_node_supply(sink, -n)
        if f.solve() != f.OPTIMAL:
            # Only pinned schools lack the «unassigned» way out: their curator's arc must be forbidden.
            raise MatchingError("Назначение невозможно: проверьте закреплённые и запрещённые пары.")
        self.flows = f.flows(np.arange(len(self.tails)))

    def chosen(self) -> np.ndarray:
        """Indices into the school → curator arcs of those carrying flow."""
        return np.flatnonzero(self.flows[self.first : self.first + self.count] > 0)

    def potentials(self) -> np.ndarray:
        """Shortest-path distances on the residual graph (Bellman-Ford): optimal duals."""
        fwd = self.flows < self.caps
        back = self.flows > 0
        t = np.concatenate([self.tails[fwd], self.heads[back]])
        h = np.concatenate([self.heads[fwd], self.tails[back]])
        w = np.concatenate([self.costs[fwd], -self.costs[back]])
        dist = np.zeros(3 + self.n + self.m, dtype=np.int64)  # a virtual root at 0 to every node
        for _ in range(len(dist) + 1):
            before = dist.copy()
            np.minimum.at(dist, h, dist[t] + w)
            if np.array_equal(dist, before):
                return dist
        raise MatchingError("Внутренняя ошибка подбора: отрицательный цикл в остаточной сети.")


def _violations(
    problem: _Problem, dist: np.ndarray, have: set[int], banned_codes: set[int], pinned: set[int]
) -> list[tuple[int, int, int]]:
    """Arcs left out whose reduced cost is negative: cost + π(school) − π(curator) < 0."""
    n, m = len(problem.schools), len(problem.curators)
    pi_s, pi_c = dist[3 : 3 + n], dist[3 + n : 3 + n + m]
    found: list[tuple[int, int, int]] = []
    for i0, block in problem.blocks():
        k = block.shape[0]
        reduced = block + pi_s[i0 : i0 + k, None] - pi_c[None, :]
        rr, cc = np.nonzero(reduced < 0)
        for r, c in zip(rr + i0, cc, strict=True):
            code = int(r) * m + int(c)
            if code in have or code in banned_codes or int(r) in pinned:
                continue
            found.append((int(r), int(c), int(block[r - i0, c])))
    return found


def solve(
    schools: Iterable[School],
    curators: Iterable[Curator],
    neighbours: Mapping[str, frozenset[str]] | None = None,
    *,
    costs: Costs = Costs(),
    pinned: Mapping[str, str] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
    candidates: int | None = None,
) -> Assignment:
    """The assignment of least total cost that places as many schools as capacity allows.

    `candidates`: start from each school's cheapest curators (None: decide by problem size; 0:
    all arcs). The answer is the same; the certificate loop adds whatever arc it needs.
    """
    schools, curators = list(schools), list(curators)
    neighbours = neighbours or {}
    pinned = dict(pinned or {})
    banned = set(forbidden)
    _check(schools, curators, pinned, banned)
    if not schools:
        return Assignment([])
    problem = _Problem(schools, curators, neighbours, costs)
    n, m = len(schools), len(curators)
    if candidates is None:
        candidates = 0 if n * m <= DENSE_ARCS else CANDIDATES
    sparse = 0 < candidates < m
    row, col, val, worst = _arcs(problem, pinned, banned, candidates if sparse else None)
    pinned_rows = {i for i, s in enumerate(schools) if s.id in pinned}
    c_index = {c.id: j for j, c in enumerate(curators)}
    s_index = {s.id: i for i, s in enumerate(schools)}
    banned_codes = {s_index[a] * m + c_index[b] for a, b in banned if a in s_index and b in c_index}
    flow = _Flow(problem, (row, col, val), worst, pinned_rows)
    rounds = 0
    while sparse:
        have = set((row * m + col).tolist())
        missing = _violations(problem, flow.potentials(), have, banned_codes, pinned_rows)
        if not missing:
            break
        rounds += 1
        extra = np.array(missing, dtype=np.int64)
        row = np.concatenate([row, extra[:, 0]])
        col = np.concatenate([col, extra[:, 1]])
        val = np.concatenate([val, extra[:, 2]])
        flow = _Flow(problem, (row, col, val), worst, pinned_rows)
    take = flow.chosen()
    pairs = [
        pair(schools[int(r)], curators[int(c)], neighbours, costs) for r, c in zip(row[take], col[take], strict=True)
    ]
    placed = {p.school for p in pairs}
    order = {s.id: i for i, s in enumerate(schools)}
    pairs.sort(key=lambda p: order[p.school])
    return Assignment(pairs, [s.id for s in schools if s.id not in placed], rounds=rounds)


def greedy(
    schools: Iterable[School],
    curators: Iterable[Curator],
    neighbours: Mapping[str, frozenset[str]] | None = None,
    *,
    costs: Costs = Costs(),
    forbidden: Iterable[tuple[str, str]] = (),
) -> Assignment:
    """Each school in turn takes the cheapest curator with room left (the by-hand baseline), never a
    forbidden one (school id, curator id), as a person matching by hand would not.

    Ties go to the curator whose id sorts first.
    """
    banned = set(forbidden)
    schools, curators = list(schools), list(curators)
    neighbours = neighbours or {}
    if not schools:
        return Assignment([])
    if not curators:  # every curator's room taken (by the pins): nobody to take a school in turn
        return Assignment([], [s.id for s in schools])
    problem = _Problem(schools, curators, neighbours, costs)
    by_id = np.argsort(np.array([c.id for c in curators], dtype=object), kind="stable")
    room = problem.capacity[by_id].copy()
    pairs, unassigned = [], []
    for i0, block in problem.blocks():
        block = block[:, by_id].astype(float)
        for k in range(block.shape[0]):
            s = schools[i0 + k]
            options = np.where(room > 0, block[k], np.inf)
            for j, c in enumerate(by_id):
                if (s.id, curators[int(c)].id) in banned:
                    options[j] = np.inf
            j = int(np.argmin(options))
            if not np.isfinite(options[j]):
                unassigned.append(s.id)
                continue
            room[j] -= 1
            pairs.append(pair(s, curators[int(by_id[j])], neighbours, costs))
    return Assignment(pairs, unassigned)


# --- curator groups (act 001) ---------------------------------------------------------------------

NONE = "none"  # the «problem» of a school with no fixed risk and no weak subject
GROUP_LIMIT = 6.0  # deterministic solver time per stage of curator groups (see docs/guide/support.md)
GROUP_NEAREST = 12  # a school joins one of its this many cheapest curators with room


@dataclass(frozen=True)
class GroupRules:
    """Act 001 (разд. 4, направление 3): «Кураторские группы состоят из школы-куратора … и 2-3 школ»,
    «формируются по принципу территориальной расположенности, на основе общей выявленной проблемы»."""

    minimum: int = 2  # schools per group; the maximum is the curator's capacity
    shared_need: bool = True  # every school of a group has the group's problem among its weaknesses


@dataclass(frozen=True)
class Group:
    curator: str
    schools: tuple[str, ...]
    theme: str | None  # the problem its schools share (NONE: none has an identified problem); None: not asked
    short: bool  # fewer schools than the minimum
    outside: tuple[str, ...]  # schools of the group without its problem


@dataclass
class Grouping(Assignment):
    groups: list[Group] = field(default_factory=list)
    optimal: bool = True
    bound: float = 0.0  # the exact pairing's cost, which no grouping can undercut

    @property
    def departures(self) -> dict[str, int]:
        """How many groups are smaller than the act's minimum, and how many schools lack their group's problem."""
        return {
            "short": sum(g.short for g in self.groups),
            "outside": sum(len(g.outside) for g in self.groups),
        }


def groups(
    schools: Iterable[School],
    curators: Iterable[Curator],
    neighbours: Mapping[str, frozenset[str]] | None = None,
    *,
    rules: GroupRules = GroupRules(),
    costs: Costs = Costs(),
    pinned: Mapping[str, str] | None = None,
    forbidden: Iterable[tuple[str, str]] = (),
    time_limit: float = GROUP_LIMIT,
    nearest: int = GROUP_NEAREST,
) -> Grouping:
    """Curator groups of one curator and `minimum`–capacity schools sharing a problem, at least cost.

    The act's group rules are soft, ranked below placing a school and above cost, and solved in
    two stages (CP-SAT):

    1. as many schools placed as the exact pairing (`solve`) places, and the fewest departures:
       places missing from groups smaller than the minimum, plus schools without their group's
       problem;
    2. with no more departures than that, the least total cost.

    So a school is never left without a curator to make a group fit the act, and a departure is
    shown (`Group.short`, `Group.outside`) only where no arrangement avoids it. A group's problem
    is one of the weaknesses every school in it has (schools with none share the «no problem»
    theme); among the problems its schools share, the one the curator is strong in is named.

    The territorial principle of the act bounds the search: a school may join one of its
    `nearest` cheapest curators, its pinned one, or the one the exact pairing gave it. The solver
    runs on one worker with a deterministic time limit, so the same data give the same groups;
    `optimal` says whether both stages were proved optimal within it, and `bound` is the
    exact pairing's cost: no grouping can cost less.
    """
    schools, curators = list(schools), list(curators)
    neighbours = neighbours or {}
    pinned = dict(pinned or {})
    banned = set(forbidden)
    _check(schools, curators, pinned, banned)
    if rules.minimum < 1:
        raise MatchingError("Наименьшее число школ в кураторской группе должно быть не меньше одной.")
    if not schools:
        return Grouping([])
    problem = _Problem(schools, curators, neighbours, costs)
    flow = solve(schools, curators, neighbours, costs=costs, pinned=pinned, forbidden=banned)
    arcs, cost, hint = _group_arcs(problem, flow, pinned, banned, nearest)
    chosen, optimal = _group_stages(problem, arcs, cost, hint, pinned, rules, len(flow.pairs), time_limit)
    members: dict[int, list[int]] = {}
    for (r, c), taken in zip(arcs, chosen, strict=True):
        if taken:
            members.setdefault(c, []).append(r)
    pairs: list[Pair] = []
    found: list[Group] = []
    for j in sorted(members):
        rows_ = sorted(members[j])
        found.append(_group(curators[j], [schools[r] for r in rows_], rules))
        pairs += [pair(schools[r], curators[j], neighbours, costs) for r in rows_]
    order = {s.id: i for i, s in enumerate(schools)}
    pairs.sort(key=lambda p: order[p.school])
    placed = {p.school for p in pairs}
    return Grouping(
        pairs, [s.id for s in schools if s.id not in placed], groups=found, optimal=optimal, bound=flow.total
    )


def _group_arcs(
    problem: _Problem, flow: Assignment, pinned: Mapping[str, str], banned: set[tuple[str, str]], nearest: int
) -> tuple[list[tuple[int, int]], list[int], set[tuple[int, int]]]:
    """The school → curator arcs groups may use (each school's `nearest` curators with room, its
    pinned one, the one the exact pairing gave it), their integer costs, and the exact pairing's
    arcs (a solution the model always has)."""
    schools, curators = problem.schools, problem.curators
    s_index = {s.id: i for i, s in enumerate(schools)}
    c_index = {c.id: j for j, c in enumerate(curators)}
    # A curator whose places the pins fill takes no one else: its arcs would only crowd out others.
    pinned_load: dict[str, int] = {}
    for c_id in pinned.values():
        pinned_load[c_id] = pinned_load.get(c_id, 0) + 1
    closed = np.array([j for j, c in enumerate(curators) if c.capacity - pinned_load.get(c.id, 0) <= 0], dtype=np.int64)
    wanted = nearest + len(closed)
    row, col, val, _worst = _arcs(problem, pinned, banned, wanted if wanted < len(curators) else None)
    keep = ~np.isin(col, closed) | np.isin(row, np.array(sorted(s_index[s] for s in pinned), dtype=np.int64))
    row, col, val = row[keep], col[keep], val[keep]
    hint = {(s_index[p.school], c_index[p.curator]) for p in flow.pairs}
    extra = sorted(hint - set(zip(row.tolist(), col.tolist(), strict=True)))
    arcs = list(zip(row.tolist(), col.tolist(), strict=True)) + extra
    # Hundredths of a km, as the exact pairing counts them: a coarser unit could prefer a dearer grouping.
    cost = [int(v) for v in val.tolist()] + [int(problem.block(slice(r, r + 1))[0, c]) for r, c in extra]
    return arcs, cost, hint


def _group_stages(
    problem: _Problem,
    arcs: list[tuple[int, int]],
    cost: list[int],
    hint: set[tuple[int, int]],
    pinned: Mapping[str, str],
    rules: GroupRules,
    placed: int,
    time_limit: float,
) -> tuple[list[bool], bool]:
    """Which arcs the groups take, and whether both stages were proved optimal."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in range(len(arcs))]
    departures = _group_model(model, problem, arcs, x, pinned, rules, placed)
    for k, arc in enumerate(arcs):
        model.add_hint(x[k], arc in hint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2  # the assignment's LP relaxation: proves the demo optimal in seconds
    solver.parameters.max_deterministic_time = time_limit / 2
    found_ok = (cp_model.OPTIMAL, cp_model.FEASIBLE)
    model.minimize(departures)
    first = solver.solve(model)
    # The model is never infeasible (the exact pairing is one of its solutions): a stage without an
    # answer ran out of time, and the best answer so far stands (at worst, the exact pairing).
    if first not in found_ok:
        return [arc in hint for arc in arcs], False
    chosen = [solver.boolean_value(v) for v in x]
    model.add(departures <= round(solver.objective_value))
    model.clear_hints()  # type: ignore[no-untyped-call]  # untyped in ortools 9.15
    for v, taken in zip(x, chosen, strict=True):
        model.add_hint(v, taken)
    model.minimize(sum(c * v for c, v in zip(cost, x, strict=True)))
    second = solver.solve(model)
    if second in found_ok:
        chosen = [solver.boolean_value(v) for v in x]
    return chosen, first == second == cp_model.OPTIMAL


def _group_model(
    model: Any,
    problem: _Problem,
    arcs: list[tuple[int, int]],
    x: list[Any],
    pinned: Mapping[str, str],
    rules: GroupRules,
    placed: int,
) -> Any:
    """The constraints of groups on `model`; returns the count of departures (places missing below
    the minimum, plus schools outside their group's problem) as a linear expression."""
    schools, curators = problem.schools, problem.curators
    themes_of = [sorted(s.weaknesses) or [NONE] for s in schools]
    pinned_rows = {i for i, s in enumerate(schools) if s.id in pinned}
    by_school: list[list[int]] = [[] for _ in schools]
    by_curator: list[list[int]] = [[] for _ in curators]
    for k, (r, c) in enumerate(arcs):
        by_school[r].append(k)
        by_curator[c].append(k)
    for i, ks in enumerate(by_school):
        (model.add_exactly_one if i in pinned_rows else model.add_at_most_one)(x[k] for k in ks)
    model.add(sum(x) == placed)
    departures: list[Any] = []
    z: dict[tuple[int, str], Any] = {}
    for j, curator in enumerate(curators):
        if not by_curator[j]:
            continue
        load = sum(x[k] for k in by_curator[j])
        used = model.new_bool_var(f"y{j}")
        model.add(load <= curator.capacity * used)
        model.add(load >= used)
        if rules.minimum > 1:
            short = model.new_int_var(0, rules.minimum - 1, f"short{j}")
            departures.append(short)
            model.add(load + short >= rules.minimum * used)
        if rules.shared_need:
            options = sorted({t for k in by_curator[j] for t in themes_of[arcs[k][0]]})
            for t in options:
                z[j, t] = model.new_bool_var(f"z{j}_{t}")
            model.add(sum(z[j, t] for t in options) == used)
    if rules.shared_need:
        for k, (r, c) in enumerate(arcs):
            out = model.new_bool_var(f"out{k}")
            departures.append(out)
            model.add(x[k] <= sum(z[c, t] for t in themes_of[r]) + out)
    return sum(departures)


def _group(curator: Curator, members: list[School], rules: GroupRules) -> Group:
    """A curator's group: the problem its schools share (the curator's strength first), and its departures."""
    themes = [set(s.weaknesses) or {NONE} for s in members]
    short = len(members) < rules.minimum
    if not rules.shared_need:
        return Group(curator.id, tuple(s.id for s in members), None, short, ())
    counts: dict[str, int] = {}
    for ts in themes:
        for t in ts:
            counts[t] = counts.get(t, 0) + 1
    # The most widely shared problem; among equals, one the curator is strong in, then by code.
    theme = min(counts, key=lambda t: (-counts[t], t not in curator.strengths, t))
    outside = tuple(s.id for s, ts in zip(members, themes, strict=True) if theme not in ts)
    return Group(curator.id, tuple(s.id for s in members), theme, short, outside)
