"""The web under load: PostgreSQL + gunicorn, the demo region (700 schools) and a 40,000-school
region, 32 concurrent connections over the main pages and API endpoints.

    bash scripts/with-postgres.sh .venv/bin/python bench/web_load.py [--seconds 60] [--quick]

For each region: a data folder and a database of its own on the throwaway cluster (the demo is
built by `shnor demo`; the large region is a registry of 40,000 schools in 1,000 municipalities
with a finished identification run of all of them), `shnor serve` (gunicorn, 2 workers × 4
threads, the same as production's default), an operator's session, then wrk (Debian's package)
on loopback: 32 connections for `--seconds` / number of addresses on each address in turn.

Each page is first warmed in both workers (`settle`). Prints per address p50 / p95 / p99 latency,
requests per second, errors (any status ≥ 400 or socket error), and the ratio of its p95 to the p95
of /healthz (a trivial view with one query) measured in the same run. `--quick`: 20 s per region and a 4,000-school large region.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
SHNOR = str(ROOT / ".venv" / "bin" / "shnor")
PYTHON = sys.executable
LUA = HERE.parent / "wrk_report.lua"
PASSWORD = "Bench-load-2026"

PAGES = [
    "/healthz",
    "/",
    "/registry/schools/",
    "/identification/",
    "/identification/runs/{run}/",
    "/cycle/indicators/",
    "/cycle/recommendations/",
    "/api/schools?limit=50",
    "/api/identification/runs/{run}/results?limit=50",
]

BIG_REGION = """
import random, datetime as dt
from django.utils import timezone
from shnor.accounts.roles import Role
from shnor.accounts.services import create_user
from shnor.identification.models import Run, SchoolResult
from shnor.registry.models import Municipality, Region, School
n = {schools}
region = Region.objects.create(code="BIG", name="Большой регион", preset="volgograd-2021")
munis = Municipality.objects.bulk_create(
    [Municipality(region=region, code=f"M{{i:04d}}", name=f"Муниципалитет {{i:04d}}") for i in range(max(1, n // 40))]
)
rng = random.Random(7)
School.objects.bulk_create(
    [School(school_id=f"S{{i:06d}}", name=f"Школа {{i:06d}}", municipality=munis[i % len(munis)],
            locality=rng.choice(["city", "town", "rural"]), enrollment=rng.randint(20, 2000)) for i in range(n)],
    batch_size=5000,
)
run = Run.objects.create(year=2026, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1",
                         preset_text="", finished_at=timezone.now(), summary={{"schools": n, "ior_threshold": -0.5}})
clusters = ["effective", "resilient", "struggling", "deprived"]
rows = []
for pk in School.objects.values_list("pk", flat=True).iterator():
    ior, isb = rng.gauss(0, 1), rng.gauss(0, 1)
    rows.append(SchoolResult(run=run, school_id=pk, ior=ior, isb=isb, cluster=rng.choice(clusters),
                             selected=ior < -1.0, per_year=[{{"year": 2025, "ior": ior - 0.1}}, {{"year": 2026, "ior": ior}}]))
SchoolResult.objects.bulk_create(rows, batch_size=5000)
create_user("operator", "{password}", Role.OPERATOR, validate_password=False)
from django.db import connection
with connection.cursor() as cursor:  # the statistics autovacuum would gather after a bulk load
    cursor.execute("ANALYZE")
print(run.pk)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database(name: str) -> str:
    """A database of its own on the cluster of $DATABASE_URL; returns its URL."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def prepare(kind: str, schools: int, folder: Path) -> tuple[dict[str, str], str, str]:
    """A region in `folder` with its own database: (environment, run id, operator's password)."""
    env = {**os.environ, "DATABASE_URL": database(f"bench_{kind}"), "SHNOR_DATA_DIR": str(folder)}
    env.update(SHNOR_DEBUG="false", SHNOR_SECRET_KEY="bench-" + "x" * 50, SHNOR_ALLOWED_HOSTS="127.0.0.1,localhost")
    if kind == "demo":
        run([SHNOR, "demo", "--no-serve", "--data-dir", str(folder)], env)
        password = "demo-operator-2026"
    else:
        run([SHNOR, "init", "--data-dir", str(folder)], env)
        script = BIG_REGION.format(schools=schools, password=PASSWORD)
        run([SHNOR, "manage", "--data-dir", str(folder), "shell", "-c", script], env)
        password = PASSWORD
    code = "from shnor.identification.models import Run; print(Run.objects.order_by('-pk').first().pk)"
    run_id = run([SHNOR, "manage", "--data-dir", str(folder), "shell", "-c", code], env).strip().splitlines()[-1]
    return env, run_id, password


def login(base: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    data = urllib.parse.urlencode(
        {"username": "operator", "password": password, "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data, headers={"Referer": f"{base}/accounts/login/"}))
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "the operator could not sign in"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def listening(server: subprocess.Popen[str]) -> None:
    """Block until gunicorn says a worker has booted (its log on stderr), then keep reading the log
    in a thread so that the pipe never fills."""
    assert server.stderr is not None
    for line in server.stderr:
        if "Booting worker" in line:
            threading.Thread(target=server.stderr.read, daemon=True).start()
            return
    raise SystemExit("the server exited before it could answer")


def drain(base: str) -> None:
    """Wait until the server has finished what a run left queued (wrk stops sending, gunicorn goes
    on answering): one /healthz answered within half a second."""
    for _ in range(600):
        start = time.perf_counter()
        urllib.request.urlopen(f"{base}/healthz", timeout=120).read()
        if time.perf_counter() - start < 0.5:
            return
    raise SystemExit("the server does not come back to idle")


def settle(url: str, cookie: str) -> None:
    """Warm a page in both workers: 8 requests at a time until a whole round answers within a
    second. What a page keeps per data version (the indicators: 2.5 s for 40,000 schools) is then
    computed in each worker before the clock starts, as it is after the first visitors in use."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})

    def one() -> float:
        start = time.perf_counter()
        urllib.request.urlopen(request, timeout=300).read()
        return time.perf_counter() - start

    for _ in range(100):
        times: list[float] = []
        threads = [threading.Thread(target=lambda: times.append(one())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(times) < 1.0:
            return
    raise SystemExit(f"{url} does not settle")


def wrk(url: str, cookie: str, seconds: float, connections: int = 32) -> dict[str, float]:
    base = url[: url.index("/", len("http://"))]
    drain(base)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "60s",
            "-s",
            str(LUA),
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(kind: str, schools: int, seconds: float, work: Path) -> list[tuple[str, dict[str, float]]]:
    folder = work / kind
    env, run_id, password = prepare(kind, schools, folder)
    port = free_port()
    server = subprocess.Popen(
        [
            SHNOR,
            "serve",
            "--data-dir",
            str(folder),
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "4",
            "--no-worker",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        listening(server)
        cookie = login(base, password)
        pages = [p.format(run=run_id) for p in PAGES]
        for page in pages:
            settle(base + page, cookie)
        return [(page, wrk(base + page, cookie, seconds / len(pages))) for page in pages]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("run under scripts/with-postgres.sh (a throwaway PostgreSQL cluster)")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    seconds, schools = (20.0, 4_000) if args.quick else (args.seconds, args.schools)
    work = Path(tempfile.mkdtemp(prefix="shnor-load-"))
    try:
        for kind, n in (("demo", 700), ("big", schools)):
            results = measure(kind, n, seconds, work)
            base = results[0][1]["p95"] or 1
            label = "demo region, 700 schools" if kind == "demo" else f"large region, {n:,} schools"
            print(f"\n{label}: 32 connections, {seconds:.0f} s over {len(results)} addresses")
            print(
                f"  {'address':48} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7} {'p95 / healthz':>14}"
            )
            for page, r in results:
                if not r["requests"]:
                    print(f"  {page:48} no request completed: {r}")
                    continue
                print(
                    f"  {page:48} {r['p50'] / 1000:8.1f} {r['p95'] / 1000:8.1f} {r['p99'] / 1000:8.1f} "
                    f"{r['rps']:8.1f} {r['errors']:7d} {r['p95'] / base:14.1f}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
