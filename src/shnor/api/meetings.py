"""The working group's meetings over the API: each with its protocol (the same services and scope
as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db.models import QuerySet
from ninja import Router, Status
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS, Id, Pages
from shnor.api.schemas.meetings import MeetingIn, MeetingOut
from shnor.cycle import services as cycle
from shnor.cycle.models import Meeting
from shnor.lib.lookup import or_404

meetings = Router(tags=["Рабочая группа"])


@meetings.get("", response={200: list[MeetingOut], **ERRORS}, operation_id="meetings_list", summary="Заседания")
@paginate(Pages)
def meetings_list(request: AuthedRequest) -> QuerySet[Meeting]:
    return cycle.meetings(request.auth)


@meetings.post(
    "",
    response={201: MeetingOut, **ERRORS},
    operation_id="meetings_add",
    summary="Внести заседание и сформировать протокол",
)
def meetings_add(request: AuthedRequest, payload: MeetingIn) -> Status[Meeting]:
    user = request.auth
    data = payload.dict()
    meeting = cycle.add_meeting(user, **data)
    cycle.protocol(user, meeting)
    return Status(201, cycle.get_meeting(user, meeting.pk))


@meetings.get("/{meeting_id}", response={200: MeetingOut, **ERRORS}, operation_id="meetings_get", summary="Заседание")
def meetings_get(request: AuthedRequest, meeting_id: Id) -> Meeting:
    return or_404(cycle.get_meeting, request.auth, meeting_id)


@meetings.post(
    "/{meeting_id}/protocol",
    response={201: MeetingOut, **ERRORS},
    operation_id="meetings_protocol",
    summary="Сформировать протокол заседания заново (после изменений)",
)
def meetings_protocol(request: AuthedRequest, meeting_id: Id) -> Status[Meeting]:
    user = request.auth
    meeting = or_404(cycle.get_meeting, user, meeting_id)
    cycle.protocol(user, meeting)
    return Status(201, cycle.get_meeting(user, meeting.pk))
