"""Country-scale data in the contract's shapes, deterministic, written straight to Parquet in chunks.

    .venv/bin/python bench/generate.py --rows 40000000 --schools 40000 --out /tmp/shnor-bench/40m

Writes, for the three years before `--year` inclusive:

  schools.parquet   the registry (`schools` table: code, name, municipality, locality, enrollment)
  social.parquet    the `social` table for every school and year
  results/Y/part-NNNN.parquet
                    `results` rows: ВПР, ОГЭ and ЕГЭ works of the demo's scales, `--rows` in all,
                    each chunk sorted by year, procedure, subject, grade and school (the order the
                    store clusters its parts in)

Schools get a social context and a value added; a pupil's score follows the school's quality, so
the identification has something to find. Memory is one chunk (`--chunk` rows, default 2 M) at a
time; the same arguments give the same files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shnor.demo.scales import WORKS
from shnor.engine.schemas import schema

SORT = ["year", "procedure", "subject", "grade", "school_id"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def schools_table(n: int, rng: np.random.Generator) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The registry, with each school's social context and quality (kept out of the files)."""
    municipalities = max(1, n // 40)
    codes = np.char.mod("S%06d", np.arange(n))
    municipality = np.char.mod("Муниципалитет %04d", rng.integers(0, municipalities, n))
    locality = rng.choice(np.array(["city", "town", "rural"]), n, p=[0.45, 0.2, 0.35])
    enrollment = np.clip(rng.lognormal(6.0, 0.8, n), 15, 3000).astype(np.int32)
    social = rng.normal(0, 1, n)
    quality = 0.55 * social + rng.normal(0, 0.35, n)
    table = pa.table(
        {
            "school_id": codes,
            "name": np.char.add("Школа ", codes),
            "municipality": municipality,
            "locality": locality,
            "enrollment": enrollment,
        }
    )
    return table, social, quality


def social_table(
    codes: np.ndarray, social: np.ndarray, enrollment: np.ndarray, years: list[int], rng: np.random.Generator
) -> pa.Table:
    parts = []
    for year in years:
        drift = rng.normal(0, 0.05, len(codes))
        share = lambda base, k: np.clip(base - k * (social + drift), 0.0, 1.0)  # noqa: E731
        parts.append(
            pa.table(
                {
                    "year": np.full(len(codes), year, dtype=np.int16),
                    "school_id": codes,
                    "students": enrollment,
                    "share_parents_no_higher_ed": share(0.45, 0.12),
                    "share_unemployed_parents": share(0.12, 0.05),
                    "share_on_register": share(0.04, 0.02),
                }
            )
        )
    return pa.concat_tables(parts)


def results_chunk(
    year: int,
    size: int,
    codes: np.ndarray,
    weights: np.ndarray,
    quality: np.ndarray,
    first_key: int,
    rng: np.random.Generator,
) -> pa.Table:
    """`size` pupil results of one year: schools drawn by size, works drawn uniformly."""
    school = rng.choice(len(codes), size, p=weights)
    work_idx = rng.integers(0, len(WORKS), size)
    ability = quality[school] + rng.normal(0, 1.0, size)
    n = np.arange(first_key, first_key + size, dtype=np.uint64)
    keys = np.char.mod("P%012X", ((n * np.uint64(0x9E3779B97F4A7C15)) % np.uint64(2**48)).astype(np.int64))
    primary = np.zeros(size)
    max_primary = np.zeros(size)
    test = np.full(size, np.nan)
    mark = np.full(size, -1, dtype=np.int8)
    journal = np.full(size, -1, dtype=np.int8)
    procedure = np.empty(size, dtype=object)
    subject = np.empty(size, dtype=object)
    grade = np.zeros(size, dtype=np.int8)
    for i, work in enumerate(WORKS):
        rows = np.flatnonzero(work_idx == i)
        if not rows.size:
            continue
        p = _sigmoid(work.difficulty + 0.25 + 1.05 * ability[rows])
        score = rng.binomial(work.max_score, p)
        primary[rows], max_primary[rows] = score, work.max_score
        procedure[rows], subject[rows], grade[rows] = work.procedure, work.subject, work.grade
        if work.has_test_score:
            test[rows] = work.test_scores(score)
        else:
            mark[rows] = work.marks(score)
        if work.procedure == "VPR":
            honest = rng.binomial(
                work.max_score,
                _sigmoid(work.difficulty + 0.25 + 1.05 * (ability[rows] + rng.normal(0, 0.45, rows.size))),
            )
            journal[rows] = work.marks(honest)
    table = pa.table(
        {
            "year": pa.array(np.full(size, year, dtype=np.int16)),
            "procedure": pa.array(procedure, pa.string()),
            "grade": pa.array(grade),
            "subject": pa.array(subject, pa.string()),
            "school_id": pa.array(codes[school]),
            "student_key": pa.array(keys),
            "primary_score": pa.array(primary),
            "max_primary_score": pa.array(max_primary),
            "test_score": pa.array(test, mask=np.isnan(test)),
            "mark": pa.array(mark, mask=mark < 0),
            "journal_mark": pa.array(journal, mask=journal < 0),
        }
    ).cast(schema("results"))
    return table.sort_by([(c, "ascending") for c in SORT])


def generate(out: Path, rows: int, schools: int, year: int, chunk: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    registry, social, quality = schools_table(schools, rng)
    pq.write_table(registry, out / "schools.parquet")
    years = [year - 2, year - 1, year]
    codes = registry["school_id"].to_numpy(zero_copy_only=False)
    enrollment = registry["enrollment"].to_numpy()
    pq.write_table(social_table(codes, social, enrollment, years, rng), out / "social.parquet")
    weights = enrollment / enrollment.sum()
    written, part = 0, 0
    for y, share in zip(years, (rows // 3, rows // 3, rows - 2 * (rows // 3)), strict=True):
        folder = out / "results" / str(y)
        folder.mkdir(parents=True, exist_ok=True)
        left, trend = share, 0.05 * (y - years[0])
        while left > 0:
            size = min(chunk, left)
            table = results_chunk(y, size, codes, weights, quality + trend, written, rng)
            pq.write_table(table, folder / f"part-{part:04d}.parquet", compression="zstd", row_group_size=1 << 20)
            written, left, part = written + size, left - size, part + 1
    seconds = time.perf_counter() - start
    size_mb = sum(f.stat().st_size for f in (out / "results").rglob("*.parquet")) / 2**20
    (out / "_done").write_text(f"{rows} {schools} {year} {seed}\n", encoding="utf-8")
    return {"rows": written, "seconds": seconds, "megabytes": size_mb}


def ensure(out: Path, rows: int, schools: int, year: int = 2026, chunk: int = 2_000_000, seed: int = 20261202) -> Path:
    """Generate into `out` unless the same data is already there."""
    marker = out / "_done"
    if not (
        marker.exists()
        and marker.read_text(encoding="utf-8").split() == [str(rows), str(schools), str(year), str(seed)]
    ):
        generate(out, rows, schools, year, chunk, seed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000_000)
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--chunk", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--out", type=Path, required=True)
    a = parser.parse_args()
    got = generate(a.out, a.rows, a.schools, a.year, a.chunk, a.seed)
    print(
        f"{got['rows']:,} results rows, {a.schools:,} schools: {got['megabytes']:.0f} MB of Parquet in {got['seconds']:.1f} s"
    )


if __name__ == "__main__":
    main()
