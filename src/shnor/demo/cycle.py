"""The demo's management cycle, made through the services as a region's staff would make it:
the list approved by an order, the analyst's conclusions, recommendations drafted from the data
(most issued, some read and reported on), measures of the year, decisions of the five kinds with
their documents, a working-group meeting with its protocol and the effectiveness report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from shnor.accounts.models import User
from shnor.cycle import effect
from shnor.cycle import services as cycle
from shnor.cycle.models import Measure
from shnor.demo.generator import DemoRegion
from shnor.identification import services as identification
from shnor.identification.models import Run
from shnor.support.models import Curator, Pairing

CONCLUSIONS = {
    "identification": "ИОР и ИСБ рассчитаны для всех школ региона. Перечень ШНОР и ШНСУ сформирован по методике "
    "пресета и утверждён приказом; наибольшая доля школ перечня — в муниципальных районах с сельскими школами.",
    "dynamics": "Положительную динамику ИОР за год показала часть школ перечня; динамика сопоставима с общим "
    "региональным трендом, поэтому вывод об эффекте мер делается по сравнению с похожими школами.",
    "competences": "Диагностику профессиональных дефицитов прошли педагоги всех школ перечня; у прошедших курсы "
    "повышения квалификации результаты повторной диагностики выше.",
    "assistance": "Все школы перечня закреплены за школами-кураторами; в части пар консультации не проводятся "
    "дольше установленного срока — требуется контроль муниципальных координаторов.",
}

MEASURES = [
    ("Семинар «Анализ результатов ВПР и планирование коррекционной работы»", "preparation", 2, 3),
    ("Стажировки педагогов ШНОР в школах-кураторах", "network", 3, 5),
    ("Выездные консультации методистов в школы перечня", "methodical", 4, 11),
    ("Отбор школ-кураторов из числа резильентных школ", "curators", 1, 2),
    ("Курсы «Управление качеством образования» для управленческих команд", "management", 2, 5),
    ("Адресные программы повышения квалификации по итогам диагностики", "training", 9, 12),
]


def build_cycle(operator: Any, region: DemoRegion) -> None:
    year = max(region.config.years)
    today = timezone.localdate()
    run = Run.objects.filter(year=year, status=Run.Status.DONE).order_by("-pk").first()
    if run is not None and not run.is_approved:
        identification.approve(operator, run, number="45-од", date=today)
    for direction, text in CONCLUSIONS.items():
        cycle.save_conclusion(operator, year, direction, None, text)
    measures = []
    for title, direction, first, last in MEASURES:
        start, end = dt.date(year, first, 1), dt.date(year, last, 28)
        measure = cycle.add_measure(
            operator,
            year=year,
            title=title,
            direction=direction,
            responsible="Региональный оператор",
            start=start,
            end=end,
        )
        if end < today and direction != "methodical":
            cycle.update_measure(operator, measure, Measure.Status.DONE, "Проведено по плану.")
        elif start <= today:
            cycle.update_measure(operator, measure, Measure.Status.IN_PROGRESS)
        measures.append(measure)
    _recommendations(operator, year)
    _decisions(operator, year, measures, today)
    _meeting(operator, year, today)


def _recommendations(operator: Any, year: int) -> None:
    cycle.draft_all(operator, year)
    drafts = list(cycle.recommendations(operator, year, "draft").order_by("addressee", "pk"))
    # Everything to municipalities and curators is issued; of the school heads' every other one.
    heads = [r for r in drafts if r.addressee == "school"]
    for rec in [r for r in drafts if r.addressee != "school"] + heads[::2]:
        cycle.issue(operator, rec)
    # The demo school's head and municipal coordinator have read theirs; the head has reported.
    for username in ("school", "municipal"):
        user = User.objects.get(username=username)
        for rec in cycle.recommendations(user, year, "issued"):
            if cycle.is_addressee(user, rec):
                cycle.mark_read(user, rec)
                if username == "school":
                    cycle.report(
                        user,
                        rec,
                        "Рекомендации рассмотрены на педагогическом совете; программа повышения "
                        "качества образования актуализирована, педагоги направлены на курсы.",
                    )


def _decisions(operator: Any, year: int, measures: list[Measure], today: dt.date) -> None:
    listed = Pairing.objects.filter(year=year, status=Pairing.Status.APPROVED).select_related("school")
    schools = [p.school for p in listed]
    curators = [c.school for c in Curator.objects.filter(pairings__in=listed, school__isnull=False).distinct()]
    recs = list(cycle.recommendations(operator, year).exclude(status="draft").filter(addressee="municipality"))
    specs: list[tuple[str, str, str, dt.date, str, list[str], list[Any], list[Measure], dt.date | None]] = [
        (
            "activating",
            "order",
            "112-од",
            dt.date(year, 3, 10),
            "О направлении педагогических работников ШНОР на обучение по адресным программам",
            [
                "Направить педагогических работников школ перечня на обучение по адресным программам повышения квалификации с учётом результатов диагностики."
            ],
            schools,
            [measures[5], measures[4]],
            dt.date(year, 12, 20),
        ),
        (
            "coordinating",
            "order",
            "140-од",
            dt.date(year, 3, 25),
            "О стажировках педагогов в школах-кураторах",
            ["Организовать стажировки педагогических работников ШНОР на базе школ-кураторов."],
            curators,
            [measures[1]],
            dt.date(year, 6, 30),
        ),
        (
            "controlling",
            "disposition",
            "18-р",
            dt.date(year, 4, 1),
            "О ежемесячных совещаниях с руководителями муниципальных органов управления образованием",
            ["Проводить ежемесячные совещания по вопросам повышения качества образования в ШНОР и ШНСУ."],
            [],
            [measures[2]],
            None,
        ),
        (
            "stimulating",
            "order",
            "301-од",
            dt.date(year, 10, 5),
            "О благодарственных письмах руководителям школ-кураторов",
            ["Объявить благодарность руководителям школ-кураторов за методическую помощь школам перечня."],
            curators[:10],
            [],
            None,
        ),
    ]
    for kind, document, number, date, title, items, chosen, ms, due in specs:
        if date > today:
            continue
        decision = cycle.record_decision(
            operator,
            kind=kind,
            document_kind=document,
            number=number,
            date=date,
            title=title,
            items=items,
            basis="По результатам анализа мониторинга показателей системы работы со ШНОР и ШНСУ.",
            schools=chosen,
            measures_=ms,
            recommendations_=recs if kind == "controlling" else [],
            due=due,
        )
        if due is not None and due < today:
            cycle.execute(operator, decision, due, "Исполнено в установленный срок.")


def _meeting(operator: Any, year: int, today: dt.date) -> None:
    date = min(today, dt.date(year, 11, 20))
    meeting = cycle.add_meeting(
        operator,
        body="",
        number="2",
        date=date,
        chair="Руководитель рабочей группы (демо)",
        secretary="Секретарь рабочей группы (демо)",
        items=[
            {
                "title": "Об итогах мониторинга и эффективности принятых мер",
                "heard": "секретаря рабочей группы, представившего отчёт об эффективности принятых мер",
                "resolved": "Утвердить отчёт об эффективности принятых мер.\nПродолжить работу по сопровождению школ перечня.",
                "votes_for": 15,
            },
            {"title": "Разное", "heard": "членов рабочей группы", "resolved": "Принять к сведению.", "votes_for": 15},
        ],
    )
    cycle.protocol(operator, meeting)
    effect.report(operator, year, year)
