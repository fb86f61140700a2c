"""The database goes away under a running server and comes back: every page and the API answer 503
with a Russian message (never a 500 and a trace), /healthz says so, and the same requests succeed
again as soon as the database is back, without restarting the server."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.app.test_cli import SHNOR, clean_env, run


def _get(
    opener: urllib.request.OpenerDirector, url: str, data: dict[str, str] | None = None, **headers: str
) -> tuple[int, str, dict[str, str]]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_the_database_gone_and_back(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    run("init", data_dir=folder)
    run(
        "createuser", "op", "--role", "operator", data_dir=folder, env={"SHNOR_NEW_PASSWORD": "correct-horse-battery-9"}
    )
    key = run("token", "create", "op", data_dir=folder).stdout.strip()
    with subprocess.Popen(
        [*SHNOR, "serve", "--data-dir", str(folder), "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(),
    ) as server:
        try:
            port = None
            assert server.stdout is not None
            for line in server.stdout:
                if "Listening at:" in line:
                    port = int(line.rsplit(":", 1)[1].split()[0].strip(" )"))
                if "Booting worker" in line:
                    break
            assert port
            base = f"http://127.0.0.1:{port}"
            jar = http.cookiejar.CookieJar()
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            status, page, _ = _get(browser, base + "/accounts/login/")
            field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert field is not None
            token = field.group(1)

            def attempts() -> dict[str, tuple[int, str, dict[str, str]]]:
                return {
                    "health": _get(browser, base + "/healthz"),
                    "api": _get(browser, base + "/api/me", Authorization=f"Bearer {key}"),
                    "sign-in": _get(
                        browser,
                        base + "/accounts/login/",
                        {"csrfmiddlewaretoken": token, "username": "op", "password": "wrong-password-1"},
                        Referer=base + "/accounts/login/",
                    ),
                }

            up = attempts()
            assert up["health"][0] == 200 and up["api"][0] == 200 and up["sign-in"][0] == 200

            # The database file is taken away and a directory stands in its place: nothing opens it.
            database = folder / "shnor.sqlite3"
            aside = tmp_path / "aside"
            aside.mkdir()
            for f in folder.glob("shnor.sqlite3*"):
                with contextlib.suppress(FileNotFoundError):  # the server may drop its -wal file meanwhile
                    shutil.move(str(f), str(aside / f.name))
            database.mkdir()
            down = attempts()
            assert down["health"][0] == 503 and json.loads(down["health"][1]) == {
                "status": "database unavailable",
                "database": "unavailable",
            }
            status, body, headers = down["api"]
            assert status == 503 and json.loads(body)["detail"].startswith("База данных временно недоступна")
            assert headers["Retry-After"] == "30"
            status, body, headers = down["sign-in"]
            assert status == 503 and "База данных временно недоступна" in body and "Traceback" not in body
            assert headers["Retry-After"] == "30"

            database.rmdir()
            for f in aside.iterdir():
                shutil.move(str(f), str(folder / f.name))
            again = attempts()
            assert again["health"][0] == 200 and again["api"][0] == 200 and again["sign-in"][0] == 200
            assert json.loads(again["api"][1])["username"] == "op"
        finally:
            server.terminate()
            server.wait(timeout=30)
