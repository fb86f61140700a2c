"""/healthz tells a monitor what the system needs: the database, the store, the task worker's last
sign of life and the age of the last backup; it fails (503) when the worker has been silent or the
backup is older than their settings allow."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from shnor.audit.models import Heartbeat

pytestmark = pytest.mark.django_db


def _seen(name: str, ago: dt.timedelta) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now() - ago})


def test_by_default_it_checks_the_database_and_the_store(client: Any, settings: Any) -> None:
    Path(settings.SHNOR_STORE_DIR).mkdir(parents=True, exist_ok=True)
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["store"] == "ok"
    assert body["worker"]["state"] == body["backup"]["state"] == "not checked"
    shutil.rmtree(settings.SHNOR_STORE_DIR)
    assert client.get("/healthz").status_code == 200  # before the first import: made when written
    Path(settings.SHNOR_STORE_DIR).write_text("not a folder")
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "failing: store"


def test_a_silent_worker_fails_it(client: Any, settings: Any) -> None:
    Path(settings.SHNOR_STORE_DIR).mkdir(parents=True, exist_ok=True)
    settings.SHNOR_WORKER_SILENCE_SECONDS = 300
    never = client.get("/healthz")
    assert never.status_code == 503 and never.json()["worker"] == {
        "state": "never",
        "age_seconds": None,
        "limit_seconds": 300,
    }
    _seen(Heartbeat.WORKER, dt.timedelta(seconds=10))
    fresh = client.get("/healthz")
    assert fresh.status_code == 200 and fresh.json()["worker"]["state"] == "ok"
    assert 10 <= fresh.json()["worker"]["age_seconds"] < 60
    _seen(Heartbeat.WORKER, dt.timedelta(seconds=301))
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json()["status"] == "failing: worker"
    assert stale.json()["worker"]["state"] == "stale"


def test_an_old_backup_fails_it(client: Any, settings: Any) -> None:
    Path(settings.SHNOR_STORE_DIR).mkdir(parents=True, exist_ok=True)
    settings.SHNOR_BACKUP_MAX_AGE_HOURS = 26
    assert client.get("/healthz").json()["backup"]["state"] == "never"
    _seen(Heartbeat.BACKUP, dt.timedelta(hours=25))
    recent = client.get("/healthz")
    assert recent.status_code == 200 and recent.json()["backup"]["age_hours"] == 25.0
    _seen(Heartbeat.BACKUP, dt.timedelta(hours=27))
    old = client.get("/healthz")
    assert old.status_code == 503 and old.json()["status"] == "failing: backup"
    assert old.json()["backup"] == {"state": "stale", "age_hours": 27.0, "limit_hours": 26}
    settings.SHNOR_WORKER_SILENCE_SECONDS = 120
    assert client.get("/healthz").json()["status"] == "failing: worker, backup"


def test_the_balancer_s_address_checks_only_what_serving_needs(client: Any, settings: Any) -> None:
    """/healthz/serving: a silent worker or an old backup does not take a working server out."""
    Path(settings.SHNOR_STORE_DIR).mkdir(parents=True, exist_ok=True)
    settings.SHNOR_WORKER_SILENCE_SECONDS, settings.SHNOR_BACKUP_MAX_AGE_HOURS = 300, 26
    assert client.get("/healthz").status_code == 503
    answer = client.get("/healthz/serving")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "database": "ok", "store": "ok"}
    shutil.rmtree(settings.SHNOR_STORE_DIR)
    Path(settings.SHNOR_STORE_DIR).write_text("not a folder")
    assert client.get("/healthz/serving").json()["status"] == "failing: store"


@pytest.mark.django_db(transaction=True)  # committed, as the worker's are
def test_a_heartbeat_is_not_a_change_of_the_region_s_data() -> None:
    """The worker beats each minute: were that a change of the data, every kept figure of every
    page would be computed again each minute."""
    from shnor.audit import versioning

    before = versioning.current()
    Heartbeat.beat(Heartbeat.WORKER)
    Heartbeat.beat(Heartbeat.BACKUP, file="x.tar", size=1)
    assert versioning.current() == before


class _Clock:
    """A stop event whose minutes pass at once: `ticks` minutes, then stop."""

    def __init__(self, ticks: int) -> None:
        self.left = ticks

    def wait(self, seconds: float) -> bool:
        self.left -= 1
        return self.left < 0


@pytest.mark.django_db(transaction=True)  # the clock closes old connections, as in the worker
def test_the_worker_s_clock_beats_at_start_and_each_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    from shnor.cli import setup
    from shnor.cycle import reminders

    beats: list[dt.datetime] = []
    ticks: list[dt.datetime] = []
    original = Heartbeat.beat

    def beat(name: str, **detail: object) -> None:
        original(name, **detail)
        beats.append(Heartbeat.objects.get(name=name).at)

    monkeypatch.setattr(Heartbeat, "beat", staticmethod(beat))

    def tick(now: dt.datetime, at: object) -> bool:
        ticks.append(now)
        return False

    monkeypatch.setattr(reminders, "tick", tick)
    setup._schedule(_Clock(2))
    assert len(beats) == 3  # at start and after each of the two minutes
    assert len(ticks) == 2  # the reminders wait for the first minute, as before
    assert beats == sorted(beats) and Heartbeat.objects.get(name=Heartbeat.WORKER).at == beats[-1]
