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
    """When each earlier value a page was shown had been computed (`time.time()`), and until when
    (`time.monotonic()`) the page waits for current values: one wait for the whole page, not one per
    figure (the indicators' dashboard asks for every year's)."""

    deadline = 0.0

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
    served.deadline = time.monotonic() + _patience
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


@contextmanager
def _current_only() -> Iterator[None]:
    """What is computed to be kept reads nothing earlier: a value built from an earlier one would be
    kept as the current version's and reach documents and the API."""
    previous = getattr(_allowed, "served", None)
    _allowed.served = None
    try:
        yield
    finally:
        _allowed.served = previous


class Memo:
    """Results computed from the data, kept in this process for as long as the data version stays
    the same: a few recent ones (least recently used go first), shared by the server's threads; a
    thread that asks for what another is computing waits for it. What it returns is shared too:
    callers must not change it. `earlier=False`: never served from an earlier version (the official
    list of schools)."""

    def __init__(self, size: int = 32, earlier: bool = True) -> None:
        _MEMOS.add(self)
        self.size = size
        self.earlier = earlier
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: dict[Hashable, threading.Event] = {}
        # The newest value of each key, whatever its version, and when its computation started (the
        # data it reflects): what a page that allows it is shown while the current one is computed.
        self._latest: OrderedDict[Hashable, tuple[Hashable, Any, float]] = OrderedDict()
        self._refreshing: set[Hashable] = set()  # keys computed in the background: one at a time
        self.hits = 0
        self.misses = 0
        self.waits = 0  # threads that waited for another's computation
        self.refreshes = 0  # computations started in the background, an earlier value served

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = _version()
        if version is None:
            with _current_only():
                return compute()
        full = (version, key)
        background = False
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                self.hits += 1
                return self._items[full]  # type: ignore[no-any-return]  # kept as Any, the caller's T
            pending = self._pending.get(full)
            owner = pending is None
            earlier = self._earlier(key, version)
            if earlier is not None and owner and key in self._refreshing:
                # The key is being computed for another version already: show the earlier value and
                # start nothing (each write moves the version on; a job per version piles up).
                owner, pending = False, None
            elif owner:
                pending = self._pending[full] = threading.Event()
                if earlier is not None:
                    background = True
                    self._refreshing.add(key)
                    self.refreshes += 1
        if background and pending is not None and not self._start(full, key, compute, pending):
            earlier = None  # no thread to compute it: this request does, as before (owner)
        if earlier is not None:
            # A small region's computation ends within a moment: the page waits that long for it.
            if pending is not None and pending.wait(max(0.0, _allowed.served.deadline - time.monotonic())):
                with self._lock:
                    if full in self._items:
                        self.hits += 1
                        return self._items[full]  # type: ignore[no-any-return]  # kept as Any, the caller's T
            value, started = earlier
            _allowed.served.append(started)
            return value  # type: ignore[no-any-return]  # kept as Any, the caller's T
        assert pending is not None
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
            with _current_only():
                return compute()  # it failed: this thread tries on its own
        try:
            started = time.time()
            with _current_only():
                value = compute()
            self._keep(full, key, value, started)
            return value
        finally:
            with self._lock:
                self._pending.pop(full, None)
            pending.set()

    def _earlier(self, key: Hashable, version: Hashable) -> tuple[Any, float] | None:
        """The value of `key` for another version, if the caller may be shown it (under the lock)."""
        if not self.earlier or _background is None or getattr(_allowed, "served", None) is None:
            return None
        latest = self._latest.get(key)
        if latest is None or latest[0] == version:
            return None
        return latest[1], latest[2]

    def _keep(self, full: tuple[Hashable, Hashable], key: Hashable, value: Any, started: float) -> None:
        with self._lock:
            self.misses += 1
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            # The newest data wins: a computation that started before the kept one does not replace it.
            if key not in self._latest or self._latest[key][2] <= started:
                self._latest[key] = (full[0], value, started)
            self._latest.move_to_end(key)
            while len(self._latest) > self.size:
                self._latest.popitem(last=False)

    def _start(
        self, full: tuple[Hashable, Hashable], key: Hashable, compute: Callable[[], Any], pending: threading.Event
    ) -> bool:
        """Compute `full` in the background; False (and nothing started) if no thread could start."""

        def job() -> None:
            try:
                started = time.time()
                self._keep(full, key, compute(), started)
            except Exception:
                # The page was served the earlier value; the next one to ask computes it again.
                log.exception("recomputing %r for the new data version failed", key)
            finally:
                with self._lock:
                    self._pending.pop(full, None)
                    self._refreshing.discard(key)
                pending.set()

        try:
            if _background is None:  # _earlier saw one; keyed_by was called again since
                raise RuntimeError("no background runner")
            _background(job)
        except Exception:
            log.exception("could not start recomputing %r in the background", key)
            with self._lock:
                self._refreshing.discard(key)
            return False
        return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._latest.clear()


_MEMOS: weakref.WeakSet[Memo] = weakref.WeakSet()


def forget() -> None:
    """Drop every memo of this process."""
    for m in list(_MEMOS):
        m.clear()
