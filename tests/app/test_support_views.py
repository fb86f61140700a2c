"""Risk-profile, questionnaire and programme pages through the web client: scoping, forms, files."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from shnor.accounts.services import SystemUser
from shnor.datasets.models import SurveyValue
from shnor.programmes import services as programmes
from shnor.programmes.models import Activity, Programme
from shnor.risks import services as risks
from shnor.risks.models import Profile

pytestmark = pytest.mark.django_db


def _profile(world: Any) -> None:
    for code, value in {"R01.1": 2.0, "R01.2": 2.0, "R01.3": 4.0}.items():
        SurveyValue.objects.create(year=2026, school=world.a1, parameter=code, value=value, respondents=1)
    risks.build(SystemUser("тест"), 2026)


def test_profile_pages_and_documents(world: Any, login: Any) -> None:
    _profile(world)
    client = login("school")
    page = client.get(reverse("risks:profile", args=[world.a1.pk, 2026]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Низкий уровень оснащения школы" in html and 'data-factor="R01"' in html
    assert client.get(reverse("risks:profile", args=[world.b1.pk, 2026])).status_code == 404
    docx = client.get(reverse("risks:docx", args=[world.a1.pk, 2026]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    pdf = client.get(reverse("risks:pdf", args=[world.a1.pk, 2026]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Рисковый профиль школы за 2026 год" in text and "Учебные материалы" in text
    regional = login("coordinator").get(reverse("risks:regional") + "?year=2026")
    assert regional.status_code == 200 and "Альфинский район" in regional.content.decode()
    # A heat map: each cell shaded by the municipality's share of schools with the risk high (of 4 bands).
    assert re.search(r'<td class="num heat-[0-4]">', regional.content.decode())
    # The list of profiles is searched and paged (50 a page), not printed whole.
    coordinator = login("coordinator")
    found = coordinator.get(reverse("risks:regional"), {"year": 2026, "q": world.a1.name}).context["page"]
    assert [p.school_id for p in found] == [world.a1.pk]
    assert not coordinator.get(reverse("risks:regional"), {"year": 2026, "q": "нет такой"}).context["page"].object_list
    assert coordinator.get(reverse("risks:regional"), {"year": 2026}).context["page"].paginator.per_page == 50


def test_build_requires_the_permission(world: Any, login: Any) -> None:
    assert login("school").post(reverse("risks:regional") + "?year=2026").status_code == 403
    SurveyValue.objects.create(year=2026, school=world.a1, parameter="R01.1", value=1.0)
    response = login("operator").post(reverse("risks:regional") + "?year=2026")
    assert response.status_code == 302 and Profile.objects.count() == 1


def test_questionnaire_form_is_public_and_counts_once(world: Any, login: Any, client: Any) -> None:
    school = login("school")
    school.post(reverse("risks:questionnaires", args=[world.a1.pk, 2026]))
    page = school.get(reverse("risks:profile", args=[world.a1.pk, 2026])).content.decode()
    link = re.search(r'data-testid="q-link-students">[^<]*?(/q/[^<]+/)<', page)
    assert link is not None
    url = link.group(1)
    school.logout()
    form = client.get(url)
    assert form.status_code == 200 and "Насколько вам интересно учиться в школе?" in form.content.decode()
    field = re.search(r'name="nonce" value="([^"]+)"', form.content.decode())
    assert field is not None
    nonce = field.group(1)
    done = client.post(url, {"nonce": nonce, "R06.2": "2", "R07.1": "yes"})
    assert "Ваши ответы получены" in done.content.decode()
    again = client.post(url, {"nonce": nonce, "R06.2": "5"})
    assert again.status_code == 400 and "уже получен" in again.content.decode()
    bad = client.post(
        url, {"nonce": client.get(url).content.decode().split('name="nonce" value="')[1].split('"')[0], "R06.2": "9"}
    )
    assert "R06.2: 9 — вне допустимого диапазона 1–5" in bad.content.decode()
    assert Profile.objects.get(school=world.a1, year=2026).parameters["R06.2"]["value"] == 2.0
    assert client.get("/q/no-such-token/").status_code == 404


def test_programme_pages(world: Any, login: Any) -> None:
    client = login("school")
    page = client.get(reverse("programmes:new"))
    assert "Программа повышения качества образования" in page.content.decode()
    # A school's programme is its own or its branch's: no municipality to ask, the school among its own.
    form = page.context["form"]
    assert "municipality" not in form.fields
    assert set(form.fields["school"].queryset) == {world.a1, world.a1_branch}
    assert {"school", "municipality"} <= set(login("operator").get(reverse("programmes:new")).context["form"].fields)
    assert not {"school", "municipality"} & set(
        login("municipal").get(reverse("programmes:new")).context["form"].fields
    )
    client = login("school")
    response = client.post(reverse("programmes:new"), {"template": "volgograd-school-pko", "start": "2026-01-01"})
    programme = Programme.objects.get()
    assert response.status_code == 302 and programme.school == world.a1
    detail = client.get(reverse("programmes:detail", args=[programme.pk])).content.decode()
    assert "Анализ рискового профиля школы" in detail and 'data-action="submit"' in detail
    # The edit form saves the programme with its formsets.
    edit = client.get(reverse("programmes:edit", args=[programme.pk])).content.decode()
    assert 'name="act-TOTAL_FORMS"' in edit
    activity = programme.activities.order_by("position").first()
    assert activity is not None
    response = client.post(
        reverse("programmes:activity", args=[programme.pk, activity.pk]), {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-status="done"' in response.content.decode()
    evidence = client.post(
        reverse("programmes:evidence", args=[programme.pk, activity.pk]),
        {"title": "Протокол педсовета", "file": io.BytesIO(b"%PDF-1.4 test")},
    )
    assert evidence.status_code == 302 and activity.evidence.count() == 1
    # Another school sees nothing; the operator sees the list and the overview.
    assert login("other_school").get(reverse("programmes:detail", args=[programme.pk])).status_code == 404
    listing = login("coordinator").get(reverse("programmes:list")).content.decode()
    assert "Альфинский район" in listing
    assert (
        login("curator").post(reverse("programmes:transition", args=[programme.pk]), {"action": "take"}).status_code
        == 404
    )


def test_programme_list_query_count_does_not_grow(world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        programmes.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 1, 1))
    client = login("coordinator")
    client.get(reverse("programmes:list"))
    with django_assert_max_num_queries(20):
        client.get(reverse("programmes:list"))
    assert Activity.objects.count() == 21


def test_notifications_page(world: Any, login: Any) -> None:
    from shnor.accounts.services import notify

    notify([world.users["school"]], "Проверьте программу", "/programmes/")
    client = login("school")
    home = client.get("/").content.decode()
    assert "Уведомления (1)" in home
    page = client.get(reverse("accounts:notifications")).content.decode()
    assert "Проверьте программу" in page
    client.post(reverse("accounts:notifications"))
    assert "Уведомления (1)" not in client.get("/").content.decode()


def test_api(world: Any, client: Any) -> None:
    from shnor.accounts.services import issue_token

    _profile(world)
    _, token = issue_token(world.users["municipal"], "t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listing = client.get("/api/risks/profiles?year=2026&fixed=R01", **auth).json()
    assert [p["school_id"] for p in listing["items"]] == ["A001"]
    one = client.get("/api/risks/profiles/A001/2026", **auth).json()
    assert one["factors"]["R01"]["level"] == "high"
    assert client.get("/api/risks/profiles/B001/2026", **auth).status_code == 404
    programme = programmes.create(
        world.users["school"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 1, 1)
    )
    _, school_token = issue_token(world.users["school"], "t")
    sauth = {"HTTP_AUTHORIZATION": f"Bearer {school_token}"}
    detail = client.get(f"/api/programmes/{programme.pk}", **sauth).json()
    assert len(detail["activities"]) == 7 and detail["status"] == "draft"
    moved = client.post(
        f"/api/programmes/{programme.pk}/transitions", {"action": "submit"}, content_type="application/json", **sauth
    )
    assert moved.status_code == 200 and moved.json()["status"] == "submitted"
    again = client.post(
        f"/api/programmes/{programme.pk}/transitions", {"action": "submit"}, content_type="application/json", **sauth
    )
    assert again.status_code == 409 and "невозможно" in again.json()["detail"]
    denied = client.post(
        f"/api/programmes/{programme.pk}/transitions", {"action": "approve"}, content_type="application/json", **sauth
    )
    assert denied.status_code == 403
    assert (
        client.get(f"/api/programmes/{programme.pk}", HTTP_AUTHORIZATION=auth["HTTP_AUTHORIZATION"]).status_code == 200
    )
