"""Issue 20: the anonymous questionnaire links were shown to read-only roles on a school's
risk-profile page, the observer's answer to the parents' form was stored, and one client's ten
answers were all taken. Now: the link to those who publish it; a signed-in account answers only its
own group's form of its own school; `SHNOR_ANSWERS_PER_ADDRESS_HOUR` answers per address and hour,
the address kept only as an HMAC."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shnor.risks import services as risks
from shnor.risks.models import AnswerCount, QuestionnaireLink, QuestionnaireResponse
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _links(world: World) -> dict[str, QuestionnaireLink]:
    return {link.group: link for link in risks.publish(world.users["school"], world.a1, 2026)}


def _answer(client: Client, link: QuestionnaireLink, **extra: Any) -> Any:
    url = reverse("questionnaire:answer", args=[link.token])
    form = client.get(url, **extra).content.decode()
    nonce = re.search(r'name="nonce" value="([^"]+)"', form)
    code = risks.questions(link)[0].code
    value = "yes" if risks.questions(link)[0].answer == "yes_no" else "3"
    return client.post(url, {"nonce": nonce.group(1) if nonce else "", code: value}, **extra)


def test_the_link_is_shown_to_those_who_publish_it(world: World, login: Any) -> None:
    _links(world)
    page = reverse("risks:profile", args=[world.a1.pk, 2026])
    seen = {}
    for role in ("school", "operator", "municipal", "observer", "curator", "coordinator"):
        response = login(role).get(page)
        if response.status_code == 200:
            seen[role] = "/q/" in response.content.decode()
    assert seen["school"] and seen["operator"] and seen["municipal"]
    assert seen["coordinator"] and not seen["observer"] and not seen.get("curator")
    assert "ссылку передаёт школа" in login("observer").get(page).content.decode()


def test_an_account_answers_only_its_own_groups_form(world: World, login: Any) -> None:
    links = _links(world)
    refused = _answer(login("observer"), links["parents"])
    assert (
        refused.status_code in (200, 400) and "Вы вошли в систему как пользователь с ролью" in refused.content.decode()
    )
    assert not QuestionnaireResponse.objects.exists()
    teacher = login("teacher")
    assert "Вы вошли в систему" in _answer(teacher, links["parents"]).content.decode()
    assert "Ваши ответы получены" in _answer(teacher, links["teachers"]).content.decode()
    assert "Ваши ответы получены" in _answer(login("school"), links["director"]).content.decode()
    assert "Ваши ответы получены" in _answer(Client(), links["parents"]).content.decode()  # no account
    assert QuestionnaireResponse.objects.count() == 3
    # The service holds the rule too, whatever page calls it.
    with pytest.raises(risks.QuestionnaireError, match="вошли в систему"):
        risks.submit(links["students"].token, risks.issue_nonce(links["students"]), {}, user=world.users["operator"])


def test_one_address_is_capped_per_hour_and_not_kept(world: World, settings: Any) -> None:
    settings.SHNOR_ANSWERS_PER_ADDRESS_HOUR = 3
    link = _links(world)["students"]
    one = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        assert "Ваши ответы получены" in _answer(one, link).content.decode()
    fourth = _answer(one, link)
    assert fourth.status_code == 400 and "С этого адреса за час получено 3 ответов" in fourth.content.decode()
    assert "Ваши ответы получены" in _answer(Client(REMOTE_ADDR="203.0.113.6"), link).content.decode()
    assert QuestionnaireResponse.objects.count() == 4
    assert not AnswerCount.objects.filter(client__contains="203.0.113").exists()  # an HMAC, not the address
    assert sorted(AnswerCount.objects.values_list("count", flat=True)) == [1, 3]
