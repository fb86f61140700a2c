"""Real data nobody here wrote: English KS4 results with the school census, through saved column
mappings and a user preset, on a fresh data folder. England publishes its own value-added measure
(Progress 8); ours must agree with it where it should."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from scipy import stats

from tests.app.test_cli import run

ROOT = Path(__file__).resolve().parents[2]
REALDATA = ROOT / "tests" / "data" / "realdata"  # public data kept in the repository, with its licences
ENGLAND = REALDATA / "england-ks4-census"
CALIFORNIA = REALDATA / "ca-api-1999-2000" / "apipop.csv"
EXAMPLES = ROOT / "docs" / "examples"


def test_england_through_mappings_and_a_user_preset_agrees_with_progress_8(tmp_path: Path) -> None:
    if not ENGLAND.exists():
        pytest.fail(f"{ENGLAND} is missing: the real data are part of the repository (tests/data/realdata)")
    folder = tmp_path / "data"
    run("init", "--preset", str(EXAMPLES / "presets" / "england-ks4.yaml"), data_dir=folder)
    for name in ("england-ks4-schools", "england-ks4-results", "england-census-social"):
        run("mapping", "save", str(EXAMPLES / "mappings" / f"{name}.yaml"), data_dir=folder)
    ks4 = str(ENGLAND / "england_ks4provisional.csv")
    run("import", "schools", ks4, "--mapping", "england-ks4-schools", data_dir=folder)
    run("import", "results_schools", ks4, "--mapping", "england-ks4-results", data_dir=folder)
    report = tmp_path / "social-report.xlsx"
    census = str(ENGLAND / "england_census.csv")
    run("import", "social", census, "--mapping", "england-census-social", "--report", str(report), data_dir=folder)
    cells = " ".join(str(c.value) for row in load_workbook(report).worksheets[0].iter_rows() for c in row)
    assert "не собирается" in cells and "нет в реестре" in cells  # said, not hidden
    out = tmp_path / "england.csv"
    run("identify", "--year", "2019", "--out", str(out), data_dir=folder)

    ours = {r["school_id"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    published = {
        r["URN"]: r
        for r in csv.DictReader(io.StringIO((ENGLAND / "england_ks4provisional.csv").read_text(encoding="utf-8-sig")))
        if r["URN"]
    }
    pairs = [
        (float(ours[u]["value_added"]), float(p["P8MEA"]), p["RECTYPE"], float(ours[u]["ior"]))
        for u, p in published.items()
        if u in ours and ours[u]["value_added"] and p["P8MEA"] not in ("", "NA", "NE", "SUPP", "LOWCOV")
    ]
    assert len(pairs) > 3000
    va, p8, ior = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]), np.array([p[3] for p in pairs])
    mainstream = np.array([p[2] == "1" for p in pairs])
    figures = {
        "va_all": stats.pearsonr(va, p8).statistic,
        "ior_all": stats.pearsonr(ior, p8).statistic,
        "va_mainstream": stats.pearsonr(va[mainstream], p8[mainstream]).statistic,
        "ior_mainstream": stats.pearsonr(ior[mainstream], p8[mainstream]).statistic,
        "va_special": stats.pearsonr(va[~mainstream], p8[~mainstream]).statistic,
        "ior_special": stats.pearsonr(ior[~mainstream], p8[~mainstream]).statistic,
    }
    print({k: round(float(v), 2) for k, v in figures.items()}, "special schools:", int((~mainstream).sum()))
    assert figures["va_all"] > 0.8 and figures["va_mainstream"] > 0.6  # docs/realdata/england.md: 0,85 and 0,69
    # What docs/realdata/england.md owns up to: the raw index agrees with Progress 8 better than our
    # value added does, overall and among mainstream schools, and within special schools our value
    # added runs against it (Progress 8 adjusts for the pupils' prior attainment; ours for context only).
    assert figures["ior_all"] > figures["va_all"] and figures["ior_mainstream"] > figures["va_mainstream"]
    assert figures["va_special"] < 0
    # The figures the guide prints, as measured (340 special schools; ИОР within them 0,09).
    assert int((~mainstream).sum()) == 340 and round(float(figures["ior_special"]), 2) == 0.09
    assert [
        round(float(figures[k]), 2) for k in ("va_all", "ior_all", "va_mainstream", "ior_mainstream", "va_special")
    ] == [
        0.85,
        0.89,
        0.69,
        0.8,
        -0.22,
    ]
    # Schools whose interval lies below zero are, by England's own measure, far below average.
    below = np.array(
        [
            float(ours[u]["value_added_high"]) < 0
            for u, p in published.items()
            if u in ours and ours[u]["value_added"] and p["P8MEA"] not in ("", "NA", "NE", "SUPP", "LOWCOV")
        ]
    )
    assert p8[below].mean() < -0.5 < 0 < p8[~below].mean() + 0.5
    assert not any(r["selected"] == "true" and r["insufficient_data"] == "true" for r in ours.values())


def test_california_through_mappings_and_a_user_preset(tmp_path: Path) -> None:
    if not CALIFORNIA.exists():
        pytest.fail(f"{CALIFORNIA} is missing: the real data are part of the repository (tests/data/realdata)")
    folder = tmp_path / "data"
    run("init", "--preset", str(EXAMPLES / "presets" / "ca-api.yaml"), data_dir=folder)
    for name in ("ca-api-schools", "ca-api-2000", "ca-api-1999", "ca-api-social"):
        run("mapping", "save", str(EXAMPLES / "mappings" / f"{name}.yaml"), data_dir=folder)
    for kind, mapping in (
        ("schools", "ca-api-schools"),
        ("results_schools", "ca-api-2000"),
        ("results_schools", "ca-api-1999"),
        ("social", "ca-api-social"),
    ):
        run("import", kind, str(CALIFORNIA), "--mapping", mapping, data_dir=folder)
    out = tmp_path / "california.csv"
    run("identify", "--year", "2000", "--out", str(out), data_dir=folder)
    ours = {r["school_id"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    source = {r["cds"]: r for r in csv.DictReader(io.StringIO(CALIFORNIA.read_text(encoding="utf-8")))}
    rows = [(float(ours[k]["ior"]), float(s["meals"])) for k, s in source.items() if k in ours and s["meals"] != "NA"]
    assert len(ours) == 6157 and len(rows) > 6000
    assert stats.pearsonr([r[0] for r in rows], [r[1] for r in rows]).statistic < -0.8  # measured −0.85
    selected = [r for r in ours.values() if r["selected"] == "true"]
    assert selected and all(r["ior_low"] == "true" for r in selected)  # the preset selects on low results
