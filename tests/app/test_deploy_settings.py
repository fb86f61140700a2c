"""Production settings: Django's deployment checks pass with the settings of an HTTPS server, and
fail when its protection is taken away; HTTPS is enforced (redirect, HSTS) but for /healthz."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_cli import clean_env


def _deploy_check(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = clean_env() | {
        "SHNOR_DEBUG": "false",
        "SHNOR_SECRET_KEY": secrets.token_urlsafe(60),
        "SHNOR_ALLOWED_HOSTS": "shnor.example.ru",
        "SHNOR_SECURE_COOKIES": "true",
        **env,
    }
    command = [sys.executable, "-m", "shnor.cli", "manage", "--data-dir", str(data_dir)]
    return subprocess.run(
        [*command, "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def test_the_deployment_checks_pass_with_production_settings(tmp_path: Path) -> None:
    done = _deploy_check(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("env", "warning"),
    [
        ({"SHNOR_SECURE_COOKIES": "false"}, "security.W012"),  # session cookie over plain HTTP
        ({"SHNOR_DEBUG": "true"}, "security.W018"),
        ({"SHNOR_HSTS_SECONDS": "0"}, "security.W004"),
    ],
)
def test_the_deployment_checks_fail_when_a_protection_is_removed(
    tmp_path: Path, env: dict[str, str], warning: str
) -> None:
    done = _deploy_check(tmp_path, **env)
    assert done.returncode != 0 and warning in done.stdout + done.stderr


@pytest.mark.django_db
def test_https_is_enforced_but_for_the_health_probe(client: Any, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    secure = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.get("/healthz").status_code == 200  # local probes over HTTP


def test_the_guides_postgresql_setup_passes_the_deployment_checks(tmp_path: Path) -> None:
    """The install guide's one command makes the database and its role on a cluster as Debian's
    (superuser «postgres»); with the guide's DATABASE_URL, `shnor migrate` and `check --deploy` pass."""
    guide = (Path(__file__).resolve().parents[2] / "docs/guide/install.md").read_text(encoding="utf-8")
    command = next(line.strip() for line in guide.splitlines() if line.strip().startswith("sudo -u postgres psql "))
    url = re.search(r"DATABASE_URL='(postgresql://[^']+@localhost/shnor)'", guide)
    assert url
    # No TCP in the throwaway cluster: its socket instead of localhost.
    database = url[1].replace("@localhost/shnor", "@/shnor?host=$PGHOST&port=$PGPORT")
    setup = command.replace("sudo -u postgres psql ", "psql -q -U postgres -d postgres ", 1)
    shnor = f"{sys.executable} -m shnor.cli"
    script = (
        f'set -e\n{setup}\nexport DATABASE_URL="{database}"\n'
        f"{shnor} migrate --data-dir {tmp_path}\n"
        f"{shnor} manage --data-dir {tmp_path} check --deploy --fail-level WARNING\n"
    )
    env = clean_env() | {
        "PG_SUPERUSER": "postgres",
        "SHNOR_DEBUG": "false",
        "SHNOR_SECRET_KEY": secrets.token_urlsafe(60),
        "SHNOR_ALLOWED_HOSTS": "shnor.example.ru",
        "SHNOR_SECURE_COOKIES": "true",
    }
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        ["bash", str(root / "scripts/with-postgres.sh"), "bash", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Применено миграций" in done.stdout and "System check identified no issues" in done.stdout
    assert not (tmp_path / "shnor.sqlite3").exists(), "the database is PostgreSQL's, not a file in the folder"
