"""At the door and in the log: the server writes no password, API key, secret key or session to its
log whatever happens (failed sign-ins, bad tokens, refusals, errors); a session ends after its hours;
a NUL in any input is refused before any view."""

from __future__ import annotations

import logging
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
