"""Typed readers of environment variables; a bad value stops start-up with a message."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from pathlib import Path

_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


class SettingError(Exception):
    """A setting has a value the system cannot use."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        value = _PASSWORD_IN_URL.sub(r"\1••••@", value)  # the message goes to the terminal and the log
        super().__init__(f"Setting {name}={value!r} is invalid: expected {expected}.")
        self.name = name
        self.value = value
        self.expected = expected


_TRUE = {"1", "true", "yes", "on", "да"}
_FALSE = {"0", "false", "no", "off", "нет", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(name, raw, "true or false")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, raw, "a whole number") from None
    if minimum is not None and value < minimum:
        raise SettingError(name, raw, f"a whole number not less than {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses or networks («127.0.0.1, 10.0.0.0/24»); empty by default."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(name, item, "IP addresses or networks separated by commas") from None
    return networks


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise SettingError(name, value, "one of " + ", ".join(choices))
    return value


def env_time(name: str, default: str) -> dt.time | None:
    """A time of day «ЧЧ:ММ» (24-hour); empty means none."""
    value = os.environ.get(name, default).strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError as error:
        raise SettingError(name, value, "a time of day HH:MM, or empty") from error


def data_dir(default: str = "data") -> Path:
    """The data folder: $SHNOR_DATA_DIR, else ./data (`shnor demo`: ./data/demo), resolved."""
    return Path(os.environ.get("SHNOR_DATA_DIR") or default).resolve()


# The computing engines' settings. They are read here rather than in settings.py because the
# engines also run outside Django (the benchmarks, `shnor identify` before the site is set up).


def duckdb_memory() -> str:
    """`SHNOR_DUCKDB_MEMORY` (e.g. `1GB`): DuckDB's own memory bound; empty: DuckDB's default."""
    value = env_str("SHNOR_DUCKDB_MEMORY")
    if value and not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)", value, re.IGNORECASE):
        raise SettingError("SHNOR_DUCKDB_MEMORY", value, "a size such as 1GB or 512MB")
    return value


def spark_settings() -> dict[str, str]:
    """`SHNOR_SPARK_MASTER` (default `local[*]`), `SHNOR_SPARK_MEMORY` (`2g`), `SHNOR_SPARK_PARTITIONS` (8)."""
    partitions = env_int("SHNOR_SPARK_PARTITIONS", 8, minimum=1)
    return {
        "master": env_str("SHNOR_SPARK_MASTER") or "local[*]",
        "memory": env_str("SHNOR_SPARK_MEMORY") or "2g",
        "partitions": str(partitions),
    }
