"""The version of the region's data: a counter that every committed write to a domain table moves
on, whichever way it was written (a model's save, bulk_create, QuerySet.update, raw SQL of an
import). Anything computed from the data and kept between requests is keyed by it, so that it is
recomputed after the data change and never otherwise (`Memo`).

How: a wrapper on every database connection sees each statement. The first INSERT, UPDATE or
DELETE of a domain table in a transaction registers one increment to run when that transaction
commits (at once in autocommit mode). A transaction rolled back registers nothing. Until it
commits, the connection that wrote reads its own uncommitted data, so `Memo` does not serve it
from memory (nor keeps what it computes).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, connections, transaction
from django.db.backends.signals import connection_created

from shnor.lib import memo

# The tables of these apps hold the region's data; sessions, notifications, the audit log and the
# task queue do not (they are written on every sign-in or page view).
DOMAIN_APPS = (
    "registry",
    "identification",
    "risks",
    "support",
    "staff",
    "programmes",
    "records",
    "cycle",
    "datasets",
)
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"?(\w+)', re.IGNORECASE)
_DOMAIN = tuple(f"{app}_" for app in DOMAIN_APPS)

T = TypeVar("T")


def is_domain_write(sql: str) -> bool:
    """An INSERT, UPDATE or DELETE of a domain table, or any TRUNCATE (it may name several)."""
    match = _WRITE.match(sql)
    if match is None:
        return False
    return sql.lstrip()[:8].upper() == "TRUNCATE" or match.group(1).lower().startswith(_DOMAIN)


# Within a request the version is read once (a page asks several memos); a write of the request's
# own forgets it. Outside requests (commands, tests) every ask reads it.
_request = threading.local()


def _request_started(**kwargs: Any) -> None:
    _request.versions = {}


def _request_finished(**kwargs: Any) -> None:
    _request.versions = None


def _bump(alias: str) -> None:
    from shnor.audit.models import DataVersion

    DataVersion.bump(using=alias)
    versions = getattr(_request, "versions", None)
    if versions:
        versions.pop(alias, None)


def _wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and is_domain_write(sql):
        conn = context["connection"]
        if not conn.in_atomic_block:
            _bump(conn.alias)
        elif getattr(conn, "_shnor_pending", None) is not conn.run_on_commit:
            # Django gives each transaction (and each rolled-back savepoint) a new list of commit
            # hooks: one increment per transaction, registered again if a savepoint dropped it.
            transaction.on_commit(lambda: _bump(conn.alias), using=conn.alias)
            conn._shnor_pending = conn.run_on_commit
    return result


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_wrapper)


def connect() -> None:
    """Wrap every connection the process opens (and the ones already open)."""
    connection_created.connect(install, dispatch_uid="shnor-data-version")
    request_started.connect(_request_started, dispatch_uid="shnor-data-version-request")
    request_finished.connect(_request_finished, dispatch_uid="shnor-data-version-request")
    for conn in connections.all(initialized_only=True):
        install(None, conn)
    memo.keyed_by(memo_version, background=_in_background, patience=settings.SHNOR_FRESH_WAIT_SECONDS)


def _in_background(job: Callable[[], None]) -> None:
    """Run a memo's computation for the new data version in a thread of its own (its own database
    connection, closed after)."""

    def run() -> None:
        try:
            job()
        finally:
            connections.close_all()  # this thread's

    threading.Thread(target=run, name="shnor-memo-refresh", daemon=True).start()


def current(using: str = "default") -> tuple[str, int]:
    from shnor.audit.models import DataVersion

    versions = getattr(_request, "versions", None)
    if versions is None:
        return DataVersion.value_of(using)
    if using not in versions:
        versions[using] = DataVersion.value_of(using)
    return versions[using]  # type: ignore[no-any-return]  # a thread-local's dict is Any


def writing(using: str = "default") -> bool:
    """Whether this connection has domain writes not yet committed (its own reads see them)."""
    conn = connections[using]
    return conn.in_atomic_block and getattr(conn, "_shnor_pending", None) is conn.run_on_commit


def memo_version() -> Hashable | None:
    """The key a `shnor.lib.memo.Memo` keeps results under: the data version, or None while this
    connection has writes of its own not yet committed (its reads see them: nothing is kept)."""
    if writing(connection.alias):
        return None
    return current(connection.alias)


def forget() -> None:
    """Drop every memo of this process (tests start each from nothing)."""
    memo.forget()
