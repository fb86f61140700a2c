"""`shnor backup` and `shnor restore`: the database, the columnar store, the uploaded files and the
methodology preset in one archive, restored whole or not at all.

The archive is a plain tar file:

* ``manifest.json`` — format, shnor version, time, database engine, the applied migrations, the rows of
  every model and the SHA-256 and size of every other member;
* ``database.json.gz`` — Django's ``dumpdata`` (times to the microsecond: ``shnor.exactjson``) with every row's own key and content types by name
  (engine-neutral: an SQLite copy restores into PostgreSQL and back), without sessions, content
  types, permissions and the data version (made anew on restore, so that no process serves a
  result kept for other data);
* ``preset.yaml``, ``store/…`` (results of pupils in Parquet), ``files/…`` (documents and uploads).

Restore checks the manifest (members, sizes, schema) and refuses an archive of another database schema;
unpacks the files beside the data folder, checking every checksum on the way (the archive is read once);
and only when all of it agrees replaces the database in one transaction (emptied and loaded, row counts
checked) and swaps the folders in.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from shnor import __version__

FORMAT = "shnor-backup/1"
# Not the region's data: made anew, or (the heartbeats: when the worker last ran, when the last
# backup was taken) this machine's own, kept across a restore.
EXCLUDED = ["sessions", "contenttypes", "auth.permission", "audit.dataversion", "audit.heartbeat", "admin.logentry"]
# The archives of `shnor backup --dir`: shnor-2026-12-07-030000.tar (the region's local time).
NAME = "shnor-{:%Y-%m-%d-%H%M%S}.tar"
PATTERN = "shnor-????-??-??-??????.tar"
KEEP = 14  # `shnor backup --dir`'s archives kept by default: two weeks of nightly copies
FOLDERS = ("store", "files")
CHUNK = 1 << 20


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why, in Russian."""


@dataclass(frozen=True)
class Summary:
    path: Path
    rows: int
    files: int
    size: int


def _folders() -> dict[str, Path]:
    return {"store": Path(settings.SHNOR_STORE_DIR), "files": Path(settings.MEDIA_ROOT)}


def _preset() -> Path:
    return Path(settings.DATA_DIR) / "preset.yaml"


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _counts() -> dict[str, int]:
    skip = {label.lower() for label in EXCLUDED}
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in skip or model._meta.app_label in skip or not model._meta.managed:
            continue
        counts[label] = model._default_manager.count()
    return counts


def _copy(source: IO[bytes], target: IO[bytes] | None = None) -> str:
    """The SHA-256 of a stream read to its end, written on to `target` on the way if given."""
    digest = hashlib.sha256()
    while block := source.read(CHUNK):
        digest.update(block)
        if target is not None:
            target.write(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return _copy(f)


def _files(root: Path) -> Iterator[tuple[str, Path]]:
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def backup(target: Path) -> Summary:
    """Write the archive to `target` (first to `target.part`, renamed when complete)."""
    target = target.resolve()
    if target.exists():
        raise BackupError(f"Файл {target} уже существует: укажите другое имя.")
    part = target.with_name(target.name + ".part")
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        dump = Path(scratch) / "database.json.gz"
        with transaction.atomic():  # one snapshot: the dump and its row counts agree
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counts = _counts()
            call_command(
                "dumpdata",
                natural_foreign=True,  # content types by name: their numbers differ between databases
                exclude=EXCLUDED,
                format="json-exact",  # Django's json cuts times to the millisecond; read back as json
                output=str(dump),
                verbosity=0,
            )
        members: list[tuple[str, Path]] = [("database.json.gz", dump)]
        if _preset().exists():
            members.append(("preset.yaml", _preset()))
        for name, root in _folders().items():
            members += [(f"{name}/{rel}", path) for rel, path in _files(root)]
        manifest = {
            "format": FORMAT,
            "version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": connection.vendor,
            "migrations": _migrations(),
            "rows": counts,
            "members": {name: {"sha256": _sha256(path), "size": path.stat().st_size} for name, path in members},
        }
        try:
            with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
                for name, path in members:
                    tar.add(path, arcname=name, recursive=False)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
    size = target.stat().st_size
    from shnor.audit.models import Heartbeat

    Heartbeat.beat(Heartbeat.BACKUP, file=target.name, size=size)  # /healthz: SHNOR_BACKUP_MAX_AGE_HOURS
    return Summary(target, sum(counts.values()), len(members) - 1, size)


def backup_into(folder: Path, keep: int, now: dt.datetime | None = None) -> tuple[Summary, list[Path], list[Path]]:
    """A new archive in `folder`, named by the time; then, of the folder's other archives of that
    name, only the `keep` − 1 latest by name stay (other files are never touched; the new one always
    stays, even were an older one named later: a clock set back, a copy from another server).
    Returns the summary, the archives removed and those that could not be removed."""
    if keep < 1:
        raise BackupError("Сколько копий хранить: не меньше одной.")
    folder.mkdir(parents=True, exist_ok=True)
    done = backup(folder / NAME.format(now or timezone.localtime()))
    others = sorted((p for p in folder.glob(PATTERN) if p != done.path), key=lambda p: p.name, reverse=True)
    removed, stuck = [], []
    for old in others[keep - 1 :]:
        try:
            old.unlink()
            removed.append(old)
        except OSError:  # the copy is made; an old one left is said, not fatal
            stuck.append(old)
    return done, removed, stuck


def _safe_name(name: str) -> str:
    """A member name that stays inside its folder: no absolute paths, no «..», no odd characters."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or "\x00" in name or not path.parts:
        raise BackupError(f"Архив содержит недопустимый путь «{name}»: восстановление отменено.")
    if path.parts[0] not in (*FOLDERS, "manifest.json", "database.json.gz", "preset.yaml"):
        raise BackupError(f"Архив содержит посторонний файл «{name}»: восстановление отменено.")
    return name


def read_manifest(tar: tarfile.TarFile, source: Path) -> dict[str, Any]:
    try:
        member = tar.getmember("manifest.json")
        raw = tar.extractfile(member)
        manifest = json.loads(raw.read(1 << 24)) if raw is not None else None
    except (KeyError, ValueError) as error:
        raise BackupError(f"{source}: это не резервная копия shnor (нет описи manifest.json).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: неизвестный формат резервной копии «{(manifest or {}).get('format')}».")
    return manifest


def _check(tar: tarfile.TarFile, manifest: dict[str, Any], source: Path) -> None:
    listed = manifest.get("members") or {}
    present = {}
    for member in tar.getmembers():
        _safe_name(member.name)
        if member.name == "manifest.json":
            continue
        if not member.isfile():
            raise BackupError(f"Архив содержит не обычный файл «{member.name}» (ссылку или устройство).")
        present[member.name] = member
    if set(present) != set(listed):
        missing = sorted(set(listed) - set(present))[:3]
        extra = sorted(set(present) - set(listed))[:3]
        raise BackupError(f"{source}: состав архива не совпадает с описью (нет: {missing}; лишние: {extra}).")
    for name, member in present.items():
        expected = listed[name]
        if member.size != expected["size"]:
            raise BackupError(f"{source}: файл «{name}» повреждён (размер {member.size}, в описи {expected['size']}).")


def _unpack(tar: tarfile.TarFile, manifest: dict[str, Any], staged: Path, source: Path) -> None:
    """Every member into `staged`, its checksum taken on the way (the archive is read once)."""
    for member in tar.getmembers():
        if member.name == "manifest.json":
            continue
        out = staged / member.name
        out.parent.mkdir(parents=True, exist_ok=True)
        f = tar.extractfile(member)
        assert f is not None  # _check let regular files only through
        with out.open("wb") as w:
            digest = _copy(f, w)
        if digest != manifest["members"][member.name]["sha256"]:
            raise BackupError(f"{source}: файл «{member.name}» повреждён (контрольная сумма не совпадает с описью).")


def restore(source: Path) -> Summary:
    """Replace the database, the store, the files and the preset with the archive's, or change nothing."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"Файл {source} не найден.")
    try:
        tar = tarfile.open(source, "r:")  # noqa: SIM115  # closed by the `with tar` below
    except tarfile.TarError as error:
        raise BackupError(f"{source}: это не архив tar ({error}).") from error
    data_dir = Path(settings.DATA_DIR)
    with tar, tempfile.TemporaryDirectory(dir=data_dir, prefix=".restore-") as scratch:
        manifest = read_manifest(tar, source)
        _check(tar, manifest, source)
        if manifest.get("migrations") != _migrations():
            raise BackupError(
                f"Резервная копия сделана при другой схеме базы данных (shnor {manifest.get('version')}, "
                f"а сейчас {__version__}). Восстановите её той же версией shnor, затем обновите систему."
            )
        staged = Path(scratch)
        _unpack(tar, manifest, staged, source)
        _load(staged / "database.json.gz", manifest["rows"], source)
        _swap(staged)
    from shnor.audit import versioning

    versioning.forget()
    rows = sum(manifest["rows"].values())
    return Summary(source, rows, len(manifest["members"]) - 1, source.stat().st_size)


def _load(dump: Path, expected: dict[str, int], source: Path) -> None:
    from shnor.audit.context import current_actor
    from shnor.audit.tracking import suspended
    from shnor.registry import services as registry

    with gzip.open(dump, "rb") as f:
        if f.read(1) != b"[":
            raise BackupError(f"{source}: выгрузка базы данных повреждена.")
    from shnor.audit.models import Heartbeat

    with transaction.atomic():
        beats = list(Heartbeat.objects.all())  # this machine's, not the archive's
        call_command("flush", interactive=False, verbosity=0)
        Heartbeat.objects.bulk_create(beats)
        with suspended():  # the rows bring their own audit history
            call_command("loaddata", str(dump), verbosity=0)
        got = _counts()
        differ = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
        if differ:
            raise BackupError(f"После загрузки число строк не совпало с описью: {differ}. База данных не изменена.")
        registry.journal({"восстановление из резервной копии": [None, f"{source.name} ({current_actor().repr})"]})


def _swap(staged: Path) -> None:
    """Put the unpacked folders in place of the current ones (a rename each; the old removed after)."""
    for name, current in _folders().items():
        new = staged / name
        new.mkdir(exist_ok=True)
        current.parent.mkdir(parents=True, exist_ok=True)
        old = staged / f"{name}.old"
        if current.exists():
            shutil.move(str(current), str(old))  # a rename on one file system, a copy across two
        shutil.move(str(new), str(current))
    preset = staged / "preset.yaml"
    if preset.exists():
        os.replace(preset, _preset())
