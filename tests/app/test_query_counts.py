"""Pages and API lists must not grow with the region: a list's query count is the same for a
region of 10 schools and of 60 (paginated queries, no query per row). Issue 8 measures the time
under load (bench/web_load.py); this test holds the shape of the queries."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shnor.identification.models import Run, SchoolResult
from shnor.registry.models import School
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _grow(world: World, run: Run, n: int) -> None:
    rng = random.Random(n)
    start = School.objects.count()
    for i in range(start, start + n):
        school = School.objects.create(
            school_id=f"Q{i:05d}", name=f"Школа {i}", municipality=world.muni_a, locality="city", enrollment=100
        )
        ior = rng.gauss(0, 1)
        SchoolResult.objects.create(
            run=run, school=school, ior=ior, isb=rng.gauss(0, 1), cluster="effective", selected=ior < -1 or i == start,
            per_year=[{"year": 2025, "ior": ior}, {"year": 2026, "ior": ior}],
        )  # fmt: skip


def _counts(client: Any, urls: list[str]) -> list[int]:
    out = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        out.append(len(queries))
    return out


def test_main_lists_keep_their_query_count_as_the_region_grows(world: World, login: Any) -> None:
    run = Run.objects.create(
        year=2026, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", preset_text=""
    )
    client = login("operator")
    urls = [
        "/registry/schools/",
        "/identification/",
        f"/identification/runs/{run.pk}/",
        "/api/schools?limit=50",
        f"/api/identification/runs/{run.pk}/results?limit=50",
        "/cycle/recommendations/",
        "/cycle/decisions/",
    ]
    _grow(world, run, 10)
    small = _counts(client, urls)
    _grow(world, run, 50)
    assert _counts(client, urls) == small
