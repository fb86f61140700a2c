"""Every API error, whatever raised it, leaves as application/problem+json (RFC 7807)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from shnor.core.errors import DomainRefusal

logger = logging.getLogger("shnor.api")

TITLES = {
    400: "Некорректный запрос",
    401: "Требуется вход в систему",
    403: "Доступ запрещён",
    404: "Объект не найден",
    405: "Метод не поддерживается",
    409: "Конфликт изменений",
    413: "Слишком большой запрос",
    422: "Ошибка в данных",
    500: "Внутренняя ошибка сервера",
    503: "Сервис временно недоступен",
}


def problem(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str = "", errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Ошибка"),
        "status": status,
        "detail": detail,
        "instance": request.path,
        "errors": errors or [],
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def install(api: NinjaAPI) -> None:
    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 404, "Объект не существует или находится вне вашей области доступа.")

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 403, str(exc) or "Недостаточно прав для этого действия.")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return problem(api, request, 401, "Войдите в систему или передайте токен: Authorization: Bearer <токен>.")

    @api.exception_handler(NinjaValidationError)
    def invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [{"loc": list(map(str, e.get("loc", []))), "msg": str(e.get("msg", ""))} for e in exc.errors]
        # A wrong parameter of the address (a year of 99999, an offset beyond any table) is a bad
        # request; a body that does not pass its schema is unprocessable (422), as before.
        if errors and all(e["loc"][:1] in (["query"], ["path"]) for e in errors):
            names = ", ".join(dict.fromkeys(e["loc"][-1] for e in errors))
            return problem(api, request, 400, f"Недопустимое значение параметра адреса: {names}.", errors)
        return problem(api, request, 422, "Запрос не прошёл проверку.", errors)

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"loc": [field], "msg": " ".join(m for e in errs for m in e.messages)}
                for field, errs in exc.error_dict.items()
            ]
        else:
            errors = [{"loc": [], "msg": m} for m in exc.messages]
        return problem(api, request, 422, "Данные не прошли проверку.", errors)

    @api.exception_handler(DomainRefusal)
    def refused(request: HttpRequest, exc: DomainRefusal) -> HttpResponse:
        # Every service's refusal derives from DomainRefusal: one handler, no list to forget one in.
        return problem(api, request, exc.status, str(exc))

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_down(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.warning("database unavailable: %s", type(exc).__name__)
        response = problem(api, request, 503, "База данных временно недоступна; повторите запрос позже.")
        response["Retry-After"] = "30"
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(api, request, exc.status_code, str(exc))
