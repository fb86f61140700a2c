"""Pairs and their journals: consultations, feedback, activity and idle pairs, agreements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, Count, DateField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm, Role
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account, notify
from shnor.documents import support as documents
from shnor.lib.lookup import matches
from shnor.records.services import save_with_file
from shnor.support.models import (
    Agreement,
    Consultation,
    Feedback,
    Pairing,
)
from shnor.support.services.common import SupportError, label, role_of, rules, today
from shnor.support.services.curators import curator_accounts


def pairings(user: Actor, year: int | None = None, status: str | None = Pairing.Status.APPROVED) -> QuerySet[Pairing]:
    qs = Pairing.objects.select_related(
        "school", "school__municipality", "curator", "curator__school", "curator__person", "curator__municipality"
    )
    if year is not None:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    return restrict(qs, user)


def get_pair(user: Actor, pk: int) -> Pairing:
    return pairings(user, status=None).get(pk=pk)


def is_curator_of(user: Actor, pairing: Pairing) -> bool:
    if role_of(user) != Role.CURATOR:
        return False
    c = pairing.curator
    return bool((c.school_id and user.school_id == c.school_id) or (c.user_id and c.user_id == user.pk))


def is_supported_school(user: Actor, pairing: Pairing) -> bool:
    return role_of(user) == Role.SCHOOL and user.school_id == pairing.school_id


def can_keep_journal(user: Actor, pairing: Pairing) -> bool:
    return pairing.status == Pairing.Status.APPROVED and (
        role_of(user) == Role.OPERATOR or is_curator_of(user, pairing)
    )


def can_rate(user: Actor, pairing: Pairing) -> bool:
    return is_supported_school(user, pairing)


@transaction.atomic
def record_consultation(
    user: Actor,
    pairing: Pairing,
    *,
    date: dt.date,
    form: str,
    topic: str,
    participants: int,
    hours: float,
    materials: str = "",
    upload: Any = None,
) -> Consultation:
    """An entry of the curator's consultation journal."""
    if not can_keep_journal(user, pairing):
        raise PermissionDenied("Журнал консультаций ведёт куратор утверждённой пары.")
    if form not in Consultation.Form.values:
        raise SupportError(f"Неизвестная форма консультации: «{form}».")
    if date > today():
        raise SupportError(f"Дата консультации {date:%d.%m.%Y} ещё не наступила: в журнал вносят проведённые.")
    if participants < 1 or not 0 < hours <= 40:
        raise SupportError("Укажите число участников (не меньше 1) и часы (больше 0 и не больше 40).")
    entry = Consultation(
        pairing=pairing,
        date=date,
        form=form,
        topic=topic.strip(),
        participants=participants,
        hours=hours,
        materials=materials,
        recorded_by=account(user),
    )
    if upload is not None:
        entry.file.save(upload.name, upload, save=False)
    entry.save()
    notify(
        User.objects.heads_of(pairing.school_id),
        f"Куратор внёс в журнал: {entry.get_form_display()} «{entry.topic}» ({date:%d.%m.%Y}). Оцените, пожалуйста.",
        reverse("support:pair", args=[pairing.pk]),
    )
    return entry


@transaction.atomic
def give_feedback(
    user: Actor, consultation: Consultation, rating: int, comment: str = "", useful: bool = True
) -> Feedback:
    """The supported school rates a consultation once (журнал обратной связи)."""
    if not can_rate(user, consultation.pairing):
        raise PermissionDenied("Консультацию оценивает сопровождаемая школа.")
    if not 1 <= rating <= 5:
        raise SupportError(f"Оценка консультации — от 1 до 5, получено: {rating}.")
    if Feedback.objects.filter(consultation=consultation).exists():
        raise SupportError("Эта консультация уже оценена.")
    return Feedback.objects.create(
        consultation=consultation, rating=rating, comment=comment.strip(), useful=useful, given_by=account(user)
    )


@dataclass
class Activity:
    pairing: Pairing
    consultations: int = 0
    hours: float = 0.0
    participants: int = 0
    last: dt.date | None = None
    rated: int = 0
    rating: float | None = None
    agreements: int = 0
    inactive: bool = False
    weeks_idle: int = 0


def activity(
    user: Actor, year: int | None = None, on: dt.date | None = None, pairing: Pairing | None = None
) -> list[Activity]:
    """Per approved pair (or the one given): consultations, hours, last date, ratings, agreements;
    a pair with no consultation for the preset's number of weeks (counted from its approval) is
    flagged."""
    qs = pairings(user, year, status=None if pairing else Pairing.Status.APPROVED)
    if pairing is not None:
        qs = qs.filter(pk=pairing.pk)
    return activity_of(list(qs.order_by("school__municipality__name", "school__name")), on or today())


@dataclass
class Overview:
    """The network's approved pairs of a year, for its page: the ones shown (in order, to be paged;
    `activity_of` a page gives its rows), the totals and the municipalities of the scope's pairs."""

    shown: QuerySet[Pairing]
    totals: dict[str, Any]
    municipalities: list[tuple[int, str]]
    on: dt.date


def overview(
    user: Actor,
    year: int | None,
    municipality: int | None = None,
    q: str = "",
    idle: bool = False,
    on: dt.date | None = None,
) -> Overview:
    """What `activity` gives for every pair, counted in the database: a country's 12 000 pairs
    were read, each with its consultations, ratings and agreements, to show fifty. Totals cover the
    municipality's pairs (all of the scope without one); `q` (a school's or curator's name, any
    case, ё as е) and `idle` narrow the pairs shown."""
    on = on or today()
    last = Consultation.objects.filter(pairing=OuterRef("pk")).values("pairing").annotate(m=Max("date")).values("m")
    # As `activity_of`: idle since the last consultation, or since the approval if there was none.
    since = Coalesce(Subquery(last), TruncDate("approved_at"), Value(on), output_field=DateField())
    scope = pairings(user, year).annotate(since=since)
    municipalities = list(
        scope.order_by("school__municipality__name")
        .values_list("school__municipality_id", "school__municipality__name")
        .distinct()
    )
    rows = scope if municipality is None else scope.filter(school__municipality_id=municipality)
    cutoff = on - dt.timedelta(weeks=rules().inactive_weeks)
    ids = rows.values("pk")
    held = Consultation.objects.filter(pairing__in=ids).aggregate(n=Count("pk"), h=Sum("hours"))
    pairs = rows.count()
    inactive = rows.filter(since__lte=cutoff).count()
    totals = {
        "pairs": pairs,
        "active": pairs - inactive,
        "inactive": inactive,
        "consultations": held["n"],
        "hours": float(held["h"] or 0),
        "agreements": Agreement.objects.filter(pairing__in=ids).values("pairing").distinct().count(),
    }
    shown = rows.filter(since__lte=cutoff) if idle else rows
    if q:
        names = shown.values_list(
            "pk", "school__name", "curator_id", "curator__school__name", "curator__person__full_name"
        )
        # The curator as `Curator.__str__` names it (its school, else the tutor, else its number).
        found = [
            pk
            for pk, school, curator, curator_school, tutor in names
            if matches(q, school, curator_school or tutor or f"куратор {curator}")
        ]
        shown = shown.filter(pk__in=found)
    return Overview(shown.order_by("school__municipality__name", "school__name", "pk"), totals, municipalities, on)


def activity_of(pairs: list[Pairing], on: dt.date) -> list[Activity]:
    weeks = rules().inactive_weeks
    ids = [p.pk for p in pairs]
    stats = {
        row["pairing"]: row
        for row in Consultation.objects.filter(pairing_id__in=ids)
        .values("pairing")
        .annotate(n=Count("pk"), h=Sum("hours"), people=Sum("participants"), last=Max("date"))
    }
    ratings = {
        row["consultation__pairing"]: row
        for row in Feedback.objects.filter(consultation__pairing_id__in=ids)
        .values("consultation__pairing")
        .annotate(n=Count("pk"), avg=Avg("rating"))
    }
    agreements = dict(
        Agreement.objects.filter(pairing_id__in=ids)
        .values("pairing")
        .annotate(n=Count("pk"))
        .values_list("pairing", "n")
    )
    result = []
    for p in pairs:
        s: dict[str, Any] = dict(stats.get(p.pk, {}))
        r: dict[str, Any] = dict(ratings.get(p.pk, {}))
        since = s.get("last") or (timezone.localdate(p.approved_at) if p.approved_at else on)
        idle = max(0, (on - since).days // 7)
        result.append(
            Activity(
                p,
                consultations=s.get("n", 0),
                hours=float(s.get("h") or 0),
                participants=s.get("people") or 0,
                last=s.get("last"),
                rated=r.get("n", 0),
                rating=round(r["avg"], 2) if r.get("avg") is not None else None,
                agreements=agreements.get(p.pk, 0),
                inactive=idle >= weeks,
                weeks_idle=idle,
            )
        )
    return result


def remind_idle(on: dt.date | None = None) -> dict[str, int]:
    """Tell the curator, the supported school and the municipality's coordinators about each
    approved pair idle for the preset's weeks — once; a pair that becomes active again may be
    reported later. Part of the daily `shnor remind`."""
    on = on or today()
    pairs = list(
        Pairing.objects.filter(status=Pairing.Status.APPROVED).select_related(
            "school", "curator", "curator__school", "curator__person"
        )
    )
    rows = activity_of(pairs, on)
    idle = [r for r in rows if r.inactive and not r.pairing.idle_notified]
    active = [r.pairing.pk for r in rows if not r.inactive and r.pairing.idle_notified]
    notified = 0
    for r in idle:
        p = r.pairing
        people = list(curator_accounts(p.curator)) + list(
            User.objects.heads_of(p.school_id) | User.objects.coordinators_of(p.school.municipality_id)
        )
        since = f"последняя консультация {r.last:%d.%m.%Y}" if r.last else "консультаций не было"
        text = f"Пара «{p.school} — {p.curator}»: нет активности {r.weeks_idle} нед. ({since})."
        notified += notify(people, text, reverse("support:pair", args=[p.pk]))
    with transaction.atomic():
        Pairing.objects.filter(pk__in=[r.pairing.pk for r in idle]).update(idle_notified=True)
        Pairing.objects.filter(pk__in=active).update(idle_notified=False)
    return {"idle": len(idle), "notified": notified}


def get_consultation(user: Actor, pk: int) -> Consultation:
    return restrict(Consultation.objects.select_related("pairing"), user).get(pk=pk)


def journal(user: Actor, pairing: Pairing) -> list[Consultation]:
    return list(restrict(Consultation.objects.filter(pairing=pairing).select_related("feedback", "recorded_by"), user))


@transaction.atomic
def make_agreement(
    user: Actor,
    pairing: Pairing,
    *,
    number: str,
    date: dt.date,
    start: dt.date,
    end: dt.date,
    subject: str = "",
) -> Agreement:
    """A cooperation agreement of the pair, generated from the DOCX template."""
    if not (role_of(user) == Role.OPERATOR or user.has_shnor_perm(Perm.MATCH_CURATORS) or is_curator_of(user, pairing)):
        raise PermissionDenied("Соглашение оформляет оператор, координатор или куратор пары.")
    if pairing.status != Pairing.Status.APPROVED:
        raise SupportError("Соглашение заключают только по утверждённой паре.")
    if end < start:
        raise SupportError(f"Срок действия: дата окончания {end:%d.%m.%Y} раньше даты начала {start:%d.%m.%Y}.")
    if not number.strip():
        raise SupportError("Укажите номер соглашения.")
    subject = subject.strip() or documents.DEFAULT_SUBJECT
    parties = f"{pairing.curator} (куратор) и {pairing.school} (сопровождаемая школа)"
    content = documents.agreement(
        documents.AgreementData(
            number=number.strip(),
            date=date,
            curator=str(pairing.curator),
            school=str(pairing.school),
            form=pairing.get_form_display(),
            subject=subject,
            start=start,
            end=end,
            covered=[label(c) for c in pairing.covered],
            uncovered=[label(c) for c in pairing.uncovered],
        )
    )
    agreement = Agreement(
        pairing=pairing,
        number=number.strip(),
        date=date,
        parties=parties,
        subject=subject,
        start=start,
        end=end,
        sha256=documents.sha256(content),
        created_by=account(user),
    )
    save_with_file(agreement, "file", f"soglashenie-{number.strip().replace('/', '-')}.docx", content)
    return agreement


def agreements(user: Actor, pairing: Pairing | None = None) -> QuerySet[Agreement]:
    qs = Agreement.objects.select_related("pairing", "pairing__school", "pairing__curator")
    if pairing is not None:
        qs = qs.filter(pairing=pairing)
    return restrict(qs, user)
