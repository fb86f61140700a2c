"""The core tests' markers: a test that builds a demo region is marked `demo`. `make mutation` leaves
those out (each would rebuild the region for every mutant); the methodology's rules are held there
by the hand-computed tests, and the demo's planted structure by `make test`."""

from __future__ import annotations

from typing import Any

import pytest

DEMO_FIXTURES = {"demo", "region"}


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if DEMO_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.demo)
