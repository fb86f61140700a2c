"""Issue 21: the import order is written down (pyproject.toml, [tool.importlinter]) and enforced by
`make lint`. Shown here: the contract holds on the tree, and breaks on a deliberate upward import
(the methodology reaching into the management cycle) and on Django imported into `core`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(src: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=tmp, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_tree_keeps_its_layers(tmp_path: Path) -> None:
    done = _lint(ROOT / "src", tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Contracts: 2 kept, 0 broken." in done.stdout
    assert "ignored" not in done.stdout  # no debts left in the contract (issue 21)


@pytest.mark.parametrize(
    ("module", "line", "message"),
    [
        (
            "core/numbers.py",
            "from shnor.cycle import services  # noqa",
            "shnor.core is not allowed to import shnor.cycle",
        ),
        (
            "registry/models.py",
            "from shnor.support import models as _support  # noqa",
            "shnor.registry is not allowed to import shnor.support",
        ),
        (
            "identification/services/approval.py",
            "from shnor.cycle import services as _cycle  # noqa",
            "shnor.identification is not allowed to import shnor.cycle",
        ),
        (
            "records/services.py",
            "from shnor.programmes import models as _programmes  # noqa",
            "shnor.records is not allowed to import shnor.programmes",
        ),
        ("core/numbers.py", "import django  # noqa", "shnor.core is not allowed to import django"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path: Path, module: str, line: str, message: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "shnor", src / "shnor", ignore=shutil.ignore_patterns("__pycache__", "static"))
    target = src / "shnor" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    done = _lint(src, tmp_path)
    assert done.returncode != 0 and message in done.stdout, done.stdout[-2000:]
