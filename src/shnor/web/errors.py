"""Error pages in Russian; the API has its own problem+json handlers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    return render(request, "web/error.html", {"status": status, "title": title, "text": text}, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else "У вас нет прав на это действие."
    return _page(request, 403, "Доступ запрещён", detail)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "Страница не найдена", "Такой страницы нет или она вне вашей области доступа.")


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        "<!doctype html><html lang=ru><meta charset=utf-8><title>Ошибка сервера</title>"
        "<h1>Внутренняя ошибка сервера</h1><p>Попробуйте повторить действие позже. "
        "Если ошибка повторяется, сообщите администратору системы.</p>",
        status=500,
    )
