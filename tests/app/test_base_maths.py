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
