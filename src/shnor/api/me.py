"""/api/me: who the caller is and the scope of what they see.

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from ninja import Router

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.models import User
from shnor.accounts.scoping import scope_of
from shnor.api.schemas import ERRORS_NO_CONFLICT
from shnor.api.schemas.me import MeOut

me = Router(tags=["Пользователь"])


@me.get(
    "",
    response={200: MeOut, **ERRORS_NO_CONFLICT},
    operation_id="me_get",
    summary="Текущий пользователь и его область доступа",
)
def me_get(request: AuthedRequest) -> dict[str, Any]:
    user = request.auth
    assert isinstance(user, User)  # both of the API's authentications return an account (api/auth.py)
    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "role": user.role,
        "role_label": user.role_label,
        "scope": scope_of(user).describe(),
        "municipality_id": user.municipality_id,
        "school_id": user.school_id,
    }
