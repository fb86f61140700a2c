"""The description as the API answers: errors declared as `application/problem+json`, and the
errors every operation can give declared on each (a client generator and Schemathesis read them).

Ninja declares a response's content as `application/json`; the errors are sent as
`application/problem+json` (shnor.api.errors). And three errors come from the API as a whole, not
from an operation's own code: 401 (no or a bad token) on every operation that needs a sign-in,
400 (a parameter of the address out of bounds, a NUL in the query, or a body that is not text: a
NUL, a lone surrogate) on every operation, 422 (a body that does not pass its schema) on every
operation with a body.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

PROBLEM = "application/problem+json"
_REF = {"$ref": "#/components/schemas/Problem"}
_TITLES = {
    "400": "Некорректный запрос: параметр адреса вне границ или тело запроса не текст",
    "401": "Требуется вход в систему",
    "422": "Запрос не прошёл проверку",
}


def _problem(status: str) -> dict[str, Any]:
    return {"description": _TITLES[status], "content": {PROBLEM: {"schema": _REF}}}


def as_answered(schema: dict[str, Any]) -> dict[str, Any]:
    for ops in schema.get("paths", {}).values():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            for status, answer in list(responses.items()):
                content = answer.get("content", {})
                if int(status) >= 400 and content.get("application/json", {}).get("schema") == _REF:
                    content[PROBLEM] = content.pop("application/json")
            declared = {str(s) for s in responses}
            wanted = []
            if op.get("security"):
                wanted.append("401")
            wanted.append("400")  # a NUL in any address's query is refused before the operation
            if op.get("requestBody"):
                wanted.append("422")
            for status in wanted:
                if status not in declared:
                    responses[int(status)] = _problem(status)
                else:  # declared with the operation's own report (an import's issues): the problem too
                    answer = responses.get(int(status)) or responses[status]
                    answer.setdefault("content", {}).setdefault(PROBLEM, {"schema": _REF})
    return schema


class DescribedAPI(NinjaAPI):
    """NinjaAPI whose description says what the API really answers (see the module's text)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return as_answered(super().get_openapi_schema(*args, **kwargs))
