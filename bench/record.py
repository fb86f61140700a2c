"""What a benchmark measured, saved where docs/performance.md is made from.

Each script in bench/ ends with `save(...)`: its tables (as printed in the document), the figures
its prose quotes, the raw values its targets are judged on, and when, where and from which commit
they were measured. `bench/report.py` writes docs/performance.md from these files and its template
(`bench/performance.md.in`); `tests/test_performance_doc.py` holds the document to them, so no
figure in it is typed by hand.

Results of `make bench` are `bench/results/<name>.json`; those of `make bench-quick` are
`bench/results/quick/<name>.json` (smaller sizes, the same tables).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def machine() -> str:
    """The machine in a line: cores, memory, processor, Python and the system."""
    model = ""
    memory = 0.0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
        meminfo = Path("/proc/meminfo").read_text().split()
        memory = int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20
    except (OSError, ValueError):
        pass
    cores = os.cpu_count() or 0
    return f"{cores} cores, {memory:.0f} GB, {model or platform.processor()}; Python {platform.python_version()}"


def commit() -> str:
    """The commit measured; `+changes` when src/ or bench/ differ from it."""
    root = HERE.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src", "bench/*.py", "bench/*.lua"],
            cwd=root,
            capture_output=True,
            text=True,
        )
    except OSError:
        return "unknown"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def table(columns: list[str], rows: list[list[str]], align: str = "") -> dict[str, Any]:
    """A Markdown table as the document prints it: the first column left, the rest right unless
    `align` says otherwise (one letter per column, `l` or `r`)."""
    align = align or "l" + "r" * (len(columns) - 1)
    assert len(align) == len(columns) and all(len(r) == len(columns) for r in rows), (columns, rows)
    return {"columns": columns, "align": align, "rows": rows}


def save(
    name: str,
    *,
    quick: bool,
    tables: dict[str, dict[str, Any]],
    figures: dict[str, str] | None = None,
    values: dict[str, float] | None = None,
    points: list[dict[str, Any]] | None = None,
) -> Path:
    """Write one benchmark's results; returns the file. `points` feed the growth chart
    (bench/growth.py): `{"series": ..., "unit": "rows" | "schools", "x": size, "y": seconds}`."""
    folder = RESULTS / "quick" if quick else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    data = {
        "benchmark": name,
        "scale": "quick" if quick else "full",
        "command": " ".join([".venv/bin/python", f"bench/{Path(sys.argv[0]).name}", *sys.argv[1:]]),
        "date": dt.date.today().isoformat(),
        "commit": commit(),
        "machine": machine(),
        "tables": tables,
        "figures": figures or {},
        "values": values or {},
        "points": points or [],
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"saved {path.relative_to(HERE.parent)}")
    return path


def process(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """A whole command as a user runs it: (wall seconds, peak RSS in MB). Its output is read as it
    comes (a full pipe would stall it) and shown when it fails. Start it from a small process: a
    child's peak RSS counts the memory of the process that started it."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed:\n{out[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def number(value: float, digits: int = 2) -> str:
    """1234.5 → `1 234.5`: thousands apart by a thin space as the document writes them."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ")


def seconds(value: float) -> str:
    return f"{number(value, 2)} s"


def ms(value: float) -> str:
    return f"{number(value, 0)} ms"


def mb(value: float) -> str:
    return f"{number(value, 0)} MB"


def ratio(value: float) -> str:
    return f"{number(value, 2)}×"
