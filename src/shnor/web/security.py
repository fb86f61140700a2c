"""Response headers Django's SecurityMiddleware does not send: the content security policy and the
permissions policy. Every page's script and style come from the site itself (vendored), no page has an
inline script, an event handler attribute or eval (htmx runs with allowEval off), and no page may be
framed; the browser tests record any violation of the policy (tests/browser/test_trust.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", getattr(settings, "SHNOR_CSP", POLICY))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        return response
