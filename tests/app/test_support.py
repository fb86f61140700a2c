"""The support network on a real database: the curator pool, matching, pairs, journals,
agreements (DOCX read back), events, practices and the infrastructure map."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from docx import Document as Docx

from shnor.accounts.models import Notification, User
from shnor.accounts.roles import Role
from shnor.accounts.services import create_user
from shnor.documents.common import sha256
from shnor.identification.models import Run, SchoolResult
from shnor.registry.models import Person, School
from shnor.risks.models import Profile
from shnor.support import services
from shnor.support.models import Curator, Event, Pairing, Practice
from shnor.support.services import SupportError
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def identification(world: Any) -> Run:
    """A run where A1 and A2 are on the list, B1 is stably high and a fourth school is resilient.

    ИОР by year (2024, 2025, 2026) of eight schools; the 0.75 quantile of each year is taken over
    all of them, so B1 (always the highest) is «stably high» and nobody else is."""
    run = Run.objects.create(
        year=2026, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", preset_text=""
    )
    extra = [
        School.objects.create(school_id=f"B00{i}", name=f"Школа Б{i}", municipality=world.muni_b, locality="city")
        for i in range(2, 7)
    ]
    rows = [
        (world.a1, [-0.8, -0.7, -0.6], "struggling", True),
        (world.a2, [-0.5, -0.5, -0.4], "struggling", True),
        (world.b1, [0.9, 0.9, 1.0], "effective", False),
        (extra[0], [0.2, 0.5, 0.3], "resilient", False),
        *[(s, [0.0, 0.1, 0.0], "effective", False) for s in extra[1:]],
    ]
    for school, values, cluster, selected in rows:
        SchoolResult.objects.create(
            run=run,
            school=school,
            ior=values[-1],
            cluster=cluster,
            selected=selected,
            reasons="ior_low" if selected else "",
            # Standard errors: A1's index is measured more precisely than the others'.
            per_year=[
                {"year": 2024 + i, "ior": v, "se": 0.03 if school == world.a1 else 0.05} for i, v in enumerate(values)
            ],
        )
    # A1 is weak in R06; B1 is strong there (low level), the resilient school is not.
    Profile.objects.create(school=world.a1, year=2026, catalogue_version="t", fixed=["R06"], factors={})
    Profile.objects.create(school=world.b1, year=2026, catalogue_version="t", factors={"R06": {"level": "low"}})
    return run


def included_pool(world: Any) -> tuple[Curator, Curator]:
    operator = world.users["operator"]
    services.refresh_pool(operator)
    b1 = Curator.objects.get(school=world.b1)
    resilient = Curator.objects.get(school__school_id="B002")
    for c in (b1, resilient):
        services.update_curator(
            operator, c, marks={"strong_head": True, "motivated_head": True}, status="included", capacity=1
        )
    return b1, resilient


def test_pool_from_the_criteria_and_the_operators_marks(world: Any) -> None:
    identification(world)
    operator = world.users["operator"]
    with pytest.raises(PermissionDenied):
        services.refresh_pool(world.users["school"])
    summary = services.refresh_pool(operator)
    assert (summary.year, summary.candidates, summary.added) == (2026, 2, 2)
    b1 = Curator.objects.get(school=world.b1)
    assert b1.met["stable_high"] and not b1.met["resilient"]
    assert b1.strengths == ["R06"]
    # Schools on the list are never candidates.
    assert not Curator.objects.filter(school__in=[world.a1, world.a2]).exists()
    with pytest.raises(SupportError, match="высокий уровень профессиональных компетенций руководителя"):
        services.update_curator(operator, b1, status="included")
    services.update_curator(operator, b1, marks={"strong_head": True, "motivated_head": True}, status="included")
    # Refreshing again keeps the operator's marks and decision.
    services.refresh_pool(operator)
    b1.refresh_from_db()
    assert b1.status == "included" and b1.met["strong_head"] is True
    # Resilient first (the seeds), then stably high.
    order = [str(c) for c in services.pool(operator)]
    assert order.index("Школа Б1") == 0  # included comes before candidates
    resilient = Curator.objects.get(school__school_id="B002")
    services.update_curator(operator, resilient, marks={"strong_head": True, "motivated_head": True}, status="included")
    assert [str(c) for c in services.pool(operator)][:2] == ["Школа Б2", "Школа Б1"]


def test_matching_proposes_explains_and_approves(world: Any) -> None:
    identification(world)
    b1, resilient = included_pool(world)
    operator = world.users["operator"]
    proposal = services.propose(operator, 2026)
    pairs = {p.school_id: p for p in services.proposal_pairs(operator, proposal)}
    # A1 is weak in R06 and B1 strong there: A1 → B1 (neighbouring 40), A2 → Б2 (neighbouring 40).
    assert pairs[world.a1.pk].curator == b1 and pairs[world.a1.pk].covered == ["R06"]
    assert pairs[world.a2.pk].curator == resilient
    assert proposal.total == pytest.approx(80.0) and proposal.unassigned == []
    assert proposal.greedy_total is not None and proposal.greedy_total >= proposal.total
    assert "соседний муниципалитет" in pairs[world.a1.pk].reason
    assert "R06" in pairs[world.a1.pk].reason
    assert pairs[world.a1.pk].form == "pair"
    with pytest.raises(PermissionDenied):
        services.approve(world.users["school"], proposal)
    assert services.approve(operator, proposal) == 2
    assert Pairing.objects.filter(status="approved").count() == 2
    # The curator school's account is told, and now sees and reviews the school it supports.
    curator = world.users["curator"]  # its school is B1
    assert Notification.objects.filter(user=curator, text__contains="Школа А1").exists()
    assert Notification.objects.filter(user=world.users["school"], text__contains="Школа Б1").exists()
    assert services.pairings(fresh(curator)).filter(school=world.a1).exists()
    assert services.curators_of(world.a1).filter(pk=curator.pk).exists()
    # A new proposal keeps approved pairs as they are.
    again = services.propose(operator, 2026)
    assert again.settings["kept"] == 2 and not again.pairings.exists()


def test_pins_forbids_and_capacity(world: Any) -> None:
    identification(world)
    b1, resilient = included_pool(world)
    operator = world.users["operator"]
    services.set_rule(operator, world.a1, b1, "forbid", "Конфликт интересов")
    proposal = services.propose(operator, 2026)
    pairs = {p.school_id: p.curator_id for p in proposal.pairings.all()}
    assert pairs[world.a1.pk] == resilient.pk and pairs[world.a2.pk] == b1.pk
    services.set_rule(operator, world.a1, b1, "")  # removed
    services.set_rule(operator, world.a2, b1, "pin")
    proposal = services.propose(operator, 2026)
    pairs = {p.school_id: p.curator_id for p in proposal.pairings.all()}
    assert pairs[world.a2.pk] == b1.pk and proposal.pairings.get(school=world.a2).pinned
    # One curator with room for one school: the other is named as unassigned.
    services.update_curator(operator, resilient, status="excluded")
    proposal = services.propose(operator, 2026)
    assert proposal.unassigned == ["A001"]
    # The by-hand baseline keeps the pin too: the pinned pair's cost, and nobody left for A1.
    assert proposal.settings["greedy_unassigned"] == 1
    assert proposal.greedy_total == pytest.approx(proposal.pairings.get(school=world.a2).cost)
    with pytest.raises(SupportError, match="уже закреплён"):
        services.set_rule(operator, world.a2, resilient, "pin")


def approved_pair(world: Any) -> Pairing:
    identification(world)
    included_pool(world)
    operator = world.users["operator"]
    services.approve(operator, services.propose(operator, 2026))
    return Pairing.objects.get(school=world.a1, status="approved")


def test_journal_feedback_and_idle_pairs(world: Any) -> None:
    pair = approved_pair(world)
    curator, school = fresh(world.users["curator"]), world.users["school"]
    with pytest.raises(PermissionDenied):
        services.record_consultation(
            school, pair, date=dt.date(2026, 10, 1), form="seminar", topic="x", participants=5, hours=2
        )
    with pytest.raises(SupportError, match="ещё не наступила"):
        services.record_consultation(
            curator,
            pair,
            date=services.today() + dt.timedelta(days=3),
            form="seminar",
            topic="x",
            participants=5,
            hours=2,
        )
    first = services.record_consultation(
        curator, pair, date=dt.date(2026, 10, 1), form="seminar", topic="Анализ ВПР", participants=12, hours=2
    )
    services.record_consultation(
        curator, pair, date=dt.date(2026, 10, 15), form="open_lesson", topic="Открытый урок", participants=8, hours=1.5
    )
    assert Notification.objects.filter(user=school, text__contains="Анализ ВПР").exists()
    with pytest.raises(PermissionDenied):
        services.give_feedback(world.users["other_school"], first, 5)
    with pytest.raises(SupportError, match="от 1 до 5"):
        services.give_feedback(school, first, 6)
    services.give_feedback(school, first, 4, "Полезно")
    with pytest.raises(SupportError, match="уже оценена"):
        services.give_feedback(school, first, 5)
    rows = {a.pairing.school_id: a for a in services.activity(world.users["operator"], 2026, on=dt.date(2026, 10, 20))}
    a1 = rows[world.a1.pk]
    assert (a1.consultations, a1.hours, a1.participants, a1.rated, a1.rating) == (2, 3.5, 20, 1, 4.0)
    assert a1.last == dt.date(2026, 10, 15) and not a1.inactive
    # Six weeks (the default) after the last consultation the pair is flagged; the other pair,
    # with no consultation at all, counts from its approval.
    later = {a.pairing.school_id: a for a in services.activity(world.users["operator"], 2026, on=dt.date(2026, 11, 26))}
    assert later[world.a1.pk].inactive and later[world.a1.pk].weeks_idle == 6
    assert not {
        a.pairing.school_id: a for a in services.activity(world.users["operator"], 2026, on=dt.date(2026, 11, 25))
    }[world.a1.pk].inactive
    # The daily reminder tells the curator, the school and its municipality's coordinator — once.
    assert services.remind_idle(dt.date(2026, 11, 26)) == {"idle": 1, "notified": 3}
    for name in ("curator", "school", "municipal"):
        assert Notification.objects.filter(user=world.users[name], text__contains="нет активности 6 нед.").exists()
    assert services.remind_idle(dt.date(2026, 11, 27))["idle"] == 0
    # Active again, the pair may be reported again later.
    services.record_consultation(
        curator, pair, date=dt.date(2026, 11, 20), form="visit", topic="Выезд", participants=4, hours=3
    )
    assert services.remind_idle(dt.date(2026, 11, 27))["idle"] == 0
    pair.refresh_from_db()
    assert pair.idle_notified is False
    # The curator school's staff see the pair from their end; a third school's staff do not see it.
    assert services.pairings(world.users["other_school"]).filter(pk=pair.pk).exists()  # B1 is the curator
    stranger = create_user("b3", PASSWORD, Role.SCHOOL, school_id=School.objects.get(school_id="B003").pk)
    assert not services.pairings(stranger).filter(pk=pair.pk).exists()


def test_the_overview_counts_in_the_database_what_activity_gives_each_pair(world: Any, login: Any) -> None:
    """The network's page counts its totals and finds idle pairs in the database (a country has
    12 000 pairs): the same figures as each pair's activity, on both sides of the idle threshold,
    and the same search (any case, ё as е)."""
    pair = approved_pair(world)
    curator, operator = fresh(world.users["curator"]), world.users["operator"]
    for day, hours in ((1, 2), (15, 1.5)):
        services.record_consultation(
            curator, pair, date=dt.date(2026, 10, day), form="seminar", topic="Т", participants=3, hours=hours
        )
    Pairing.objects.filter(status="approved").exclude(pk=pair.pk).update(
        approved_at=dt.datetime(2026, 10, 10, 12, tzinfo=dt.UTC)
    )
    assert Pairing.objects.filter(status="approved").count() >= 2
    for on in (dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 25), dt.date(2026, 11, 26)):
        rows = services.activity(operator, 2026, on=on)
        got = services.overview(operator, 2026, on=on)
        assert got.totals == {
            "pairs": len(rows),
            "active": sum(not r.inactive for r in rows),
            "inactive": sum(r.inactive for r in rows),
            "consultations": sum(r.consultations for r in rows),
            "hours": sum(r.hours for r in rows),
            "agreements": sum(1 for r in rows if r.agreements),
        }
        idle = services.overview(operator, 2026, idle=True, on=on).shown
        assert {p.pk for p in idle} == {r.pairing.pk for r in rows if r.inactive}
    # The others, approved on 10.10, are idle from 21.11; the journal's pair from 26.11 (its last on 15.10).
    assert services.overview(operator, 2026, on=dt.date(2026, 11, 20)).totals["inactive"] == 0
    assert services.overview(operator, 2026, on=dt.date(2026, 11, 26)).totals["inactive"] == len(rows)
    assert services.overview(operator, 2026, on=dt.date(2026, 11, 26)).totals["hours"] == 3.5
    # Search by the school's or the curator's name; a municipality narrows the totals too.
    name = pair.school.name
    found = services.overview(operator, 2026, q=name.upper().replace("Е", "Ё")).shown
    assert pair in found
    by_curator = services.overview(operator, 2026, q=str(pair.curator).lower()).shown
    assert {p.pk for p in by_curator} == {p.pk for p in Pairing.objects.filter(status="approved", curator=pair.curator)}
    other = services.overview(operator, 2026, municipality=world.muni_b.pk)
    assert other.totals["pairs"] == Pairing.objects.filter(status="approved", school__municipality=world.muni_b).count()
    assert (world.muni_a.pk, world.muni_a.name) in other.municipalities
    page = login("operator").get(reverse("support:overview"), {"q": name.lower()}).content.decode()
    assert name in page and 'data-testid="activity"' in page
    from shnor.lib.lookup import matches

    assert matches("ёЛКа", "Школа «Елка»") and matches("", "x") and not matches("ель", "Школа «Ёлка»", None)


def test_agreement_is_generated_from_the_template_and_reads_back(world: Any) -> None:
    pair = approved_pair(world)
    curator = fresh(world.users["curator"])
    with pytest.raises(SupportError, match="раньше даты начала"):
        services.make_agreement(
            curator, pair, number="1", date=dt.date(2026, 9, 1), start=dt.date(2026, 9, 1), end=dt.date(2026, 8, 1)
        )
    with pytest.raises(PermissionDenied):
        services.make_agreement(
            world.users["other_school"],
            pair,
            number="1",
            date=dt.date(2026, 9, 1),
            start=dt.date(2026, 9, 1),
            end=dt.date(2027, 8, 31),
        )
    a = services.make_agreement(
        curator, pair, number="15-С", date=dt.date(2026, 9, 1), start=dt.date(2026, 9, 1), end=dt.date(2027, 8, 31)
    )
    content = a.file.read()
    assert sha256(content) == a.sha256
    import io

    text = "\n".join(p.text for p in Docx(io.BytesIO(content)).paragraphs)
    assert "СОГЛАШЕНИЕ № 15-С" in text
    assert "«01» сентября 2026 г." in text
    assert "Школа Б1, именуемое в дальнейшем «Школа-куратор», и Школа А1" in text
    assert "с 01.09.2026 по 31.08.2027" in text
    assert "2.1. работа по направлению «R06" in text  # the weakness the curator covers
    assert "{{" not in text and "{%" not in text


def test_events_practices_and_the_map(world: Any) -> None:
    pair = approved_pair(world)
    municipal, school, other = world.users["municipal"], world.users["school"], world.users["other_school"]
    day = dt.date(2026, 10, 1)
    event = services.add_event(
        municipal, title="Семинар", kind="seminar", level="municipal", date=day, municipality=world.muni_a
    )
    with pytest.raises(PermissionDenied):
        services.add_event(
            municipal, title="Чужой", kind="seminar", level="municipal", date=day, municipality=world.muni_b
        )
    with pytest.raises(PermissionDenied):
        services.add_event(municipal, title="Региональный", kind="conference", level="regional", date=day)
    regional = services.add_event(
        world.users["coordinator"], title="Конференция", kind="conference", level="regional", date=day
    )
    assert set(services.events(other)) == {regional}  # a regional event is everyone's; Б does not see А's
    assert set(services.events(school)) == {event, regional}
    practice = services.add_practice(school, world.a1, title="Консилиумы", summary="Еженедельно", factors=["R09"])
    with pytest.raises(PermissionDenied):
        services.add_practice(other, world.a1, title="Чужая", summary="-")
    assert practice.status == Practice.Status.DRAFT
    assert not services.practices(other).exists()
    with pytest.raises(PermissionDenied):
        services.publish_practice(school, practice)
    services.publish_practice(world.users["coordinator"], practice)
    assert list(services.practices(other, factor="R09")) == [practice]
    assert not services.practices(other, factor="R01").exists()
    levels = services.infrastructure(world.users["operator"], 2026)
    assert levels[0].title == "Региональный уровень" and levels[0].bodies == [world.rwg]
    alpha = next(lv for lv in levels if lv.title == world.muni_a.name)
    assert alpha.pairs["сетевая пара"][0] == pair
    assert world.wg_a in alpha.bodies
    assert Event.objects.count() == 2


def test_a_tutor_curates_with_their_own_account(world: Any) -> None:
    identification(world)
    operator = world.users["operator"]
    person = Person.objects.get(full_name="Иванова Анна Петровна")
    account = create_user("tutor", PASSWORD, Role.CURATOR)
    tutor = services.add_tutor(operator, person, world.muni_a, capacity=2, strengths=["R06"], account=account)
    services.set_rule(operator, world.a1, tutor, "pin")
    services.approve(operator, services.propose(operator, 2026))
    assert Pairing.objects.get(school=world.a1, status="approved").curator == tutor
    assert services.pairings(fresh(account)).filter(school=world.a1).exists()
    assert services.curators_of(world.a1).filter(pk=account.pk).exists()


def test_the_operator_adds_a_tutor_on_the_pool_page(world: Any, login: Any) -> None:
    person = Person.objects.get(full_name="Иванова Анна Петровна")
    account = create_user("tutor", PASSWORD, Role.CURATOR)
    data = {
        "person": person.pk,
        "municipality": world.muni_b.pk,
        "capacity": 2,
        "strengths": "R06, математика",
        "account": account.pk,
    }
    assert login("school").post(reverse("support:tutor-add"), data).status_code == 403
    operator = login("operator")
    assert "Добавить тьютора" in operator.get(reverse("support:curators")).content.decode()
    response = operator.post(reverse("support:tutor-add"), data, follow=True)
    tutor = Curator.objects.get(kind="tutor", person=person)
    assert (tutor.capacity, tutor.extra_strengths, tutor.user, tutor.status) == (
        2,
        ["R06", "математика"],
        account,
        "included",
    )
    assert "включён в пул" in response.content.decode()
    again = operator.post(reverse("support:tutor-add"), data, follow=True).content.decode()
    assert "уже в пуле кураторов" in again and Curator.objects.filter(kind="tutor").count() == 1
    bad = operator.post(reverse("support:tutor-add"), {**data, "capacity": 99}, follow=True).content.decode()
    assert "Тьютор не добавлен" in bad


def test_pages_through_the_web_client(world: Any, login: Any) -> None:
    identification(world)
    included_pool(world)
    operator = login("operator")
    for name in (
        "support:overview",
        "support:curators",
        "support:matching",
        "support:events",
        "support:practices",
        "support:map",
    ):
        assert operator.get(reverse(name)).status_code == 200, name
    assert operator.post(reverse("support:matching-run")).status_code == 302
    proposal = services.proposals(world.users["operator"]).first()
    assert proposal is not None
    page = operator.get(reverse("support:matching")).content.decode()
    assert "Почему этот куратор" in page and "соседний муниципалитет" in page
    operator.post(reverse("support:matching-approve", args=[proposal.pk]), {"school": [str(world.a1.pk)]})
    pair = Pairing.objects.get(school=world.a1, status="approved")
    assert not Pairing.objects.filter(school=world.a2, status="approved").exists()  # only the one ticked
    curator = login("curator")
    assert 'data-testid="consultation-form"' in curator.get(reverse("support:pair", args=[pair.pk])).content.decode()
    curator.post(
        reverse("support:consultation-add", args=[pair.pk]),
        {"date": "2026-10-01", "form": "visit", "topic": "Выезд", "participants": "6", "hours": "3"},
    )
    entry = pair.consultations.get()
    curator.post(
        reverse("support:agreement-add", args=[pair.pk]),
        {"number": "7", "date": "2026-09-01", "start": "2026-09-01", "end": "2027-08-31"},
    )
    agreement = pair.agreements.get()
    download = curator.get(reverse("support:agreement", args=[agreement.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    pdf = curator.get(reverse("support:agreement-pdf", args=[agreement.pk]))  # LibreOffice from the same DOCX
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    school = login("school")
    school.post(reverse("support:feedback", args=[entry.pk]), {"rating": "5", "comment": "Спасибо"})
    assert entry.__class__.objects.get(pk=entry.pk).feedback.rating == 5
    overview = login("coordinator").get(reverse("support:overview")).content.decode()
    assert "Выезд" not in overview and "Школа А1" in overview
    # A school outside the pair gets 404 for its page.
    stranger = create_user("b3", PASSWORD, Role.SCHOOL, school_id=School.objects.get(school_id="B003").pk)
    from django.test import Client

    other = Client()
    other.force_login(stranger)
    assert other.get(reverse("support:pair", args=[pair.pk])).status_code == 404


def test_overview_query_count_does_not_grow(world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    identification(world)
    included_pool(world)
    operator = world.users["operator"]
    services.approve(operator, services.propose(operator, 2026))
    client = login("operator")
    with django_assert_max_num_queries(25):
        assert client.get(reverse("support:overview")).status_code == 200


def test_curator_groups_of_the_vologda_act(world: Any, login: Any, settings: Any, tmp_path: Any) -> None:
    """Act 001: «Кураторские группы состоят из школы-куратора … и 2-3 школ», formed «на основе общей
    выявленной проблемы». Under the Vologda preset A1 and A2 (both weak in R06) form one group under
    B1 (strong in R06): pairs would send them to two curators. The page, the export, the API and the
    command say so, with the rule's source; a school without the group's problem is shown as a departure."""
    import io

    from openpyxl import load_workbook

    from shnor.presets import load

    settings.DATA_DIR = tmp_path  # this test's own data folder and preset
    tmp_path.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    identification(world)
    b1, resilient = included_pool(world)
    operator = world.users["operator"]
    Curator.objects.filter(pk__in=[b1.pk, resilient.pk]).update(capacity=3)
    Profile.objects.create(school=world.a2, year=2026, catalogue_version="t", fixed=["R06"], factors={})
    proposal = services.propose(operator, 2026)
    pairs = {p.school_id: p for p in services.proposal_pairs(operator, proposal)}
    assert {p.curator for p in pairs.values()} == {b1}
    assert {p.theme for p in pairs.values()} == {"R06"} and {p.departure for p in pairs.values()} == {""}
    assert {p.form for p in pairs.values()} == {"group"}
    assert proposal.settings["groups"] == {
        "count": 1,
        "minimum": 2,
        "short": 0,
        "outside": 0,
        "optimal": True,
        "bound": pytest.approx(80.0),
    }
    assert proposal.total == pytest.approx(80.0)  # A1 and A2 each 40 (neighbouring), R06 covered
    assert "общая проблема кураторской группы: R06" in pairs[world.a1.pk].reason
    assert "куратор силён в ней" in pairs[world.a1.pk].reason

    page = login("operator").get(reverse("support:matching")).content.decode()
    assert 'data-testid="group-count"' in page and "Кураторские группы формируются по правилам пресета" in page
    assert "Акт 001, раздел 4, направление 3" in page and "не менее 2" in page
    book = load_workbook(io.BytesIO(services.export_xlsx(operator, proposal)))
    rows = list(book["Пары"].values)
    theme = rows[0].index("Общая проблема группы")
    assert {r[theme] for r in rows[1:]} == {rows[1][theme]} and rows[1][theme].startswith("R06 ")

    # A2 without R06: one group of two is still better than two groups of one; A2 is the departure.
    Profile.objects.filter(school=world.a2).delete()
    second = services.propose(operator, 2026)
    again = {p.school_id: p for p in services.proposal_pairs(operator, second)}
    assert again[world.a2.pk].departure == "outside" and again[world.a1.pk].departure == ""
    assert "у школы нет общей проблемы группы" in again[world.a2.pk].reason
    # Approved, the pairs are kept by the next proposal, and keep their group's problem as it now is.
    services.approve(operator, second)
    Profile.objects.create(school=world.a2, year=2026, catalogue_version="t", fixed=["R06"], factors={})
    services.propose(operator, 2026)
    kept = Pairing.objects.get(school=world.a2, status="approved")
    assert (kept.theme, kept.departure) == ("R06", "")


def test_a_base_school_of_the_infrastructure_is_a_vologda_curator_candidate(
    world: Any, settings: Any, tmp_path: Any
) -> None:
    """Act 001: curators are schools with positive dynamics, effective schools «либо базовых (ведущих)
    школ». A school that is the base organisation of an active infrastructure body is a candidate;
    the act asks nothing of the head, so the operator includes it by decision alone."""
    from shnor.presets import load

    settings.DATA_DIR = tmp_path
    tmp_path.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    identification(world)
    operator = world.users["operator"]
    base = School.objects.get(school_id="B003")  # ordinary results: no other criterion
    world.wg_b.school = base
    world.wg_b.save()
    services.refresh_pool(operator)
    curator = Curator.objects.get(school=base)
    assert curator.met["base_school"] and not curator.met["stable_high"]
    services.update_curator(operator, curator, status="included")
    assert Curator.objects.get(pk=curator.pk).status == "included"
    world.wg_b.is_active = False
    world.wg_b.save()
    services.refresh_pool(operator)
    assert not Curator.objects.get(pk=curator.pk).met["base_school"]


def test_the_offline_map_places_schools_curators_pairs_and_outlines(world: Any, login: Any) -> None:
    """Schools of the list red, curators of the pool green, the rest grey; a line from a pair's
    curator to its school; a municipality's outline from three or more of its schools; a school
    without coordinates is left off; a municipal coordinator's map holds only their schools."""
    identification(world)
    b1, _ = included_pool(world)
    spots = {world.a1: (44.0, 48.0), world.a2: (44.2, 48.1), world.a1_branch: (44.1, 48.3), world.b1: (45.0, 49.0)}
    for school, (lon, lat) in spots.items():
        School.objects.filter(pk=school.pk).update(lon=lon, lat=lat)
    Pairing.objects.create(year=2026, school=world.a1, curator=b1, status="approved")
    where = services.map_data(world.users["operator"], 2026)
    names = {kind: [p["name"] for p in rows] for kind, rows in where["points"].items()}
    assert names == {"listed": ["Школа А1", "Школа А2"], "curator": ["Школа Б1"], "other": ["Филиал А1"]}
    assert where["lines"] == [{"from": [45.0, 49.0], "to": [44.0, 48.0], "form": "сетевая пара"}]
    assert where["outlines"] == [{"name": world.muni_a.name, "corners": [[44.0, 48.0], [44.2, 48.1], [44.1, 48.3]]}]
    mine = services.map_data(world.users["municipal"], 2026)
    assert {p["municipality"] for rows in mine["points"].values() for p in rows} == {world.muni_a.name}
    page = login("operator").get(reverse("support:map")).content.decode()
    assert 'data-testid="network-map"' in page and 'id="network-map-data"' in page
