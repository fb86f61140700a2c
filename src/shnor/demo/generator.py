"""A deterministic demo region in the data contract's shapes (docs/data-contract.md), with structure worth finding.

Pure: no Django, no files. The same seed gives the same region, row for row, so the demo is
also the test fixture of every later feature. What is planted is returned in `truth`:

* a school's social index `social` (higher = more favourable context) drives its social shares;
* its results follow its context (0.55 student SD per unit of social index) plus a value added
  `value_added`; *resilient* schools have a hard context and a large positive value added,
  *struggling* ones a favourable context and a large negative one;
* *inflated* schools have ВПР scores raised by about 0.9 SD while their term (journal) marks and
  their ОГЭ/ЕГЭ stay honest — the signature of biased ВПР results;
* *improving* and *declining* schools drift by ±0.2 SD a year;
* *tiny* schools (under 40 pupils) have noisy results that mean nothing on their own;
* task-level results of one work (ВПР mathematics, grade 4, the last year): an honest pupil's points
  go to the easier tasks first; in an inflated school half of a pupil's points go to the hard tasks
  first — what the difficulty-inversion sign looks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from shnor.demo import names
from shnor.demo.scales import WORKS

RESULT_COLUMNS = [
    "year",
    "procedure",
    "grade",
    "subject",
    "school_id",
    "student_key",
    "primary_score",
    "max_primary_score",
    "test_score",
    "mark",
    "journal_mark",
]
SCHOOL_COLUMNS = [
    "school_id",
    "name",
    "municipality",
    "locality",
    "enrollment",
    "lat",
    "lon",
    "innovation_site",
    "parent_school_id",
]
SOCIAL_COLUMNS = [
    "year",
    "school_id",
    "students",
    "share_parents_no_higher_ed",
    "share_unemployed_parents",
    "share_on_register",
    "share_disabilities",
    "share_non_native",
    "share_low_income",
    "share_single_parent",
    "share_large_families",
]
STAFF_COLUMNS = ["staff_key", "school_id", "position", "subjects", "experience_years", "category", "age"]
OVERSIGHT_COLUMNS = ["year", "school_id", "kind", "count"]
DIAGNOSTIC_COLUMNS = ["year", "staff_key", "area", "score", "max_score"]
COURSE_COLUMNS = ["staff_key", "title", "provider", "hours", "start", "end", "topic"]
AREA_MAX = {"subject": 30.0, "methodical": 20.0, "psych_ped": 20.0, "assessment": 20.0, "digital": 10.0}
# The demo catalogue of courses and activities (title, provider, hours, topic, kind, areas).
CATALOGUE: list[tuple[str, str, int, str, str, tuple[str, ...]]] = [
    (
        "Современный урок: деятельностный подход",
        "Институт развития образования",
        72,
        "методика",
        "course",
        ("methodical", "assessment"),
    ),
    ("Формирующее оценивание на уроке", "Институт развития образования", 36, "оценивание", "course", ("assessment",)),
    (
        "Содержание и методика преподавания предмета: трудные темы ОГЭ и ЕГЭ",
        "Институт развития образования",
        72,
        "предмет",
        "course",
        ("subject",),
    ),
    (
        "Функциональная грамотность обучающихся",
        "Центр непрерывного повышения профессионального мастерства",
        36,
        "функциональная грамотность",
        "course",
        ("subject", "methodical"),
    ),
    (
        "Работа с детьми с трудностями в обучении и поведении",
        "Центр психолого-педагогической помощи",
        36,
        "психолого-педагогическое сопровождение",
        "course",
        ("psych_ped",),
    ),
    (
        "Цифровая образовательная среда: ресурсы и сервисы",
        "Центр цифровой трансформации образования",
        24,
        "цифровые компетенции",
        "course",
        ("digital",),
    ),
    (
        "Объективность оценки образовательных результатов",
        "Региональный центр оценки качества образования",
        18,
        "оценивание",
        "course",
        ("assessment",),
    ),
    ("Стажировка в школе-кураторе", "Школа-куратор", 16, "обмен опытом", "internship", ("methodical", "psych_ped")),
    ("Наставничество «педагог — педагог»", "Школа", 20, "наставничество", "mentoring", ("subject", "methodical")),
    (
        "Постоянно действующий семинар для педагогов ШНОР",
        "Муниципальная методическая служба",
        12,
        "обмен опытом",
        "seminar",
        ("methodical", "psych_ped", "digital"),
    ),
]


@dataclass(frozen=True)
class DemoConfig:
    seed: int = 20261123
    municipalities: int = 30
    schools: int = 700
    years: tuple[int, ...] = (2023, 2024, 2025, 2026)
    region_code: str = "DEMO"
    region_name: str = "Демонстрационная область"


@dataclass
class DemoRegion:
    config: DemoConfig
    municipalities: pd.DataFrame  # code, name, kind, lat, lon, neighbours (list of codes)
    schools: pd.DataFrame  # SCHOOL_COLUMNS + last_grade
    results: pd.DataFrame  # RESULT_COLUMNS
    social: pd.DataFrame  # SOCIAL_COLUMNS
    staff: pd.DataFrame  # STAFF_COLUMNS
    oversight: pd.DataFrame  # OVERSIGHT_COLUMNS
    truth: pd.DataFrame  # school_id, social, value_added, trend, inflated, planted
    bodies: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    survey: pd.DataFrame = field(default_factory=pd.DataFrame)  # SURVEY_COLUMNS
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)  # DIAGNOSTIC_COLUMNS
    courses: pd.DataFrame = field(default_factory=pd.DataFrame)  # COURSE_COLUMNS
    tasks: pd.DataFrame = field(default_factory=pd.DataFrame)  # TASK_COLUMNS


def _sigmoid(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def _municipalities(cfg: DemoConfig, rng: np.random.Generator) -> pd.DataFrame:
    n = cfg.municipalities
    n_city = max(1, round(n / 5))
    cols = int(np.ceil(np.sqrt(n * 1.2)))
    rows = []
    for i in range(n):
        r, c = divmod(i, cols)
        if i < n_city:
            name = f"Городской округ город {names.CITY_ROOTS[i % len(names.CITY_ROOTS)]}"
            kind = "city_okrug"
        else:
            root = names.DISTRICT_ROOTS[(i - n_city) % len(names.DISTRICT_ROOTS)]
            name = f"{root} муниципальный район"
            kind = "municipal_district"
        rows.append(
            {
                "code": f"M{i + 1:02d}",
                "name": name,
                "kind": kind,
                "row": r,
                "col": c,
                "lat": 52.0 - 0.55 * r + rng.normal(0, 0.05),
                "lon": 40.0 + 0.8 * c + rng.normal(0, 0.05),
            }
        )
    frame = pd.DataFrame(rows)
    neighbours = []
    for _, m in frame.iterrows():
        adjacent = frame[(abs(frame["row"] - m["row"]) + abs(frame["col"] - m["col"])) == 1]["code"].tolist()
        neighbours.append(adjacent)
    frame["neighbours"] = neighbours
    return frame.drop(columns=["row", "col"])


def _schools(cfg: DemoConfig, munis: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    city = munis["kind"].to_numpy() == "city_okrug"
    # Cities hold about 40 % of schools but most pupils.
    weights = np.where(city, 3.0, 1.0) * rng.uniform(0.7, 1.3, len(munis))
    counts = rng.multinomial(cfg.schools - len(munis), weights / weights.sum()) + 1
    rows = []
    num = 0
    for m_idx, (m, k) in enumerate(zip(munis.itertuples(), counts, strict=True)):
        city_number = 1
        for j in range(k):
            num += 1
            is_city = bool(city[m_idx]) and rng.random() < 0.92
            if is_city:
                enrollment = int(np.clip(rng.lognormal(6.5, 0.45), 250, 2100))
                last_grade = 11 if rng.random() < 0.93 else 9
                kind = "Средняя школа" if last_grade == 11 else "Основная школа"
                if rng.random() < 0.12:
                    kind = rng.choice(["Лицей", "Гимназия"])
                    last_grade = 11
                name = f"МОУ «{kind} № {city_number}» {m.name.replace('Городской округ ', '')}"
                city_number += int(rng.integers(1, 4))
                locality = "city"
                spread = 0.06
            else:
                village = names.VILLAGES[(num * 7 + j) % len(names.VILLAGES)]
                u = rng.random()
                if u < 0.18:
                    enrollment, last_grade = int(rng.integers(8, 40)), int(rng.choice([4, 9, 9, 11]))
                elif u < 0.30:
                    enrollment, last_grade = int(rng.integers(20, 70)), 4
                elif u < 0.55:
                    enrollment, last_grade = int(rng.integers(40, 160)), 9
                else:
                    enrollment, last_grade = int(np.clip(rng.lognormal(5.2, 0.5), 60, 900)), 11
                kind = {4: "Начальная школа", 9: "Основная школа", 11: "Средняя школа"}[last_grade]
                name = f"МКОУ «{kind} с. {village}»"
                locality = "rural"
                spread = 0.3
            rows.append(
                {
                    "school_id": f"{m.code}{j + 1:03d}",
                    "name": name,
                    "municipality": m.name,
                    "municipality_code": m.code,
                    "locality": locality,
                    "enrollment": enrollment,
                    "last_grade": last_grade,
                    "lat": round(m.lat + rng.normal(0, spread), 5),
                    "lon": round(m.lon + rng.normal(0, spread * 1.4), 5),
                    "innovation_site": False,
                    "parent_school_id": "",
                }
            )
    frame = pd.DataFrame(rows)
    # Branches: some tiny rural schools are филиалы of the largest school of their district.
    for _, group in frame[frame["locality"] == "rural"].groupby("municipality_code"):
        head = group.sort_values("enrollment").index[-1]
        small = group[(group["enrollment"] < 60) & (group.index != head)].index
        chosen = [i for i in small if rng.random() < 0.35]
        frame.loc[chosen, "parent_school_id"] = frame.loc[head, "school_id"]
        frame.loc[chosen, "name"] = [
            f"Филиал {frame.loc[head, 'name'].split('»')[0]}» в с. {names.VILLAGES[(i * 3 + 1) % len(names.VILLAGES)]}"
            for i in chosen
        ]
    return frame


def _plant(cfg: DemoConfig, schools: pd.DataFrame, munis: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(schools)
    muni_effect = dict(zip(munis["code"], rng.normal(0, 0.35, len(munis)), strict=True))
    city = (schools["locality"] == "city").to_numpy()
    social = (
        np.where(city, 0.45, -0.45) + schools["municipality_code"].map(muni_effect).to_numpy() + rng.normal(0, 0.55, n)
    )
    value_added = rng.normal(0, 0.18, n)
    trend = np.zeros(n)
    inflated = np.zeros(n, dtype=bool)
    planted = np.array(["ordinary"] * n, dtype=object)
    big = schools["enrollment"].to_numpy() >= 60
    order = rng.permutation(n)
    low_social = social < np.quantile(social, 0.35)
    high_social = social > np.quantile(social, 0.6)

    def take(mask: np.ndarray, k: int) -> np.ndarray:
        free = [i for i in order if mask[i] and planted[i] == "ordinary"]
        return np.array(free[:k], dtype=np.int64)

    k = max(3, round(n * 0.05))
    resilient = take(low_social & big, k)
    value_added[resilient] = rng.uniform(0.65, 0.95, len(resilient))
    planted[resilient] = "resilient"
    struggling = take(high_social & big, k)
    value_added[struggling] = -rng.uniform(0.65, 0.95, len(struggling))
    planted[struggling] = "struggling"
    infl = take(big, k)
    inflated[infl] = True
    planted[infl] = "inflated"
    improving = take(big, k)
    trend[improving] = 0.2
    planted[improving] = "improving"
    declining = take(big, k)
    trend[declining] = -0.2
    planted[declining] = "declining"
    tiny = schools["enrollment"].to_numpy() < 40
    planted[(planted == "ordinary") & tiny] = "tiny"
    return pd.DataFrame(
        {
            "school_id": schools["school_id"],
            "social": social,
            "value_added": value_added,
            "trend": trend,
            "inflated": inflated,
            "planted": planted,
        }
    )


def _student_keys(school_idx: np.ndarray, entry_year: np.ndarray, number: np.ndarray) -> np.ndarray:
    """Pseudonyms stable across a student's years: a keyed scramble of (school, cohort, number)."""
    raw = (
        school_idx.astype(np.uint64) * np.uint64(100_000)
        + (entry_year % 100).astype(np.uint64) * np.uint64(1000)
        + number.astype(np.uint64)
    )
    scrambled = (raw * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)) % np.uint64(2**40)
    return np.char.mod("P%010X", scrambled.astype(np.int64))


def _results(cfg: DemoConfig, schools: pd.DataFrame, truth: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    enrollment = schools["enrollment"].to_numpy()
    last_grade = schools["last_grade"].to_numpy()
    span = np.where(last_grade == 11, 11, np.where(last_grade == 9, 9, 4))
    per_grade = enrollment / span
    base = 0.55 * truth["social"].to_numpy() + truth["value_added"].to_numpy()
    inflated = truth["inflated"].to_numpy()
    frames = []
    first = cfg.years[0]
    for year in cfg.years:
        quality = base + truth["trend"].to_numpy() * (year - first) + rng.normal(0, 0.07, len(schools))
        for work in WORKS:
            eligible = last_grade >= work.grade
            share = {"VPR": 0.92, "OGE": 0.98, "EGE": 1.0}[work.procedure]
            cohort = per_grade * (0.55 if work.grade == 11 else 1.0)
            if work.subject == "math_prof":
                share = 0.45
            elif work.subject == "math_base":
                share = 0.55
            n = np.where(eligible, rng.poisson(np.maximum(cohort * share, 0.0)), 0)
            if n.sum() == 0:
                continue
            idx = np.repeat(np.arange(len(schools)), n)
            number = np.concatenate([np.arange(k) for k in n])
            ability = quality[idx] + rng.normal(0, 1.0, idx.size)
            # Those who choose profile maths are stronger than those who take basic maths.
            ability += {"math_prof": 0.45, "math_base": -0.35}.get(work.subject, 0.0)
            boost = np.where(inflated[idx] & (work.procedure == "VPR"), 0.9, 0.0)
            p = _sigmoid(work.difficulty + 0.25 + 1.05 * (ability + boost))
            score = rng.binomial(work.max_score, p)
            frame = pd.DataFrame(
                {
                    "year": year,
                    "procedure": work.procedure,
                    "grade": work.grade,
                    "subject": work.subject,
                    "school_id": schools["school_id"].to_numpy()[idx],
                    "student_key": _student_keys(idx, year - work.grade + 1 + np.zeros_like(idx), number),
                    "primary_score": score.astype(np.float64),
                    "max_primary_score": float(work.max_score),
                }
            )
            if work.has_test_score:
                frame["test_score"] = work.test_scores(score).astype(np.float64)
                frame["mark"] = pd.array([pd.NA] * idx.size, dtype="Int64")
            else:
                frame["test_score"] = np.nan
                frame["mark"] = pd.array(work.marks(score), dtype="Int64")
            if work.procedure == "VPR":
                # Term marks reflect the honest ability, graded with the same scale plus teacher noise.
                honest = rng.binomial(
                    work.max_score, _sigmoid(work.difficulty + 0.25 + 1.05 * (ability + rng.normal(0, 0.45, idx.size)))
                )
                frame["journal_mark"] = pd.array(work.marks(honest), dtype="Int64")
            else:
                frame["journal_mark"] = pd.array([pd.NA] * idx.size, dtype="Int64")
            frames.append(frame)
    results = pd.concat(frames, ignore_index=True)[RESULT_COLUMNS]
    return results.sort_values(["year", "procedure", "subject", "grade", "school_id", "student_key"], ignore_index=True)


TASK_COLUMNS = ["year", "procedure", "grade", "subject", "school_id", "student_key", "task", "score", "max_score"]
TASK_WORK = ("VPR", 4, "math")  # the sample work with task-level results
TASKS = 10  # its tasks, two points each (its 20 points)


def _tasks(cfg: DemoConfig, results: pd.DataFrame, truth: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Task-level results of TASK_WORK in the last year: each pupil's primary score split over TASKS
    tasks of two points, ordered from easy to hard. Each point is one of 2·TASKS half-tasks drawn
    without replacement (Gumbel top-k) with weights exp(−1.5·difficulty): honest pupils fill easy
    tasks first. In inflated schools half of each pupil's points are drawn hard tasks first, with
    weights exp(+1.5·difficulty): points given, not earned."""
    procedure, grade, subject = TASK_WORK
    year = cfg.years[-1]
    work = results[
        (results["year"] == year)
        & (results["procedure"] == procedure)
        & (results["grade"] == grade)
        & (results["subject"] == subject)
    ]
    score = work["primary_score"].to_numpy(int)
    inflated = work["school_id"].map(truth.set_index("school_id")["inflated"]).to_numpy(bool)
    difficulty = np.repeat(np.linspace(-1.5, 1.5, TASKS), 2)  # two half-tasks per task
    gumbel = rng.gumbel(size=(len(work), 2 * TASKS))
    honest_keys = -1.5 * difficulty + gumbel
    hard_keys = 1.5 * difficulty + rng.gumbel(size=(len(work), 2 * TASKS))
    honest_points = np.where(inflated, np.round(score / 2), score).astype(int)
    order = np.argsort(-honest_keys, axis=1)
    chosen = np.zeros((len(work), 2 * TASKS), dtype=bool)
    ranks = np.arange(2 * TASKS)
    np.put_along_axis(chosen, order, ranks[None, :] < honest_points[:, None], axis=1)
    rest = np.where(chosen, -np.inf, hard_keys)
    order = np.argsort(-rest, axis=1)
    extra = ranks[None, :] < (score - honest_points)[:, None]
    np.put_along_axis(chosen, order, np.take_along_axis(chosen, order, axis=1) | extra, axis=1)
    per_task = chosen.reshape(len(work), TASKS, 2).sum(axis=2)
    return pd.DataFrame(
        {
            "year": year,
            "procedure": procedure,
            "grade": grade,
            "subject": subject,
            "school_id": np.repeat(work["school_id"].to_numpy(), TASKS),
            "student_key": np.repeat(work["student_key"].to_numpy(), TASKS),
            "task": np.tile([str(t + 1) for t in range(TASKS)], len(work)),
            "score": per_task.ravel().astype(np.float64),
            "max_score": 2.0,
        }
    )[TASK_COLUMNS]


def _social(cfg: DemoConfig, schools: pd.DataFrame, truth: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    s = truth["social"].to_numpy()
    n = len(s)
    rural = (schools["locality"] == "rural").to_numpy()
    enrollment = schools["enrollment"].to_numpy()
    frames = []
    for t, year in enumerate(cfg.years):
        drift = 0.03 * t

        def share(
            intercept: float, slope: float, extra: np.ndarray | float = 0.0, noise: float = 0.25, drift: float = drift
        ) -> np.ndarray:
            p = _sigmoid(intercept + slope * s + extra + rng.normal(0, noise, n) - drift)
            # Shares are counted over real pupils: small schools get coarse, noisy shares.
            shares: np.ndarray = np.round(rng.binomial(np.maximum(enrollment, 1), p) / np.maximum(enrollment, 1), 4)
            return shares

        frames.append(
            pd.DataFrame(
                {
                    "year": year,
                    "school_id": schools["school_id"],
                    "students": np.maximum(enrollment + rng.integers(-8, 9, n), 1),
                    "share_parents_no_higher_ed": share(-0.2, -1.1, 0.4 * rural),
                    "share_unemployed_parents": share(-2.6, -0.9, 0.3 * rural),
                    "share_on_register": share(-3.3, -0.8),
                    "share_disabilities": share(-2.9, -0.3, noise=0.4),
                    "share_non_native": share(-3.5, -0.2, noise=0.8),
                    "share_low_income": share(-1.6, -1.0, 0.3 * rural),
                    "share_single_parent": share(-1.5, -0.6),
                    "share_large_families": share(-2.0, -0.2, 0.4 * rural),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[SOCIAL_COLUMNS]


SUBJECTS = [
    "русский язык",
    "математика",
    "история",
    "биология",
    "физика",
    "химия",
    "география",
    "английский язык",
    "литература",
    "информатика",
]


def _staff(schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    categories = np.array(["highest", "first", "conformity", "none"])
    for school in schools.itertuples():
        k = max(3, int(round(school.enrollment / 12)))
        for i in range(k):
            if i == 0:
                position, subjects = "директор", ""
            elif i == 1 and k > 6:
                position, subjects = "заместитель директора", ""
            elif i < 2 + max(1, k // 5):
                position, subjects = "учитель начальных классов", "начальное общее образование"
            else:
                position = "учитель"
                subjects = ";".join(rng.choice(SUBJECTS, size=int(rng.integers(1, 3)), replace=False))
            age = int(np.clip(rng.normal(47, 11), 22, 74))
            experience = int(np.clip(age - 23 - rng.integers(0, 6), 0, 50))
            category = categories[
                rng.choice(4, p=[0.3, 0.35, 0.25, 0.1] if experience > 5 else [0.02, 0.15, 0.23, 0.6])
            ]
            rows.append(
                {
                    "staff_key": f"T{school.school_id}-{i + 1:03d}",
                    "school_id": school.school_id,
                    "position": position,
                    "subjects": subjects,
                    "experience_years": experience,
                    "category": category,
                    "age": age,
                }
            )
    return pd.DataFrame(rows, columns=STAFF_COLUMNS)


def _oversight(cfg: DemoConfig, truth: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    risky = truth["planted"].isin(["struggling", "inflated", "declining"]).to_numpy()
    for year in cfg.years:
        for kind, base in (("order", 0.03), ("complaint", 0.04)):
            p = np.where(risky, base * 4, base)
            hit = rng.random(len(truth)) < p
            for school_id in truth["school_id"].to_numpy()[hit]:
                rows.append({"year": year, "school_id": school_id, "kind": kind, "count": int(rng.integers(1, 3))})
    return pd.DataFrame(rows, columns=OVERSIGHT_COLUMNS)


def _person(rng: np.random.Generator) -> str:
    return f"{rng.choice(names.SURNAMES)} {rng.choice(names.FIRST_NAMES)} {rng.choice(names.PATRONYMICS)}"


def _infrastructure(
    cfg: DemoConfig, munis: pd.DataFrame, schools: pd.DataFrame, truth: pd.DataFrame, rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Act 000, table 1: the bodies of the support infrastructure and the people in them."""
    bodies: list[dict[str, Any]] = [
        {
            "key": "rwg",
            "kind": "regional_working_group",
            "name": "Региональная рабочая группа по поддержке ШНОР и ШНСУ",
            "functions": "Координация реализации программы поддержки школ.",
        },
        {
            "key": "operator",
            "kind": "operator",
            "name": "Институт развития образования Демонстрационной области",
            "functions": "Методическая поддержка мероприятий программы; мониторинг; аналитика.",
        },
        {
            "key": "tutors",
            "kind": "tutor_community",
            "name": "Региональное сообщество консультантов и тьюторов",
            "functions": "Консультирование и тьюторское сопровождение школ при переходе в эффективный режим работы.",
        },
        {
            "key": "site",
            "kind": "information_resource",
            "name": "Раздел «Поддержка школ» на портале института",
            "url": "https://iro.example/support",
            "functions": "Информирование о нормативных основах, мероприятиях и методических продуктах программы.",
        },
    ]
    people: list[dict[str, Any]] = [
        {
            "full_name": _person(rng),
            "position": "первый заместитель министра образования",
            "organization": "Министерство образования",
            "body": "rwg",
            "role": "head",
        },
        {
            "full_name": _person(rng),
            "position": "ректор",
            "organization": "Институт развития образования",
            "body": "operator",
            "role": "head",
        },
        {
            "full_name": _person(rng),
            "position": "руководитель центра мониторинга",
            "organization": "Институт развития образования",
            "body": "rwg",
            "role": "secretary",
        },
    ]
    strong = schools[(truth["value_added"] > 0.25).to_numpy() & (schools["enrollment"] > 300).to_numpy()]
    for m in munis.itertuples():
        bodies.append(
            {
                "key": f"mwg-{m.code}",
                "kind": "municipal_working_group",
                "municipality": m.code,
                "name": f"Муниципальная рабочая группа: {m.name}",
                "functions": "Координация поддержки школ на уровне муниципалитета.",
            }
        )
        bodies.append(
            {
                "key": f"mo-{m.code}",
                "kind": "methodological_association",
                "municipality": m.code,
                "name": f"Методическое объединение руководителей ОО: {m.name}",
                "functions": "Обсуждение и распространение эффективных практик повышения качества образования.",
            }
        )
        people.append(
            {
                "full_name": _person(rng),
                "position": "начальник отдела образования",
                "organization": f"Администрация: {m.name}",
                "municipality": m.code,
                "body": f"mwg-{m.code}",
                "role": "head",
            }
        )
        people.append(
            {
                "full_name": _person(rng),
                "position": "методист",
                "organization": "Муниципальный методический кабинет",
                "municipality": m.code,
                "body": f"mwg-{m.code}",
                "role": "secretary",
            }
        )
    for school in strong.head(max(3, len(munis) // 2)).itertuples():
        bodies.append(
            {
                "key": f"cp-{school.school_id}",
                "kind": "consultation_point",
                "municipality": school.municipality_code,
                "school": school.school_id,
                "name": f"Консультационный пункт на базе {school.name}",
                "functions": "Консультации по вопросам поддержки школ, открытые уроки, мастер-классы.",
            }
        )
    return bodies, people


SURVEY_COLUMNS = ["year", "school_id", "parameter", "value", "respondents"]


def _survey(
    cfg: DemoConfig, schools: pd.DataFrame, truth: pd.DataFrame, staff: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Questionnaire results of the risk profile (act 004 appendix) for the last two years.

    A school's answers follow its context and its value added: schools in hard conditions and
    struggling schools report more risks; improving schools report fewer in the later year."""
    from shnor import presets  # noqa: F401  (hands the built-in risk catalogue to the methodology)
    from shnor.core.risks import Source, default_catalogue

    catalogue = default_catalogue()
    params = [p for p in catalogue.parameters() if p.derive is None]
    n = len(schools)
    teachers = staff.groupby("school_id").size().reindex(schools["school_id"]).fillna(5).to_numpy()
    enrollment = schools["enrollment"].to_numpy()
    respondents = {
        Source.DIRECTOR: np.ones(n),
        Source.TEACHERS: np.maximum(2, np.round(teachers * 0.8)),
        Source.STUDENTS: np.maximum(3, np.round(enrollment * 0.3)),
        Source.PARENTS: np.maximum(3, np.round(enrollment * 0.2)),
    }
    base = 0.6 * truth["social"].to_numpy() + 1.2 * truth["value_added"].to_numpy()
    years = sorted(cfg.years)[-2:]
    frames = []
    for k, year in enumerate(years):
        school_good = base + 1.5 * truth["trend"].to_numpy() * k + rng.normal(0, 0.25, n)
        for p in params:
            good = school_good + rng.normal(0, 0.45, n)
            sign = 1.0 if p.direction == "lower_is_risk" else -1.0
            if p.scale == "scale5":
                value = np.clip(p.threshold + sign * 0.9 * (good + 0.5), 1.0, 5.0)
            else:
                spread = max(p.threshold, 0.1)
                value = np.clip(p.threshold + sign * spread * (good + 0.5), 0.0, 1.0)
                if p.answer == "yes_no" and p.source == Source.DIRECTOR:
                    value = (value > 0.5).astype(float)
            frames.append(
                pd.DataFrame(
                    {
                        "year": year,
                        "school_id": schools["school_id"].to_numpy(),
                        "parameter": p.code,
                        "value": np.round(value, 3),
                        "respondents": respondents[p.source].astype(int),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)[SURVEY_COLUMNS]


def _teachers(
    cfg: DemoConfig, staff: pd.DataFrame, truth: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Diagnostics of the last two years and the courses taken in between.

    Teachers of all struggling and inflated schools and of about half the others are diagnosed.
    Competence follows the school's value added and social context. Teachers with a deficit the
    first year take a course with probability 0.6; those who did gain about 0.1 of the maximum
    in the course's areas by the second diagnostic, the others about nothing.
    """
    first, second = sorted(cfg.years)[-2:]
    teaching = staff[staff["position"].str.startswith("учитель")].reset_index(drop=True)
    school = truth.set_index("school_id").reindex(teaching["school_id"])
    risky = school["planted"].isin(["struggling", "inflated"]).to_numpy()
    chosen = risky | (rng.random(len(teaching)) < 0.5)
    teaching, school = teaching[chosen].reset_index(drop=True), school[chosen].reset_index(drop=True)
    n = len(teaching)
    base = 0.66 + 0.25 * school["value_added"].to_numpy() + 0.08 * school["social"].to_numpy() + rng.normal(0, 0.1, n)
    areas = list(AREA_MAX)
    level = {a: np.clip(base + rng.normal(0, 0.09, n), 0.15, 0.98) for a in areas}
    diag_rows, course_rows = [], []
    gained = {a: np.zeros(n) for a in areas}
    by_area = {a: [c for c in CATALOGUE if c[4] == "course" and a in c[5]] for a in areas}
    for i in range(n):
        weak = [a for a in areas if level[a][i] < 0.6]
        if weak and rng.random() < 0.6:
            area = min(weak, key=lambda a: level[a][i])
            title, provider, hours, topic, _kind, covers = by_area[area][int(rng.integers(len(by_area[area])))]
            start = pd.Timestamp(first, int(rng.integers(3, 10)), int(rng.integers(1, 28)))
            end = start + pd.Timedelta(days=int(hours // 4) + 3)
            course_rows.append(
                {
                    "staff_key": teaching.at[i, "staff_key"],
                    "title": title,
                    "provider": provider,
                    "hours": hours,
                    "start": start.strftime("%d.%m.%Y"),
                    "end": end.strftime("%d.%m.%Y"),
                    "topic": topic,
                }
            )
            for a in covers:
                gained[a][i] = 0.1
    for year, shift in ((first, {a: np.zeros(n) for a in areas}), (second, gained)):
        for a in areas:
            share = np.clip(level[a] + shift[a] + rng.normal(0, 0.03, n), 0, 1)
            top = AREA_MAX[a]
            score = np.round(share * top)
            diag_rows.append(
                pd.DataFrame(
                    {"year": year, "staff_key": teaching["staff_key"], "area": a, "score": score, "max_score": top}
                )
            )
    diagnostics = pd.concat(diag_rows, ignore_index=True)[DIAGNOSTIC_COLUMNS]
    course_rows += _management_courses(staff, truth, second, np.random.default_rng(cfg.seed + 9))
    return diagnostics, pd.DataFrame(course_rows, columns=COURSE_COLUMNS)


def _management_courses(
    staff: pd.DataFrame, truth: pd.DataFrame, year: int, rng: np.random.Generator
) -> list[dict[str, object]]:
    """Management teams of weaker schools (act 004 §8: «подготовка управленческих команд»): in
    about 60 % of the schools with a negative value added a director or deputy finishes a course in
    quality management in the latest year (indicator 1.4.3). Its own random stream: the rest of
    the demo is unchanged."""
    value_added = truth.set_index("school_id")["value_added"]
    managers = staff[staff["position"].isin(["директор", "заместитель директора"])]
    rows = []
    for school_id, team in managers.groupby("school_id", sort=True):
        if value_added.get(school_id, 0.0) >= 0 or rng.random() >= 0.6:
            continue
        start = pd.Timestamp(year, int(rng.integers(2, 5)), int(rng.integers(1, 28)))
        rows.append(
            {
                "staff_key": team["staff_key"].iloc[int(rng.integers(len(team)))],
                "title": "Управление качеством образования в школе с низкими образовательными результатами",
                "provider": "ГАУ ДПО «Академия последипломного образования»",
                "hours": 72,
                "start": start.strftime("%d.%m.%Y"),
                "end": (start + pd.Timedelta(days=30)).strftime("%d.%m.%Y"),
                "topic": "управление качеством образования",
            }
        )
    return rows


def generate(cfg: DemoConfig | None = None) -> DemoRegion:
    """Build the demo region for `cfg` (default: ~30 municipalities, ~700 schools, 2023–2026)."""
    cfg = cfg or DemoConfig()
    rng = np.random.default_rng(cfg.seed)
    munis = _municipalities(cfg, rng)
    schools = _schools(cfg, munis, rng)
    truth = _plant(cfg, schools, munis, rng)
    # Regional innovation sites: a few strong big schools.
    strong = (truth["value_added"] > 0.2).to_numpy() & (schools["enrollment"] > 400).to_numpy()
    schools.loc[strong & (rng.random(len(schools)) < 0.5), "innovation_site"] = True
    results = _results(cfg, schools, truth, rng)
    social = _social(cfg, schools, truth, rng)
    staff = _staff(schools, rng)
    oversight = _oversight(cfg, truth, rng)
    bodies, people = _infrastructure(cfg, munis, schools, truth, rng)
    # A separate stream, so that adding the questionnaires changed nothing generated before them.
    survey = _survey(cfg, schools, truth, staff, np.random.default_rng(cfg.seed + 5))
    diagnostics, courses = _teachers(cfg, staff, truth, np.random.default_rng(cfg.seed + 6))
    tasks = _tasks(cfg, results, truth, np.random.default_rng(cfg.seed + 7))
    return DemoRegion(
        config=cfg,
        municipalities=munis,
        schools=schools[[*SCHOOL_COLUMNS, "last_grade", "municipality_code"]],
        results=results,
        social=social,
        staff=staff,
        oversight=oversight,
        truth=truth,
        bodies=bodies,
        people=people,
        survey=survey,
        diagnostics=diagnostics,
        courses=courses,
        tasks=tasks,
    )
