"""Two people ticking two regulation steps of one programme at the same moment keep both ticks
(docs/reliability.md). The steps are one JSON list: each tick reads it, changes one step and writes
it back, so without a lock the later write would carry the list as it was before the earlier one.

On PostgreSQL the race is staged for real in two threads: the first tick has read the list and is
held before its write until the second tick is either blocked on the row lock (seen in
pg_locks) or finished; with the lock taken away (`select_for_update` removed) the second
finishes, the first writes its stale list and the test fails. On SQLite the whole database is
written by one transaction at a time (`BEGIN IMMEDIATE`), which is what the test checks there.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from shnor.programmes import services
from shnor.programmes.models import Programme

START_STEPS = [{"title": t, "done_on": None} for t in ("Заявка", "Собеседование", "Диагностика")]


def _blocked_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:  # this thread's own connection
        # pg_locks is read live (pg_stat_activity is a snapshot fixed for the transaction)
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        row = cursor.fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_two_steps_ticked_at_once_are_both_kept(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        database: dict[str, Any] = settings.DATABASES["default"]
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    head = world.users["school"]
    p = services.create(head, "volgograd-school-pko", school=world.a1)
    Programme.objects.filter(pk=p.pk).update(regulation=START_STEPS)
    first_holds, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    original = Programme.save

    def held_save(self: Programme, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "first":
            first_holds.set()  # it has read the steps and is about to write them
            deadline = time.monotonic() + 60  # a safety net only: the condition ends the wait
            # Wait on the second tick's end, looking at pg_locks between the waits.
            while not (second_done.wait(0.01) or _blocked_on_a_lock()):
                assert time.monotonic() < deadline, "the second tick neither waited nor finished"
        original(self, *args, **kwargs)

    monkeypatch.setattr(Programme, "save", held_save)

    def tick(index: int, done: threading.Event | None) -> None:
        try:
            services.mark_step(head, Programme.objects.get(pk=p.pk), index, True)
        except BaseException as error:  # noqa: BLE001 — reported by the test, not lost in the thread
            errors.append(error)
        finally:
            if done is not None:
                done.set()
            connections.close_all()

    first = threading.Thread(target=tick, args=(0, None), name="first")
    first.start()
    assert first_holds.wait(60) or errors, "the first tick never reached its write"
    second = threading.Thread(target=tick, args=(2, second_done), name="second")
    second.start()
    first.join(90)
    second.join(90)
    assert errors == []
    steps = Programme.objects.get(pk=p.pk).regulation
    assert [s["done_on"] is not None for s in steps] == [True, False, True]
