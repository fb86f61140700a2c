"""The review workflow: submit, take, return, approve, put in force — each by whoever may."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.services import notify
from shnor.audit.tracking import record
from shnor.programmes.models import Programme, Transition
from shnor.programmes.services.common import (
    ProgrammeError,
    S,
    account_of,
    can_edit,
    can_enforce,
    can_review,
    editors,
    enforcers,
    name_of,
    reviewers,
    touch,
)

ACTIONS = {
    "submit": ((S.DRAFT, S.RETURNED), S.SUBMITTED, "направил(а) программу на согласование"),
    "take": ((S.SUBMITTED,), S.REVIEW, "взял(а) программу на рассмотрение"),
    "return": ((S.SUBMITTED, S.REVIEW), S.RETURNED, "вернул(а) программу на доработку"),
    "approve": ((S.SUBMITTED, S.REVIEW), S.APPROVED, "согласовал(а) программу"),
    "enforce": ((S.APPROVED,), S.IN_FORCE, "ввёл(а) программу в действие"),
}


def allowed_actions(user: Actor, programme: Programme) -> list[str]:
    out = []
    for action, (sources, _, _) in ACTIONS.items():
        if programme.status in sources and _may(user, programme, action):
            out.append(action)
    return out


def _may(user: Actor, programme: Programme, action: str) -> bool:
    if action == "submit":
        return can_edit(user, programme)
    if action == "enforce":
        return can_enforce(user, programme)
    return can_review(user, programme)


def transition(user: Actor, programme: Programme, action: str, comment: str = "") -> Programme:
    if action not in ACTIONS:
        raise ProgrammeError(f"Неизвестное действие «{action}».")
    sources, target, verb = ACTIONS[action]
    if not _may(user, programme, action):
        raise PermissionDenied("Это действие вам недоступно.")
    comment = comment.strip()
    if action == "return" and not comment:
        raise ProgrammeError("Укажите замечания: что нужно доработать.")
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.status not in sources:
            raise ProgrammeError(
                f"Программа в состоянии «{locked.get_status_display()}»: действие «{action}» невозможно."
            )
        before = locked.status
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
        touch(locked.pk)
        Transition.objects.create(
            programme=locked, from_status=before, to_status=target, comment=comment, by=account_of(user)
        )
        record(
            locked,
            "update",
            {"status": [before, target], "comment": comment} if comment else {"status": [before, target]},
        )
    url = reverse("programmes:detail", args=[programme.pk])
    text = f"«{programme.title}» ({programme.owner_label()}): {name_of(user)} {verb}."
    if comment:
        text += f" Замечания: {comment}"
    recipients: QuerySet[User]
    if action == "submit":
        recipients = reviewers(locked)
    elif action == "approve":
        recipients = editors(locked) | enforcers(locked)
    else:
        recipients = editors(locked)
    if isinstance(user, User):
        recipients = recipients.exclude(pk=user.pk)
    notify(recipients, text, url)
    return locked
