"""Curator criteria and teachers' deficits, routes and dynamics, against hand-computed cases."""

from __future__ import annotations

from typing import Any

import pytest

from shnor.core.support import (
    CuratorRules,
    Offer,
    Record,
    criteria,
    deficits,
    diagnosed,
    dynamics,
    is_candidate,
    missing,
    overall,
    propose,
    rank,
    subject_codes,
    thresholds,
    uncovered,
)
from shnor.presets import load

RULES = CuratorRules()


def test_thresholds_interpolate_the_quantile_per_year() -> None:
    records = [Record({2024: v, 2025: v + 1}) for v in (0.0, 1.0, 2.0, 3.0, 4.0)]
    # 0.75 × 4 = position 3 → 3.0; next year every value is one higher.
    assert thresholds(records, 0.75) == {2024: 3.0, 2025: 4.0}
    assert thresholds([Record({2024: 0.0}), Record({2024: 1.0})], 0.75) == {2024: 0.75}


def test_criteria_of_a_school() -> None:
    cuts = {2023: 0.5, 2024: 0.5, 2025: 0.5}
    high = Record({2023: 0.6, 2024: 0.5, 2025: 0.9}, cluster="effective")
    met = criteria(high, cuts, RULES)
    assert met == {
        "stable_high": True,
        "positive_dynamics": True,
        "resilient": False,
        "innovation_site": False,
        "base_school": False,
    }
    dipped = Record({2023: 0.6, 2024: 0.49, 2025: 0.65}, cluster="resilient", innovation_site=True, base_school=True)
    met = criteria(dipped, cuts, RULES)
    assert not met["stable_high"]  # one year under the cut is enough to fail «stably»
    assert not met["positive_dynamics"]  # +0.05 < 0.1
    assert met["resilient"] and met["innovation_site"] and met["base_school"]
    # One year of data cannot be «stable» nor show dynamics.
    assert criteria(Record({2025: 2.0}), cuts, RULES) == {
        "stable_high": False,
        "positive_dynamics": False,
        "resilient": False,
        "innovation_site": False,
        "base_school": False,
    }


def test_candidate_required_and_rank() -> None:
    met = {"stable_high": False, "resilient": True, "strong_head": True}
    assert is_candidate(met, RULES)
    assert missing(met, RULES) == ["motivated_head"]
    assert not is_candidate({"positive_dynamics": True}, RULES)  # not in candidate_if_any by default
    resilient = rank({"resilient": True})
    stable = rank({"stable_high": True, "innovation_site": True})
    assert sorted([stable, resilient]) == [resilient, stable]  # resilient schools first


def test_subject_codes() -> None:
    strong, weak = subject_codes({"math": 0.4, "rus": -0.31, "bio": 0.1}, 0.3)
    assert strong == {"subject:math"} and weak == {"subject:rus"}


def test_deficits_below_the_threshold_deepest_first() -> None:
    scores = {"subject": (18, 30), "methodical": (10, 20), "digital": (9, 10), "assessment": (5, 0)}
    # shares 0.6, 0.5, 0.9; «assessment» has no maximum and is left out; 0.6 is not below 0.6.
    assert deficits(scores, 0.6) == {"methodical": 0.5}
    assert list(deficits(scores, 0.95)) == ["methodical", "subject", "digital"]


def test_route_covers_the_deepest_first_with_the_widest_offer() -> None:
    found = {"methodical": 0.3, "assessment": 0.4, "digital": 0.5, "psych_ped": 0.55}
    offers = [
        Offer(1, "Формирующее оценивание", 36, frozenset({"assessment"})),
        Offer(2, "Современный урок", 72, frozenset({"methodical", "assessment"})),
        Offer(3, "Методика, короткий курс", 16, frozenset({"methodical"})),
        Offer(4, "Цифровая школа", 36, frozenset({"digital"})),
        Offer(5, "Цифровая школа, расширенный", 72, frozenset({"digital"})),
    ]
    route = propose(found, offers)
    # methodical (deepest): offer 2 covers methodical + assessment (2 deficits) beats offer 3 (1).
    # digital: offers 4 and 5 cover one each; fewer hours wins → 4. psych_ped: nothing offers it.
    assert [(o.id, sorted(a)) for o, a in route] == [(2, ["assessment", "methodical"]), (4, ["digital"])]
    assert uncovered(found, route) == ["psych_ped"]
    assert propose({}, offers) == []


def test_dynamics_of_repeated_diagnostics() -> None:
    before = {"subject": (15, 30), "methodical": (8, 20), "digital": (5, 10)}
    after = {"subject": (21, 30), "methodical": (8, 20), "assessment": (7, 10)}
    change = dynamics(before, after)
    assert change == {"methodical": 0.0, "subject": 0.2}  # only areas measured both times
    assert overall(change) == pytest.approx(0.1)
    assert overall({}) is None


def _frame(scores: dict[tuple[int, int], dict[str, tuple[float, float]]]) -> Any:
    import pandas as pd

    rows = [(t, y, a, s, m) for (t, y), areas in scores.items() for a, (s, m) in areas.items()]
    return pd.DataFrame(rows, columns=["teacher", "year", "area", "score", "max_score"])


def test_a_region_s_diagnostics_at_once_by_hand() -> None:
    """Teacher 1: diagnosed twice, a deficit (0.5 < 0.6), improved (+0.2 and 0.0 over two areas).
    Teacher 2: no deficit (0.6 is not below), diagnosed once. Teacher 3: changes +0.0001 and 0.0 —
    a mean of exactly half a ten-thousandth, which `overall` rounds up to 0.0001 (improved).
    Teacher 4: worse (−0.1). Teacher 5: only last year's diagnostic — not in the year's result.
    Teacher 6: no maximum the year before — diagnosed twice, no area measured both times.
    Teacher 7: changes −0.0008 and +0.0009, half a ten-thousandth again, which the float sum
    leaves just below and `overall` rounds to 0.0 (not improved).
    Teacher 8: +0.0001, +0.0001, 0 and 0: a mean of half a ten-thousandth over four areas (improved).
    Teacher 9: +0.2006 and −0.2005 (not improved), its shares across one half.
    Teacher 10: maxima of 1 (a share of 0 the year before, 1 now: improved, no deficit); and a share
    of 0.59996 for teacher 2, which rounds to 0.6 (not below)."""
    scores: dict[tuple[int, int], dict[str, tuple[float, float]]] = {
        (1, 2026): {"subject": (21, 30), "methodical": (10, 20)},
        (1, 2025): {"subject": (15, 30), "methodical": (10, 20), "digital": (5, 10)},
        (2, 2026): {"subject": (18, 30), "digital": (14999, 25000)},
        (3, 2026): {"subject": (5001, 10000), "methodical": (1, 2)},
        (3, 2025): {"subject": (5000, 10000), "methodical": (1, 2)},
        (4, 2026): {"digital": (7, 10)},
        (4, 2025): {"digital": (8, 10)},
        (5, 2025): {"digital": (8, 10)},
        (6, 2026): {"digital": (8, 10)},
        (6, 2025): {"digital": (8, 0)},
        (7, 2026): {"digital": (5000, 10000), "subject": (5009, 10000)},
        (7, 2025): {"digital": (5008, 10000), "subject": (5000, 10000)},
        (8, 2026): {"a": (5001, 10000), "b": (5001, 10000), "c": (1, 2), "d": (1, 2)},
        (8, 2025): {"a": (5000, 10000), "b": (5000, 10000), "c": (1, 2), "d": (1, 2)},
        (9, 2026): {"x": (6000, 10000), "y": (1995, 10000)},
        (9, 2025): {"x": (3994, 10000), "y": (4000, 10000)},
        (10, 2026): {"digital": (1, 1)},
        (10, 2025): {"digital": (0, 1)},
    }
    got = diagnosed(_frame(scores), 2026, 0.6)
    assert sorted(got.index) == [1, 2, 3, 4, 6, 7, 8, 9, 10] and got.index.name == "teacher"
    table = {t: (r.deficits, r.repeated, r.improved) for t, r in got.iterrows()}
    assert table == {
        1: (True, True, True),
        2: (False, False, False),
        3: (True, True, True),  # 0.5001 and 0.5 are below 0.6
        4: (False, True, False),
        6: (False, True, False),
        7: (True, True, False),
        8: (True, True, True),
        9: (True, True, False),
        10: (False, True, True),
    }
    for teacher in (8, 9, 10):
        o = overall(dynamics(scores[(teacher, 2025)], scores[(teacher, 2026)]))
        assert (o is not None and o > 0) == table[teacher][2], teacher
    assert overall(dynamics(scores[(3, 2025)], scores[(3, 2026)])) == 0.0001  # the tie, rounded up
    assert overall(dynamics(scores[(7, 2025)], scores[(7, 2026)])) == 0.0  # the tie, rounded down


def test_a_region_s_diagnostics_agree_with_each_teacher_s_functions() -> None:
    """On random scores (ties of the mean included), the same answers as `deficits`, `dynamics` and
    `overall` asked of each teacher."""
    import random

    rng = random.Random(26)
    areas = ["subject", "methodical", "digital", "assessment", "psych_ped"]
    scores: dict[tuple[int, int], dict[str, tuple[float, float]]] = {}
    for t in range(1, 1500):
        for y in (2025, 2026):
            if rng.random() < 0.8:
                top = rng.choice([0, 10, 20, 30, 10000])
                scores[(t, y)] = {
                    a: (rng.randint(0, top) if top else rng.randint(0, 5), top)
                    for a in rng.sample(areas, rng.randint(1, 5))
                }
    got = diagnosed(_frame(scores), 2026, 0.55)
    for (t, y), now in scores.items():
        if y != 2026:
            continue
        before = scores.get((t, 2025))
        o = overall(dynamics(before, now)) if before else None
        row = got.loc[t]
        assert (bool(row.deficits), bool(row.repeated), bool(row.improved)) == (
            bool(deficits(now, 0.55)),
            before is not None,
            o is not None and o > 0,
        ), t
    assert len(got) == sum(1 for (_, y) in scores if y == 2026)


def test_presets_carry_the_seeds_support_rules() -> None:
    vologda = load("vologda-2019")[0].support
    assert vologda.form == "group" and vologda.curators.capacity == 3  # 1 curator + 2–3 schools
    # Act 001: curators with positive dynamics, effective (stably high) and base (leading) schools;
    # nothing required of the head (that is act 004's).
    assert vologda.curators.candidate_if_any == ["positive_dynamics", "stable_high", "base_school"]
    assert vologda.curators.required == []
    assert (vologda.targets.trained_per_school, vologda.targets.agreements, vologda.targets.events_per_year) == (
        5,
        5,
        4,
    )
    dobrinka = load("dobrinka-2018")[0].support
    assert (dobrinka.targets.trained_per_school, dobrinka.targets.trained_total) == (10, 30)
    # Act 003: one resource centre «осуществляющий функции консультативного сопровождения Программы».
    assert dobrinka.form == "resource" and dobrinka.curators.capacity == 20
    assert load("ivanovo-2020")[0].support.targets.coverage == 0.8
    volgograd = load("volgograd-2021")[0].support
    assert volgograd.form == "pair" and volgograd.curators.required == ["strong_head", "motivated_head"]
