"""The yearly cyclogram of monitoring: what is due when, and the status of each item against the
date and the evidence that fulfilled it. Pure: no Django.

Each preset carries its act's own calendar (act 004, table 2 by default) and the month its working
year starts: January for a calendar year, September for a school year (act 002: «Сентябрь 2020 –
август 2021»). A month before the start month falls in the next calendar year of the working year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# What in the system fulfils an item: a finished identification, teachers' diagnostics, risk
# profiles, an entry, interim or final monitoring wave, programmes created, pairs (curator groups)
# approved, cooperation agreements, events held, courses completed; `none` — the system holds no
# evidence of it, and a person confirms it outside the system.
Evidence = Literal[
    "identification",
    "diagnostics",
    "profiles",
    "entry",
    "interim",
    "final",
    "programmes",
    "pairs",
    "agreements",
    "events",
    "courses",
    "none",
]
Status = Literal["planned", "in_progress", "done", "done_late", "overdue", "outside"]

STATUS_TITLES: dict[str, str] = {
    "planned": "запланировано",
    "in_progress": "идёт срок",
    "done": "выполнено",
    "done_late": "выполнено с опозданием",
    "overdue": "просрочено",
    "outside": "срок прошёл; подтверждается вне системы",
}

MONTHS = [
    "",
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]


class Item(BaseModel):
    """One line of the cyclogram: months of the working year, what in the system fulfils it, and
    the clause of the act it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    start: int = Field(ge=1, le=12)  # first month
    end: int = Field(ge=1, le=12)  # last month (inclusive); before `start` only across the new year
    evidence: Evidence
    use: str = ""  # how the results are used (act 004, table 3)
    source: str = ""  # the clause of the act: «акт 004, таблица 2»
    responsible: str = ""  # who does it, as the act names them
    # How many records of the evidence the item needs (act 001: «не менее 5-ти» agreements).
    min_count: int = Field(default=1, ge=1)
    # events only: the level of the event (Event.Level) and the participants it needs.
    event_level: str = ""
    min_participants: int = Field(default=0, ge=0)
    # programmes only: the levels the act names, each needing `min_count` programmes of its own
    # (act 001: «региональных программ», «муниципальных и школьных программ»); empty — any level.
    levels: list[Literal["region", "municipality", "school", "anti_risk"]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _levels(self) -> Item:
        if self.levels and self.evidence != "programmes":
            raise ValueError(f"циклограмма, {self.code}: уровни программ задаются только для подтверждения programmes")
        return self

    def window(self, year: int, year_start: int = 1) -> tuple[dt.date, dt.date]:
        """The first and last day of the item in working year `year` (which starts in `year_start`)."""
        first_year, last_year = year + _offset(self.start, year_start), year + _offset(self.end, year_start)
        last_day = calendar.monthrange(last_year, self.end)[1]
        return dt.date(first_year, self.start, 1), dt.date(last_year, self.end, last_day)

    def period(self, year: int, year_start: int = 1) -> str:
        first, last = self.window(year, year_start)
        if (first.year, first.month) == (last.year, last.month):
            return f"{MONTHS[first.month]} {first.year}"
        if first.year == last.year:
            return f"{MONTHS[first.month]} — {MONTHS[last.month]} {last.year}"
        return f"{MONTHS[first.month]} {first.year} — {MONTHS[last.month]} {last.year}"


def _offset(month: int, year_start: int) -> int:
    """0 when the month falls in the working year's first calendar year, 1 when in the next."""
    return 0 if month >= year_start else 1


def check_order(items: tuple[Item, ...] | list[Item], year_start: int) -> None:
    """Every item ends no earlier than it starts within the working year; ValueError otherwise."""
    for item in items:
        first, last = item.window(2001, year_start)
        if last < first:
            raise ValueError(f"циклограмма, {item.code}: последний месяц раньше первого")


def working_year(today: dt.date, year_start: int = 1) -> int:
    """The working year a day belongs to, named by the calendar year it starts in."""
    return today.year if today.month >= year_start else today.year - 1


def year_bounds(year: int, year_start: int = 1) -> tuple[dt.date, dt.date]:
    """The first day of working year `year` and the first day of the next one."""
    return dt.date(year, year_start, 1), dt.date(year + 1, year_start, 1)


def year_title(year: int, year_start: int = 1) -> str:
    """«2026 год» for a calendar year, «2020/21 учебный год» for one that starts in another month."""
    if year_start == 1:
        return f"{year} год"
    return f"{year}/{(year + 1) % 100:02d} учебный год"


def status(
    item: Item, year: int, today: dt.date, done_on: dt.date | None, done: bool = False, year_start: int = 1
) -> Status:
    """Planned before the window, in progress inside it, overdue after it unless done; done late
    when the evidence came after the window closed. An item the system holds no evidence of is
    never called overdue: after its window it is confirmed outside the system."""
    start, end = item.window(year, year_start)
    if done or done_on is not None:
        return "done_late" if done_on is not None and done_on > end else "done"
    if today < start:
        return "planned"
    if today <= end:
        return "in_progress"
    return "outside" if item.evidence == "none" else "overdue"
