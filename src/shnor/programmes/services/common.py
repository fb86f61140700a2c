"""What every stage of a programme shares: refusals, who may do what and whom to tell, reading."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Role
from shnor.accounts.scoping import restrict
from shnor.core.errors import DomainRefusal
from shnor.core.presets import Preset
from shnor.core.programmes import ProgrammeTemplate
from shnor.programmes.models import Programme
from shnor.registry import services as registry
from shnor.registry.models import School
from shnor.support import services as support

S = Programme.Status
L = Programme.Level
SCHOOL_LEVELS = (L.SCHOOL, L.ANTI_RISK)


class ProgrammeError(DomainRefusal):
    """The action cannot be taken; the message says why, in Russian."""


class ProgrammeChanged(ProgrammeError):
    """Someone changed the programme after the page being saved was opened."""


def claim(programme: Programme, revision: int) -> None:
    """Optimistic locking, inside the caller's transaction: move the programme on from the revision
    the page was opened with, or refuse if someone has changed it since."""
    if not Programme.objects.filter(pk=programme.pk, revision=revision).update(revision=F("revision") + 1):
        current = Programme.objects.only("updated_at").get(pk=programme.pk)
        when = timezone.localtime(current.updated_at).strftime("%d.%m.%Y %H:%M")
        raise ProgrammeChanged(
            f"Программу изменили после того, как вы открыли эту страницу (последнее изменение — {when}). "
            "Ваши правки не сохранены, чтобы не затереть чужие: откройте программу заново и внесите их ещё раз."
        )
    programme.revision = revision + 1


def touch(programme_pk: int) -> None:
    """Any other change of the programme or its parts: a page opened before it is outdated."""
    Programme.objects.filter(pk=programme_pk).update(revision=F("revision") + 1)


def preset() -> Preset:
    return registry.preset()


def today() -> dt.date:
    return timezone.localdate()


def role_of(user: Actor) -> str:
    return str(getattr(user, "role", ""))


# The levels of programme each role drafts (the operator every level); other roles draft none.
LEVELS_BY_ROLE: dict[str, tuple[str, ...]] = {
    Role.SCHOOL: ("school",),
    Role.MUNICIPAL_COORDINATOR: ("municipality",),
    Role.REGIONAL_COORDINATOR: ("region",),
    Role.OPERATOR: ("school", "municipality", "region"),
}


def levels_for(user: Actor) -> tuple[str, ...]:
    """The levels of programme the user may create from a template."""
    return LEVELS_BY_ROLE.get(role_of(user), ())


def in_scope(user: Actor, programme: Programme) -> bool:
    """Is the programme's school in the user's scope (also for a programme not yet saved)?"""
    return programme.school_id is not None and restrict(School.objects.filter(pk=programme.school_id), user).exists()


def can_edit(user: Actor, programme: Programme) -> bool:
    """May change the programme's content (in draft or returned) and carry it out (in force)."""
    role = role_of(user)
    if role == Role.OPERATOR:
        return True
    if programme.level in SCHOOL_LEVELS:
        return role == Role.SCHOOL and in_scope(user, programme)
    if programme.level == L.MUNICIPALITY:
        return role == Role.MUNICIPAL_COORDINATOR and user.municipality_id == programme.municipality_id
    return role == Role.REGIONAL_COORDINATOR


def can_review(user: Actor, programme: Programme) -> bool:
    role = role_of(user)
    if role == Role.OPERATOR:
        return True
    if programme.level in SCHOOL_LEVELS:
        if role == Role.CURATOR:
            return user.pk is not None and support.curators_of(programme.school).filter(pk=user.pk).exists()
        if role == Role.MUNICIPAL_COORDINATOR and programme.school is not None:
            return (
                user.municipality_id == programme.school.municipality_id
                and not support.curators_of(programme.school).exists()
            )
        return False
    return role == Role.REGIONAL_COORDINATOR


def can_enforce(user: Actor, programme: Programme) -> bool:
    role = role_of(user)
    if role in (Role.OPERATOR, Role.REGIONAL_COORDINATOR):
        return True
    return (
        programme.level in SCHOOL_LEVELS
        and role == Role.MUNICIPAL_COORDINATOR
        and programme.school is not None
        and user.municipality_id == programme.school.municipality_id
    )


def editors(programme: Programme) -> QuerySet[User]:
    if programme.level in SCHOOL_LEVELS:
        return User.objects.heads_of(programme.school_id)
    if programme.level == L.MUNICIPALITY:
        return User.objects.coordinators_of(programme.municipality_id)
    return User.objects.regional_coordinators()


def reviewers(programme: Programme) -> QuerySet[User]:
    if programme.level in SCHOOL_LEVELS:
        curators = support.curators_of(programme.school)
        if curators.exists():
            return curators
        return User.objects.coordinators_of(_school_of(programme).municipality_id)
    return User.objects.regional_coordinators()


def enforcers(programme: Programme) -> QuerySet[User]:
    if programme.level in SCHOOL_LEVELS:
        return User.objects.coordinators_of(_school_of(programme).municipality_id)
    return User.objects.regional_coordinators()


def _school_of(programme: Programme) -> School:
    """The school of a school-level programme (the database's constraint: it has one)."""
    assert programme.school is not None, programme.pk
    return programme.school


def programmes(user: Actor) -> QuerySet[Programme]:
    return restrict(Programme.objects.select_related("school", "school__municipality", "municipality", "parent"), user)


def get(user: Actor, pk: int) -> Programme:
    """Raises Programme.DoesNotExist when out of the user's scope."""
    return programmes(user).get(pk=pk)


# How many programmes the list page names of those waiting for the user's decision (it counts all).
QUEUE_SHOWN = 20


def _waiting(user: Actor) -> tuple[QuerySet[Programme], bool]:
    """The programmes that may wait for the user, and whether each of them does: the region's roles
    decide on every one of a status (`can_review`, `can_enforce`), so the database selects them; a
    district's coordinator or a curator decides on some of their few, judged one by one."""
    waiting = programmes(user).filter(status__in=[S.SUBMITTED, S.REVIEW, S.APPROVED]).order_by("updated_at", "pk")
    role = role_of(user)
    if role == Role.OPERATOR:
        return waiting, True
    if role == Role.REGIONAL_COORDINATOR:  # reviews the districts' and the region's, puts any in force
        return waiting.filter(Q(status=S.APPROVED) | ~Q(level__in=SCHOOL_LEVELS)), True
    return waiting, False


def _decides(user: Actor, p: Programme) -> bool:
    return (p.status in (S.SUBMITTED, S.REVIEW) and can_review(user, p)) or (
        p.status == S.APPROVED and can_enforce(user, p)
    )


def queue(user: Actor) -> list[Programme]:
    """What waits for this user: programmes to review and approved ones to put in force."""
    waiting, exact = _waiting(user)
    return list(waiting) if exact else [p for p in waiting if _decides(user, p)]


def queue_head(user: Actor, shown: int | None = None) -> tuple[list[Programme], int]:
    """The first `shown` (`QUEUE_SHOWN`) of `queue` and how many there are (a country's region has
    thousands)."""
    shown = QUEUE_SHOWN if shown is None else shown
    waiting, exact = _waiting(user)
    if exact:
        return list(waiting[:shown]), waiting.count()
    rows = [p for p in waiting if _decides(user, p)]
    return rows[:shown], len(rows)


def templates(level: str | None = None) -> list[ProgrammeTemplate]:
    items = preset().programme_templates
    return [t for t in items if level is None or t.level == level]


def account_of(user: Actor) -> User | None:
    return user if isinstance(user, User) else None


def name_of(user: Actor) -> str:
    if isinstance(user, User):
        return user.get_full_name() or user.username
    return str(getattr(user, "label", "система"))


WORKING = (S.APPROVED, S.IN_FORCE)
