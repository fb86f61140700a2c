"""Carrying a programme out: activities, evidence, steps, the actual values of its indicators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.programmes.models import Activity, Evidence, Indicator, Programme
from shnor.programmes.services.common import WORKING, ProgrammeError, S, account_of, can_edit, claim, today, touch
from shnor.programmes.services.indicators import refresh


def _require_edit(user: Actor, programme: Programme, statuses: tuple[str, ...]) -> None:
    if not can_edit(user, programme):
        raise PermissionDenied("Изменять программу может её исполнитель.")
    if programme.status not in statuses:
        raise ProgrammeError(f"Программа в состоянии «{programme.get_status_display()}»: изменение невозможно.")


def require_content_edit(user: Actor, programme: Programme) -> None:
    _require_edit(user, programme, (S.DRAFT, S.RETURNED))


CONTENT_FIELDS = ("title", "goal", "tasks", "start", "end", "source")


def update_content(user: Actor, programme: Programme, revision: int, **fields: Any) -> Programme:
    """The API's edit of a draft's own text and dates (the page edits them with its form): only the
    fields given change, from the revision the caller read, or a refusal if someone changed it since."""
    require_content_edit(user, programme)
    unknown = set(fields) - set(CONTENT_FIELDS)
    if unknown:
        raise ProgrammeError(f"Эти поля программы так не изменяются: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(programme, name, value)
    if programme.end < programme.start:
        raise ProgrammeError("Окончание программы раньше её начала.")
    if not (programme.title or "").strip():
        raise ProgrammeError("Укажите название программы.")
    with transaction.atomic():
        claim(programme, revision)
        programme.save(update_fields=[*fields, "revision", "updated_at"])
        refresh(programme)  # as the page's save: bound indicators follow the new dates
    return programme


def set_activity(user: Actor, activity: Activity, status: str, note: str = "") -> Activity:
    programme = activity.programme
    _require_edit(user, programme, (S.DRAFT, S.RETURNED, *WORKING))
    if status not in Activity.Status.values or status == Activity.Status.OVERDUE:
        raise ProgrammeError("Недопустимое состояние мероприятия: просрочку система отмечает сама.")
    activity.status = status
    activity.done_on = today() if status == Activity.Status.DONE else None
    if note:
        activity.note = note
    with transaction.atomic():
        activity.save()
        touch(programme.pk)
    refresh(programme)
    return activity


def add_evidence(
    user: Actor, activity: Activity, title: str, *, content: bytes | None = None, filename: str = "", link: str = ""
) -> Evidence:
    _require_edit(user, activity.programme, (S.DRAFT, S.RETURNED, *WORKING))
    if not content and not link:
        raise ProgrammeError("Приложите файл или укажите ссылку.")
    evidence = Evidence(
        activity=activity, title=title.strip() or filename or link, link=link, added_by=account_of(user)
    )
    if content:
        evidence.file.save(filename or "file", ContentFile(content), save=False)
    with transaction.atomic():
        evidence.save()
        touch(activity.programme_id)
    return evidence


def mark_step(user: Actor, programme: Programme, index: int, done: bool) -> None:
    _require_edit(user, programme, (S.DRAFT, S.RETURNED, *WORKING))
    with transaction.atomic():  # read the steps under the lock: two people ticking two steps keep both
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        steps = list(locked.regulation)
        if not 0 <= index < len(steps):
            raise ProgrammeError("Нет такого шага регламента.")
        steps[index] = {**steps[index], "done_on": today().isoformat() if done else None}
        locked.regulation = programme.regulation = steps
        locked.save(update_fields=["regulation", "updated_at"])
        touch(programme.pk)


def set_actual(user: Actor, indicator: Indicator, value: float | None) -> Indicator:
    _require_edit(user, indicator.programme, (S.DRAFT, S.RETURNED, *WORKING))
    if indicator.binding:
        raise ProgrammeError("Значение показателя с привязкой обновляется само.")
    indicator.actual = value
    indicator.updated_at = timezone.now()
    with transaction.atomic():
        indicator.save(update_fields=["actual", "updated_at"])
        touch(indicator.programme_id)
    return indicator
