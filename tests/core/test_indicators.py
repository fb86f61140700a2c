"""The indicators' arithmetic: a value from its numerator and denominator, and the drill-down that
sums to it."""

from __future__ import annotations

from shnor.core.indicators import SYSTEM, Row, Unit, Value, drill, value_of


def _unit(school: str, municipality: str, counted: bool) -> Unit:
    return Unit(key=school, label=school, school=school, school_name=f"Школа {school}", municipality=municipality,
                counted=counted)  # fmt: skip


def test_a_share_in_percent_a_count_as_it_is_and_no_denominator_no_value() -> None:
    assert value_of("share", 1, 3) == 33.3 and value_of("share", 2, 3) == 66.7 and value_of("share", 0, 0) is None
    assert value_of("count", 4, 0) == 4.0 and value_of("count", 0, 7) == 0.0


def test_the_drill_down_by_municipality_and_by_school_sums_to_the_value() -> None:
    units = [_unit("A1", "Альфа", True), _unit("A2", "Альфа", False), _unit("B1", "Бета", True)]
    assert drill("share", units, "municipality") == [
        Row("Альфа", "Альфа", 1, 2, 50.0),
        Row("Бета", "Бета", 1, 1, 100.0),
    ]
    assert drill("count", units, "school") == [
        Row("Школа A1", "A1", 1, 1, 1.0),
        Row("Школа A2", "A2", 0, 1, 0.0),
        Row("Школа B1", "B1", 1, 1, 1.0),
    ]
    definition = SYSTEM["1.1"]
    v = Value(definition, definition.title, 2026, 100.0, units)
    assert v.by("municipality") == drill("share", units, "municipality") and (v.numerator, v.denominator) == (2, 3)
