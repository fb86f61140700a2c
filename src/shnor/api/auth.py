"""API authentication: the browser session (with CSRF) or a bearer token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.security import APIKeyCookie, HttpBearer

from shnor.accounts.actor import Actor
from shnor.accounts.models import ApiToken, User
from shnor.audit.context import Acting, set_actor
from shnor.audit.middleware import client_ip


class TokenAuth(HttpBearer):
    openapi_description = "Токен из профиля пользователя: `Authorization: Bearer shnor_…`."

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
            set_actor(Acting(user, "api", client_ip(request)))
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session; unsafe methods also need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "Сеанс браузера после входа в систему."

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user: Actor | None = getattr(request, "user", None)  # the session middleware's, if any
        if user is not None and user.is_authenticated:
            return user
        return None


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's description and its page: for a signed-in browser session (the sign-in page
    otherwise), or for a client that sends its token (issue 25: a client generator or an
    integrator's CI has no session). As the API itself (token, then session): a token that is not
    valid falls back to the session, and without one is refused with a problem, never redirected."""
    signed_in = login_required(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return signed_in(request, *args, **kwargs)
        user = ApiToken.authenticate(key.strip()) if key.strip() else None
        if user is not None:
            request.user = user
        elif not getattr(request.user, "is_authenticated", False):
            from shnor.api.errors import TITLES

            body = {"type": "about:blank", "title": TITLES[401], "status": 401,
                    "detail": "Токен недействителен или отозван.", "instance": request.path, "errors": []}  # fmt: skip
            response = JsonResponse(body, status=401, json_dumps_params={"ensure_ascii": False})
            response["Content-Type"] = "application/problem+json"
            response["WWW-Authenticate"] = "Bearer"
            return response
        return view(request, *args, **kwargs)

    return wrapped
