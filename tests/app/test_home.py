"""The home page sums up the user's own scope."""

from typing import Any

from django.urls import reverse

from tests.conftest import World


def test_it_counts_the_scope_of_a_school(login: Any, world: World) -> None:
    response = login("school").get(reverse("web:home"))
    assert response.context["summary"]["schools"] == 2
    assert response.context["summary"]["pupils"] == 320
    assert response.context["summary"]["small"] == 1


def test_it_counts_the_region_for_the_operator(login: Any, world: World) -> None:
    summary = login("operator").get(reverse("web:home")).context["summary"]
    assert (summary["schools"], summary["pupils"], summary["municipalities"]) == (4, 2020, 2)


def test_it_answers_the_health_check(client: Any, db: Any) -> None:
    body = client.get(reverse("web:healthz")).json()
    assert (body["status"], body["database"], body["store"]) == ("ok", "ok", "ok")


def test_it_shows_the_audit_menu_to_the_operator_only(login: Any, world: World) -> None:
    assert "Журнал изменений" in login("operator").get(reverse("web:home")).content.decode()
    assert "Журнал изменений" not in login("municipal").get(reverse("web:home")).content.decode()


def test_the_navigation_marks_one_current_page(world: Any, login: Any) -> None:
    """The cyclogram lives at /cycle/, a prefix of every cycle page: only the longest match is current."""
    import re

    page = login("operator").get("/cycle/decisions/").content.decode()
    assert re.findall(r'aria-current="page">([^<]+)<', page) == ["Управленческие решения"]
    page = login("operator").get("/cycle/").content.decode()
    assert re.findall(r'aria-current="page">([^<]+)<', page) == ["Циклограмма"]
