"""`shnor init`, `shnor import` and `shnor identify` on a fresh data folder, with no other step,
for every built-in preset; the output file is exactly the contract's table."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shnor.core.identification.identify import OUTPUT_COLUMNS
from shnor.presets import available
from tests.app.test_cli import run

# The extras of the ИСБ: its error, the probability of its low zone and the shares a school lacks.
ISB_EXTRA = ["isb_se", "isb_low_probability", "isb_missing"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo region's files as a region would hand them over (built in a separate folder)."""
    source = tmp_path_factory.mktemp("source")
    run("demo", "--no-serve", "--schools", "60", "--municipalities", "4", data_dir=source)
    return source / "demo"


@pytest.fixture(scope="module")
def imported(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh folder after `shnor init` and `shnor import` of the files, and nothing else."""
    folder = tmp_path_factory.mktemp("fresh") / "data"
    run("init", "--preset", "volgograd-2021", data_dir=folder)
    for kind in ("schools", "social", "oversight"):
        run("import", kind, str(files / f"{kind}.csv"), data_dir=folder)
    for year in (2023, 2024, 2025, 2026):
        run("import", "results", str(files / f"results_{year}.csv"), data_dir=folder)
    return folder


@pytest.mark.parametrize("preset", available())
def test_every_preset_identifies_with_its_own_rule(preset: str, files: Path, imported: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(imported, folder)
    run("init", "--preset", preset, data_dir=folder)  # a second init changes the preset only
    out = tmp_path / "result.csv"
    done = run("identify", "--year", "2026", "--out", str(out), data_dir=folder)
    assert "выполнен" in done.stdout
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert table[0] == [
        *OUTPUT_COLUMNS,
        "cluster_municipal",
        "ior_low_probability",
        "objectivity_z",
        *ISB_EXTRA,
    ]  # the contract's, then the extras
    schools = list(csv.DictReader(io.StringIO((files / "schools.csv").read_text(encoding="utf-8"))))
    assert sorted(r[0] for r in table[1:]) == sorted(s["school_id"] for s in schools)
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert {r["selected"] for r in rows} <= {"true", "false"} and any(r["selected"] == "true" for r in rows)
    assert {r["cluster"] for r in rows} <= {"effective", "resilient", "struggling", "deprived", ""}
    show = run(
        "manage",
        "shell",
        "-c",
        "from shnor.identification.models import Run; r = Run.objects.latest('pk'); print(r.preset, r.summary['selected'])",
        data_dir=folder,
    )
    name, count = show.stdout.strip().splitlines()[-1].split()
    assert name == preset
    selected[preset] = int(count)


selected: dict[str, int] = {}


def test_the_presets_select_differently() -> None:
    """Run after the parametrised test: each preset's own rule gives its own list."""
    assert len(selected) == len(available()) and len(set(selected.values())) > 1


def test_xlsx_output_and_exit_codes(imported: Path, tmp_path: Path) -> None:
    folder = imported
    out = tmp_path / "result.xlsx"
    run("identify", "--year", "2026", "--out", str(out), data_dir=folder)
    sheet = load_workbook(out)["identification"]
    assert [c.value for c in sheet[1]] == [
        *OUTPUT_COLUMNS,
        "cluster_municipal",
        "ior_low_probability",
        "objectivity_z",
        *ISB_EXTRA,
    ]
    bad_suffix = run("identify", "--year", "2026", "--out", str(tmp_path / "x.txt"), data_dir=folder, check=False)
    assert bad_suffix.returncode == 2 and ".csv или .xlsx" in bad_suffix.stderr
    # The scale-out engine gives the same list, to the last digit of the output (Spark local mode).
    on_spark = tmp_path / "spark.xlsx"
    run("identify", "--year", "2026", "--engine", "spark", "--out", str(on_spark), data_dir=folder)
    rows = lambda path: [[c.value for c in row] for row in load_workbook(path)["identification"].iter_rows()]  # noqa: E731
    assert rows(on_spark) == rows(out)
    unknown = run("identify", "--year", "2026", "--engine", "polars", data_dir=folder, check=False)
    assert unknown.returncode == 2 and "duckdb, spark" in unknown.stderr
    empty = run("identify", "--year", "2030", data_dir=folder, check=False)
    assert empty.returncode == 1 and "Нет результатов" in empty.stderr


def test_profiles_and_remind_commands(tmp_path: Path) -> None:
    """`init`, a survey file through `import`, then `profiles --out` and `remind` on a fresh folder."""
    import io

    from openpyxl import load_workbook

    data = tmp_path / "data"
    assert run("init", data_dir=data, check=False).returncode == 0
    schools = tmp_path / "schools.csv"
    schools.write_text(
        "school_id,name,municipality,locality,enrollment\nS1,Школа 1,Район,rural,200\nS2,Школа 2,Район,city,500\n",
        encoding="utf-8",
    )
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "year,school_id,parameter,value,respondents\n"
        "2026,S1,R01.1,2,1\n2026,S1,R01.2,2,1\n2026,S1,R01.3,4,1\n2026,S2,R01.1,4,1\n",
        encoding="utf-8",
    )
    assert run("import", "schools", str(schools), data_dir=data, check=False).returncode == 0
    assert run("import", "survey", str(survey), data_dir=data, check=False).returncode == 0
    out = tmp_path / "profiles.xlsx"
    done = run("profiles", "--year", "2026", "--out", str(out), data_dir=data, check=False)
    assert done.returncode == 0, done.stderr
    assert "R01 Низкий уровень оснащения школы: высокий — 1, средний — 0" in done.stdout
    sheet = load_workbook(io.BytesIO(out.read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Код ОО", "Наименование ОО", "Муниципалитет", "Зафиксированные риски")
    assert rows[1][0] == "S1" and rows[1][3] == "R01" and rows[1][5] == "высокий"
    assert run("profiles", "--year", "2020", data_dir=data, check=False).returncode == 1
    assert run("profiles", "--year", "2026", "--out", "x.csv", data_dir=data, check=False).returncode == 2
    reminded = run("remind", data_dir=data, check=False)
    assert reminded.returncode == 0 and "Просрочено мероприятий: 0" in reminded.stdout
