"""`make test`'s property-based cases are reproducible (issue 25): the «ci» profile of tests/conftest.py
keeps Hypothesis's own «ci» settings — derandomised, a reproduction blob printed on failure, no example
database — and changes only the number of cases, the deadline and the health checks."""

from __future__ import annotations

import os

from hypothesis import settings


def test_the_ci_profile_is_derandomised_and_prints_reproduction_blobs() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is True and ci.print_blob is True and ci.database is None
    assert ci.max_examples == 25 and ci.deadline is None
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci":
        in_force = settings.default
        assert in_force is not None and in_force.derandomize is True  # in force, not only registered
