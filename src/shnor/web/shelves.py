"""The home page's own objects and figures (issue 24): the region's list, the district's schools, my
programme, my pairs, my route, each named and linked, and the three or four figures that matter for
the role, each a link. All within the user's scope (the services' own scoping)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse

from shnor.accounts.roles import Role
from shnor.accounts.scoping import restrict, scope_of
from shnor.core.numbers import number, plural

SHOWN = 6  # objects named on a shelf; the rest are counted behind the link to their page


@dataclass(frozen=True)
class Item:
    text: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Shelf:
    title: str
    items: list[Item]
    empty: str
    more: Item | None = None
    key: str = ""  # for tests and styling


@dataclass(frozen=True)
class Figure:
    value: str
    label: str
    url: str
    key: str = ""


@dataclass
class Workspace:
    year: int
    shelves: list[Shelf] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


def build(user: Any, today: dt.date | None = None) -> Workspace:
    """The user's objects of the working year (that of the list approved last: a newer run not yet
    approved does not move the workspace on)."""
    from shnor.support.services.common import list_year

    ws = Workspace(year=list_year())
    builders: list[Callable[[Any, int], Shelf | None]] = [_list, _programmes, _pairs, _recommendations, _route]
    ws.shelves = [s for s in (b(user, ws.year) for b in builders) if s is not None]
    ws.figures = _figures(user, ws.year)
    return ws


def _main(qs: Any) -> Any:
    """Main programmes only: an anti-risk programme is a part of its school's programme (and is shown
    on its page, not in the list of programmes)."""
    return qs.filter(parent__isnull=True)


def _shelf(key: str, title: str, items: list[Item], count: int, empty: str, more_text: str, more_url: str) -> Shelf:
    """A shelf of the first `SHOWN` of `count` objects (the caller reads only those from the database,
    so the home page does not grow with the region)."""
    more = Item(more_text, more_url) if count > SHOWN else None
    return Shelf(title, items[:SHOWN], empty, more, key)


def _listed(year: int) -> tuple[Any, dict[int, str]]:
    from shnor.support.services.common import official_run

    return official_run(year)


def _list(user: Any, year: int) -> Shelf | None:
    """The year's list within the user's scope: the region's, the district's schools on it, or
    whether the user's own school is on it."""
    if user.role == Role.TEACHER:
        return None
    from shnor.identification.models import SchoolResult

    run, listed = _listed(year)
    if run is None:
        return Shelf("Перечень школ", [], "Расчёт выявления ещё не проведён.", key="list")
    state = "утверждён" if run.is_approved else "проект, не утверждён"
    title = f"Перечень на {run.year} год ({state})"
    if user.role == Role.SCHOOL and user.school_id and user.school_id not in listed:
        return Shelf(title, [], "Ваша школа не входит в перечень этого года.", key="list")
    from shnor.identification.services import listed_q

    results = restrict(SchoolResult.objects.filter(run=run).filter(listed_q(run)), user)
    rows = results.select_related("school").order_by("school__name", "pk")[:SHOWN]
    items = [Item(r.school.name, reverse("identification:school", args=[run.pk, r.school_id]), _group(r)) for r in rows]
    count = results.count()
    more = f"Весь перечень в вашей области доступа: {_n(count)} {plural(count, 'школа', 'школы', 'школ')}"
    return _shelf("list", title, items, count, "В вашей области доступа нет школ перечня.", more,
                  reverse("identification:list", args=[run.pk]))  # fmt: skip


def _group(result: Any) -> str:
    from shnor.identification import labels

    return labels.GROUPS.get(labels.group_of(result.group, result.category), "")


def _programmes(user: Any, year: int) -> Shelf | None:
    """Programmes not yet completed: a school's own, a district's, the region's, most urgent first."""
    if user.role == Role.TEACHER:
        return None
    from shnor.programmes.models import Programme
    from shnor.programmes.services.common import programmes

    order: list[str] = [Programme.Status.RETURNED, Programme.Status.DRAFT, Programme.Status.SUBMITTED, Programme.Status.REVIEW,
             Programme.Status.APPROVED, Programme.Status.IN_FORCE]  # fmt: skip
    live = _main(programmes(user)).exclude(status=Programme.Status.COMPLETED)
    # Most urgent first, then by owner (`Programme.owner_label`: the school, the district, the region).
    urgency = Case(*(When(status=s, then=Value(i)) for i, s in enumerate(order)), default=Value(len(order)))
    owner = Coalesce("school__name", "municipality__name", Value("Регион"))
    rows = live.annotate(urgency=urgency, owner=owner).order_by("urgency", "owner", "pk")[:SHOWN]
    items = [Item(p.title, reverse("programmes:detail", args=[p.pk]), f"{p.owner_label()}; {p.get_status_display()}")
             for p in rows]  # fmt: skip
    empty = "Программ пока нет." if user.role != Role.SCHOOL else "У школы пока нет программы."
    count = live.count()
    return _shelf("programmes", "Программы", items, count, empty, f"Все программы: {_n(count)}",
                  reverse("programmes:list"))  # fmt: skip


def _pairs(user: Any, year: int) -> Shelf | None:
    """The year's approved pairs: a curator's schools, a school's curator, a district's or the region's."""
    if user.role == Role.TEACHER:
        return None
    from shnor.support.models import Consultation

    found = _own_pairs(user, year)
    pairs = list(found[:SHOWN])
    last = dict(
        Consultation.objects.filter(pairing__in=pairs)
        .values("pairing")
        .annotate(n=Count("pk"))
        .values_list("pairing", "n")
    )
    items = []
    for p in pairs:
        who = p.school.name if user.role == Role.CURATOR else f"{p.school.name} — {p.curator}"
        if user.role == Role.SCHOOL:
            who = f"Куратор: {p.curator}"
        n = last.get(p.pk, 0)
        note = f"{p.get_form_display()}; {n} {plural(n, 'консультация', 'консультации', 'консультаций')}"
        items.append(Item(who, reverse("support:pair", args=[p.pk]), note))
    title = {Role.CURATOR: "Сопровождаемые школы", Role.SCHOOL: "Сопровождение школы"}.get(
        user.role, "Пары «школа — куратор»"
    )
    empty = {Role.SCHOOL: "Куратор школе не назначен."}.get(user.role, "Утверждённых пар этого года нет.")
    count = found.count()
    return _shelf("pairs", f"{title}, {year} год", items, count, empty, f"Все пары: {_n(count)}",
                  f"{reverse('support:overview')}?year={year}")  # fmt: skip


def _own_pairs(user: Any, year: int) -> Any:
    """The year's approved pairs the user sees; a curator's own only (a school merely assigned to
    them is not theirs: `support.services.pairs.is_curator_of`)."""
    from shnor.support.services.pairs import pairings

    pairs = pairings(user, year=year)
    if user.role == Role.CURATOR:
        pairs = pairs.filter(Q(curator__school_id=user.school_id or -1) | Q(curator__user_id=user.pk))
    return pairs


def _waiting(user: Any, year: int) -> tuple[Any, bool]:
    """The year's recommendations issued and not yet reported on: to the user's own school, curator or
    district (True), or all the user may see (the region's keepers, an observer: False)."""
    from shnor.cycle.models import Recommendation as R
    from shnor.cycle.services.recommendation import recommendations

    qs = recommendations(user, year).filter(status__in=[R.Status.ISSUED, R.Status.READ])
    own = {
        Role.SCHOOL: Q(addressee=R.Addressee.SCHOOL, school_id=user.school_id),
        Role.CURATOR: Q(addressee=R.Addressee.CURATOR),
        Role.MUNICIPAL_COORDINATOR: Q(addressee=R.Addressee.MUNICIPALITY, municipality_id=user.municipality_id),
    }.get(user.role)
    return (qs if own is None else qs.filter(own)), own is not None


def _recommendations(user: Any, year: int) -> Shelf | None:
    if user.role == Role.TEACHER:
        return None
    qs, own = _waiting(user, year)
    items = [
        Item(r.title, reverse("cycle:recommendation", args=[r.pk]),
             r.get_status_display() + (f"; отчёт до {r.due:%d.%m.%Y}" if r.due else ""))
        for r in qs.order_by(F("due").asc(nulls_last=True), "pk")[:SHOWN]
    ]  # fmt: skip
    title = "Рекомендации вам, ожидающие отчёта" if own else "Направленные рекомендации без отчёта"
    count = qs.count()
    return _shelf("recommendations", title, items, count, "Таких рекомендаций нет.", f"Все: {_n(count)}",
                  f"{reverse('cycle:recommendations')}?year={year}")  # fmt: skip


def _route(user: Any, year: int) -> Shelf | None:
    """A teacher's own route (ИОМ): its status and what is done."""
    if user.role != Role.TEACHER:
        return None
    from shnor.staff.models import Route, RouteItem

    routes = restrict(Route.objects.select_related("teacher"), user).order_by("-year")
    items = []
    for route in routes[:SHOWN]:
        live = route.items.exclude(status=RouteItem.Status.DROPPED)
        done = live.filter(status=RouteItem.Status.DONE).count()
        note = f"{route.get_status_display()}; выполнено {done} из {live.count()}"
        items.append(Item(f"Маршрут на {route.year} год", reverse("staff:teacher", args=[route.teacher_id]), note))
    return Shelf("Индивидуальный образовательный маршрут", items, "Маршрут ещё не составлен.", key="route")


def _fig(n: int, forms: tuple[str, str, str], rest: str, url: str, key: str, shown: str = "") -> Figure:
    """A figure with its noun agreeing with the count: «1 программа действует», «5 программ действуют»."""
    return Figure(shown or _n(n), f"{plural(n, *forms)} {rest}".strip(), url, key)


def _figures(user: Any, year: int) -> list[Figure]:
    """Three or four figures for the role, each a link to the page that explains it."""
    if user.role == Role.TEACHER:
        return _teacher_figures(user)
    from shnor.identification.services import listed_q
    from shnor.programmes.models import Activity, Programme
    from shnor.programmes.services.common import programmes
    from shnor.registry.models import School
    from shnor.support.models import Consultation

    run, listed = _listed(year)
    support, plans = f"{reverse('support:overview')}?year={year}", reverse("programmes:list")
    out = []
    if user.role not in (Role.SCHOOL, Role.CURATOR) and run is not None:
        n = (
            len(listed)
            if scope_of(user).region_wide
            else restrict(School.objects.filter(listed_q(run, "pk")), user).count()
        )
        url = reverse("identification:list", args=[run.pk])
        out.append(_fig(n, ("школа", "школы", "школ"), f"в перечне на {run.year} год", url, "listed"))
    live = _main(programmes(user)).filter(status=Programme.Status.IN_FORCE)
    n = live.count()
    out.append(_fig(n, ("программа действует", "программы действуют", "программ действуют"), "", plans, "programmes"))
    if user.role == Role.SCHOOL:
        acts = Activity.objects.filter(programme__in=live)
        total, done = acts.count(), acts.filter(status=Activity.Status.DONE).count()
        shown = f"{_n(done)} из {_n(total)}"
        out.append(_fig(total, ("мероприятия", "мероприятий", "мероприятий"), "программы выполнено", plans,
                        "activities", shown))  # fmt: skip
    pairs = _own_pairs(user, year)  # a curator's own, as on the shelf
    if user.role != Role.SCHOOL:
        n = pairs.count()
        out.append(_fig(n, ("пара", "пары", "пар"), f"«школа — куратор» на {year} год", support, "pairs"))
    n = Consultation.objects.filter(pairing__in=pairs).count()
    forms = ("консультация куратора", "консультации куратора", "консультаций куратора")
    out.append(_fig(n, forms, f"за {year} год", support, "consultations"))
    n = _waiting(user, year)[0].count()
    forms = ("рекомендация ждёт", "рекомендации ждут", "рекомендаций ждут")
    out.append(_fig(n, forms, "отчёта", f"{reverse('cycle:recommendations')}?year={year}", "recommendations"))
    return out[:4]


def _teacher_figures(user: Any) -> list[Figure]:
    """The teacher's latest route: its items done, the hours of those done, its deficits."""
    from shnor.staff.models import Route, RouteItem

    route = restrict(Route.objects.all(), user).order_by("-year").first()
    url = reverse("staff:teachers")
    items = RouteItem.objects.filter(route=route).exclude(status=RouteItem.Status.DROPPED)
    done = items.filter(status=RouteItem.Status.DONE)
    hours = int(done.aggregate(h=Sum("hours"))["h"] or 0)
    deficits = len(route.deficits) if route is not None else 0
    total = items.count()
    of_year = f" на {route.year} год" if route is not None else ""
    return [
        _fig(total, ("мероприятия", "мероприятий", "мероприятий"), f"маршрута{of_year} выполнено", url, "route-done",
             f"{_n(done.count())} из {_n(total)}"),
        Figure(f"{_n(hours)} ч", "обучения по маршруту пройдено", url, "hours"),
        _fig(deficits, ("профессиональный дефицит", "профессиональных дефицита", "профессиональных дефицитов"),
             "в маршруте", url, "deficits"),
    ]  # fmt: skip


def _n(value: Any) -> str:
    return number(value)


def schools_word(n: int) -> str:
    return plural(
        n, "общеобразовательная организация", "общеобразовательные организации", "общеобразовательных организаций"
    )


def registry_detail(summary: dict[str, Any]) -> str:
    """«259 527 обучающихся; сельских — 439, малокомплектных — 108, филиалов — 51»."""
    pupils = summary["pupils"]
    word = plural(pupils, "обучающийся", "обучающихся", "обучающихся")
    return (
        f"{_n(pupils)} {word}; сельских — {_n(summary['rural'])}, малокомплектных — {_n(summary['small'])}, "
        f"филиалов — {_n(summary['branches'])}"
    )
