"""Presets: everything that differs between regions, as versioned YAML validated by pydantic.

A preset holds its identity and sources, the identification methodology
(`shnor.core.methodology`), the risk-profile catalogue (`shnor.core.risks`), programme templates
and the exit rule (`shnor.core.programmes`), the targets and the act's calendar (`shnor.core.cyclogram`).
"""

from __future__ import annotations

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shnor.core.cyclogram import Item as CycleItem
from shnor.core.cyclogram import check_order
from shnor.core.indicators import Indicators
from shnor.core.methodology import Methodology
from shnor.core.municipal import MunicipalMonitoring
from shnor.core.programmes import ExitRule, ProgrammeTemplate
from shnor.core.risks import Catalogue, default_catalogue
from shnor.core.support import SupportRules


class PresetError(Exception):
    """A preset cannot be found or does not validate; the message says where and why."""


class Goals(BaseModel):
    """The goal(s) and tasks of the system as its founding act states them (act 004 §2 and the
    other acts' programmes); a year's editable copy starts from these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    goal: list[str] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list)
    source: str = ""


class Source(BaseModel):
    """Where one rule of the preset comes from: a clause of its act, quoted («Акт 004, раздел 4:
    «…»»), or the operator's setting with the reason for its default. Exactly one of the two."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    act: str = ""
    setting: str = ""

    @model_validator(mode="after")
    def _one(self) -> Source:
        if bool(self.act) == bool(self.setting):
            raise ValueError("основание правила: укажите либо положение акта (act), либо причину настройки (setting)")
        return self


# The rules whose source the identification page and the analytical note show, in that order.
IDENTIFICATION_RULES = (
    "methodology.window",
    "methodology.components",
    "methodology.social",
    "methodology.ior_low",
    "methodology.isb_low",
    "methodology.min_participants",
    "methodology.objectivity",
    "methodology.categories",
    "methodology.selection",
    "exit",
)
SOURCED = (*IDENTIFICATION_RULES, "support.group", "monitoring.municipal")


class Monitoring(BaseModel):
    """Monitoring beyond the schools' own: the entry monitoring of municipal bodies (act 001)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    municipal: MunicipalMonitoring = MunicipalMonitoring()


class Preset(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    region: str
    level: str = Field(pattern=r"^(region|municipality)$")
    seeds: list[str] = Field(default_factory=list)
    description: str = ""
    # Who issues the region's acts (the header of generated orders and notes).
    authority: str = ""
    methodology: Methodology = Methodology()
    # The risk-profile catalogue; absent → the built-in «500+» catalogue of act 004.
    risks: Catalogue | None = None
    # Programme templates a municipality or school starts from (anti-risk ones are built from
    # the catalogue's measures).
    programme_templates: list[ProgrammeTemplate] = Field(default_factory=list)
    exit: ExitRule = ExitRule()
    # Curators, matching, forms of support, teachers' deficits and the preset's targets.
    support: SupportRules = SupportRules()
    # System indicators (act 004 §3) and their targets; the preset's own targets are in `support`.
    indicators: Indicators = Indicators()
    # The risk-oriented entry monitoring of municipal education bodies (settings of the operator).
    monitoring: Monitoring = Monitoring()
    # The act's own calendar: the month its working year starts (1 — a calendar year, 9 — a school
    # year) and the dated items of its plan or cyclogram. A preset without one has no calendar: no
    # act's deadlines are borrowed from another act.
    year_start: int = Field(default=1, ge=1, le=12)
    cyclogram: list[CycleItem] = Field(default_factory=list)
    # Goals and tasks of the system (act 004 §2; each act's programme).
    goals: Goals = Goals()
    # The source of each rule of SOURCED: the act's clause or the operator's setting. A rule
    # without one is shown as the operator's setting (the system's default).
    sources: dict[str, Source] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_sources(self) -> Preset:
        unknown = sorted(set(self.sources) - set(SOURCED))
        if unknown:
            raise ValueError(f"sources: неизвестные правила {', '.join(unknown)}; есть: {', '.join(SOURCED)}")
        return self

    @model_validator(mode="after")
    def _calendar(self) -> Preset:
        check_order(self.cyclogram, self.year_start)
        codes = [i.code for i in self.cyclogram]
        if len(set(codes)) != len(codes):
            raise ValueError("коды пунктов циклограммы повторяются")
        return self

    def catalogue(self) -> Catalogue:
        return self.risks if self.risks is not None else default_catalogue()

    def template(self, code: str) -> ProgrammeTemplate:
        for t in self.programme_templates:
            if t.code == code:
                return t
        raise KeyError(code)


# The preset a region starts with when none is named (`shnor init --preset`, the demo).
DEFAULT = "volgograd-2021"


def _parse(text: str, origin: str) -> Preset:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PresetError(f"{origin}: не удаётся прочитать YAML: {error}") from None
    if not isinstance(data, dict):
        raise PresetError(f"{origin}: ожидается словарь параметров пресета")
    try:
        return Preset.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise PresetError(f"{origin}: {problems}") from None


def load_text(text: str, origin: str = "пресет расчёта") -> Preset:
    """A preset from its YAML text (as a run keeps it)."""
    return _parse(text, origin)
