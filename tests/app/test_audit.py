"""Every create, update and delete of a domain object leaves who, when, what and from where."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from shnor.audit.context import Acting, acting_as
from shnor.audit.models import AuditEntry
from shnor.registry.models import Person, School
from tests.conftest import World


def _entries(obj: Any) -> list[AuditEntry]:
    ct = ContentType.objects.get_for_model(type(obj))
    return list(AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).order_by("at", "pk"))


def test_it_records_create_update_delete_with_before_and_after(world: World) -> None:
    operator = world.users["operator"]
    with acting_as(Acting(operator, "web", "10.0.0.1")):
        person = Person.objects.create(full_name="Петров Пётр", position="методист")
        person.position = "старший методист"
        person.save()
        person.save()  # no change, no entry
        pk = person.pk
        person.delete()
    person.pk = pk
    created, updated, deleted = _entries(person)
    assert (created.action, updated.action, deleted.action) == ("create", "update", "delete")
    assert updated.changes == {"position": ["методист", "старший методист"]}
    assert (updated.actor, updated.actor_repr, updated.source, updated.ip) == (operator, "operator", "web", "10.0.0.1")
    assert deleted.changes["full_name"] == ["Петров Пётр", None]


def test_it_records_web_edits_with_the_user(login: Any, world: World) -> None:
    login("operator").post(
        reverse("registry:school-edit", args=[world.b1.pk]),
        {
            "school_id": "B001",
            "name": "Школа Б1",
            "municipality": world.muni_b.pk,
            "locality": "rural",
            "enrollment": 900,
            "is_active": "on",
        },
    )
    entry = _entries(world.b1)[-1]
    assert (entry.source, entry.actor_repr, entry.changes) == ("web", "operator", {"locality": ["city", "rural"]})


def test_it_never_copies_a_password(world: World) -> None:
    user = world.users["teacher"]
    user.set_password("another-secret-phrase-1")
    user.save()
    entry = _entries(user)[-1]
    assert entry.changes == {"password": ["••••••", "изменён"]}
    assert "another-secret" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_it_records_many_to_many_changes(world: World) -> None:
    curator = world.users["curator"]
    curator.assigned_schools.add(world.a1)
    entry = _entries(curator)[-1]
    assert entry.changes == {"assigned_schools": [None, {"добавлено": [world.a1.pk]}]}


def test_it_records_system_actions_without_a_user(world: World) -> None:
    school = School.objects.create(school_id="Z1", name="Новая", municipality=world.muni_a, locality="city")
    entry = _entries(school)[0]
    assert (entry.actor, entry.actor_repr, entry.source) == (None, "система", "system")


def test_it_shows_the_searchable_log_to_the_operator_only(login: Any, world: World) -> None:
    assert login("coordinator").get(reverse("audit:list")).status_code == 403
    client = login("operator")
    body = client.get(reverse("audit:list"), {"q": "Школа Б1"}).content.decode()
    assert "Школа Б1" in body and "Школа А2" not in body
    # Changes read as words: the field's Russian name, a choice by its label, a link by its number.
    from shnor.audit.models import AuditEntry
    from shnor.audit.templatetags.audit_tags import change_lines

    entry = AuditEntry.objects.filter(content_type__model="school").first()
    assert entry is not None
    entry.changes = {"name": ["Школа", "Школа Б1"], "locality": ["city", "rural"], "municipality_id": [None, 3]}
    assert change_lines(entry) == ["наименование ОО: Школа → Школа Б1", "тип местности: город → село",
                                   "муниципалитет: — → № 3"]  # fmt: skip
    assert change_lines({"run": [None, 5], "odd_key": 1}) == ["расчёт: — → 5", "odd_key: — → 1"]  # a bare dict
    # A field whose name ends in «_id» is itself (the school's code), and only a link's column is a number.
    entry.changes = {"school_id": ["A001", "A002"], "created_by_id": None}
    assert change_lines(entry)[0] == "код ОО: A001 → A002"
    body = client.get(reverse("registry:school", args=[world.b1.pk])).content.decode()
    assert "История изменений" in body
    assert (
        "История изменений"
        not in login("other_school").get(reverse("registry:school", args=[world.b1.pk])).content.decode()
    )


# Models whose rows are not journalled row by row, and why. Every other model of the region's data
# and of the accounts is tracked by the audit signals; a new model must be one or the other.
NOT_ROW_BY_ROW = {
    "accounts.ApiToken": "issue and revoke (any deletion, the admin's too) are journalled on the user; the key is never",
    "accounts.LoginFailure": "it is itself the log of failed sign-ins",
    "accounts.Notification": "messages the system leaves; the action that caused one is journalled",
    "cycle.Reminder": "marks of reminders sent by `shnor remind`",
    "datasets.ImportRun": "the import's own record; applied and rolled back imports are journalled per run",
    "datasets.OversightSignal": "written only by imports (in bulk), journalled per import run",
    "datasets.SocialRecord": "written only by imports (in bulk), journalled per import run",
    "datasets.SurveyValue": "written only by imports (in bulk), journalled per import run",
    "identification.Run": "journalled as «identify» when it ends: its results saved, or failed with the reason",
    "identification.SchoolResult": "computed by a run, journalled with the run",
    "identification.Component": "computed by a run, journalled with the run",
    "identification.Sign": "computed by a run; a person's review of a sign is journalled as «review»",
    "identification.ListChange": "journalled as it is made (identification.services)",
    "programmes.Transition": "itself the log of a programme's states; each is journalled on the programme",
    "risks.Profile": "computed; each build is journalled once (risks.services.build)",
    "risks.QuestionnaireResponse": "anonymous answers: a journal entry would tie an answer to a time",
    "risks.AnswerCount": "the per-address cap's hourly counts of anonymous answers: journalling them would tie an answer to a time",
}


def test_every_model_is_journalled_or_says_why_not() -> None:
    from django.apps import apps

    from shnor.audit.tracking import tracked_models
    from shnor.audit.versioning import DOMAIN_APPS

    tracked = {m._meta.label for m in tracked_models()}
    models = {m._meta.label for m in apps.get_models() if m._meta.app_label in (*DOMAIN_APPS, "accounts")}
    assert models - tracked - set(NOT_ROW_BY_ROW) == set(), "track the model or say in NOT_ROW_BY_ROW why not"
    assert set(NOT_ROW_BY_ROW) & tracked == set() and set(NOT_ROW_BY_ROW) <= models


def test_a_token_issued_and_revoked_is_journalled_without_its_key(world: World) -> None:
    from shnor.accounts.services import issue_token, revoke_token
    from shnor.audit.models import AuditEntry

    token, key = issue_token(world.users["school"], "выгрузка")
    revoke_token(world.users["school"], token.pk)
    entries = list(
        AuditEntry.objects.filter(object_repr__contains="school").order_by("pk").values_list("changes", flat=True)
    )
    text = str(entries)
    assert "токен API выпущен" in text and "токен API отозван" in text and key not in text
