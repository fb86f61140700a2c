"""bench/tile.py makes a large region out of the demo: every municipality, school and teacher
copied with all that belongs to them, region-wide rows left single, no broken key. The load
benchmark's large region is only as honest as this copy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import tile  # noqa: E402  (bench/ is not a package on the test path)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tiled_demo_is_the_demo_several_times_over(settings: Any, tmp_path: Path) -> None:
    from django.db import connection

    from shnor.accounts.models import User
    from shnor.cycle import indicators
    from shnor.cycle.models import Meeting, Recommendation
    from shnor.demo.build import build
    from shnor.demo.generator import DemoConfig
    from shnor.identification.models import Component, Run, SchoolResult
    from shnor.programmes.models import Activity, Programme
    from shnor.records.models import Decision
    from shnor.registry.models import Municipality, School
    from shnor.risks.models import Profile
    from shnor.staff.models import Diagnostic, StaffMember, Teacher
    from shnor.support.models import Consultation, Curator, Pairing

    settings.DATA_DIR = tmp_path
    build(DemoConfig(schools=40, municipalities=4))
    per_school: list[Any] = [Teacher, StaffMember, Diagnostic, SchoolResult, Component, Profile, Curator, Pairing]
    per_school += [Consultation, Recommendation, Activity]
    before = {m: m.objects.count() for m in [School, Municipality, Run, Decision, Meeting, *per_school]}
    school_programmes = Programme.objects.filter(school__isnull=False).count()
    region_programmes = Programme.objects.filter(school__isnull=True, municipality__isnull=True).count()
    assert all(before[m] for m in per_school), before  # the demo fills every table the copy is checked on
    operator = User.objects.get(username="operator")
    schools_measured = {v.definition.code: v for v in indicators.compute(operator, 2026)}["1.1"].denominator

    added = tile.tile(2, say=lambda _line: None)

    for model in [School, Municipality, *per_school]:
        assert model.objects.count() == 3 * before[model], model.__name__
    for model in (Run, Decision, Meeting):  # the region's own rows stay single
        assert model.objects.count() == before[model], model.__name__
    assert Programme.objects.filter(school__isnull=False).count() == 3 * school_programmes
    assert Programme.objects.filter(school__isnull=True, municipality__isnull=True).count() == region_programmes
    assert sum(added.values()) > 0
    # Codes stay unique and say which copy they are; every key points at a row that exists.
    original = School.objects.order_by("pk").first()
    assert original is not None
    copies = School.objects.filter(school_id__startswith=original.school_id).order_by("pk")
    assert [s.school_id for s in copies] == [original.school_id, f"{original.school_id}-1", f"{original.school_id}-2"]
    assert len({s.municipality_id for s in copies}) == 3
    copy = copies[1]
    assert copy.municipality.region_id == original.municipality.region_id
    assert Profile.objects.filter(school=copy).count() == Profile.objects.filter(school=original).count()
    assert StaffMember.objects.filter(school=copy).count() == StaffMember.objects.filter(school=original).count()
    mine = set(StaffMember.objects.filter(school=copy).values_list("teacher_id", flat=True))
    theirs = set(StaffMember.objects.filter(school=original).values_list("teacher_id", flat=True))
    assert mine and not mine & theirs  # the copy's teachers are its own
    # A teacher's account of a copy finds the copy's teacher by its code.
    account = User.objects.filter(role="teacher").exclude(staff_key="").order_by("pk").first()
    assert account is not None
    copied_account = User.objects.get(username=f"{account.username}-1")
    assert copied_account.staff_key == f"{account.staff_key}-1"
    assert Teacher.objects.filter(staff_key=copied_account.staff_key).exists()
    connection.check_constraints()
    # The region's figures see three regions' worth of schools.
    tiled = {v.definition.code: v for v in indicators.compute(operator, 2026)}["1.1"]
    assert tiled.denominator == 3 * schools_measured
