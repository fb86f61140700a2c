"""At the door and in the log: the server writes no password, API key, secret key or session to its
log whatever happens (failed sign-ins, bad tokens, refusals, errors); a session ends after its hours;
a NUL in any input is refused before any view."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from shnor.accounts.services import issue_token
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_no_secret_reaches_the_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _, key = issue_token(world.users["school"], "test")
    client = Client(raise_request_exception=False)
    client.post("/accounts/login/", {"username": "school", "password": "Wrong-Secret-Pass-42"})
    client.get("/api/schools", HTTP_AUTHORIZATION="Bearer shnor_not-a-real-key-123")
    client.get("/api/schools/999999", HTTP_AUTHORIZATION=f"Bearer {key}")
    client.post("/api/schools", data="{bad json", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    client.post("/accounts/login/", {"username": "school", "password": PASSWORD})
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.get("/registry/schools/999999/")
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the requests above are logged (refusals, not-found)"
    for secret in ("Wrong-Secret-Pass-42", PASSWORD, key, "shnor_not-a-real-key-123", settings.SECRET_KEY, session):
        assert secret not in text


def test_the_log_names_no_password_of_the_database(monkeypatch: Any) -> None:
    """A database address with a password is never printed by the settings' errors."""
    from shnor.env import SettingError

    error = SettingError("DATABASE_URL", "mysql://shnor:topsecret@db/shnor", "a postgresql:// or sqlite:// URL")
    assert "topsecret" not in str(error)


def test_a_session_ends_after_its_hours(world: World) -> None:
    """SHNOR_SESSION_HOURS (8): the cookie says so, and a session past its time is not honoured."""
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    response = client.post("/accounts/login/", {"username": "school", "password": PASSWORD})
    assert response.status_code == 302
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 8 * 3600
    assert client.get("/").status_code == 200
    Session.objects.filter(session_key=cookie.value).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_nul_in_any_input_is_refused_with_400(world: World) -> None:
    """No text field can hold a NUL (PostgreSQL refuses it): refused before any view, in Russian."""
    client = Client()
    client.force_login(world.users["operator"])
    assert client.get("/registry/schools/", {"q": "a\x00b"}).status_code == 400
    refused = client.post(f"/registry/schools/{world.a1.pk}/edit/", {"name": "Школа\x00"})
    assert refused.status_code == 400 and "NUL" in refused.content.decode()
    api = client.post("/api/people", data='{"full_name": "A\\u0000"}', content_type="application/json")
    assert api.status_code == 400 and api["Content-Type"] == "application/problem+json"
    assert client.get("/registry/schools/", {"q": "школа"}).status_code == 200


class _Journal:
    """A stream as systemd gives a unit: a pipe named in JOURNAL_STREAM by its device and inode."""

    def __init__(self) -> None:
        self.read, self.write = os.pipe()
        stream = os.fstat(self.write)
        self.name = f"{stream.st_dev}:{stream.st_ino}"

    def start(self, command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        process = subprocess.Popen(command, stdout=self.write, stderr=self.write, env=env, text=True)
        os.close(self.write)
        return process

    def lines(self) -> Iterator[str]:
        with os.fdopen(self.read, encoding="utf-8") as stream:
            yield from stream


def test_under_systemd_each_line_carries_its_priority(tmp_path: Any) -> None:
    """Under a unit (standard error is the stream systemd names in JOURNAL_STREAM) the journal reads
    each line's syslog priority: «<4>» a warning, «<3>» every line of an error's traceback; no time
    (the journal has it). The same variable inherited by output that goes elsewhere changes nothing."""
    from shnor.lib import journal
    from tests.app.test_cli import clean_env

    code = (
        "import logging; log = logging.getLogger('shnor.probe'); log.info('сведения'); log.warning('внимание')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('сбой')"
    )
    command = [sys.executable, "-m", "shnor.cli", "manage", "--data-dir", str(tmp_path), "shell", "-c", code]
    stream = _Journal()
    process = stream.start(command, clean_env() | {"JOURNAL_STREAM": stream.name})
    lines = [line.rstrip("\n") for line in stream.lines() if line.strip() and "objects imported" not in line]
    process.wait(timeout=120)
    assert lines[:3] == ["<6>shnor.probe: сведения", "<4>shnor.probe: внимание", "<3>shnor.probe: сбой"]
    assert lines[3] == "<3>Traceback (most recent call last):" and lines[-1] == "<3>ZeroDivisionError: division by zero"
    inherited = subprocess.run(command, capture_output=True, text=True, env=clean_env() | {"JOURNAL_STREAM": "8:1"})
    plain = subprocess.run(command, capture_output=True, text=True, env=clean_env())
    for done in (inherited, plain):
        assert re.match(
            r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO shnor.probe: сведения$", done.stderr.splitlines()[0]
        )
    assert [journal.priority(level) for level in (5, 10, 15, 20, 30, 40, 50, 60)] == [7, 7, 7, 6, 4, 3, 2, 2]


def test_under_systemd_the_server_and_its_access_log_carry_priorities(tmp_path: Any) -> None:
    """gunicorn's own lines too; SHNOR_LOG_LEVEL=WARNING leaves out the request lines."""
    from tests.app.test_cli import clean_env, run

    run("init", "--preset", "volgograd-2021", data_dir=tmp_path)
    seen: dict[str, list[str]] = {}
    for level in ("INFO", "WARNING"):
        stream = _Journal()
        env = clean_env() | {"JOURNAL_STREAM": stream.name, "SHNOR_WARM_UP": "0", "SHNOR_LOG_LEVEL": level}
        command = [sys.executable, "-m", "shnor.cli", "serve", "--data-dir", str(tmp_path), "--port", "0"]
        server = stream.start([*command, "--no-worker", "--workers", "1", "--threads", "1"], env)
        lines = seen.setdefault(level, [])
        output = stream.lines()
        try:
            for line in output:
                lines.append(line)
                if "Booting worker" in line:
                    break
            port = int(next(line for line in lines if "Listening at:" in line).rsplit(":", 1)[1].split()[0])
            for _ in range(2):  # one thread: the first request's line is written before the second is read
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
                    assert answer.status == 200
        finally:
            server.terminate()
            server.wait(timeout=30)
        lines.extend(output)
    info = [line for line in seen["INFO"] if "gunicorn" in line]
    assert any(line.startswith("<6>gunicorn.error: Listening at:") for line in info), seen["INFO"]
    assert any(line.startswith("<6>gunicorn.access: 127.0.0.1") and "GET /healthz" in line for line in info)
    assert any(line.startswith("<6>gunicorn.error: Booting worker") for line in seen["WARNING"]), "start: always"
    assert not [line for line in seen["WARNING"] if "gunicorn.access" in line], seen["WARNING"]
