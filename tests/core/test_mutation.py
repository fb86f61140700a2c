"""`make mutation`'s small version in `make test`: mutmut over one module of the methodology (the
municipal monitoring, 145 mutants, about 15 s) must see every mutant killed by its tests, but those
docs/validation.md explains as equivalent. The full run over the methodology is `make mutation`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTMUT = str(Path(sys.executable).with_name("mutmut"))
MODULE = "src/shnor/core/municipal.py"
TESTS = "tests/core/test_municipal.py"


def _project(folder: Path) -> None:
    """A copy of the sources and of the module's tests, with mutmut told to mutate that module only."""
    shutil.copytree(ROOT / "src", folder / "src", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "tests" / "core").mkdir(parents=True)
    for name in ("tests/__init__.py", "tests/conftest.py", "tests/settings.py", "tests/core/__init__.py", TESTS):
        shutil.copy(ROOT / name, folder / name)
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    config = text.index("[tool.mutmut]")
    rest = text.index("\n[", config + 1)
    local = (
        "[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f'only_mutate = ["{MODULE}"]\n'
        f'pytest_add_cli_args_test_selection = ["{TESTS}"]\n'
        'pytest_add_cli_args = ["-q", "-p", "no:cacheprovider"]\n'
    )
    (folder / "pyproject.toml").write_text(text[:config] + local + text[rest:], encoding="utf-8")


def test_every_mutant_of_the_municipal_monitoring_is_killed_or_explained(tmp_path: Path) -> None:
    _project(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHNOR_", "PYTEST_"))}
    run = subprocess.run(
        [MUTMUT, "run", "--max-children", "2"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    listing = subprocess.run(
        [MUTMUT, "results", "--all", "true"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout
    results = dict(re.findall(r"^\s*(shnor\.core\.municipal\.\S+): (\S+)", listing, re.M))
    assert len(results) > 100, listing[-2000:]
    explained = set(re.findall(r"`(shnor\.[\w.ǁ]+__mutmut_\d+)`", (ROOT / "docs/validation.md").read_text("utf-8")))
    alive = {name for name, status in results.items() if status not in ("killed", "timeout")}
    assert alive <= explained, sorted(alive - explained)
