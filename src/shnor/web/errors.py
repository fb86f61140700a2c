"""Error pages in Russian; the API has its own problem+json handlers."""

from __future__ import annotations

import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    return render(request, "web/error.html", {"status": status, "title": title, "text": text}, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else "У вас нет прав на это действие."
    return _page(request, 403, "Доступ запрещён", detail)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "Страница не найдена", "Такой страницы нет или она вне вашей области доступа.")


UNAVAILABLE = (
    "<!doctype html><html lang=ru><meta charset=utf-8><title>База данных недоступна</title>"
    "<h1>База данных временно недоступна</h1><p>Система не может обратиться к базе данных, поэтому "
    "страница не показана и ничего не сохранено. Повторите через минуту: работа продолжится, как только "
    "база данных снова будет доступна. Если это длится дольше, сообщите администратору системы.</p>"
)


# The database cannot be reached (not a wrong query): a 503 to retry, not a 500 to report. The pages,
# /healthz answer these alike, as does the API (its handlers in shnor.api.errors name the same two).
DATABASE_DOWN = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    # Self-contained pages: a template with the navigation would ask the broken database again.
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        response = HttpResponse(UNAVAILABLE, status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(
        "<!doctype html><html lang=ru><meta charset=utf-8><title>Ошибка сервера</title>"
        "<h1>Внутренняя ошибка сервера</h1><p>Попробуйте повторить действие позже. "
        "Если ошибка повторяется, сообщите администратору системы.</p>",
        status=500,
    )
