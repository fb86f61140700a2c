"""The user guide's pictures and `make screenshots` (scripts/screenshots.py) hold together: every
picture a guide page shows exists, and every screen the script takes is shown on some page."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"


def _shots() -> list[str]:
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [name for name, *_ in module.SHOTS]


def test_every_picture_of_the_guide_exists_and_every_shot_is_shown() -> None:
    shown = {m for page in GUIDE.glob("*.md") for m in re.findall(r"\]\(img/([^)]+)\)", page.read_text("utf-8"))}
    assert shown and all((GUIDE / "img" / name).is_file() for name in shown), sorted(
        n for n in shown if not (GUIDE / "img" / n).is_file()
    )
    taken = {f"{name}.png" for name in _shots()}
    assert taken <= shown, sorted(taken - shown)
    # The workspace of each role that has one of its own is pictured.
    assert {f"workspace-{r}.png" for r in ("operator", "municipal", "school", "curator", "teacher")} <= taken
