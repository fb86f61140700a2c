"""Risk profiles over the API (the same services and scope as the pages under /risks/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.scoping import restrict, sees_rows_of
from shnor.api.schemas import ERRORS, Id, Pages, Year
from shnor.api.schemas.risks import BuildIn, BuildOut, ProfileOut, QuestionnaireOut, QuestionnairesIn
from shnor.registry.models import School
from shnor.risks import services as risk_services
from shnor.risks.models import Profile, QuestionnaireLink

profiles = Router(tags=["Рисковые профили"])
questionnaires = Router(tags=["Рисковые профили"])


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


@profiles.post(
    "/builds",
    response={201: BuildOut, **ERRORS},
    operation_id="risk_profiles_build",
    summary="Рассчитать рисковые профили всех школ за год",
)
def profiles_build(request: AuthedRequest, body: BuildIn) -> Status[dict[str, int]]:
    return Status(201, {"year": body.year, "count": risk_services.build(request.auth, body.year)})


# --- questionnaires -----------------------------------------------------------------------------------


def _profile_school(request: AuthedRequest, school_id: str) -> School:
    """A school whose profile the caller sees (a teacher sees the school, not its profile)."""
    school = restrict(School.objects.filter(school_id=school_id), request.auth).first()
    if school is None or not sees_rows_of(Profile, request.auth, school.pk):
        raise Http404("Школа не найдена или вне вашей области доступа")
    return school


def _links(request: AuthedRequest, school: School, year: int) -> list[dict[str, object]]:
    shown = risk_services.can_publish(request.auth, school)  # the token is the anonymous form's only key
    return [
        {
            "id": link.pk,
            "school_id": school.school_id,
            "year": link.year,
            "group": link.group,
            "group_label": str(link.get_group_display()),
            "is_open": link.is_open,
            "answers": answers,
            "url": request.build_absolute_uri(reverse("questionnaire:answer", args=[link.token])) if shown else None,
        }
        for link, answers in risk_services.links_for(request.auth, school, year)
    ]


@questionnaires.get(
    "",
    response={200: list[QuestionnaireOut], **ERRORS},
    operation_id="questionnaires_list",
    summary="Анкеты школы за год: группы респондентов, число ответов, приём ответов",
)
def questionnaires_list(request: AuthedRequest, school_id: str, year: Year) -> list[dict[str, object]]:
    return _links(request, _profile_school(request, school_id), year)


@questionnaires.post(
    "",
    response={201: list[QuestionnaireOut], **ERRORS},
    operation_id="questionnaires_publish",
    summary="Опубликовать анкеты школы за год (повторная публикация снова открывает приём ответов)",
)
def questionnaires_publish(request: AuthedRequest, body: QuestionnairesIn) -> Status[list[dict[str, object]]]:
    school = _profile_school(request, body.school_id)
    risk_services.publish(request.auth, school, body.year)
    return Status(201, _links(request, school, body.year))


@questionnaires.post(
    "/{link_id}/close",
    response={200: QuestionnaireOut, **ERRORS},
    operation_id="questionnaires_close",
    summary="Закрыть приём ответов анкеты",
)
def questionnaires_close(request: AuthedRequest, link_id: Id) -> dict[str, object]:
    link = get_object_or_404(restrict(QuestionnaireLink.objects.select_related("school"), request.auth), pk=link_id)
    risk_services.close(request.auth, link)
    return next(row for row in _links(request, link.school, link.year) if row["id"] == link.pk)
