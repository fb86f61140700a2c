"""Risk profiles over the API (the same services and scope as the pages under /risks/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from ninja import Router
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS, Pages, Year
from shnor.api.schemas.risks import ProfileOut
from shnor.risks import services as risk_services
from shnor.risks.models import Profile

profiles = Router(tags=["Рисковые профили"])


@profiles.get(
    "", response={200: list[ProfileOut], **ERRORS}, operation_id="risk_profiles_list", summary="Рисковые профили"
)
@paginate(Pages)
def profiles_list(request: AuthedRequest, year: Year | None = None, fixed: str = "") -> QuerySet[Profile]:
    qs = risk_services.profiles(request.auth, year).order_by("school__school_id")
    if fixed:
        # JSON containment where the database has it; SQLite stores the list as text.
        if connection.vendor == "postgresql":
            qs = qs.filter(fixed__contains=[fixed])
        else:
            qs = qs.filter(fixed__icontains=f'"{fixed}"')
    return qs


@profiles.get(
    "/{school_id}/{year}",
    response={200: ProfileOut, **ERRORS},
    operation_id="risk_profiles_get",
    summary="Рисковый профиль школы за год",
)
def profiles_get(request: AuthedRequest, school_id: str, year: Year) -> Profile:
    try:
        return risk_services.profiles(request.auth, year).get(school__school_id=school_id)
    except Profile.DoesNotExist:
        raise Http404("Профиль не найден") from None
