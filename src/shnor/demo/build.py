"""Loading the demo region into a data folder: files in contract shapes, the registry, the store, users."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Role
from shnor.accounts.services import create_user
from shnor.audit.context import Acting, acting_as
from shnor.audit.tracking import record
from shnor.core.numbers import plural
from shnor.core.presets import DEFAULT as DEFAULT_PRESET
from shnor.datasets.models import ImportRun
from shnor.demo.generator import SCHOOL_COLUMNS, DemoConfig, DemoRegion, generate
from shnor.registry.models import BodyMembership, InfrastructureBody, Municipality, Person, Region, School

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    scope: str


def write_files(region: DemoRegion, folder: Path) -> dict[str, Path]:
    """The demo tables as the files a region would hand over (UTF-8 CSV with contract headers)."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "schools": region.schools[SCHOOL_COLUMNS],
        "social": region.social,
        "staff": region.staff,
        "oversight": region.oversight,
        "survey": region.survey,
        "diagnostics": region.diagnostics,
        "courses": region.courses,
    }
    paths = {}
    for name, frame in tables.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths[name] = path
    for year, frame in region.results.groupby("year"):
        path = folder / f"results_{year}.csv"
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)
        paths[f"results_{year}"] = path
    if not region.tasks.empty:
        path = folder / "results_tasks.csv"
        pacsv.write_csv(pa.Table.from_pandas(region.tasks, preserve_index=False), path)
        paths["tasks"] = path
    region.truth.to_csv(folder / "truth.csv", index=False)
    return paths


def import_files(paths: dict[str, Path], user: Actor, say: Progress) -> list[ImportRun]:
    """The demo's data tables through the real import, as an operator would load them."""
    from shnor.datasets import services

    runs = []
    order = ["social", "staff", "diagnostics", "courses", "oversight", "survey"]
    order = [k for k in order if k in paths] + sorted(k for k in paths if k.startswith("results_"))
    order += ["tasks"] if "tasks" in paths else []  # after the results: the same pupils, task by task
    for key in order:
        kind = "results" if key.startswith("results_") else "results_tasks" if key == "tasks" else key
        say(f"Загрузка {paths[key].name}")
        run = services.create_run(user, kind, paths[key], paths[key].name, channel=ImportRun.Channel.CLI)
        run = services.execute(run.pk)
        if run.status != ImportRun.Status.APPLIED:
            problems = "; ".join(i["message"] for i in run.issues[:5])
            raise RuntimeError(f"Демонстрационный файл {paths[key].name} не загрузился: {problems}")
        runs.append(run)
    return runs


@transaction.atomic
def load_registry(region: DemoRegion, db_region: Region) -> dict[str, int]:
    cfg = region.config
    db_region.code, db_region.name = cfg.region_code, cfg.region_name
    # The demo region's own requisites, so that its documents name it and its head, not the preset's region.
    db_region.authority = "Комитет образования Демонстрационной области"
    db_region.head_title, db_region.head_name = "Председатель комитета", "А. А. Образцова"
    db_region.executor = "Петрова Ирина Сергеевна, методист регионального оператора"
    db_region.executor_contacts = "тел. 8 (800) 000-00-00, shnor-demo@example.org"
    db_region.save()
    munis = {
        m.code: Municipality(region=db_region, code=m.code, name=m.name, kind=m.kind)
        for m in region.municipalities.itertuples()
    }
    Municipality.objects.bulk_create(munis.values())
    through = Municipality.neighbours.through
    through.objects.bulk_create(
        [
            through(from_municipality_id=munis[m.code].pk, to_municipality_id=munis[n].pk)
            for m in region.municipalities.itertuples()
            for n in m.neighbours
        ]
    )
    schools = {}
    for s in region.schools.itertuples():
        schools[s.school_id] = School(
            school_id=s.school_id,
            name=s.name,
            municipality=munis[s.municipality_code],
            locality=s.locality,
            enrollment=s.enrollment,
            lat=s.lat,
            lon=s.lon,
            innovation_site=bool(s.innovation_site),
            last_grade=s.last_grade,
        )
    School.objects.bulk_create(schools.values())
    branches = []
    for s in region.schools[region.schools["parent_school_id"] != ""].itertuples():
        school = schools[s.school_id]
        school.parent_id = schools[s.parent_school_id].pk
        branches.append(school)
    School.objects.bulk_update(branches, ["parent"])
    bodies = {}
    for b in region.bodies:
        bodies[b["key"]] = InfrastructureBody(
            kind=b["kind"],
            name=b["name"],
            functions=b.get("functions", ""),
            url=b.get("url", ""),
            municipality=munis[b["municipality"]] if b.get("municipality") else None,
            school=schools[b["school"]] if b.get("school") else None,
        )
    InfrastructureBody.objects.bulk_create(bodies.values())
    people = []
    for p in region.people:
        people.append(
            Person(
                full_name=p["full_name"],
                position=p["position"],
                organization=p.get("organization", ""),
                municipality=munis[p["municipality"]] if p.get("municipality") else None,
            )
        )
    Person.objects.bulk_create(people)
    BodyMembership.objects.bulk_create(
        [
            BodyMembership(body=bodies[str(p["body"])], person=person, role=p["role"])
            for p, person in zip(region.people, people, strict=True)
        ]
    )
    counts = {"municipalities": len(munis), "schools": len(schools), "bodies": len(bodies), "people": len(people)}
    record(db_region, "update", {"загрузка демонстрационного региона": [None, counts]})
    return counts


def _director_school(region: DemoRegion, listed: set[str] | None) -> tuple[Any, str]:
    """The municipal district and the school (code) of the demo director: a school of at least 60
    pupils, on the year's list when the list is known (the district with most such schools), so
    that its programme, curator and recommendations show."""
    schools = region.schools.set_index("school_id")
    districts = region.municipalities[region.municipalities["kind"] == "municipal_district"]
    sizeable = schools[schools["enrollment"] >= 60]
    if listed:
        on_list = sizeable[sizeable.index.isin(listed)]
        counts = on_list["municipality_code"].value_counts()
        ranked = [code for code in counts.index if code in set(districts["code"])]
        if ranked:
            district = districts[districts["code"] == ranked[0]].iloc[0]
            return district, str(sorted(on_list[on_list["municipality_code"] == district.code].index)[0])
    district = districts.iloc[0]
    return district, str(sizeable[sizeable["municipality_code"] == district.code].index[0])


def _demo_teacher(region: DemoRegion, school_code: str) -> str:
    """A teacher of the director's school with diagnostics of both years and the largest deficit in
    the latest, so that their route and dynamics show."""
    own = region.staff[region.staff["school_id"] == school_code]["staff_key"]
    diag = region.diagnostics
    if not len(diag):
        return str(own.iloc[-1])
    mine = diag[diag["staff_key"].isin(own)]
    latest = mine[mine["year"] == mine["year"].max()]
    if not len(latest):
        return str(own.iloc[-1])
    weakest = (latest["score"] / latest["max_score"]).groupby(latest["staff_key"]).min()
    return str(weakest.sort_values(kind="stable").index[0])


def _specs(region: DemoRegion, listed: set[str] | None) -> list[tuple[Role, str, str, dict[str, Any], str]]:
    """One account per role, bound to a scope that shows something real."""
    truth = region.truth.set_index("school_id")
    schools = region.schools.set_index("school_id")
    district, school_code = _director_school(region, listed)
    school = School.objects.get(school_id=school_code)
    municipality = Municipality.objects.get(code=district.code)
    # A curator school: strong results in a neighbouring municipality, supporting three local schools.
    neighbour_codes = list(district.neighbours) or [district.code]
    candidates = schools[schools["municipality_code"].isin(neighbour_codes) & (schools["enrollment"] > 300)]
    curator_code = truth.loc[candidates.index, "value_added"].idxmax()
    # The director's school is among them, so that its programme has a curator to review it.
    local = [c for c in schools.index[schools["municipality_code"] == district.code] if not listed or c in listed]
    supported = [school.pk] + [School.objects.get(school_id=c).pk for c in local if c != school_code][:2]
    teacher_key = _demo_teacher(region, school_code)
    return [
        (Role.OPERATOR, "operator", "Региональный оператор", {}, "весь регион"),
        (Role.REGIONAL_COORDINATOR, "coordinator", "Региональный координатор", {}, "весь регион"),
        (
            Role.MUNICIPAL_COORDINATOR,
            "municipal",
            "Координатор",
            {"municipality_id": municipality.pk},
            municipality.name,
        ),
        (Role.SCHOOL, "school", "Директор", {"school_id": school.pk}, school.name),
        (
            Role.CURATOR,
            "curator",
            "Куратор",
            {"school_id": School.objects.get(school_id=curator_code).pk, "assigned_school_ids": supported},
            f"{len(supported)} {plural(len(supported), 'сопровождаемая школа', 'сопровождаемые школы', 'сопровождаемых школ')} и своя",
        ),
        (Role.TEACHER, "teacher", "Педагог", {"school_id": school.pk, "staff_key": teacher_key}, "собственные данные"),
        (Role.OBSERVER, "observer", "Наблюдатель", {"municipality_id": municipality.pk}, municipality.name),
    ]


def create_demo_users(region: DemoRegion) -> list[DemoLogin]:
    """One account per role (bound again to a listed school by `rebind_demo_users` once the year's
    list is known)."""
    logins = []
    for role, username, last_name, scope, label in _specs(region, None):
        password = f"demo-{username}-2026"
        create_user(username, password, role, last_name=f"{last_name} (демо)", validate_password=False, **scope)
        logins.append(DemoLogin(role=str(role), username=username, password=password, scope=label))
    return logins


def rebind_demo_users(region: DemoRegion, listed: set[str]) -> list[DemoLogin]:
    """The director, teacher, curator, coordinator and observer moved to a school on the year's list
    and its district."""
    logins = []
    for role, username, _, scope, label in _specs(region, listed):
        user = User.objects.get(username=username)
        assigned = scope.pop("assigned_school_ids", None)
        for name, value in scope.items():
            setattr(user, name, value)
        user.save()
        if assigned is not None:
            user.assigned_schools.set(assigned)
        logins.append(DemoLogin(role=str(role), username=username, password=f"demo-{username}-2026", scope=label))
    return logins


def build(config: DemoConfig | None = None, progress: Progress | None = None) -> tuple[DemoRegion, list[DemoLogin]]:
    """Generate and load the demo region into the current data folder (already initialised)."""
    say = progress or (lambda _msg: None)
    say("Генерация данных демонстрационного региона")
    region = generate(config)
    say("Запись файлов в формате контракта данных")
    paths = write_files(region, settings.DATA_DIR / "demo")
    say("Загрузка реестра")
    with acting_as(Acting(None, "cli", label="shnor demo")):
        db_region = Region.objects.order_by("pk").first() or Region(code="DEMO", name="", preset=DEFAULT_PRESET)
        load_registry(region, db_region)
        say("Создание учётных записей")
        logins = create_demo_users(region)
    operator = User.objects.get(username="operator")
    with acting_as(Acting(operator, "cli", label="shnor demo")):
        import_files(paths, operator, say)
        earlier = sorted(region.config.years)[-2]
        say(f"Идентификация за {earlier} год и её перечень (база оценки эффективности мер)")
        identify_earlier(operator, earlier)
        say(f"Идентификация за {max(region.config.years)} год")
        identify_latest(operator, max(region.config.years))
        logins = rebind_demo_users(region, _listed_codes(max(region.config.years)))
        say("Рисковые профили")
        build_profiles(operator, sorted(region.config.years)[-2:])
        say("Кураторы, пары, журналы и маршруты педагогов")
        from shnor.demo.support import build_support

        build_support(operator, region)
        logins = [_curators_schools(x) if x.username == "curator" else x for x in logins]
        say("Программы школ перечня и дорожная карта муниципалитета")
        from shnor.demo.programmes import build_programmes

        build_programmes(
            operator, max(region.config.years), timezone.localdate(), np.random.default_rng(region.config.seed + 11)
        )
        say("Управленческий цикл: приказ, выводы, рекомендации, меры, решения, рабочая группа")
        from shnor.demo.cycle import build_cycle

        build_cycle(operator, region)
    return region, logins


def _curators_schools(login: DemoLogin) -> DemoLogin:
    """The demo curator's account follows the schools its school was paired with (the approved pairs
    of the year), so that what it supports and what it sees are the same schools."""
    from shnor.support.models import Pairing

    user = User.objects.get(username=login.username)
    if user.school_id is None:
        return login
    own = set(
        Pairing.objects.filter(status=Pairing.Status.APPROVED, curator__school_id=user.school_id).values_list(
            "school_id", flat=True
        )
    )
    if not own:
        return login
    user.assigned_schools.set(own)
    n = len(own)
    label = f"{n} {plural(n, 'сопровождаемая школа', 'сопровождаемые школы', 'сопровождаемых школ')} и своя"
    return DemoLogin(role=login.role, username=login.username, password=login.password, scope=label)


def _listed_codes(year: int) -> set[str]:
    from shnor.support.services.common import official_run

    listed = official_run(year)[1]
    return set(School.objects.filter(pk__in=listed).values_list("school_id", flat=True))


def build_profiles(user: Any, years: list[int]) -> None:
    """Risk profiles of the years that have questionnaire results."""
    from shnor.risks import services

    for year in years:
        services.build(user, year)


def identify_earlier(user: Any, year: int) -> None:
    """The year before: its run and its approved list, as the region had them a year ago, so that the
    effectiveness of the measures compares the supported schools' results across the two years."""
    import datetime as dt

    from shnor.identification import services

    run = services.execute(services.start(user, year, channel="cli", queue=False).pk)
    services.approve(user, run, number="38-од", date=dt.date(year, 8, 28))


def identify_latest(user: Any, year: int) -> None:
    """The demo opens on a finished identification run, as a region would have one."""
    from shnor.identification import services

    run = services.start(user, year, channel="cli", queue=False)
    services.execute(run.pk)
