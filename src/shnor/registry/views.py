"""Registry pages: thin wrappers around shnor.registry.services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from shnor.accounts.actor import AuthedRequest
from shnor.audit import services as audit
from shnor.lib.listing import Column, is_partial, table
from shnor.registry import services
from shnor.registry.forms import BodyForm, MunicipalityForm, PersonForm, SchoolFilter, SchoolForm
from shnor.registry.models import InfrastructureBody, Person

SCHOOL_COLUMNS = [
    Column("school_id", "Код ОО", "school_id"),
    Column("name", "Наименование", "name"),
    Column("municipality", "Муниципалитет", "municipality__name"),
    Column("locality", "Местность", "locality"),
    Column("enrollment", "Обучающихся", "enrollment", numeric=True),
    Column("innovation_site", "РИП", "innovation_site"),
]


def _list(request: HttpRequest, template: str, rows: str, context: dict[str, Any]) -> HttpResponse:
    context["rows_template"] = rows
    if is_partial(request):
        return render(request, "web/_table.html", context)
    return render(request, template, context)


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


@login_required
def school_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = SchoolFilter(request.GET or None, municipalities=services.municipality_choices(user))
    qs = services.schools(user)
    if form.is_valid():
        data = form.cleaned_data
        qs = services.filter_schools(
            qs,
            q=data["q"],
            municipality=data["municipality"],
            locality=data["locality"],
            innovation_site=_flag(data["innovation_site"]),
            small=_flag(data["small"]),
        )
    context = table(request, qs, SCHOOL_COLUMNS, "name")
    context.update(form=form, can_edit=services.can_edit_school(user), breadcrumbs=[("Школы", None)])
    return _list(request, "registry/school_list.html", "registry/_school_rows.html", context)


@login_required
def school_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    school = get_object_or_404(services.schools(user), pk=pk)
    context = {
        "school": school,
        "branches": services.schools(user).filter(parent=school),
        "bodies": services.bodies(user).filter(school=school),
        "people": services.people(user).filter(school=school),
        "can_edit": services.can_edit_school(user),
        "history": audit.history_for(user, school)[:20],
        "breadcrumbs": [("Школы", reverse("registry:schools")), (school.name, None)],
    }
    return render(request, "registry/school_detail.html", context)


def _edit_page(
    request: HttpRequest,
    form: Any,
    save: Callable[[Any, Any], Any],
    *,
    success: str,
    target: Callable[[Any], str],
    title: str,
    section: tuple[str, str],
) -> HttpResponse:
    """GET shows the form; a valid POST saves through the service and redirects.

    A service refusal (PermissionDenied) or model validation error is shown on the form and
    nothing is written.
    """
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(request.user, form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            form.save_m2m()
            messages.success(request, success)
            return redirect(target(obj))
    crumbs = [(section[0], reverse(section[1])), (title, None)]
    return render(request, "registry/form.html", {"form": form, "title": title, "breadcrumbs": crumbs})


@login_required
def school_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if not services.can_edit_school(user):
        raise PermissionDenied("Реестр школ ведёт региональный оператор.")
    school = get_object_or_404(services.schools(user), pk=pk) if pk else None
    return _edit_page(
        request,
        SchoolForm(request.POST or None, instance=school),
        services.save_school,
        success="Сведения о школе сохранены.",
        target=lambda s: reverse("registry:school", args=[s.pk]),
        title=f"Изменение: {school.name}" if school else "Новая школа",
        section=("Школы", "registry:schools"),
    )


@login_required
def municipality_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = services.municipalities_with_counts(user)
    columns = [
        Column("code", "Код", "code"),
        Column("name", "Наименование", "name"),
        Column("kind", "Вид", "kind"),
        Column("n_schools", "Школ", "n_schools", numeric=True),
        Column("n_pupils", "Обучающихся", "n_pupils", numeric=True),
    ]
    context = table(request, qs, columns, "name")
    context.update(can_edit=services.can_edit_school(user), breadcrumbs=[("Муниципалитеты", None)])
    return _list(request, "registry/municipality_list.html", "registry/_municipality_rows.html", context)


@login_required
def municipality_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    municipality = get_object_or_404(services.municipalities(user), pk=pk)
    qs = services.schools(user).filter(municipality=municipality)
    context = table(request, qs, SCHOOL_COLUMNS, "name")
    context.update(
        municipality=municipality,
        bodies=services.bodies(user).filter(municipality=municipality),
        neighbours=services.municipalities(user).filter(neighbours=municipality),
        can_edit=services.can_edit_school(user),
        breadcrumbs=[("Муниципалитеты", reverse("registry:municipalities")), (municipality.name, None)],
    )
    return _list(request, "registry/municipality_detail.html", "registry/_school_rows.html", context)


@login_required
def municipality_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if not services.can_edit_school(user):
        raise PermissionDenied("Реестр муниципалитетов ведёт региональный оператор.")
    municipality = get_object_or_404(services.municipalities(user), pk=pk) if pk else None
    return _edit_page(
        request,
        MunicipalityForm(request.POST or None, instance=municipality),
        services.save_municipality,
        success="Сведения о муниципалитете сохранены.",
        target=lambda m: reverse("registry:municipality", args=[m.pk]),
        title=f"Изменение: {municipality.name}" if municipality else "Новый муниципалитет",
        section=("Муниципалитеты", "registry:municipalities"),
    )


@login_required
def body_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = services.bodies(user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    columns = [
        Column("kind", "Вид", "kind"),
        Column("name", "Наименование", "name"),
        Column("municipality", "Уровень", "municipality__name"),
        Column("school", "Базовая ОО", "school__name"),
    ]
    context = table(request, qs, columns, "kind")
    context.update(
        kinds=InfrastructureBody.Kind.choices,
        kind=kind,
        can_create=services.can_edit_local(user),
        breadcrumbs=[("Инфраструктура", None)],
    )
    return _list(request, "registry/body_list.html", "registry/_body_rows.html", context)


@login_required
def body_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    body = get_object_or_404(services.bodies(user), pk=pk)
    context = {
        "body": body,
        "members": body.memberships.select_related("person").order_by("role", "person__full_name"),
        "can_edit": services.can_edit_local(user, body),
        "history": audit.history_for(user, body)[:20],
        "breadcrumbs": [("Инфраструктура", reverse("registry:bodies")), (body.name, None)],
    }
    return render(request, "registry/body_detail.html", context)


@login_required
def body_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    body = get_object_or_404(services.bodies(user), pk=pk) if pk else None
    if not services.can_edit_local(user, body):
        raise PermissionDenied("Недостаточно прав для изменения инфраструктуры.")
    form = BodyForm(
        request.POST or None,
        instance=body,
        municipalities=services.municipalities(user),
        schools=services.schools(user),
    )
    return _edit_page(
        request,
        form,
        services.save_body,
        success="Структура сохранена.",
        target=lambda b: reverse("registry:body", args=[b.pk]),
        title=f"Изменение: {body.name}" if body else "Новая структура",
        section=("Инфраструктура", "registry:bodies"),
    )


@login_required
def person_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = services.people(user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(full_name__icontains=q)
    columns = [
        Column("full_name", "ФИО", "full_name"),
        Column("position", "Должность", "position"),
        Column("organization", "Организация", "organization"),
        Column("municipality", "Муниципалитет", "municipality__name"),
    ]
    context = table(request, qs, columns, "full_name")
    context.update(q=q, can_create=services.can_edit_local(user), breadcrumbs=[("Участники", None)])
    return _list(request, "registry/person_list.html", "registry/_person_rows.html", context)


@login_required
def person_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    person: Person | None = get_object_or_404(services.people(user), pk=pk) if pk else None
    if not services.can_edit_local(user, person):
        raise PermissionDenied("Недостаточно прав для изменения участников.")
    form = PersonForm(
        request.POST or None,
        instance=person,
        municipalities=services.municipalities(user),
        schools=services.schools(user),
    )
    return _edit_page(
        request,
        form,
        services.save_person,
        success="Сведения об участнике сохранены.",
        target=lambda _: reverse("registry:people"),
        title=f"Изменение: {person.full_name}" if person else "Новый участник",
        section=("Участники", "registry:people"),
    )
