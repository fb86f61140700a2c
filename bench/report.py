"""Write docs/performance.md from the benchmarks' results and the document's template.

    .venv/bin/python bench/report.py [--check]

The template (`bench/performance.md.in`) holds the prose; every figure comes from a result file of
`bench/results/` through a placeholder:

  {{table NAME.TABLE}}    a table a script saved (NAME may be `quick/NAME`)
  {{NAME.FIGURE}}         a figure a script saved for the prose
  {{meta NAME}}           when, at which commit, on which machine and by which command
  {{targets}}             the targets with what was measured and whether it is met (TARGETS below)
  {{quick}}               every table of the quick run (`make bench-quick`)
  {{growth}}              the growth chart (written beside the document) and its points

A result that is missing prints as «not measured» with its command. `--check` exits 1 when the
document differs from what the results make (the test does the same).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
TEMPLATE = HERE / "performance.md.in"
DOCUMENT = ROOT / "docs" / "performance.md"
CHART = ROOT / "docs" / "performance-growth.png"
RESULTS = HERE / "results"
PLACEHOLDER = re.compile(r"\{\{\s*(?:(table|meta)\s+)?([\w/.-]+)?\s*\}\}")

COMMANDS = {
    "identify_scale": "make bench",
    "import_results": "make bench",
    "web_load": "make bench",
    "matching": "make bench",
    "documents": "make bench",
    "cycle": "make bench",
    "identify_demo": "make bench",
    "cli": "make bench",
}


@dataclass(frozen=True)
class Target:
    """A target of an issue, judged on a value a script saved."""

    benchmark: str
    what: str
    target: str
    value: str
    met: Callable[[float], bool]
    shown: Callable[[float], str]


def _x(v: float) -> str:
    return f"{v:.2f}×"


TARGETS = [
    Target(
        "identify_scale",
        "identification aggregation, 40 M rows",
        "≤ 3× the DuckDB floor (issue 26)",
        "aggregate_to_floor",
        lambda v: v <= 3,
        _x,
    ),
    Target(
        "identify_scale",
        "the same",
        "≥ 10× faster than pandas doing the same work",
        "pandas_to_aggregate",
        lambda v: v >= 10,
        lambda v: f"{v:.1f}× faster",
    ),
    Target(
        "identify_scale",
        "the same",
        "peak RSS ≤ 2 GB by default",
        "aggregate_rss_mb",
        lambda v: v <= 2048,
        lambda v: f"{v / 1024:.2f} GB",
    ),
    Target(
        "identify_scale",
        "the same",
        "time grows no faster than the data (its growth over the data's ≤ 1)",
        "growth_to_linear",
        lambda v: v <= 1,
        lambda v: f"{v:.2f} of linear",
    ),
    Target(
        "import_results",
        "import of student-level CSV, in process",
        "≤ 1.5× DuckDB `read_csv`",
        "pipeline_to_reference",
        lambda v: v <= 1.5,
        _x,
    ),
    Target(
        "cli",
        "`shnor import results`, whole process",
        "≤ 3× a DuckDB process reading the same CSV",
        "import_to_reference",
        lambda v: v <= 3,
        _x,
    ),
    Target(
        "cli",
        "`shnor identify`, whole process",
        "≤ 5× a DuckDB process reading and grouping the same CSV",
        "identify_to_reference",
        lambda v: v <= 5,
        _x,
    ),
    Target(
        "web_load",
        "web under load, both regions",
        "0 errors, every page's marker found",
        "errors",
        lambda v: v == 0,
        lambda v: f"{v:.0f} errors",
    ),
    Target(
        "web_load",
        "the same: HTML pages",
        "p95 ≤ 2× the signed-in floor page",
        "worst_page_to_floor",
        lambda v: v <= 2,
        lambda v: f"worst {v:.1f}×",
    ),
    Target(
        "web_load",
        "the same: API reads",
        "p95 ≤ 2× a minimal signed-in API read",
        "worst_api_to_floor",
        lambda v: v <= 2,
        lambda v: f"worst {v:.1f}×",
    ),
    Target(
        "matching",
        "matching 5 000 × 5 000",
        "< 10 s, exact",
        "exact_seconds",
        lambda v: v < 10,
        lambda v: f"{v:.2f} s, exact",
    ),
]


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def missing(name: str) -> str:
    base = name.split("/")[-1]
    command = "make bench-quick" if name.startswith("quick/") else COMMANDS.get(base, "make bench")
    return f"*not measured: run `{command}`*"


def markdown(spec: dict[str, Any]) -> str:
    columns, rows, align = spec["columns"], spec["rows"], spec["align"]
    rule = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def meta(result: dict[str, Any]) -> str:
    day = ".".join(reversed(result["date"].split("-")))
    return f"Measured {day} at commit `{result['commit']}` on {result['machine']}, by `{result['command']}`."


def targets() -> str:
    rows = []
    for t in TARGETS:
        result = load(t.benchmark)
        if result is None or t.value not in result["values"]:
            rows.append([t.what, t.target, missing(t.benchmark), "—"])
            continue
        v = float(result["values"][t.value])
        rows.append([t.what, t.target, t.shown(v), "met" if t.met(v) else "**not met**"])
    return markdown({"columns": ["benchmark", "target", "measured", ""], "align": "llll", "rows": rows})


def quick() -> str:
    parts = []
    for path in sorted((RESULTS / "quick").glob("*.json")):
        result = json.loads(path.read_text("utf-8"))
        parts.append(f"#### {result['benchmark']}\n\n{meta(result)}")
        parts += [f"{name}:\n\n{markdown(spec)}" for name, spec in result["tables"].items()]
    return "\n\n".join(parts) or missing("quick/all")


def growth() -> str:
    import growth as chart

    rows = [
        [
            p["series"],
            f"{p['times']:.1f}×",
            f"{p['x']:,.0f} {p['unit']}".replace(",", " "),
            f"{p['y']:.2f} s",
            p["scale"],
        ]
        for p in chart.points(RESULTS)
    ]
    if not rows:
        return missing("growth")
    table = markdown({"columns": ["series", "× the demo", "size", "time", "run"], "align": "lrrrl", "rows": rows})
    return f"![Growth of each measured time with the region's size]({CHART.name})\n\n{table}"


def fill(match: re.Match[str]) -> str:
    kind, ref = match.group(1), match.group(2) or ""
    if kind is None and ref in ("targets", "quick", "growth"):
        return {"targets": targets, "quick": quick, "growth": growth}[ref]()
    name, _, key = ref.rpartition(".") if kind != "meta" else (ref, "", "")
    result = load(name)
    if result is None:
        return missing(name)
    if kind == "meta":
        return meta(result)
    if kind == "table":
        if key not in result["tables"]:
            raise SystemExit(f"{name} has no table {key!r}")
        return markdown(result["tables"][key])
    if key not in result["figures"]:
        raise SystemExit(f"{name} has no figure {key!r}")
    return str(result["figures"][key])


def render(template: str | None = None) -> str:
    return PLACEHOLDER.sub(fill, TEMPLATE.read_text("utf-8") if template is None else template)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is not what the results make")
    args = parser.parse_args()
    text = render()
    if args.check:
        if DOCUMENT.read_text("utf-8") != text:
            print(f"{DOCUMENT.relative_to(ROOT)} differs from its results: run bench/report.py")
            sys.exit(1)
        return
    DOCUMENT.write_text(text, "utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
    import growth as chart

    found = chart.points(RESULTS)
    if found:
        CHART.write_bytes(chart.chart(found))
        print(f"wrote {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
