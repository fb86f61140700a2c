"""Registry pages: lists, details, htmx partials and edit rights per persona."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from shnor.registry.models import InfrastructureBody, School
from tests.conftest import World


def test_it_redirects_anonymous_users_to_login(client: Any, world: World) -> None:
    response = client.get(reverse("registry:schools"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_lists_only_schools_in_scope(login: Any, world: World) -> None:
    body = login("school").get(reverse("registry:schools")).content.decode()
    assert "Школа А1" in body and "Филиал А1" in body
    assert "Школа Б1" not in body and "Школа А2" not in body


def test_it_filters_and_sorts(login: Any, world: World) -> None:
    client = login("operator")
    body = client.get(reverse("registry:schools"), {"municipality": world.muni_b.pk}).content.decode()
    assert "Школа Б1" in body and "Школа А1" not in body
    body = client.get(reverse("registry:schools"), {"sort": "-enrollment"}).content.decode()
    assert body.index("Школа Б1") < body.index("Школа А2") < body.index("Школа А1")
    body = client.get(reverse("registry:schools"), {"small": "1"}).content.decode()
    assert "Филиал А1" in body and "Школа А1</a>" not in body


def test_it_returns_the_table_alone_to_htmx(login: Any, world: World) -> None:
    response = login("operator").get(
        reverse("registry:schools"), {"q": "А2"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="table"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="table"')
    assert "<html" not in body and "Школа А2" in body and "Школа А1" not in body


def test_it_formats_numbers_the_russian_way(login: Any, world: World) -> None:
    body = login("operator").get(reverse("registry:school", args=[world.b1.pk])).content.decode()
    assert "900" in body
    world.b1.enrollment = 1234
    world.b1.save()
    body = login("operator").get(reverse("registry:school", args=[world.b1.pk])).content.decode()
    assert "1\xa0234" in body
    # Coordinates with decimal commas are named, not joined by one more comma.
    School.objects.filter(pk=world.b1.pk).update(lat=49.27661, lon=41.24266)
    body = login("operator").get(reverse("registry:school", args=[world.b1.pk])).content.decode()
    assert "широта 49,27661; долгота 41,24266" in body


def test_it_hides_a_school_outside_the_scope(login: Any, world: World) -> None:
    assert login("school").get(reverse("registry:school", args=[world.b1.pk])).status_code == 404
    assert login("school").get(reverse("registry:school", args=[world.a1.pk])).status_code == 200


def test_it_lets_only_the_operator_edit_schools(login: Any, world: World) -> None:
    url = reverse("registry:school-edit", args=[world.a1.pk])
    assert login("school").get(url).status_code == 403
    assert login("coordinator").get(url).status_code == 403
    client = login("operator")
    data = {
        "school_id": "A001",
        "name": "Школа А1 имени Пушкина",
        "municipality": world.muni_a.pk,
        "locality": "rural",
        "enrollment": 310,
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    world.a1.refresh_from_db()
    assert world.a1.name == "Школа А1 имени Пушкина" and world.a1.enrollment == 310


def test_it_shows_form_errors_in_russian(login: Any, world: World) -> None:
    response = login("operator").post(reverse("registry:school-new"), {"school_id": "A002", "name": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Обязательное поле." in body
    assert "уже существует" in body


def test_it_lets_a_municipal_coordinator_edit_local_bodies_only(login: Any, world: World) -> None:
    client = login("municipal")
    url = reverse("registry:body-edit", args=[world.wg_a.pk])
    data = {
        "kind": "municipal_working_group",
        "name": "Рабочая группа А (новый состав)",
        "municipality": world.muni_a.pk,
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    world.wg_a.refresh_from_db()
    assert world.wg_a.name.endswith("(новый состав)")
    # Another municipality's body is out of scope; a regional one is visible but read-only.
    assert client.get(reverse("registry:body-edit", args=[world.wg_b.pk])).status_code == 404
    assert client.get(reverse("registry:body-edit", args=[world.rwg.pk])).status_code == 403
    # Creating a regional body (no municipality) is refused with a message, nothing is written.
    before = InfrastructureBody.objects.count()
    response = client.post(
        reverse("registry:body-new"),
        {"kind": "regional_working_group", "name": "Самозванная группа", "is_active": "on"},
    )
    assert response.status_code == 200 and "своего муниципалитета" in response.content.decode()
    assert InfrastructureBody.objects.count() == before


def test_it_lists_municipalities_with_counts(login: Any, world: World) -> None:
    body = login("operator").get(reverse("registry:municipalities")).content.decode()
    assert "Альфинский район" in body and "Бетинский район" in body
    body = login("operator").get(reverse("registry:municipality", args=[world.muni_a.pk])).content.decode()
    assert "Бетинский район" in body  # neighbour
    assert "Школа А2" in body and "Школа Б1" not in body


def test_it_lists_people_in_scope(login: Any, world: World) -> None:
    assert "Иванова" not in login("school").get(reverse("registry:people")).content.decode()
    assert "Иванова" in login("other_school").get(reverse("registry:people")).content.decode()


def test_it_renders_every_page_for_every_persona(client: Any, world: World) -> None:
    pages = [
        reverse("web:home"),
        reverse("registry:schools"),
        reverse("registry:municipalities"),
        reverse("registry:bodies"),
        reverse("registry:people"),
        reverse("accounts:profile"),
        reverse("accounts:password"),
        reverse("registry:body", args=[world.rwg.pk]),
    ]
    for user in world.users.values():
        client.force_login(user)
        for page in pages:
            assert client.get(page).status_code == 200, (user.username, page)


def test_it_counts_a_constant_number_of_queries_per_list(
    login: Any, world: World, django_assert_max_num_queries: Any
) -> None:
    client = login("operator")
    for i in range(30):
        School.objects.create(
            school_id=f"X{i:03d}", name=f"Школа Х{i}", municipality=world.muni_b, locality="city", enrollment=i
        )
    with django_assert_max_num_queries(12):
        client.get(reverse("registry:schools"))
