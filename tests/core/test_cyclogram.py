"""The cyclogram: each preset carries its act's own calendar, every item quotes its act, statuses by
date and evidence, working years that start in September."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from shnor.core.cyclogram import MONTHS, Item, status, working_year, year_bounds, year_title
from shnor.core.presets import PresetError, load_text
from shnor.presets import available, load

ACTS = Path(__file__).resolve().parents[2] / "docs" / "acts"


def _act(number: str) -> str:
    """The act's text with its lines joined, as quotations join them."""
    return re.sub(r"\s+", " ", (ACTS / f"{number}.txt").read_text(encoding="utf-8"))


def test_volgograd_is_act_004_table_2() -> None:
    preset, _ = load("volgograd-2021")
    assert preset.year_start == 1
    assert [(i.code, i.start, i.end, i.evidence) for i in preset.cyclogram] == [
        ("identification", 1, 2, "identification"),
        ("competences", 2, 2, "diagnostics"),
        ("profiles", 3, 3, "profiles"),
        ("interim", 6, 6, "interim"),
        ("final", 12, 12, "final"),
        ("final_dynamics", 12, 12, "final"),
    ]
    first = preset.cyclogram[0]
    assert first.period(2026) == "январь — февраль 2026" and preset.cyclogram[2].period(2026) == "март 2026"
    assert first.window(2028) == (dt.date(2028, 1, 1), dt.date(2028, 2, 29))


def test_each_preset_has_its_own_calendar_and_none_borrows_another() -> None:
    calendars = {name: load(name)[0] for name in available()}
    assert {name: (p.year_start, len(p.cyclogram)) for name, p in calendars.items()} == {
        "dobrinka-2018": (1, 18),
        "ivanovo-2020": (9, 17),
        "volgograd-2021": (1, 6),
        "vologda-2019": (1, 8),
    }
    vologda = {i.code: i for i in calendars["vologda-2019"].cyclogram}
    # Act 001, section 5: identification in March–April, curator groups in October–November, the
    # interregional seminar of at least 40 participants in November, at least 5 agreements by 31 December.
    assert (vologda["identification"].start, vologda["identification"].end) == (3, 4)
    assert (vologda["curator_groups"].start, vologda["curator_groups"].end, vologda["curator_groups"].evidence) == (
        10,
        11,
        "pairs",
    )
    seminar = vologda["seminar"]
    assert (seminar.start, seminar.event_level, seminar.min_participants) == (11, "interregional", 40)
    assert (vologda["agreements"].end, vologda["agreements"].min_count) == (12, 5)
    ivanovo = {i.code: i for i in calendars["ivanovo-2020"].cyclogram}
    # Act 002, item 7 has two dates (October 2020, May 2021): both are kept.
    assert (ivanovo["dynamics_october"].start, ivanovo["dynamics_may"].start) == (10, 5)
    assert ivanovo["dynamics_may"].window(2020, 9) == (dt.date(2021, 5, 1), dt.date(2021, 5, 31))
    assert ivanovo["diagnostics"].period(2020, 9) == "октябрь 2020 — май 2021"
    assert "identification" not in {i.evidence for i in calendars["dobrinka-2018"].cyclogram}


@pytest.mark.parametrize("name", ["dobrinka-2018", "ivanovo-2020", "volgograd-2021", "vologda-2019"])
def test_every_item_quotes_its_act_verbatim(name: str) -> None:
    preset, _ = load(name)
    texts = {number: _act(number) for number in preset.seeds}
    for item in preset.cyclogram:
        act = re.match(r"Акт (\d{3})", item.source)
        assert act and act.group(1) in texts, (item.code, item.source)
        quotes = re.findall(r"«([^»]+)»", item.source)
        assert quotes, item.code
        for quote in quotes:
            assert quote in texts[act.group(1)], (item.code, quote)


def test_statuses_by_date_and_evidence() -> None:
    item = Item(code="identification", title="x", start=1, end=2, evidence="identification")
    assert status(item, 2026, dt.date(2025, 12, 31), None) == "planned"
    assert status(item, 2026, dt.date(2026, 1, 1), None) == "in_progress"
    assert status(item, 2026, dt.date(2026, 2, 28), None) == "in_progress"
    assert status(item, 2026, dt.date(2026, 3, 1), None) == "overdue"
    assert status(item, 2026, dt.date(2026, 3, 1), dt.date(2026, 2, 10)) == "done"
    assert status(item, 2026, dt.date(2026, 11, 1), dt.date(2026, 4, 2)) == "done_late"
    assert status(item, 2026, dt.date(2026, 1, 5), None, done=True) == "done"  # done, date unknown
    outside = Item(code="talks", title="x", start=9, end=9, evidence="none")
    assert status(outside, 2026, dt.date(2026, 10, 1), None) == "outside"  # never called overdue


def test_a_school_year_starts_in_september() -> None:
    assert working_year(dt.date(2021, 3, 1), 9) == 2020 and working_year(dt.date(2020, 9, 1), 9) == 2020
    assert working_year(dt.date(2026, 3, 1)) == 2026
    assert year_bounds(2020, 9) == (dt.date(2020, 9, 1), dt.date(2021, 9, 1))
    assert (year_title(2020, 9), year_title(2026)) == ("2020/21 учебный год", "2026 год")
    item = Item(code="x", title="x", start=12, end=2, evidence="none")  # December to February
    assert item.window(2020, 9) == (dt.date(2020, 12, 1), dt.date(2021, 2, 28))
    assert item.period(2020, 9) == "декабрь 2020 — февраль 2021"
    assert status(item, 2020, dt.date(2021, 1, 15), None, year_start=9) == "in_progress"


def test_an_item_ends_after_it_starts_within_the_working_year() -> None:
    text = "name: x\nversion: '1'\ntitle: x\nregion: x\nlevel: region\ncyclogram:\n"
    item = "  - {code: a, title: a, start: 5, end: 4, evidence: profiles}\n"
    with pytest.raises(PresetError, match="раньше первого"):
        load_text(text + item)
    assert load_text("year_start: 5\n" + text + item).cyclogram  # May to the next April
    with pytest.raises(PresetError, match="раньше первого"):  # April is after May in a year from May
        load_text("year_start: 5\n" + text + item.replace("start: 5, end: 4", "start: 4, end: 5"))


MONTH_NUMBERS = {name: number for number, name in enumerate(MONTHS) if name}
NTH = {"первая дата": 0, "вторая дата": -1, "первый срок": 0, "второй срок": 1, "третий срок": 2}


def _months(quote: str) -> list[int]:
    """The months a quotation of the act names, in order («до 31 декабря» is December)."""
    words = re.findall(r"[а-яё]+", quote.lower())
    found = []
    for word in words:
        for name, number in MONTH_NUMBERS.items():
            if word.startswith(name[:-1]) and len(word) <= len(name) + 1:  # «сентябрь», «декабря»
                found.append(number)
                break
    return found


@pytest.mark.parametrize("name", ["dobrinka-2018", "ivanovo-2020", "volgograd-2021", "vologda-2019"])
def test_every_item_falls_in_the_months_its_act_names(name: str) -> None:
    """The months of each item are those of its quoted term: the first and the last month named, or
    the one the source picks («первая дата», «второй срок»); a whole-year term («до 31 декабря»)
    runs from the working year's start."""
    preset, _ = load(name)
    for item in preset.cyclogram:
        quote = " ".join(re.findall(r"«([^»]+)»", item.source.split(" — ")[0]))
        months = _months(quote)
        assert months, (item.code, quote)
        picked = next((months[i] for phrase, i in NTH.items() if phrase in item.source), None)
        if picked is not None:
            expected = (picked, picked)
        elif quote.lower().startswith("до ") or ", «до " in item.source:
            expected = (preset.year_start, months[-1])
        else:
            expected = (months[0], months[-1])
        if item.code == "final" and name == "ivanovo-2020":
            expected = (months[0], months[-1])  # «Май, август 2021»: one final wave from May to August
        assert (item.start, item.end) == expected, (item.code, quote)
