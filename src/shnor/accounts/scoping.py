"""The one scoping mechanism: every query of domain data passes through `restrict`.

A model takes part by being listed in SCOPE_RULES with the paths from it to a school and to a
municipality. Pages, the API, exports and search all call `restrict`, so nothing reaches a
user outside their scope by another road.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from shnor.accounts.roles import REGION_WIDE_ROLES, Role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What a user may see: the whole region, or sets of municipalities and schools."""

    region_wide: bool
    municipality_ids: frozenset[int] = frozenset()
    school_ids: frozenset[int] = frozenset()
    # A teacher: rows about teachers are narrowed to this pseudonym (their own record).
    staff_key: str = ""

    def describe(self) -> str:
        if self.region_wide:
            return "весь регион"
        parts = []
        if self.municipality_ids:
            parts.append(f"муниципалитетов: {len(self.municipality_ids)}")
        if self.school_ids:
            parts.append(f"школ: {len(self.school_ids)}")
        return ", ".join(parts) or "нет доступа к данным"


@dataclass(frozen=True)
class ScopeRule:
    """Paths (Django lookups) from a model to the school and municipality it belongs to.

    `shared_when_unbound`: rows bound to neither (e.g. a regional working group) are visible to
    every signed-in user, because they are the region's public structure.
    `teacher`: paths to a teacher's pseudonym; a user with the teacher role sees only the rows
    about themself (docs/guide/support.md), never a colleague's.
    `public`: every signed-in user sees every row (a catalogue the region publishes).
    `teacher_sees`: a teacher sees the rows of their school — its general information (the
    registry's card, its structures, events, practices, goals). Without it (and without `teacher`
    paths) a teacher sees only the region's unbound shared rows: not the school's risk profile, its
    identification results, its programme, its curator pair's journal (issue 20; docs/guide/support.md).
    """

    school: tuple[str, ...] = ()
    municipality: tuple[str, ...] = ()
    distinct: bool = False
    shared_when_unbound: bool = False
    teacher: tuple[str, ...] = ()
    public: bool = False
    teacher_sees: bool = False


SCOPE_RULES: dict[str, ScopeRule] = {}


def register(model_label: str, rule: ScopeRule) -> None:
    SCOPE_RULES[model_label] = rule


def _nothing_curated(user: Any) -> set[int]:
    return set()


# The schools a curator account supports beyond its own and its assigned ones: its approved pairs,
# a rule of the support app, which lies above this one and hands it in (support/scopes.py).
_curated_by: Callable[[Any], set[int]] = _nothing_curated


def register_curated(rule: Callable[[Any], set[int]]) -> None:
    global _curated_by
    _curated_by = rule


def scope_of(user: Any) -> Scope:
    """The scope of a user, cached on the user object for the request."""
    cached = getattr(user, "_shnor_scope", None)
    if isinstance(cached, Scope):
        return cached
    scope = _compute(user)
    user._shnor_scope = scope
    return scope


def _compute(user: Any) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope(region_wide=False)
    role = Role(user.role)
    if role in REGION_WIDE_ROLES:
        return Scope(region_wide=True)
    from shnor.registry.models import School

    schools: set[int] = set()
    municipalities: set[int] = set()
    if role == Role.MUNICIPAL_COORDINATOR and user.municipality_id:
        municipalities.add(user.municipality_id)
    elif role == Role.SCHOOL and user.school_id:
        schools.add(user.school_id)
        # A school's management team also runs its branches (филиалы).
        schools.update(School.objects.filter(parent_id=user.school_id).values_list("pk", flat=True))
    elif role == Role.TEACHER:
        if user.school_id:
            schools.add(user.school_id)
        return Scope(False, frozenset(), frozenset(schools), staff_key=user.staff_key or "\x00")
    elif role == Role.CURATOR:
        if user.school_id:
            schools.add(user.school_id)
        schools.update(user.assigned_schools.values_list("pk", flat=True))
        schools.update(_curated_by(user))
    elif role == Role.OBSERVER:
        if user.municipality_id:
            municipalities.add(user.municipality_id)
        schools.update(user.assigned_schools.values_list("pk", flat=True))
        if not municipalities and not schools:
            return Scope(region_wide=True)
    return Scope(False, frozenset(municipalities), frozenset(schools))


def sees_rows_of(model: type[Model], user: Any, school_pk: int) -> bool:
    """Whether `user` sees rows of `model` bound to this school (a page about the school's rows of
    that kind answers 404 otherwise, rather than «nothing yet», which would not be true)."""
    from shnor.registry.models import School

    rule = SCOPE_RULES[model._meta.label]
    scope = scope_of(user)
    if rule.public or scope.region_wide:
        return getattr(user, "is_authenticated", False)
    if scope.staff_key and not rule.teacher_sees and not rule.teacher:
        return False
    return restrict(School.objects.filter(pk=school_pk), user).exists()


def restrict(queryset: QuerySet[M], user: Any) -> QuerySet[M]:
    """Narrow `queryset` to the rows `user` may see. Unregistered models are refused."""
    model = queryset.model
    label = model._meta.label
    rule = SCOPE_RULES.get(label)
    if rule is None:
        raise LookupError(f"{label} has no scope rule; register one in its app's scopes module")
    if rule.public:
        return queryset if getattr(user, "is_authenticated", False) else queryset.none()
    scope = scope_of(user)
    if scope.region_wide:
        return queryset
    if scope.staff_key and rule.teacher:
        mine = Q(pk__in=[])
        for path in rule.teacher:
            mine |= Q(**{path: scope.staff_key})
        narrowed = queryset.filter(mine)
        return narrowed.distinct() if rule.distinct else narrowed
    if scope.staff_key and not rule.teacher_sees:
        scope = Scope(False)  # a teacher: only the region's shared rows of such a model
    condition = Q(pk__in=[])
    if scope.school_ids:
        for path in rule.school:
            condition |= Q(**{f"{path}__in": scope.school_ids})
    if scope.municipality_ids:
        for path in rule.municipality:
            condition |= Q(**{f"{path}__in": scope.municipality_ids})
    if rule.shared_when_unbound and getattr(user, "is_authenticated", False):
        # Only the direct paths (the first of each) decide whether a row is bound at all.
        unbound = Q()
        if rule.school:
            unbound &= Q(**{f"{rule.school[0]}__isnull": True})
        if rule.municipality:
            unbound &= Q(**{f"{rule.municipality[0]}__isnull": True})
        condition |= unbound
    narrowed = queryset.filter(condition)
    return narrowed.distinct() if rule.distinct else narrowed
