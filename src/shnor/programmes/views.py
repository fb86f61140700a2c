"""Programme pages: thin wrappers around shnor.programmes.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shnor.accounts.actor import AuthedRequest
from shnor.accounts.roles import Perm
from shnor.core.programmes import rule_text
from shnor.lib.listing import paged, total
from shnor.lib.lookup import as_int, form_errors
from shnor.lib.memo import shows_earlier
from shnor.programmes import services
from shnor.programmes.forms import (
    ActivityFormSet,
    ActivityStatusForm,
    CreateForm,
    EvidenceForm,
    ExitForm,
    IndicatorFormSet,
    ProgrammeForm,
    TransitionForm,
)
from shnor.programmes.models import Activity, Evidence, Indicator, Programme, Wave
from shnor.records import services as records

ACTION_LABELS = {
    "submit": "Направить на согласование",
    "take": "Взять на рассмотрение",
    "return": "Вернуть на доработку",
    "approve": "Согласовать",
    "enforce": "Ввести в действие",
}


def _get(request: AuthedRequest, pk: int) -> Programme:
    try:
        return services.get(request.user, pk)
    except Programme.DoesNotExist:
        raise Http404("Программа не найдена") from None


@login_required
@shows_earlier
def programme_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    qs = services.programmes(user).filter(parent__isnull=True)
    level = request.GET.get("level", "")
    status = request.GET.get("status", "")
    if level in Programme.Level.values:
        qs = qs.filter(level=level)
    if status in Programme.Status.values:
        qs = qs.filter(status=status)
    municipality = request.GET.get("municipality")
    overview = services.overview(user, as_int(municipality))
    # Both tables are paged (a country's region: a thousand municipalities, tens of thousands of
    # programmes), each by its own parameter; the overview's total row is the whole scope's.
    listed = paged(request, qs.order_by("status", "school__name", "pk"))
    context = {
        **listed,
        "programmes": listed["page"].object_list,
        **dict(zip(("queue", "queue_count"), services.queue_head(user), strict=True)),
        "overview": overview,
        "overview_pages": paged(request, overview, param="rows"),
        "overview_total": total(overview, label="Итого", municipality=None),
        "drill": municipality,
        "levels": Programme.Level.choices,
        "statuses": Programme.Status.choices,
        "level": level,
        "status": status,
        "can_create": bool(services.levels_for(user)),
        "can_exit": user.has_shnor_perm(Perm.APPROVE),
        "breadcrumbs": [("Программы", None)],
    }
    return render(request, "programmes/list.html", context)


@login_required
def programme_new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    levels = services.levels_for(user)
    if not levels:
        raise PermissionDenied
    choices = [
        (t.code, f"{t.title} ({t.activity_count()} мероприятий)") for t in services.templates() if t.level in levels
    ]
    form = CreateForm(request.POST or None, user=user, choices=choices, initial={"start": services.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        school = data.get("school") or getattr(user, "school", None)
        municipality = data.get("municipality") or getattr(user, "municipality", None)
        try:
            programme = services.create(
                user, data["template"], school=school, municipality=municipality, start=data["start"]
            )
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Программа создана по шаблону: проверьте и дополните её, затем направьте на согласование."
            )
            return redirect("programmes:detail", programme.pk)
    return render(
        request,
        "programmes/new.html",
        {"form": form, "breadcrumbs": [("Программы", reverse("programmes:list")), ("Новая программа", None)]},
    )


@login_required
@require_POST
def anti_risk_new(request: AuthedRequest, pk: int) -> HttpResponse:
    parent = _get(request, pk)
    factor = request.POST.get("factor", "")
    try:
        programme = services.create(
            request.user, "", school=parent.school, start=parent.start, risk_factor=factor, parent=parent
        )
    except services.ProgrammeError as error:
        messages.error(request, f"Антирисковая программа не создана: {error}")
        return redirect("programmes:detail", pk)
    messages.success(request, "Антирисковая программа создана.")
    return redirect("programmes:detail", programme.pk)


@login_required
def programme_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = _get(request, pk)
    services.refresh(programme)
    activities = list(programme.activities.prefetch_related("evidence"))
    today = services.today()
    live = programme.is_live
    phases: list[tuple[str, list[tuple[Activity, str]]]] = []
    for a in activities:
        status = a.status_on(today, live)
        if not phases or phases[-1][0] != a.phase:
            phases.append((a.phase, []))
        phases[-1][1].append((a, status))
    profile = services.latest_profile(programme.school_id) if programme.school_id else None
    catalogue = services.preset().catalogue()
    existing = set(programme.children.values_list("risk_factor", flat=True))
    fixed = [(f, f.code in existing) for f in catalogue.factors if profile and f.code in profile.fixed]
    can_edit = services.can_edit(user, programme)
    waves = list(programme.waves.all())
    context = {
        "p": programme,
        "indicators": services.indicator_rows(programme, today),
        "phases": phases,
        "counts": services.activity_counts(programme, today),
        "transitions": programme.transitions.select_related("by"),
        "waves": waves,
        "wave_kinds": [(k, label) for k, label in Wave.Kind.choices if k not in {w.kind for w in waves}],
        "actions": [(a, ACTION_LABELS[a]) for a in services.allowed_actions(user, programme)],
        "can_edit_content": can_edit and programme.status in ("draft", "returned"),
        "can_work": can_edit and programme.status in ("draft", "returned", "approved", "in_force"),
        "can_wave": (can_edit or services.can_enforce(user, programme)) and programme.status not in ("completed",),
        "profile": profile,
        "fixed": fixed,
        "status_form": ActivityStatusForm(),
        "children": programme.children.all(),
        "breadcrumbs": [("Программы", reverse("programmes:list")), (programme.owner_label(), None)],
    }
    return render(request, "programmes/detail.html", context)


@login_required
def programme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = _get(request, pk)
    try:
        services.require_content_edit(request.user, programme)
    except services.ProgrammeError as error:
        messages.error(request, str(error))
        return redirect("programmes:detail", pk)
    data = request.POST or None
    form = ProgrammeForm(data, instance=programme)
    indicators = IndicatorFormSet(data, instance=programme, prefix="ind")
    activities = ActivityFormSet(data, instance=programme, prefix="act")
    if request.method == "POST" and form.is_valid() and indicators.is_valid() and activities.is_valid():
        try:
            with transaction.atomic():
                services.claim(programme, form.cleaned_data["revision"])
                form.save()
                indicators.save()
                activities.save()
                services.refresh(programme)
        except services.ProgrammeChanged as error:
            form.add_error(None, str(error))  # the person's text stays on the page to be copied
        else:
            messages.success(request, "Изменения сохранены.")
            return redirect("programmes:detail", pk)
    context = {
        "p": programme,
        "form": form,
        "indicators": indicators,
        "activities": activities,
        "breadcrumbs": [
            ("Программы", reverse("programmes:list")),
            (programme.owner_label(), reverse("programmes:detail", args=[pk])),
            ("Изменение", None),
        ],
    }
    return render(request, "programmes/edit.html", context)


@login_required
@require_POST
def programme_transition(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = _get(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Неизвестное действие.")
        return redirect("programmes:detail", pk)
    try:
        services.transition(request.user, programme, form.cleaned_data["action"], form.cleaned_data["comment"])
    except services.ProgrammeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Готово: {ACTION_LABELS[form.cleaned_data['action']].lower()}.")
    return redirect("programmes:detail", pk)


@login_required
@require_POST
def step_toggle(request: AuthedRequest, pk: int, index: int) -> HttpResponse:
    programme = _get(request, pk)
    try:
        services.mark_step(request.user, programme, index, request.POST.get("done") == "1")
    except services.ProgrammeError as error:
        messages.error(request, str(error))
    return redirect(reverse("programmes:detail", args=[pk]) + "#regulation")


@login_required
@require_POST
def activity_update(request: AuthedRequest, pk: int, activity: int) -> HttpResponse:
    programme = _get(request, pk)
    item = get_object_or_404(Activity, pk=activity, programme=programme)
    form = ActivityStatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.set_activity(request.user, item, form.cleaned_data["status"], form.cleaned_data["note"])
        except services.ProgrammeError as e:
            error = str(e)
    else:
        error = "Недопустимое состояние мероприятия."
    if getattr(request, "htmx", False):
        item.refresh_from_db()
        return render(
            request,
            "programmes/_activity.html",
            {
                "a": item,
                "status": item.status_on(timezone.localdate(), live=programme.is_live),
                "p": programme,
                "can_work": True,
                "error": error,
                "status_form": ActivityStatusForm(),
            },
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("programmes:detail", args=[pk]) + f"#activity-{activity}")


@login_required
@require_POST
def evidence_add(request: AuthedRequest, pk: int, activity: int) -> HttpResponse:
    programme = _get(request, pk)
    item = get_object_or_404(Activity, pk=activity, programme=programme)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_evidence(
                request.user,
                item,
                form.cleaned_data["title"],
                content=upload.read() if upload else None,
                filename=upload.name if upload else "",
                link=form.cleaned_data["link"],
            )
        except services.ProgrammeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Подтверждение добавлено.")
    else:
        messages.error(request, f"Подтверждение не добавлено: {form_errors(form)}")
    return redirect(reverse("programmes:detail", args=[pk]) + f"#activity-{activity}")


@login_required
def evidence_download(request: AuthedRequest, pk: int, evidence: int) -> FileResponse:
    programme = _get(request, pk)
    item = get_object_or_404(Evidence, pk=evidence, activity__programme=programme)
    if not item.file:
        raise Http404
    return FileResponse(
        item.file.open("rb"), as_attachment=True, filename=(item.file.name or "file").rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def indicator_update(request: AuthedRequest, pk: int, indicator: int) -> HttpResponse:
    programme = _get(request, pk)
    item = get_object_or_404(Indicator, pk=indicator, programme=programme)
    raw = request.POST.get("actual", "").strip().replace(",", ".").replace(" ", "")
    try:
        value = float(raw) if raw else None
        services.set_actual(request.user, item, value)
    except ValueError:
        messages.error(request, f"«{request.POST.get('actual')}» — не число.")
    except services.ProgrammeError as error:
        messages.error(request, str(error))
    return redirect(reverse("programmes:detail", args=[pk]) + "#indicators")


@login_required
def waves(request: AuthedRequest, pk: int) -> HttpResponse:
    programme = _get(request, pk)
    if request.method == "POST":
        try:
            wave = services.take_wave(request.user, programme, request.POST.get("kind", ""))
        except services.ProgrammeError as error:
            messages.error(request, str(error))
            return redirect("programmes:detail", pk)
        messages.success(request, f"{wave.get_kind_display().capitalize()} проведён: снимок сохранён.")
        return redirect("programmes:waves", pk)
    context = {
        "p": programme,
        "cmp": services.compare(programme),
        "breadcrumbs": [
            ("Программы", reverse("programmes:list")),
            (programme.owner_label(), reverse("programmes:detail", args=[pk])),
            ("Мониторинг", None),
        ],
    }
    return render(request, "programmes/waves.html", context)


@login_required
def exit_page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    can_approve = user.has_shnor_perm(Perm.APPROVE)
    form = ExitForm(request.POST or None, initial={"date": services.today()})
    if request.method == "POST":
        if not can_approve:
            raise PermissionDenied
        chosen = [n for n in map(as_int, request.POST.getlist("programme")) if n is not None]
        if form.is_valid():
            try:
                decision = services.approve_exit(
                    user, chosen, form.cleaned_data["number"], form.cleaned_data["date"], form.cleaned_data["basis"]
                )
            except services.ProgrammeError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Выход утверждён: {decision}.")
                return redirect("programmes:exit")
    context = {
        "proposals": services.exit_proposals(user),
        "rule_text": rule_text(services.preset().exit),
        "form": form,
        "can_approve": can_approve,
        "decisions": [
            (d, records.sees_whole(user, d))
            for d in records.decisions(user).filter(pk__in=services.exit_decisions().values("pk"))[:20]
        ],
        "breadcrumbs": [("Программы", reverse("programmes:list")), ("Выход из программы", None)],
    }
    return render(request, "programmes/exit.html", context)
