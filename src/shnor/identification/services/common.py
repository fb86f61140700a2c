"""What every stage of the identification shares: its refusal, the columnar store, the engines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from shnor.core.errors import DomainRefusal
from shnor.core.identification.fit import Fit
from shnor.engine import engines
from shnor.engine.store import Store
from shnor.identification import labels

Progress = Callable[[int, str], None]
ENGINES = engines.ENGINES


class IdentificationRefused(DomainRefusal):
    """The run cannot start; the message says why, in Russian."""


def store() -> Store:
    return Store(settings.SHNOR_STORE_DIR)


def fit_summary(found: Fit) -> dict[str, Any]:
    """What a run's summary keeps of the check (the API's clients read it; the run's page lists
    the missing works)."""
    return {
        "window": found.years,
        "works": {
            "components": len(found.components),
            "found": len(found.found),
            "missing": [labels.work(*w) for w in found.missing],
            "data": [{"procedure": p, "subject": s, "grade": g, "schools": n} for (p, s, g), n in found.data],
        },
    }
