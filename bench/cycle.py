"""The management cycle on a built demo region: drafting every recommendation, the evidence pack
and the cycle's pages, each against a reference measured in the same process.

    .venv/bin/shnor demo --no-serve --data-dir /tmp/demo700
    SHNOR_DATA_DIR=/tmp/demo700 .venv/bin/python bench/cycle.py [--year 2026]

References: one region-wide `indicators.compute` (the figures every draft compares with — the
floor of drafting) for the services; the goals page (a page of a few queries) for the pages.
Prints wall time, queries per page and the ratios. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, TypeVarTuple

R = TypeVar("R")
Ts = TypeVarTuple("Ts")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2026)
    year = parser.parse_args().year
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shnor.accounts.models import User
    from shnor.cycle import evidence, indicators, services
    from shnor.cycle.models import Recommendation

    settings.ALLOWED_HOSTS = ["*"]
    operator = User.objects.get(username="operator")

    def timed(fn: Callable[[*Ts], R], *args: *Ts) -> tuple[R, float]:
        start = time.perf_counter()
        result = fn(*args)
        return result, time.perf_counter() - start

    _, floor = timed(indicators.compute, operator, year)
    drafted, drafting = timed(services.draft_all, operator, year)
    pack, packing = timed(evidence.build, operator, year)
    print(f"reference indicators.compute: {floor:.2f} s")
    print(f"draft_all: {drafted} drafts in {drafting:.2f} s ({drafting / floor:.1f}× the reference)")
    print(f"evidence pack: {len(pack) / 2**20:.1f} MB in {packing:.2f} s ({packing / floor:.1f}× the reference)")
    client = Client()
    client.force_login(operator)
    first = Recommendation.objects.order_by("pk").first()
    pages = ["/cycle/goals/", "/cycle/analysis/", "/cycle/recommendations/", "/cycle/measures/"]
    pages += ["/cycle/decisions/", "/cycle/meetings/", "/cycle/evidence/"]
    pages += [f"/cycle/recommendations/{first.pk}/"] if first else []
    timings = {}
    for url in pages:
        client.get(url)  # warm
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            status = client.get(url).status_code
            timings[url] = (time.perf_counter() - start, len(queries), status)
    base = timings["/cycle/goals/"][0]
    for url, (seconds, n, status) in timings.items():
        print(f"{url:40} {status} {seconds * 1000:7.1f} ms {n:3} queries {seconds / base:6.1f}× the goals page")


if __name__ == "__main__":
    main()
