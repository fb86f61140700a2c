"""Binds the signed-in user of each web request to the audit context."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from shnor.audit.context import Acting, acting_as


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.SHNOR_TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The address of the person's computer. The connection's own address, unless it comes from a
    proxy named in `SHNOR_TRUSTED_PROXIES` (nginx on the same server: 127.0.0.1): then the
    nearest address in `X-Forwarded-For` that is not a trusted proxy, read from the right — the
    leftmost entries are whatever the client wrote and are never believed. Without the setting the
    header is ignored, so a client cannot choose the address it is counted under."""
    remote = request.META.get("REMOTE_ADDR") or ""
    if not remote or not _trusted(remote):
        return remote or None
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _trusted(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a malformed entry: nothing left of it can be believed
    return remote


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith("/api/") else "web"
        user = request.user if request.user.is_authenticated else None
        with acting_as(Acting(user, source, client_ip(request))):
            return self.get_response(request)
