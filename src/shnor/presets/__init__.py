"""The built-in presets (one YAML file per act, docs/sources.md) and reading a preset from a file.

The methodology (`shnor.core.presets`) is given texts; this package reads them: the packaged files
and a region's own `preset.yaml`. Importing it hands the built-in «500+» risk catalogue to the
methodology (`shnor.core.risks.provide_default_catalogue`).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from shnor.core.presets import Preset, PresetError, load_text
from shnor.core.risks import Catalogue, parse_catalogue, provide_default_catalogue


def _packaged(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _builtin_catalogue() -> Catalogue:
    return parse_catalogue(_packaged("catalogues/risks-500plus.yaml"))


provide_default_catalogue(_builtin_catalogue)


def available() -> list[str]:
    """The names of the built-in presets."""
    folder = resources.files(__name__)
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load(name_or_path: str) -> tuple[Preset, str]:
    """A preset by built-in name or by file path; returns it with its YAML text.

    Parsing and validating a preset with its catalogue takes tens of milliseconds, and pages ask
    for it on every request: the result is kept per file version (path, size, modification time),
    so an edited preset file is read again. Presets are frozen, so sharing them is safe."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise PresetError(f"{name_or_path}: файл пресета не найден")
        stat = path.stat()
        return _load_file(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if name_or_path not in available():
        raise PresetError(f"Пресет «{name_or_path}» не найден. Встроенные пресеты: {', '.join(available())}")
    return _load_builtin(name_or_path)


@lru_cache(maxsize=32)
def _load_file(path: str, size: int, mtime_ns: int) -> tuple[Preset, str]:
    text = Path(path).read_text(encoding="utf-8")
    return load_text(text, path), text


@lru_cache(maxsize=16)
def from_text(text: str) -> Preset:
    """A preset from the text a run keeps, parsed once per text: the run's page shows its rules and
    compares them with the previous run's, and each parse takes tens of milliseconds."""
    return load_text(text)


@lru_cache(maxsize=16)
def _load_builtin(name: str) -> tuple[Preset, str]:
    text = _packaged(f"{name}.yaml")
    return load_text(text, name), text
