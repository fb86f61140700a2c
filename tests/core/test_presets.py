"""Presets load by name or file and fail with a message that says where and why."""

import re
from pathlib import Path

import pytest

from shnor.core.presets import SOURCED, PresetError, load_text
from shnor.presets import available, load


def test_it_ships_the_four_seed_presets() -> None:
    assert available() == ["dobrinka-2018", "ivanovo-2020", "volgograd-2021", "vologda-2019"]
    for name in available():
        preset, text = load(name)
        assert preset.name == name
        assert preset.name in text


def test_it_loads_a_user_file(tmp_path: Path) -> None:
    path = tmp_path / "my.yaml"
    path.write_text(
        "name: my-region\nversion: '1'\ntitle: Мой регион\nregion: Мой регион\nlevel: region\n", encoding="utf-8"
    )
    preset, _ = load(str(path))
    assert preset.region == "Мой регион"


def test_it_names_the_bad_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: Bad Name\nversion: '1'\ntitle: x\nregion: x\nlevel: country\nextra: 1\n", encoding="utf-8")
    with pytest.raises(PresetError) as error:
        load(str(path))
    message = str(error.value)
    assert str(path) in message
    assert "name" in message and "level" in message and "extra" in message


def test_it_lists_the_presets_when_a_name_is_unknown() -> None:
    with pytest.raises(PresetError, match="Встроенные пресеты: dobrinka-2018"):
        load("atlantis-2030")


def test_it_refuses_a_missing_file() -> None:
    with pytest.raises(PresetError, match="файл пресета не найден"):
        load("/nonexistent/preset.yaml")


ACTS = Path(__file__).resolve().parents[2] / "docs" / "acts"


def _joined(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("name", ["dobrinka-2018", "ivanovo-2020", "volgograd-2021", "vologda-2019"])
def test_every_rule_of_a_preset_names_its_source_and_quotes_its_act_verbatim(name: str) -> None:
    """Each rule the identification page shows has a source: a clause of the act, quoted, or the
    operator's setting with its reason. Every «quotation», in either, is the act's own text."""
    preset, _ = load(name)
    assert set(preset.sources) == set(SOURCED)
    acts = [_joined((ACTS / f"{number}.txt").read_text(encoding="utf-8")) for number in preset.seeds]
    for key, source in preset.sources.items():
        for quote in re.findall(r"«([^«»]+)»", f"{source.act} {source.setting}"):
            assert any(_joined(quote) in act for act in acts), (key, quote)
        if source.act:
            assert re.match(r"Акт \d{3}", source.act) and "«" in source.act, key
    # The act's own targets of indicators quote it too.
    for code, text in preset.indicators.sources.items():
        assert re.match(r"Акт \d{3}", text) and "«" in text, code
        for quote in re.findall(r"«([^«»]+)»", text):
            assert any(_joined(quote) in act for act in acts), (code, quote)


def test_an_indicator_target_and_its_source_name_known_indicators() -> None:
    from shnor.core.indicators import Indicators

    with pytest.raises(ValueError, match="неизвестные показатели seminars"):
        Indicators.model_validate({"targets": {"seminars": 1}})
    with pytest.raises(ValueError, match="неизвестные показатели course"):
        Indicators.model_validate({"targets": {"seminar": 1}, "sources": {"course": "Акт 001: «x»"}})
    vologda, dobrinka = load("vologda-2019")[0].indicators, load("dobrinka-2018")[0].indicators
    assert vologda.targets == {"1.1": 100, "infrastructure": 50, "courses": 4, "school_events": 3, "seminar": 1}
    assert set(vologda.sources) == {*vologda.targets, "agreements", "events", "trained_per_school"}
    assert vologda.seminar_participants == 40
    assert set(dobrinka.targets.values()) == {72}
    assert set(dobrinka.sources) == {*dobrinka.targets, "trained_total", "trained_per_school"}


def test_a_source_is_the_act_or_a_setting_never_both_nor_none() -> None:
    base = "name: x\nversion: '1'\ntitle: x\nregion: x\nlevel: region\nsources:\n"
    with pytest.raises(PresetError, match="либо положение акта"):
        load_text(base + "  methodology.window: {act: 'Акт 004: «x»', setting: 'y'}\n")
    with pytest.raises(PresetError, match="либо положение акта"):
        load_text(base + "  methodology.window: {}\n")
    with pytest.raises(PresetError, match="неизвестные правила methodology.windows"):
        load_text(base + "  methodology.windows: {setting: 'y'}\n")


def test_the_presets_select_as_their_acts_say() -> None:
    """Vologda (act 001): НР is stable low results over three years, and the risk-oriented list adds
    biased results, orders and complaints. Dobrinka (act 003): low results or biased marks, topped
    up to 72 % of the district's schools, with the act's family categories in ИСБ. Ivanovo (act
    002): organisations with a low quality index. Volgograd: low ИОР or stable low, at least 10."""
    vologda = load("vologda-2019")[0].methodology
    assert vologda.categories.low_results == ("stable_low",)
    assert vologda.selection.any_of == ("НР", "ССК", "НО", "orders", "complaints")
    dobrinka = load("dobrinka-2018")[0].methodology
    assert dobrinka.selection.any_of == ("ior_low", "objectivity_flag") and dobrinka.selection.minimum_share == 0.72
    assert [p.column for p in dobrinka.social] == ["share_low_income", "share_large_families", "share_single_parent"]
    assert ("EGE", "rus", 11) in [c.key for c in dobrinka.components]
    assert load("ivanovo-2020")[0].methodology.selection.any_of == ("ior_low",)
    volgograd = load("volgograd-2021")[0].methodology
    assert (volgograd.selection.any_of, volgograd.selection.minimum) == (("ior_low", "stable_low"), 10)
    assert (volgograd.ior_low.value, volgograd.isb_low.value) == (0.2, 0.25)
    assert {c.key: c.weight for c in volgograd.components}[("EGE", "math_prof", 11)] == 0.5


@pytest.mark.parametrize("name", ["dobrinka-2018", "ivanovo-2020", "volgograd-2021", "vologda-2019"])
def test_goals_and_tasks_are_the_act_s_own_words(name: str) -> None:
    """The goal and tasks a year's editable copy starts from are the act's text (case of the first
    letter, numbering and the closing punctuation aside)."""
    preset, _ = load(name)

    def plain(text: str) -> str:
        return _joined(text).lower().strip(" .;")

    acts = " ".join(plain((ACTS / f"{number}.txt").read_text(encoding="utf-8")) for number in preset.seeds)
    assert preset.goals.goal and preset.goals.tasks
    for text in [*preset.goals.goal, *preset.goals.tasks]:
        assert plain(text) in acts, text[:80]
