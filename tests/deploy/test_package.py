"""The Debian package as a region's IT department uses it (docs/decisions/0007, docs/guide/install.md).

The package is built from this repository (`scripts/build-deb.sh`, what `make deb` runs), listed,
its units verified by systemd and its nginx site by nginx, and installed into a throwaway root with
`dpkg --root … --force-script-chrootless` (the maintainer scripts honour $DPKG_ROOT). Then, over a
populated data folder: an upgrade to a release with a new migration keeps every row (counts and
checksums) and file; a downgrade is refused; a release whose migration fails leaves the database as
it was and the old release serving, and `dpkg --configure -a` finishes it once the cause is gone; the
timers' services run as systemd runs them, the worker's clock fires with its tick shortened, and the
installed server answers /healthz.

Later releases are this build repacked with another version and extra migrations: no earlier
release of the package exists to upgrade from. Needs root (dpkg writes the shnor user's files),
dpkg-deb, systemd-analyze, nginx and Debian's python3.11 (`scripts/system-deps.sh` installs them);
without them the test fails, it never skips.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shlex
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from shnor import backup
from tests.app.test_cli import clean_env

ROOT = Path(__file__).resolve().parents[2]
UNITS = ["shnor-web.service", "shnor-worker.service", "shnor-remind.service", "shnor-backup.service"]
TIMERS = ["shnor-remind.timer", "shnor-backup.timer"]
SITE_PACKAGES = "venv/lib/python3.11/site-packages"
MIGRATIONS = f"{SITE_PACKAGES}/shnor/audit/migrations"
PROBE = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("audit", "{after}")]
    operations = [migrations.RunSQL("{sql}", migrations.RunSQL.noop)]
"""


def _need() -> None:
    missing = [tool for tool in ("dpkg-deb", "dpkg", "systemd-analyze", "nginx", "openssl") if not shutil.which(tool)]
    missing += [p for p in ("/usr/bin/python3.11",) if not Path(p).exists()]
    assert not missing, f"the package's tests need {missing}: bash scripts/system-deps.sh"
    assert os.geteuid() == 0, "dpkg --root writes files owned by the shnor user: run the package's tests as root"


def _clean_env() -> dict[str, str]:
    """A command's environment as an administrator's shell gives it: the test run's settings gone;
    PYTHONPATH left as it is (the snapshot runs set it), which the installed command must ignore."""
    return clean_env()


def _service_env() -> dict[str, str]:
    """What systemd gives a unit: no PYTHONPATH of anyone's."""
    return {k: v for k, v in clean_env().items() if not k.startswith("PYTHON")}


def _run(
    *command: str | Path, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=_clean_env() | (env or {}), timeout=900
    )
    if check:
        assert result.returncode == 0, f"{command}: {result.stderr[-3000:]}{result.stdout[-3000:]}"
    return result


@dataclass
class Package:
    deb: Path
    version: str


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    _need()
    out = tmp_path_factory.mktemp("debs")
    env = {"DEB_OUT": str(out), "DEB_COMPRESS": "gzip", "DEB_LEVEL": "1", "PIP": str(ROOT / ".venv/bin/pip")}
    built = _run("bash", ROOT / "scripts/build-deb.sh", env=env)
    deb = Path(built.stdout.strip().splitlines()[-1])
    version = _run("dpkg-deb", "--field", deb, "Version").stdout.strip()
    return Package(deb, version)


def test_the_build_is_reproducible(package: Package, tmp_path: Path) -> None:
    """The same commit built again gives the same bytes (file times from the commit, no build path
    in any file, byte code checked by hash, the scripts' records rewritten)."""
    env = {"DEB_OUT": str(tmp_path), "DEB_COMPRESS": "gzip", "DEB_LEVEL": "1", "PIP": str(ROOT / ".venv/bin/pip")}
    again = Path(_run("bash", ROOT / "scripts/build-deb.sh", env=env).stdout.strip().splitlines()[-1])
    digest = [hashlib.sha256(deb.read_bytes()).hexdigest() for deb in (package.deb, again)]
    assert digest[0] == digest[1]


def _repack(source: Path, old: str, tree: Path, version: str, out: Path, files: dict[str, str]) -> Path:
    """The extracted package `tree` (of version `old`) as version `version` with `files` added."""
    release = tree / "opt/shnor/releases"
    (release / old).rename(release / version)
    for script in [*(tree / "DEBIAN").iterdir(), tree / f"opt/shnor/releases/{version}/venv/pyvenv.cfg"]:
        text = script.read_text(encoding="utf-8")
        text = text.replace(f'VERSION="{old}"', f'VERSION="{version}"').replace(
            f"Version: {old}\n", f"Version: {version}\n"
        )
        script.write_text(
            text.replace(f"/opt/shnor/releases/{old}/", f"/opt/shnor/releases/{version}/"), encoding="utf-8"
        )
    for script in (release / version / "venv/bin").iterdir():
        if script.is_file() and not script.is_symlink():
            content = script.read_bytes().replace(f"/releases/{old}/".encode(), f"/releases/{version}/".encode())
            script.write_bytes(content)
    for name, text in files.items():
        (release / version / name).write_text(text, encoding="utf-8")
    deb = out / f"shnor_{version}_amd64.deb"
    _run("dpkg-deb", "--root-owner-group", "-Znone", "--build", tree, deb)
    return deb


@pytest.fixture(scope="module")
def later(package: Package, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three later releases: one with a migration that copies rows; one with a good and a failing
    migration; and one earlier than that (for the refused downgrade, the built package itself)."""
    work = tmp_path_factory.mktemp("later")
    tree = work / "tree"
    _run("dpkg-deb", "-R", package.deb, tree)
    v = package.version
    probe = PROBE.format(
        after="0004_heartbeat", sql="CREATE TABLE upgrade_probe AS SELECT count(*) AS n FROM registry_school"
    )
    upgrade = _repack(package.deb, v, tree, f"{v}+upgrade1", work, {f"{MIGRATIONS}/0005_upgrade_probe.py": probe})
    fine = PROBE.format(after="0005_upgrade_probe", sql="CREATE TABLE upgrade_fine (x integer)")
    broken = PROBE.format(after="0006_fine", sql="INSERT INTO no_such_table VALUES (1)")
    failing = _repack(
        upgrade,
        f"{v}+upgrade1",
        tree,
        f"{v}+upgrade2",
        work,
        {f"{MIGRATIONS}/0006_fine.py": fine, f"{MIGRATIONS}/0007_broken.py": broken},
    )
    shutil.rmtree(tree)
    return {"upgrade": upgrade, "failing": failing}


def _throwaway_root(path: Path) -> Path:
    """An empty root dpkg can install into: its database, the accounts files, the Python the
    package depends on (its environment links to /usr/bin/python3.11) and systemd's targets."""
    for folder in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc", "usr/bin", "lib/systemd/system"):
        (path / folder).mkdir(parents=True, exist_ok=True)
    for name in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        (path / name).touch()
    (path / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (path / "etc/group").write_text("root:x:0:\n")
    (path / "etc/shadow").write_text("root:*:19000:0:99999:7:::\n")
    (path / "etc/gshadow").write_text("root:*::\n")
    shutil.copy2("/usr/bin/python3.11", path / "usr/bin/python3.11")
    for target in Path("/lib/systemd/system").glob("*.target"):
        shutil.copy2(target, path / "lib/systemd/system" / target.name)
    return path


def _dpkg(root: Path, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(
        "dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", "--log=/dev/null", *args, check=check
    )


def _shnor(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run(root / "usr/bin/shnor", *args, env={"SHNOR_ROOT": str(root)}, check=check)


def _status(root: Path) -> str:
    return _run("dpkg-query", f"--admindir={root}/var/lib/dpkg", "-W", "-f=${Version} ${Status}", "shnor").stdout


def _rows(database: Path) -> dict[str, tuple[int, str]]:
    """Every table: its row count and a checksum of its rows in a fixed order (not SQLite's own
    sqlite_sequence, the next key of each table, which moves with every migration recorded)."""
    with sqlite3.connect(database) as db:
        query = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        tables = [r[0] for r in db.execute(query)]
        found = {}
        for table in tables:
            rows = sorted(repr(row) for row in db.execute(f'SELECT * FROM "{table}"'))  # noqa: S608
            found[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return found


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith("shnor.sqlite3")
    }


@pytest.fixture(scope="module")
def installed(package: Package, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _throwaway_root(tmp_path_factory.mktemp("root"))
    first = _dpkg(root, "-i", package.deb)
    assert f"shnor {package.version} установлен" in first.stdout
    return root


def test_the_package_lists_what_it_installs(package: Package) -> None:
    listing = _run("dpkg-deb", "-c", package.deb).stdout
    names = {line.split()[5].removeprefix(".") for line in listing.splitlines()}
    release = f"/opt/shnor/releases/{package.version}"
    for path in [
        "/usr/bin/shnor",
        "/usr/share/shnor/shnor.env",
        *(f"/lib/systemd/system/{unit}" for unit in UNITS + TIMERS),
        "/usr/share/doc/shnor/examples/nginx/shnor.conf",
        "/usr/share/doc/shnor/install.md",
        "/usr/share/doc/shnor/copyright",
        f"{release}/venv/pyvenv.cfg",
        f"{release}/{SITE_PACKAGES}/shnor/cli/__init__.py",
        f"{release}/{SITE_PACKAGES}/django/__init__.py",
    ]:
        assert path in names, path
    assert "/etc/shnor/shnor.env" not in names, "the settings are made at install, never a packaged file"
    top = {n.split("/site-packages/")[1].split("/")[0] for n in names if "/site-packages/" in n}
    assert {"django", "duckdb", "ortools", "weasyprint", "shnor"} <= top
    assert not top & {"pytest", "_pytest", "playwright", "mypy", "hypothesis", "mutmut", "pyspark"}, (
        "no development tools"
    )
    control = _run("dpkg-deb", "-I", package.deb).stdout
    assert "Architecture: amd64" in control and "Depends: python3.11" in control
    assert f"Version: {package.version}" in control


def test_the_units_pass_systemd_and_the_site_passes_nginx(installed: Path, tmp_path: Path) -> None:
    units = [installed / "lib/systemd/system" / unit for unit in UNITS + TIMERS]
    verified = _run("systemd-analyze", "verify", f"--root={installed}", *units, check=False)
    assert verified.returncode == 0, verified.stderr
    for timer in TIMERS:
        spec = re.search(r"^OnCalendar=(.+)$", (installed / "lib/systemd/system" / timer).read_text(), re.M)
        assert spec and _run("systemd-analyze", "calendar", spec[1]).returncode == 0
    enabled = {p.name for p in (installed / "etc/systemd/system").rglob("shnor-*")}
    assert enabled == {"shnor-web.service", "shnor-worker.service", *TIMERS}
    # A unit that points at a missing program is refused: the check above is a real one.
    bad = installed / "lib/systemd/system/shnor-broken.service"
    bad.write_text((installed / "lib/systemd/system/shnor-web.service").read_text().replace("/current/", "/missing/"))
    try:
        assert _run("systemd-analyze", "verify", f"--root={installed}", bad, check=False).returncode != 0
    finally:
        bad.unlink()
    _nginx_config(installed, tmp_path, port=8443, upstream=8000)
    tested = _run("nginx", "-t", "-c", tmp_path / "nginx.conf", "-p", f"{tmp_path}/", "-e", tmp_path / "error.log")
    assert "test is successful" in tested.stderr


def _nginx_config(root: Path, folder: Path, port: int, upstream: int, plain: int = 8080) -> Path:
    """The packaged site with a throwaway certificate, the throwaway root's folders and free ports."""
    _run(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=shnor.example.ru",
        "-keyout", folder / "key.pem", "-out", folder / "cert.pem",
    )  # fmt: skip
    site = (root / "usr/share/doc/shnor/examples/nginx/shnor.conf").read_text()
    site = (
        site.replace("/etc/ssl/certs/shnor.pem", str(folder / "cert.pem"))
        .replace("/etc/ssl/private/shnor.key", str(folder / "key.pem"))
        .replace("alias /var/cache/shnor/", f"alias {root}/var/cache/shnor/")
        .replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl http2;")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen 80;", f"listen 127.0.0.1:{plain};")
        .replace("listen [::]:80;", "")
    )
    (folder / "site.conf").write_text(site)
    (folder / "nginx.conf").write_text(
        f"error_log {folder}/error.log;\npid {folder}/nginx.pid;\nevents {{}}\nhttp {{\n"
        f"    access_log {folder}/access.log;\n    include /etc/nginx/mime.types;\n    include {folder}/site.conf;\n}}\n"
    )
    return folder / "nginx.conf"


def test_an_upgrade_keeps_every_row_and_file_and_a_failed_one_changes_nothing(
    installed: Path, package: Package, later: dict[str, Path]
) -> None:
    root = installed
    data = root / "var/lib/shnor"
    _shnor(root, "demo", "--no-serve", "--schools", "30", "--municipalities", "3")
    settings_text = (root / "etc/shnor/shnor.env").read_text()
    assert re.search(r"^SHNOR_SECRET_KEY=\S{40,}$", settings_text, re.M)
    assert oct((root / "etc/shnor/shnor.env").stat().st_mode & 0o777) == "0o640"
    before, files = _rows(data / "shnor.sqlite3"), _files(data)
    assert before["registry_school"][0] >= 30 and before["programmes_programme"][0] > 0

    upgraded = _dpkg(root, "-i", later["upgrade"])
    assert f"shnor обновлён с версии {package.version} до {package.version}+upgrade1" in upgraded.stdout
    after = _rows(data / "shnor.sqlite3")
    assert after.pop("upgrade_probe") == (1, hashlib.sha256(f"({before['registry_school'][0]},)".encode()).hexdigest())
    assert after.pop("django_migrations")[0] == before.pop("django_migrations")[0] + 1
    after.pop("audit_heartbeat"), before.pop("audit_heartbeat")  # the backup before the upgrade beat
    assert after == before, "every other table keeps its rows exactly"
    assert _files(data) == files, "the store, the uploaded files and the preset are untouched"
    assert (root / "etc/shnor/shnor.env").read_text() == settings_text, "the settings are never overwritten"
    assert os.readlink(root / "opt/shnor/current") == f"releases/{package.version}+upgrade1"
    assert sorted(p.name for p in (root / "opt/shnor").iterdir()) == ["current", "releases"]
    assert [p.name for p in (root / "opt/shnor/releases").iterdir()] == [f"{package.version}+upgrade1"]
    assert len(list((root / "var/backups/shnor/before-upgrade").glob(backup.PATTERN))) == 1
    assert _status(root) == f"{package.version}+upgrade1 install ok installed"

    refused = _dpkg(root, "-i", package.deb, check=False)
    assert refused.returncode != 0
    assert "переход на раннюю версию не поддерживается" in refused.stderr
    assert _status(root) == f"{package.version}+upgrade1 install ok installed"
    assert os.readlink(root / "opt/shnor/current") == f"releases/{package.version}+upgrade1"

    kept = _rows(data / "shnor.sqlite3")
    failed = _dpkg(root, "-i", later["failing"], check=False)
    assert failed.returncode != 0
    assert "Миграция audit.0007_broken завершилась ошибкой" in failed.stderr
    assert "не применена ни одна из 2 новых миграций" in failed.stderr
    assert f"работает прежняя версия {package.version}+upgrade1" in failed.stderr
    now = _rows(data / "shnor.sqlite3")
    now.pop("audit_heartbeat"), kept.pop("audit_heartbeat")
    assert now == kept and "upgrade_fine" not in now, "neither the good migration nor the broken one stays"
    assert os.readlink(root / "opt/shnor/current") == "previous"
    assert _status(root) == f"{package.version}+upgrade2 install ok half-configured"
    shown = _shnor(root, "manage", "showmigrations", "audit").stdout
    assert " [X] 0005_upgrade_probe" in shown and "0006_fine" not in shown, "the old release runs, from its copy"
    assert (root / "opt/shnor/previous.version").read_text() == f"{package.version}+upgrade1\n"

    # The cause removed (here: the broken migration), dpkg finishes the upgrade.
    (root / f"opt/shnor/releases/{package.version}+upgrade2" / MIGRATIONS / "0007_broken.py").unlink()
    finished = _dpkg(root, "--configure", "-a")
    assert "Применено миграций: 1 (последняя — audit.0006_fine)" in finished.stdout
    assert _status(root) == f"{package.version}+upgrade2 install ok installed"
    assert os.readlink(root / "opt/shnor/current") == f"releases/{package.version}+upgrade2"
    assert len(list((root / "var/backups/shnor/before-upgrade").glob(backup.PATTERN))) >= 2

    _the_services_run(root)


def _through_nginx(root: Path, upstream: int) -> None:
    """The packaged site in front of the installed server: pages proxied over HTTPS, static files
    from the folder nginx serves them from (its own headers, not whitenoise's), plain HTTP redirected."""
    folder = root.parent / "nginx"
    folder.mkdir(exist_ok=True)
    port, plain_port = _free_port(), _free_port()
    config = _nginx_config(root, folder, port=port, upstream=upstream, plain=plain_port)
    # pytest's folders are private to root: the workers read the static files as root too
    config.write_text("user root;\n" + config.read_text())
    _run("nginx", "-c", config, "-p", f"{folder}/", "-e", folder / "error.log")  # returns once it listens
    unverified = ssl.create_default_context()
    unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
    try:
        with urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", context=unverified, timeout=30) as answer:
            assert json.loads(answer.read())["status"] == "ok"
        static = f"https://127.0.0.1:{port}/static/shnor/favicon.svg"
        with urllib.request.urlopen(static, context=unverified, timeout=30) as answer:
            assert answer.status == 200 and answer.read().lstrip().startswith(b"<svg")
            assert answer.headers.get_all("Cache-Control") == ["no-cache"]  # whitenoise would say max-age
            assert answer.headers["ETag"] and answer.headers["Last-Modified"]
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
        plain = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=30)
        plain.request("GET", "/registry/schools/", headers={"Host": "shnor.example.ru"})
        redirect = plain.getresponse()
        assert redirect.status == 301
        assert redirect.headers["Location"] == "https://shnor.example.ru/registry/schools/"
    finally:
        _run("nginx", "-c", config, "-p", f"{folder}/", "-e", folder / "error.log", "-s", "quit", check=False)


def _unit(root: Path, name: str) -> tuple[list[str], dict[str, str]]:
    """A service's command line and environment as systemd makes them, inside the throwaway root."""
    text = (root / "lib/systemd/system" / name).read_text()
    env: dict[str, str] = {}
    for value in re.findall(r"^Environment=(.+)$", text, re.M):
        key, _, setting = value.partition("=")
        env[key] = setting
    for line in (root / "etc/shnor/shnor.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, setting = line.partition("=")
            env[key] = setting.strip("'")
    for key in ("SHNOR_DATA_DIR", "SHNOR_STATIC_DIR"):
        env[key] = f"{root}{env[key]}"
    exec_start = re.search(r"^ExecStart=(.+)$", text, re.M)
    assert exec_start
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m[1]], exec_start[1])
    command = [f"{root}{word}" if word.startswith(("/opt/", "/var/")) else word for word in shlex.split(line)]
    return command, env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lines_until(process: subprocess.Popen[str], wanted: str, seen: list[str]) -> bool:
    assert process.stderr is not None
    for line in process.stderr:
        seen.append(line)
        if wanted in line:
            return True
    return False


def _the_services_run(root: Path) -> None:
    """What systemd would run, from the upgraded release: each timer's service once; the worker with
    its clock ticking every second (its reminders due since midnight); the web server, then /healthz."""
    data = root / "var/lib/shnor"
    for name in ("shnor-backup.service", "shnor-remind.service"):
        command, env = _unit(root, name)
        done = subprocess.run(command, capture_output=True, text=True, env=_service_env() | env, timeout=600)
        assert done.returncode == 0, done.stderr
    assert len(list((root / "var/backups/shnor").glob(backup.PATTERN))) == 1
    command, env = _unit(root, "shnor-worker.service")
    env |= {"SHNOR_WORKER_TICK_SECONDS": "1", "SHNOR_REMIND_AT": "00:00"}
    worker = subprocess.Popen(command, env=_service_env() | env, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    finder = threading.Thread(target=_lines_until, args=(worker, "send_reminders state=SUCCESSFUL", seen), daemon=True)
    try:
        finder.start()
        finder.join(timeout=180)
        assert any("send_reminders state=SUCCESSFUL" in line for line in seen), "".join(seen)[-3000:]
        with sqlite3.connect(data / "shnor.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM cycle_reminder WHERE code LIKE 'daily:%'").fetchone() == (1,)
        port = _free_port()
        command, env = _unit(root, "shnor-web.service")
        command[command.index("--port") + 1] = str(port)
        env |= {"SHNOR_WARM_UP": "0"}
        web = subprocess.Popen(
            command, env=_service_env() | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            started: list[str] = []
            _lines_until(web, "Booting worker", started)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
                health = json.loads(answer.read())
            assert health["status"] == "ok", health
            assert health["worker"]["state"] == "ok" and health["backup"]["state"] == "ok"
            _through_nginx(root, port)
        finally:
            web.terminate()
            web.wait(timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
