"""The package's files agree with the application (the package itself is built and installed in
tests/deploy): the settings it writes are settings the system reads, with the values the guide
names; nginx takes the largest import the system takes; the units run commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from shnor import backup
from shnor.cli import app

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging/deb"


def _settings(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#") and "=" in line)


def test_the_packaged_settings_are_the_systems_own() -> None:
    packaged = _settings((PACKAGING / "shnor.env").read_text(encoding="utf-8"))
    known = _settings((ROOT / ".env.example").read_text(encoding="utf-8"))
    assert set(packaged) <= set(known), "every setting the package writes is one the system reads"
    assert packaged["SHNOR_SECRET_KEY"] == "@SECRET@", "filled by postinst at the first install"
    assert packaged["SHNOR_REMIND_AT"] == "", "the timer sends the reminders, not the worker's clock"
    assert (packaged["SHNOR_WORKER_SILENCE_SECONDS"], packaged["SHNOR_BACKUP_MAX_AGE_HOURS"]) == ("300", "26")
    assert packaged["SHNOR_BACKUP_KEEP"] == str(backup.KEEP) == str(settings.SHNOR_BACKUP_KEEP)
    unit = (PACKAGING / "systemd/shnor-backup.service").read_text()
    assert "backup --dir /var/backups/shnor\n" in unit, "the number kept is the setting's"
    assert packaged["SHNOR_STATIC_DIR"] == "/var/cache/shnor/static"
    site = (PACKAGING / "nginx/shnor.conf").read_text()
    assert f"alias {packaged['SHNOR_STATIC_DIR']}/;" in site


def test_nginx_takes_the_largest_import_and_passes_the_scheme() -> None:
    site = (PACKAGING / "nginx/shnor.conf").read_text()
    assert f"client_max_body_size {settings.SHNOR_MAX_IMPORT_MB}m;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    # The application's own security headers are not sent twice: nginx adds headers to static files only.
    assert site.count("add_header") == site[site.index("location /static/") :].split("}")[0].count("add_header")


def test_the_units_run_commands_that_exist() -> None:
    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    for unit in sorted((PACKAGING / "systemd").glob("*.service")):
        line = re.search(r"^ExecStart=/opt/shnor/current/venv/bin/python -m shnor\.cli (\S+)", unit.read_text(), re.M)
        assert line and line[1] in commands, unit.name
        assert "EnvironmentFile=/etc/shnor/shnor.env" in unit.read_text() and "User=shnor" in unit.read_text()
    web = (PACKAGING / "systemd/shnor-web.service").read_text()
    assert "--no-worker" in web and "Restart=on-failure" in web and "RestartPreventExitStatus=2" in web
    guide = (ROOT / "docs/guide/install.md").read_text(encoding="utf-8")
    # The guide's «4 процесса», «через 5 секунд», «с кодом 2», «хранятся 3 последние»:
    assert "--workers 4" in web and "(gunicorn, 4 процесса)" in guide
    assert "RestartSec=5s" in web and "перезапускается через 5 секунд" in guide
    assert "завершилась с кодом 2" in guide
    postinst = (PACKAGING / "postinst").read_text()
    assert '--dir "$ROOT/var/backups/shnor/before-upgrade" --keep 3' in postinst and "(хранятся 3 последние)" in guide
    for timer, at in (("shnor-remind.timer", "07:00"), ("shnor-backup.timer", "02:30")):
        text = (PACKAGING / "systemd" / timer).read_text()
        assert f"OnCalendar=*-*-* {at}:00" in text and "Persistent=true" in text
        guide = (ROOT / "docs/guide/install.md").read_text(encoding="utf-8")
        assert f"`{timer}` | ежедневно в {at}" in guide


def test_the_package_depends_on_what_documents_need() -> None:
    control = (PACKAGING / "control.in").read_text()
    depends = re.search(r"^Depends: (.+(?:\n .+)*)", control, re.M)
    assert depends
    needed = [p.strip() for p in depends[1].replace("\n", " ").split(",")]
    assert needed[0] == "python3.11", "the packaged environment links to Debian's python3.11"
    # PDF of risk profiles (WeasyPrint: Pango, fonts) and PDF copies of DOCX (LibreOffice Writer)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in needed
    assert "libreoffice-writer-nogui | libreoffice-writer" in needed
