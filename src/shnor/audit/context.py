"""Who is acting right now: set by the web middleware, the API auth and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Acting:
    """One act's context for the journal: the account (or none), the door it came through, the address."""

    user: Any | None
    source: str
    ip: str | None = None
    label: str = ""

    @property
    def repr(self) -> str:
        if self.user is not None and getattr(self.user, "is_authenticated", False):
            return str(self.user.get_username())
        return self.label or "система"


_current: ContextVar[Acting] = ContextVar("shnor_actor", default=Acting(None, "system"))  # noqa: B039 (frozen)


def current_actor() -> Acting:
    return _current.get()


def set_actor(actor: Acting) -> None:
    _current.set(actor)


@contextmanager
def acting_as(actor: Acting) -> Iterator[Acting]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
