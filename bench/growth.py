"""The growth chart of docs/performance.md: what each benchmark measured at each size, on one chart.

    .venv/bin/python bench/report.py     # writes the chart with the document

Every point is a measurement a script saved (`points` in bench/results/*.json, the full and the
quick run): identification and import by pupil results, pages by schools, each as a multiple of
the demo region (700 schools and the pupil results of `bench/identify_demo.py`), so a region can
read its own size off it. Log scales on both axes: a line of slope one grows linearly.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DEMO_SCHOOLS = 700


def points(results: Path = RESULTS) -> list[dict[str, Any]]:
    """Every saved point with its size as a multiple of the demo; the demo's size in rows comes
    from the demo's own benchmark."""
    files = sorted(results.glob("*.json")) + sorted((results / "quick").glob("*.json"))
    loaded = [json.loads(path.read_text("utf-8")) for path in files]
    loaded = [r for r in loaded if isinstance(r, dict) and "benchmark" in r]  # not validate's or mutation's
    demo_rows = next(
        (r["values"]["rows"] for r in loaded if r["benchmark"] == "identify_demo" and "rows" in r["values"]), None
    )
    found = []
    for result in loaded:
        for p in result.get("points", []):
            base = DEMO_SCHOOLS if p["unit"] == "schools" else demo_rows
            if base:
                found.append({**p, "times": p["x"] / base, "scale": result["scale"]})
    return sorted(found, key=lambda p: (p["series"], p["times"]))


def chart(found: list[dict[str, Any]]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=120)
    series = sorted({p["series"] for p in found})
    for name in series:
        mine = [p for p in found if p["series"] == name]
        axes.plot([p["times"] for p in mine], [p["y"] for p in mine], marker="o", label=name.replace("`", ""))
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("size, multiples of the demo region (pupil results or schools)")
    axes.set_ylabel("seconds (pages: p95 under load)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    plt.close(figure)
    return out.getvalue()
