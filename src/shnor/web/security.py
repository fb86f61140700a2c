"""Response headers Django's SecurityMiddleware does not send: the content security policy and the
permissions policy. Every page's script and style come from the site itself (vendored), no page has an
inline script, an event handler attribute or eval (htmx runs with allowEval off), and no page may be
framed; the browser tests record any violation of the policy (tests/browser/test_trust.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.html import escape

from shnor.core.numbers import number

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


NUL_REFUSED = "Запрос содержит недопустимый символ NUL (код 0); уберите его и повторите."


def _import_paths() -> tuple[str, ...]:
    """The addresses that take data files (SHNOR_MAX_IMPORT_MB): the upload page and the API's."""
    from django.urls import reverse

    return (reverse("datasets:upload"), "/api/imports")


def upload_limit(path: str) -> tuple[int, str]:
    """The largest body (bytes) a request to `path` may carry, and the setting that says so."""
    if path in _import_paths():
        return settings.SHNOR_MAX_IMPORT_MB * 2**20, "SHNOR_MAX_IMPORT_MB"
    return settings.SHNOR_MAX_UPLOAD_MB * 2**20, "SHNOR_MAX_UPLOAD_MB"


def too_large_message(size: int, limit: int, setting: str) -> str:
    return (
        f"Файл слишком большой: {number(size / 2**20, 1)} МБ, допустимо не более "
        f"{number(limit / 2**20)} МБ (настройка {setting}). Уменьшите файл или разделите данные на части; "
        "ничего не сохранено."
    )


class UploadLimitMiddleware:
    """A body larger than its limit is refused with 413 and a Russian message before a byte of it
    is read: the sender's `Content-Length` is checked first (the server reads no further than it
    says), so nothing of the file is stored, even for a moment. Data files for import have their
    own, larger limit (`SHNOR_MAX_IMPORT_MB`), attachments (evidence of a programme, materials of a
    consultation) `SHNOR_MAX_UPLOAD_MB`. Before issue 20 a 120 MB evidence file was stored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        limit, setting = upload_limit(request.path)
        if size <= limit:
            return self.get_response(request)
        message = too_large_message(size, limit, setting)
        if request.path.startswith("/api/"):
            from shnor.api.app import api
            from shnor.api.errors import problem

            return problem(api, request, 413, message)
        page = (
            "<!doctype html><html lang=ru><meta charset=utf-8><title>Файл слишком большой</title>"
            f"<h1>Файл слишком большой</h1><p>{escape(message)}</p>"
            f'<p><a href="{escape(request.path)}">Вернуться к форме</a></p>'
        )
        return HttpResponse(page, status=413)


class RejectNulMiddleware:
    """A NUL in a form field, an address's parameters or a JSON body is refused with 400: no text
    field can hold it (PostgreSQL refuses it outright) and no person types it. Uploaded files are
    not looked into here; their content is the importers' to check."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            if request.path.startswith("/api/"):
                from shnor.api.app import api
                from shnor.api.errors import problem

                return problem(api, request, 400, NUL_REFUSED)
            return HttpResponseBadRequest(NUL_REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        params = [(k, v) for k, values in request.GET.lists() for v in values]
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in params):
            return True
        content_type = request.content_type or ""
        if content_type == "application/json":
            return b"\x00" in request.body or b"\\u0000" in request.body
        if request.method == "POST" and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in k or any("\x00" in v for v in values) for k, values in request.POST.lists())
        return False


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", getattr(settings, "SHNOR_CSP", POLICY))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        return response
