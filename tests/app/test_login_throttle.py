"""Sign-in throttling: five wrong passwords for a name from one address within 15 minutes and even
the right one is refused there, with a Russian message saying how long to wait; other names and
other addresses are not affected; the block lifts with the window; a success clears the failures;
an address trying many names is refused too; a stranger cannot lock others out (issue 20), and the
address is read through the trusted proxies only."""

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
    # Another name from the same address is not affected; nor the same name from another address.
    assert _sign_in(Client(), "municipal", PASSWORD).status_code == 302
    assert _sign_in(Client(REMOTE_ADDR="10.1.1.1"), "operator", PASSWORD).status_code == 302
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


def test_a_stranger_cannot_lock_others_out(world: World) -> None:
    """Issue 20: five failed sign-ins with `operator`'s name and 15 with random names from one
    address refused the right passwords of `school` and `operator` for 9 minutes. Now only the
    stranger's address is refused."""
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(5):
        _sign_in(stranger, "operator", "wrong-password")
    for i in range(15):
        _sign_in(stranger, f"guess{i}", "wrong-password")
    assert LoginFailure.objects.filter(ip="203.0.113.66").count() == 20
    assert "Слишком много" in _sign_in(stranger, "operator", PASSWORD).content.decode()
    assert "Слишком много" in _sign_in(stranger, "school", PASSWORD).content.decode()  # many names
    assert _sign_in(Client(REMOTE_ADDR="10.0.5.1"), "operator", PASSWORD).status_code == 302
    assert _sign_in(Client(REMOTE_ADDR="10.0.5.2"), "school", PASSWORD).status_code == 302


def test_a_name_attacked_from_many_addresses_gives_no_second_try(world: World) -> None:
    """Fifty failures for one name from fifty addresses (a distributed guess): an address that has
    failed on it gets no further try, the person at an address that has not still signs in."""
    for i in range(50):
        throttle.failed("operator", f"198.51.100.{i}")
    assert throttle.wait_minutes("operator", "198.51.100.7") == 15
    assert throttle.wait_minutes("operator", "10.0.5.1") == 0
    assert throttle.wait_minutes("school", "198.51.100.7") == 0  # other names are not under attack
    assert _sign_in(Client(REMOTE_ADDR="10.0.5.1"), "operator", PASSWORD).status_code == 302
    # Below the mark, one failure is no block.
    LoginFailure.objects.filter(ip__in=[f"198.51.100.{i}" for i in range(10)]).delete()
    assert throttle.wait_minutes("operator", "198.51.100.20") == 0


def test_the_address_behind_a_trusted_proxy(world: World, settings: Any) -> None:
    """Behind nginx every request comes from 127.0.0.1: without `SHNOR_TRUSTED_PROXIES` everyone
    would share one address. With it, the client's address is the nearest untrusted one in
    X-Forwarded-For, read from the right; a forged leftmost entry is not believed; without the
    setting the header is ignored altogether."""
    import ipaddress

    from django.test import RequestFactory

    from shnor.audit.middleware import client_ip

    def ip(remote: str, forwarded: str = "") -> str | None:
        extra: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
        return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))

    settings.SHNOR_TRUSTED_PROXIES = []
    assert ip("127.0.0.1", "10.0.0.5") == "127.0.0.1"  # not trusted: the header is ignored
    settings.SHNOR_TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("10.9.0.0/16")]
    assert ip("127.0.0.1", "10.0.0.5") == "10.0.0.5"
    assert ip("127.0.0.1", "6.6.6.6, 10.0.0.5") == "10.0.0.5"  # the client wrote 6.6.6.6 itself
    assert ip("127.0.0.1", "10.0.0.5, 10.9.1.1") == "10.0.0.5"  # two proxies: nginx and a balancer
    assert ip("127.0.0.1", "bogus") == "127.0.0.1"
    assert ip("127.0.0.1") == "127.0.0.1"
    assert ip("203.0.113.9", "10.0.0.5") == "203.0.113.9"  # from outside: not a proxy of ours

    # Through the sign-in page: two users behind nginx keep their own counts.
    def behind(address: str) -> Client:
        return Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)

    for _ in range(5):
        _sign_in(behind("10.0.0.5"), "operator", "wrong-password")
    assert "Слишком много" in _sign_in(behind("10.0.0.5"), "operator", PASSWORD).content.decode()
    assert _sign_in(behind("10.0.0.6"), "operator", PASSWORD).status_code == 302
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"10.0.0.5"}


def test_the_trusted_proxies_setting_is_read_and_checked(monkeypatch: Any) -> None:
    from shnor.env import SettingError, env_networks

    monkeypatch.setenv("SHNOR_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/24")
    assert [str(n) for n in env_networks("SHNOR_TRUSTED_PROXIES")] == ["127.0.0.1/32", "10.0.0.0/24"]
    monkeypatch.setenv("SHNOR_TRUSTED_PROXIES", "nginx")
    with pytest.raises(SettingError, match="SHNOR_TRUSTED_PROXIES"):
        env_networks("SHNOR_TRUSTED_PROXIES")
