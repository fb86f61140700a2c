"""The access matrix: every address of the site and every API operation, for every role, against an
object inside the role's scope and one outside it.

The expected answer is written here, not read from the code: which roles may use an address
(``who``) and whether it names a scoped object (``scoped``). From those two facts:

* anonymous → the sign-in page (web) or 401 (API); the public questionnaire is the one exception;
* a role not in ``who`` → 403 on an object it may see, 403 or 404 on one it may not;
* a role in ``who`` → 200 (or, for an action sent with an empty form, anything but a refusal or a
  server error) on an object it may see, 404 on one outside its scope;
* a page answered to a role that does not see the far school never names that school.

A new address or API operation without an entry here fails ``test_every_address_has_an_entry``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from shnor.audit.versioning import is_domain_write
from tests.app import page_text
from tests.conftest import count_case

pytestmark = pytest.mark.django_db

PERSONAS = ("operator", "coordinator", "municipal", "school", "curator", "teacher", "observer")
ALL = frozenset(PERSONAS)
REGION = frozenset({"operator", "coordinator"})
OPERATOR = frozenset({"operator"})
CYCLE = frozenset({"operator", "coordinator", "municipal"})
IMPORTS = REGION  # VIEW_IMPORTS
SCHOOL_SIDE = frozenset({"operator", "coordinator", "municipal", "school", "curator"})
# The entry monitoring of municipalities: the region and a municipality (its observer too), no school.
MONITORING = frozenset({"operator", "coordinator", "municipal", "observer"})


@dataclass
class Side:
    """The objects an address can name: those of the demo director's school ("in") or of a far school."""

    school: Any
    municipality: Any
    body: Any
    person: Any
    programme: Any
    activity: Any
    indicator: Any
    evidence: Any
    link: Any
    pair: Any
    consultation: Any
    agreement: Any
    curator: Any
    practice: Any
    teacher: Any
    route: Any
    item: Any
    recommendation: Any
    year: int


@dataclass
class Region:
    near: Side
    far: Side
    run: Any
    sign_near: Any
    sign_far: Any
    import_run: Any
    mapping: Any
    proposal: Any
    decision: Any
    meeting: Any
    document: Any
    users: dict[str, Any]
    folder: Path


@dataclass(frozen=True)
class Entry:
    url: Callable[[Region, Side], str]
    who: frozenset[str] = ALL
    scoped: bool = False  # the address names an object bound to a school or municipality
    method: str = "GET"
    leak_ok: str = ""  # why this page may name the far school to anyone (empty: it may not)
    public: bool = False
    sees_near: frozenset[str] = ALL  # who sees the "near" object (a curator's record is not its schools')
    special: tuple[tuple[str, int], ...] = ()  # a persona's own answer, e.g. the teacher sent to its own page
    data: tuple[tuple[str, Any], ...] = ()  # the form sent with an action
    ok: int = 200  # the answer of a permitted read
    # Whether a teacher sees the near object: a teacher sees their own record and the school's
    # general information, not its profile, results, programme, pair or recommendations (issue 20).
    teacher_sees: bool = True


def _r(name: str, *args: Callable[[Region, Side], Any]) -> Callable[[Region, Side], str]:
    return lambda w, s: reverse(name, args=[a(w, s) for a in args])


# ---- the data: the demo region, built once for the module ----------------------------------------


@pytest.fixture(scope="module")
def region(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Region]:
    from django.core.management import call_command

    folder = tmp_path_factory.mktemp("matrix")
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=folder, SHNOR_STORE_DIR=folder / "store", MEDIA_ROOT=folder / "files"),
    ):
        try:
            yield _build(folder)
        finally:
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def _shared_files(_own_data_files: Any, settings: Any, region: Region) -> None:
    settings.DATA_DIR = region.folder
    settings.SHNOR_STORE_DIR = region.folder / "store"
    settings.MEDIA_ROOT = region.folder / "files"


def _sign(run: Any, school: Any) -> Any:
    from shnor.identification.models import Sign

    return Sign.objects.filter(run=run, school=school).first() or Sign.objects.create(
        run=run, school=school, year=run.year, code="jump", value=1.0, threshold=0.5, reference=0.0
    )


def _build(folder: Path) -> Region:
    from shnor.accounts.models import User
    from shnor.audit.context import Acting, acting_as
    from shnor.cycle.models import Meeting, Recommendation
    from shnor.datasets.models import ImportRun
    from shnor.demo.build import build
    from shnor.demo.generator import DemoConfig
    from shnor.identification.models import Run
    from shnor.programmes import services as programmes
    from shnor.records.models import Decision
    from shnor.registry.models import InfrastructureBody, Person, School
    from shnor.risks.models import QuestionnaireLink
    from shnor.staff.models import Route, RouteItem, Teacher
    from shnor.support.models import Agreement, Curator, Pairing, Practice, Proposal

    build(DemoConfig(schools=60, municipalities=6))
    users = {u.username: u for u in User.objects.all()}
    director, curator_user, teacher_user = users["school"], users["curator"], users["teacher"]
    near_school = director.school
    assert near_school is not None  # the demo's director belongs to a school
    # The far school: outside what any persona but the region's sees, and so is its municipality.
    from shnor.accounts.scoping import restrict
    from shnor.registry.models import Municipality

    scoped = [users[p] for p in PERSONAS if p not in REGION]

    def seen_by_any(model: Any) -> set[int]:
        return {pk for u in scoped for pk in restrict(model.objects.all(), u).values_list("pk", flat=True)}

    seen, seen_munis, seen_pairs = seen_by_any(School), seen_by_any(Municipality), seen_by_any(Pairing)
    far_pair = (
        Pairing.objects.exclude(pk__in=seen_pairs)
        .exclude(school_id__in=seen)
        .exclude(school__municipality_id__in=seen_munis)
        .order_by("pk")
        .first()
    )
    assert far_pair is not None
    far_school = far_pair.school
    near_pair = Pairing.objects.filter(school=near_school).first() or Pairing.objects.create(
        year=2026, school=near_school, curator=Curator.objects.get(school=curator_user.school), status="approved"
    )
    from shnor.support import services as support

    consultations = {}
    for pair in (near_pair, far_pair):
        day = dt.date(2026, 10, 1)
        upload = SimpleUploadedFile("материалы.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        consultations[pair.pk] = support.record_consultation(
            users["operator"],
            pair,
            date=day,
            form="master_class",
            topic="Тема",
            participants=3,
            hours=1.0,
            upload=upload,
        )
        if not pair.agreements.exists():
            support.make_agreement(users["operator"], pair, number="M-1", date=day, start=day, end=dt.date(2027, 8, 31))

    def side(school: School, pair: Pairing, teacher: Teacher) -> Side:
        muni = school.municipality
        body = InfrastructureBody.objects.filter(municipality=muni).first() or InfrastructureBody.objects.create(
            kind="municipal_working_group", name=f"Рабочая группа {muni.name}", municipality=muni
        )
        person = Person.objects.filter(municipality=muni).first() or Person.objects.create(
            full_name=f"Сотрудник {muni.code}", position="методист", municipality=muni
        )
        with acting_as(Acting(director if school == near_school else users["operator"], "cli", label="matrix")):
            programme = programmes.create(
                users["operator"], "volgograd-school-pko", school=school, start=dt.date(2026, 9, 1)
            )
        activity = programme.activities.first()
        assert activity is not None  # the preset's programme comes with its activities
        indicator = programme.indicators.first()
        from django.core.files.base import ContentFile

        from shnor.programmes.models import Evidence

        evidence = Evidence.objects.create(activity=activity, title="Протокол", file=ContentFile(b"x", name="p.txt"))
        link = QuestionnaireLink.objects.create(school=school, year=2026, group="teachers", token=f"tok-{school.pk}")
        consultation = consultations[pair.pk]
        agreement = Agreement.objects.filter(pairing=pair).first()
        route = Route.objects.filter(teacher=teacher, items__isnull=False).order_by("pk").first()
        item = RouteItem.objects.filter(route=route).first() if route else None
        rec = Recommendation.objects.create(
            year=2026,
            addressee="school",
            school=school,
            municipality=muni,
            title="Рекомендация",
            findings="—",
            text="—",
            status="issued",
            issued_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        )
        practice = Practice.objects.filter(school=school).first() or Practice.objects.create(
            school=school, title=f"Практика {school.school_id}", summary="—"
        )
        return Side(
            school=school,
            municipality=muni,
            body=body,
            person=person,
            programme=programme,
            activity=activity,
            indicator=indicator,
            evidence=evidence,
            link=link,
            pair=pair,
            consultation=consultation,
            agreement=agreement,
            curator=pair.curator,
            practice=practice,
            teacher=teacher,
            route=route,
            item=item,
            recommendation=rec,
            year=2026,
        )

    own_teacher = Teacher.objects.get(staff_key=teacher_user.staff_key)
    far_route = (
        Route.objects.exclude(teacher__employments__school_id__in=seen)
        .exclude(teacher__employments__school__municipality_id__in=seen_munis)
        .filter(items__isnull=False)
        .order_by("pk")
        .first()
    )
    assert far_route is not None
    far_route.status = Route.Status.DRAFT  # items are added to and removed from a draft
    far_route.save()
    far_teacher = far_route.teacher
    if not Route.objects.filter(teacher=own_teacher, items__isnull=False).exists():
        from shnor.staff import services as staff

        route = Route.objects.filter(teacher=own_teacher).first() or staff.propose_route(
            users["operator"], own_teacher, 2026
        )
        staff.add_item(users["operator"], route, title="Курс", due=dt.date(route.year, 12, 1))
    Route.objects.filter(teacher=own_teacher).update(status=Route.Status.DRAFT)  # its items change in a draft
    near = side(near_school, near_pair, own_teacher)
    far = side(far_school, far_pair, far_teacher)
    run = Run.objects.get(year=2026)
    # A regional order naming the near school and the far one: the school reads its extract.
    from shnor.cycle import services as cycle

    decision = Decision.objects.filter(schools=near_school).order_by("pk").first() or cycle.record_decision(
        users["operator"],
        kind="organising",
        document_kind="order",
        number="M-1",
        date=dt.date(2026, 4, 1),
        title="О мерах поддержки",
        items=["Оказать поддержку школам."],
        schools=[near_school, far_school],
    )
    from shnor.datasets import services as datasets
    from shnor.ingest.mapping import parse as parse_mapping

    mapping = datasets.save_mapping(
        users["operator"],
        parse_mapping({"name": "matrix", "kind": "schools", "columns": {"school_id": "code"}}, "matrix"),
    )
    return Region(
        near=near,
        far=far,
        run=run,
        sign_near=_sign(run, near_school),
        sign_far=_sign(run, far_school),
        import_run=ImportRun.objects.order_by("pk").first(),
        mapping=mapping,
        proposal=Proposal.objects.get(),
        decision=decision,
        meeting=Meeting.objects.get(),
        document=decision.documents.order_by("pk").first(),
        users=users,
        folder=folder,
    )


# ---- the matrix ------------------------------------------------------------------------------------

_school = _r("registry:school", lambda w, s: s.school.pk)
_pk = {
    "school": lambda w, s: s.school.pk,
    "code": lambda w, s: s.school.school_id,
    "muni": lambda w, s: s.municipality.pk,
    "body": lambda w, s: s.body.pk,
    "person": lambda w, s: s.person.pk,
    "prog": lambda w, s: s.programme.pk,
    "act": lambda w, s: s.activity.pk,
    "ind": lambda w, s: s.indicator.pk,
    "evi": lambda w, s: s.evidence.pk,
    "link": lambda w, s: s.link.pk,
    "pair": lambda w, s: s.pair.pk,
    "cons": lambda w, s: s.consultation.pk,
    "agr": lambda w, s: s.agreement.pk,
    "cur": lambda w, s: s.curator.pk,
    "prac": lambda w, s: s.practice.pk,
    "teacher": lambda w, s: s.teacher.pk,
    "route": lambda w, s: s.route.pk,
    "item": lambda w, s: s.item.pk,
    "rec": lambda w, s: s.recommendation.pk,
    "year": lambda w, s: s.year,
    "run": lambda w, s: w.run.pk,
    "irun": lambda w, s: w.import_run.pk,
    "prop": lambda w, s: w.proposal.pk,
    "dec": lambda w, s: w.decision.pk,
    "meet": lambda w, s: w.meeting.pk,
    "doc": lambda w, s: w.document.pk,
    "sign": lambda w, s: (w.sign_near if s is w.near else w.sign_far).pk,
}


def web(name: str, *keys: str, **kw: Any) -> tuple[str, Entry]:
    return name, Entry(_r(name, *[_pk[k] for k in keys]), **kw)


def _factor() -> str:
    from shnor.registry import services

    return str(services.preset().catalogue().factors[0].code)


def _templates() -> list[Any]:
    from shnor.programmes import services

    return services.templates()


def api(op: str, path: str, **kw: Any) -> tuple[str, Entry]:
    def url(w: Region, s: Side) -> str:
        return "/api" + path.format(**{k: f(w, s) for k, f in _pk.items() if "{" + k + "}" in path})

    return op, Entry(url, **kw)


POST: dict[str, Any] = {"method": "POST"}
HEADS = frozenset({"operator", "coordinator", "municipal", "school"})
TEAM = frozenset({"operator", "school"})  # the content of a school's programme: its own team (and the operator)
ADDRESSEE = frozenset({"school"})
JOURNAL = frozenset({"operator", "curator"})  # the curator keeps the pair's journal
DRAFTERS = frozenset({"operator", "school", "teacher"})  # a route: the teacher, their head, the operator
_NEW_TEACHER = (("school_id", lambda w, s: s.school.school_id), ("staff_key", "TNEW-001"))
_RULE = (("school_id", lambda w, s: s.school.school_id), ("curator_id", lambda w, s: s.curator.pk))
AGREERS = frozenset({"operator", "coordinator", "curator"})  # a pair's agreement: the region and its curator
PRACTICE_AUTHORS = frozenset({"operator", "coordinator", "school"})  # a school describes its own; the bank's keepers
# A school programme's waves: its team, and whoever puts it in force (the region, its municipality).
WAVE_TAKERS = frozenset({"operator", "coordinator", "municipal", "school"})
_FACTOR = lambda w, s: _factor()  # noqa: E731
_SCHOOL_TEMPLATE = lambda w, s: next(t.code for t in _templates() if t.level == "school")  # noqa: E731
_REGIONAL_EVENT = (("kind", "seminar"), ("level", "regional"), ("title", "Семинар"))
CURATOR_SEEN_BY = frozenset({"operator", "coordinator", "curator"})  # a curator's record: not its schools'
# Official acts (docs/security.md): the whole act and its documents for the region-wide roles; an
# extract for those it names (its school list narrowed to their scope); nothing for a teacher.
WHOLE_ACT = REGION
NO_TEACHER = (("teacher", 404),)
_ALL_SENT_ON = tuple((p, 302) for p in PERSONAS)  # a signed-in user is sent on from the sign-in page
_ICON = tuple((p, 301) for p in ("anonymous", *PERSONAS))  # a permanent redirect to the static icon
_NOTHING_THERE = tuple((p, 404) for p in ("anonymous", *PERSONAS))  # /api/ itself has no operation
BY_OPERATOR = "a body bound to no municipality: the operator's (a coordinator's own are tested in test_api)"
SIGN = _pk["sign"]
_CODE = (("school_id", _pk["code"]),)

MATRIX: dict[str, Entry] = dict(
    [
        # home, accounts
        web("web:home"),
        ("web:healthz", Entry(lambda w, s: reverse("web:healthz"), public=True)),
        ("web:serving", Entry(lambda w, s: reverse("web:serving"), public=True)),
        # Prometheus' figures: off without SHNOR_METRICS_TOKEN, then only for its key (test_metrics)
        ("web:metrics", Entry(lambda w, s: reverse("web:metrics"), public=True, special=_NOTHING_THERE)),
        ("web:favicon", Entry(lambda w, s: reverse("web:favicon"), public=True, special=_ICON)),
        ("accounts:login", Entry(lambda w, s: reverse("accounts:login"), public=True, special=_ALL_SENT_ON)),
        web("accounts:logout", **POST),
        web("accounts:password"),
        web("accounts:profile"),
        web("accounts:notifications"),
        # registry
        web("registry:schools"),
        web("registry:school-new", who=OPERATOR),
        web("registry:school", "school", scoped=True),
        web("registry:school-edit", "school", who=OPERATOR, scoped=True),
        web("registry:municipalities"),
        web("registry:municipality-new", who=OPERATOR),
        web("registry:municipality", "muni", scoped=True),
        web("registry:municipality-edit", "muni", who=OPERATOR, scoped=True),
        web("registry:bodies"),
        web("registry:body-new", who=frozenset({"operator", "municipal"})),
        web("registry:body", "body", scoped=True),
        web("registry:body-edit", "body", who=frozenset({"operator", "municipal"}), scoped=True),
        web("registry:people"),
        web("registry:person-new", who=frozenset({"operator", "municipal"})),
        web("registry:person-edit", "person", who=frozenset({"operator", "municipal"}), scoped=True),
        web("audit:list", who=OPERATOR),
        # data
        web("datasets:upload", who=OPERATOR),
        web("datasets:runs", who=IMPORTS),
        web("datasets:run", "irun", who=IMPORTS),
        web("datasets:run-progress", "irun", who=IMPORTS),
        web("datasets:run-start", "irun", who=OPERATOR, **POST),
        web("datasets:run-use-mapping", "irun", who=OPERATOR, **POST),
        web("datasets:run-read-options", "irun", who=OPERATOR, **POST),
        # a finished import has no column mapping left to edit: the editor answers 404 even to the operator
        web("datasets:run-mapping", "irun", who=OPERATOR, special=(("operator", 404),)),
        web("datasets:run-rollback", "irun", who=OPERATOR, **POST),
        web("datasets:run-report", "irun", who=IMPORTS),
        ("datasets:template", Entry(lambda w, s: reverse("datasets:template", args=["schools"]))),  # a blank form
        web("datasets:mappings", who=IMPORTS),
        (
            "datasets:mapping-download",
            Entry(lambda w, s: reverse("datasets:mapping-download", args=["matrix"]), who=IMPORTS),
        ),
        # identification
        web("identification:runs"),
        web("identification:run", "run"),
        web("identification:run-progress", "run"),
        web("identification:run-reviewed", "run", who=OPERATOR, **POST),
        web("identification:run-csv", "run"),
        web("identification:run-xlsx", "run"),
        web("identification:run-chart", "run"),
        web("identification:school", "run", "school", scoped=True, teacher_sees=False),
        (
            "identification:review",
            Entry(
                lambda w, s: reverse("identification:review", args=[w.run.pk, SIGN(w, s)]),
                who=REGION,
                scoped=True,
                method="POST",
            ),
        ),
        web("identification:list", "run"),
        web("identification:sensitivity", "run"),
        web("identification:compare"),
        web("identification:document", "doc", sees_near=WHOLE_ACT),
        # risks
        web("risks:regional"),
        web("risks:profile", "school", "year", scoped=True, teacher_sees=False),
        web("risks:docx", "school", "year", scoped=True, teacher_sees=False),
        web("risks:pdf", "school", "year", scoped=True, teacher_sees=False),
        web("risks:questionnaires", "school", "year", who=HEADS, scoped=True, teacher_sees=False, **POST),
        web("risks:close", "link", who=HEADS, scoped=True, **POST, teacher_sees=False),
        (
            "questionnaire:answer",
            Entry(
                lambda w, s: reverse("questionnaire:answer", args=[s.link.token]),
                public=True,
                leak_ok="the respondent's page names the school its link was issued for",
            ),
        ),
        # programmes
        web("programmes:list"),
        web("programmes:new", who=HEADS),
        web("programmes:exit"),
        web("programmes:detail", "prog", scoped=True, teacher_sees=False),
        web("programmes:edit", "prog", who=TEAM, scoped=True, teacher_sees=False),
        web("programmes:transition", "prog", scoped=True, **POST, teacher_sees=False),
        web("programmes:anti-risk", "prog", scoped=True, **POST, teacher_sees=False),
        (
            "programmes:step",
            Entry(
                lambda w, s: reverse("programmes:step", args=[s.programme.pk, 0]),
                who=TEAM,
                scoped=True,
                method="POST",
                teacher_sees=False,
            ),
        ),
        web("programmes:activity", "prog", "act", scoped=True, **POST, teacher_sees=False),
        web("programmes:evidence", "prog", "act", scoped=True, **POST, teacher_sees=False),
        web("programmes:evidence-file", "prog", "evi", scoped=True, teacher_sees=False),
        web("programmes:indicator", "prog", "ind", who=TEAM, scoped=True, **POST, teacher_sees=False),
        web("programmes:waves", "prog", scoped=True, teacher_sees=False),
        # support
        web("support:overview"),
        web("support:curators"),
        web("support:curators-refresh", who=REGION, **POST),
        web("support:tutor-add", who=REGION, **POST),
        web("support:curator", "cur", scoped=True, sees_near=CURATOR_SEEN_BY),
        web("support:matching", who=REGION),
        web("support:matching-run", who=REGION, **POST),
        web("support:matching-rule", who=REGION, **POST),
        web("support:matching-approve", "prop", who=REGION, **POST),
        web("support:matching-export", "prop", who=REGION),
        web("support:pair", "pair", scoped=True, teacher_sees=False),
        web("support:consultation-add", "pair", scoped=True, **POST, teacher_sees=False),
        web("support:feedback", "cons", scoped=True, **POST, teacher_sees=False),
        web("support:consultation-file", "cons", scoped=True, teacher_sees=False),
        web("support:agreement-add", "pair", scoped=True, **POST, teacher_sees=False),
        web("support:pair-form", "pair", scoped=True, **POST, teacher_sees=False),
        web("support:agreement", "agr", scoped=True, teacher_sees=False),
        web("support:agreement-pdf", "agr", scoped=True, teacher_sees=False),
        web("support:events"),
        web("support:practices"),
        web("support:practice-publish", "prac", who=REGION, scoped=True, **POST),
        web("support:map"),
        # teachers
        web("staff:teachers", special=(("teacher", 302),)),  # the teacher is sent to their own page
        web("staff:staff-add", who=frozenset({"school"}), **POST),
        web("staff:teacher", "teacher", scoped=True),
        web("staff:route-propose", "teacher", who=DRAFTERS, scoped=True, **POST),
        web("staff:diagnostics-add", "teacher", who=TEAM, scoped=True, **POST),
        web("staff:course-add", "teacher", who=TEAM, scoped=True, **POST),
        web("staff:item-add", "route", who=DRAFTERS, scoped=True, **POST),
        web("staff:item-remove", "item", who=DRAFTERS, scoped=True, **POST),
        web("staff:route-approve", "route", who=TEAM, scoped=True, **POST),
        web("staff:item", "item", who=DRAFTERS, scoped=True, **POST),
        web("staff:catalogue"),
        # management cycle
        web("cycle:cyclogram"),
        web("cycle:goals"),
        web("cycle:analysis"),
        web("cycle:recommendations"),
        web("cycle:recommendation", "rec", scoped=True, teacher_sees=False),
        web("cycle:measures"),
        web("cycle:decisions"),
        web("cycle:decision", "dec", special=NO_TEACHER),
        web("cycle:meetings"),
        web("cycle:meeting", "meet", sees_near=WHOLE_ACT),
        web("cycle:effect"),
        web("cycle:effect-report", who=CYCLE, data=(("start", 2025), ("end", 2026)), **POST),
        web("cycle:evidence"),
        web("cycle:document", "doc", sees_near=WHOLE_ACT),
        web("cycle:document-pdf", "doc", sees_near=WHOLE_ACT),
        web("cycle:indicators"),
        web("cycle:monitoring", who=MONITORING),
        web("cycle:monitoring-xlsx", who=MONITORING),
        ("cycle:indicator", Entry(lambda w, s: reverse("cycle:indicator", args=["1.1"]))),
        # the API: its description and root; then every operation
        ("api:openapi-json", Entry(lambda w, s: reverse("api:openapi-json"))),
        ("api:openapi-view", Entry(lambda w, s: reverse("api:openapi-view"))),
        ("api:api-root", Entry(lambda w, s: reverse("api:api-root"), public=True, special=_NOTHING_THERE)),
        api("me_get", "/me"),
        api("municipalities_list", "/municipalities"),
        api("municipalities_get", "/municipalities/{muni}", scoped=True),
        api("schools_list", "/schools"),
        api("schools_create", "/schools", who=OPERATOR, **POST),
        api("schools_get", "/schools/{school}", scoped=True),
        api("schools_update", "/schools/{school}", who=OPERATOR, scoped=True, method="PATCH"),
        api("bodies_list", "/bodies"),
        api("bodies_create", "/bodies", who=OPERATOR, **POST),  # BY_OPERATOR
        api("bodies_get", "/bodies/{body}", scoped=True),
        api("bodies_update", "/bodies/{body}", who=frozenset({"operator", "municipal"}), scoped=True, method="PATCH"),
        api("people_list", "/people"),
        api("people_create", "/people", who=OPERATOR, **POST),  # BY_OPERATOR
        api("people_update", "/people/{person}", who=frozenset({"operator", "municipal"}), scoped=True, method="PATCH"),
        api("municipalities_create", "/municipalities", who=OPERATOR, **POST),
        api("municipalities_update", "/municipalities/{muni}", who=OPERATOR, scoped=True, method="PATCH"),
        api("audit_list", "/audit", who=OPERATOR),
        api("imports_list", "/imports", who=IMPORTS),
        api("imports_create", "/imports", who=OPERATOR, **POST),
        api("imports_get", "/imports/{irun}", who=IMPORTS),
        api("imports_rollback", "/imports/{irun}/rollback", who=OPERATOR, **POST),
        api("imports_report", "/imports/{irun}/report", who=IMPORTS),
        api("templates_get", "/templates/schools", public=True),  # a blank form, for scripts without a token
        api("mappings_list", "/mappings", who=IMPORTS),
        api("mappings_save", "/mappings", who=OPERATOR, **POST),
        api("identification_runs_list", "/identification/runs"),
        api("identification_runs_create", "/identification/runs", who=OPERATOR, **POST),
        api("identification_runs_get", "/identification/runs/{run}"),
        api("identification_results_list", "/identification/runs/{run}/results"),
        api(
            "identification_school_evidence",
            "/identification/runs/{run}/schools/{code}",
            scoped=True,
            teacher_sees=False,
        ),
        api(
            "identification_sign_review",
            "/identification/runs/{run}/signs/{sign}",
            who=REGION,
            scoped=True,
            method="PUT",
        ),
        api("identification_list_get", "/identification/runs/{run}/list"),
        api(
            "identification_list_change",
            "/identification/runs/{run}/list/changes",
            who=OPERATOR,
            data=_CODE,
            teacher_sees=False,
            **POST,
        ),
        api("identification_list_approve", "/identification/runs/{run}/list/approve", who=REGION, **POST),
        api("risk_profiles_list", "/risks/profiles"),
        api("risk_profiles_build", "/risks/profiles/builds", who=REGION, **POST),
        api("questionnaires_list", "/risks/questionnaires?school_id={code}", scoped=True, teacher_sees=False),
        api(
            "questionnaires_publish",
            "/risks/questionnaires",
            who=HEADS,
            scoped=True,
            teacher_sees=False,
            data=(*_CODE, ("year", 2026)),
            **POST,
        ),
        api(
            "questionnaires_close",
            "/risks/questionnaires/{link}/close",
            who=HEADS,
            scoped=True,
            teacher_sees=False,
            **POST,
        ),
        api("risk_profiles_get", "/risks/profiles/{code}/{year}", scoped=True, teacher_sees=False),
        api("programmes_list", "/programmes"),
        api("programmes_get", "/programmes/{prog}", scoped=True, teacher_sees=False),
        api("programmes_transition", "/programmes/{prog}/transitions", scoped=True, **POST, teacher_sees=False),
        api("programmes_create", "/programmes", who=HEADS, data=(("template", _SCHOOL_TEMPLATE),), **POST),
        api("programmes_update", "/programmes/{prog}", who=TEAM, scoped=True, method="PATCH", teacher_sees=False),
        api(
            "programmes_anti_risk",
            "/programmes/{prog}/anti-risk",
            who=TEAM,
            scoped=True,
            teacher_sees=False,
            data=(("factor", _FACTOR),),
            **POST,
        ),
        api("programmes_step", "/programmes/{prog}/steps/0", who=TEAM, scoped=True, method="PUT", teacher_sees=False),
        api(
            "activities_update",
            "/programmes/{prog}/activities/{act}",
            who=TEAM,
            scoped=True,
            method="PATCH",
            teacher_sees=False,
        ),
        api("evidence_list", "/programmes/{prog}/evidence", scoped=True, teacher_sees=False),
        api(
            "evidence_create",
            "/programmes/{prog}/activities/{act}/evidence",
            who=TEAM,
            scoped=True,
            teacher_sees=False,
            **POST,
        ),
        api("evidence_file", "/programmes/{prog}/evidence/{evi}/file", scoped=True, teacher_sees=False),
        api(
            "indicators_actual_set",
            "/programmes/{prog}/indicators/{ind}",
            who=TEAM,
            scoped=True,
            method="PUT",
            teacher_sees=False,
        ),
        api("waves_list", "/programmes/{prog}/waves", scoped=True, teacher_sees=False),
        api(
            "waves_take",
            "/programmes/{prog}/waves",
            who=WAVE_TAKERS,
            scoped=True,
            teacher_sees=False,
            data=(("kind", "entry"),),
            **POST,
        ),
        api("exit_proposals", "/programmes/exit"),
        api("exit_approve", "/programmes/exit", who=REGION, data=(("programmes", [1]),), **POST),
        api("curators_list", "/support/curators"),
        api("curators_refresh", "/support/curators/refresh", who=REGION, **POST),
        api("curators_add_tutor", "/support/curators/tutors", who=REGION, **POST),
        api(
            "curators_update",
            "/support/curators/{cur}",
            who=REGION,
            scoped=True,
            method="PATCH",
            sees_near=CURATOR_SEEN_BY,
        ),
        api("proposals_list", "/support/proposals", who=REGION),
        api("proposals_create", "/support/proposals", who=REGION, **POST),
        api("proposals_get", "/support/proposals/{prop}", who=REGION),
        api("proposals_approve", "/support/proposals/{prop}/approve", who=REGION, **POST),
        api("matching_rule_set", "/support/rules", who=REGION, method="PUT", data=_RULE),
        api("pairs_list", "/support/pairs"),
        api("pairs_get", "/support/pairs/{pair}", scoped=True, teacher_sees=False),
        api(
            "consultations_create",
            "/support/pairs/{pair}/consultations",
            who=JOURNAL,
            scoped=True,
            **POST,
            teacher_sees=False,
        ),
        api(
            "feedback_create",
            "/support/consultations/{cons}/feedback",
            who=ADDRESSEE,
            scoped=True,
            **POST,
            teacher_sees=False,
        ),
        api(
            "agreements_create",
            "/support/pairs/{pair}/agreements",
            who=AGREERS,
            scoped=True,
            teacher_sees=False,
            **POST,
        ),
        api("agreements_list", "/support/pairs/{pair}/agreements", scoped=True, teacher_sees=False),
        api("agreements_file", "/support/agreements/{agr}/file", scoped=True, teacher_sees=False),
        api("pairs_form_set", "/support/pairs/{pair}/form", who=REGION, scoped=True, teacher_sees=False, method="PUT"),
        api("events_list", "/support/events"),
        api("events_create", "/support/events", who=REGION, data=_REGIONAL_EVENT, **POST),
        api("practices_list", "/support/practices"),
        api("practices_create", "/support/practices", who=PRACTICE_AUTHORS, scoped=True, data=_CODE, **POST),
        api("practices_publish", "/support/practices/{prac}/publish", who=REGION, scoped=True, **POST),
        api("teachers_list", "/teachers"),
        api("catalogue_create", "/teachers/catalogue", who=OPERATOR, data=(("areas", ["x"]),), **POST),
        api("teachers_create", "/teachers", who=TEAM, scoped=True, data=_NEW_TEACHER, **POST),
        api("teachers_targets", "/teachers/targets"),
        api("teachers_aggregates", "/teachers/aggregates"),
        api("catalogue_list", "/teachers/catalogue"),
        api("teachers_get", "/teachers/{teacher}", scoped=True),
        api("routes_create", "/teachers/{teacher}/routes", who=DRAFTERS, scoped=True, **POST),
        api("diagnostics_enter", "/teachers/{teacher}/diagnostics", who=TEAM, scoped=True, **POST),
        api("courses_enter", "/teachers/{teacher}/courses", who=TEAM, scoped=True, **POST),
        api("route_items_create", "/teachers/routes/{route}/items", who=DRAFTERS, scoped=True, **POST),
        api("route_items_delete", "/teachers/routes/items/{item}", who=DRAFTERS, scoped=True, method="DELETE"),
        api("route_items_update", "/teachers/routes/items/{item}", who=DRAFTERS, scoped=True, method="PATCH"),
        api("routes_approve", "/teachers/routes/{route}/approve", who=TEAM, scoped=True, **POST),
        api("indicators_list", "/indicators"),
        api("indicators_get", "/indicators/1.1"),
        api("monitoring_municipalities", "/monitoring/municipalities", who=MONITORING),
        api("goals_get", "/cycle/goals"),
        # the sample bodies below name no municipality: the region's level, not a municipal coordinator's
        api("goals_set", "/cycle/goals", who=REGION, method="PUT"),
        api("targets_get", "/cycle/targets"),
        api("targets_set", "/cycle/targets", who=REGION, method="PUT"),
        api("analysis_get", "/cycle/analysis"),
        api("analysis_conclude", "/cycle/analysis/results", who=REGION, method="PUT"),
        api("recommendations_list", "/recommendations"),
        api("recommendations_draft", "/recommendations", who=CYCLE, **POST),
        api("recommendations_draft_all", "/recommendations/draft-all", who=CYCLE, **POST),
        api("recommendations_get", "/recommendations/{rec}", scoped=True, teacher_sees=False),
        # a regional recommendation to a school: the region edits it, the school's team reads and reports
        api(
            "recommendations_edit",
            "/recommendations/{rec}",
            who=REGION,
            scoped=True,
            method="PATCH",
            teacher_sees=False,
        ),
        api(
            "recommendations_issue", "/recommendations/{rec}/issue", who=REGION, scoped=True, **POST, teacher_sees=False
        ),
        api(
            "recommendations_read",
            "/recommendations/{rec}/read",
            who=ADDRESSEE,
            scoped=True,
            **POST,
            teacher_sees=False,
        ),
        api(
            "recommendations_report",
            "/recommendations/{rec}/report",
            who=ADDRESSEE,
            scoped=True,
            **POST,
            teacher_sees=False,
        ),
        api("measures_list", "/measures"),
        api("measures_add", "/measures", who=REGION, **POST),
        api("measures_update", "/measures/1", who=REGION, method="PATCH"),
        api("decisions_list", "/decisions"),
        api("decisions_add", "/decisions", who=REGION, **POST),
        api("decisions_get", "/decisions/{dec}", special=NO_TEACHER),
        api("decisions_execute", "/decisions/{dec}/execute", who=REGION, special=NO_TEACHER, **POST),
        api("meetings_list", "/meetings"),
        api("meetings_add", "/meetings", who=REGION, **POST),
        api("meetings_get", "/meetings/{meet}", sees_near=WHOLE_ACT),
        api("meetings_protocol", "/meetings/{meet}/protocol", who=REGION, sees_near=WHOLE_ACT, **POST),
        api("cyclogram_get", "/cycle/cyclogram"),
        # the demo has one approved list: the effect cannot be measured — a 409 with the reason, to all
        api("effect_get", "/effect", ok=409),
        api("effect_report", "/effect/report", who=CYCLE, **POST),
        api("documents_get", "/documents/{doc}", sees_near=WHOLE_ACT),
        api("documents_pdf", "/documents/{doc}/pdf", sees_near=WHOLE_ACT),
        api("evidence_get", "/evidence/2026", who=CYCLE),
    ]
)
API_OPS = {k for k in MATRIX if ":" not in k}
API_DOCS = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def _web_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                if ns == "admin":
                    continue  # the admin site is checked apart; the API by its operations
                walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(p, URLPattern) and p.name and (namespace != "api:" or namespace + p.name in API_DOCS):
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def _api_operations() -> set[str]:
    from shnor.api.app import api as ninja

    schema = ninja.get_openapi_schema()
    return {op["operationId"] for ops in schema["paths"].values() for op in ops.values()}


def test_every_address_has_an_entry() -> None:
    web_names = {k for k in MATRIX if ":" in k}
    assert _web_names() - web_names == set(), "a new address needs an entry in MATRIX"
    assert _api_operations() - API_OPS == set(), "a new API operation needs an entry in MATRIX"
    assert web_names - _web_names() == set() and API_OPS - _api_operations() == set(), "entries of gone addresses"
    text = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    figures = f"{len(MATRIX)} entries ({len(web_names)} addresses, {len(API_OPS)} operations)"
    assert figures in text, f"docs/security.md should say: {figures}"


# ---- the checks ------------------------------------------------------------------------------------

SCOPED_PERSONAS = frozenset(PERSONAS) - REGION
REFUSED = {403, 404}


def _expected(entry: Entry, persona: str | None, visible: bool) -> set[int] | None:
    """The statuses allowed; None: anything but a refusal or a server error (an action sent empty)."""
    is_api = entry.url.__qualname__.startswith("api.")
    special = dict(entry.special)
    if (persona or "anonymous") in special and visible:
        return {special[persona or "anonymous"]}
    if entry.public:
        return {200} if visible or persona is None else {200, 404}
    if persona is None:
        return {401} if is_api else {302}
    allowed = persona in entry.who
    if allowed and visible:
        return {entry.ok} if entry.method == "GET" else None
    if allowed:
        return {404}
    return {403} if visible else REFUSED


def _body(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK"):  # XLSX, DOCX: the text is in the parts' XML
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    if content.startswith(b"%PDF"):  # its text, as a reader's copy shows it
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
        except (PdfReadError, ValueError):  # a file someone uploaded as «PDF» that is none: its bytes
            pass
    return content.decode("utf-8", "replace")


_OPERATIONS: dict[str, dict[str, Any]] = {}
QUERY = {"year": 2026, "start": 2026, "end": 2026}


def _operation(name: str) -> dict[str, Any]:
    from shnor.api.app import api as ninja

    if not _OPERATIONS:
        schema = ninja.get_openapi_schema()
        _OPERATIONS.update({op["operationId"]: op for ops in schema["paths"].values() for op in ops.values()})
        _OPERATIONS["$defs"] = schema["components"]["schemas"]
    return _OPERATIONS[name]


def _sample(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """The smallest value the schema accepts: what an API operation is sent so that it reaches its rules."""
    if "$ref" in schema:
        return _sample(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema or "allOf" in schema:
        return _sample((schema.get("anyOf") or schema["allOf"])[0], defs)
    kind = schema.get("type")
    if kind == "object":
        return {k: _sample(v, defs) for k, v in schema.get("properties", {}).items() if k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-10-01"
    if schema.get("format") == "binary":
        return SimpleUploadedFile("schools.csv", b"school_id,name\n", content_type="text/csv")
    return "x"


def _send(client: Client, name: str, entry: Entry, url: str, region: Region, side: Side) -> Any:
    method = entry.method.lower()
    data = {k: v(region, side) if callable(v) else v for k, v in entry.data}
    if not url.startswith("/api/"):
        if method == "get":
            return client.get(url)
        return client.post(url, data)
    if ":" in name:  # the API's own description
        return client.get(url)
    op = _operation(name)
    given = parse_qs(urlsplit(url).query)
    query = {
        p["name"]: QUERY.get(p["name"], "x")
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required") and p["name"] not in given
    }
    url += (("&" if given else "?") + urlencode(query)) if query else ""
    if method == "get":
        return client.get(url)
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return client.post(url, _sample(content["multipart/form-data"]["schema"], _OPERATIONS["$defs"]))
    body = _sample(content["application/json"]["schema"], _OPERATIONS["$defs"]) if content else {}
    body.update(data)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@functools.cache
def _tracked_tables() -> frozenset[str]:
    from shnor.audit.tracking import tracked_models

    return frozenset(m._meta.db_table for m in tracked_models())


def _changes(statements: Any) -> list[str]:
    """The domain tables a request changed and the journal must tell of: rows added or removed anywhere,
    rows updated in a table whose model is not journalled by its signals (those record real changes
    and stay silent when an UPDATE changes nothing)."""
    found = set()
    for sql in statements:
        if not is_domain_write(sql):
            continue
        write = re.match(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+"?(\w+)', sql, re.I)
        assert write is not None  # is_domain_write matched the same statement
        verb, table = write.groups()
        if not (verb.upper() == "UPDATE" and table in _tracked_tables()):
            found.add(table)
    return sorted(found)


def _visible(persona: str, entry: Entry, side: str) -> bool:
    if side == "near":
        return persona in entry.sees_near and (persona != "teacher" or entry.teacher_sees)
    return not entry.scoped or persona in REGION


def _far_marks(region: Region) -> list[tuple[str, re.Pattern[str]]]:
    """How a page could name the far school: its name, its code as a word, a link to its card or to
    its programme."""
    far = region.far
    return [
        ("name", re.compile(re.escape(far.school.name))),
        ("code", re.compile(rf"(?<![\w-]){re.escape(far.school.school_id)}(?![\w-])")),
        ("link to its card", re.compile(re.escape(reverse("registry:school", args=[far.school.pk])))),
        ("link to its programme", re.compile(re.escape(reverse("programmes:detail", args=[far.programme.pk])))),
    ]


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_the_matrix(region: Region, name: str) -> None:
    entry = MATRIX[name]
    far_name = region.far.school.name
    far_marks = _far_marks(region)
    wrong: list[str] = []
    sides = ("near", "far") if entry.scoped or entry.public else ("near",)
    for persona in (None, *PERSONAS):
        client = Client()
        if persona is not None:
            client.force_login(region.users[persona])
        for side in sides:
            url = entry.url(region, getattr(region, side))
            visible = persona is None or _visible(persona, entry, side)
            expected = _expected(entry, persona, visible)
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                # Each request sees the region as built, not as the last one left it.
                response = _send(client, name, entry, url, region, getattr(region, side))
                transaction.set_rollback(True)
            changed = _changes(q["sql"] for q in queries)
            journalled = any(q["sql"].startswith('INSERT INTO "audit_auditentry"') for q in queries)
            if changed and not journalled:
                wrong.append(f"{persona} {entry.method} {url}: changed {changed} and left no audit record")
            status = response.status_code
            ok = status not in (*REFUSED, 500) if expected is None else status in expected
            if not ok:
                wrong.append(
                    f"{persona or 'anonymous'} {entry.method} {url} ({side}): {status}, expected {expected or 'no refusal'}"
                )
                continue
            if persona is None and status == 302:
                assert "/accounts/login/" in response["Location"], url
            if status == 200 and persona in SCOPED_PERSONAS and not entry.leak_ok:
                body = _body(response)
                named = [what for what, mark in far_marks if mark.search(body)]
                if named:
                    wrong.append(f"{persona} {url} ({side}): names the far school «{far_name}» by {', '.join(named)}")
            if status == 200 and entry.method == "GET" and "text/html" in response.get("Content-Type", ""):
                for fault in page_text.faults(_body(response)):
                    wrong.append(f"{persona} {url}: {fault}")
    assert not wrong, "\n".join(wrong)


def test_the_administration_site_is_for_staff_accounts_only(region: Region) -> None:
    """Only the operator's account is a staff account; the admin site sends everyone else to its sign-in."""
    addresses = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:registry_school_changelist"),
    ]
    for persona in (None, *PERSONAS):
        client = Client()
        if persona is not None:
            client.force_login(region.users[persona])
        for url in addresses:
            response = client.get(url)
            if persona == "operator":
                assert response.status_code == 200, url
            else:
                assert response.status_code == 302 and "/admin/login/" in response["Location"], (persona, url)


def post_actions() -> list[str]:
    """Every address of the site (not the API, not the admin) whose view handles a POST: the actions
    sent by POST and the pages whose own form posts back to them (a programme's edit, the cycle's
    goals, the events register, …)."""
    import inspect

    found: list[str] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                if ns not in ("admin", "api"):
                    walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(p, URLPattern) and p.name:
                view = getattr(p.callback, "view_class", None) or inspect.unwrap(p.callback)
                source = inspect.getsource(view)
                if "POST" in source or "def post(" in source:
                    found.append(namespace + p.name)

    walk(get_resolver().url_patterns, "")
    return sorted(found)


# Every form action, the pages that post back to themselves included (not the public questionnaire).
ACTIONS = sorted(k for k in post_actions() if not MATRIX[k].public)
# Cases per action and per writing operation: each gets its own (the shared 25 of before left most
# of the 73 actions without one in a run).
PER_ACTION = int(os.environ.get("SHNOR_CASES_PER_ACTION", "5"))
OPERATIONS = sorted(k for k, e in MATRIX.items() if e.method != "GET" and ":" not in k)


@pytest.mark.parametrize("name", sorted({*ACTIONS, *OPERATIONS}))
def test_every_action_needs_the_csrf_token(region: Region, name: str) -> None:
    """A signed-in browser session cannot be made to act from another site: every form action (the
    pages posting back to themselves included) and every writing operation, sent without the token,
    is refused by the CSRF check itself (not by a service's own refusal)."""
    entry = MATRIX[name]
    persona = "operator" if "operator" in entry.who else sorted(entry.who)[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(region.users[persona])
    url = entry.url(region, region.near)
    with transaction.atomic():
        if ":" in name:
            response = client.post(url, {})
        else:
            response = _send(client, name, entry, url, region, region.near)
        transaction.set_rollback(True)
    assert response.status_code == 403, (persona, url, response.status_code)
    assert "csrf" in response.content.decode("utf-8", "replace").lower(), (url, response.content[:200])


# ---- every action fed adversarial input --------------------------------------------------------------


def _form_fields() -> dict[str, str]:
    """Every field name of the project's forms, with its kind, as the pool random forms draw from."""
    import importlib
    import inspect

    from django import forms

    fields: dict[str, str] = {}
    for app in ("accounts", "cycle", "datasets", "identification", "programmes", "registry", "staff", "support"):
        module = importlib.import_module(f"shnor.{app}.forms")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                for name, field in getattr(cls, "base_fields", {}).items():
                    fields[name] = type(field).__name__
    return fields


ODD = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "2026",
            "99999999999999999999",
            "2147483648",
            "²",
            "١٢٣",
            "1e309",
            "NaN",
            "31.02.2026",
            "2026-02-31",
            "да",
            "on",
        ]
    ),
    st.sampled_from(["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "../../etc/passwd", "\x00", "Ш" * 3000]),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


@st.composite
def odd_json(draw: Any, schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """A value of the schema's shape, mostly, with adversarial content; sometimes of the wrong type."""
    if "$ref" in schema:
        return draw(odd_json(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, depth))
    if draw(st.integers(0, 9)) == 0 or depth > 3:
        return draw(st.one_of(st.none(), st.booleans(), ODD, st.floats(allow_nan=False)))
    if "anyOf" in schema or "allOf" in schema:
        return draw(odd_json(draw(st.sampled_from(schema.get("anyOf") or schema["allOf"])), defs, depth))
    if "enum" in schema:
        return draw(st.sampled_from([*schema["enum"], "нет такого"]))
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {
            k: draw(odd_json(v, defs, depth + 1))
            for k, v in props.items()
            if k in schema.get("required", []) or draw(st.booleans())
        }
    if kind == "array":
        return draw(st.lists(odd_json(schema.get("items", {}), defs, depth + 1), max_size=3))
    if kind == "integer":
        return draw(st.integers(min_value=-(2**63), max_value=2**63))
    if kind == "number":
        return draw(st.floats(allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return draw(st.booleans())
    return draw(ODD)


@pytest.mark.parametrize("name", ACTIONS)
def test_no_action_answers_500_to_any_form(region: Region, name: str) -> None:
    """Each form action of the site, sent random fields of the project's forms with odd values (NUL
    among them) by a role allowed to use it: a page, a redirect or a refusal, never a server error.
    Each action gets its own cases (SHNOR_CASES_PER_ACTION: 5 in `make test`, 100 in `make fuzz`)."""
    pool = sorted(_form_fields())
    client = Client(raise_request_exception=False)
    entry = MATRIX[name]
    persona = "operator" if "operator" in entry.who else sorted(entry.who)[0]
    client.force_login(region.users[persona])

    @settings(max_examples=PER_ACTION)
    @given(data=st.dictionaries(st.sampled_from(pool), ODD, max_size=8))
    def one(data: dict[str, str]) -> None:
        count_case("forms: random fields to every action")
        with transaction.atomic():
            response = client.post(entry.url(region, region.near), data)
            transaction.set_rollback(True)
        assert response.status_code < 500, (name, data, response.status_code)
        if any("\x00" in k or "\x00" in v for k, v in data.items()):
            assert response.status_code == 400, (name, "a NUL is refused before any view")

    one()


@pytest.mark.parametrize("name", OPERATIONS)
def test_no_api_operation_answers_500_to_any_body(region: Region, name: str) -> None:
    """Each writing operation of the API, sent bodies of its schema's shape with odd content (and
    sometimes the wrong types): 2xx, a refusal or a problem+json with the reason, never a 500.
    Each operation gets its own cases, as the form actions do."""
    client = Client(raise_request_exception=False)
    entry = MATRIX[name]
    persona = "operator" if "operator" in entry.who else sorted(entry.who)[0]
    client.force_login(region.users[persona])

    @settings(max_examples=PER_ACTION)
    @given(seed=st.data())
    def one(seed: Any) -> None:
        count_case("API: odd bodies to every operation")
        op = _operation(name)
        url = entry.url(region, region.near)
        query = {p["name"]: QUERY.get(p["name"], "x") for p in op.get("parameters", []) if p["in"] == "query"}
        url += ("?" + urlencode(query)) if query else ""
        content = op.get("requestBody", {}).get("content", {})
        with transaction.atomic():
            if "application/json" in content:
                body = seed.draw(odd_json(content["application/json"]["schema"], _OPERATIONS["$defs"]))
                response = getattr(client, entry.method.lower())(
                    url, data=json.dumps(body), content_type="application/json"
                )
            else:
                response = getattr(client, entry.method.lower())(url)
            transaction.set_rollback(True)
        assert response.status_code < 500, (name, response.status_code, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json" and response.json()["title"]

    one()


MARK = '<b id="x">«=1+1»</b><script>alert("xss")</script>'


def test_markup_in_every_text_field_is_shown_as_text(region: Region) -> None:
    """Every free-text field of every row of the region's data is given markup; every HTML page then
    shows it escaped (data files and JSON carry it as it is: no browser runs them)."""
    from django.apps import apps
    from django.db import models

    from shnor.audit.versioning import DOMAIN_APPS

    # Codes and references the system looks up, not text a person reads.
    keys = {"school_id", "code", "token", "staff_key", "sha256", "file", "stored_path", "name", "preset"}
    keys |= {"preset_version", "template", "engine", "binding", "risk_factor", "area", "procedure", "subject"}
    keys |= {"parameter", "worker", "store_id", "catalogue_version", "locality"}
    with transaction.atomic():
        changed = 0
        for model in apps.get_models():
            if model._meta.app_label not in DOMAIN_APPS:
                continue
            together = {n for group in model._meta.unique_together for n in group} | {
                n for c in model._meta.constraints for n in getattr(c, "fields", ())
            }
            text = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField)
                and not f.choices
                and not f.unique
                and f.name not in keys | together
                and (f.max_length or 10_000) >= len(MARK)
            ]
            if text:
                changed += model._default_manager.update(**dict.fromkeys(text, MARK))
        School = apps.get_model("registry", "School")
        changed += School.objects.update(name=MARK)
        assert changed > 100
        client = Client(raise_request_exception=False)
        pages = 0
        for persona in ("operator", "school"):
            client.force_login(region.users[persona])
            for name, entry in MATRIX.items():
                if entry.method != "GET" or persona not in entry.who:
                    continue
                response = _send(client, name, entry, entry.url(region, region.near), region, region.near)
                assert response.status_code < 500, (persona, name)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue  # data files and JSON carry the text as it is; browsers do not run them
                body = _body(response)
                assert "<script>alert(" not in body and '<b id="x">' not in body, (persona, name)
                pages += 1
        transaction.set_rollback(True)
    assert pages > 100
    count_case("markup in every text field")


def test_reliability_md_counts_the_actions_and_operations() -> None:
    text = " ".join((Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text().split())
    assert f"**every form action** of the site ({len(ACTIONS)}:" in text
    assert f"**every writing API operation** ({len(OPERATIONS)})" in text


def test_security_md_counts_the_csrf_actions() -> None:
    text = " ".join((Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text().split())
    assert (
        f"`Client(enforce_csrf_checks=True)`: {len(ACTIONS)} form actions and {len(OPERATIONS)} writing operations"
        in text
    )
