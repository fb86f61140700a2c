"""The demo's support network and teachers, made through the services as people would make them:
the operator's marks on the curator pool, a matching proposal approved, a term of consultations
with the schools' ratings (some pairs left idle, so the flag shows), agreements, events and
practices, the course catalogue and teachers' routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from shnor.accounts.models import User
from shnor.accounts.roles import Role
from shnor.core.support import missing
from shnor.demo.generator import CATALOGUE, DemoRegion
from shnor.registry.models import Municipality, Person
from shnor.staff import services as teachers
from shnor.staff.models import Offer, RouteItem, Teacher
from shnor.support import services
from shnor.support.models import Consultation, Curator, Pairing

TOPICS = [
    "Анализ результатов ВПР и планирование коррекционной работы",
    "Формирующее оценивание на уроках математики",
    "Организация внутришкольного контроля качества преподавания",
    "Работа с обучающимися с трудностями в обучении",
    "Смысловое чтение на уроках в основной школе",
    "Построение индивидуальных образовательных маршрутов педагогов",
    "Взаимодействие с родителями: совет школы и родительский клуб",
]


def build_support(operator: Any, region: DemoRegion) -> None:
    rng = np.random.default_rng(region.config.seed + 7)
    year = max(region.config.years)
    for title, provider, hours, topic, kind, areas in CATALOGUE:
        teachers.save_offer(
            operator, Offer(title=title, provider=provider, hours=hours, topic=topic, kind=kind, areas=list(areas))
        )
    services.refresh_pool(operator, year)
    # The operator's marks: most heads are judged strong and motivated; a few are not.
    for curator in Curator.objects.filter(kind=Curator.Kind.SCHOOL).order_by("pk"):
        marks = {"strong_head": bool(rng.random() < 0.85), "motivated_head": bool(rng.random() < 0.9)}
        services.update_curator(operator, curator, marks=marks)
        if not missing(curator.met, services.rules().curators):
            services.update_curator(operator, curator, status=Curator.Status.INCLUDED)
    _demo_curator(operator)
    _tutors(operator, rng)
    proposal = services.propose(operator, year)
    services.approve(operator, proposal)
    start = dt.date(year, 9, 1)
    Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED).update(
        approved_at=dt.datetime(year, 9, 1, 10, 0, tzinfo=dt.UTC)
    )
    _journals(operator, year, start, rng)
    _events_and_practices(operator, year, rng)
    _routes(operator, year, rng)


def _demo_curator(operator: Any) -> None:
    """The demo curator account's school is in the pool and curates the director's school."""
    curator_user = User.objects.filter(username="curator").first()
    director = User.objects.filter(username="school").first()
    if curator_user is None or director is None or curator_user.school is None:
        return
    school = curator_user.school
    curator = Curator.objects.filter(school=school).first() or Curator.objects.create(
        kind=Curator.Kind.SCHOOL, school=school, municipality=school.municipality, capacity=3
    )
    services.update_curator(
        operator,
        curator,
        marks={"strong_head": True, "motivated_head": True},
        status=Curator.Status.INCLUDED,
        note="Включена решением оператора: опыт сопровождения школ соседнего района.",
    )
    if director.school is not None and director.school_id in services.official_run()[1]:
        services.set_rule(operator, director.school, curator, "pin", "Договорённость муниципалитетов")


def _tutors(operator: Any, rng: np.random.Generator) -> None:
    munis = list(Municipality.objects.order_by("pk")[:3])
    names = ["Тимофеева Анна Сергеевна", "Гусев Павел Андреевич", "Белова Ольга Николаевна"]
    for name, muni in zip(names, munis, strict=False):
        person = Person.objects.create(
            full_name=name,
            position="тьютор, управленческий наставник",
            organization="Институт развития образования",
            municipality=muni,
        )
        services.add_tutor(operator, person, muni, capacity=2, strengths=["R06", "R09"])


def _journals(operator: Any, year: int, start: dt.date, rng: np.random.Generator) -> None:
    today = services.today()
    end = min(today, dt.date(year, 12, 31))
    days = max(1, (end - start).days)
    pairs = list(Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED).order_by("pk"))
    forms = list(Consultation.Form.values)
    # The supported school rates each consultation through the same rules as on the pair's page:
    # the demo director's own account for their school, an unsaved head account for the others
    # (the demo has one school account).
    accounts = {u.school_id: u for u in User.objects.filter(role=Role.SCHOOL, school__isnull=False)}
    heads = {p.school_id: accounts.get(p.school_id) or User(role=Role.SCHOOL, school_id=p.school_id) for p in pairs}
    for k, pair in enumerate(pairs):
        if rng.random() < 0.2:
            continue  # an idle pair: flagged after the preset's weeks without a consultation
        for _ in range(int(rng.integers(1, 5))):
            date = start + dt.timedelta(days=int(rng.integers(0, days)))
            entry = services.record_consultation(
                operator,
                pair,
                date=date,
                form=str(rng.choice(forms)),
                topic=str(rng.choice(TOPICS)),
                participants=int(rng.integers(3, 25)),
                hours=float(rng.choice([1.0, 1.5, 2.0, 3.0, 4.0])),
            )
            if rng.random() < 0.75:
                services.give_feedback(heads[pair.school_id], entry, int(rng.choice([3, 4, 4, 5, 5])))
        if k % 4 == 0:
            services.make_agreement(
                operator,
                pair,
                number=f"{k + 1}-С",
                date=start,
                start=start,
                end=dt.date(year + 1, 8, 31),
            )


def _events_and_practices(operator: Any, year: int, rng: np.random.Generator) -> None:
    curators = list(Curator.objects.filter(kind=Curator.Kind.SCHOOL, status=Curator.Status.INCLUDED)[:6])
    specs = [
        ("Региональный семинар «Школа-куратор: адресная помощь»", "seminar", "regional", 3, 85),
        ("Вебинар «Анализ результатов ВПР в школах с низкими результатами»", "webinar", "regional", 4, 140),
        (
            "Межрегиональная конференция «Эффективные практики перехода школ в эффективный режим»",
            "conference",
            "interregional",
            10,
            220,
        ),
        ("Мастер-класс «Формирующее оценивание»", "master_class", "municipal", 10, 35),
    ]
    for title, kind, level, month, people in specs:
        organiser = curators[0].school if curators and level == "municipal" else None
        services.add_event(
            operator,
            title=title,
            kind=kind,
            level=level,
            date=dt.date(year, month, 15),
            audience="руководители и педагоги ШНОР и ШНСУ, школы-кураторы",
            participants=people,
            organiser=organiser,
            municipality=organiser.municipality if organiser else None,
        )
    practices = [
        ("Адресная работа с обучающимися группы риска", "Еженедельные консилиумы учителей параллели.", ["R09"]),
        ("Совет школы и родительский клуб", "Родители участвуют в планировании и оценке работы школы.", ["R10"]),
        ("Методический день внутри школы", "Открытые уроки и взаимное посещение раз в месяц.", ["R03", "R06"]),
        ("Учительские команды по предмету", "Общие контрольные и разбор ошибок всей командой.", ["R05"]),
    ]
    for i, (title, summary, factors) in enumerate(practices):
        if i >= len(curators):
            break
        school = curators[i].school
        assert school is not None
        p = services.add_practice(operator, school, title=title, summary=summary, factors=factors)
        if i < 3:
            services.publish_practice(operator, p)
    del rng


def _routes(operator: Any, year: int, rng: np.random.Generator) -> None:
    """Routes of the teachers with a deficit this year in every fourth supported school (and the
    demo director's): drafted, most approved, some items done. The other schools have not yet
    drafted theirs, as in a real region in the autumn."""
    director = User.objects.filter(username="school").values_list("school_id", flat=True).first()
    listed = {pk for i, pk in enumerate(sorted(services.official_run(year)[1])) if i % 4 == 0}
    if director is not None:
        listed.add(director)
    keys = Teacher.objects.filter(
        employments__school_id__in=listed, employments__is_active=True, diagnostics__year=year
    ).distinct()
    for teacher in keys.order_by("staff_key"):
        try:
            route = teachers.propose_route(operator, teacher, year)
        except teachers.TeacherError:
            continue
        if not route.deficits:
            route.delete()
            continue
        if rng.random() < 0.7:
            teachers.approve_route(operator, route)
            for item in route.items.all():
                if rng.random() < 0.4:
                    teachers.set_item(operator, item, RouteItem.Status.DONE, on=dt.date(year, 10, 20))
