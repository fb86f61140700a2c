"""`shnor backup` / `shnor restore`: everything comes back as it was, or nothing changes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from shnor import backup
from shnor.audit.models import AuditEntry, Heartbeat
from shnor.programmes import services as programmes
from shnor.registry.models import Municipality, School
from tests.app.test_cli import run
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)
PRESETS = Path(backup.__file__).parent / "presets"


def _manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        manifest = tar.extractfile("manifest.json")
        assert manifest is not None  # a regular file
        return json.load(manifest)


def _database() -> list[dict[str, Any]]:
    """Every row the archive carries, times to the microsecond (the restore's own audit entry left out)."""
    out = io.StringIO()
    call_command(
        "dumpdata", natural_foreign=True, exclude=backup.EXCLUDED, format="json-exact", stdout=out, verbosity=0
    )
    rows = json.loads(out.getvalue())
    return [
        r
        for r in rows
        if not (r["model"] == "audit.auditentry" and "резервной копии" in json.dumps(r, ensure_ascii=False))
    ]


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def filled(world: World, settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    shutil.copy(PRESETS / "volgograd-2021.yaml", settings.DATA_DIR / "preset.yaml")
    store = Path(settings.SHNOR_STORE_DIR) / "results" / "year=2026"
    store.mkdir(parents=True)
    (store / "part-0.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 40 + b"PAR1")
    p = programmes.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 9, 1))
    activity = p.activities.first()
    assert activity is not None
    programmes.add_evidence(
        world.users["school"], activity, "Протокол", content=b"%PDF-1.4 protocol", filename="протокол.pdf"
    )
    # Two entries 900 µs apart, within one millisecond: Django's own json would write both as «…:19.000».
    first, second = AuditEntry.objects.order_by("pk")[:2]
    AuditEntry.objects.filter(pk=first.pk).update(at=dt.datetime(2026, 12, 2, 11, 31, 19, 123, tzinfo=dt.UTC))
    AuditEntry.objects.filter(pk=second.pk).update(at=dt.datetime(2026, 12, 2, 11, 31, 19, 900, tzinfo=dt.UTC))
    return {
        "db": _database(),
        "store": _tree(Path(settings.SHNOR_STORE_DIR)),
        "files": _tree(Path(settings.MEDIA_ROOT)),
        "settings": settings,
    }


def _spoil(world: World, settings: Any) -> None:
    """What happens after the copy: edits, new rows, a file lost, a store rewritten, the preset changed."""
    world.a2.name = "Переименованная школа"
    world.a2.save()
    Municipality.objects.create(region=world.region, code="C", name="Новый район")
    School.objects.filter(pk=world.b1.pk).update(enrollment=1)
    for f in Path(settings.MEDIA_ROOT).rglob("*.pdf"):
        f.unlink()
    (Path(settings.SHNOR_STORE_DIR) / "results" / "year=2026" / "part-0.parquet").write_bytes(b"other")
    (Path(settings.SHNOR_STORE_DIR) / "stray.parquet").write_bytes(b"new")
    shutil.copy(PRESETS / "vologda-2019.yaml", settings.DATA_DIR / "preset.yaml")


def test_a_round_trip_brings_back_every_row_and_file(world: World, filled: dict[str, Any], tmp_path: Path) -> None:
    settings = filled["settings"]
    archive = tmp_path / "copy.tar"
    done = backup.backup(archive)
    assert done.rows == sum(_manifest(archive)["rows"].values())
    _spoil(world, settings)
    assert _database() != filled["db"]

    backup.restore(archive)
    assert _database() == filled["db"]
    assert [e.at.microsecond for e in AuditEntry.objects.order_by("pk")[:2]] == [123, 900]
    assert _tree(Path(settings.SHNOR_STORE_DIR)) == filled["store"]
    assert _tree(Path(settings.MEDIA_ROOT)) == filled["files"]
    assert (settings.DATA_DIR / "preset.yaml").read_bytes() == (PRESETS / "volgograd-2021.yaml").read_bytes()
    assert AuditEntry.objects.filter(changes__has_key="восстановление из резервной копии").count() == 1
    assert not list(settings.DATA_DIR.glob(".restore-*"))  # nothing left behind
    # When the last backup was taken is this machine's, not the archive's: a restore keeps it.
    assert Heartbeat.objects.get(name=Heartbeat.BACKUP).detail["file"] == "copy.tar"


def test_a_folder_of_copies_keeps_the_newest(filled: dict[str, Any], tmp_path: Path) -> None:
    """`shnor backup --dir`: archives named by their time, the `keep` newest stay, other files of the
    folder are never touched, and the last one is what /healthz reads."""
    folder = tmp_path / "copies"
    folder.mkdir()
    (folder / "notes.txt").write_text("не копия")
    (folder / "shnor-by-hand.tar").write_bytes(b"a copy made by hand")
    nights = [dt.datetime(2026, 12, day, 3, 0, 0) for day in (5, 6, 7)]
    removed = [backup.backup_into(folder, 2, now=night)[1] for night in nights]
    assert removed == [[], [], [folder / "shnor-2026-12-05-030000.tar"]]
    assert sorted(p.name for p in folder.iterdir()) == [
        "notes.txt", "shnor-2026-12-06-030000.tar", "shnor-2026-12-07-030000.tar", "shnor-by-hand.tar",
    ]  # fmt: skip
    beat = Heartbeat.objects.get(name=Heartbeat.BACKUP)
    assert beat.detail == {"file": "shnor-2026-12-07-030000.tar", "size": (folder / beat.detail["file"]).stat().st_size}
    with pytest.raises(backup.BackupError, match="не меньше одной"):
        backup.backup_into(folder, 0)
    # An archive named later than now (a clock set back, a copy from another server) never costs the
    # new one its place.
    (folder / "shnor-2099-01-01-000000.tar").write_bytes(b"from the future")
    done, gone, stuck = backup.backup_into(folder, 2, now=dt.datetime(2026, 12, 8, 3, 0, 0))
    assert done.path.exists() and stuck == [] and len(gone) == 2
    assert sorted(p.name for p in folder.glob("shnor-2*.tar")) == [
        "shnor-2026-12-08-030000.tar", "shnor-2099-01-01-000000.tar",
    ]  # fmt: skip


def test_it_refuses_to_overwrite_an_existing_file(filled: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "there.tar").write_bytes(b"keep")
    with pytest.raises(backup.BackupError, match="уже существует"):
        backup.backup(tmp_path / "there.tar")
    assert (tmp_path / "there.tar").read_bytes() == b"keep"


def _rewrite(archive: Path, target: Path, change: Any) -> Path:
    """A copy of the archive with its members passed through `change(name, data) -> [(name, data)]`."""
    with tarfile.open(archive) as src, tarfile.open(target, "w") as out:
        for member in src.getmembers():
            member_file = src.extractfile(member)
            assert member_file is not None  # the archive holds regular files only
            data = member_file.read()
            for name, content in change(member.name, data):
                info = tarfile.TarInfo(name)
                info.size = len(content)
                out.addfile(info, io.BytesIO(content))
    return target


@pytest.mark.parametrize(
    ("case", "change", "message"),
    [
        ("flipped byte", lambda n, d: [(n, d[:-1] + bytes([d[-1] ^ 1]) if n.startswith("store/") else d)], "повреждён"),
        (
            "path trick",
            lambda n, d: [(n, d), ("../../evil.txt", b"x")] if n == "manifest.json" else [(n, d)],
            "недопустимый путь",
        ),
        (
            "stray member",
            lambda n, d: [(n, d), ("etc/passwd", b"x")] if n == "manifest.json" else [(n, d)],
            "посторонний файл",
        ),
        ("member missing", lambda n, d: [] if n == "preset.yaml" else [(n, d)], "не совпадает с описью"),
        (
            "other schema",
            lambda n, d: (
                [(n, json.dumps({**json.loads(d), "migrations": {"registry": ["0001_initial"]}}).encode())]
                if n == "manifest.json"
                else [(n, d)]
            ),
            "другой схеме базы данных",
        ),
        ("not shnor", lambda n, d: [("readme.txt", b"hello")] if n == "manifest.json" else [], "не резервная копия"),
    ],
)
def test_a_bad_archive_changes_nothing(
    world: World, filled: dict[str, Any], tmp_path: Path, case: str, change: Any, message: str
) -> None:
    settings = filled["settings"]
    archive = backup.backup(tmp_path / "copy.tar").path
    _spoil(world, settings)
    before = (_database(), _tree(Path(settings.SHNOR_STORE_DIR)), _tree(Path(settings.MEDIA_ROOT)))
    bad = _rewrite(archive, tmp_path / "bad.tar", change)
    with pytest.raises(backup.BackupError, match=message):
        backup.restore(bad)
    assert (_database(), _tree(Path(settings.SHNOR_STORE_DIR)), _tree(Path(settings.MEDIA_ROOT))) == before
    assert not (tmp_path / "evil.txt").exists() and not list(settings.DATA_DIR.glob(".restore-*"))


def test_a_failed_load_rolls_the_database_back(
    world: World, filled: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """The rows are loaded but do not add up: the emptied database is rolled back, the files stay."""
    settings = filled["settings"]
    archive = backup.backup(tmp_path / "copy.tar").path
    _spoil(world, settings)
    before = (_database(), _tree(Path(settings.SHNOR_STORE_DIR)))
    real = backup._counts
    monkeypatch.setattr(backup, "_counts", lambda: {**real(), "registry.school": -1})
    with pytest.raises(backup.BackupError, match="число строк не совпало"):
        backup.restore(archive)
    assert (_database(), _tree(Path(settings.SHNOR_STORE_DIR))) == before


def test_the_commands_round_trip_a_demo_region(tmp_path: Path) -> None:
    folder = tmp_path / "region"
    run("demo", "--no-serve", "--schools", "30", "--municipalities", "3", data_dir=folder)
    archive = tmp_path / "region.tar"
    out = run("backup", str(archive), data_dir=folder).stdout
    assert "Резервная копия записана" in out and "МБ" in out
    first = _manifest(archive)
    restored = run("restore", str(archive), "--yes", data_dir=folder).stdout
    assert "Восстановлено" in restored
    again = tmp_path / "again.tar"
    run("backup", str(again), data_dir=folder)
    second = _manifest(again)
    assert {k: v for k, v in second["rows"].items() if k != "audit.auditentry"} == {
        k: v for k, v in first["rows"].items() if k != "audit.auditentry"
    }
    assert second["rows"]["audit.auditentry"] == first["rows"]["audit.auditentry"] + 1  # the restore itself
    assert {k: v for k, v in second["members"].items() if k != "database.json.gz"} == {
        k: v for k, v in first["members"].items() if k != "database.json.gz"
    }
    copies = tmp_path / "copies"
    for _ in range(2):
        kept = run("backup", "--dir", str(copies), "--keep", "1", data_dir=folder, check=False)
        if "уже существует" in kept.stderr:  # two copies within one second: the next second's name
            kept = run("backup", "--dir", str(copies), "--keep", "1", data_dir=folder)
        assert kept.returncode == 0, kept.stderr
    assert len(list(copies.glob("shnor-*.tar"))) == 1 and "Удалены старые копии (хранится 1)" in kept.stdout
    # Without --keep, SHNOR_BACKUP_KEEP (the package's nightly timer): here 1 again
    by_setting = {"SHNOR_BACKUP_KEEP": "1"}
    nightly = run("backup", "--dir", str(copies), data_dir=folder, env=by_setting, check=False)
    if "уже существует" in nightly.stderr:
        nightly = run("backup", "--dir", str(copies), data_dir=folder, env=by_setting)
    assert nightly.returncode == 0 and "Удалены старые копии (хранится 1)" in nightly.stdout
    assert len(list(copies.glob("shnor-*.tar"))) == 1
    both = run("backup", str(again), "--dir", str(copies), data_dir=folder, check=False)
    assert both.returncode == 2 and "либо файл архива, либо папку копий" in both.stderr
    alone = run("backup", str(tmp_path / "one.tar"), "--keep", "3", data_dir=folder, check=False)
    assert alone.returncode == 2 and "--keep относится к папке копий" in alone.stderr
    refused = run("restore", str(tmp_path / "missing.tar"), "--yes", data_dir=folder, check=False)
    assert refused.returncode == 1 and "не найден" in refused.stderr and "Данные не изменены" in refused.stderr
