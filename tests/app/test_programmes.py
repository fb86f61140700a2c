"""Programmes: templates, the review workflow, reminders, monitoring waves and exit (real database)."""

from __future__ import annotations

import datetime as dt
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from docx import Document as Docx

from shnor.accounts.models import Notification, User
from shnor.accounts.roles import Role
from shnor.accounts.services import create_user
from shnor.audit.models import AuditEntry as Entry
from shnor.identification.models import Run, SchoolResult
from shnor.programmes import services
from shnor.programmes.models import Activity, Programme, Transition, Wave
from shnor.records.models import Decision, Document
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 1)


def result(
    school: Any, year: int, ior: float, *, flag: bool = False, per_year: list[Any] | None = None
) -> SchoolResult:
    run = Run.objects.create(
        year=year, status=Run.Status.DONE, preset="volgograd-2021", preset_version="1", preset_text=""
    )
    return SchoolResult.objects.create(
        run=run, school=school, ior=ior, ior_se=0.05, objectivity_flag=flag, per_year=per_year or []
    )


def curator_of(world: Any, school: Any) -> User:
    user = create_user("curator_a1", PASSWORD, Role.CURATOR, school_id=world.b1.pk, assigned_school_ids=[school.pk])
    return user


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # drops the cached scope


def test_school_programme_path(world: Any) -> None:
    school, curator = world.users["school"], curator_of(world, world.a1)
    result(world.a1, 2025, -0.6)
    p = services.create(school, "volgograd-school-pko", school=world.a1, start=START)
    assert p.status == "draft" and p.activities.count() == 7 and p.indicators.count() == 4
    ior = p.indicators.get(binding="ior")
    assert (ior.actual, ior.baseline) == (-0.6, -0.6)  # bound: filled and taken as the baseline
    first = p.activities.order_by("position").first()
    assert first is not None
    assert first.deadline == dt.date(2026, 1, 31)
    # Another school cannot touch it; the curator of another school cannot review it.
    with pytest.raises(PermissionDenied):
        services.transition(world.users["other_school"], p, "submit")
    services.transition(school, p, "submit")
    assert Notification.objects.filter(user=curator).count() == 1
    with pytest.raises(PermissionDenied):
        services.transition(world.users["curator"], p, "take")  # assigned to A002, not A001
    assert services.queue(fresh(curator)) == [p]
    services.transition(curator, p, "take")
    with pytest.raises(services.ProgrammeError, match="замечания"):
        services.transition(curator, p, "return")
    services.transition(curator, p, "return", "Добавьте мероприятия по рискам")
    assert Notification.objects.filter(user=school, text__contains="Добавьте мероприятия").exists()
    services.transition(school, p, "submit")
    services.transition(curator, p, "approve")
    assert services.queue(fresh(world.users["municipal"])) == [p]
    with pytest.raises(PermissionDenied):
        services.transition(school, p, "enforce")
    services.transition(world.users["municipal"], p, "enforce")
    p.refresh_from_db()
    assert p.status == "in_force"
    steps = list(Transition.objects.filter(programme=p).values_list("to_status", flat=True))
    assert steps == ["submitted", "review", "returned", "submitted", "approved", "in_force"]
    assert Entry.objects.filter(object_id=str(p.pk), action="update").count() >= 6


def test_a_school_with_an_approved_pair_is_reviewed_by_that_pairs_curator_only(world: Any) -> None:
    """Issue 20: a curator assigned to A1 by hand approved A1's programme while A1's approved pair
    was with another curator, whose journal that curator may not keep. The rule is now the
    journal's: the pair's curator reviews; a hand assignment counts only without an approved pair."""
    from shnor.support.models import Curator, Pairing

    assigned = curator_of(world, world.a1)  # B1's account, assigned to A1 by hand
    from shnor.registry.models import School

    b2 = School.objects.create(school_id="B009", name="Школа Б9", municipality=world.muni_b, locality="Б")
    other = Curator.objects.create(school=b2, municipality=world.muni_b)
    pair_curator = create_user("curator_b2", PASSWORD, Role.CURATOR, school_id=b2.pk)
    p = services.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=START)
    services.transition(world.users["school"], p, "submit")
    assert services.can_review(assigned, p)  # no pair yet: the hand assignment holds
    Pairing.objects.create(year=2026, school=world.a1, curator=other, status=Pairing.Status.APPROVED)
    assert not services.can_review(fresh(assigned), p) and services.can_review(pair_curator, p)
    with pytest.raises(PermissionDenied):
        services.transition(fresh(assigned), p, "take")
    services.transition(pair_curator, p, "take")
    services.transition(pair_curator, p, "approve")
    assert Programme.objects.get(pk=p.pk).status == "approved"


def test_overdue_and_off_track_are_reported_once(world: Any) -> None:
    p = services.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=START)
    # A draft is not judged against its deadlines: it is not agreed yet.
    assert services.activity_counts(p, dt.date(2026, 3, 1))["overdue"] == 0
    Programme.objects.filter(pk=p.pk).update(status="in_force")
    p.refresh_from_db()
    first = p.activities.order_by("position").first()
    assert first is not None
    services.set_activity(world.users["school"], first, "done")
    on = dt.date(2026, 3, 1)  # two more activities had January and February deadlines
    assert services.activity_counts(p, on)["overdue"] == 2
    share = p.indicators.get(binding="activities_done")
    assert share.actual == pytest.approx(1 / 7)
    # A share is read as a percentage, on the programme's page and in its unit column.
    from shnor.programmes.templatetags.measures import measure, unit_shown

    assert measure(share.actual, share.unit) == "14,3 %" and unit_shown(share.unit) == "%"
    assert measure(0.4271, "балл") == "0,427" and measure(None, "доля") == "—"
    counts = services.remind(on)
    assert counts["overdue"] == 2
    assert Activity.objects.filter(programme=p, status="overdue").count() == 2
    assert Notification.objects.filter(
        user=world.users["municipal"], text__contains="просрочено мероприятий: 2"
    ).exists()
    assert services.remind(on)["overdue"] == 0  # not again
    rows = services.overview(world.users["coordinator"], on=on)
    assert rows[0].label == "Альфинский район" and rows[0].overdue == 2


def test_waves_are_frozen_and_compared(world: Any) -> None:
    school = world.users["school"]
    result(world.a1, 2025, -0.6)
    p = services.create(school, "volgograd-school-pko", school=world.a1, start=START)
    entry = services.take_wave(school, p, "entry", dt.date(2026, 1, 15))
    with pytest.raises(services.ProgrammeError, match="действующей"):
        services.take_wave(school, p, "interim")
    Programme.objects.filter(pk=p.pk).update(status="in_force")
    p.refresh_from_db()
    for a in p.activities.all()[:4]:
        services.set_activity(school, a, "done")
    result(world.a1, 2026, -0.2)
    final = services.take_wave(school, p, "final", dt.date(2026, 12, 20))
    with pytest.raises(services.ProgrammeError, match="уже проведён"):
        services.take_wave(school, p, "final")
    assert entry.snapshot["ior"] == -0.6 and final.snapshot["ior"] == -0.2
    assert final.snapshot["activities"]["done"] == 4
    cmp = services.compare(p)
    assert [w.kind for w in cmp.waves] == ["entry", "final"]
    ior_row = next(r for r in cmp.indicators if r["title"] == "ИОР школы")
    assert ior_row["delta"] == pytest.approx(0.4)


def test_exit_proposed_with_evidence_and_approved_with_its_order(world: Any) -> None:
    school = world.users["school"]
    result(world.a1, 2025, -0.6)
    result(world.a2, 2025, -0.5)
    good = services.create(school, "volgograd-school-pko", school=world.a1, start=START)
    a2_user = create_user("school_a2", PASSWORD, Role.SCHOOL, school_id=world.a2.pk)
    flat = services.create(a2_user, "volgograd-school-pko", school=world.a2, start=START)
    anti = services.create(school, "", school=world.a1, start=START, risk_factor="R01", parent=good)
    assert anti.level == "anti_risk" and anti.indicators.get().binding == "risk:R01"
    for p in (good, flat):
        services.take_wave(school if p is good else a2_user, p, "entry", dt.date(2026, 1, 15))
    Programme.objects.filter(pk__in=[good.pk, flat.pk, anti.pk]).update(status="in_force")
    result(world.a1, 2026, -0.2)  # rose, objective
    result(world.a2, 2026, -0.1, flag=True)  # rose, but with signs of biased results
    proposals = {x.programme.pk: x for x in services.exit_proposals(world.users["coordinator"])}
    assert proposals[good.pk].ok is True
    assert proposals[good.pk].checks == {"ior_positive": True, "no_objectivity_signs": True}
    assert "входном мониторинге" in proposals[good.pk].basis
    assert proposals[flat.pk].ok is False and proposals[flat.pk].checks["no_objectivity_signs"] is False
    with pytest.raises(PermissionDenied):
        services.approve_exit(school, [good.pk], "1", dt.date(2026, 12, 25))
    decision = services.approve_exit(world.users["coordinator"], [good.pk], "77-о", dt.date(2026, 12, 25))
    assert decision.kind == Decision.Kind.ORGANISING and list(decision.schools.all()) == [world.a1]
    good.refresh_from_db()
    anti.refresh_from_db()
    assert good.status == anti.status == "completed" and good.exit_decision == decision
    document = Document.objects.get(decision=decision)
    doc = Docx(io.BytesIO(document.file.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "№ 77-о" in text and "Об исключении школ из программы поддержки" in text
    row = [c.text for c in doc.tables[0].rows[1].cells]
    assert row[2:5] == ["A001", "Школа А1", "−0,60 → −0,20"]
    # The order names the rule's ground and each school's actual basis: +0,4 against
    # 1.645 × √(0.05² + 0.05²) = 0,12.
    assert "в связи с положительной динамикой образовательных результатов" in text
    assert row[5] == "ИОР вырос: +0,4 при пороге 0,12; признаков необъективности нет"
    # A school for which the rule does not hold leaves only on a stated basis, and then the order
    # claims no ground of the rule.
    with pytest.raises(services.ProgrammeError, match="Условия выхода не выполнены: Школа А2"):
        services.approve_exit(world.users["coordinator"], [flat.pk], "78-о", dt.date(2026, 12, 26))
    other = services.approve_exit(
        world.users["coordinator"], [flat.pk], "78-о", dt.date(2026, 12, 26), basis="реорганизация школы"
    )
    assert other.title == "Об исключении школ из программы поддержки"
    order = Docx(io.BytesIO(Document.objects.get(decision=other).file.read()))
    cells = [c.text for c in order.tables[0].rows[1].cells]
    assert cells[5].startswith("условия выхода не выполнены (ИОР вырос: +0,4 при пороге 0,12; есть признаки")
    assert cells[5].endswith("основание решения: реорганизация школы")


def test_failed_exit_leaves_nothing(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result(world.a1, 2025, -0.6)
    p = services.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=START)
    services.take_wave(world.users["school"], p, "entry", dt.date(2026, 1, 15))
    Programme.objects.filter(pk=p.pk).update(status="in_force")
    result(world.a1, 2026, -0.1)

    def boom(*args: Any) -> bytes:
        raise RuntimeError("диск переполнен")

    from shnor.documents import programmes as programme_documents

    monkeypatch.setattr(programme_documents, "exit_order", boom)
    with pytest.raises(RuntimeError):
        services.approve_exit(world.users["coordinator"], [p.pk], "5", dt.date(2026, 12, 25))
    assert not Decision.objects.exists() and Programme.objects.get(pk=p.pk).status == "in_force"
    assert Wave.objects.count() == 1


def test_municipal_programme_from_the_ivanovo_template(world: Any, settings: Any, tmp_path: Any, login: Any) -> None:
    from shnor.presets import load

    settings.DATA_DIR = tmp_path  # this test's own data folder and preset

    settings.DATA_DIR.joinpath("preset.yaml").write_text(load("ivanovo-2020")[1], encoding="utf-8")
    m = services.create(
        world.users["municipal"], "ivanovo-municipal-project", municipality=world.muni_a, start=dt.date(2020, 9, 1)
    )
    assert m.activities.count() == 25 and len(m.regulation) == 7
    assert m.activities.get(position=25).deadline == dt.date(2021, 8, 31)
    # п. 4 «Сентябрь 2020-май 2021» keeps both dates; п. 1 «Сентябрь 2020» has a deadline only.
    fourth = m.activities.get(position=4)
    assert (fourth.starts, fourth.deadline) == (dt.date(2020, 9, 1), dt.date(2021, 5, 31))
    assert m.activities.get(position=1).starts is None
    page = login("municipal").get(reverse("programmes:detail", args=[m.pk])).content.decode()
    assert "с 01.09.2020" in " ".join(page.split()) and "по 31.05.2021" in " ".join(page.split())
    fourth.deadline = dt.date(2020, 8, 31)
    with pytest.raises(ValidationError, match="Начало мероприятия позже его срока"):
        fourth.full_clean()
    with pytest.raises(PermissionDenied):
        services.create(world.users["school"], "ivanovo-municipal-project", municipality=world.muni_a)
    services.mark_step(world.users["municipal"], m, 0, True)
    m.refresh_from_db()
    assert m.regulation[0]["done_on"] is not None
    services.transition(world.users["municipal"], m, "submit")
    assert services.can_review(world.users["coordinator"], m) and not services.can_review(world.users["curator"], m)


class _Form(HTMLParser):
    """What a browser would send from the page's form: inputs, checked boxes, textareas, selections."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.data[name] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data


def _opened(client: Any, programme: Programme) -> dict[str, str]:
    parser = _Form()
    parser.feed(client.get(reverse("programmes:edit", args=[programme.pk])).content.decode())
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def test_two_people_editing_one_programme_lose_nothing(world: Any, client: Any) -> None:
    """Optimistic locking: the second save from a page opened before the first is refused, with a
    message, and the first person's change stays."""
    p = services.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=START)
    head, operator = Client(), Client()
    head.force_login(world.users["school"])
    operator.force_login(world.users["operator"])
    mine, theirs = _opened(head, p), _opened(operator, p)
    assert mine["revision"] == theirs["revision"] == "0"

    saved = head.post(reverse("programmes:edit", args=[p.pk]), {**mine, "title": "Программа директора"})
    assert saved.status_code == 302
    stale = operator.post(reverse("programmes:edit", args=[p.pk]), {**theirs, "title": "Программа оператора"})
    assert stale.status_code == 200
    page = stale.content.decode()
    assert "Программу изменили после того, как вы открыли эту страницу" in page
    assert "Программа оператора" in page  # their text stays on the page, to be copied
    p.refresh_from_db()
    assert p.title == "Программа директора" and p.revision == 1

    # A page opened after the change saves; an activity ticked meanwhile outdates it again.
    fresh = _opened(operator, p)
    activity = p.activities.order_by("position").first()
    assert activity is not None
    services.set_activity(world.users["school"], activity, Activity.Status.DONE)
    refused = operator.post(reverse("programmes:edit", args=[p.pk]), {**fresh, "title": "Ещё раз"})
    assert "Программу изменили" in refused.content.decode()
    again = operator.post(reverse("programmes:edit", args=[p.pk]), {**_opened(operator, p), "title": "Ещё раз"})
    assert again.status_code == 302
    p.refresh_from_db()
    assert p.title == "Ещё раз" and p.activities.get(pk=activity.pk).status == Activity.Status.DONE


def test_a_save_never_writes_back_an_old_revision(world: Any) -> None:
    p = services.create(world.users["school"], "volgograd-school-pko", school=world.a1, start=START)
    old = Programme.objects.get(pk=p.pk)
    services.touch(p.pk)
    old.title = "Другое"
    old.save()  # an instance read before the change
    assert Programme.objects.get(pk=p.pk).revision == 1


def test_ivanovo_exit_is_leaving_the_group_of_outsiders(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Act 002: «Выход из группы аутсайдеров не менее чем по трем показателям диагностики». In the
    run's first year A1 is the lowest of four schools on both works (an outsider on two); in its last
    year on neither: it left on both, all it had, and is proposed."""
    from shnor.identification.models import Component
    from shnor.presets import load
    from shnor.registry import services as registry

    monkeypatch.setattr(registry, "preset_in_force", lambda: load("ivanovo-2020"))
    run = Run.objects.create(
        year=2026,
        status=Run.Status.DONE,
        preset="ivanovo-2020",
        preset_version="1",
        methodology=load("ivanovo-2020")[0].methodology.model_dump(mode="json"),
        summary={"window": [2024, 2025, 2026]},
    )
    b2 = world.b1.__class__.objects.create(
        school_id="B002", name="Школа Б2", municipality=world.muni_b, locality="city"
    )
    z = {2024: {"a1": -1.5, "a2": 0.1, "b1": 0.5, "b2": 0.2}, 2026: {"a1": 0.3, "a2": -1.0, "b1": 0.5, "b2": 0.2}}
    schools = {"a1": world.a1, "a2": world.a2, "b1": world.b1, "b2": b2}
    for year, by_school in z.items():
        for key, value in by_school.items():
            for subject in ("rus", "math"):
                Component.objects.create(
                    run=run,
                    school=schools[key],
                    year=year,
                    procedure="OGE",
                    subject=subject,
                    grade=9,
                    participants=40,
                    mean=20,
                    region_mean=20,
                    region_sd=4,
                    z=value,
                    variance=0.03,
                    weight=1,
                )
    SchoolResult.objects.create(run=run, school=world.a1, ior=0.3, ior_se=0.05)
    programme = services.create(world.users["school"], "ivanovo-school-plan", school=world.a1, start=START)
    Programme.objects.filter(pk=programme.pk).update(status="in_force")
    (proposal,) = services.exit_proposals(world.users["coordinator"])
    assert (proposal.evidence.outsider_before, proposal.evidence.outsider_left) == (2, 2)
    assert proposal.ok and proposal.checks == {"outsider_exit": True}
    assert proposal.grounds == "вышла из группы «аутсайдеров» по 2 из 2 показателей (нужно 2)"
    # A work without a result in the latest year is not «left»: A1 has no maths of 2026 now.
    Component.objects.filter(run=run, school=world.a1, year=2026, subject="math").delete()
    (proposal,) = services.exit_proposals(world.users["coordinator"])
    assert (proposal.evidence.outsider_before, proposal.evidence.outsider_left, proposal.ok) == (2, 1, False)
    # An entry monitoring of the same run's year measured no dynamics yet: the rule is not judged.
    services.take_wave(world.users["school"], programme, "entry", dt.date(2026, 1, 15))
    (proposal,) = services.exit_proposals(world.users["coordinator"])
    assert proposal.checks == {"outsider_exit": None} and not proposal.ok
    Wave.objects.all().delete()
    Component.objects.create(
        run=run,
        school=world.a1,
        year=2026,
        procedure="OGE",
        subject="math",
        grade=9,
        participants=40,
        mean=20,
        region_mean=20,
        region_sd=4,
        z=0.3,
        variance=0.03,
        weight=1,
    )
    decision = services.approve_exit(world.users["coordinator"], [programme.pk], "9", dt.date(2021, 8, 30))
    assert decision.title == "Об исключении школ из программы поддержки в связи с выходом из группы «аутсайдеров»"


def test_a_re_run_of_the_entry_year_is_no_dynamics(world: Any) -> None:
    """The entry monitoring recorded ИОР −0.6 of a 2025 run; a re-run of 2025 (with reviewed signs)
    gives −0.2. Same year, same data: no positive dynamics, the school is not proposed."""
    school = world.users["school"]
    result(world.a1, 2025, -0.6)
    p = services.create(school, "volgograd-school-pko", school=world.a1, start=START)
    services.take_wave(school, p, "entry", dt.date(2026, 1, 15))
    Programme.objects.filter(pk=p.pk).update(status="in_force")
    result(world.a1, 2025, -0.2)
    (proposal,) = services.exit_proposals(world.users["coordinator"])
    assert proposal.evidence.ior_before is None and proposal.checks["ior_positive"] is None and not proposal.ok


def test_municipal_programme_from_the_vologda_template(world: Any, settings: Any, tmp_path: Any) -> None:
    """Act 001 asks for municipal programmes; under the Vologda preset the municipal coordinator
    creates one for their district, with the template's five activities and deadlines within the year."""
    from shnor.presets import load

    settings.DATA_DIR = tmp_path
    settings.DATA_DIR.joinpath("preset.yaml").write_text(load("vologda-2019")[1], encoding="utf-8")
    m = services.create(
        world.users["municipal"], "vologda-municipal-programme", municipality=world.muni_a, start=dt.date(2019, 1, 1)
    )
    assert m.level == "municipality" and m.municipality == world.muni_a and m.activities.count() == 5
    deadlines = [a.deadline for a in m.activities.all()]
    assert None not in deadlines and max(d for d in deadlines if d is not None) == dt.date(2019, 12, 31)
    assert m.activities.get(position=1).deadline == dt.date(2019, 2, 28)


@pytest.mark.django_db(transaction=True)  # kept only once committed: a test's transaction never is
def test_the_overview_kept_between_requests_follows_the_data_and_the_day(world: Any) -> None:
    """The programmes' overview is kept per data version and day: the same rows while nothing
    changes, new ones after a programme is added or on another day."""
    operator = world.users["operator"]
    day = dt.date(2026, 10, 1)
    first = services.overview(operator, on=day)
    assert services.overview(operator, on=day) is first
    assert services.overview(operator, on=day + dt.timedelta(days=1)) is not first
    services.create(operator, "volgograd-school-pko", school=world.a1, start=dt.date(2026, 9, 1))
    assert sum(r.programmes for r in services.overview(operator, on=day)) == sum(r.programmes for r in first) + 1


ROOT_DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_queue_of_the_region_s_roles_is_each_programme_s_rule(
    world: Any, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The region's roles get their queue from the database (a country's thousands): the same
    programmes, in the same order, as asking `can_review` / `can_enforce` of each; the list page
    names the first of them and counts all."""
    from shnor.programmes.models import Programme
    from shnor.programmes.services import common

    made = [
        Programme.objects.create(
            level=level,
            title=f"{level} {status}",
            goal="Ц",
            status=status,
            start=START,
            end=dt.date(2027, 6, 30),
            **owner,
        )
        for level, owner in (
            ("school", {"school": world.a1}),
            ("anti_risk", {"school": world.a2}),
            ("municipality", {"municipality": world.muni_a}),
            ("region", {}),
        )
        for status in ("draft", "submitted", "review", "approved", "in_force")
    ]
    for name in ("operator", "coordinator", "municipal", "curator", "school", "observer"):
        user = fresh(world.users[name])
        waiting = common.programmes(user).filter(status__in=["submitted", "review", "approved"])
        expected = [p for p in waiting.order_by("updated_at", "pk") if common._decides(user, p)]
        assert services.queue(user) == expected, name
        assert services.queue_head(user, 2) == (expected[:2], len(expected)), name
    coordinator = services.queue(fresh(world.users["coordinator"]))
    assert {(p.level, p.status) for p in coordinator} == {
        ("school", "approved"), ("anti_risk", "approved"), ("municipality", "approved"), ("region", "approved"),
        ("municipality", "submitted"), ("municipality", "review"), ("region", "submitted"), ("region", "review"),
    }  # fmt: skip
    assert len(services.queue(fresh(world.users["operator"]))) == 12 and len(made) == 20
    page = login("operator").get(reverse("programmes:list")).content.decode()
    assert page.count("programmes/") and 'data-testid="queue-more"' not in page
    # docs/guide/programmes.md: «первые 20, дольше всех ожидающие».
    assert common.QUEUE_SHOWN == 20 and "первые 20" in (ROOT_DOCS / "guide" / "programmes.md").read_text("utf-8")
    monkeypatch.setattr(common, "QUEUE_SHOWN", 5)
    page = login("operator").get(reverse("programmes:list")).content.decode()
    assert "Показаны 5 из 12" in " ".join(page.split())
