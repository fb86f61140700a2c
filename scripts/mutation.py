"""The score of `make mutation` (docs/validation.md): mutmut's results per module of the methodology.

Run after `mutmut run`. A mutant counts as detected when a test failed on it or it ran out of time;
«no tests» (no core test reaches the mutated code) counts as a survivor. A survivor whose name is
listed in docs/validation.md («Equivalent mutants») is explained there and shown apart. Prints the
table and every unexplained survivor, writes test-artifacts/mutation.json, and fails when the score
(detected and explained over all mutants) is below the target.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.90
DETECTED = {"killed", "timeout"}
LINE = re.compile(r"^\s*(?P<name>[\w.]+\.x(?:ǁ\w+ǁ|_)\w+__mutmut_\d+): (?P<status>.+)$")


def results() -> list[tuple[str, str]]:
    out = subprocess.run(  # noqa: S603 — mutmut of this environment, fixed arguments
        [str(Path(sys.executable).with_name("mutmut")), "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return [(m["name"], m["status"].strip()) for line in out.splitlines() if (m := LINE.match(line))]


def explained() -> set[str]:
    text = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    return set(re.findall(r"`(shnor\.[\w.ǁ]+__mutmut_\d+)`", text))


def module(name: str) -> str:
    return re.split(r"\.x(?:ǁ|_)", name, maxsplit=1)[0]


def main() -> int:
    found = results()
    known = explained()
    per: dict[str, Counter[str]] = defaultdict(Counter)
    unexplained = []
    for name, status in found:
        kind = "detected" if status in DETECTED else ("explained" if name in known else "survived")
        per[module(name)][kind] += 1
        if kind == "survived":
            unexplained.append(f"{name}: {status}")
    rows = []
    print(f"{'module':45} {'mutants':>8} {'detected':>9} {'explained':>10} {'survived':>9} {'score':>7}")
    for mod in sorted(per):
        c = per[mod]
        total = sum(c.values())
        score = (c["detected"] + c["explained"]) / total
        rows.append({"module": mod, "mutants": total, **c, "score": round(score, 4)})
        print(f"{mod:45} {total:8} {c['detected']:9} {c['explained']:10} {c['survived']:9} {score:7.1%}")
    total = sum(sum(c.values()) for c in per.values())
    good = sum(c["detected"] + c["explained"] for c in per.values())
    score = good / total if total else 0.0
    print(f"{'all':45} {total:8} {'':9} {'':10} {len(unexplained):9} {score:7.1%}")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "mutation.json").write_text(
        json.dumps({"score": round(score, 4), "modules": rows, "survivors": unexplained}, ensure_ascii=False, indent=1)
    )
    for line in unexplained:
        print("survived:", line)
    return 0 if score >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
