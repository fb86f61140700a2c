"""The yearly cyclogram of monitoring (act 004, table 2): what is due when, and the status of each
item against the date and the evidence that fulfilled it. Pure: no Django.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Evidence = Literal["identification", "diagnostics", "profiles", "interim", "final"]
Status = Literal["planned", "in_progress", "done", "done_late", "overdue"]

STATUS_TITLES: dict[str, str] = {
    "planned": "запланировано",
    "in_progress": "идёт срок",
    "done": "выполнено",
    "done_late": "выполнено с опозданием",
    "overdue": "просрочено",
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
    """One line of the cyclogram: months of the calendar year, and what in the system fulfils it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    start: int = Field(ge=1, le=12)  # first month
    end: int = Field(ge=1, le=12)  # last month (inclusive)
    evidence: Evidence
    use: str = ""  # how the results are used (act 004, table 3)

    @model_validator(mode="after")
    def _order(self) -> Item:
        if self.end < self.start:
            raise ValueError(f"{self.code}: последний месяц раньше первого")
        return self

    def window(self, year: int) -> tuple[dt.date, dt.date]:
        return dt.date(year, self.start, 1), dt.date(year, self.end, calendar.monthrange(year, self.end)[1])

    def period(self, year: int) -> str:
        if self.start == self.end:
            return f"{MONTHS[self.start]} {year}"
        return f"{MONTHS[self.start]} — {MONTHS[self.end]} {year}"


# Act 004, table 2 (with table 3's use of the results), yearly.
DEFAULT: tuple[Item, ...] = (
    Item(
        code="identification",
        title="Идентификация школ с низкими результатами обучения и школ, функционирующих в сложных социальных условиях",
        start=1,
        end=2,
        evidence="identification",
        use="Включение школ в региональные и муниципальные программы; определение школ-кураторов; выявление практик резильентных школ.",
    ),
    Item(
        code="competences",
        title="Исследование профессиональных компетенций (предметных и методических) педагогических работников",
        start=2,
        end=2,
        evidence="diagnostics",
        use="Планирование методической помощи, индивидуальные образовательные маршруты и адресные программы повышения квалификации.",
    ),
    Item(
        code="profiles",
        title="Составление рискового профиля для школ с низкими результатами обучения",
        start=3,
        end=3,
        evidence="profiles",
        use="Планирование методической помощи; актуализация программ развития и программ повышения качества образования.",
    ),
    Item(
        code="interim",
        title="Промежуточный мониторинг программ повышения качества образования",
        start=6,
        end=6,
        evidence="interim",
        use="Корректировка регионального плана сопровождения.",
    ),
    Item(
        code="final",
        title="Итоговый мониторинг: эффективность методического сопровождения и динамика образовательных результатов",
        start=12,
        end=12,
        evidence="final",
        use="Выявление эффективных практик, стимулирование кураторов; перечень школ с положительной динамикой для исключения из программы.",
    ),
)


def status(item: Item, year: int, today: dt.date, done_on: dt.date | None, done: bool = False) -> Status:
    """Planned before the window, in progress inside it, overdue after it unless done; done late
    when the evidence came after the window closed."""
    start, end = item.window(year)
    if done or done_on is not None:
        return "done_late" if done_on is not None and done_on > end else "done"
    if today < start:
        return "planned"
    if today <= end:
        return "in_progress"
    return "overdue"
