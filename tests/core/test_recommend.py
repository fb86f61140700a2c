"""Drafts of addressed recommendations, checked by hand."""

from __future__ import annotations

import datetime as dt

from shnor.core import recommend
from shnor.core.indicators import SYSTEM, Unit, Value


def _value(code: str, counted: int, total: int, target: float | None) -> Value:
    units = [Unit(str(i), "", "S", "Школа", "М", i < counted) for i in range(total)]
    return Value(SYSTEM[code], SYSTEM[code].title, 2026, target, units)


def test_gaps_name_the_shortfall_and_the_reference_largest_first() -> None:
    values = [
        _value("1.2", 1, 4, 50.0),  # 25 % against 50: half of the target missing
        _value("1.4.2", 3, 4, 100.0),  # 75 % against 100: a quarter missing
        _value("1.3.1", 4, 4, 100.0),  # met: not a gap
        _value("1.1", 0, 0, 100.0),  # no data: not a gap
    ]
    got = recommend.gaps(values, {"1.2": 40.0}, "по региону")
    assert [g.code for g in got] == ["1.2", "1.4.2"]
    assert got[0].shortfall == 25.0
    assert got[0].sentence() == (
        "Показатель 1.2 «Доля ШНОР и ШНСУ, показавших положительную динамику ИОР за год»: 25,0 % при целевом "
        "значении 50,0 % (ниже цели на 25,0 п. п.); по региону — 40,0 %."
    )
    assert got[1].reference is None and "по региону" not in got[1].sentence()


def test_count_gap_has_no_percent() -> None:
    gap = recommend.Gap("agreements", "Соглашения", 3.0, 5.0, "")
    assert gap.sentence() == "Показатель agreements «Соглашения»: 3 при целевом значении 5 (ниже цели на 2)."


def test_municipality_draft_actions_follow_the_gaps_and_common_risks() -> None:
    gaps = [recommend.Gap("1.3.1", "Диагностика", 40.0, 100.0, "%")]
    draft = recommend.for_municipality(
        gaps, listed=3, idle_pairs=1, factors={"Кадры": 2, "Мотивация": 3, "Ресурсы": 1, "Прочее": 1}
    )
    assert draft.findings[0] == "Школ муниципалитета в перечне ШНОР и ШНСУ: 3."
    assert draft.findings[2].endswith("«Мотивация» — в 3 школах; «Кадры» — в 2 школах; «Прочее» — в 1 школе.")
    assert draft.actions[0] == recommend.ACTIONS["1.3.1"]
    assert draft.actions[-1].startswith("Проконтролировать работу школ-кураторов")
    assert draft.actions_text.startswith("1. Организовать прохождение диагностики")


def test_municipality_with_nothing_off_target() -> None:
    draft = recommend.for_municipality([], 0, 0, {})
    assert draft.findings[-1] == "Все показатели системы с целевыми значениями достигнуты."


def test_school_draft_compares_with_peers_and_takes_the_catalogue_measures_once() -> None:
    facts = recommend.SchoolFacts(
        name="Школа А1",
        ior=-0.6,
        threshold=-0.3,
        peers=4,
        peers_median=0.05,
        models=("Школа Б2",),
        factors=(
            recommend.Factor("Низкая учебная мотивация", ("Разработать программу", "Провести семинар")),
            recommend.Factor("Дефицит кадров", ("Провести семинар",)),
        ),
        curator="Школа Б1",
    )
    draft = recommend.for_school(facts)
    assert draft.findings[0] == (
        "ИОР школы −0,60 при пороге отбора −0,30 (ниже порога); медиана ИОР школ со сходным социальным контекстом "
        "(4 школы) — 0,05."
    )
    assert "Школа Б2" in draft.findings[1]
    assert draft.actions == [
        "Изучить практики резильентных школ: Школа Б2.",
        "Разработать программу",
        "Провести семинар",
        "Использовать ресурсы школы-куратора (Школа Б1) по выявленным направлениям.",
    ]


def test_curator_draft_flags_an_idle_pair() -> None:
    school = recommend.SchoolFacts(name="Школа А1")
    pairs = [recommend.PairFacts(school, 2, dt.date(2026, 10, 1), True, 4.5)]
    draft = recommend.for_curator(pairs, 6)
    assert draft.findings == ["Школа А1: консультаций за год — 2, последняя 01.10.2026, средняя оценка школы 4,5 из 5."]
    assert draft.actions == [
        "Школа А1: возобновить консультации: перерыв превышает 6 нед.; согласовать график выездов."
    ]
    assert recommend.for_curator([], 6).findings == ["Утверждённых пар на год нет."]


def test_level_gaps_read_a_part_off_the_drill_down_shares_only() -> None:
    share = Value(
        SYSTEM["1.4.2"],
        SYSTEM["1.4.2"].title,
        2026,
        100.0,
        [
            Unit("A1", "", "A1", "Школа А1", "Альфа", False),
            Unit("A2", "", "A2", "Школа А2", "Альфа", True),
            Unit("B1", "", "B1", "Школа Б1", "Бета", True),
        ],
    )
    count = Value(SYSTEM["agreements"], "Соглашения", 2026, 5.0, [Unit("1", "", "A1", "Школа А1", "Альфа", True)])
    rows = {v.definition.code: {r.key: r for r in v.by("municipality")} for v in (share, count)}
    got = recommend.level_gaps([share, count], rows, "Альфа", "по региону")
    assert [(g.code, g.value, g.target, g.reference) for g in got] == [("1.4.2", 50.0, 100.0, 66.7)]
    assert recommend.level_gaps([share, count], rows, "Бета", "по региону") == []  # 100 % meets it
    assert recommend.level_gaps([share], rows, "Гамма", "по региону") == []  # not counted there at all
