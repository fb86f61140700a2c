"""The demo region's build and the management cycle on it: a data folder's preparation, the demo's
build, the risk profiles, the indicators, drafting every recommendation, the evidence pack and the
cycle's pages, each against a reference that does its own work.

    .venv/bin/python bench/cycle.py [--data-dir BUILT_DEMO] [--repeat 3] [--quick]

  init        `shnor init` on an empty folder, as a whole process (absolute: there is no reference)
  demo        `shnor demo --no-serve`, as a whole process: wall time and peak RSS (unless
              `--data-dir` names a built demo to reuse)
  indicators  `cycle.indicators.compute` for the region in a fresh process: nothing cached (the
              reference of drafting and of the evidence pack, which compute the same figures)
  draft       `cycle.services.draft_all` in a fresh process of its own: it computes the indicators
              itself, as it does the first time after a change of the data
  evidence    `cycle.evidence.build` in a fresh process of its own
  profiles    `risks.services.build` for the year in a fresh process (absolute: no reference)
  pages       each cycle page through Django's test client in one process, after a warm-up, best of
              `--repeat`; the reference is the profile page (session, user, navigation, the base
              template, no domain query)

Each service stage is the best of `--repeat` fresh processes. Saves bench/results/cycle.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
SHNOR = str(ROOT / ".venv" / "bin" / "shnor")
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE.parent))

PAGES = [
    "/accounts/profile/",
    "/cycle/goals/",
    "/cycle/analysis/",
    "/cycle/recommendations/",
    "/cycle/measures/",
    "/cycle/decisions/",
    "/cycle/meetings/",
    "/cycle/evidence/",
]


def stage(name: str, year: int, repeat: int) -> dict[str, Any]:
    """One stage in this fresh process (Django set up and the modules imported before the clock)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
    import django

    django.setup()
    from shnor.accounts.models import User
    from shnor.accounts.services import SystemUser
    from shnor.cycle import evidence, indicators, services
    from shnor.risks import services as risks

    operator = User.objects.get(username="operator")
    if name == "pages":
        return pages(operator, repeat)
    start = time.perf_counter()
    out: Any
    if name == "indicators":
        out = len(indicators.compute(operator, year))
    elif name == "draft":
        out = services.draft_all(operator, year).drafted
    elif name == "evidence":
        out = len(evidence.build(operator, year))
    elif name == "profiles":
        out = risks.build(SystemUser("bench"), year)
    else:
        raise SystemExit(f"unknown stage {name}")
    return {"seconds": time.perf_counter() - start, "out": out if isinstance(out, int) else str(out)}


def pages(operator: Any, repeat: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shnor.cycle.models import Recommendation

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(operator)
    first = Recommendation.objects.order_by("pk").first()
    urls = PAGES + ([f"/cycle/recommendations/{first.pk}/"] if first else [])
    got: dict[str, Any] = {}
    for url in urls:
        assert client.get(url).status_code == 200, url  # warm: what a page keeps is computed
        best = float("inf")
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                status = client.get(url).status_code
                best = min(best, time.perf_counter() - start)
            assert status == 200, (url, status)
        got[url] = {"seconds": best, "queries": len(queries)}
    return got


def child(name: str, data_dir: Path, year: int, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "SHNOR_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "shnor.settings"}
    done = subprocess.run(
        [sys.executable, str(HERE), "--child", name, "--year", str(year), "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"stage {name} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    from record import process

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, help="a built demo to reuse (default: build one, measured)")
    parser.add_argument("--quick", action="store_true", help="save as the quick run's result")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(stage(args.child, args.year, args.repeat)))
        return
    import shutil
    import tempfile

    # A new empty folder each time: `shnor init` on a prepared folder only checks it.
    scratch = Path(tempfile.mkdtemp(prefix="shnor-bench-init-"))
    init = min(process([SHNOR, "init", "--data-dir", str(scratch / f"data{k}")])[0] for k in range(args.repeat))
    shutil.rmtree(scratch, ignore_errors=True)
    demo: tuple[float, float] | None = None
    if args.data_dir is None:
        args.data_dir = Path(tempfile.mkdtemp(prefix="shnor-bench-demo-")) / "data"
        demo = process([SHNOR, "demo", "--no-serve", "--data-dir", str(args.data_dir)])
    timed = {}
    for name in ("indicators", "draft", "evidence", "profiles"):
        runs = [child(name, args.data_dir, args.year, 1) for _ in range(args.repeat)]
        timed[name] = min(runs, key=lambda r: r["seconds"])
        print(f"{name:12} {timed[name]['seconds']:7.2f} s  ({timed[name]['out']})", flush=True)
    shown = child("pages", args.data_dir, args.year, args.repeat)
    for url, p in shown.items():
        print(f"{url:40} {p['seconds'] * 1000:7.1f} ms {p['queries']:3} queries")
    save_results(args, init, demo, timed, shown)


def save_results(
    args: argparse.Namespace,
    init: float,
    demo: tuple[float, float] | None,
    timed: dict[str, dict[str, Any]],
    shown: dict[str, dict[str, Any]],
) -> None:
    from record import mb, ms, ratio, save, seconds, table

    floor = timed["indicators"]["seconds"]
    services = [
        ["reference: `indicators.compute` for the region, nothing cached", seconds(floor), ratio(1)],
        [f"`draft_all` ({timed['draft']['out']} drafts), indicators computed by it", seconds(timed["draft"]["seconds"])]
        + [ratio(timed["draft"]["seconds"] / floor)],
        ["evidence pack (ZIP of every DOCX and XLSX of the year)", seconds(timed["evidence"]["seconds"])]
        + [ratio(timed["evidence"]["seconds"] / floor)],
        ["`risks.services.build` for the year (no reference)", seconds(timed["profiles"]["seconds"]), "—"],
        ["`shnor init` on an empty folder, whole process (no reference)", seconds(init), "—"],
    ]
    base = shown["/accounts/profile/"]["seconds"]
    rows = [
        [f"`{url}`" + (" (reference)" if url == "/accounts/profile/" else ""), ms(p["seconds"] * 1000)]
        + [str(p["queries"]), ratio(p["seconds"] / base)]
        for url, p in shown.items()
    ]
    figures = {"demo": f"{seconds(demo[0])} wall, {mb(demo[1])} peak RSS" if demo else "not measured (reused)"}
    save(
        "cycle",
        quick=args.quick,
        tables={
            "services": table(["what", f"time (best of {args.repeat} fresh processes)", "ratio"], services),
            "pages": table(["page", f"time (best of {args.repeat})", "queries", "ratio to the profile page"], rows),
        },
        figures=figures,
        values={"draft_to_reference": timed["draft"]["seconds"] / floor, "init_seconds": init},
    )


if __name__ == "__main__":
    main()
