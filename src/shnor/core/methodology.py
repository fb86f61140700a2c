"""The identification methodology of a preset: what is measured, how, and what selects a school.

Every number the identification uses that a region might want to set differently lives here,
with the default of act 004 (Volgograd). `docs/methodology.md` explains each one. The model is
strict (`extra="forbid"`): a misspelt key in a preset is an error, not a silently ignored setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shnor.core.contract import TABLES

# Flags a selection rule or a category may name, and those that rest on results alone (a school with
# insufficient data is never selected on these).
FLAGS = (
    "ior_low",
    "isb_low",
    "stable_low",
    "federal_risk",
    "objectivity_flag",
    "value_added_negative",
    "orders",
    "complaints",
)
RESULT_FLAGS = frozenset({"ior_low", "stable_low", "federal_risk", "objectivity_flag", "value_added_negative"})
SIGNS = (
    "vpr_journal",  # ВПР marks above the term marks of the same pupils (FIS OKO «повысили»)
    "journal_inflation",  # term marks above the ВПР marks (FIS OKO «понизили»)
    "high_fives",  # share of «5» far above what the school's context predicts
    "oge_ege",  # share of ОГЭ «5» against the share of ЕГЭ ≥ 75 in the same school
    "heaping",  # scores heaped just above the mark cut-offs
    "difficulty_inversion",  # hard tasks solved as often as easy ones (task-level data)
    "jump",  # a sharp rise against the school's own history
    "vpr_oge_mismatch",  # the same cohort high on ВПР and low on ОГЭ a year later
    "quality_mismatch",  # quality (marks 4 and 5) by term marks far from quality by ВПР (act 003)
    "base_profile",  # failed ЕГЭ base maths yet passed profile maths in the same year (act 003)
)
SOCIAL_COLUMNS = tuple(c.name for c in TABLES["social"].columns if c.name.startswith("share_"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    """One work (procedure × subject × grade) of the results index, with its weight."""

    procedure: str
    subject: str
    grade: int = Field(ge=1, le=11)
    weight: float = Field(default=1.0, gt=0)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.procedure, self.subject, self.grade)


class Cutoff(_Strict):
    """Where the «low» zone of an index ends: a quantile of the region's schools, or a fixed value."""

    kind: Literal["quantile", "fixed"] = "quantile"
    value: float

    @model_validator(mode="after")
    def _quantile_in_range(self) -> Cutoff:
        if self.kind == "quantile" and not 0 < self.value < 1:
            raise ValueError("квантиль должен быть между 0 и 1")
        return self


class SocialPart(_Strict):
    """One share of the social index. Shares of disadvantage count against well-being."""

    column: str
    weight: float = Field(default=1.0, gt=0)
    higher_is_better: bool = False

    @model_validator(mode="after")
    def _known_column(self) -> SocialPart:
        if self.column not in SOCIAL_COLUMNS:
            raise ValueError(f"нет такой доли в таблице social: {self.column}; есть: {', '.join(SOCIAL_COLUMNS)}")
        return self


class Objectivity(_Strict):
    """Signs of biased results: which are looked for, their thresholds, and what a sign does."""

    # Act 003's quality mismatch and base/profile inversion are looked for where its preset names them
    # (a region's term marks and pupils' pairs of ЕГЭ levels are not always loaded); every other sign
    # by default.
    signs: tuple[str, ...] = tuple(s for s in SIGNS if s not in ("quality_mismatch", "base_profile"))
    min_participants: int = Field(default=10, ge=1)
    # vpr_journal / journal_inflation: the school's share of pupils whose ВПР mark is above (below)
    # their term mark exceeds the region's share by this much.
    journal_gap: float = Field(default=0.15, gt=0, lt=1)
    # high_fives: share of «5» above the share predicted from the social index by this much and by
    # `z` binomial standard errors.
    fives_gap: float = Field(default=0.15, gt=0, lt=1)
    z: float = Field(default=3.0, gt=0)
    # oge_ege: the school's ratio of the ОГЭ «5» share to the ЕГЭ ≥ `ege_high` share is at least
    # `ratio` times the region's ratio.
    ege_high: float = 75.0
    ratio: float = Field(default=2.0, gt=1)
    # heaping: pupils exactly at a mark cut-off are at least `heap_ratio` times those one point
    # below, where the region's ratio is under 1.5.
    heap_ratio: float = Field(default=2.5, gt=1)
    # difficulty_inversion: rank correlation of the school's task solve rates with the region's
    # below this value.
    inversion_rho: float = Field(default=0.2, ge=-1, le=1)
    # jump: the school's standardised mean on a work rose by this many student SDs against the
    # mean of its previous years.
    jump: float = Field(default=0.8, gt=0)
    # vpr_oge_mismatch: ВПР grade 8 of year Y−1 minus ОГЭ of year Y, same subject, in student SDs.
    mismatch: float = Field(default=0.6, gt=0)
    # quality_mismatch: quality (share of «4» and «5») by term marks and by ВПР of the same work differ
    # by at least this much (act 003 cites 55 % against 82 %; it sets no threshold).
    quality_gap: float = Field(default=0.2, gt=0, lt=1)
    # A sign seen in this many years of the window is persistent (severity «high»).
    persistence_years: int = Field(default=2, ge=1)
    # Components of a procedure with a sign are down-weighted in ИОР by this factor (0 drops them).
    downweight: float = Field(default=0.25, ge=0, le=1)
    # How the flag is decided: «evidence» — by the combined, calibrated evidence of every sign over
    # the window, at the false-flag rate below (core/identification/evidence.py); «count» — by a count
    # of the signs that crossed their thresholds (`flag_signs` distinct signs, or one persistent sign).
    flag: Literal["evidence", "count"] = "evidence"
    # «evidence»: the probability that an honest school is flagged, when the null model holds.
    false_flag_rate: float = Field(default=0.005, gt=0, lt=0.5)
    # «evidence»: a unit (a school's work or year) counts from this many pupils; its binomial or
    # standardisation error says how much it counts.
    evidence_min_pupils: int = Field(default=5, ge=1)
    # «count»: the flag needs at least this many signs (or one persistent sign).
    flag_signs: int = Field(default=2, ge=1)

    @model_validator(mode="after")
    def _known_signs(self) -> Objectivity:
        unknown = sorted(set(self.signs) - set(SIGNS))
        if unknown:
            raise ValueError(f"неизвестные признаки: {', '.join(unknown)}; есть: {', '.join(SIGNS)}")
        return self


class FederalRisk(_Strict):
    """The federal indicator of the risk of low results, over the works of the results index
    (`works: components`) or over every work in the data (`works: all`)."""

    works: Literal["components", "all"] = "components"
    share: float = Field(default=0.3, gt=0, le=1)
    procedures: int = Field(default=2, ge=1)
    min_participants: int = Field(default=5, ge=1)


class Categories(_Strict):
    """Risk-oriented categories of act 001: which flags make НР, ССК and НО."""

    low_results: tuple[str, ...] = ("ior_low", "stable_low", "federal_risk")
    hard_context: tuple[str, ...] = ("isb_low",)
    biased: tuple[str, ...] = ("objectivity_flag",)

    @model_validator(mode="after")
    def _known_flags(self) -> Categories:
        _check_flags([*self.low_results, *self.hard_context, *self.biased])
        return self


class Selection(_Strict):
    """The rule that turns the flags into the proposed list.

    A school is selected when any flag of `any_of` holds (categories НР / ССК / НО may be named too)
    and every flag of `all_of` holds. When fewer than `minimum` schools — or fewer than
    `minimum_share` of the registry's schools, rounded up — are selected, the lowest by ИОР among
    those with enough data are added up to it (act 000: «не менее 10»; act 003: «включение 72 %
    образовательных организаций в Программу»).
    """

    any_of: tuple[str, ...] = ("ior_low", "isb_low")
    all_of: tuple[str, ...] = ()
    minimum: int = Field(default=0, ge=0)
    minimum_share: float = Field(default=0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _known_flags(self) -> Selection:
        _check_flags([*self.any_of, *self.all_of], extra=("НР", "ССК", "НО"))
        if not self.any_of and not self.all_of:
            raise ValueError("правило отбора пусто: укажите any_of или all_of")
        return self


def _check_flags(flags: list[str], extra: tuple[str, ...] = ()) -> None:
    unknown = sorted(set(flags) - set(FLAGS) - set(extra))
    if unknown:
        raise ValueError(f"неизвестные признаки: {', '.join(unknown)}; есть: {', '.join((*FLAGS, *extra))}")


DEFAULT_COMPONENTS = (
    Component(procedure="EGE", subject="rus", grade=11),
    Component(procedure="EGE", subject="math_prof", grade=11),
    Component(procedure="EGE", subject="math_base", grade=11),
    Component(procedure="OGE", subject="rus", grade=9),
    Component(procedure="OGE", subject="math", grade=9),
    Component(procedure="VPR", subject="rus", grade=4),
    Component(procedure="VPR", subject="math", grade=4),
)
DEFAULT_SOCIAL = (
    SocialPart(column="share_parents_no_higher_ed"),
    SocialPart(column="share_unemployed_parents"),
    SocialPart(column="share_on_register"),
)
# Federal minimum test scores of ЕГЭ (below them the exam is failed).
DEFAULT_MIN_TEST_SCORES = {
    "rus": 24.0,
    "math_prof": 27.0,
    "phys": 36.0,
    "chem": 36.0,
    "bio": 36.0,
    "hist": 32.0,
    "soc": 42.0,
    "lit": 32.0,
    "geo": 37.0,
    "eng": 22.0,
    "inf": 40.0,
}


class Methodology(_Strict):
    window: int = Field(default=3, ge=1, le=5)
    components: tuple[Component, ...] = DEFAULT_COMPONENTS
    min_participants: int = Field(default=15, ge=1)
    ior_low: Cutoff = Cutoff(kind="quantile", value=0.25)
    isb_low: Cutoff = Cutoff(kind="quantile", value=0.25)
    social: tuple[SocialPart, ...] = DEFAULT_SOCIAL
    value_added_locality: bool = True
    value_added_level: float = Field(default=0.9, gt=0.5, lt=1)
    # For works known only as school means (table results_schools): the assumed share of the
    # pupils' score variance that lies between schools, used to express means in pupil SDs.
    assumed_icc: float = Field(default=0.2, gt=0, lt=1)
    min_test_scores: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MIN_TEST_SCORES))
    objectivity: Objectivity = Objectivity()
    federal_risk: FederalRisk = FederalRisk()
    categories: Categories = Categories()
    selection: Selection = Selection()

    @model_validator(mode="after")
    def _distinct_components(self) -> Methodology:
        keys = [c.key for c in self.components]
        if len(set(keys)) != len(keys):
            raise ValueError("компоненты ИОР повторяются")
        if not keys:
            raise ValueError("нужен хотя бы один компонент ИОР")
        if not self.social:
            raise ValueError("нужна хотя бы одна доля ИСБ")
        return self
