"""The working group's meetings and their protocols."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import scope_of
from shnor.accounts.services import account
from shnor.cycle.models import (
    AgendaItem,
    Meeting,
)
from shnor.cycle.services.common import CycleError, check_keeper, preset
from shnor.documents import cycle as documents
from shnor.records.models import Document
from shnor.records.services import authority, store_document
from shnor.registry.services import region_name


def meetings(user: Actor) -> QuerySet[Meeting]:
    """Meetings of the regional working group: its protocols speak of schools and districts of the
    whole region, so they are read by the region-wide roles (docs/security.md, «Official acts»)."""
    if not scope_of(user).region_wide:
        return Meeting.objects.none()
    return Meeting.objects.prefetch_related("items", "documents")


def get_meeting(user: Actor, pk: int) -> Meeting:
    return meetings(user).get(pk=pk)


def add_meeting(
    user: Actor, *, body: str, number: str, date: dt.date, chair: str, secretary: str, items: list[dict[str, Any]]
) -> Meeting:
    check_keeper(user, None)
    if not number.strip() or not chair.strip() or not secretary.strip():
        raise CycleError("Укажите номер протокола, руководителя и секретаря рабочей группы.")
    items = [i for i in items if str(i.get("title", "")).strip()]
    if not items:
        raise CycleError("В повестке должен быть хотя бы один вопрос.")
    with transaction.atomic():
        meeting = Meeting.objects.create(
            body=body.strip() or default_body(),
            number=number.strip(),
            date=date,
            chair=chair.strip(),
            secretary=secretary.strip(),
            created_by=account(user),
        )
        for position, item in enumerate(items, start=1):
            votes = [int(item.get(k) or 0) for k in ("votes_for", "votes_against", "votes_abstained")]
            if min(votes) < 0:
                raise CycleError(f"Вопрос {position}: число голосов не может быть отрицательным.")
            AgendaItem.objects.create(
                meeting=meeting,
                position=position,
                title=str(item["title"]).strip(),
                heard=str(item.get("heard", "")).strip(),
                resolved=str(item.get("resolved", "")).strip(),
                votes_for=votes[0],
                votes_against=votes[1],
                votes_abstained=votes[2],
            )
    return meeting


def default_body() -> str:
    return (
        "Рабочая группа по координации работы со школами с низкими результатами обучения и школами, "
        f"функционирующими в неблагоприятных социальных условиях ({region_name()})"
    )


def protocol(user: Actor, meeting: Meeting) -> Document:
    """The protocol of the meeting in act 000's form, generated and kept."""
    check_keeper(user, None)
    p = preset()
    content = documents.protocol(
        documents.ProtocolData(
            authority=authority(p),
            body=meeting.body,
            number=meeting.number,
            date=meeting.date,
            chair=meeting.chair,
            secretary=meeting.secretary,
            items=[
                documents.AgendaData(i.title, i.heard, i.resolved, i.votes_for, i.votes_against, i.votes_abstained)
                for i in meeting.items.all()
            ],
        )
    )
    return store_document(
        Document.Kind.PROTOCOL,
        f"Протокол заседания рабочей группы № {meeting.number} от {meeting.date:%d.%m.%Y}",
        content,
        f"protocol-{meeting.date.year}-{meeting.pk}.docx",
        user,
        year=meeting.date.year,
        meeting=meeting,
    )
