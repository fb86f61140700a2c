"""The management cycle's pages: thin wrappers around the services of shnor.cycle."""

from __future__ import annotations

from typing import Any, Literal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.roles import Role
from shnor.accounts.scoping import restrict
from shnor.cycle import cyclogram as cyclogram_service
from shnor.cycle import effect as effect_service
from shnor.cycle import indicators
from shnor.registry.models import Municipality, School


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _level(request: HttpRequest) -> tuple[Municipality | None, School | None]:
    """The dashboard's level: the region, a municipality or a school, inside the user's scope.
    A school's account always sees its own school; a municipal coordinator their municipality."""
    user: Any = request.user
    school_pk = _int(request, "school") or (user.school_id if user.role == Role.SCHOOL else None)
    school = (
        restrict(School.objects.select_related("municipality"), user).filter(pk=school_pk).first()
        if school_pk
        else None
    )
    if school_pk and school is None:
        raise Http404("Школа не найдена или нет доступа")
    muni_pk = _int(request, "municipality") or (
        user.municipality_id if user.role == Role.MUNICIPAL_COORDINATOR else None
    )
    municipality = restrict(Municipality.objects.all(), user).filter(pk=muni_pk).first() if muni_pk else None
    if muni_pk and municipality is None:
        raise Http404("Муниципалитет не найден или нет доступа")
    return (school.municipality if school else municipality), school


def _year(request: HttpRequest) -> int | None:
    years = indicators.years()
    year = _int(request, "year")
    return year if year in years else (years[0] if years else None)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The indicators of the region, a municipality or a school: value, target, status, trend."""
    user: Any = request.user
    municipality, school = _level(request)
    year = _year(request)
    m, s = (municipality.pk if municipality else None), (school.pk if school else None)
    rows = indicators.dashboard(user, year, m, s) if year else []
    return render(
        request,
        "cycle/indicators.html",
        {
            "rows": rows,
            "year": year,
            "years": indicators.years(),
            "municipality": municipality,
            "school": school,
            "municipalities": restrict(Municipality.objects.all(), user).order_by("name"),
            "note": indicators.note(),
            "met": sum(1 for v, _ in rows if v.status == "met"),
        },
    )


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """Drill-down: by municipality, then by school, then the schools or people counted."""
    user: Any = request.user
    municipality, school = _level(request)
    year = _year(request)
    if year is None:
        raise Http404("Нет выполненных расчётов идентификации")
    try:
        value = indicators.get(
            user, year, code, municipality.pk if municipality else None, school.pk if school else None
        )
    except KeyError:
        raise Http404("Показатель не найден") from None
    level: Literal["municipality", "school"] = "school" if municipality or school else "municipality"
    rows = value.by(level) if not school else []
    base = f"{reverse('cycle:indicator', args=[code])}?year={year}"
    if level == "municipality":
        pks = dict(restrict(Municipality.objects.all(), user).values_list("name", "pk"))
        links = [(r, f"{base}&municipality={pks[r.key]}" if r.key in pks else "") for r in rows]
    else:
        pks = dict(
            restrict(School.objects.all(), user)
            .filter(school_id__in=[r.key for r in rows])
            .values_list("school_id", "pk")
        )
        links = [(r, f"{base}&school={pks[r.key]}" if r.key in pks else "") for r in rows]
    return render(
        request,
        "cycle/indicator.html",
        {
            "value": value,
            "year": year,
            "municipality": municipality,
            "school": school,
            "rows": links,
            "level": level,
            "units": value.units if (school or municipality) else [],
        },
    )


@login_required
def cyclogram(request: HttpRequest) -> HttpResponse:
    """The year's cyclogram: each item's period, status and the evidence that fulfilled it."""
    today = timezone.localdate()
    year = _int(request, "year") or today.year
    return render(
        request,
        "cycle/cyclogram.html",
        {"lines": cyclogram_service.lines(year, today), "year": year, "years": range(today.year - 3, today.year + 2)},
    )


@login_required
def effect(request: HttpRequest) -> HttpResponse:
    """Effectiveness of the measures: supported schools against similar unsupported ones."""
    user: Any = request.user
    years = sorted(indicators.years())
    start = _int(request, "start") or (years[-2] if len(years) >= 2 else None)
    end = _int(request, "end") or (years[-1] if years else None)
    analysis, error = None, ""
    if start is None or end is None:
        error = "Для оценки нужны расчёты идентификации хотя бы двух лет: года начала мер и более позднего."
    else:
        try:
            analysis = effect_service.analyse(user, start, end)
        except effect_service.EffectError as problem:
            error = str(problem)
    return render(
        request,
        "cycle/effect.html",
        {"analysis": analysis, "error": error, "years": years, "start": start, "end": end},
    )
