"""The data version and what is kept by it: every committed write to a domain table moves the
version on, whichever way it was written, and nothing else does; a `Memo` serves a result again
only while the version stays, and never to a connection with writes not yet committed."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from shnor.audit import versioning
from shnor.audit.models import AuditEntry, DataVersion
from shnor.cycle import indicators
from shnor.cycle.models import Target
from shnor.identification.models import SchoolResult
from shnor.lib.memo import Memo
from shnor.registry.models import Municipality
from tests.app.test_support import identification


@pytest.mark.parametrize(
    ("sql", "domain"),
    [
        ('INSERT INTO "registry_school" ("name") VALUES (%s)', True),
        ('  update "identification_schoolresult" SET "ior" = 1', True),
        ('DELETE FROM "cycle_target" WHERE "id" = 1', True),
        ("UPDATE staff_teacher SET staff_key = 'x'", True),
        ('TRUNCATE "accounts_user", "registry_school"', True),
        ('UPDATE "django_session" SET "expire_date" = %s', False),
        ('INSERT INTO "audit_auditentry" ("action") VALUES (%s)', False),
        ('UPDATE "accounts_notification" SET "read_at" = %s', False),
        ('SELECT * FROM "registry_school"', False),
        ('INSERT INTO "django_tasks_database_dbtaskresult" ("id") VALUES (%s)', False),
    ],
)
def test_which_statements_are_domain_writes(sql: str, domain: bool) -> None:
    assert versioning.is_domain_write(sql) is domain


@pytest.mark.django_db(transaction=True)
def test_each_committed_transaction_that_writes_the_data_moves_the_version_once(world: Any) -> None:
    start = versioning.current()
    assert DataVersion.objects.count() == 1
    # Autocommit: one statement, one step.
    world.muni_a.name = "Альфинский муниципальный район"
    world.muni_a.save()
    assert versioning.current()[1] == start[1] + 1
    # A transaction with many writes (a model save, a bulk update, raw SQL): one step, at commit.
    with transaction.atomic():
        Target.objects.create(year=2026, code="1.2", value=90.0)
        Municipality.objects.filter(pk=world.muni_b.pk).update(name="Бетинский район (новый)")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE registry_school SET enrollment = enrollment + 1 WHERE id = %s", [world.a1.pk])
        assert versioning.writing()
        assert versioning.current()[1] == start[1] + 1  # not before the commit
    assert not versioning.writing()
    assert versioning.current()[1] == start[1] + 2
    # Rolled back: nothing was written, the version stays.
    with pytest.raises(RuntimeError), transaction.atomic():
        Target.objects.create(year=2027, code="1.2", value=95.0)
        raise RuntimeError
    assert versioning.current()[1] == start[1] + 2
    # A savepoint rolled back inside a transaction that commits other writes: still one step.
    with transaction.atomic():
        try:
            with transaction.atomic():
                Target.objects.create(year=2028, code="1.2", value=95.0)
                raise RuntimeError
        except RuntimeError:
            pass
        Target.objects.create(year=2029, code="1.2", value=95.0)
    assert versioning.current()[1] == start[1] + 3
    # Writes that are not the region's data: the audit log, a user's notifications.
    AuditEntry.objects.filter(pk__in=[]).delete()
    world.users["operator"].notifications.update(read_at=None)
    assert versioning.current()[1] == start[1] + 3
    # The token is the instance of the row: made again, it differs, so an old number cannot repeat.
    token = versioning.current()[0]
    DataVersion.objects.all().delete()
    Target.objects.create(year=2030, code="1.2", value=95.0)
    assert versioning.current()[0] not in ("", token)


@pytest.mark.django_db(transaction=True)
def test_a_memo_serves_a_result_until_the_data_change(world: Any) -> None:
    memo = Memo(size=2)
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [len(calls)]

    first = memo.get("k", compute)
    assert memo.get("k", compute) is first and len(calls) == 1
    Target.objects.create(year=2026, code="1.2", value=90.0)  # committed: a new version
    assert memo.get("k", compute) == [2]
    # Inside a transaction that has written, the connection sees its own data: never from memory.
    with transaction.atomic():
        Target.objects.filter(code="1.2").update(value=80.0)
        assert memo.get("k", compute) == [3]
        assert memo.get("k", compute) == [4]
    # Least recently used go first.
    memo.get("a", compute), memo.get("b", compute)
    assert memo.get("a", compute) == [5]  # kept
    before = len(calls)
    memo.get("c", compute)  # drops «b», the least recently used
    memo.get("b", compute)
    assert len(calls) == before + 2


@pytest.mark.django_db(transaction=True)
def test_the_indicators_are_computed_once_per_data_version_and_scope(world: Any) -> None:
    run = identification(world)
    operator, municipal = world.users["operator"], world.users["municipal"]
    first = indicators.compute(operator, 2026)
    assert indicators.compute(operator, 2026) is first  # the same list, not computed again
    assert indicators.compute(municipal, 2026) is not first  # another scope
    by_code = {v.definition.code: v for v in first}
    assert by_code["1.1"].denominator == 9
    # A change of the data (a school's ИОР removed from the run) shows at once.
    SchoolResult.objects.filter(run=run, school=world.a1).update(ior=None)
    again = {v.definition.code: v for v in indicators.compute(operator, 2026)}
    assert again["1.1"].denominator == 9 and again is not by_code
    assert {u.school for u in again["1.1"].units if u.counted} == set()
    # A target set for the year is the indicator's target at once.
    Target.objects.create(year=2026, code="1.2", value=42.0)
    assert {v.definition.code: v for v in indicators.compute(operator, 2026)}["1.2"].target == 42.0


@pytest.mark.django_db(transaction=True)
def test_threads_asking_for_the_same_wait_for_one_computation(world: Any) -> None:
    """Under load many threads miss at once: one computes, the others wait for its result."""
    memo = Memo()
    calls: list[int] = []
    release = threading.Event()

    def compute() -> list[str]:
        calls.append(1)
        assert release.wait(30)
        return ["value"]

    got: list[list[str]] = []

    def ask() -> None:
        try:
            got.append(memo.get("k", compute))
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(3000):  # until the three others wait (bounded; the owner is blocked meanwhile)
        if memo.waits == 3:
            break
        release.wait(0.01)
    release.set()
    for thread in threads:
        thread.join(30)
    assert memo.waits == 3 and len(calls) == 1
    assert len(got) == 4 and all(g is got[0] for g in got)


@pytest.mark.django_db(transaction=True)
def test_list_counts_totals_and_filters_follow_the_data(world: Any, login: Any) -> None:
    """The registry list's count, the home page's totals and the municipality filter are kept per
    data version: a school or a municipality added shows on the next view."""
    from shnor.registry import services as registry
    from shnor.registry.models import School

    client = login("operator")
    operator = world.users["operator"]
    count = School.objects.count()
    before = registry.summary(operator)
    for _ in range(2):  # the second view from memory
        assert f"Найдено записей: {count}" in client.get("/registry/schools/").content.decode()
    School.objects.create(school_id="N001", name="Новая школа", municipality=world.muni_b, locality="city")
    Municipality.objects.create(region=world.region, code="C", name="Гаммский район")
    page = client.get("/registry/schools/").content.decode()
    assert f"Найдено записей: {count + 1}" in page and "Гаммский район" in page
    after = registry.summary(operator)
    assert (after["schools"], after["municipalities"]) == (before["schools"] + 1, before["municipalities"] + 1)


@pytest.mark.django_db(transaction=True)
def test_a_request_reads_the_version_once(world: Any, login: Any) -> None:
    """A run's page asks several memos (categories, municipality filter, row count): one read of the
    version serves them all."""
    from django.test.utils import CaptureQueriesContext

    run = identification(world)
    client = login("operator")
    client.get(f"/identification/runs/{run.pk}/")
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/identification/runs/{run.pk}/")
    assert sum("audit_dataversion" in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.django_db(transaction=True)
def test_a_page_that_allows_it_is_shown_the_earlier_value_while_the_new_one_is_computed(
    world: Any, monkeypatch: Any
) -> None:
    """After the data change a page does not wait for a long computation: it gets the value of the
    earlier version, and when; the computation goes on in the background and the next ask gets the
    new value. Whoever does not allow it (a document, an export) waits for the current value."""
    from shnor.lib import memo as memo_lib

    monkeypatch.setattr(memo_lib, "_patience", 0.0)
    memo = Memo()
    calls: list[int] = []
    release = threading.Event()

    def compute() -> list[int]:
        calls.append(1)
        if len(calls) > 1:
            assert release.wait(30)
        return [len(calls)]

    first = memo.get("k", compute)
    Target.objects.create(year=2026, code="1.2", value=90.0)  # committed: a new version
    with memo_lib.earlier_allowed() as served:
        assert memo.get("k", compute) is first  # at once, the earlier value
        assert memo.get("k", compute) is first  # another ask while it runs: no second computation
    assert len(served) == 2 and served.computed_at is not None and memo.refreshes == 1
    running = list(memo._pending.values())
    release.set()
    assert len(running) == 1 and running[0].wait(30)
    with memo_lib.earlier_allowed() as served:
        assert memo.get("k", compute) == [2]  # the background's result
    assert not served and len(calls) == 2
    # Outside a page that allows it the current value is computed and waited for.
    Target.objects.filter(code="1.2").update(value=80.0)
    assert memo.get("k", compute) == [3]
    # With patience, a quick computation is waited for and nothing earlier is shown.
    monkeypatch.setattr(memo_lib, "_patience", 30.0)
    Target.objects.filter(code="1.2").update(value=70.0)
    with memo_lib.earlier_allowed() as served:
        assert memo.get("k", compute) == [4]
    assert not served


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_says_its_figures_are_earlier_while_they_are_computed(
    world: Any, login: Any, monkeypatch: Any
) -> None:
    from shnor.lib import memo as memo_lib

    identification(world)
    client = login("operator")
    page = client.get("/cycle/indicators/?year=2026").content.decode()
    assert 'data-testid="indicators"' in page and "earlier-figures" not in page
    monkeypatch.setattr(memo_lib, "_patience", 0.0)
    release = threading.Event()
    compute = indicators._compute

    def slow(*args: Any) -> Any:
        assert release.wait(30)
        return compute(*args)

    monkeypatch.setattr(indicators, "_compute", slow)
    Target.objects.create(year=2026, code="1.2", value=42.0)  # a change of the data
    page = client.get("/cycle/indicators/?year=2026").content.decode()
    assert 'data-testid="earlier-figures"' in page and "пересчитываются" in page
    assert 'data-testid="indicators"' in page  # the earlier figures, not an empty page
    running = list(indicators._MEMO._pending.values())
    release.set()
    assert running and all(event.wait(30) for event in running)
    page = client.get("/cycle/indicators/?year=2026").content.decode()
    assert "earlier-figures" not in page
    # A document computes from the current data, never from the earlier figures.
    operator = world.users["operator"]
    assert {v.definition.code: v for v in indicators.compute(operator, 2026)}["1.2"].target == 42.0


@pytest.mark.django_db(transaction=True)
def test_what_is_kept_is_never_built_from_an_earlier_value(world: Any, monkeypatch: Any) -> None:
    """A value computed to be kept reads every memo at its current version (else a figure built on an
    earlier list would be kept as current and reach a document); a key is computed in the background
    once at a time; a memo of the official list never answers with an earlier version; a background
    that cannot start leaves the request to compute it."""
    from shnor.lib import memo as memo_lib

    monkeypatch.setattr(memo_lib, "_patience", 0.0)
    inner, outer, official = Memo(), Memo(), Memo(earlier=False)
    state = {"inner": 0, "official": 0}

    def count(name: str) -> int:
        state[name] += 1
        return state[name]

    inner.get("list", lambda: count("inner"))
    official.get("list", lambda: count("official"))
    Target.objects.create(year=2026, code="1.2", value=90.0)  # a new version
    with memo_lib.earlier_allowed() as served:
        # The outer key has nothing earlier: computed here, and the inner memo read at the new version.
        assert outer.get("figure", lambda: inner.get("list", lambda: count("inner")) * 10) == 20
        assert official.get("list", lambda: count("official")) == 2  # the official list: current
    assert not served and inner.refreshes == 0 and official.refreshes == 0

    release = threading.Event()

    def slow() -> int:
        assert release.wait(30)
        return count("inner")

    Target.objects.filter(code="1.2").update(value=80.0)
    with memo_lib.earlier_allowed() as served:
        assert inner.get("list", slow) == 2  # earlier, while it is computed in the background
    Target.objects.filter(code="1.2").update(value=70.0)  # another version while that one runs
    with memo_lib.earlier_allowed() as served:
        assert inner.get("list", slow) == 2  # still earlier, and no second job
    assert inner.refreshes == 1
    running = list(inner._pending.values())
    release.set()
    assert all(event.wait(30) for event in running)

    def refuse(job: Any) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(memo_lib, "_background", refuse)
    Target.objects.filter(code="1.2").update(value=60.0)
    with memo_lib.earlier_allowed() as served:
        assert inner.get("list", lambda: count("inner")) == 4  # computed by the request itself
    assert not served and not inner._pending and not inner._refreshing


@pytest.mark.django_db(transaction=True)
def test_a_starting_server_process_computes_what_the_region_s_pages_keep(world: Any, login: Any) -> None:
    """`shnor serve` warms each worker (gunicorn's post_worker_init): afterwards the region-wide
    pages find their figures kept, none computed on a visitor's request."""
    import sys

    from shnor.cycle import cyclogram
    from shnor.registry import services as registry
    from shnor.web import warmup

    identification(world)
    versioning.forget()
    warmup.in_background().join(60)  # what a worker runs as it starts
    memos = [
        indicators._MEMO,
        cyclogram._MEMO,
        registry._SUMMARIES,
        sys.modules["shnor.staff.services.targets"]._MEMO,
        sys.modules["shnor.programmes.services.indicators"]._OVERVIEW,
        sys.modules["shnor.risks.services.profiles"]._REGIONAL,
    ]
    assert warmup.warm() == ["totals", "cyclogram", "indicators", "teachers", "programmes", "risks"]
    before = [m.misses for m in memos]
    client = login("operator")
    for page in ("/", "/cycle/indicators/", "/teachers/", "/programmes/", "/risks/", "/cycle/"):
        assert client.get(page).status_code == 200, page
    assert [m.misses for m in memos] == before
    assert all(m.hits for m in memos[:3])


def test_serve_warms_each_worker_as_it_starts(monkeypatch: Any) -> None:
    from gunicorn.app.base import BaseApplication

    from shnor.cli import setup

    seen: dict[str, Any] = {}
    monkeypatch.setattr(BaseApplication, "run", lambda self: seen.update(hook=self.cfg.post_worker_init))
    setup._serve("127.0.0.1", 0, 1, 1)
    assert seen["hook"] is setup._warm_up
