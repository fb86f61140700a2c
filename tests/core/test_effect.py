"""Matched difference in differences: a hand-computed case, a planted effect found, no effect not
found, and a regional trend that a naive before/after reading would take for an effect."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from shnor.core.effect import EffectError, Unit, did


def test_a_hand_computed_case() -> None:
    # One covariate; k = 1. Controls: c1 (x 0, change +1), c2 (x 10, change +3), c3 (x 5, change +2):
    # among them change = 1 + 0.2·x exactly. t1 (x 1) → c1, corrected to 1 + 0.2·(1 − 0) = 1.2:
    # d = 4 − 1.2 = 2.8; t2 (x 9) → c2, corrected to 3 + 0.2·(9 − 10) = 2.8: d = 5 − 2.8 = 2.2.
    # Mean 2.5, sd 0.4243, se 0.3; t(0.95; 1 df) = 6.3138.
    units = [
        Unit("c1", False, 0, 1, (0,)),
        Unit("c2", False, 0, 3, (10,)),
        Unit("c3", False, 0, 2, (5,)),
        Unit("t1", True, 1, 5, (1,)),
        Unit("t2", True, 2, 7, (9,)),
    ]
    e = did(units, k=1, level=0.9)
    assert [(m.treated, m.controls) for m in e.matches] == [("t1", ("c1",)), ("t2", ("c2",))]
    assert [m.difference for m in e.matches] == [pytest.approx(2.8), pytest.approx(2.2)]
    half = stats.t.ppf(0.95, 1) * 0.3
    assert e.effect == pytest.approx(2.5)
    assert (e.low, e.high) == (pytest.approx(2.5 - half), pytest.approx(2.5 + half))
    assert half == pytest.approx(1.8941, abs=1e-4)
    assert (e.treated, e.controls) == (2, 2)
    assert (e.change_treated, e.change_controls) == (pytest.approx(4.5), pytest.approx(2.0))
    # k = 2: every corrected control change equals 1 + 0.2·x of the school: 4 − 1.2 and 5 − 2.8.
    assert did(units, k=2).effect == pytest.approx(2.5)


def test_strata_are_matched_exactly_and_a_school_without_one_is_named() -> None:
    units = [
        Unit("c-city", False, 0, 1, (0,), "city"),
        Unit("c-rural", False, 0, 0, (0,), "rural"),
        Unit("t-city", True, 0, 2, (0,), "city"),
        Unit("t-rural", True, 0, 2, (0,), "rural"),
        Unit("t-town", True, 0, 2, (0,), "town"),
    ]
    e = did(units, k=1)
    assert {m.treated: m.controls for m in e.matches} == {"t-city": ("c-city",), "t-rural": ("c-rural",)}
    assert e.unmatched == ["t-town"]


def test_refusals_name_the_cause() -> None:
    with pytest.raises(EffectError, match="две поддержанные"):
        did([Unit("c", False, 0, 1, (0,)), Unit("t", True, 0, 1, (0,))])
    with pytest.raises(EffectError, match="Нет неподдержанных"):
        did([Unit("t1", True, 0, 1, (0,)), Unit("t2", True, 0, 1, (0,))])
    with pytest.raises(EffectError, match="t2"):
        did([Unit("c", False, 0, 1, (0,)), Unit("t1", True, 0, 1, (0,)), Unit("t2", True, math.nan, 1, (0,))])


def _region(effect: float, seed: int) -> list[Unit]:
    """400 schools; those with low prior results are far likelier to be supported (about one in
    six are), as a list selects them, with enough overlap for matching. Every school rises by 0.15
    (a regional trend); a school's social context adds 0.08 per standard deviation of ИСБ; the supported ones gain
    `effect` on top."""
    rng = np.random.default_rng(seed)
    n = 400
    isb = rng.normal(0, 1, n)
    size = rng.lognormal(6, 0.6, n)
    prior = 0.6 * isb + rng.normal(0, 0.8, n)
    before = prior + rng.normal(0, 0.3, n)
    treated = rng.random(n) < 1 / (1 + np.exp(2.0 * prior + 2.0))
    after = before + 0.15 + 0.08 * isb + effect * treated + rng.normal(0, 0.15, n)
    locality = np.where(rng.random(n) < 0.5, "city", "rural")
    return [
        Unit(f"s{i}", bool(treated[i]), float(before[i]), float(after[i]), (isb[i], math.log(size[i]), prior[i]), loc)
        for i, loc in enumerate(locality)
    ]


SEEDS = range(20)


def test_a_planted_effect_is_found_every_time() -> None:
    for seed in SEEDS:
        e = did(_region(0.3, seed), k=3, level=0.9)
        assert e.significant and e.low > 0.1, seed


def test_no_effect_is_not_found_although_the_supported_schools_rose() -> None:
    """A 90 % interval excludes a true zero in about one case in ten: over twenty regions at most
    four such cases (the chance of five or more is 4 %), and the intervals cover the truth."""
    found = 0
    for seed in SEEDS:
        e = did(_region(0.0, seed), k=3, level=0.9)
        found += e.significant
        # The naive reading: supported schools rose by about the regional trend — not an effect.
        assert e.change_treated > 0.03, seed
        # Matching made the controls alike: prior results differ far less after matching.
        assert abs(e.balance_after[2]) < abs(e.balance_before[2]) / 3, seed
    assert found <= 4


def test_planted_effect_intervals_cover_the_truth_about_as_often_as_they_say() -> None:
    """Nominal 90 %: 17 of these 20 intervals cover 0.3 (the t interval ignores that a control may
    serve several supported schools, so it is a little narrow); at least 16 are required."""
    estimates = [did(_region(0.3, seed), k=3, level=0.9) for seed in SEEDS]
    assert sum(e.low <= 0.3 <= e.high for e in estimates) >= 16


def test_every_refusal_in_full_words() -> None:
    ok = [
        Unit("c1", False, 0, 1, (0,)),
        Unit("c2", False, 0, 1, (1,)),
        Unit("t1", True, 0, 1, (0,)),
        Unit("t2", True, 0, 1, (1,)),
    ]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"units": ok, "k": 0}, "Число контрольных школ на одну школу — не меньше 1."),
        ({"units": ok, "level": 0.0}, "Уровень доверия — между 0 и 1."),
        ({"units": ok, "level": 1.0}, "Уровень доверия — между 0 и 1."),
        ({"units": []}, "Нет школ для сравнения."),
        ({"units": [*ok, Unit("c3", False, 0, 1, (0, 1))]}, "У всех школ должен быть одинаковый набор характеристик для сопоставления."),
        ({"units": [Unit("c", False, 0, 1, (0,)), Unit("t", True, 0, 1, (0,))]}, "Для интервала нужны хотя бы две поддержанные школы."),
        ({"units": [Unit("t1", True, 0, 1, (0,)), Unit("t2", True, 0, 1, (0,))]}, "Нет неподдержанных школ для сравнения."),
        (
            {"units": [Unit("c", False, 0, 1, (0,), "a"), Unit("t1", True, 0, 1, (0,), "a"), Unit("t2", True, 0, 1, (0,), "b")]},
            "Меньше двух поддержанных школ нашли похожие неподдержанные: оценка невозможна.",
        ),
    ]  # fmt: skip
    for kwargs, message in cases:
        with pytest.raises(EffectError) as refused:
            did(**kwargs)
        assert str(refused.value) == message
    # Eleven schools without values: the message names the first ten.
    empty = [Unit(f"s{i:02}", True, math.nan, 1, (0,)) for i in range(11)]
    with pytest.raises(EffectError) as refused:
        did([*empty, Unit("c", False, 0, 1, (0,))])
    names = ", ".join(f"s{i:02}" for i in range(10))
    assert str(refused.value) == f"Нет значений до или после мер либо характеристик у школ: {names}."
    assert did(ok, level=0.5).level == 0.5


def test_matching_in_standard_units_and_the_balance_by_hand() -> None:
    """Two covariates on different scales, x₁ (0 or 100) and x₂ (0 … 1): over the four schools their
    standard deviations (ddof 0) are 43,30 and 0,3536. t1 (100; 0,5) is nearer c2 (100; 1) than c1
    (0; 0,5) in standard units — 0,5 / 0,3536 = 1,41 against 100 / 43,30 = 2,31 — though far nearer c1
    in raw x₂ terms; t2 (100; 0) is nearer c1: √(5,33 + 2) = 2,71 against 1 / 0,3536 = 2,83. Two
    controls for two covariates are too few for the correction: differences 5 − 3 = 2 and 4 − 1 = 3,
    effect 2,5. Balance: treated means (100; 0,25) against controls (50; 0,75), in standard units
    (1,1547; −1,4142)."""
    units = [
        Unit("c1", False, 0, 1, (0, 0.5)),
        Unit("c2", False, 0, 3, (100, 1.0)),
        Unit("t1", True, 0, 5, (100, 0.5)),
        Unit("t2", True, 0, 4, (100, 0.0)),
    ]
    e = did(units, k=1)
    assert {m.treated: m.controls for m in e.matches} == {"t1": ("c2",), "t2": ("c1",)}
    assert [m.difference for m in e.matches] == [2.0, 3.0] and e.effect == 2.5 and e.controls == 2
    assert e.balance_before == pytest.approx([50 / math.sqrt(1875), -0.5 / math.sqrt(0.125)])
    assert e.balance_after == pytest.approx(e.balance_before)
    # A covariate the same everywhere keeps the scale 1 (no division by zero) and changes nothing.
    flat = [Unit(u.id, u.treated, u.before, u.after, (*u.covariates, 7.0), u.stratum) for u in units]
    assert did(flat, k=1).effect == 2.5 and did(flat, k=1).balance_before[2] == 0.0
    # With a third control the correction applies: change = a + b·x over the controls.
    more = [*units, Unit("c3", False, 0, 2, (50, 0.0))]
    assert did(more, k=1).effect != pytest.approx(2.5)
