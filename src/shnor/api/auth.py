"""API authentication: the browser session (with CSRF) or a bearer token."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
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
