"""Results computed from the data, kept in the process while the data stay the same.

`Memo` knows nothing of how the data's version is counted: the audit app, which counts every write
(`shnor.audit.versioning`), hands in the version with `keyed_by` when it starts. Until then (and
while a connection has writes of its own not yet committed) nothing is kept.

After the data change, a page that may say so (`earlier_allowed`) is not kept waiting for the new
computation: the new one starts in the background (the runner `keyed_by` was given) and, if it has
not ended within a moment (`patience`), the page gets the value of the earlier version, with the
time it was computed. Documents, exports and everything else wait for the current value.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)


def _unknown() -> Hashable | None:
    return None


_version: Callable[[], Hashable | None] = _unknown
_background: Callable[[Callable[[], None]], None] | None = None
_patience = 0.0


def keyed_by(
    version: Callable[[], Hashable | None],
    background: Callable[[Callable[[], None]], None] | None = None,
    patience: float = 0.0,
) -> None:
    """Key every memo by `version()` (None: compute, keep nothing); `background(job)` runs a job
    outside the request (None: earlier values are never served); a page that allows an earlier
    value waits `patience` seconds for the current one first."""
    global _version, _background, _patience
    _version = version
    _background = background
    _patience = patience


_allowed = threading.local()


class Served(list[float]):
    """When each earlier value a page was shown had been computed (`time.time()`)."""

    @property
    def computed_at(self) -> dt.datetime | None:
        """The oldest of them (the page's figures are at least this old)."""
        return dt.datetime.fromtimestamp(min(self), tz=dt.UTC) if self else None


@contextmanager
def earlier_allowed() -> Iterator[Served]:
    """Inside it, a memo that holds a key only for an earlier data version computes the current
    value in the background and, unless it ends within `patience`, answers with the earlier one; the
    list it yields gathers when each earlier value served was computed, for the page to say so."""
    previous = getattr(_allowed, "served", None)
    served = Served()
    _allowed.served = served
    try:
        yield served
    finally:
        _allowed.served = previous


def shows_earlier(view: Callable[..., R]) -> Callable[..., R]:
    """A page that may show the figures of the earlier data version while the current ones are
    computed (`earlier_allowed`); `request.earlier_figures` tells its template which were shown."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> R:
        with earlier_allowed() as served:
            request.earlier_figures = served
            return view(request, *args, **kwargs)

    return wrapped


class Memo:
    """Results computed from the data, kept in this process for as long as the data version stays
    the same: a few recent ones (least recently used go first), shared by the server's threads; a
    thread that asks for what another is computing waits for it. What it returns is shared too:
    callers must not change it."""

    def __init__(self, size: int = 32) -> None:
        _MEMOS.add(self)
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Event] = {}
        # The newest value of each key, whatever its version, and when it was computed: what a
        # page that allows it is shown while the current one is computed.
        self._latest: OrderedDict[Hashable, tuple[Hashable, Any, float]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.waits = 0  # threads that waited for another's computation
        self.refreshes = 0  # computations started in the background, an earlier value served

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = _version()
        if version is None:
            return compute()
        full = (version, key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                self.hits += 1
                return self._items[full]  # type: ignore[no-any-return]  # kept as Any, the caller's T
            pending = self._pending.get(full)
            owner = pending is None
            earlier = self._earlier(key, version)
            if pending is None:
                pending = self._pending[full] = threading.Event()
                if earlier is not None:
                    self.refreshes += 1
        if earlier is not None:
            if owner:
                self._start(full, key, compute, pending)
            # A small region's computation ends within a moment: the page waits that long for it.
            if pending.wait(_patience):
                with self._lock:
                    if full in self._items:
                        self.hits += 1
                        return self._items[full]  # type: ignore[no-any-return]  # kept as Any, the caller's T
            value, computed_at = earlier
            _allowed.served.append(computed_at)
            return value  # type: ignore[no-any-return]  # kept as Any, the caller's T
        if not owner:
            with self._lock:
                self.waits += 1
            # Another thread is computing the same: wait for it rather than compute it again (under
            # load, 16 threads missing at once took 16 times the work and timed every one of them out).
            pending.wait()
            with self._lock:
                if full in self._items:
                    self.hits += 1
                    return self._items[full]  # type: ignore[no-any-return]  # kept as Any, the caller's T
            return compute()  # it failed: this thread tries on its own
        try:
            value = compute()
            self._keep(full, key, value)
            return value
        finally:
            with self._lock:
                self._pending.pop(full, None)
            pending.set()

    def _earlier(self, key: Hashable, version: Hashable) -> tuple[Any, float] | None:
        """The value of `key` for an earlier version, if the caller may be shown it (under the lock)."""
        if _background is None or getattr(_allowed, "served", None) is None:
            return None
        latest = self._latest.get(key)
        if latest is None or latest[0] == version:
            return None
        return latest[1], latest[2]

    def _keep(self, full: tuple[Hashable, Hashable], key: Hashable, value: Any) -> None:
        with self._lock:
            self.misses += 1
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            self._latest[key] = (full[0], value, time.time())
            self._latest.move_to_end(key)
            while len(self._latest) > self.size:
                self._latest.popitem(last=False)

    def _start(
        self, full: tuple[Hashable, Hashable], key: Hashable, compute: Callable[[], Any], pending: threading.Event
    ) -> None:
        def job() -> None:
            try:
                self._keep(full, key, compute())
            except Exception:
                # The page was served the earlier value; the next one to ask computes it again.
                log.exception("recomputing %r for the new data version failed", key)
            finally:
                with self._lock:
                    self._pending.pop(full, None)
                pending.set()

        if _background is None:  # _earlier saw one; keyed_by was called again since
            job()
        else:
            _background(job)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._latest.clear()


_MEMOS: weakref.WeakSet[Memo] = weakref.WeakSet()


def forget() -> None:
    """Drop every memo of this process."""
    for m in list(_MEMOS):
        m.clear()
