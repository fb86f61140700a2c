"""Curator matching at scale: the exact solve against its references in the same process.

    .venv/bin/python bench/matching.py [--sizes 1000,5000] [--dense-up-to 5000]

For n schools × n curators (capacity 1–3, one municipality in 25 neighbouring 4 others,
coordinates for 70 % of them, 10 weakness / strength codes):

  dense    every school × curator arc given to OR-Tools' min-cost flow (the textbook exact solve)
  exact    shnor's solve: each school's 24 cheapest curators, then the reduced-cost check adds
           any arc left out that could improve the flow (same optimum, tested in the core)
  greedy   each school in turn takes its cheapest curator with room (the by-hand baseline)

Prints wall time, peak RSS growth, total cost and the ratios exact/dense (time) and
greedy/exact (cost). Deterministic (seeded). Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

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


def timed(label: str, fn: Callable[[], Assignment]) -> tuple[float, Assignment]:
    before = rss_mb()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(
        f"  {label:<7} {seconds:8.2f} s   peak RSS +{max(0.0, rss_mb() - before):7.0f} MB   total {result.total:14.2f}"
        f"   unassigned {len(result.unassigned)}   rounds {result.rounds}"
    )
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,5000")
    parser.add_argument("--dense-up-to", type=int, default=5000)
    args = parser.parse_args()
    for n in (int(x) for x in args.sizes.split(",")):
        schools, curators, neighbours = problem(n)
        print(f"{n} schools × {n} curators ({n * n:,} possible pairs)")
        t_exact, exact = timed("exact", lambda: solve(schools, curators, neighbours, candidates=24))
        t_greedy, near = timed("greedy", lambda: greedy(schools, curators, neighbours))
        if n <= args.dense_up_to:
            t_dense, dense = timed("dense", lambda: solve(schools, curators, neighbours, candidates=0))
            assert abs(dense.total - exact.total) < 1e-6, (dense.total, exact.total)
            print(f"  exact / dense time: {t_exact / t_dense:.2f}×  (same total cost)")
        print(f"  greedy / exact cost: {near.total / exact.total:.3f}×  ({near.total - exact.total:+.1f})")


if __name__ == "__main__":
    main()
