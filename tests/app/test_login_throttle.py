"""Sign-in throttling: five wrong passwords for a name within 15 minutes and even the right one is
refused, with a Russian message saying how long to wait; other names are not affected; the block
lifts with the window; a success clears the failures; an address trying many names is refused too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shnor.accounts import throttle
from shnor.accounts.forms import _minutes
from shnor.accounts.models import LoginFailure
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_name_for_the_window(world: World) -> None:
    client = Client()
    for _ in range(5):
        page = _sign_in(client, "operator", "wrong-password")
        assert page.status_code == 200 and "Неверное имя пользователя или пароль" in page.content.decode()
    refused = _sign_in(client, "operator", PASSWORD)  # the right password, too late
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    text = refused.content.decode()
    assert "Слишком много неудачных попыток входа. Повторите через 15 минут" in text
    # Another name from the same address is not affected.
    assert _sign_in(Client(), "municipal", PASSWORD).status_code == 302
    # When the failures fall out of the window, the name may sign in, and the success clears them.
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert _sign_in(client, "operator", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="operator").exists()


def test_four_failures_then_a_success_start_again(world: World) -> None:
    client = Client()
    for _ in range(4):
        _sign_in(client, "school", "wrong-password")
    assert _sign_in(client, "school", PASSWORD).status_code == 302
    assert throttle.wait_minutes("school", "127.0.0.1") == 0


def test_failures_older_than_the_window_are_forgotten(world: World) -> None:
    throttle.failed("ghost", "10.0.0.9")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    throttle.failed("operator", "10.0.0.9")
    assert list(LoginFailure.objects.values_list("username", flat=True)) == ["operator"]


def test_an_address_trying_many_names_is_refused(world: World) -> None:
    for i in range(20):
        throttle.failed(f"name{i}", "10.0.0.7")
    assert throttle.wait_minutes("operator", "10.0.0.7") == 15
    assert throttle.wait_minutes("operator", "10.0.0.8") == 0


def test_minutes_in_russian() -> None:
    assert [_minutes(n) for n in (1, 2, 5, 11, 14, 21, 22, 15)] == [
        "1 минуту", "2 минуты", "5 минут", "11 минут", "14 минут", "21 минуту", "22 минуты", "15 минут",
    ]  # fmt: skip


def test_the_administration_site_is_throttled_alike(world: World) -> None:
    world.users["operator"].is_staff = True
    world.users["operator"].save()
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "operator", "password": "wrong-password"})
    refused = client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    assert refused.status_code == 200 and "Слишком много неудачных попыток входа" in refused.content.decode()
