"""The cyclogram: statuses by date and evidence; the default is act 004's table 2."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from shnor.core.cyclogram import DEFAULT, Item, status


def test_the_default_is_seed_004_table_2() -> None:
    assert [(i.code, i.start, i.end, i.evidence) for i in DEFAULT] == [
        ("identification", 1, 2, "identification"),
        ("competences", 2, 2, "diagnostics"),
        ("profiles", 3, 3, "profiles"),
        ("interim", 6, 6, "interim"),
        ("final", 12, 12, "final"),
    ]
    assert DEFAULT[0].period(2026) == "январь — февраль 2026" and DEFAULT[2].period(2026) == "март 2026"
    assert DEFAULT[0].window(2028) == (dt.date(2028, 1, 1), dt.date(2028, 2, 29))


def test_statuses_by_date_and_evidence() -> None:
    item = DEFAULT[0]  # January–February
    assert status(item, 2026, dt.date(2025, 12, 31), None) == "planned"
    assert status(item, 2026, dt.date(2026, 1, 1), None) == "in_progress"
    assert status(item, 2026, dt.date(2026, 2, 28), None) == "in_progress"
    assert status(item, 2026, dt.date(2026, 3, 1), None) == "overdue"
    assert status(item, 2026, dt.date(2026, 3, 1), dt.date(2026, 2, 10)) == "done"
    assert status(item, 2026, dt.date(2026, 11, 1), dt.date(2026, 4, 2)) == "done_late"
    assert status(item, 2026, dt.date(2026, 1, 5), None, done=True) == "done"  # done, date unknown


def test_an_item_ends_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="раньше первого"):
        Item(code="x", title="x", start=5, end=4, evidence="profiles")
