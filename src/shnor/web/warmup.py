"""What the region's pages keep, computed as a server process starts.

Each process keeps its own figures per data version (`shnor.lib.memo`): without this, the first
visitor of each freshly started process waited for the region's indicators, the teachers' aggregates
and the programmes' overview (tens of seconds for a country's region). After a data change the pages
themselves start the computation again and show the earlier figures meanwhile (`shows_earlier`); here
nothing earlier exists yet, so the process computes them before anyone asks. Everything is computed
for the region-wide scope, which the operator, the regional coordinator and the observer share.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connections
from django.utils import timezone

from shnor.accounts.services import SystemUser

log = logging.getLogger(__name__)


def _steps() -> list[tuple[str, Callable[[SystemUser], object]]]:
    from shnor.core.cyclogram import working_year
    from shnor.cycle import cyclogram, indicators
    from shnor.programmes import services as programmes
    from shnor.registry import services as registry
    from shnor.risks import services as risk_profiles
    from shnor.staff import services as staff

    def cycle(actor: SystemUser) -> object:
        today = timezone.localdate()
        return cyclogram.lines(working_year(today, cyclogram.year_start()), today)

    def region_indicators(actor: SystemUser) -> object:
        return [indicators.compute(actor, year) for year in indicators.years()]

    def teachers(actor: SystemUser) -> object:
        years = staff.diagnostic_years()
        return (staff.aggregates(actor, years[0]), staff.targets(actor, years[0])) if years else None

    def risks(actor: SystemUser) -> object:
        years = risk_profiles.years()
        return risk_profiles.regional(actor, years[0]) if years else None

    return [
        ("totals", lambda actor: (registry.summary(actor), registry.municipality_choices(actor))),
        ("cyclogram", cycle),
        ("indicators", region_indicators),
        ("teachers", teachers),
        ("programmes", lambda actor: programmes.overview(actor)),
        ("risks", risks),
    ]


def warm() -> list[str]:
    """Compute what the region-wide pages keep; the steps done (a step that fails is logged and
    left to the first page that needs it)."""
    actor = SystemUser("прогрев сервера")
    done = []
    for name, step in _steps():
        try:
            step(actor)
        except Exception:
            log.exception("warming up %s failed", name)
        else:
            done.append(name)
    return done


def in_background() -> threading.Thread:
    """`warm` in a thread of its own (its own database connection, closed after)."""

    def run() -> None:
        try:
            log.info("warmed up: %s", ", ".join(warm()))
        finally:
            connections.close_all()  # this thread's

    thread = threading.Thread(target=run, name="shnor-warm-up", daemon=True)
    thread.start()
    return thread
