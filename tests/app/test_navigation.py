"""Each role's menu (issue 24): what the role uses, nothing it has no use for, and every item a page
the role may open."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import World

pytestmark = pytest.mark.django_db

PERSONAS = ("operator", "coordinator", "municipal", "school", "curator", "teacher", "observer")
REGION_WORK = {"Муниципалитеты", "Участники", "Цели и задачи", "Показатели системы", "Анализ",
               "Управленческие решения", "Рабочая группа", "Эффективность мер", "Доказательная база",
               "Документация API"}  # fmt: skip


def _menu(client: Client) -> list[tuple[str, str]]:
    context = client.get("/").context
    return [(i["label"], i["url"]) for s in context["nav_sections"] for i in s["items"]]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_sees_its_own_menu_and_every_item_opens(persona: str, world: World, login: Any) -> None:
    from shnor.staff.models import Teacher

    Teacher.objects.create(staff_key="TA001-001")  # the teacher's own record, where «Педагоги» takes them
    client = login(persona)
    menu = _menu(client)
    labels = {label for label, _ in menu}
    if persona == "teacher":
        assert [label for label, _ in menu] == ["Главная", "Школы", "Педагоги", "Уведомления", "Профиль и токены API"]
    elif persona in ("school", "curator"):
        assert not labels & REGION_WORK and {"Адресные рекомендации", "Программы и мониторинг"} <= labels
        assert "Циклограмма" not in labels  # the region's calendar of work
    elif persona == "observer":
        assert "Документация API" not in labels and "Загрузить файл" not in labels
    else:
        assert labels >= REGION_WORK
    for label, url in menu:
        if url.startswith("/api/"):
            continue
        status = client.get(url, follow=True).status_code
        assert status == 200, (persona, label, url, status)
