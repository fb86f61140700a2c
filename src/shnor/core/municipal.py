"""Risk-oriented entry monitoring of the municipal education bodies (act 001, section 5, item 5.2:
«входного мониторинга муниципальных органов управления образования, в которых сосредоточено
наибольшее количество школ данных категорий на основе риск-ориентированного подхода»; section 4,
direction 4: criteria of a risk category «на основе сравнительной оценки … отчетности»).

The act names the approach, not its criteria or numbers. Here each criterion is a share of the
municipality's schools (or teachers, or the municipality itself) in an unfavourable state; a
municipality is in a criterion's risk zone when its share is above the region's (the comparative
assessment the act names), or, for a criterion of the municipality itself (no support structure,
no municipal programme), when the state holds. Its risk category follows from the share of the
measured criteria in the zone. The municipalities to monitor are the fewest that together hold
the set share of the region's listed schools, most listed first (of equal numbers, the larger
share of the district's schools). The numbers are the operator's
settings (`monitoring.municipal` of the preset), with their defaults below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field, model_validator


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    short: str  # a column's header
    # The kind of report the act names: «статистической, управленческой, финансовой и другой».
    kind: str
    # What the share counts over.
    over: str
    # True: a state of the municipality itself (0 or 1), in the zone whenever it holds.
    own: bool = False


STATISTICAL, MANAGERIAL, OTHER = "статистическая", "управленческая", "другая (надзорная)"
SCHOOLS, PROFILED, LISTED, TEACHERS, ITSELF = (
    "школ",
    "школ с рисковым профилем года",
    "школ перечня",
    "педагогов школ перечня",
    "муниципалитет",
)

CRITERIA: tuple[Criterion, ...] = (
    Criterion("listed", "Доля школ перечня (ШНОР и ШНСУ) среди школ", "Школы перечня", STATISTICAL, SCHOOLS),
    Criterion(
        "biased", "Доля школ с признаками необъективности результатов", "Необъектив\u00adность", STATISTICAL, SCHOOLS
    ),
    Criterion("risks", "Доля школ с зафиксированными факторами риска", "Факторы риска", STATISTICAL, PROFILED),
    Criterion("orders", "Доля школ с предписаниями органов надзора", "Пред\u00adписания", OTHER, SCHOOLS),
    Criterion(
        "no_programme",
        "Доля школ перечня без утверждённой программы повышения качества",
        "Без про\u00adграммы",
        MANAGERIAL,
        LISTED,
    ),
    Criterion(
        "no_curator", "Доля школ перечня без утверждённой пары со школой-куратором", "Без куратора", MANAGERIAL, LISTED
    ),
    Criterion(
        "untrained",
        "Доля педагогов школ перечня без курсов повышения квалификации в году",
        "Педагоги без курсов",
        MANAGERIAL,
        TEACHERS,
    ),
    Criterion(
        "no_municipal_programme",
        "Нет утверждённой муниципальной программы (дорожной карты)",
        "Дорожная карта",
        MANAGERIAL,
        ITSELF,
        True,
    ),
    Criterion(
        "no_body",
        "Нет действующей муниципальной структуры поддержки школ",
        "Структура поддержки",
        MANAGERIAL,
        ITSELF,
        True,
    ),
)
BY_CODE = {c.code: c for c in CRITERIA}

HIGH, MEDIUM, LOW, NO_DATA = "high", "medium", "low", "no_data"
CATEGORY_TITLES = {HIGH: "высокий риск", MEDIUM: "средний риск", LOW: "низкий риск", NO_DATA: "нет данных"}


class MunicipalMonitoring(BaseModel):
    """The operator's settings of the entry monitoring (act 001 gives no number)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The municipalities to monitor together hold at least this share of the listed ШНОР and ШНСУ:
    # «сосредоточено наибольшее количество школ» read as the fewest districts holding half of them.
    concentration: float = Field(default=0.5, gt=0, le=1)
    # High risk: more than this share of the measured criteria in the risk zone; medium: at least
    # this share. The operator's settings: the act names the categories of risk, not their bounds.
    high: float = Field(default=0.5, ge=0, lt=1)
    medium: float = Field(default=0.25, ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> MunicipalMonitoring:
        if self.medium > self.high:
            raise ValueError("доля критериев для среднего риска больше, чем для высокого")
        return self


@dataclass(frozen=True)
class Count:
    """How many of how many are in the unfavourable state (0 of 0: not measured)."""

    part: int
    whole: int

    def __post_init__(self) -> None:
        if not 0 <= self.part <= self.whole:
            raise ValueError(f"доля {self.part} из {self.whole}")

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.part, self.whole) if self.whole else None


@dataclass(frozen=True)
class District:
    """What one municipality's assessment is computed from."""

    code: str
    name: str
    schools: int  # its schools in the run
    listed: int  # of them on the list
    counts: Mapping[str, Count]  # criterion code → count


@dataclass(frozen=True)
class Assessed:
    district: District
    zone: dict[str, bool]  # measured criteria only: in the risk zone or not
    category: str
    holds: Fraction  # the district's share of the region's listed schools
    selected: bool  # to be monitored

    @property
    def in_zone(self) -> int:
        return sum(self.zone.values())

    @property
    def measured(self) -> int:
        return len(self.zone)


@dataclass(frozen=True)
class Assessment:
    districts: list[Assessed]  # most listed schools first, then by name
    region: dict[str, Count]  # the region's count per criterion
    listed: int  # the region's listed schools
    selected_hold: Fraction  # the share of them the selected districts hold
    rules: MunicipalMonitoring = field(default_factory=MunicipalMonitoring)


def category(in_zone: int, measured: int, rules: MunicipalMonitoring) -> str:
    """The risk category of a municipality with `in_zone` of its `measured` criteria in the zone."""
    if measured == 0:
        return NO_DATA
    share = Fraction(in_zone, measured)
    if share > Fraction(str(rules.high)):
        return HIGH
    if in_zone and share >= Fraction(str(rules.medium)):
        return MEDIUM
    return LOW


def _zone(counts: Mapping[str, Count], region: Mapping[str, Count]) -> dict[str, bool]:
    zone: dict[str, bool] = {}
    for c in CRITERIA:
        count = counts.get(c.code)
        if count is None or count.share is None:
            continue
        if c.own:
            zone[c.code] = count.part > 0
        else:
            regional = region[c.code].share
            zone[c.code] = regional is not None and count.share > regional
    return zone


def _rank(d: District) -> tuple[int, Fraction, str, str]:
    """Most listed schools first; of equal numbers, the larger share of the district's schools."""
    return (-d.listed, -Fraction(d.listed, d.schools or 1), d.name, d.code)


def select(districts: Iterable[District], concentration: float) -> set[str]:
    """The codes of the fewest municipalities, most listed schools first (of equal numbers, the
    larger share of their schools listed), that together hold at least `concentration` of the
    listed schools; one equal to the last chosen in both is chosen too."""
    ranked = sorted((d for d in districts if d.listed), key=_rank)
    total = sum(d.listed for d in ranked)
    chosen: set[str] = set()
    held, last = 0, None
    goal = Fraction(str(concentration)) * total
    for d in ranked:
        if held >= goal and _rank(d)[:2] != last:
            break
        chosen.add(d.code)
        held += d.listed
        last = _rank(d)[:2]
    return chosen


def assess(districts: Iterable[District], rules: MunicipalMonitoring | None = None) -> Assessment:
    rules = rules or MunicipalMonitoring()
    items = list(districts)
    region = {
        c.code: Count(
            sum(d.counts[c.code].part for d in items if c.code in d.counts),
            sum(d.counts[c.code].whole for d in items if c.code in d.counts),
        )
        for c in CRITERIA
    }
    listed = sum(d.listed for d in items)
    chosen = select(items, rules.concentration)
    rows = []
    for d in sorted(items, key=_rank):
        zone = _zone(d.counts, region)
        rows.append(
            Assessed(
                district=d,
                zone=zone,
                category=category(sum(zone.values()), len(zone), rules),
                holds=Fraction(d.listed, listed) if listed else Fraction(0),
                selected=d.code in chosen,
            )
        )
    held = sum(r.district.listed for r in rows if r.selected)
    return Assessment(rows, region, listed, Fraction(held, listed) if listed else Fraction(0), rules)
