"""The web under load: PostgreSQL + gunicorn, the demo region (700 schools) and a 40,000-school
region, 32 concurrent connections over the main pages and API endpoints.

    bash scripts/with-postgres.sh .venv/bin/python bench/web_load.py [--seconds 30] [--quick]

For each region: a data folder and a database of its own on the throwaway cluster (the demo is
built by `shnor demo`; the large region is a demo of 702 schools tiled by bench/tile.py to 40,014
schools in 1,026 municipalities, every table as full as the demo's), `shnor serve` (gunicorn, 2 workers × 4
threads, the same as production's default), an operator's session, then wrk (Debian's package)
on loopback: 32 connections for `--seconds` on each address in turn (30 s by default).

Each page is first warmed in both workers (`settle`). Prints per address p50 / p95 / p99 latency,
requests per second and errors: a socket error, any status but 200 (a redirect to the sign-in page
is one) or a body without the text the page always shows (`PAGES`). Each p95 is compared with its
floor measured in the same run: a minimal signed-in page for the HTML pages, `/api/me` for the
API, and /healthz (one query, no session). `--quick`: 5 s an address and a 4,000-school region.
Saves bench/results/web_load.json.
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
sys.path.insert(0, str(HERE.parent))

# Each address with a piece of text its page always shows: a response without it (the sign-in
# page after a redirect, an error page, an empty answer) is an error. The two floors: a minimal
# signed-in page (session, user, navigation, the base template, no domain query) for the HTML
# pages, and the caller's own account for the API's reads.
HTML_FLOOR = "/accounts/profile/"
API_FLOOR = "/api/me"
PAGES = [
    ("/healthz", '"status": "ok"'),
    (HTML_FLOOR, "<title>Профиль — shnor</title>"),
    ("/", "<title>Главная — shnor</title>"),
    ("/registry/schools/", "<title>Школы — shnor</title>"),
    ("/identification/", "<title>Идентификация — shnor</title>"),
    ("/identification/runs/{run}/", "<title>Идентификация № {run} за"),
    ("/cycle/indicators/", "<title>Показатели системы — shnor</title>"),
    ("/cycle/recommendations/", "<title>Адресные рекомендации — shnor</title>"),
    ("/programmes/", "<title>Программы — shnor</title>"),
    ("/support/", "<title>Сеть сопровождения — shnor</title>"),
    ("/teachers/", "<title>Педагоги — shnor</title>"),
    ("/risks/", "<title>Рисковые профили — shnor</title>"),
    (API_FLOOR, '"username": "operator"'),
    ("/api/schools?limit=50", '"items": ['),
    ("/api/identification/runs/{run}/results?limit=50", '"items": ['),
]

GROWTH_PAGES = ("/", "/registry/schools/", "/cycle/recommendations/", "/teachers/")

# The large region: a demo of 702 schools in 18 municipalities, tiled by bench/tile.py (every
# municipality, school and teacher copied with all that belongs to it) to 40,014 schools in 1,026
# municipalities.
TILE_SCHOOLS, TILE_MUNICIPALITIES = 702, 18


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
    else:
        size = ["--schools", str(TILE_SCHOOLS), "--municipalities", str(TILE_MUNICIPALITIES)]
        run([SHNOR, "demo", "--no-serve", *size, "--data-dir", str(folder)], env)
        copies = max(0, round(schools / TILE_SCHOOLS) - 1)
        print(run([PYTHON, str(HERE.parent / "tile.py"), "--copies", str(copies)], env).splitlines()[-1], flush=True)
    password = "demo-operator-2026"
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


def burst(url: str, marker: str, cookie: str, n: int = 8) -> list[float]:
    """`n` requests at once (both workers answer some); each must be the expected page. Their
    times."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})

    def one() -> float:
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as answer:
            body = answer.read().decode()
            if answer.status != 200 or answer.url != url or marker not in body:
                raise SystemExit(f"{url} did not answer its page ({answer.status}, {answer.url}): {body[:300]}")
        return time.perf_counter() - start

    failures: list[BaseException] = []
    times: list[float] = []

    def timed() -> None:
        try:
            times.append(one())
        except (OSError, SystemExit) as error:  # a thread's failure stops the bench in the main thread
            failures.append(error)

    threads = [threading.Thread(target=timed) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(str(failures[0]))
    return times


def settle(url: str, marker: str, cookie: str) -> None:
    """Warm a page in both workers: 8 requests at a time until a round answers within a second or
    no faster than the round before (a page that is slow every time is slow, not cold). What a
    page keeps per data version (the indicators of a large region) is then computed in each worker
    before the clock starts, as it is after the first visitors in use."""
    previous = float("inf")
    for _ in range(20):
        slowest = max(burst(url, marker, cookie))
        if slowest < 1.0 or slowest > 0.8 * previous:
            return
        previous = slowest


def after_change(
    base: str, pages: list[tuple[str, str]], cookie: str, env: dict[str, str], folder: Path
) -> dict[str, float]:
    """The first requests after a change of the data: for each page, one write to a domain table
    (a school saved as it is, which moves the data version on), then eight requests at once. The
    slowest of the eight: what a user waits for when the page's kept figures are recomputed."""
    change = "from shnor.registry.models import School; School.objects.order_by('pk').first().save()"
    first = {}
    for page, marker in pages:
        if page in ("/healthz", HTML_FLOOR, API_FLOOR):
            continue
        run([SHNOR, "manage", "--data-dir", str(folder), "shell", "-c", change], env)
        drain(base)
        first[page] = max(burst(base + page, marker, cookie))
    return first


def wrk(url: str, marker: str, cookie: str, seconds: float, connections: int = 32) -> dict[str, float]:
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
            "--",
            marker,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


Loaded = list[tuple[str, dict[str, float]]]


Breakdown = dict[str, dict[str, float]]


def breakdown(env: dict[str, str], run_id: str) -> Breakdown:
    """Each page one request at a time in one process (bench/pages.py), in the region's environment:
    the whole request, the database's part and the queries."""
    out = run([PYTHON, str(HERE.parent / "pages.py"), "--run", run_id], {**env, "SHNOR_WARM_UP": "0"})
    got: Breakdown = json.loads(out.strip().splitlines()[-1])
    return got


def measure(kind: str, schools: int, seconds: float, work: Path) -> tuple[Loaded, dict[str, float], Breakdown]:
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
        pages = [(p.format(run=run_id), m.format(run=run_id)) for p, m in PAGES]
        for page, marker in pages:
            settle(base + page, marker, cookie)
        loaded = [(page, wrk(base + page, marker, cookie, seconds)) for page, marker in pages]
        changed = after_change(base, pages, cookie, env, folder)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return loaded, changed, breakdown(env, run_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="of load on each address")
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--quick", action="store_true", help="5 s an address and a 4,000-school large region")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("run under scripts/with-postgres.sh (a throwaway PostgreSQL cluster)")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: bash scripts/system-deps.sh wrk")
    seconds, schools = (5.0, 4_000) if args.quick else (args.seconds, args.schools)
    schools = TILE_SCHOOLS * max(1, round(schools / TILE_SCHOOLS))  # what tiling makes of it
    work = Path(tempfile.mkdtemp(prefix="shnor-load-"))
    measured: dict[str, Loaded] = {}
    first: dict[str, dict[str, float]] = {}
    alone: dict[str, Breakdown] = {}
    try:
        for kind, n in (("demo", 700), ("big", schools)):
            results, first[kind], alone[kind] = measure(kind, n, seconds, work)
            measured[kind] = results
            label = "demo region, 700 schools" if kind == "demo" else f"large region, {n:,} schools"
            print(f"\n{label}: 32 connections, {seconds:.0f} s on each of {len(results)} addresses")
            print(f"  {'address':48} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>7}")
            for page, r in results:
                print(
                    f"  {page:48} {r['p50'] / 1000:8.1f} {r['p95'] / 1000:8.1f} {r['p99'] / 1000:8.1f} "
                    f"{r['rps']:8.1f} {r['errors']:7d}"
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    save_results(args, seconds, schools, measured, first, alone)


def save_results(
    args: argparse.Namespace,
    seconds: float,
    schools: int,
    measured: dict[str, Loaded],
    first: dict[str, dict[str, float]],
    alone: dict[str, Breakdown],
) -> None:
    from record import ms, number, ratio, save, table

    tables = {}
    worst = {"page": 0.0, "api": 0.0}
    errors = 0
    for kind, results in measured.items():
        got = dict(results)
        rows = []
        for page, r in results:
            # A page that answered nothing within its time failed as surely as one that answered 500.
            errors += int(r["errors"]) + (0 if r["requests"] else 1)
            floor = None if page == "/healthz" else API_FLOOR if page.startswith("/api/") else HTML_FLOOR
            to_floor = r["p95"] / got[floor]["p95"] if floor and got[floor]["p95"] else None
            if to_floor is not None and page not in (HTML_FLOOR, API_FLOOR):
                key = "api" if floor == API_FLOOR else "page"
                worst[key] = max(worst[key], to_floor)
            rows.append(
                [f"`{page}`", ms(r["p50"] / 1000), ms(r["p95"] / 1000), ms(r["p99"] / 1000), number(r["rps"], 1)]
                + [number(r["requests"], 0), number(r["errors"], 0)]
                + [ratio(to_floor) if to_floor is not None else "—", ratio(r["p95"] / got["/healthz"]["p95"])]
            )
        columns = ["address", "p50", "p95", "p99", "req/s", "requests", "errors", "p95 / its floor", "p95 / healthz"]
        tables[kind] = table(columns, rows)
    steady = {kind: dict(results) for kind, results in measured.items()}
    cold = [
        [f"`{page}`"]
        + [
            cell
            for kind in measured
            for cell in (ms(first[kind][page] * 1000), ms(steady[kind][page]["p95"] / 1000))
            + (ratio(first[kind][page] * 1e6 / steady[kind][page]["p95"]) if steady[kind][page]["p95"] else "—",)
        ]
        for page in first["demo"]
    ]
    tables["first"] = table(
        [
            "page",
            "demo: first after a change",
            "steady p95",
            "ratio",
            "large: first after a change",
            "steady p95",
            "ratio",
        ],
        cold,
    )
    for kind, pages in alone.items():
        rows = []
        for page, b in pages.items():
            floor_ms = pages[API_FLOOR if page.startswith("/api/") else HTML_FLOOR]["ms"]
            rows.append(
                [f"`{page}`", f"{number(b['ms'], 1)} ms", f"{number(b['db_ms'], 1)} ms"]
                + [f"{number(b['ms'] - b['db_ms'], 1)} ms", number(b["queries"], 0), f"{number(b['kb'], 0)} KB"]
                + [ratio(b["ms"] / floor_ms) if page not in (HTML_FLOOR, API_FLOOR) else "—"]
            )
        tables[f"alone_{kind}"] = table(
            ["address", "whole request", "database", "Python and template", "queries", "answer", "to its floor"], rows
        )
    points = [
        {"series": f"page p95 under load: {page}", "unit": "schools", "x": 700 if kind == "demo" else schools}
        | {"y": r["p95"] / 1e6}
        for kind, results in measured.items()
        for page, r in results
        if page in GROWTH_PAGES
    ]
    save(
        "web_load",
        points=points,
        quick=args.quick,
        tables=tables,
        figures={"seconds": f"{seconds:.0f} s", "schools": number(schools, 0)},
        values={
            "errors": errors,
            "worst_page_to_floor": worst["page"],
            "worst_api_to_floor": worst["api"],
            "worst_first_seconds": max(max(f.values()) for f in first.values()),
        },
    )


if __name__ == "__main__":
    main()
