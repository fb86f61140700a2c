"""The integrator's client of docs/guide/api.md, run as printed against a live server (issue 25):
with a token it fetches the year's list, reads a school's evidence, records a consultation and
downloads the order. A change of the API that breaks the guide's example fails here."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

import pytest

from shnor.accounts.services import issue_token
from shnor.support.models import Consultation, Curator, Pairing
from tests.app.test_support import identification, included_pool
from tests.conftest import World

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "api.md"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def _region(world: World) -> None:
    """An approved list with A1 on it, A1's programme with a piece of evidence, A1's approved pair."""
    from shnor.identification import services as identify
    from shnor.identification.models import Run
    from shnor.presets import load
    from shnor.programmes import services as programmes

    run = identification(world)
    Run.objects.filter(pk=run.pk).update(preset_text=load("volgograd-2021")[1])
    run.refresh_from_db()
    identify.approve(world.users["coordinator"], run, number="15-п", date=run.created_at.date())
    template = next(t.code for t in programmes.templates() if t.level == "school")
    programme = programmes.create(world.users["school"], template, school=world.a1)
    activity = programme.activities.order_by("pk").first()
    assert activity is not None
    programmes.add_evidence(
        world.users["school"], activity, "Протокол педсовета", content=b"%PDF-1.4", filename="p.pdf"
    )
    b1, _ = included_pool(world)
    Pairing.objects.create(year=2026, school=world.a1, curator=Curator.objects.get(pk=b1.pk), status="approved")


def test_the_guides_client_runs_as_printed(
    live_server: Any, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _region(world)
    _, token = issue_token(world.users["operator"], "портал")
    monkeypatch.setenv("SHNOR_URL", live_server.url)
    monkeypatch.setenv("SHNOR_TOKEN", token)
    monkeypatch.chdir(tmp_path)  # the example saves the order where it runs
    examples = _examples()
    assert len(examples) == 1, "the guide's client is one block"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(examples[0], str(GUIDE), "exec"), {"__name__": "guide"})  # noqa: S102 — the guide's own text
    out = printed.getvalue()
    assert "A001 Школа А1" in out and "A002 Школа А2" in out  # the year's list
    assert "ИОР: -0.6" in out  # the school's evidence: its index of the year
    assert "Протокол педсовета" in out and "/api/programmes/" in out  # the programme's evidence, with its file
    consultation = Consultation.objects.get(topic="Формирующее оценивание")
    assert f"Записана консультация № {consultation.pk}" in out and consultation.pairing.school == world.a1
    order = tmp_path / "15-п.docx"
    assert order.read_bytes()[:2] == b"PK"
