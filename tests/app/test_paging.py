"""Tables that list every municipality of a region (a thousand in a country's region) are paged,
and their «Итого» row is the whole scope's, on every page."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.urls import reverse

from shnor.lib.listing import total
from shnor.programmes.models import Programme
from shnor.registry.models import Municipality, School
from shnor.staff.models import Diagnostic, StaffMember, Teacher

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Row:
    name: str
    key: int | None
    a: int = 0
    b: int = 0


def test_the_total_row_sums_every_whole_number_and_takes_the_rest_as_given() -> None:
    rows = [Row("Б", 1, 2, 30), Row("А", 2, 5, 0), Row("В", 3, 0, 7)]
    assert total(rows, name="Итого", key=None) == Row("Итого", None, 7, 37)
    # numpy's whole numbers are counts too (rows made from pandas); a yes/no is not added up.
    mixed = [Row("Б", 1, np.int64(2), True), Row("А", 2, np.int64(5), False)]  # type: ignore[arg-type]  # as pandas gives them
    got = total(mixed, name="Итого", key=None)
    assert got == Row("Итого", None, 7, True) and type(got.a) is int
    assert total(rows[:1], name="Итого", key=None) is None  # one row is its own total
    assert total([], name="Итого", key=None) is None
    assert rows[0] == Row("Б", 1, 2, 30)  # the shared rows are not touched


def table(html: str, testid: str) -> tuple[list[str], list[str]]:
    """The body rows' first cells and the footer's cells of the table marked `testid`."""
    part = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    names = [re.sub(r"<[^>]+>|\s+", " ", row.split("</th>")[0]).strip() for row in body.split("<tr>")[1:]]
    foot = part.split("<tfoot>", 1)[1] if "<tfoot>" in part else ""
    cells = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", foot, re.S)]
    return names, cells


def districts(world: Any, n: int) -> list[Municipality]:
    return [
        Municipality.objects.create(region=world.region, code=f"D{i:02}", name=f"Район {i:02}") for i in range(1, n + 1)
    ]


def roadmaps(world: Any, n: int) -> None:
    """`n` districts, each with its municipal programme in force."""
    for muni in districts(world, n):
        Programme.objects.create(
            level="municipality",
            title=f"Дорожная карта: {muni.name}",
            goal="Ц",
            status="in_force",
            start=dt.date(2026, 9, 1),
            end=dt.date(2027, 6, 30),
            municipality=muni,
        )


def test_the_teachers_municipalities_are_paged_and_totalled(world: Any, login: Any, settings: Any) -> None:
    settings.SHNOR_PAGE_SIZE = 10
    for i, muni in enumerate(districts(world, 12), start=1):
        school = School.objects.create(school_id=f"S{i:02}", name=f"Школа {i}", municipality=muni, locality="city")
        for k in range(1 + (i == 12)):  # 13 teachers: the last district has two
            teacher = Teacher.objects.create(staff_key=f"T{i:02}-{k}")
            StaffMember.objects.create(teacher=teacher, school=school, position="учитель", subjects="математика")
            Diagnostic.objects.create(teacher=teacher, year=2026, area="methodical", score=8 + k, max_score=20)
    client = login("operator")
    first = client.get(reverse("staff:teachers")).content.decode()
    names, foot = table(first, "aggregates")
    assert names == [f"Район {i:02}" for i in range(1, 11)]
    # teachers, diagnosed, with deficits (8/20 and 9/20 are under 0.6), routes …
    assert foot == ["Итого (все 12)", "13", "13", "13", "0", "0", "0", "0", "0"]
    assert "страница 1 из 2 (муниципалитетов: 12)" in re.sub(r"\s+", " ", first)
    assert 'href="?year=2026&amp;page=2"' in first or 'href="?page=2"' in first
    second = client.get(reverse("staff:teachers"), {"page": 2, "year": 2026}).content.decode()
    names, foot = table(second, "aggregates")
    assert names == ["Район 11", "Район 12"]
    assert foot[1] == "13"  # the whole scope's total on every page
    # Inside one municipality: its schools, no pager, no total for a single row.
    muni = Municipality.objects.get(code="D12")
    inside = client.get(reverse("staff:teachers"), {"municipality": muni.pk}).content.decode()
    names, foot = table(inside, "aggregates")
    assert names == ["Школа 12"] and foot == [] and 'data-testid="pages"' not in inside


def test_the_programmes_overview_and_list_are_paged_each_by_its_own_parameter(
    world: Any, login: Any, settings: Any
) -> None:
    settings.SHNOR_PAGE_SIZE = 10
    roadmaps(world, 12)
    client = login("operator")
    url = reverse("programmes:list")
    first = client.get(url).content.decode()
    names, foot = table(first, "overview")
    assert len(names) == 10 and foot == ["Итого (все 12)", "12", "12", "0", "0", "0"]
    muni = Municipality.objects.get(name=names[0])
    assert f'href="?municipality={muni.pk}"' in first  # a municipality's row drills down
    second = client.get(url, {"rows": 2}).content.decode()
    assert len(table(second, "overview")[0]) == 2
    listed = re.findall(r'<a href="/programmes/(\d+)/">', second.split('data-testid="programmes"', 1)[1])
    assert len(listed) == 10  # the list stays on its first page
    both = client.get(url, {"rows": 2, "page": 2}).content.decode()
    assert len(re.findall(r'<a href="/programmes/(\d+)/">', both.split('data-testid="programmes"', 1)[1])) == 2
    assert 'href="?rows=2&amp;page=1#all-h"' in both and 'href="?page=2&amp;rows=1#overview-h"' in both


def test_an_empty_summary_shows_no_pager_of_the_other_table(world: Any, login: Any, settings: Any) -> None:
    """A municipality without programmes: its summary is empty and has no pager of its own (the
    list's pager below is not shown twice)."""
    settings.SHNOR_PAGE_SIZE = 10
    roadmaps(world, 12)
    page = login("operator").get(reverse("programmes:list"), {"municipality": world.muni_b.pk}).content.decode()
    assert "Программ нет." in page.split('data-testid="overview"', 1)[1].split("</table>", 1)[0]
    assert page.count('data-testid="pages"') == 1 and "#overview-h" not in page.split('data-testid="pages"')[1]


def test_the_guide_names_the_page_size_and_the_backup_defaults_the_code_has() -> None:
    """docs/guide: «по 50 строк» (SHNOR_PAGE_SIZE's default), «14 последних» (`--keep`'s)."""
    from pathlib import Path

    from shnor import backup, settings

    guide = Path(__file__).resolve().parents[2] / "docs" / "guide"
    assert 'env_int("SHNOR_PAGE_SIZE", 50,' in Path(settings.__file__).read_text("utf-8")
    for name in ("programmes.md", "support.md"):
        assert "страницы по 50 строк" in " ".join((guide / name).read_text("utf-8").split()), name
    assert backup.KEEP == 14
    assert "(по умолчанию 14)" in " ".join((guide / "cli.md").read_text("utf-8").split())
    assert "остаются 14 последних" in " ".join((guide / "install.md").read_text("utf-8").split())
