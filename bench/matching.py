"""Curator matching at scale: the exact solve against its references in the same process.

    .venv/bin/python bench/matching.py [--sizes 1000,5000] [--dense-up-to 5000]

For n schools × n curators (capacity 1–3, one municipality in 25 neighbouring 4 others,
coordinates for 70 % of them, 10 weakness / strength codes):

  dense    every school × curator arc given to OR-Tools' min-cost flow (the textbook exact solve)
  exact    shnor's solve: each school's 24 cheapest curators, then the reduced-cost check adds
           any arc left out that could improve the flow (same optimum, tested in the core)
  greedy   each school in turn takes its cheapest curator with room (the by-hand baseline)

Each solve runs in a fresh process of its own (the problem is built there first), so the peak RSS
it adds is its own. Prints wall time, peak RSS growth, total cost and the ratios exact/dense (time)
and greedy/exact (cost). Deterministic (seeded). Saves bench/results/matching.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from shnor.core.matching import Assignment, Curator, Place, School, greedy, solve


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def problem(n: int, seed: int = 7) -> tuple[list[School], list[Curator], dict[str, frozenset[str]]]:
    rng = random.Random(seed)
    munis = [f"M{k:03d}" for k in range(max(4, n // 40))]
    neighbours = {m: frozenset(rng.sample(munis, 4)) - {m} for m in munis}
    codes = [f"R{k:02d}" for k in range(1, 11)]

    def place() -> Place:
        muni = rng.choice(munis)
        if rng.random() < 0.7:
            return Place(muni, 45 + rng.random() * 10, 35 + rng.random() * 15)
        return Place(muni)

    schools = [School(f"S{i:05d}", place(), frozenset(rng.sample(codes, rng.randint(0, 4)))) for i in range(n)]
    curators = [
        Curator(f"C{j:05d}", place(), rng.randint(1, 3), frozenset(rng.sample(codes, rng.randint(2, 6))))
        for j in range(n)
    ]
    return schools, curators, neighbours


def child(n: int, method: str) -> dict[str, float]:
    """One solve in this (fresh) process: the peak RSS it adds is its own, not a high-water mark
    left by an earlier size or method."""
    schools, curators, neighbours = problem(n)
    before = rss_mb()
    start = time.perf_counter()
    result: Assignment
    if method == "exact":
        result = solve(schools, curators, neighbours, candidates=24)
    elif method == "dense":
        result = solve(schools, curators, neighbours, candidates=0)
    else:
        result = greedy(schools, curators, neighbours)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "added_mb": max(0.0, rss_mb() - before),
        "total": result.total,
        "unassigned": len(result.unassigned),
        "rounds": result.rounds,
    }


def measure(n: int, method: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", f"{n}:{method}"], capture_output=True, text=True, check=True
    ).stdout
    got: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    print(
        f"  {method:<7} {got['seconds']:8.2f} s   peak RSS +{got['added_mb']:7.0f} MB   total {got['total']:14.2f}"
        f"   unassigned {got['unassigned']:.0f}   rounds {got['rounds']:.0f}",
        flush=True,
    )
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,5000")
    parser.add_argument("--dense-up-to", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="save as the quick run's result")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, method = args.child.split(":")
        print(json.dumps(child(int(n), method)))
        return
    from record import mb, number, ratio, save, seconds, table

    rows: list[list[str]] = []
    values: dict[str, float] = {}
    for n in (int(x) for x in args.sizes.split(",")):
        print(f"{n} schools × {n} curators ({n * n:,} possible pairs)")
        exact, near = measure(n, "exact"), measure(n, "greedy")
        dense = measure(n, "dense") if n <= args.dense_up_to else None
        if dense is not None:
            assert abs(dense["total"] - exact["total"]) < 1e-6, (dense["total"], exact["total"])
        print(f"  greedy / exact cost: {near['total'] / exact['total']:.3f}×")
        rows.append(
            [
                f"{number(n, 0)} × {number(n, 0)}",
                seconds(exact["seconds"]),
                f"+{mb(exact['added_mb'])}",
                seconds(dense["seconds"]) if dense else "—",
                f"+{mb(dense['added_mb'])}" if dense else "—",
                ratio(exact["seconds"] / dense["seconds"]) if dense else "—",
                "yes" if dense else "not compared",
                f"{near['total'] / exact['total']:.3f}",
            ]
        )
        values.update(exact_seconds=exact["seconds"], size=n, greedy_to_exact=near["total"] / exact["total"])
    columns = ["n × n", "exact", "exact: peak RSS added", "dense (reference)", "dense: peak RSS added"]
    columns += ["exact / dense", "same total cost", "greedy / exact cost"]
    save("matching", quick=args.quick, tables={"sizes": table(columns, rows)}, values=values)


if __name__ == "__main__":
    main()
