"""A school's way through the management cycle as a timeline (issue 24): identified → risk profile →
programme → curator → recommendations → decisions → exit, each step with its date, what it says and
the page behind it, within what the user may see. Built here, above every section it reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from shnor.accounts.roles import Role
from shnor.core.numbers import plural


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    text: str
    when: dt.date | None = None
    url: str = ""


def school_timeline(user: Any, school: Any) -> list[Step]:
    """The school's steps of the latest year; empty for a teacher (who sees their own work only)."""
    if getattr(user, "role", "") == Role.TEACHER:
        return []
    from shnor.support.services.common import list_year

    year = list_year()
    programme = _programme(user, school)
    return [
        _identified(school, year),
        _profile(user, school),
        _programme_step(programme),
        _curator(user, school, year),
        _recommendations(user, school),
        _decisions(user, school),
        _exit(user, school),
    ]


def _identified(school: Any, year: int) -> Step:
    from shnor.identification import labels
    from shnor.identification.models import SchoolResult
    from shnor.support.services.common import official_run

    run, listed = official_run(year)
    if run is None:
        return Step("Выявление", False, f"Выявление за {year} год ещё не проведено.")
    if school.pk not in listed:
        return Step("Выявление", False, f"В перечень на {year} год не входит.")
    result = SchoolResult.objects.filter(run=run, school=school).first()
    group = labels.GROUPS.get(labels.group_of(result.group, result.category), "") if result else ""
    decision = run.decisions.order_by("-pk").first()
    state = f"утверждён: {decision}" if decision else "перечень ещё не утверждён"
    text = f"В перечне на {run.year} год ({group}); {state}."
    url = reverse("identification:school", args=[run.pk, school.pk])
    return Step("Выявление", True, text, decision.date if decision else None, url)


def _profile(user: Any, school: Any) -> Step:
    from shnor.accounts.scoping import restrict
    from shnor.risks.models import Profile

    profile = restrict(Profile.objects.filter(school=school), user).order_by("-year").first()
    if profile is None:
        return Step("Рисковый профиль", False, "Не построен.")
    n = len(profile.fixed)
    risks = f"{n} {plural(n, 'зафиксированный риск', 'зафиксированных риска', 'зафиксированных рисков')}"
    url = reverse("risks:profile", args=[school.pk, profile.year])
    return Step(
        "Рисковый профиль", True, f"За {profile.year} год: {risks}.", timezone.localdate(profile.computed_at), url
    )


def _programme(user: Any, school: Any) -> Any:
    from shnor.programmes.models import Programme
    from shnor.programmes.services.common import programmes

    own = programmes(user).filter(school=school, level=Programme.Level.SCHOOL)
    return own.order_by("-start", "-pk").first()


def _programme_step(programme: Any) -> Step:
    if programme is None:
        return Step("Программа", False, "Программы нет.")
    live = programme.status in ("in_force", "completed")
    text = (
        f"«{programme.title}»: {programme.get_status_display()}, {programme.start:%d.%m.%Y} — {programme.end:%d.%m.%Y}."
    )
    url = reverse("programmes:detail", args=[programme.pk])
    return Step("Программа", live, text, programme.start, url)


def _curator(user: Any, school: Any, year: int) -> Step:
    from shnor.support.services.pairs import pairings

    pair = pairings(user, year=year).filter(school=school).first()
    if pair is None:
        return Step("Куратор", False, f"На {year} год не назначен.")
    n = pair.consultations.count()
    text = (
        f"{pair.curator} ({pair.get_form_display()}); {n} {plural(n, 'консультация', 'консультации', 'консультаций')}."
    )
    when = timezone.localdate(pair.approved_at) if pair.approved_at else None
    return Step("Куратор", True, text, when, reverse("support:pair", args=[pair.pk]))


def _recommendations(user: Any, school: Any) -> Step:
    from shnor.cycle.models import Recommendation as R
    from shnor.cycle.services.recommendation import recommendations

    sent = recommendations(user).filter(school=school).exclude(status=R.Status.DRAFT).order_by("-issued_at", "-pk")
    latest = sent.first()
    if latest is None:
        return Step("Рекомендации", False, "Не направлялись.")
    n = sent.count()
    text = f"Направлено рекомендаций: {n}; последняя — {latest.get_status_display()}."
    when = timezone.localdate(latest.issued_at) if latest.issued_at else None
    return Step("Рекомендации", True, text, when, reverse("cycle:recommendation", args=[latest.pk]))


def _decisions(user: Any, school: Any) -> Step:
    from shnor.records.services import decisions

    named = decisions(user).filter(schools=school).order_by("-date", "-pk")
    latest = named.first()
    if latest is None:
        return Step("Управленческие решения", False, "Школа в решениях не названа.")
    n = named.count()
    text = f"{n} {plural(n, 'решение', 'решения', 'решений')}; последнее — {latest}."
    return Step("Управленческие решения", True, text, latest.date, reverse("cycle:decision", args=[latest.pk]))


def _exit(user: Any, school: Any) -> Step:
    from shnor.programmes.models import Programme
    from shnor.programmes.services.common import programmes

    done = programmes(user).filter(school=school, status=Programme.Status.COMPLETED).exclude(exit_decision=None)
    finished = done.select_related("exit_decision").order_by("-end").first()
    if finished is None or finished.exit_decision is None:
        return Step("Выход из программы", False, "Не принималось.")
    decision = finished.exit_decision
    url = reverse("programmes:detail", args=[finished.pk])
    return Step("Выход из программы", True, f"Решение о выходе: {decision}.", decision.date, url)
