"""Risk profiles and questionnaires through the service layer (real database)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from docx import Document as Docx

from shnor.accounts.services import SystemUser
from shnor.datasets.models import SocialRecord, SurveyValue
from shnor.risks import services
from shnor.risks.models import Profile
from shnor.staff.models import Diagnostic, StaffMember, Teacher

pytestmark = pytest.mark.django_db
SYSTEM = SystemUser("тест")


def _survey(school: Any, year: int, **values: float) -> None:
    for code, value in values.items():
        SurveyValue.objects.create(
            year=year, school=school, parameter=code.replace("_", "."), value=value, respondents=10
        )


def test_profiles_from_survey_social_and_diagnostics(world: Any) -> None:
    # A1: poor equipment (R01.1, R01.2 low, R01.3 fine) → 2 of 3 measured → high; many pupils with
    # disabilities (derived from social data); teachers' diagnostics 50 % (derived) → past 0.6.
    _survey(world.a1, 2026, R01_1=2.0, R01_2=2.5, R01_3=4.0)
    _survey(world.a2, 2026, R01_1=4.0, R01_2=4.5, R01_3=4.0)
    SocialRecord.objects.create(
        year=2026,
        school=world.a1,
        students=300,
        share_parents_no_higher_ed=0.5,
        share_unemployed_parents=0.1,
        share_on_register=0.02,
        share_disabilities=0.2,
    )
    t = Teacher.objects.create(staff_key="T1")
    StaffMember.objects.create(teacher=t, school=world.a1, position="учитель")
    Diagnostic.objects.create(teacher=t, year=2026, area="subject", score=5, max_score=10)
    assert services.build(SYSTEM, 2026) == 2
    p = Profile.objects.get(school=world.a1, year=2026)
    assert p.factors["R01"] == {"level": "high", "past": 2, "measured": 3, "fixed": True}
    assert p.parameters["R04.1"]["value"] == pytest.approx(0.2) and p.parameters["R04.1"]["past"] is True
    assert p.parameters["R03.1"]["value"] == pytest.approx(0.5)
    # Regional median of R01.1 over the two schools: (2 + 4) / 2.
    assert p.parameters["R01.1"]["median"] == pytest.approx(3.0)
    assert p.fixed == ["R01", "R03", "R04"]
    a2 = Profile.objects.get(school=world.a2, year=2026)
    assert a2.factors["R01"]["level"] == "low" and a2.fixed == []


def test_scope_and_permission(world: Any) -> None:
    _survey(world.a1, 2026, R01_1=2.0)
    _survey(world.b1, 2026, R01_1=2.0)
    with pytest.raises(PermissionDenied):
        services.build(world.users["school"], 2026)
    services.build(world.users["operator"], 2026)
    assert set(services.profiles(world.users["municipal"], 2026).values_list("school__school_id", flat=True)) == {
        "A001"
    }
    with pytest.raises(Profile.DoesNotExist):
        services.profile_for(world.users["school"], world.b1.pk, 2026)
    table = services.regional(world.users["coordinator"], 2026)
    assert table["schools"] == 2
    r01 = [f.code for f in table["factors"]].index("R01")
    assert table["totals"][r01] == [2, 0]
    # Each district's one school has R01 high: the whole district, the darkest shade.
    assert {name: cells[r01] for name, _, cells in table["rows"]} == {
        world.muni_a.name: (1, 0, 4),
        world.muni_b.name: (1, 0, 4),
    }


def test_change_since_previous_profile_and_document(world: Any) -> None:
    _survey(world.a1, 2025, R01_1=2.0, R01_2=2.0, R01_3=2.0)
    _survey(world.a1, 2026, R01_1=4.0, R01_2=2.0, R01_3=4.0)
    services.build(SYSTEM, 2025)
    services.build(SYSTEM, 2026)
    view = services.profile_for(world.users["school"], world.a1.pk, 2026)
    r01 = view.rows()[0]
    assert (r01["before"], r01["level"], r01["change"]) == ("high", "medium", -1)
    from django.utils import timezone

    from shnor.documents import risks as documents

    content = documents.profile(view, "Комитет", timezone.localdate())
    doc = Docx(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Рисковый профиль школы за 2026 год" in text and "Школа А1" in text
    cells = [c.text for c in doc.tables[0].rows[1].cells]
    assert cells[:3] == ["Низкий уровень оснащения школы", "Учебные материалы", "4,00"]
    assert "средний" in cells[6]
    changes = doc.tables[1]
    assert [c.text for c in changes.rows[1].cells] == [
        "Низкий уровень оснащения школы",
        "высокий",
        "средний",
        "риск снизился",
    ]


def _form(link: Any, **answers: str) -> Any:
    return services.submit(link.token, services.issue_nonce(link), answers)


def test_questionnaires_feed_the_profile(world: Any) -> None:
    links = {q.group: q for q in services.publish(world.users["school"], world.a1, 2026)}
    assert set(links) == {"director", "teachers", "students", "parents"}
    _form(links["director"], **{"R01.1": "1", "R01.2": "2", "R01.3": "5", "R02.1": "20"})
    p = Profile.objects.get(school=world.a1, year=2026)
    assert p.factors["R01"]["level"] == "high"
    assert p.parameters["R02.1"]["value"] == pytest.approx(0.2)
    # Students: the share of «yes» about bullying over two answers.
    _form(links["students"], **{"R07.1": "yes", "R06.2": "2"})
    _form(links["students"], **{"R07.1": "no", "R06.2": "4"})
    value = SurveyValue.objects.get(school=world.a1, year=2026, parameter="R07.1")
    assert (value.value, value.respondents) == (0.5, 2)
    assert Profile.objects.get(school=world.a1, year=2026).parameters["R06.2"]["value"] == pytest.approx(3.0)
    # The director answers once; the same form is not counted twice; bad answers name the item.
    with pytest.raises(services.QuestionnaireError, match="уже получен ответ"):
        _form(links["director"], **{"R01.1": "3"})
    nonce = services.issue_nonce(links["parents"])
    services.submit(links["parents"].token, nonce, {"R10.3": "yes"})
    with pytest.raises(services.QuestionnaireError, match="уже получен"):
        services.submit(links["parents"].token, nonce, {"R10.3": "no"})
    with pytest.raises(services.QuestionnaireError, match="R06.1: 7 — вне допустимого диапазона 1–5"):
        _form(links["teachers"], **{"R06.1": "7"})
    with pytest.raises(services.QuestionnaireError, match="другой анкете"):
        services.submit(links["teachers"].token, services.issue_nonce(links["parents"]), {"R06.1": "3"})
    services.close(world.users["school"], links["teachers"])
    with pytest.raises(services.QuestionnaireError, match="закрыт"):
        _form(links["teachers"], **{"R06.1": "3"})
    with pytest.raises(PermissionDenied):
        services.publish(world.users["other_school"], world.a1, 2026)
