"""One scoping mechanism: each role sees exactly the schools its scope names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

import pytest
from django.contrib.auth.models import AnonymousUser

from shnor.accounts.scoping import restrict, scope_of
from shnor.registry import services
from shnor.registry.models import School
from tests.conftest import World

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import WithAnnotations

    from shnor.registry.models import Municipality


class _Counts(TypedDict):
    n_schools: int
    n_pupils: int


def _codes(world: World, name: str) -> set[str]:
    return set(services.schools(world.users[name]).values_list("school_id", flat=True))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("operator", {"A001", "A001F", "A002", "B001"}),
        ("coordinator", {"A001", "A001F", "A002", "B001"}),
        ("municipal", {"A001", "A001F", "A002"}),
        ("school", {"A001", "A001F"}),  # a school runs its branches
        ("other_school", {"B001"}),
        ("curator", {"B001", "A002"}),  # own school and the supported one
        ("teacher", {"A001"}),
        ("observer", {"A001", "A001F", "A002"}),
    ],
)
def test_it_limits_schools_to_the_scope(world: World, persona: str, expected: set[str]) -> None:
    assert _codes(world, persona) == expected


def test_it_shows_nothing_to_an_anonymous_user(world: World) -> None:
    assert not restrict(School.objects.all(), AnonymousUser()).exists()


def test_it_shows_regional_bodies_to_everybody_and_local_ones_locally(world: World) -> None:
    seen = set(services.bodies(world.users["school"]).values_list("name", flat=True))
    assert seen == {"Региональная рабочая группа", "Рабочая группа А"}
    seen = set(services.bodies(world.users["other_school"]).values_list("name", flat=True))
    assert seen == {"Региональная рабочая группа", "Рабочая группа Б"}


def test_it_shows_a_school_its_own_municipality_only(world: World) -> None:
    assert list(services.municipalities(world.users["school"]).values_list("code", flat=True)) == ["A"]
    assert set(services.municipalities(world.users["curator"]).values_list("code", flat=True)) == {"A", "B"}


def test_it_refuses_a_model_without_a_rule(world: World) -> None:
    from shnor.audit.models import AuditEntry

    with pytest.raises(LookupError, match="no scope rule"):
        restrict(AuditEntry.objects.all(), world.users["operator"])


def test_it_describes_the_scope_in_russian(world: World) -> None:
    assert scope_of(world.users["operator"]).describe() == "весь регион"
    assert scope_of(world.users["school"]).describe() == "школ: 2"
    assert scope_of(world.users["municipal"]).describe() == "муниципалитетов: 1"


def test_it_gives_an_observer_without_a_chosen_scope_the_region(world: World) -> None:
    observer = world.users["observer"]
    observer.municipality = None
    observer.save()
    observer.refresh_from_db()
    assert scope_of(observer).region_wide


def _counts(user: Any) -> dict[str, tuple[int, int]]:
    # The service annotates `n_schools` and `n_pupils`; its return type does not say so.
    municipalities = cast("QuerySet[WithAnnotations[Municipality, _Counts]]", services.municipalities_with_counts(user))
    return {m.code: (m.n_schools, m.n_pupils) for m in municipalities}


def test_it_counts_only_schools_in_scope_per_municipality(world: World) -> None:
    rows = _counts(world.users["school"])
    assert rows == {"A": (2, 320)}  # not the 3 schools and 1 120 pupils of the whole municipality
    rows = _counts(world.users["operator"])
    assert rows == {"A": (3, 1120), "B": (1, 900)}
