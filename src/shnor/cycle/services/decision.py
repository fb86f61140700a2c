"""Management decisions recorded with their document (who reads which: shnor.records.services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict
from shnor.accounts.services import account
from shnor.cycle.models import (
    Conclusion,
    Measure,
    Recommendation,
)
from shnor.cycle.services.common import CycleError, check_keeper, preset, today
from shnor.cycle.services.measure import measures
from shnor.cycle.services.recommendation import recommendations
from shnor.documents import cycle as documents
from shnor.records.models import Decision, Document, Level
from shnor.records.services import authority, executor, keeping, signature, store_document
from shnor.registry.models import Municipality, School

DOCUMENT_TITLES = {"order": "ПРИКАЗ", "disposition": "РАСПОРЯЖЕНИЕ", "protocol": "ПРОТОКОЛ"}


def record_decision(
    user: Actor,
    *,
    kind: str,
    document_kind: str,
    number: str,
    date: dt.date,
    title: str,
    items: list[str],
    basis: str = "",
    municipality: Municipality | None = None,
    schools: Iterable[School] = (),
    measures_: Iterable[Measure] = (),
    recommendations_: Iterable[Recommendation] = (),
    conclusion: Conclusion | None = None,
    due: dt.date | None = None,
    signatory: str = "",
) -> Decision:
    """A management decision of one of the five kinds, fixed in its document (generated from the
    template `decision.docx`) with number and date; all or nothing."""
    check_keeper(user, municipality)
    schools, measure_list, rec_list = list(schools), list(measures_), list(recommendations_)
    items = _checked(user, kind, document_kind, number, title, items, date, due, municipality)
    _refuse_outside_scope(user, schools, measure_list, rec_list)
    p = preset()
    issuer = authority(p, municipality)
    position, name = signature(signatory, municipality)
    level = Level.MUNICIPALITY if municipality else Level.REGION
    content = documents.decision(
        documents.DecisionData(
            authority=issuer,
            document=DOCUMENT_TITLES[document_kind],
            number=number.strip(),
            date=date,
            title=title.strip(),
            basis=basis.strip(),
            items=items,
            kind=Decision.Kind(kind).label,
            schools=[f"{s.school_id} — {s.name}" for s in sorted(schools, key=lambda s: s.name)],
            measures=[f"{m.title} ({m.start:%d.%m.%Y} — {m.end:%d.%m.%Y}, {m.responsible})" for m in measure_list],
            due=due,
            signatory=position,
            signatory_name=name,
            executor=executor() if municipality is None else "",
        )
    )
    with keeping():
        decision = Decision.objects.create(
            kind=kind,
            title=title.strip(),
            number=number.strip(),
            date=date,
            basis=basis.strip(),
            level=level,
            municipality=municipality,
            document_kind=document_kind,
            conclusion=conclusion,
            items=items,
            due=due,
            created_by=account(user),
        )
        decision.schools.set(schools)
        decision.measures.set(measure_list)
        decision.recommendations.set(rec_list)
        doc_kind = {"order": Document.Kind.ORDER, "disposition": Document.Kind.DISPOSITION}.get(
            document_kind, Document.Kind.PROTOCOL
        )
        store_document(
            doc_kind,
            f"{Decision.Kind(kind).label.capitalize()} решение: {DOCUMENT_TITLES[document_kind].lower()} "
            f"№ {decision.number} от {date:%d.%m.%Y}",
            content,
            f"decision-{date.year}-{decision.pk}.docx",
            user,
            year=date.year,
            decision=decision,
        )
    return decision


def _checked(
    user: Actor,
    kind: str,
    document_kind: str,
    number: str,
    title: str,
    items: list[str],
    date: dt.date,
    due: dt.date | None,
    municipality: Municipality | None,
) -> list[str]:
    """The decision's items, non-empty, or a refusal naming what is wrong with the decision."""
    if kind not in Decision.Kind.values:
        raise CycleError(f"Неизвестный вид решения «{kind}».")
    if document_kind not in DOCUMENT_TITLES:
        raise CycleError(f"Неизвестный вид документа «{document_kind}».")
    if not number.strip() or not title.strip():
        raise CycleError("Укажите номер документа и содержание решения.")
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise CycleError("Решение должно содержать хотя бы один пункт.")
    if due is not None and due < date:
        raise CycleError("Срок исполнения раньше даты документа.")
    if Decision.objects.filter(number=number.strip(), date__year=date.year, municipality=municipality).exists():
        raise CycleError(f"Документ № {number.strip()} за {date.year} год уже зарегистрирован.")
    return items


def _refuse_outside_scope(
    user: Actor, schools: list[School], measure_list: list[Measure], rec_list: list[Recommendation]
) -> None:
    """A decision names only schools, measures and recommendations its author sees (the page offers
    no others; the API and the command line are held to the same rule here)."""
    visible = set(restrict(School.objects.filter(pk__in=[s.pk for s in schools]), user).values_list("pk", flat=True))
    if any(s.pk not in visible for s in schools):
        raise CycleError("Среди школ есть школы вне вашей зоны ответственности.")
    seen = set(measures(user).filter(pk__in=[m.pk for m in measure_list]).values_list("pk", flat=True))
    if any(m.pk not in seen for m in measure_list):
        raise CycleError("Среди мер есть меры вне вашей зоны ответственности.")
    seen = set(recommendations(user).filter(pk__in=[r.pk for r in rec_list]).values_list("pk", flat=True))
    if any(r.pk not in seen for r in rec_list):
        raise CycleError("Среди рекомендаций есть рекомендации вне вашей зоны ответственности.")


def execute(user: Actor, decision: Decision, executed_at: dt.date, execution: str) -> Decision:
    check_keeper(user, decision.municipality)
    if executed_at < decision.date:
        raise CycleError("Дата исполнения раньше даты документа.")
    if executed_at > today():
        raise CycleError("Дата исполнения не может быть в будущем.")
    if not execution.strip():
        raise CycleError("Опишите исполнение решения.")
    decision.executed_at, decision.execution = executed_at, execution.strip()
    decision.save()
    return decision
