"""Programmes, the review workflow, monitoring waves and exit, shared by pages, API and CLI.

Who may do what (checked here, never in a view):
* edit a draft or returned programme, submit it, mark activities and add evidence, take a wave:
  the school's team for school and anti-risk programmes, the municipal coordinator for municipal
  ones, the regional coordinator for the regional one; the operator everywhere;
* review (take, return with comments, approve): the curator the school is assigned to; where no
  curator is assigned, the municipal coordinator; the regional coordinator for municipal and
  regional programmes;
* put an approved programme in force: the municipal coordinator (school level), the regional
  coordinator (municipal and regional); the operator everywhere;
* approve an exit: whoever approves the region's lists (Perm.APPROVE).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account, notify, require
from shnor.audit.tracking import record
from shnor.core import programmes as core
from shnor.core.errors import DomainRefusal
from shnor.core.presets import Preset
from shnor.core.programmes import ActivityTemplate, ExitEvidence, IndicatorTemplate, PhaseTemplate, ProgrammeTemplate
from shnor.documents import programmes as documents
from shnor.identification.models import Run, SchoolResult
from shnor.programmes.models import Activity, Evidence, Indicator, Programme, Transition, Wave
from shnor.records.models import Decision, Document
from shnor.records.services import authority, keeping, store_document
from shnor.registry import services as registry
from shnor.registry.models import Municipality, School
from shnor.risks.models import Profile
from shnor.support import services as support

S = Programme.Status
L = Programme.Level
SCHOOL_LEVELS = (L.SCHOOL, L.ANTI_RISK)


class ProgrammeError(DomainRefusal):
    """The action cannot be taken; the message says why, in Russian."""


class ProgrammeChanged(ProgrammeError):
    """Someone changed the programme after the page being saved was opened."""


def claim(programme: Programme, revision: int) -> None:
    """Optimistic locking, inside the caller's transaction: move the programme on from the revision
    the page was opened with, or refuse if someone has changed it since."""
    if not Programme.objects.filter(pk=programme.pk, revision=revision).update(revision=F("revision") + 1):
        current = Programme.objects.only("updated_at").get(pk=programme.pk)
        when = timezone.localtime(current.updated_at).strftime("%d.%m.%Y %H:%M")
        raise ProgrammeChanged(
            f"Программу изменили после того, как вы открыли эту страницу (последнее изменение — {when}). "
            "Ваши правки не сохранены, чтобы не затереть чужие: откройте программу заново и внесите их ещё раз."
        )
    programme.revision = revision + 1


def touch(programme_pk: int) -> None:
    """Any other change of the programme or its parts: a page opened before it is outdated."""
    Programme.objects.filter(pk=programme_pk).update(revision=F("revision") + 1)


def preset() -> Preset:
    return registry.preset()


def today() -> dt.date:
    return timezone.localdate()


# --- who may do what -----------------------------------------------------------------------------


def _role(user: Any) -> str:
    return str(getattr(user, "role", ""))


def _in_scope(user: Any, programme: Programme) -> bool:
    """Is the programme's school in the user's scope (also for a programme not yet saved)?"""
    return programme.school_id is not None and restrict(School.objects.filter(pk=programme.school_id), user).exists()


def can_edit(user: Any, programme: Programme) -> bool:
    """May change the programme's content (in draft or returned) and carry it out (in force)."""
    role = _role(user)
    if role == Role.OPERATOR:
        return True
    if programme.level in SCHOOL_LEVELS:
        return role == Role.SCHOOL and _in_scope(user, programme)
    if programme.level == L.MUNICIPALITY:
        return role == Role.MUNICIPAL_COORDINATOR and user.municipality_id == programme.municipality_id
    return role == Role.REGIONAL_COORDINATOR


def can_review(user: Any, programme: Programme) -> bool:
    role = _role(user)
    if role == Role.OPERATOR:
        return True
    if programme.level in SCHOOL_LEVELS:
        if role == Role.CURATOR:
            return support.curators_of(programme.school).filter(pk=user.pk).exists()
        if role == Role.MUNICIPAL_COORDINATOR and programme.school is not None:
            return (
                user.municipality_id == programme.school.municipality_id
                and not support.curators_of(programme.school).exists()
            )
        return False
    return role == Role.REGIONAL_COORDINATOR


def can_enforce(user: Any, programme: Programme) -> bool:
    role = _role(user)
    if role in (Role.OPERATOR, Role.REGIONAL_COORDINATOR):
        return True
    return (
        programme.level in SCHOOL_LEVELS
        and role == Role.MUNICIPAL_COORDINATOR
        and programme.school is not None
        and user.municipality_id == programme.school.municipality_id
    )


def _editors(programme: Programme) -> QuerySet[User]:
    if programme.level in SCHOOL_LEVELS:
        return User.objects.heads_of(programme.school_id)
    if programme.level == L.MUNICIPALITY:
        return User.objects.coordinators_of(programme.municipality_id)
    return User.objects.regional_coordinators()


def _reviewers(programme: Programme) -> QuerySet[User]:
    if programme.level in SCHOOL_LEVELS:
        curators = support.curators_of(programme.school)
        if curators.exists():
            return curators
        return User.objects.coordinators_of(programme.school.municipality_id)  # type: ignore[union-attr]
    return User.objects.regional_coordinators()


def _enforcers(programme: Programme) -> QuerySet[User]:
    if programme.level in SCHOOL_LEVELS:
        return User.objects.coordinators_of(programme.school.municipality_id)  # type: ignore[union-attr]
    return User.objects.regional_coordinators()


# --- reading -------------------------------------------------------------------------------------


def programmes(user: Any) -> QuerySet[Programme]:
    return restrict(Programme.objects.select_related("school", "school__municipality", "municipality", "parent"), user)


def get(user: Any, pk: int) -> Programme:
    """Raises Programme.DoesNotExist when out of the user's scope."""
    return programmes(user).get(pk=pk)


def queue(user: Any) -> list[Programme]:
    """What waits for this user: programmes to review and approved ones to put in force."""
    waiting = programmes(user).filter(status__in=[S.SUBMITTED, S.REVIEW, S.APPROVED]).order_by("updated_at")
    out = []
    for p in waiting:
        if (
            p.status in (S.SUBMITTED, S.REVIEW)
            and can_review(user, p)
            or p.status == S.APPROVED
            and can_enforce(user, p)
        ):
            out.append(p)
    return out


def templates(level: str | None = None) -> list[ProgrammeTemplate]:
    items = preset().programme_templates
    return [t for t in items if level is None or t.level == level]


# --- creation ------------------------------------------------------------------------------------


def _anti_risk_template(factor_code: str) -> ProgrammeTemplate:
    cat = preset().catalogue()
    try:
        factor = cat.factor(factor_code)
    except KeyError:
        raise ProgrammeError(f"Фактора риска «{factor_code}» нет в каталоге пресета.") from None
    return ProgrammeTemplate(
        code=f"anti-risk-{factor.code.lower()}",
        title=f"Антирисковая программа: {factor.title[0].lower()}{factor.title[1:]}",
        level="anti_risk",
        goal=f"Снижение риска «{factor.title}» до низкого уровня.",
        tasks=[f"Устранить дефицит по параметру «{p.title}»" for p in factor.parameters],
        months=12,
        phases=[
            PhaseTemplate(
                title="Меры по снижению риска",
                activities=[ActivityTemplate(title=m, months=2 + 3 * i) for i, m in enumerate(factor.measures)],
            )
        ],
        indicators=[
            IndicatorTemplate(
                title=f"Уровень риска «{factor.title}» (0 — низкий, 1 — средний, 2 — высокий)",
                unit="уровень",
                target=0,
                direction="lower_better",
                binding=f"risk:{factor.code}",
            )
        ],
        source=f"{cat.title}, версия {cat.version}",
    )


def create(
    user: Any,
    template_code: str,
    *,
    school: School | None = None,
    municipality: Municipality | None = None,
    start: dt.date | None = None,
    risk_factor: str = "",
    parent: Programme | None = None,
) -> Programme:
    """A new draft programme from a preset template (or an anti-risk one from the catalogue)."""
    template = _anti_risk_template(risk_factor) if risk_factor else _template(template_code)
    level: str = template.level
    start = start or today()
    if level in SCHOOL_LEVELS and school is None:
        raise ProgrammeError("Для программы школы укажите школу.")
    if level == L.MUNICIPALITY and municipality is None:
        raise ProgrammeError("Для муниципальной программы укажите муниципалитет.")
    programme = Programme(
        level=level,
        title=template.title,
        goal=template.goal,
        tasks="\n".join(template.tasks),
        school=school if level in SCHOOL_LEVELS else None,
        municipality=municipality if level == L.MUNICIPALITY else None,
        parent=parent,
        risk_factor=risk_factor,
        template=template.code,
        source=template.source,
        regulation=[{"title": step, "done_on": None} for step in template.regulation],
        start=start,
        end=core.month_end(start, template.months - 1),
        created_by=account(user),
    )
    if not can_edit(user, programme):
        raise PermissionDenied("Создавать эту программу может её исполнитель или оператор.")
    with transaction.atomic():
        programme.save()
        for i, ind in enumerate(template.indicators):
            Indicator.objects.create(
                programme=programme,
                title=ind.title,
                unit=ind.unit,
                baseline=ind.baseline,
                target=ind.target,
                direction=ind.direction,
                binding=ind.binding or "",
                source=ind.source or (core.BINDINGS.get(ind.binding or "", "") if ind.binding else ""),
                position=i,
            )
        n = 0
        for phase in template.phases:
            for a in phase.activities:
                n += 1
                Activity.objects.create(
                    programme=programme,
                    phase=phase.title,
                    position=n,
                    title=a.title,
                    responsible=a.responsible,
                    deadline=core.month_end(start, a.months),
                    result=a.result,
                )
        refresh(programme)
        # The baseline of a bound indicator is its value when the programme starts.
        for bound in programme.indicators.filter(baseline__isnull=True).exclude(actual__isnull=True):
            bound.baseline = bound.actual
            bound.save(update_fields=["baseline"])
    return programme


def _template(code: str) -> ProgrammeTemplate:
    try:
        return preset().template(code)
    except KeyError:
        raise ProgrammeError(f"Шаблон программы «{code}» не найден в пресете.") from None


# --- workflow ------------------------------------------------------------------------------------

ACTIONS = {
    "submit": ((S.DRAFT, S.RETURNED), S.SUBMITTED, "направил(а) программу на согласование"),
    "take": ((S.SUBMITTED,), S.REVIEW, "взял(а) программу на рассмотрение"),
    "return": ((S.SUBMITTED, S.REVIEW), S.RETURNED, "вернул(а) программу на доработку"),
    "approve": ((S.SUBMITTED, S.REVIEW), S.APPROVED, "согласовал(а) программу"),
    "enforce": ((S.APPROVED,), S.IN_FORCE, "ввёл(а) программу в действие"),
}


def allowed_actions(user: Any, programme: Programme) -> list[str]:
    out = []
    for action, (sources, _, _) in ACTIONS.items():
        if programme.status in sources and _may(user, programme, action):
            out.append(action)
    return out


def _may(user: Any, programme: Programme, action: str) -> bool:
    if action == "submit":
        return can_edit(user, programme)
    if action == "enforce":
        return can_enforce(user, programme)
    return can_review(user, programme)


def transition(user: Any, programme: Programme, action: str, comment: str = "") -> Programme:
    if action not in ACTIONS:
        raise ProgrammeError(f"Неизвестное действие «{action}».")
    sources, target, verb = ACTIONS[action]
    if not _may(user, programme, action):
        raise PermissionDenied("Это действие вам недоступно.")
    comment = comment.strip()
    if action == "return" and not comment:
        raise ProgrammeError("Укажите замечания: что нужно доработать.")
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        if locked.status not in sources:
            raise ProgrammeError(
                f"Программа в состоянии «{locked.get_status_display()}»: действие «{action}» невозможно."
            )
        before = locked.status
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
        touch(locked.pk)
        Transition.objects.create(
            programme=locked, from_status=before, to_status=target, comment=comment, by=_user(user)
        )
        record(
            locked,
            "update",
            {"status": [before, target], "comment": comment} if comment else {"status": [before, target]},
        )
    url = reverse("programmes:detail", args=[programme.pk])
    text = f"«{programme.title}» ({programme.owner_label()}): {_name(user)} {verb}."
    if comment:
        text += f" Замечания: {comment}"
    recipients: QuerySet[User]
    if action == "submit":
        recipients = _reviewers(locked)
    elif action == "approve":
        recipients = _editors(locked) | _enforcers(locked)
    else:
        recipients = _editors(locked)
    if isinstance(user, User):
        recipients = recipients.exclude(pk=user.pk)
    notify(recipients, text, url)
    return locked


def _user(user: Any) -> User | None:
    return user if isinstance(user, User) else None


def _name(user: Any) -> str:
    if isinstance(user, User):
        return user.get_full_name() or user.username
    return str(getattr(user, "label", "система"))


# --- carrying it out -----------------------------------------------------------------------------

WORKING = (S.APPROVED, S.IN_FORCE)


def _require_edit(user: Any, programme: Programme, statuses: tuple[str, ...]) -> None:
    if not can_edit(user, programme):
        raise PermissionDenied("Изменять программу может её исполнитель.")
    if programme.status not in statuses:
        raise ProgrammeError(f"Программа в состоянии «{programme.get_status_display()}»: изменение невозможно.")


def require_content_edit(user: Any, programme: Programme) -> None:
    _require_edit(user, programme, (S.DRAFT, S.RETURNED))


def set_activity(user: Any, activity: Activity, status: str, note: str = "") -> Activity:
    programme = activity.programme
    _require_edit(user, programme, (S.DRAFT, S.RETURNED, *WORKING))
    if status not in Activity.Status.values or status == Activity.Status.OVERDUE:
        raise ProgrammeError("Недопустимое состояние мероприятия: просрочку система отмечает сама.")
    activity.status = status
    activity.done_on = today() if status == Activity.Status.DONE else None
    if note:
        activity.note = note
    with transaction.atomic():
        activity.save()
        touch(programme.pk)
    refresh(programme)
    return activity


def add_evidence(
    user: Any, activity: Activity, title: str, *, content: bytes | None = None, filename: str = "", link: str = ""
) -> Evidence:
    _require_edit(user, activity.programme, (S.DRAFT, S.RETURNED, *WORKING))
    if not content and not link:
        raise ProgrammeError("Приложите файл или укажите ссылку.")
    evidence = Evidence(activity=activity, title=title.strip() or filename or link, link=link, added_by=_user(user))
    if content:
        evidence.file.save(filename or "file", ContentFile(content), save=False)
    with transaction.atomic():
        evidence.save()
        touch(activity.programme_id)
    return evidence


def mark_step(user: Any, programme: Programme, index: int, done: bool) -> None:
    _require_edit(user, programme, (S.DRAFT, S.RETURNED, *WORKING))
    with transaction.atomic():  # read the steps under the lock: two people ticking two steps keep both
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        steps = list(locked.regulation)
        if not 0 <= index < len(steps):
            raise ProgrammeError("Нет такого шага регламента.")
        steps[index] = {**steps[index], "done_on": today().isoformat() if done else None}
        locked.regulation = programme.regulation = steps
        locked.save(update_fields=["regulation", "updated_at"])
        touch(programme.pk)


def set_actual(user: Any, indicator: Indicator, value: float | None) -> Indicator:
    _require_edit(user, indicator.programme, (S.DRAFT, S.RETURNED, *WORKING))
    if indicator.binding:
        raise ProgrammeError("Значение показателя с привязкой обновляется само.")
    indicator.actual = value
    indicator.updated_at = timezone.now()
    with transaction.atomic():
        indicator.save(update_fields=["actual", "updated_at"])
        touch(indicator.programme_id)
    return indicator


# --- computed values -----------------------------------------------------------------------------


def _latest_result(school_pk: int) -> SchoolResult | None:
    return (
        SchoolResult.objects.filter(school_id=school_pk, run__status=Run.Status.DONE)
        .select_related("run")
        .order_by("-run__year", "-run__finished_at", "-run__pk")
        .first()
    )


def latest_profile(school_pk: int) -> Profile | None:
    return Profile.objects.filter(school_id=school_pk).order_by("-year").first()


LEVEL_RANK = {"low": 0, "medium": 1, "high": 2}


class _Sources:
    """What bound indicators read, each loaded once per refresh: the school's latest result and
    profile, and the programme's activity counts."""

    def __init__(self, programme: Programme) -> None:
        self.programme = programme

    @cached_property
    def result(self) -> SchoolResult | None:
        return _latest_result(self.programme.school_id) if self.programme.school_id else None

    @cached_property
    def profile(self) -> Profile | None:
        return latest_profile(self.programme.school_id) if self.programme.school_id else None

    @cached_property
    def activities(self) -> Counter[str]:
        return Counter(self.programme.activities.values_list("status", flat=True))


def bound_value(binding: str, programme: Programme, sources: _Sources | None = None) -> float | None:
    sources = sources or _Sources(programme)
    if binding == "activities_done":
        counts = sources.activities
        total = sum(counts.values()) - counts[Activity.Status.CANCELLED]
        return counts[Activity.Status.DONE] / total if total else None
    if binding in ("ior", "isb", "value_added"):
        value = getattr(sources.result, binding) if sources.result else None
        return None if value is None else round(float(value), 3)
    profile = sources.profile
    if profile is None:
        return None
    if binding == "fixed_risks":
        return float(len(profile.fixed))
    if binding.startswith("risk:"):
        level = profile.factors.get(binding[5:], {}).get("level")
        return float(LEVEL_RANK[level]) if level else None
    if binding.startswith("param:"):
        value = profile.parameters.get(binding[6:], {}).get("value")
        return None if value is None else float(value)
    return None


def refresh(programme: Programme) -> None:
    """Update the indicators bound to computed values."""
    now = timezone.now()
    sources = _Sources(programme)
    for ind in programme.indicators.exclude(binding=""):
        value = bound_value(ind.binding, programme, sources)
        if value != ind.actual:
            ind.actual = value
            ind.updated_at = now
            ind.save(update_fields=["actual", "updated_at"])


@dataclass
class IndicatorRow:
    indicator: Indicator
    on_track: bool | None
    reached: bool


def indicator_rows(programme: Programme, on: dt.date | None = None, indicators: Any = None) -> list[IndicatorRow]:
    on = on or today()
    live = is_live(programme) or programme.status == S.COMPLETED
    rows = []
    for ind in indicators if indicators is not None else programme.indicators.all():
        direction: core.Direction = "lower_better" if ind.direction == "lower_better" else "higher_better"
        track = (
            core.on_track(direction, ind.actual, ind.baseline, ind.target, programme.start, programme.end, on)
            if live
            else None
        )
        done = ind.actual is not None and core.reached(direction, ind.actual, ind.target)
        rows.append(IndicatorRow(ind, track, done))
    return rows


def is_live(programme: Programme) -> bool:
    """Deadlines and the plan line are judged only once a programme is agreed and being carried out."""
    return programme.status in WORKING


def status_of(activity: Activity, on: dt.date | None = None, live: bool = True) -> str:
    if not live:
        return activity.status
    return core.effective_status(activity.status, activity.deadline, on or today())


def activity_counts(programme: Programme, on: dt.date | None = None) -> dict[str, int]:
    on = on or today()
    live = is_live(programme)
    counts = Counter(status_of(a, on, live) for a in programme.activities.all())
    return {s: counts.get(s, 0) for s in Activity.Status.values}


# --- reminders -----------------------------------------------------------------------------------


def remind(on: dt.date | None = None) -> dict[str, int]:
    """Mark activities past their deadline as overdue and tell the people responsible (once);
    tell them too about indicators that fell off track. Run daily (`shnor remind`)."""
    on = on or today()
    counts = {"overdue": 0, "off_track": 0, "notified": 0}
    still_off: list[int] = []
    live = Programme.objects.filter(status__in=WORKING).select_related("school", "municipality")
    for programme in live:
        late = list(
            programme.activities.filter(
                status__in=[Activity.Status.PLANNED, Activity.Status.IN_PROGRESS], deadline__lt=on
            )
        )
        refresh(programme)
        off_all = [r.indicator for r in indicator_rows(programme, on) if r.on_track is False]
        still_off += [i.pk for i in off_all]
        off = [i for i in off_all if not i.off_track_notified]
        if not late and not off:
            continue
        url = reverse("programmes:detail", args=[programme.pk])
        people = _editors(programme) | _enforcers(programme)
        with transaction.atomic():
            Activity.objects.filter(pk__in=[a.pk for a in late]).update(status=Activity.Status.OVERDUE)
            Indicator.objects.filter(pk__in=[i.pk for i in off]).update(off_track_notified=True)
        parts = []
        if late:
            parts.append(f"просрочено мероприятий: {len(late)} (например, «{late[0].title}»)")
        if off:
            parts.append(f"отстают от плана показатели: {', '.join('«' + i.title + '»' for i in off[:3])}")
        counts["overdue"] += len(late)
        counts["off_track"] += len(off)
        text = f"«{programme.title}» ({programme.owner_label()}): " + "; ".join(parts) + "."
        counts["notified"] += notify(people, text, url)
    # Indicators back on track may be reported again when they fall off later.
    Indicator.objects.filter(off_track_notified=True).exclude(pk__in=still_off).update(off_track_notified=False)
    return counts


@dataclass
class OverviewRow:
    label: str
    programmes: int = 0
    in_force: int = 0
    overdue: int = 0
    off_track: int = 0
    waiting: int = 0
    url: str = ""


def overview(user: Any, municipality: int | None = None, on: dt.date | None = None) -> list[OverviewRow]:
    """Overdue activities and indicators off track per municipality (or per school of one)."""
    on = on or today()
    qs = programmes(user).prefetch_related("activities", "indicators")
    if municipality is not None:
        qs = qs.filter(Q(municipality_id=municipality) | Q(school__municipality_id=municipality))
    rows: dict[str, OverviewRow] = {}
    for p in qs:
        if municipality is None:
            key = p.municipality.name if p.municipality else (p.school.municipality.name if p.school else "Регион")
        else:
            key = p.owner_label()
        row = rows.setdefault(key, OverviewRow(key))
        row.programmes += 1
        row.in_force += int(p.status == S.IN_FORCE)
        row.waiting += int(p.status in (S.SUBMITTED, S.REVIEW, S.APPROVED))
        if p.status in WORKING:
            row.overdue += sum(1 for a in p.activities.all() if status_of(a, on) == Activity.Status.OVERDUE)
            row.off_track += len([r for r in indicator_rows(p, on, p.indicators.all()) if r.on_track is False])
    return sorted(rows.values(), key=lambda r: (-r.overdue - r.off_track, r.label))


# --- monitoring waves ----------------------------------------------------------------------------


def snapshot(programme: Programme, on: dt.date) -> dict[str, Any]:
    refresh(programme)
    indicators = [
        {
            "id": r.indicator.pk,
            "title": r.indicator.title,
            "unit": r.indicator.unit,
            "baseline": r.indicator.baseline,
            "target": r.indicator.target,
            "actual": r.indicator.actual,
            "direction": r.indicator.direction,
            "on_track": r.on_track,
            "reached": r.reached,
        }
        for r in indicator_rows(programme, on)
    ]
    counts = activity_counts(programme, on)
    total = sum(counts.values()) - counts["cancelled"]
    snap: dict[str, Any] = {
        "indicators": indicators,
        "activities": {**counts, "share_done": counts["done"] / total if total else None},
        "ior": None,
        "ior_se": None,
        "run": None,
        "objectivity_flag": None,
        "profile": None,
    }
    if programme.school_id:
        result = _latest_result(programme.school_id)
        if result is not None:
            snap.update(
                ior=result.ior, ior_se=result.ior_se, run=result.run_id, objectivity_flag=result.objectivity_flag
            )
        profile = latest_profile(programme.school_id)
        if profile is not None:
            snap["profile"] = {
                "year": profile.year,
                "factors": {c: f.get("level") for c, f in profile.factors.items()},
                "fixed": list(profile.fixed),
            }
    return snap


def take_wave(user: Any, programme: Programme, kind: str, on: dt.date | None = None) -> Wave:
    if kind not in Wave.Kind.values:
        raise ProgrammeError(f"Неизвестный вид мониторинга «{kind}».")
    if not (can_edit(user, programme) or can_enforce(user, programme)):
        raise PermissionDenied("Проводить мониторинг может исполнитель программы или координатор.")
    if programme.status not in (S.IN_FORCE, S.COMPLETED) and kind != Wave.Kind.ENTRY:
        raise ProgrammeError("Промежуточный и итоговый мониторинг проводятся по действующей программе.")
    if programme.waves.filter(kind=kind).exists():
        raise ProgrammeError("Этот мониторинг по программе уже проведён: его снимок не меняется.")
    on = on or today()
    with transaction.atomic():
        wave = Wave.objects.create(
            programme=programme, kind=kind, date=on, snapshot=snapshot(programme, on), created_by=_user(user)
        )
    return wave


@dataclass
class WaveComparison:
    waves: list[Wave]
    indicators: list[dict[str, Any]] = field(default_factory=list)
    activities: list[tuple[str, list[Any]]] = field(default_factory=list)
    ior: list[Any] = field(default_factory=list)
    factors: list[tuple[str, list[Any]]] = field(default_factory=list)


def compare(programme: Programme) -> WaveComparison:
    order = {k: i for i, k in enumerate(Wave.Kind.values)}
    waves = sorted(programme.waves.all(), key=lambda w: order[w.kind])
    out = WaveComparison(waves)
    titles: dict[int, str] = {}
    for w in waves:
        for ind in w.snapshot.get("indicators", []):
            titles.setdefault(ind["id"], ind["title"])
    for ind_id, title in titles.items():
        cells = []
        for w in waves:
            found = next((i for i in w.snapshot.get("indicators", []) if i["id"] == ind_id), None)
            cells.append(found)
        first = next((c["actual"] for c in cells if c and c["actual"] is not None), None)
        last = next((c["actual"] for c in reversed(cells) if c and c["actual"] is not None), None)
        delta = None if first is None or last is None else last - first
        out.indicators.append({"title": title, "cells": cells, "delta": delta})
    labels = {"done": "выполнено", "overdue": "просрочено", "share_done": "доля выполненных"}
    for key, label in labels.items():
        out.activities.append((label, [w.snapshot.get("activities", {}).get(key) for w in waves]))
    out.ior = [w.snapshot.get("ior") for w in waves]
    cat = preset().catalogue()
    for f in cat.factors:
        out.factors.append(
            (f.title, [((w.snapshot.get("profile") or {}).get("factors") or {}).get(f.code) for w in waves])
        )
    return out


# --- exit ------------------------------------------------------------------------------------------


@dataclass
class ExitProposal:
    programme: Programme
    ok: bool
    checks: dict[str, bool | None]
    evidence: ExitEvidence
    basis: str

    @property
    def check_rows(self) -> list[tuple[str, bool | None]]:
        return [(core.CONDITION_TITLES[c], v) for c, v in self.checks.items()]


def _exit_evidence(programme: Programme) -> tuple[ExitEvidence, str]:
    waves = {w.kind: w for w in programme.waves.all()}
    entry = waves.get(Wave.Kind.ENTRY)
    latest_wave = waves.get(Wave.Kind.FINAL) or waves.get(Wave.Kind.INTERIM) or entry
    result = _latest_result(programme.school_id) if programme.school_id else None
    ior_before = ior_after = ior_se = None
    basis = ""
    if result is not None:
        ior_after, ior_se = result.ior, result.ior_se
        if entry and entry.snapshot.get("ior") is not None and entry.snapshot.get("run") != result.run_id:
            ior_before = entry.snapshot["ior"]
            basis = f"ИОР при входном мониторинге ({entry.date:%d.%m.%Y}) и по расчёту № {result.run_id} за {result.run.year} год"
        else:
            years = [y for y in result.per_year if y.get("ior") is not None]
            if len(years) >= 2:
                ior_before, ior_after, ior_se = years[-2]["ior"], years[-1]["ior"], years[-1].get("se")
                basis = f"ИОР за {years[-2]['year']} и {years[-1]['year']} годы (расчёт № {result.run_id})"
    snap = latest_wave.snapshot if latest_wave else snapshot(programme, today())
    indicators = snap.get("indicators", [])
    profile = latest_profile(programme.school_id) if programme.school_id else None
    entry_profile = (entry.snapshot.get("profile") if entry else None) or None
    evidence = ExitEvidence(
        ior_before=ior_before,
        ior_after=ior_after,
        ior_se=ior_se,
        indicators_on_target=sum(1 for i in indicators if i.get("reached")),
        indicators_total=len(indicators),
        objectivity_flag=result.objectivity_flag if result else None,
        fixed_before=len(entry_profile["fixed"]) if entry_profile else None,
        fixed_after=len(profile.fixed) if profile else None,
    )
    return evidence, basis


def exit_proposals(user: Any) -> list[ExitProposal]:
    """Every school programme in force, with whether the preset's exit rule holds and why."""
    rule = preset().exit
    out = []
    qs = programmes(user).filter(level=L.SCHOOL, status=S.IN_FORCE).prefetch_related("waves")
    for programme in qs:
        evidence, basis = _exit_evidence(programme)
        ok, checks = core.evaluate(rule, evidence)
        out.append(ExitProposal(programme, ok, checks, evidence, basis))
    return sorted(out, key=lambda p: (not p.ok, p.programme.owner_label()))


def exit_decisions() -> QuerySet[Decision]:
    """The orders by which schools left the programme (who reads which: records.services.decisions)."""
    return Decision.objects.filter(
        pk__in=Programme.objects.exclude(exit_decision=None).values("exit_decision")
    ).prefetch_related("documents", "schools")


def approve_exit(user: Any, programme_ids: list[int], number: str, date: dt.date, basis: str = "") -> Decision:
    """Schools leave the programme: an organising decision with its order; the programmes (and
    their anti-risk programmes) are completed. All or nothing."""
    require(user, Perm.APPROVE)
    if not number.strip():
        raise ProgrammeError("Укажите номер приказа.")
    proposals = {p.programme.pk: p for p in exit_proposals(user)}
    chosen = [proposals[i] for i in programme_ids if i in proposals]
    if not chosen or len(chosen) != len(set(programme_ids)):
        raise ProgrammeError("Выберите школы из числа предложенных к выходу (программа действует).")
    the_preset = preset()
    with keeping():
        decision = Decision.objects.create(
            kind=Decision.Kind.ORGANISING,
            title="Об исключении школ из программы поддержки в связи с положительной динамикой результатов",
            number=number.strip(),
            date=date,
            basis=basis.strip()
            or "Результаты мониторинга реализации программ повышения качества образования; правило выхода пресета "
            f"«{the_preset.title}».",
            created_by=_user(user),
        )
        decision.schools.set([p.programme.school for p in chosen if p.programme.school is not None])
        content = documents.exit_order(the_preset, authority(the_preset), decision, chosen)
        store_document(
            Document.Kind.ORDER,
            f"Приказ № {decision.number} от {decision.date:%d.%m.%Y} об исключении школ из программы",
            content,
            f"exit-order-{decision.pk}.docx",
            user,
            decision=decision,
        )
        for p in chosen:
            programme = p.programme
            Programme.objects.filter(Q(pk=programme.pk) | Q(parent=programme)).update(
                status=S.COMPLETED, exit_decision=decision
            )
            Transition.objects.create(
                programme=programme,
                from_status=S.IN_FORCE,
                to_status=S.COMPLETED,
                comment=f"Приказ № {decision.number} от {decision.date:%d.%m.%Y}",
                by=_user(user),
            )
        record(decision, "approve", {"exit": [p.programme.owner_label() for p in chosen]})
    for p in chosen:
        notify(
            _editors(p.programme) | _enforcers(p.programme),
            f"{p.programme.owner_label()}: школа выходит из программы поддержки (приказ № {decision.number} "
            f"от {decision.date:%d.%m.%Y}).",
            reverse("programmes:detail", args=[p.programme.pk]),
        )
    return decision
