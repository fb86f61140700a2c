"""Presets load by name or file and fail with a message that says where and why."""

from pathlib import Path

import pytest

from shnor.core.presets import PresetError
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
