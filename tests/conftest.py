"""Personas and a small hand-made region shared by the Django tests (healthchecks-style)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hsettings

# Playwright's sync API runs an event loop in the test thread; Django's ORM must be allowed there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property-based tests: a few cases each in `make test`, the long campaign in `make fuzz`.
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
# Hypothesis's own «ci» profile (derandomised, printing a reproduction blob, no example database) is
# the parent: only the number of cases, the deadline and the health checks are ours.
hsettings.register_profile(
    "ci", hsettings.get_profile("ci"), max_examples=25, deadline=None, suppress_health_check=_QUIET
)
hsettings.register_profile("fuzz", max_examples=1500, deadline=None, suppress_health_check=_QUIET)
hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
_CASES: dict[str, int] = {}


def count_case(name: str) -> None:
    """Count a property's cases (docs/reliability.md reports them): into $SHNOR_FUZZ_COUNTS when set."""
    _CASES[name] = _CASES.get(name, 0) + 1
    target = os.environ.get("SHNOR_FUZZ_COUNTS")
    if target:
        Path(target).write_text(json.dumps(_CASES, ensure_ascii=False, indent=1), encoding="utf-8")


@dataclass
class World:
    region: Any
    muni_a: Any
    muni_b: Any
    a1: Any
    a1_branch: Any
    a2: Any
    b1: Any
    rwg: Any
    wg_a: Any
    wg_b: Any
    users: dict[str, Any]


PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _own_data_files(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Each test gets its own columnar store and uploads folder, as it gets its own database."""
    if "core" in request.node.path.parts:  # no Django there
        yield
        return
    from shnor.audit import versioning

    versioning.forget()  # nothing computed by an earlier test is served to this one
    settings = request.getfixturevalue("settings")
    folder = tmp_path_factory.mktemp("data")
    settings.SHNOR_STORE_DIR = folder / "store"
    settings.MEDIA_ROOT = folder / "files"
    yield


@pytest.fixture
def world(db: Any) -> World:
    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user
    from shnor.registry.models import InfrastructureBody, Municipality, Person, Region, School

    region = Region.objects.create(code="T", name="Тестовая область", preset="volgograd-2021")
    muni_a = Municipality.objects.create(region=region, code="A", name="Альфинский район")
    muni_b = Municipality.objects.create(region=region, code="B", name="Бетинский район")
    muni_a.neighbours.add(muni_b)
    a1 = School.objects.create(school_id="A001", name="Школа А1", municipality=muni_a, locality="rural", enrollment=300)
    a1_branch = School.objects.create(
        school_id="A001F", name="Филиал А1", municipality=muni_a, locality="rural", enrollment=20, parent=a1
    )
    a2 = School.objects.create(school_id="A002", name="Школа А2", municipality=muni_a, locality="city", enrollment=800)
    b1 = School.objects.create(school_id="B001", name="Школа Б1", municipality=muni_b, locality="city", enrollment=900)
    rwg = InfrastructureBody.objects.create(kind="regional_working_group", name="Региональная рабочая группа")
    wg_a = InfrastructureBody.objects.create(
        kind="municipal_working_group", name="Рабочая группа А", municipality=muni_a
    )
    wg_b = InfrastructureBody.objects.create(
        kind="municipal_working_group", name="Рабочая группа Б", municipality=muni_b
    )
    Person.objects.create(full_name="Иванова Анна Петровна", position="методист", municipality=muni_b)
    specs: dict[str, tuple[Role, dict[str, Any]]] = {
        "operator": (Role.OPERATOR, {}),
        "coordinator": (Role.REGIONAL_COORDINATOR, {}),
        "municipal": (Role.MUNICIPAL_COORDINATOR, {"municipality_id": muni_a.pk}),
        "school": (Role.SCHOOL, {"school_id": a1.pk}),
        "other_school": (Role.SCHOOL, {"school_id": b1.pk}),
        "curator": (Role.CURATOR, {"school_id": b1.pk, "assigned_school_ids": [a2.pk]}),
        "teacher": (Role.TEACHER, {"school_id": a1.pk, "staff_key": "TA001-001"}),
        "observer": (Role.OBSERVER, {"municipality_id": muni_a.pk}),
    }
    users = {name: create_user(name, PASSWORD, role, **extra) for name, (role, extra) in specs.items()}
    return World(region, muni_a, muni_b, a1, a1_branch, a2, b1, rwg, wg_a, wg_b, users)


@pytest.fixture
def login(client: Any, world: World) -> Any:
    def _login(name: str) -> Any:
        client.force_login(world.users[name])
        return client

    return _login
