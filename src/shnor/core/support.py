"""The support network and teachers' growth: rules a preset sets, and the pure logic behind them
(docs/guide/support.md; acts 000, 001, 003, 004).

Curators. Act 004 names four criteria of a curator school: stably high results, the status of
a regional innovation site, a strong head, a motivated head. The first two are computed here
from the data; the last two only a person can judge, so the operator marks them. Act 004's table
of clusters names resilient schools (high results in a hard social context), which a preset may
take as candidates; act 001 names schools with positive dynamics, effective schools and base
(leading) schools, the base school being the base organisation of an infrastructure body.

Teachers. A diagnostic gives a score per area; an area is a deficit when the share of the
maximum is below the preset's threshold. A route (ИОМ) is proposed from the catalogue: for the
deepest deficit first, the offer that covers the most still uncovered deficits (fewer hours on
a tie). Repeated diagnostics give the change per area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shnor.core.matching import GROUP_NEAREST, Costs, GroupRules

FORMS = {
    "pair": "сетевая пара",
    "group": "кураторская группа",
    "consulting": "школа — консалтинговый центр",
    "resource": "ресурсный центр",
}

CRITERIA = {
    "stable_high": "стабильно высокие образовательные результаты",
    "positive_dynamics": "положительная динамика результатов",
    "resilient": "резильентная школа (высокие результаты в сложном социальном контексте)",
    "innovation_site": "статус региональной инновационной площадки",
    "base_school": "базовая (ведущая) школа",
    "strong_head": "высокий уровень профессиональных компетенций руководителя",
    "motivated_head": "высокая мотивация руководителя к участию в проекте",
}
COMPUTED = ("stable_high", "positive_dynamics", "resilient", "innovation_site", "base_school")
MARKED = ("strong_head", "motivated_head")

AREAS = {
    "subject": "предметные компетенции",
    "methodical": "методические компетенции",
    "psych_ped": "психолого-педагогические компетенции",
    "assessment": "оценочные компетенции",
    "digital": "цифровые компетенции",
}


class CuratorRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A school enters the pool as a candidate when it meets at least one of these (computed).
    candidate_if_any: list[str] = Field(default_factory=lambda: ["stable_high", "resilient", "innovation_site"])
    # All of these must hold (computed or marked) before the operator may include it.
    required: list[str] = Field(default_factory=lambda: ["strong_head", "motivated_head"])
    # «Stably high»: ИОР in each year of the window at or above this regional quantile.
    high_quantile: float = Field(default=0.75, gt=0, lt=1)
    # Positive dynamics: the last year's ИОР above the first year's by at least this (pupil SD).
    dynamics_delta: float = Field(default=0.1, ge=0)
    # Strong in a subject: its latest z at or above this; weak: at or below minus it.
    subject_z: float = Field(default=0.3, gt=0)
    capacity: int = Field(default=3, ge=1, le=20)


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trained_per_school: int | None = Field(default=None, ge=1)
    trained_total: int | None = Field(default=None, ge=1)
    coverage: float | None = Field(default=None, gt=0, le=1)  # share of teachers of the selected schools diagnosed
    agreements: int | None = Field(default=None, ge=1)
    events_per_year: int | None = Field(default=None, ge=1)
    # Share of listed schools (0–1) where parents' dissatisfaction with teaching fell over the year
    # (act 002: «повышение степени удовлетворённости родителей качеством образования»).
    parents: float | None = Field(default=None, gt=0, le=1)


class GroupSettings(BaseModel):
    """How curator groups are formed (act 001, разд. 4, направление 3: «школы-куратора … и 2-3 школ»,
    «по принципу территориальной расположенности, на основе общей выявленной проблемы»). The
    defaults ask nothing of a group: a curator takes 1 to its capacity schools, as in pairs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minimum: int = Field(default=1, ge=1, le=20)  # schools per curator; the maximum is the capacity
    shared_need: bool = False  # every school of a group has the group's problem among its weaknesses
    nearest: int = Field(default=GROUP_NEAREST, ge=1, le=200)  # a school joins one of its nearest curators

    @property
    def asked(self) -> bool:
        return self.minimum > 1 or self.shared_need

    def rules(self) -> GroupRules:
        return GroupRules(self.minimum, self.shared_need)


class SupportRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    form: str = Field(default="pair", pattern="^(pair|group|consulting|resource)$")
    curators: CuratorRules = CuratorRules()
    group: GroupSettings = GroupSettings()
    same_municipality: float = 10.0
    neighbouring: float = 40.0
    other: float = 120.0
    gap_penalty: float = 25.0
    inactive_weeks: int = Field(default=6, ge=1, le=52)
    deficit_threshold: float = Field(default=0.6, gt=0, lt=1)
    areas: dict[str, str] = Field(default_factory=lambda: dict(AREAS))
    targets: Targets = Targets()

    def costs(self) -> Costs:
        return Costs(self.same_municipality, self.neighbouring, self.other, self.gap_penalty)

    @model_validator(mode="after")
    def _group_fits(self) -> SupportRules:
        if self.group.minimum > self.curators.capacity:
            raise ValueError(
                f"support.group.minimum ({self.group.minimum}) больше вместимости куратора "
                f"support.curators.capacity ({self.curators.capacity})"
            )
        return self

    @property
    def grouped(self) -> bool:
        """Curator groups under the act's rules, rather than pairs of least cost."""
        return self.form == "group" and self.group.asked


# --- curators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What the data say about a school, for the curator criteria."""

    per_year: Mapping[int, float]  # ИОР by year of the window
    cluster: str = ""
    innovation_site: bool = False
    base_school: bool = False  # the base organisation of an active infrastructure body (act 001)


def thresholds(records: Iterable[Record], quantile: float) -> dict[int, float]:
    """The regional ИОР at `quantile` for each year (linear interpolation)."""
    by_year: dict[int, list[float]] = {}
    for r in records:
        for year, value in r.per_year.items():
            by_year.setdefault(year, []).append(value)
    result = {}
    for year, values in by_year.items():
        values.sort()
        pos = quantile * (len(values) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(values) - 1)
        result[year] = values[lo] + (values[hi] - values[lo]) * (pos - lo)
    return result


def criteria(record: Record, cuts: Mapping[int, float], rules: CuratorRules) -> dict[str, bool]:
    """The computed criteria of one school."""
    years = sorted(record.per_year)
    stable = len(years) >= 2 and all(record.per_year[y] >= cuts.get(y, float("inf")) for y in years)
    dynamics = len(years) >= 2 and record.per_year[years[-1]] - record.per_year[years[0]] >= rules.dynamics_delta
    return {
        "stable_high": stable,
        "positive_dynamics": dynamics,
        "resilient": record.cluster == "resilient",
        "innovation_site": record.innovation_site,
        "base_school": record.base_school,
    }


def is_candidate(met: Mapping[str, bool], rules: CuratorRules) -> bool:
    return any(met.get(c, False) for c in rules.candidate_if_any)


def missing(met: Mapping[str, bool], rules: CuratorRules) -> list[str]:
    """The required criteria not (yet) met, in the preset's order."""
    return [c for c in rules.required if not met.get(c, False)]


def rank(met: Mapping[str, bool]) -> tuple[int, ...]:
    """Order of the pool: resilient first, then stably high, dynamics, innovation site, base school."""
    order = ("resilient", "stable_high", "positive_dynamics", "innovation_site", "base_school")
    return tuple(0 if met.get(c) else 1 for c in order)


def subject_codes(z_by_subject: Mapping[str, float], limit: float) -> tuple[frozenset[str], frozenset[str]]:
    """(strong, weak) subjects, as `subject:<name>` codes, from the latest z of each subject."""
    strong = frozenset(f"subject:{s}" for s, z in z_by_subject.items() if z >= limit)
    weak = frozenset(f"subject:{s}" for s, z in z_by_subject.items() if z <= -limit)
    return strong, weak


# --- teachers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """An entry of the course catalogue (ДПП ПК) or another activity a route may hold."""

    id: int
    title: str
    hours: int
    areas: frozenset[str]


def shares(scores: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """Share of the maximum per area; an area without a positive maximum is left out."""
    return {area: round(score / top, 4) for area, (score, top) in scores.items() if top > 0}


def deficits(scores: Mapping[str, tuple[float, float]], threshold: float) -> dict[str, float]:
    """Areas below the threshold, deepest first: area → share of the maximum."""
    below = {a: s for a, s in shares(scores).items() if s < threshold}
    return dict(sorted(below.items(), key=lambda kv: (kv[1], kv[0])))


def propose(found: Mapping[str, float], offers: Sequence[Offer]) -> list[tuple[Offer, frozenset[str]]]:
    """Offers that cover the deficits: for the deepest uncovered deficit, the offer covering the
    most uncovered deficits (fewer hours, then the lower id, on a tie). Returns (offer, areas it
    covers here). Deficits no offer addresses stay uncovered (see `uncovered`)."""
    left = list(found)  # deepest first
    route: list[tuple[Offer, frozenset[str]]] = []
    used: set[int] = set()
    while left:
        area = left[0]
        options = [o for o in offers if area in o.areas and o.id not in used]
        if not options:
            left.pop(0)
            continue
        best = min(options, key=lambda o: (-len(o.areas & set(left)), o.hours, o.id))
        covers = frozenset(best.areas & set(left))
        route.append((best, covers))
        used.add(best.id)
        left = [a for a in left if a not in covers]
    return route


def uncovered(found: Mapping[str, float], route: Iterable[tuple[Offer, frozenset[str]]]) -> list[str]:
    covered = set().union(*(areas for _, areas in route)) if route else set()
    return [a for a in found if a not in covered]


def dynamics(before: Mapping[str, tuple[float, float]], after: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """Change of the share of the maximum per area measured both times (+ = better)."""
    a, b = shares(before), shares(after)
    return {area: round(b[area] - a[area], 4) for area in sorted(a.keys() & b.keys())}


def overall(change: Mapping[str, float]) -> float | None:
    """Mean change over the areas; None when nothing was measured twice."""
    return round(sum(change.values()) / len(change), 4) if change else None


def diagnosed(rows: pd.DataFrame, year: int, threshold: float) -> pd.DataFrame:
    """Per teacher diagnosed in `year`, what `deficits`, `dynamics` and `overall` tell of their
    scores, for a whole region at once: `rows` has one row per teacher, year and area (columns
    teacher, year, area, score, max_score). The result, indexed by teacher, has the columns
    `deficits` (an area below the threshold in `year`), `repeated` (diagnosed the year before too)
    and `improved` (`overall(dynamics(before, after)) > 0`) — the same answers as those functions.

    Exactly the same: a share is Python's `round(score / max, 4)` of each distinct pair; a change
    per area is then a whole number of ten-thousandths, so the mean change rounds above zero when
    their sum is more than half the number of areas and below when less; a mean of exactly half a
    ten-thousandth rounds either way with the float sum's last bit, and those few teachers are
    asked of `overall` itself."""
    now = rows[rows["year"] == year]
    before = rows[rows["year"] == year - 1]
    out = pd.DataFrame(index=pd.Index(now["teacher"].unique(), name="teacher"))
    shared_now, shared_before = _shares(now), _shares(before)
    below = shared_now.loc[shared_now["share"] < threshold, "teacher"].unique()
    out["deficits"] = out.index.isin(below)
    out["repeated"] = out.index.isin(before["teacher"].unique())
    both = shared_now.merge(shared_before, on=["teacher", "area"], suffixes=("", "_before"))
    both["change"] = both["tenths"] - both["tenths_before"]  # ten-thousandths, exact
    per = both.groupby("teacher").agg(total=("change", "sum"), areas=("change", "size"))
    improved = set(per.index[2 * per["total"] > per["areas"]])
    for teacher in per.index[2 * per["total"] == per["areas"]]:  # a mean of exactly 0.00005
        pick = both[both["teacher"] == teacher]
        a = {r.area: (r.score_before, r.max_score_before) for r in pick.itertuples()}
        b = {r.area: (r.score, r.max_score) for r in pick.itertuples()}
        if (o := overall(dynamics(a, b))) is not None and o > 0:
            improved.add(teacher)
    out["improved"] = out.index.isin(list(improved))
    return out


def _shares(rows: pd.DataFrame) -> pd.DataFrame:
    """`shares` of each row with a positive maximum: the share and the same in ten-thousandths."""
    rows = rows[rows["max_score"] > 0]
    pairs = rows[["score", "max_score"]].drop_duplicates()
    pairs["share"] = [round(s / t, 4) for s, t in zip(pairs["score"], pairs["max_score"], strict=True)]
    pairs["tenths"] = [round(v * 10_000) for v in pairs["share"]]
    return rows[["teacher", "area", "score", "max_score"]].merge(pairs, on=["score", "max_score"])
