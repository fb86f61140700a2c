"""Effectiveness from two identification runs: a planted effect is found, none is not, and the
page explains when a later run is missing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.urls import reverse

from shnor.cycle import effect
from shnor.identification.models import Run, SchoolResult
from shnor.registry.models import School

pytestmark = pytest.mark.django_db


def runs(world: Any, planted: float, seed: int = 7) -> None:
    """120 schools; the 2025 list is the 20 with the lowest ИОР; every school rises by 0.15 in 2026,
    the listed ones by `planted` more."""
    rng = np.random.default_rng(seed)
    n = 120
    isb = rng.normal(0, 1, n)
    prior = 0.5 * isb + rng.normal(0, 0.8, n)
    y2025 = prior + rng.normal(0, 0.3, n)
    listed = set(np.argsort(y2025)[:20].tolist())
    y2026 = y2025 + 0.15 + 0.05 * isb + planted * np.isin(np.arange(n), list(listed)) + rng.normal(0, 0.1, n)
    first = Run.objects.create(year=2025, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1")
    second = Run.objects.create(year=2026, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1")
    munis = [world.muni_a, world.muni_b]
    for i in range(n):
        school = School.objects.create(
            school_id=f"E{i:03d}",
            name=f"Школа Э{i}",
            municipality=munis[i % 2],
            locality="city" if i % 3 else "rural",
            enrollment=int(rng.integers(100, 1200)),
        )
        window = [{"year": 2024, "ior": float(prior[i])}, {"year": 2025, "ior": float(y2025[i])}]
        SchoolResult.objects.create(
            run=first, school=school, ior=float(y2025[i]), isb=float(isb[i]), selected=i in listed, per_year=window
        )
        SchoolResult.objects.create(
            run=second,
            school=school,
            ior=float(y2026[i]),
            isb=float(isb[i]),
            per_year=[*window[1:], {"year": 2026, "ior": float(y2026[i])}],
        )


def test_a_planted_effect_is_found_by_the_service_and_shown(world: Any, login: Any) -> None:
    runs(world, planted=0.3)
    a = effect.analyse(world.users["operator"], 2025, 2026)
    e = a.estimate
    assert e.treated == 20 and e.significant and e.low > 0.15 and e.low <= 0.3 <= e.high + 0.05
    assert e.change_treated > e.change_controls + 0.15
    page = login("operator").get(reverse("cycle:effect"), {"start": 2025, "end": 2026}).content.decode()
    assert "школы из списка улучшили результаты сильнее сопоставимых школ" in page and "Интервал (90 %)" in page
    # The comparison pairs name the schools, not their codes.
    first = a.match_rows()[0]
    m = e.matches[0]
    assert first["treated"] == a.names[m.treated] != m.treated and first["controls"] == [a.names[c] for c in m.controls]
    assert f"<td>{first['treated']}</td>" in page


def test_no_effect_is_not_found(world: Any) -> None:
    runs(world, planted=0.0)
    e = effect.analyse(world.users["operator"], 2025, 2026).estimate
    assert not e.significant and e.change_treated > 0.05  # they rose with the region, no more


def test_refusals(world: Any, login: Any) -> None:
    runs(world, planted=0.0)
    with pytest.raises(effect.EffectError, match="позже"):
        effect.analyse(world.users["operator"], 2026, 2025)
    with pytest.raises(effect.EffectError, match="за 2027 год"):
        effect.analyse(world.users["operator"], 2025, 2027)
    page = login("operator").get(reverse("cycle:effect"), {"start": 2026, "end": 2026}).content.decode()
    assert "должен быть позже" in page
