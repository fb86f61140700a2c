"""The rules of a run and where each comes from: a clause of the preset's act (quoted) or the
operator's setting (with the reason for its default). The run's page and the analytical note show
them; a run whose rules differ from the previous run's is journalled with what changed."""

from __future__ import annotations

from dataclasses import dataclass

from shnor.audit.tracking import record
from shnor.core.methodology import Cutoff, Methodology
from shnor.core.numbers import number
from shnor.core.presets import IDENTIFICATION_RULES, Preset, PresetError
from shnor.core.programmes import rule_text
from shnor.identification import labels
from shnor.identification.models import Run
from shnor.presets import from_text

TITLES = {
    "methodology.window": "Окно расчёта",
    "methodology.components": "Работы индекса образовательных результатов (ИОР)",
    "methodology.social": "Доли индекса социального благополучия (ИСБ)",
    "methodology.ior_low": "Граница низкого ИОР",
    "methodology.isb_low": "Граница низкого ИСБ",
    "methodology.min_participants": "Достаточно данных",
    "methodology.objectivity": "Признаки необъективных результатов",
    "methodology.categories": "Категории риск-ориентированного отбора",
    "methodology.selection": "Правило отбора в перечень",
    "exit": "Выход из программы",
    "support.group": "Форма сопровождения и кураторские группы",
}
NO_SOURCE = "значение системы по умолчанию; основание в пресете не указано."


@dataclass(frozen=True)
class Parameter:
    key: str
    title: str
    value: str
    source: str
    from_act: bool

    @property
    def kind(self) -> str:
        return "положение акта" if self.from_act else "настройка оператора"


def parameters(preset: Preset, keys: tuple[str, ...] = IDENTIFICATION_RULES) -> list[Parameter]:
    """The rules (those of identification unless `keys` names others of SOURCED) with their values
    in words and their sources."""
    out = []
    for key in keys:
        source = preset.sources.get(key)
        if source is not None and source.act:
            text, from_act = source.act, True
        elif source is not None:
            text, from_act = source.setting, False
        else:
            text, from_act = NO_SOURCE, False
        out.append(Parameter(key, TITLES[key], value(preset, key), text, from_act))
    return out


def of_run(run: Run) -> list[Parameter]:
    """The rules as the run applied them (its own copy of the preset); none when that copy no longer
    reads as a preset (a run kept from an older format)."""
    try:
        return parameters(from_text(run.preset_text)) if run.preset_text else []
    except PresetError:
        return []


def value(preset: Preset, key: str) -> str:
    """A rule's value as a person reads it: «нижние 20 % школ», «ОГЭ, русский язык, 9 кл.; …»."""
    m = preset.methodology
    values = {
        "methodology.window": lambda: f"{m.window} {_years(m.window)}",
        "methodology.components": lambda: "; ".join(
            labels.work(*c.key) + (f" (вес {number(c.weight, 1)})" if c.weight != 1 else "") for c in m.components
        ),
        "methodology.social": lambda: "; ".join(
            labels.SOCIAL_TITLES.get(p.column, p.column) + (f" (вес {number(p.weight, 1)})" if p.weight != 1 else "")
            for p in m.social
        ),
        "methodology.ior_low": lambda: _cutoff(m.ior_low),
        "methodology.isb_low": lambda: _cutoff(m.isb_low),
        "methodology.min_participants": lambda: f"не менее {number(m.min_participants)} участников работ за окно",
        "methodology.objectivity": lambda: _objectivity(m),
        "methodology.categories": lambda: "; ".join(
            f"{name}: {', '.join(labels.FLAGS.get(f, f) for f in flags)}"
            for name, flags in (
                ("НР", m.categories.low_results),
                ("ССК", m.categories.hard_context),
                ("НО", m.categories.biased),
            )
        ),
        "methodology.selection": lambda: _selection(m),
        "exit": lambda: rule_text(preset.exit),
        "support.group": lambda: _support(preset),
    }
    return values[key]()


def _years(n: int) -> str:
    return (
        "год"
        if n % 10 == 1 and n % 100 != 11
        else "года"
        if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14)
        else "лет"
    )


def _cutoff(cutoff: Cutoff) -> str:
    if cutoff.kind == "quantile":
        return f"нижние {number(100 * cutoff.value, 0)} % школ"
    return f"не выше {number(cutoff.value, 2)}"


def _objectivity(m: Methodology) -> str:
    rule = m.objectivity
    signs = ", ".join(labels.first_lower(labels.SIGNS.get(s, s)) for s in rule.signs)
    weight = "исключается" if rule.downweight == 0 else f"учитывается с весом {number(rule.downweight, 2)}"
    if rule.flag == "evidence":
        flag = (
            "Отметка — по совокупности свидетельств всех признаков, при доле ложных отметок честных школ около "
            f"{number(100 * rule.false_flag_rate, 1)} % (номинально), или по признаку, подтверждённому экспертом"
        )
    else:
        flag = (
            f"Отметка — при {number(rule.flag_signs)} разных признаках, одном устойчивом (в "
            f"{number(rule.persistence_years)} годах) или одном подтверждённом экспертом"
        )
    return f"признаки: {signs}. {flag}; работа с признаком в ИОР {weight}"


def _selection(m: Methodology) -> str:
    rule = m.selection
    parts = []
    if rule.any_of:
        parts.append("любое из: " + ", ".join(labels.FLAGS.get(f, f) for f in rule.any_of))
    if rule.all_of:
        parts.append("все из: " + ", ".join(labels.FLAGS.get(f, f) for f in rule.all_of))
    if rule.minimum:
        parts.append(f"не менее {number(rule.minimum)} школ")
    if rule.minimum_share:
        parts.append(f"не менее {number(100 * rule.minimum_share, 0)} % школ")
    return "; ".join(parts)


def _support(preset: Preset) -> str:
    from shnor.core.support import FORMS

    rules = preset.support
    capacity = rules.curators.capacity
    text = f"{FORMS[rules.form]}; куратор сопровождает не более {number(capacity)} {_schools(capacity)}"
    if rules.grouped:
        g = rules.group
        text += f", не менее {number(g.minimum)}" if g.minimum > 1 else ""
        text += "; у школ группы общая выявленная проблема" if g.shared_need else ""
        text += f"; школа — к одному из {number(g.nearest)} ближайших кураторов"
    return text


def _schools(n: int) -> str:
    return "школы" if n % 10 == 1 and n % 100 != 11 else "школ"


def changes(before: Preset, after: Preset) -> dict[str, list[str]]:
    """The rules whose value or source differ between two presets: title → [before, after]."""
    old = {p.key: p for p in parameters(before)}
    out = {}
    for p in parameters(after):
        was = old[p.key]
        if (was.value, was.source) != (p.value, p.source):
            out[p.title] = [f"{was.value} ({was.kind})", f"{p.value} ({p.kind})"]
    return out


def previous(run: Run) -> Run | None:
    """The last finished run started before this one (any year), whose rules this one is compared with."""
    return Run.objects.filter(pk__lt=run.pk, status=Run.Status.DONE).exclude(preset_text="").order_by("-pk").first()


def changed_since_previous(run: Run) -> tuple[Run | None, dict[str, list[str]]]:
    before = previous(run)
    if before is None or before.preset_text == run.preset_text or not run.preset_text:
        return before, {}
    try:
        return before, changes(from_text(before.preset_text), from_text(run.preset_text))
    except PresetError:  # a copy that no longer reads as a preset: nothing to compare
        return before, {}


def journal_changes(run: Run) -> None:
    """A run whose rules differ from the previous run's leaves a journal entry naming each change."""
    before, changed = changed_since_previous(run)
    if before is not None and changed:
        record(run, "update", {"правила расчёта": {"по сравнению с": f"расчёт № {before.pk}", **changed}})
