"""Validation harness: regions with a planted truth, generated from assumptions deliberately unlike
the demo's, run through the whole pipeline as an operator runs it (`shnor init` → `shnor import` of
files shaped as Russian Excel writes them → `shnor identify`), and the identification scored against
the truth.

    .venv/bin/python bench/validate.py [--seeds 1 2 3 4 5] [--schools 400] [--preset volgograd-2021]
                                       [--json out.json]

How the regions differ from the demo's generator (shnor.demo.generator), on purpose:
  * school effects from a Student t (5 degrees of freedom), pupil abilities skewed (a centred gamma);
  * a quarter of the schools rural with one class per grade of 4–14 pupils;
  * teachers' term marks with a school's own leniency; a fifth of the term marks missing;
  * inflation that is partial: in 6 % of schools, from a random year, on a random half of the ВПР
    works, for 30–80 % of the pupils of a work, by 15–35 % of the maximum score;
  * one work in five of a school missing in a year; an optional social share missing for some schools;
  * task-level results of one ВПР work (mathematics, grade 6), where inflated pupils gain on hard
    tasks as much as on easy ones.

Truth and scores, per seed:
  precision  share of the schools listed as low ИОР whose true quality is in the region's lowest
             quarter;
  recall     share of the inflated schools that get the objectivity flag;
  false      share of the schools never inflated that get it (the false-flag rate);
  va_rho     Spearman of value added with the true school effect (quality beyond social context);
  cluster    agreement of the cluster with the true 2×2 (true quality in the preset's low-ИОР share or
             not × true disadvantage in its low-ИСБ share or not), over the schools the
             identification assigns a cluster.
Prints each seed and the mean with a 95 % interval over the seeds (t, n − 1).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from shnor.core.identification.uncertainty import UNCERTAIN

YEARS = (2021, 2022, 2023, 2024)
VPR = [("rus", g) for g in (4, 5, 6, 7, 8)] + [("math", g) for g in (4, 5, 6, 7, 8)]
VPR_MAX = {"rus": 38, "math": 20}
OGE = [("rus", 9, 33), ("math", 9, 31)]
EGE = [("rus", 11), ("math_prof", 11)]
TASKS = 16  # tasks of the task-level work (ВПР mathematics, grade 6)


@dataclass
class Truth:
    schools: pd.DataFrame  # school_id, disadvantage, quality, effect, inflated


def _shares(rng: np.random.Generator, disadvantage: np.ndarray, base: float, slope: float) -> np.ndarray:
    eta = base + slope * disadvantage + rng.normal(0, 0.35, len(disadvantage))
    return np.round(1 / (1 + np.exp(-eta)), 3)


def _marks(fraction: np.ndarray, cuts: tuple[float, float, float]) -> np.ndarray:
    return 2 + (fraction >= cuts[0]).astype(int) + (fraction >= cuts[1]).astype(int) + (fraction >= cuts[2]).astype(int)


def generate(seed: int, n_schools: int) -> tuple[dict[str, pd.DataFrame], Truth]:
    rng = np.random.default_rng(seed)
    ids = [f"V{seed:02}{i:04}" for i in range(n_schools)]
    rural = rng.random(n_schools) < 0.25
    disadvantage = rng.normal(0, 1, n_schools) + 0.6 * rural
    effect = 0.3 * rng.standard_t(5, n_schools)
    quality = -0.35 * disadvantage + effect
    inflated = rng.random(n_schools) < 0.06
    start = rng.choice(YEARS[1:], n_schools)  # inflation begins in a year after the first
    leniency = rng.normal(0, 0.25, n_schools)
    municipalities = [f"Район {1 + i % 12}" for i in range(n_schools)]
    schools = pd.DataFrame(
        {
            "Код ОО": ids,
            "Наименование ОО": [f"Школа № {i + 1}" for i in range(n_schools)],
            "Муниципалитет": municipalities,
            "Тип местности": np.where(rural, "село", "город"),
            "Численность обучающихся": 0,
        }
    )
    class_size = np.where(rural, rng.integers(4, 15, n_schools), rng.integers(18, 30, n_schools))
    classes = np.where(rural, 1, rng.integers(1, 5, n_schools))
    schools["Численность обучающихся"] = class_size * classes * 11
    social = pd.DataFrame(
        {
            "Год": YEARS[-1],
            "Код ОО": ids,
            "Численность обучающихся": schools["Численность обучающихся"],
            "Доля обучающихся из семей, где оба родителя не имеют высшего образования": _shares(
                rng, disadvantage, -0.2, 0.8
            ),
            "Доля обучающихся из семей, где единственный или оба родителя безработные": _shares(
                rng, disadvantage, -2.2, 0.7
            ),
            "Доля обучающихся, состоящих на внутришкольном и других видах учёта": _shares(rng, disadvantage, -3.0, 0.5),
        }
    )
    # An optional share, not reported by some schools.
    social["Доля обучающихся с ОВЗ"] = _shares(rng, disadvantage, -2.8, 0.4)
    social.loc[rng.random(n_schools) < 0.1, "Доля обучающихся с ОВЗ"] = np.nan
    rows, tasks = _results(rng, ids, class_size * classes, quality, inflated, start, leniency)
    truth = pd.DataFrame(
        {"school_id": ids, "disadvantage": disadvantage, "quality": quality, "effect": effect, "inflated": inflated}
    )
    return {"schools": schools, "social": social, "results": rows, "results_tasks": tasks}, Truth(truth)


def _results(
    rng: np.random.Generator,
    ids: list[str],
    cohort: np.ndarray,
    quality: np.ndarray,
    inflated: np.ndarray,
    start: np.ndarray,
    leniency: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames, task_frames = [], []
    inflated_works = {int(i): set(rng.permutation(len(VPR))[: len(VPR) // 2]) for i in np.flatnonzero(inflated)}
    for year in YEARS:
        for i, school in enumerate(ids):
            k = cohort[i]
            for w, (subject, grade) in enumerate(VPR):
                if rng.random() < 0.2:
                    continue  # a work missing in a year
                ability = quality[i] + (rng.gamma(4.0, 0.5, k) - 2.0)  # skewed, mean 0, SD 1
                top = VPR_MAX[subject]
                score = np.clip(np.round(top * stats.norm.cdf(0.9 * ability + rng.normal(0, 0.5, k))), 0, top)
                honest = _marks(score / top, (0.3, 0.55, 0.8))
                term = np.clip(np.round(honest + leniency[i] + rng.normal(0, 0.6, k)), 2, 5)
                if inflated[i] and year >= start[i] and w in inflated_works[i]:
                    boosted = rng.random(k) < rng.uniform(0.3, 0.8)
                    score = np.where(boosted, np.minimum(top, score + np.round(top * rng.uniform(0.15, 0.35))), score)
                marks = _marks(score / top, (0.3, 0.55, 0.8))
                term = np.where(rng.random(k) < 0.2, np.nan, term)
                keys = [f"{school}-{year - grade}-{p}" for p in range(k)]
                frames.append(
                    pd.DataFrame(
                        {"Год": year, "Процедура": "ВПР", "Класс": grade, "Предмет": subject, "Код ОО": school,
                         "Код участника": keys, "Первичный балл": score, "Отметка": marks,
                         "Отметка по журналу": term}
                    )
                )  # fmt: skip
                if (subject, grade) == ("math", 6):
                    task_frames.append(_tasks(rng, year, school, keys, ability, score, top))
            frames += _exams(rng, year, school, cohort[i], quality[i])
    return pd.concat(frames, ignore_index=True), pd.concat(task_frames, ignore_index=True)


def _tasks(
    rng: np.random.Generator, year: int, school: str, keys: list[str], ability: np.ndarray, score: np.ndarray, top: int
) -> pd.DataFrame:
    """Task scores of one pupil sum to the pupil's primary score's share of TASKS one-point tasks:
    honest pupils solve easy tasks first; points a pupil did not earn (inflation) fall anywhere."""
    difficulty = np.linspace(-1.5, 1.5, TASKS)
    rows = []
    for key, a, s in zip(keys, ability, score, strict=True):
        earned = int(round(TASKS * s / top))
        p = stats.norm.cdf(a - difficulty)
        honest = int(round(p.sum()))
        order = list(np.argsort(-(p + rng.normal(0, 0.3, TASKS))))
        solved = set(order[: min(honest, earned)])
        rest = [t for t in rng.permutation(TASKS) if t not in solved]
        solved |= set(rest[: max(0, earned - len(solved))])
        rows += [(year, "ВПР", 6, "math", school, key, f"{t + 1}", int(t in solved), 1) for t in range(TASKS)]
    return pd.DataFrame(
        rows,
        columns=["Год", "Процедура", "Класс", "Предмет", "Код ОО", "Код участника", "Задание", "Балл",
                 "Максимальный балл"],
    )  # fmt: skip


def _exams(rng: np.random.Generator, year: int, school: str, k: int, quality: float) -> list[pd.DataFrame]:
    out = []
    for subject, grade, top in OGE:
        ability = quality + (rng.gamma(4.0, 0.5, k) - 2.0)
        score = np.clip(np.round(top * stats.norm.cdf(0.9 * ability + rng.normal(0, 0.4, k))), 0, top)
        out.append(
            pd.DataFrame(
                {"Год": year, "Процедура": "ОГЭ", "Класс": grade, "Предмет": subject, "Код ОО": school,
                 "Код участника": [f"{school}-{year - grade}-{p}" for p in range(k)], "Первичный балл": score,
                 "Отметка": _marks(score / top, (0.3, 0.6, 0.8))}
            )
        )  # fmt: skip
    n = max(1, int(k * 0.6))
    for subject, grade in EGE:
        ability = quality + (rng.gamma(4.0, 0.5, n) - 2.0)
        test = np.clip(np.round(50 + 18 * ability + rng.normal(0, 8, n)), 0, 100)
        out.append(
            pd.DataFrame(
                {"Год": year, "Процедура": "ЕГЭ", "Класс": grade, "Предмет": subject, "Код ОО": school,
                 "Код участника": [f"{school}-{year - grade}-{p}" for p in range(n)], "Тестовый балл": test}
            )
        )  # fmt: skip
    return out


def _write(frame: pd.DataFrame, path: Path) -> None:
    """As Russian Excel saves a CSV: `;`, cp1251, decimal comma, a title row above the header."""
    with path.open("w", encoding="cp1251", newline="") as f:
        f.write("Выгрузка для системы ШНОР;\n")
        frame.to_csv(f, sep=";", index=False, decimal=",", quoting=csv.QUOTE_MINIMAL, float_format="%g")


def _shnor(*args: str, data: Path) -> None:
    command = [str(Path(sys.executable).with_name("shnor")), *args, "--data-dir", str(data)]
    # The commands' own settings, not a caller's (a test run's DJANGO_SETTINGS_MODULE, for one).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SHNOR_"))}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _with_flag(preset: str, flag: str, work: Path) -> Path:
    """The preset with its objectivity flag rule replaced (to compare the rules on the same regions)."""
    import yaml

    from shnor.presets import load

    data = yaml.safe_load(load(preset)[1])
    data.setdefault("methodology", {}).setdefault("objectivity", {})["flag"] = flag
    path = work / f"{Path(preset).stem}-{flag}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def run(seed: int, n_schools: int, preset: str, work: Path) -> dict[str, Any]:
    began = time.perf_counter()
    files, truth = generate(seed, n_schools)
    data = work / f"seed{seed}"
    _shnor("init", "--preset", preset, data=data)
    for kind in ("schools", "social", "results", "results_tasks"):
        path = work / f"{kind}-{seed}.csv"
        _write(files[kind], path)
        _shnor("import", kind, str(path), data=data)
    out = work / f"identify-{seed}.csv"
    _shnor("identify", "--year", str(YEARS[-1]), "--out", str(out), data=data)
    from shnor.presets import load

    m = load(preset)[0].methodology
    if m.ior_low.kind != "quantile" or m.isb_low.kind != "quantile":
        raise SystemExit("the harness scores clusters of presets with quantile low zones")
    scores = score(pd.read_csv(out, dtype={"school_id": str}), truth.schools, m.ior_low.value, m.isb_low.value)
    return {"seed": seed, **scores, "seconds": round(time.perf_counter() - began, 1)}


def score(table: pd.DataFrame, truth: pd.DataFrame, ior_share: float, isb_share: float) -> dict[str, Any]:
    """The identification against the truth; the true clusters cut at the preset's shares of the
    low zones (quantile zones), as the identification cuts them."""
    t = table.merge(truth, on="school_id")
    flag = t["objectivity_flag"].astype(str).str.lower().eq("true")
    low = t["ior_low"].astype(str).str.lower().eq("true")
    lowest = t["quality"] <= t["quality"].quantile(0.25)
    honest = ~t["inflated"]
    va = t.dropna(subset=["value_added"])
    clustered = t[t["cluster"].fillna("") != ""]
    true_low_q = clustered["quality"] <= t["quality"].quantile(ior_share)
    true_low_s = clustered["disadvantage"] >= t["disadvantage"].quantile(1 - isb_share)
    truth_cluster = np.select(
        [~true_low_q & ~true_low_s, ~true_low_q & true_low_s, true_low_q & ~true_low_s],
        ["effective", "resilient", "struggling"],
        "deprived",
    )
    return {
        "schools": len(t),
        "listed_low": int(low.sum()),
        "precision": round(float((low & lowest).sum() / max(int(low.sum()), 1)), 4),
        "inflated": int(t["inflated"].sum()),
        "recall": round(float((flag & t["inflated"]).sum() / max(int(t["inflated"].sum()), 1)), 4),
        "false_flags": int((flag & honest).sum()),
        "false": round(float((flag & honest).sum() / max(int(honest.sum()), 1)), 4),
        "va_rho": round(float(stats.spearmanr(va["value_added"], va["effect"]).statistic), 4),
        "cluster": round(float((clustered["cluster"].to_numpy() == truth_cluster).mean()), 4),
        **_uncertain(clustered, clustered["cluster"].to_numpy() != truth_cluster),
    }


def _uncertain(clustered: pd.DataFrame, wrong: np.ndarray) -> dict[str, Any]:
    """How many clustered schools the identification marks as of uncertain cluster (a low-zone
    probability of ИОР or ИСБ within uncertainty.UNCERTAIN), and how many of the wrong clusters are among them."""
    marked = np.zeros(len(clustered), bool)
    for column in ("ior_low_probability", "isb_low_probability"):
        if column in clustered:
            p = pd.to_numeric(clustered[column], errors="coerce").to_numpy(float)
            marked |= (p > UNCERTAIN[0]) & (p < UNCERTAIN[1])
    return {
        "clustered": len(clustered),
        "marked_uncertain": int(marked.sum()),
        "wrong": int(wrong.sum()),
        "wrong_marked": int((wrong & marked).sum()),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for key in ("precision", "recall", "false", "va_rho", "cluster"):
        values = np.array([r[key] for r in rows], dtype=float)
        half = (
            float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
            if len(values) > 1
            else float("nan")
        )
        out[key] = {"mean": round(float(values.mean()), 4), "low": round(float(values.mean()) - half, 4),
                    "high": round(float(values.mean()) + half, 4)}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--schools", type=int, default=400)
    parser.add_argument("--preset", default="volgograd-2021")
    parser.add_argument("--flag", choices=["evidence", "count"], help="the flag rule, if not the preset's")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shnor-validate-"))
    try:
        if args.flag:
            args.preset = str(_with_flag(args.preset, args.flag, work))
        rows = []
        for seed in args.seeds:
            rows.append(run(seed, args.schools, args.preset, work))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        summary = summarise(rows)
        for key, s in summary.items():
            print(f"{key:10} {s['mean']:.3f}  [{s['low']:.3f}; {s['high']:.3f}]")
        if args.json:
            args.json.write_text(json.dumps({"seeds": rows, "summary": summary}, ensure_ascii=False, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
