"""The demo's programmes (issue 24): every school on the year's list has its improvement programme
at a stage a real region would show in December — most in force with the autumn's activities mostly
done, some agreed and waiting to be put in force, some with the curator, a few drafts and one
returned — and the demo district has its road map. The director's school's programme is in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from shnor.accounts.models import User
from shnor.programmes import services as programmes
from shnor.programmes.models import Activity, Programme, Wave
from shnor.registry.models import School
from shnor.support.services.common import official_run

SCHOOL_TEMPLATE = "volgograd-school-pko"
DISTRICT_TEMPLATE = "volgograd-municipal-programme"
# The stage a listed school's programme has reached, with its share of schools.
STAGES = [("in_force", 0.6), ("approved", 0.12), ("review", 0.12), ("draft", 0.11), ("returned", 0.05)]
PATH = {
    "draft": [],
    "returned": ["submit", "return"],
    "review": ["submit", "take"],
    "approved": ["submit", "approve"],
    "in_force": ["submit", "approve", "enforce"],
}


def build_programmes(operator: Any, year: int, today: dt.date, rng: np.random.Generator) -> int:
    """Programmes starting on 1 September of the run's year; returns how many were made."""
    start = dt.date(year, 9, 1)
    _, listed = official_run(year)
    director = User.objects.filter(username="school").values_list("school_id", flat=True).first()
    made = 0
    for school in School.objects.filter(pk__in=listed).order_by("pk"):
        stage = "in_force" if school.pk == director else _stage(rng)
        p = programmes.create(operator, SCHOOL_TEMPLATE, school=school, start=start)
        for action in PATH[stage]:
            comment = (
                "Уточните показатели: базовые значения не совпадают с данными мониторинга."
                if action == "return"
                else ""
            )
            p = programmes.transition(operator, p, action, comment)
        if stage == "in_force":
            programmes.take_wave(operator, p, Wave.Kind.ENTRY, on=start)
            _carry_out(operator, p, today, rng)
        made += 1
    coordinator = User.objects.filter(username="municipal").select_related("municipality").first()
    if coordinator is not None and coordinator.municipality is not None:
        road = programmes.create(operator, DISTRICT_TEMPLATE, municipality=coordinator.municipality, start=start)
        for action in PATH["in_force"]:
            road = programmes.transition(operator, road, action)
        _carry_out(operator, road, today, rng)
        made += 1
    return made


def _stage(rng: np.random.Generator) -> str:
    names = [name for name, _ in STAGES]
    return str(rng.choice(names, p=[share for _, share in STAGES]))


def _carry_out(operator: Any, programme: Programme, today: dt.date, rng: np.random.Generator) -> None:
    """Activities past their deadline mostly done (on a day before it), the rest left for the system to
    mark overdue; those running now in progress."""
    for activity in programme.activities.order_by("position"):
        if activity.deadline and activity.deadline < today:
            if rng.random() < 0.85:
                programmes.set_activity(operator, activity, Activity.Status.DONE)
                done_on = activity.deadline - dt.timedelta(days=int(rng.integers(0, 20)))
                Activity.objects.filter(pk=activity.pk).update(done_on=done_on)
        elif activity.starts and activity.starts <= today:
            programmes.set_activity(operator, activity, Activity.Status.IN_PROGRESS)
