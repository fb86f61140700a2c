"""bench/validate.py, the validation harness: its scores by hand, and one small region end to end
through `shnor init` → `shnor import` → `shnor identify` (the full run of five regions of 400
schools is `make validate`; its figures are in docs/validation.md, checked by
test_the_validation_figures_are_the_harness_output)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from bench import validate

ROOT = Path(__file__).resolve().parents[2]


def test_the_scores_by_hand() -> None:
    """Eight schools. Truth: quality 1..8 (lowest quarter: 1 and 2), disadvantage 8..1, S1 and S5
    inflated. Listed low: S1, S3 → precision 1/2. Flagged: S1, S2 → recall 1/2, false 1/6. Clusters
    cut at a quarter (ИОР) and a quarter (ИСБ): true low quality S1, S2; true low context S1, S2."""
    ids = [f"S{i}" for i in range(1, 9)]
    truth = pd.DataFrame(
        {
            "school_id": ids,
            "quality": np.arange(1.0, 9.0),
            "disadvantage": np.arange(8.0, 0.0, -1),
            "effect": np.arange(1.0, 9.0),
            "inflated": [True, False, False, False, True, False, False, False],
        }
    )
    table = pd.DataFrame(
        {
            "school_id": ids,
            "ior_low": ["true", "false", "true"] + ["false"] * 5,
            "objectivity_flag": ["true", "true"] + ["false"] * 6,
            "value_added": np.arange(1.0, 9.0),
            "cluster": ["deprived", "deprived", "effective", "effective", "effective", "effective", "effective", ""],
        }
    )
    scores = validate.score(table, truth, 0.25, 0.25)
    assert (scores["precision"], scores["recall"], scores["false"]) == (0.5, 0.5, round(1 / 6, 4))
    assert scores["false_flags"] == 1 and scores["inflated"] == 2 and scores["va_rho"] == 1.0
    assert scores["cluster"] == 1.0  # seven schools with a cluster, each as the truth cuts it
    assert (scores["clustered"], scores["marked_uncertain"], scores["wrong"], scores["wrong_marked"]) == (7, 0, 0, 0)
    # S1 called effective (truly deprived), and marked uncertain by its ИСБ; S3 uncertain by its ИОР.
    table["cluster"] = ["effective", *table["cluster"][1:]]
    table["ior_low_probability"] = [0.05, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0, None]
    table["isb_low_probability"] = [0.3, 1.0, 0.0, 0.0, 0.0, 0.0, 0.95, None]
    scores = validate.score(table, truth, 0.25, 0.25)
    assert (scores["marked_uncertain"], scores["wrong"], scores["wrong_marked"]) == (2, 1, 1)


def test_one_small_region_end_to_end(tmp_path: Path) -> None:
    """120 schools, one seed, through the real commands: every score is a share, the truth was
    planted, and the files were read as an operator's (a title row, `;`, cp1251, decimal comma)."""
    row = validate.run(11, 120, "volgograd-2021", tmp_path)
    assert row["schools"] == 120 and row["inflated"] > 0 and row["listed_low"] == 24
    for key in ("precision", "recall", "false", "cluster"):
        assert 0.0 <= row[key] <= 1.0
    assert row["precision"] >= 0.8 and row["va_rho"] >= 0.7
    head = (tmp_path / "social-11.csv").read_bytes().decode("cp1251").splitlines()
    assert head[0].startswith("Выгрузка") and ";" in head[1] and re.search(r"\d,\d", head[2])


def test_the_validation_figures_are_the_harness_output() -> None:
    """Each figure of docs/validation.md's table comes from bench/results/validate-*.json, written
    by `bench/validate.py --json`, and each mean is the mean of its seeds."""
    doc = (ROOT / "docs/validation.md").read_text("utf-8")
    for flag in ("evidence", "count", "unseen"):
        data = json.loads((ROOT / f"bench/results/validate-{flag}.json").read_text("utf-8"))
        assert len(data["seeds"]) >= 5 and len({s["seed"] for s in data["seeds"]}) == len(data["seeds"])
        for key, s in data["summary"].items():
            assert s["mean"] == pytest.approx(np.mean([r[key] for r in data["seeds"]]), abs=1e-4)
            shown = " ".join(
                f"{v:.3f}".removeprefix("-" if f"{v:.3f}" == "-0.000" else "") for v in (s["mean"], s["low"], s["high"])
            )
            mean, low, high = shown.replace(".", ",").replace("-", "−").split()
            shown = f"{mean} [{low}; {high}]"
            assert f"| {flag} | {key} | {shown} |" in doc, (flag, key, shown)
    pooled = {}
    for flag in ("evidence", "count"):
        seeds = json.loads((ROOT / f"bench/results/validate-{flag}.json").read_text("utf-8"))["seeds"]
        caught = sum(round(r["recall"] * r["inflated"]) for r in seeds)
        pooled[flag] = (caught, sum(r["inflated"] for r in seeds), sum(r["false_flags"] for r in seeds))
    honest = sum(r["schools"] - r["inflated"] for r in seeds)
    text = re.sub(r"\s+", " ", doc)
    assert (
        f"the flag by evidence caught {pooled['evidence'][0]} of {pooled['evidence'][1]} inflated schools and "
        f"flagged {pooled['evidence'][2]} of {honest:,} honest".replace(",", "\u00a0").replace("\u00a0", " ")
        in text
    )
    assert (
        f"the count of signs caught {pooled['count'][0]} of {pooled['count'][1]} and flagged {pooled['count'][2]}"
        in text
    )


def _load(name: str) -> list[dict[str, Any]]:
    seeds: list[dict[str, Any]] = json.loads((ROOT / f"bench/results/validate-{name}.json").read_text("utf-8"))["seeds"]
    return seeds


def test_the_unseen_regions_and_the_uncertain_clusters_are_the_harness_output() -> None:
    """The out-of-sample seeds are others than the ones reported first and each of their means lies
    in the first seeds' interval, as the document says; the table of uncertain clusters adds up."""
    text = re.sub(r"\s+", " ", (ROOT / "docs/validation.md").read_text("utf-8"))
    first, unseen = _load("evidence"), _load("unseen")
    assert not {r["seed"] for r in first} & {r["seed"] for r in unseen}
    summary = {n: json.loads((ROOT / f"bench/results/validate-{n}.json").read_text("utf-8"))["summary"]
               for n in ("evidence", "unseen")}  # fmt: skip
    for key, s in summary["unseen"].items():
        low, high = summary["evidence"][key]["low"], summary["evidence"][key]["high"]
        assert low <= s["mean"] <= high, key
    honest = sum(r["schools"] - r["inflated"] for r in unseen)
    caught = sum(round(r["recall"] * r["inflated"]) for r in unseen)
    per = ", ".join(str(r["false_flags"]) for r in unseen)
    honest_text = f"{honest:,}".replace(",", " ")
    assert (
        f"the flag caught {caught} of {sum(r['inflated'] for r in unseen)} inflated schools and flagged "
        f"{sum(r['false_flags'] for r in unseen)} of {honest_text} honest ones (per seed {per})"
    ) in text
    for name, seeds in (("seeds 1–5", first), ("seeds 6–10", unseen)):
        total, marked = sum(r["clustered"] for r in seeds), sum(r["marked_uncertain"] for r in seeds)
        wrong, wrong_marked = sum(r["wrong"] for r in seeds), sum(r["wrong_marked"] for r in seeds)
        agreement = (total - marked - (wrong - wrong_marked)) / (total - marked)
        assert agreement > 0.92 and wrong_marked > wrong / 2
        row = f"| {name} | {total:,} | {marked} | {wrong} | {wrong_marked} | {agreement:.3f} |"
        assert row.replace(",", " ").replace(".", ",") in text, row


def test_the_mutation_figures_are_the_script_output() -> None:
    """docs/validation.md's table of the last mutation run is scripts/mutation.py's output of it
    (bench/results/mutation.json): each module's mutants, survivors and score, and the total."""
    data = json.loads((ROOT / "bench/results/mutation.json").read_text("utf-8"))
    doc = (ROOT / "docs/validation.md").read_text("utf-8")

    def share(x: float) -> str:
        return f"{100 * x:.1f}".replace(".", ",") + " %"

    def count(n: int) -> str:
        return f"{n:,}".replace(",", " ")

    for m in data["modules"]:
        name = m["module"].replace("shnor.", "").replace(".", "/") + ".py"
        score = (m["detected"] + m.get("explained", 0)) / m["mutants"]
        assert f"| `{name}` | {count(m['mutants'])} | {m.get('survived', 0)} | {share(score)}" in doc, name
    total = sum(m["mutants"] for m in data["modules"])
    survived = sum(m.get("survived", 0) for m in data["modules"])
    assert f"| **all** | **{count(total)}** | **{survived}** | **{share(data['score'])}** |" in doc
    assert data["score"] >= 0.9 and f"{share(data['score'])} of {count(total)} mutants" in doc
    readme = re.sub(r"\s+", " ", (ROOT / "README.md").read_text("utf-8"))
    assert f"({share(data['score'])} из {count(total)})" in readme
