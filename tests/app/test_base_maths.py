"""ЕГЭ base maths as the exam centre sends it — some schools' pupils with the mark alone — goes
through a whole identification run: such a school's base maths is no component of its index, the
other schools' components are what they were, and the run completes (issue 19; before, saving the
run failed on the empty mean)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from django.conf import settings

from shnor.accounts.services import SystemUser
from shnor.core.contract import TABLES
from shnor.engine.store import Store
from shnor.identification import services
from shnor.identification.models import Component, Run
from tests.conftest import World


def _rows(works: list[tuple[str, str, int, str, bool]]) -> pa.Table:
    """(procedure, subject, grade, school, scored) for 2022–2024, 20 pupils each; unscored pupils
    carry the mark alone."""
    rows: dict[str, list[Any]] = {c.name: [] for c in TABLES["results"].columns}
    for year in (2022, 2023, 2024):
        for procedure, subject, grade, school, scored in works:
            for i in range(20):
                score = float(5 + i % 15)
                values = {
                    "year": year,
                    "procedure": procedure,
                    "grade": grade,
                    "subject": subject,
                    "school_id": school,
                    "student_key": f"P{school}{year}{procedure}{subject}{i:03d}",
                    "primary_score": score if scored else None,
                    "max_primary_score": 21.0,
                    "test_score": None,
                    "mark": 2 + int(score >= 7) + int(score >= 12) + int(score >= 17),
                    "journal_mark": None,
                }
                for name, value in values.items():
                    rows[name].append(value)
    return pa.table(rows)


def test_a_school_with_base_maths_marks_alone_is_identified_without_that_work(world: World) -> None:
    works = [("OGE", "rus", 9, s, True) for s in ("A001", "A002", "B001")]
    works += [("EGE", "math_base", 11, "A001", True), ("EGE", "math_base", 11, "B001", True)]
    works += [("EGE", "math_base", 11, "A002", False)]
    Store(settings.SHNOR_STORE_DIR).replace("results", _rows(works), "test", TABLES["results"].replace_by)
    started = services.start(SystemUser("test"), 2024, channel="cli", queue=False)
    done = services.execute(started.pk)
    assert done.status == Run.Status.DONE, done.message
    base = Component.objects.filter(run=done, subject="math_base")
    assert sorted(set(base.values_list("school__school_id", flat=True))) == ["A001", "B001"]
    assert set(base.values_list("participants", flat=True)) == {20}
    assert Component.objects.filter(run=done, school__school_id="A002", subject="rus").count() == 3


def test_a_run_s_components_are_saved_as_its_outcome_gives_them(world: World) -> None:
    """The components are inserted as plain rows: the values of the outcome, in their columns."""
    works = [("OGE", "rus", 9, s, True) for s in ("A001", "A002", "B001")]
    Store(settings.SHNOR_STORE_DIR).replace("results", _rows(works), "test", TABLES["results"].replace_by)
    done = services.execute(services.start(SystemUser("test"), 2024, channel="cli", queue=False).pk)
    saved = Component.objects.filter(run=done)
    assert saved.count() == 9  # three schools, three years
    one = saved.get(school__school_id="A001", year=2024)
    # Scores 5…19 and 5…9: (180 + 35) / 20 pupils; the three schools are alike, so z is 0.
    assert (one.procedure, one.subject, one.grade, one.participants, one.mean) == ("OGE", "rus", 9, 20, 10.75)
    assert one.region_mean == 10.75 and one.z == 0.0 and one.weight > 0


def test_component_rows_keep_the_scored_works_of_registered_schools() -> None:
    """Hand rows: a school outside the registry, a work of weight 0 and one without a finite z are
    not components; the participants are the scored pupils where the outcome counts them."""
    import math

    import pandas as pd

    from shnor.identification.services.results import COMPONENT_COLUMNS, component_rows

    frame = pd.DataFrame(
        {
            "school_id": ["A", "A", "B", "X", "A"],
            "year": [2024, 2023, 2024, 2024, 2022],
            "procedure": ["OGE"] * 5,
            "subject": ["rus", "rus", "math", "rus", "rus"],
            "grade": [9, 9, 9, 9, 9],
            "n": [20, 18, 30, 5, 7],
            "n_scored": [19, 18, 30, 5, 7],
            "mean": [10.75, 11.0, 12.5, 9.0, 8.0],
            "region_mean": [11.0] * 5,
            "region_sd": [2.0] * 5,
            "z": [-0.125, 0.0, 0.75, 1.0, math.nan],
            "v": [4.0, 4.5, 3.0, 2.0, 1.0],
            "weight": [1.0, 0.5, 0.0, 1.0, 1.0],
        }
    )
    rows = component_rows(7, frame, {"A": 1, "B": 2})
    assert rows == [
        (7, 1, 2024, "OGE", "rus", 9, 19, 10.75, 11.0, 2.0, -0.125, 4.0, 1.0),
        (7, 1, 2023, "OGE", "rus", 9, 18, 11.0, 11.0, 2.0, 0.0, 4.5, 0.5),
    ]
    assert len(COMPONENT_COLUMNS) == len(rows[0])
    assert all(type(v) in (int, float, str) for v in rows[0])  # plain values for the driver
    assert component_rows(7, frame.drop(columns="n_scored"), {"A": 1})[0][6] == 20
    assert component_rows(7, frame.iloc[:0], {"A": 1}) == []
