"""Teachers' pages: thin wrappers around shnor.staff.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict
from shnor.lib.listing import paged, total
from shnor.lib.lookup import as_int, as_year, form_errors, or_404
from shnor.lib.memo import shows_earlier
from shnor.registry.models import Municipality, School
from shnor.staff import services
from shnor.staff.forms import CourseForm, DiagnosticForm, ItemForm, OfferForm, StaffForm
from shnor.staff.models import RouteItem, Teacher
from shnor.staff.services import TeacherError


def _year(request: HttpRequest) -> int | None:
    value = as_year(request.GET.get("year"))
    if value is not None:
        return value
    years = services.diagnostic_years()
    return years[0] if years else None


@login_required
@shows_earlier
def teacher_list(request: AuthedRequest) -> HttpResponse:
    """A teacher goes to their own record; a school sees its teachers; the region and a
    municipality see aggregates with drill-down, and the presets' targets with progress."""
    user = request.user
    if user.role == Role.TEACHER:
        teacher = restrict(Teacher.objects.all(), user).first()
        if teacher is None:
            raise Http404("Ваша запись педагога не найдена: проверьте код педагога в учётной записи.")
        return redirect("staff:teacher", pk=teacher.pk)
    year = _year(request)
    muni = request.GET.get("municipality", "")
    municipality = restrict(Municipality.objects.filter(pk=number), user).first() if (number := as_int(muni)) else None
    if municipality is None and user.role == Role.MUNICIPAL_COORDINATOR and user.municipality_id:
        municipality = Municipality.objects.get(pk=user.municipality_id)
    staff = services.teachers(user) if user.role in (Role.SCHOOL, Role.CURATOR) else None
    # A country's region has a thousand municipalities: the table is paged, its total row is the
    # whole scope's (each teacher counts once, in one row).
    aggregates = services.aggregates(user, year, municipality) if year and staff is None else []
    return render(
        request,
        "staff/list.html",
        {
            "year": year,
            "years": services.diagnostic_years(),
            "municipality": municipality,
            "aggregates": aggregates,
            **paged(request, aggregates),
            "total": total(aggregates, name="Итого", key=None),
            "targets": services.targets(user, year) if year else [],
            "staff": staff,
            "can_catalogue": user.has_shnor_perm(Perm.MANAGE_CATALOGUE),
            "staff_form": StaffForm() if user.role == Role.SCHOOL and user.school_id else None,
        },
    )


@login_required
@require_POST
def staff_add(request: AuthedRequest) -> HttpResponse:
    """The head adds a teacher of their school (the operator uses the API or the import)."""
    user = request.user
    if user.role != Role.SCHOOL or not user.school_id:
        raise PermissionDenied
    form = StaffForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Педагог не внесён: {form_errors(form)}")
        return redirect("staff:teachers")
    d = form.cleaned_data
    try:
        member = services.add_staff(user, School.objects.get(pk=user.school_id), d.pop("staff_key"), **d)
    except TeacherError as error:
        messages.error(request, str(error))
        return redirect("staff:teachers")
    messages.success(request, f"Педагог {member.teacher} внесён.")
    return redirect("staff:teacher", pk=member.teacher_id)


@login_required
def teacher_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    teacher = or_404(services.get_teacher, user, pk)
    card = services.card(user, teacher)
    return render(
        request,
        "staff/teacher.html",
        {
            "card": card,
            "rows": card.rows(),
            "deficits": [(services.area_title(a), s) for a, s in card.deficits.items()],
            "can_draft": services.can_draft(user, teacher),
            "can_approve": services.can_approve(user, teacher),
            "year": card.latest,
            "statuses": RouteItem.Status.choices,
            "area_title": services.area_title,
            "diagnostic_form": DiagnosticForm() if services.can_approve(user, teacher) else None,
            "course_form": CourseForm() if services.can_approve(user, teacher) else None,
            "item_form": ItemForm(offers=services.catalogue(user).order_by("title")),
        },
    )


@login_required
@require_POST
def diagnostics_add(request: AuthedRequest, pk: int) -> HttpResponse:
    teacher = or_404(services.get_teacher, request.user, pk)
    services.require_head(request.user, teacher)
    form = DiagnosticForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Результаты не внесены: {form_errors(form)}")
        return redirect("staff:teacher", pk=pk)
    try:
        n = services.record_diagnostics(request.user, teacher, form.cleaned_data["year"], form.scores())
    except TeacherError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Внесены результаты диагностики {form.cleaned_data['year']} года: областей {n}.")
    return redirect("staff:teacher", pk=pk)


@login_required
@require_POST
def course_add(request: AuthedRequest, pk: int) -> HttpResponse:
    teacher = or_404(services.get_teacher, request.user, pk)
    services.require_head(request.user, teacher)
    form = CourseForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Курс не внесён: {form_errors(form)}")
        return redirect("staff:teacher", pk=pk)
    try:
        course = services.record_course(request.user, teacher, **form.cleaned_data)
    except TeacherError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Внесён курс «{course.title}».")
    return redirect("staff:teacher", pk=pk)


@login_required
@require_POST
def item_add(request: AuthedRequest, pk: int) -> HttpResponse:
    route = or_404(services.get_route, request.user, pk)
    services.require_draft(request.user, route.teacher)
    form = ItemForm(request.POST, offers=services.catalogue(request.user))
    if not form.is_valid():
        messages.error(request, f"Пункт не добавлен: {form_errors(form)}")
        return redirect("staff:teacher", pk=route.teacher_id)
    d = form.cleaned_data
    try:
        services.add_item(request.user, route, title=d["title"], due=d["due"], offer=d["offer"], hours=d["hours"] or 0)
    except TeacherError as error:
        messages.error(request, str(error))
    return redirect("staff:teacher", pk=route.teacher_id)


@login_required
@require_POST
def item_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    item = or_404(services.get_item, request.user, pk)
    services.remove_item(request.user, item)
    return redirect("staff:teacher", pk=item.route.teacher_id)


@login_required
@require_POST
def route_propose(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    teacher = or_404(services.get_teacher, user, pk)
    services.require_draft(user, teacher)
    year = as_year(request.POST.get("year"))
    if year is None:
        messages.error(request, "Укажите год маршрута.")
        return redirect("staff:teacher", pk=pk)
    try:
        route = services.propose_route(user, teacher, year)
    except TeacherError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Составлен проект маршрута: пунктов {route.items.count()}.")
    return redirect("staff:teacher", pk=pk)


@login_required
@require_POST
def route_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    route = or_404(services.get_route, request.user, pk)
    try:
        services.approve_route(request.user, route)
    except TeacherError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Маршрут утверждён.")
    return redirect("staff:teacher", pk=route.teacher_id)


@login_required
@require_POST
def item_status(request: AuthedRequest, pk: int) -> HttpResponse:
    item = or_404(services.get_item, request.user, pk)
    try:
        services.set_item(request.user, item, request.POST.get("status", ""))
    except TeacherError as error:
        messages.error(request, str(error))
    return redirect("staff:teacher", pk=item.route.teacher_id)


@login_required
def catalogue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    can_edit = user.has_shnor_perm(Perm.MANAGE_CATALOGUE)
    form = OfferForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_offer(user, form.save(commit=False))
            except TeacherError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Программа добавлена в каталог.")
                return redirect("staff:catalogue")
    offers = list(services.catalogue(user, active=False))
    for o in offers:
        o.area_titles = [services.area_title(a) for a in o.areas]
    return render(request, "staff/catalogue.html", {"offers": offers, "form": form, "can_edit": can_edit})
