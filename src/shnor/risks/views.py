"""Risk-profile pages and the public questionnaire forms: thin wrappers around services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shnor.accounts.actor import Actor, AuthedRequest
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict, sees_rows_of
from shnor.audit.middleware import client_ip
from shnor.core import risks as core
from shnor.documents import risks as documents
from shnor.documents.cache import pdf_folder
from shnor.documents.common import html_to_pdf
from shnor.lib.listing import paged
from shnor.lib.lookup import as_year
from shnor.lib.memo import shows_earlier
from shnor.registry import services as registry
from shnor.registry.models import School
from shnor.risks import services
from shnor.risks.models import Profile, QuestionnaireLink


def _year(request: HttpRequest) -> int:
    years = services.years()
    if not request.GET.get("year"):
        return years[0] if years else timezone.localdate().year
    year = as_year(request.GET.get("year"))
    if year is None:
        raise Http404
    return year


@login_required
@shows_earlier
def regional(request: AuthedRequest) -> HttpResponse:
    user = request.user
    year = _year(request)
    can_build = user.has_shnor_perm(Perm.BUILD_PROFILES)
    if request.method == "POST":
        if not can_build:
            raise PermissionDenied
        count = services.build(user, year)
        messages.success(request, f"Рисковые профили за {year} год рассчитаны: {count}.")
        return redirect(f"{reverse('risks:regional')}?year={year}")
    profiles = services.profiles(user, year).order_by("school__municipality__name", "school__name")
    q = request.GET.get("q", "").strip()
    if q:
        profiles = profiles.filter(Q(school__name__icontains=q) | Q(school__municipality__name__icontains=q))
    context = {
        "year": year,
        "years": services.years(),
        "table": services.regional(user, year),
        **paged(request, profiles),
        "q": q,
        "levels": core.LEVEL_TITLES,
        "can_build": can_build,
        "breadcrumbs": [("Рисковые профили", None)],
    }
    return render(request, "risks/regional.html", context)


def _signed_in(request: HttpRequest) -> Actor | None:
    """The account that opened the public questionnaire, if one is signed in."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _view(request: AuthedRequest, school: int, year: int) -> services.ProfileView:
    try:
        return services.profile_for(request.user, school, year)
    except Profile.DoesNotExist:
        raise Http404("Профиль не найден") from None


def _school(request: AuthedRequest, pk: int) -> School:
    """The school whose profiles the user may see (a teacher sees the school, not its profile)."""
    if not sees_rows_of(Profile, request.user, pk):
        raise Http404("Профиль не найден")
    return get_object_or_404(restrict(School.objects.select_related("municipality"), request.user), pk=pk)


@login_required
def school_profile(request: AuthedRequest, school: int, year: int) -> HttpResponse:
    the_school = _school(request, school)
    try:
        view: services.ProfileView | None = services.profile_for(request.user, school, year)
    except Profile.DoesNotExist:
        view = None
    rows = view.rows() if view else []
    chart = {
        "factors": [r["factor"].title for r in rows],
        "share": [round(r["past"] / r["measured"], 3) if r["measured"] else None for r in rows],
        "levels": [r["level"] for r in rows],
        "high": view.catalogue.high if view else None,
        "medium": view.catalogue.medium if view else None,
    }
    context = {
        "school": the_school,
        "year": year,
        "view": view,
        "rows": rows,
        "chart": chart,
        "chart_label": "Диаграмма факторов риска; доли — в таблице ниже",
        "fixed": [r for r in rows if r["fixed"]],
        "links": services.links_for(request.user, the_school, year),
        "can_publish": services.can_publish(request.user, the_school),
        "other_years": restrict(Profile.objects.filter(school=the_school), request.user)
        .order_by("-year")
        .values_list("year", flat=True),
        "breadcrumbs": [("Рисковые профили", reverse("risks:regional")), (the_school.name, None)],
    }
    return render(request, "risks/profile.html", context)


@login_required
def profile_document(request: AuthedRequest, school: int, year: int, fmt: str) -> HttpResponse:
    view = _view(request, school, year)
    preset = registry.preset()
    today = timezone.localdate()
    name = f"risk-profile-{view.profile.school.school_id}-{year}"
    if fmt == "docx":
        content = documents.profile(view, preset.authority, today)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
        return response
    html = render_to_string(
        "risks/profile_print.html",
        {
            "view": view,
            "rows": view.rows(),
            "authority": preset.authority,
            "today": today,
            "value": documents.value_text,
        },
    )
    response = HttpResponse(html_to_pdf(html, cache=pdf_folder()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@login_required
@require_POST
def questionnaires(request: AuthedRequest, school: int, year: int) -> HttpResponse:
    the_school = _school(request, school)
    services.publish(request.user, the_school, year)
    messages.success(request, "Анкеты опубликованы: передайте ссылки респондентам.")
    return redirect("risks:profile", school, year)


@login_required
@require_POST
def close_questionnaire(request: AuthedRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(restrict(QuestionnaireLink.objects.all(), request.user), pk=pk)
    services.close(request.user, link)
    messages.success(request, f"Приём ответов закрыт: {link.get_group_display()}.")
    return redirect("risks:profile", link.school_id, link.year)


@never_cache
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The public form: no account, nothing about the respondent is kept."""
    try:
        link = services.open_link(token)
    except QuestionnaireLink.DoesNotExist:
        raise Http404("Анкета не найдена") from None
    params = services.questions(link)
    error = ""
    answers: dict[str, Any] = {}
    if request.method == "POST":
        answers = {p.code: request.POST.get(p.code, "") for p in params}
        try:
            services.submit(
                token, request.POST.get("nonce", ""), answers, user=_signed_in(request), client=client_ip(request)
            )
        except services.QuestionnaireError as e:
            error = str(e)
        else:
            return render(request, "risks/answer_done.html", {"link": link})
    refusal = services.refusal_for_account(_signed_in(request), link)
    context = {
        "link": link,
        "refusal": refusal,
        "params": params,
        "nonce": services.issue_nonce(link),
        "error": error,
        "answers": answers,
        "group_title": core.SOURCE_TITLES[core.Source(link.group)],
        "scale": range(1, 6),
    }
    return render(request, "risks/answer.html", context, status=400 if error else 200)
