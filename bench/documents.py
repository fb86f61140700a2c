"""Documents at scale: the analytic note (справка) and the order for a 40,000-school country, and a
batch of 700 school risk profiles, each against the floor of writing a DOCX of the same size.

    .venv/bin/python bench/documents.py [--schools 40000] [--profiles 700] [--quick]

  note       the analytic note of an identification run: 1,000 municipalities in its table, the
             ИОР × ИСБ chart of every school (matplotlib), signs, the combinations
  order      the order approving the list, with 4,000 listed schools in its appendix
  profiles   700 risk profiles (the «500+» catalogue: 10 factors, their parameters, last year's
             levels), each a DOCX of its own
  floor      python-docx alone (none of shnor's code) writing a document with a table of as many
             rows and columns, nothing else: the least any DOCX of that size costs

The inputs are synthetic (no database): the same dataclasses and models the services fill.
Prints time, the ratio to the floor and the size; saves bench/results/documents.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, TypeVarTuple

R = TypeVar("R")
Ts = TypeVarTuple("Ts")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def timed(fn: Callable[[*Ts], R], *args: *Ts) -> tuple[float, R]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def floor(rows: int, columns: int) -> bytes:
    """python-docx alone, none of shnor's code: a header row and `rows` rows of text, saved."""
    import io

    import docx

    document = docx.Document()
    grid = document.add_table(rows=rows + 1, cols=columns)
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"c{c}" if r == 0 else str(r)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--profiles", type=int, default=700)
    parser.add_argument("--quick", action="store_true", help="4,000 schools and 70 profiles")
    args = parser.parse_args()
    schools, profiles = (4_000, 70) if args.quick else (args.schools, args.profiles)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
    os.environ.setdefault("SHNOR_DATA_DIR", "/tmp/shnor-bench-documents")
    import django

    django.setup()
    from shnor.documents import identification as docs
    from shnor.documents import risks as risk_docs
    from shnor.documents.charts import scatter_png
    from shnor.presets import load
    from shnor.registry.models import Municipality, School
    from shnor.risks.models import Profile
    from shnor.risks.services import ProfileView

    rng = random.Random(1)
    municipalities = max(1, schools // 40)
    clusters = ["effective", "resilient", "struggling", "deprived"]
    points = [(rng.gauss(0, 1), rng.gauss(0, 1), rng.choice(clusters)) for _ in range(schools)]

    def note() -> bytes:
        data = docs.NoteData(
            authority="Министерство образования",
            region="Страна",
            year=2026,
            window=[2024, 2025, 2026],
            run_number=1,
            run_date=dt.date(2026, 2, 20),
            preset_title="Концепция",
            preset_version="1",
            components=[f"работа {i}" for i in range(20)],
            social_parts=["доля 1", "доля 2", "доля 3"],
            schools_total=schools,
            selected=schools // 10,
            insufficient=schools // 100,
            ior_threshold=-0.8,
            isb_threshold=-0.7,
            alpha=0.81,
            value_added={"const": 0.0, "isb": 0.5},
            r2=0.4,
            clusters=dict.fromkeys(clusters, schools // 4),
            combinations=[],
            municipalities=[(f"Муниципалитет {i:04d}", 40, 4, 10, 10, 10, 10) for i in range(municipalities)],
            signs=[(f"признак {i}", rng.randint(1, 500), rng.randint(1, 300)) for i in range(8)],
            chart_png=scatter_png(points, -0.8, -0.7, (0.0, 0.5)),
        )
        return docs.analytic_note(data)

    listed = [
        docs.ListedSchool(
            f"Муниципалитет {i % municipalities:04d}",
            f"S{i:06d}",
            f"Школа {i:06d}",
            "несправляющиеся",
            "НР",
            "низкий ИОР",
        )
        for i in range(schools // 10)
    ]

    def order() -> bytes:
        return docs.order(
            docs.OrderData(
                authority="Министерство образования",
                number="1",
                date=dt.date(2026, 2, 25),
                year=2026,
                basis="Концепция",
                schools=listed,
            )
        )

    preset, _ = load("volgograd-2021")
    catalogue = preset.catalogue()
    municipality = Municipality(name="Муниципалитет")

    def profile_of(i: int) -> ProfileView:
        school = School(school_id=f"S{i:06d}", name=f"Школа {i:06d}", municipality=municipality)
        params = {
            p.code: {"value": rng.random(), "median": 0.5, "past": rng.random() < 0.3}
            for f in catalogue.factors
            for p in f.parameters
        }
        factors = {
            f.code: {"level": rng.choice(["high", "medium", "low"]), "fixed": rng.random() < 0.2}
            for f in catalogue.factors
        }
        current = Profile(
            school=school,
            year=2026,
            catalogue_version=catalogue.version,
            parameters=params,
            factors=factors,
            completeness=0.9,
        )
        previous = Profile(
            school=school, year=2025, catalogue_version=catalogue.version, parameters=params, factors=factors
        )
        return ProfileView(current, previous, catalogue)

    views = [profile_of(i) for i in range(profiles)]
    parameter_rows = sum(len(f.parameters) for f in catalogue.factors)

    def batch() -> int:
        return sum(len(risk_docs.profile(v, "Министерство образования", dt.date(2026, 3, 15))) for v in views)

    t_note, note_bytes = timed(note)
    t_note_floor, _ = timed(floor, municipalities, 7)
    t_order, order_bytes = timed(order)
    t_order_floor, _ = timed(floor, len(listed), 6)
    t_batch, size = timed(batch)
    t_batch_floor, _ = timed(lambda: [floor(parameter_rows + len(catalogue.factors), 7) for _ in range(profiles)])
    from record import number, ratio, save, seconds, table

    rows = [
        [
            f"analytic note: {number(municipalities, 0)} municipalities in its table, a chart of {number(schools, 0)} points"
        ]
        + [
            seconds(t_note),
            f"{number(len(note_bytes) / 2**20, 1)} MB",
            seconds(t_note_floor),
            ratio(t_note / t_note_floor),
        ],
        [f"order approving a list of {number(len(listed), 0)} schools (its appendix)"]
        + [
            seconds(t_order),
            f"{number(len(order_bytes) / 2**20, 1)} MB",
            seconds(t_order_floor),
            ratio(t_order / t_order_floor),
        ],
        [f"{number(profiles, 0)} risk profiles, a DOCX each ({number(t_batch / profiles * 1000, 0)} ms each)"]
        + [seconds(t_batch), f"{number(size / 2**20, 1)} MB", seconds(t_batch_floor), ratio(t_batch / t_batch_floor)],
    ]
    save(
        "documents",
        quick=args.quick,
        tables={"documents": table(["document", "time", "size", "floor: python-docx alone", "ratio"], rows)},
        values={"note_to_floor": t_note / t_note_floor, "profiles_to_floor": t_batch / t_batch_floor},
    )
    print(
        f"analytic note, {schools:,} schools ({municipalities:,} municipalities, chart of {schools:,} points): "
        f"{t_note:.2f} s, {len(note_bytes) / 2**20:.1f} MB; floor {t_note_floor:.2f} s; {t_note / t_note_floor:.1f}× the floor"
    )
    print(
        f"order with {len(listed):,} listed schools: {t_order:.2f} s, {len(order_bytes) / 2**20:.1f} MB; "
        f"floor {t_order_floor:.2f} s; {t_order / t_order_floor:.1f}× the floor"
    )
    print(
        f"{profiles} risk profiles: {t_batch:.2f} s ({t_batch / profiles * 1000:.0f} ms each), {size / 2**20:.1f} MB; "
        f"floor {t_batch_floor:.2f} s; {t_batch / t_batch_floor:.1f}× the floor"
    )


if __name__ == "__main__":
    main()
