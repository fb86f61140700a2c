"""Typed environment readers refuse bad values with a message naming the setting."""

import pytest

from shnor.env import SettingError, env_bool, env_choice, env_int, env_list


def test_it_reads_booleans_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("true", True), ("1", True), ("да", True), ("нет", False), ("off", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG") is expected


def test_it_refuses_a_bad_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(SettingError, match="X_FLAG='maybe' is invalid: expected true or false"):
        env_bool("X_FLAG")


def test_it_checks_integer_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_INT", "5")
    assert env_int("X_INT", 1, minimum=1) == 5
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(SettingError, match="not less than 1"):
        env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_INT", "five")
    with pytest.raises(SettingError, match="a whole number"):
        env_int("X_INT", 1)


def test_it_splits_lists_and_checks_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_LIST", " a, b ,,c")
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_CHOICE", "spark")
    assert env_choice("X_CHOICE", "duckdb", ("duckdb", "spark")) == "spark"
    monkeypatch.setenv("X_CHOICE", "oracle")
    with pytest.raises(SettingError, match="one of duckdb, spark"):
        env_choice("X_CHOICE", "duckdb", ("duckdb", "spark"))
