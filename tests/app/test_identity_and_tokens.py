"""Two findings of the adversarial probe (issue 20, «High»), each with a test that failed before:
a school could take over another school's teacher by naming the teacher's code, and API tokens
could not be issued or revoked from the profile page (a lazy request.user broke the journal)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shnor.accounts.models import ApiToken
from shnor.audit.models import AuditEntry
from shnor.staff import services as staff
from shnor.staff.models import StaffMember, Teacher
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_a_school_cannot_take_over_another_schools_teacher_by_code(world: World) -> None:
    operator = world.users["operator"]
    staff.add_staff(operator, world.b1, "TB001-001", position="учитель")
    head_of_a1 = world.users["school"]
    with pytest.raises(staff.TeacherError, match="принадлежит педагогу другой школы"):
        staff.add_staff(head_of_a1, world.a1, "TB001-001", position="учитель")
    assert list(StaffMember.objects.filter(teacher__staff_key="TB001-001").values_list("school", flat=True)) == [
        world.b1.pk
    ]


def test_a_school_cannot_take_over_the_code_of_a_teacher_who_left_another_school(world: World) -> None:
    operator = world.users["operator"]
    member = staff.add_staff(operator, world.b1, "TB001-002", position="учитель")
    member.is_active = False
    member.save()
    with pytest.raises(staff.TeacherError):
        staff.add_staff(world.users["school"], world.a1, "TB001-002", position="учитель")


def test_a_transfer_is_the_operators_act_and_is_journalled(world: World) -> None:
    operator = world.users["operator"]
    staff.add_staff(operator, world.b1, "TB001-003", position="учитель")
    staff.add_staff(operator, world.a1, "TB001-003", position="учитель")
    memberships = dict(StaffMember.objects.filter(teacher__staff_key="TB001-003").values_list("school", "is_active"))
    assert memberships == {world.b1.pk: False, world.a1.pk: True}
    teacher = Teacher.objects.get(staff_key="TB001-003")
    assert AuditEntry.objects.filter(object_id=str(teacher.pk), changes__has_key="перевод педагога").exists()


def test_the_api_refuses_a_foreign_teachers_code_to_a_school(world: World, client: Client) -> None:
    from shnor.accounts.services import issue_token

    staff.add_staff(world.users["operator"], world.b1, "TB001-004", position="учитель")
    _, key = issue_token(world.users["school"], "t")
    response = client.post(
        "/api/teachers",
        {"school_id": world.a1.school_id, "staff_key": "TB001-004", "position": "учитель"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code in (400, 409, 422), response.content
    assert not StaffMember.objects.filter(teacher__staff_key="TB001-004", school=world.a1).exists()


def _signed_in(client: Client, username: str) -> Client:
    """A real sign-in, so that the view gets the lazy request.user it gets in production."""
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ["operator", "municipal", "school", "teacher", "observer"])
def test_tokens_are_issued_and_revoked_from_the_profile_page(world: World, client: Client, role: str) -> None:
    page = _signed_in(client, role)
    issued = page.post(reverse("accounts:profile"), {"name": "выгрузка"})
    assert issued.status_code == 200
    token = ApiToken.objects.get(user=world.users[role])
    key = issued.content.decode().split("shnor_", 1)[1].split("<", 1)[0].split('"', 1)[0].strip()
    assert Client().get("/api/me", headers={"Authorization": f"Bearer shnor_{key}"}).status_code == 200
    revoked = page.post(reverse("accounts:profile"), {"revoke": str(token.pk)})
    assert revoked.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert Client().get("/api/me", headers={"Authorization": f"Bearer shnor_{key}"}).status_code == 401
    changes = str(
        list(AuditEntry.objects.filter(object_id=str(world.users[role].pk)).values_list("changes", flat=True))
    )
    assert "токен API выпущен" in changes and "токен API отозван" in changes and key not in changes
    assert page.post(reverse("accounts:profile"), {"revoke": "abc"}).status_code == 302


def test_a_password_change_or_a_deactivation_ends_the_tokens(world: World) -> None:
    from shnor.accounts.services import issue_token

    user: Any = world.users["municipal"]
    issue_token(user, "a")
    user.set_password("another-correct-horse-7")
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    issue_token(user, "b")
    user.is_active = False
    user.save()
    assert not ApiToken.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(object_id=str(user.pk), changes__has_key="токен API отозван").count() == 2


def test_a_token_deleted_in_the_admin_is_journalled(world: World, client: Client) -> None:
    from shnor.accounts.services import issue_token

    token, _ = issue_token(world.users["school"], "admin-test")
    page = _signed_in(client, "operator")
    response = page.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditEntry.objects.filter(
        object_id=str(world.users["school"].pk), changes__has_key="токен API отозван"
    ).exists()
