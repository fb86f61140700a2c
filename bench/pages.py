"""Where a page's time goes, one request at a time in one process (no load, no network): the whole
request through Django's handler, the part of it spent in the database, and the rest (the view's
Python and the template). `bench/web_load.py` runs it on each of its regions after the load, in the
region's own environment, so the breakdown sits beside the page's p95 under load.

    SHNOR_DATA_DIR=… [DATABASE_URL=…] .venv/bin/python bench/pages.py --run RUN_ID [--repeat 15]

Prints one JSON line: for each address of web_load.PAGES, the median of `--repeat` requests (after
three to warm what the page keeps) of the whole, the database's part and the number of queries,
and the size of the answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE.parent))


def measure(pages: list[str], repeat: int) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.test import Client

    from shnor.accounts.models import User

    client = Client(HTTP_HOST="localhost")  # a host the region allows, as web_load runs it
    client.force_login(User.objects.get(username="operator"))
    spent = {"seconds": 0.0, "queries": 0}

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["seconds"] += time.perf_counter() - start
            spent["queries"] += 1

    got: dict[str, dict[str, float]] = {}
    for page in pages:
        for _ in range(3):
            answer = client.get(page)
            if answer.status_code != 200:
                raise SystemExit(f"{page} answered {answer.status_code}")
        totals, database, queries = [], [], []
        with connection.execute_wrapper(timed):
            for _ in range(repeat):
                spent.update(seconds=0.0, queries=0)
                start = time.perf_counter()
                answer = client.get(page)
                totals.append(time.perf_counter() - start)
                database.append(spent["seconds"])
                queries.append(spent["queries"])
        got[page] = {
            "ms": statistics.median(totals) * 1000,
            "db_ms": statistics.median(database) * 1000,
            "queries": statistics.median(queries),
            "kb": len(answer.content) / 1024,
        }
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, help="the run the run pages show")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    from shnor.cli.base import django_setup

    django_setup(None)
    from web_load import PAGES

    pages = [p.format(run=args.run) for p, _ in PAGES if p != "/healthz"]
    print(json.dumps(measure(pages, args.repeat)))


if __name__ == "__main__":
    main()
