"""Results computed from the data, kept in the process while the data stay the same.

`Memo` knows nothing of how the data's version is counted: the audit app, which counts every write
(`shnor.audit.versioning`), hands in the version with `keyed_by` when it starts. Until then (and
while a connection has writes of its own not yet committed) nothing is kept.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


def _unknown() -> Hashable | None:
    return None


_version: Callable[[], Hashable | None] = _unknown


def keyed_by(version: Callable[[], Hashable | None]) -> None:
    """Key every memo by `version()` (None: compute, keep nothing)."""
    global _version
    _version = version


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
        self.hits = 0
        self.misses = 0
        self.waits = 0  # threads that waited for another's computation

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
            if pending is None:
                pending = self._pending[full] = threading.Event()
        if not owner:
            with self._lock:
                self.waits += 1
            # Another thread is computing the same: wait for it rather than compute it again (under
            # load, 16 threads missing at once took 16 times the work and timed every one of them out).
            pending.wait()
            with self._lock:
                if full in self._items:
                    self.hits += 1
                    return self._items[full]  # type: ignore[no-any-return]  # kept as Any, the caller's T  # kept as Any, the caller's T
            return compute()  # it failed: this thread tries on its own
        try:
            value = compute()
            with self._lock:
                self.misses += 1
                self._items[full] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._pending.pop(full, None)
            pending.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_MEMOS: weakref.WeakSet[Memo] = weakref.WeakSet()


def forget() -> None:
    """Drop every memo of this process."""
    for m in list(_MEMOS):
        m.clear()
