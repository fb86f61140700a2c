"""Creating a programme from its template (and the anti-risk programme from the risk profile)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction

from shnor.accounts.actor import Actor
from shnor.accounts.services import account
from shnor.core import programmes as core
from shnor.core.programmes import ActivityTemplate, IndicatorTemplate, PhaseTemplate, ProgrammeTemplate
from shnor.programmes.models import Activity, Indicator, Programme
from shnor.programmes.services.common import SCHOOL_LEVELS, L, ProgrammeError, can_edit, preset, today
from shnor.programmes.services.indicators import refresh
from shnor.registry.models import Municipality, School


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
    user: Actor,
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
                    starts=None if a.from_months is None else core.month_start(start, a.from_months),
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
