"""Who acts: the one shape shared by a signed-in `User` and the command line's `SystemUser`.

Services take an `Actor`, never `Any`: a view passes `request.user`, the API `request.auth`, the CLI a
`SystemUser`. The scope of what an actor sees is `shnor.accounts.scoping.scope_of(actor)`.
"""

from __future__ import annotations

from typing import Protocol

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from shnor.accounts.roles import Perm


class Actor(Protocol):
    @property
    def pk(self) -> int | None: ...

    @property
    def role(self) -> str: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def municipality_id(self) -> int | None: ...

    @property
    def school_id(self) -> int | None: ...

    @property
    def staff_key(self) -> str: ...

    def has_shnor_perm(self, perm: Perm) -> bool: ...

    def get_username(self) -> str: ...


class AuthedRequest(HttpRequest):
    """A request that passed authentication: `auth` is set by the API's security, `user` by the
    session middleware. For annotations only: views and API operations receive Django's request."""

    auth: Actor
    user: Actor  # type: ignore[assignment]  # narrower than Django's AbstractBaseUser | AnonymousUser
    htmx: HtmxDetails  # set by django-htmx's middleware
