"""Issue 20: PDF copies were made on every request (~1.5 s of LibreOffice or WeasyPrint each), so
twelve parallel downloads delayed `/healthz` to 5.3 s. Now a copy is made once per version of its
source and served from the data folder; parallel requests for one version wait for one making."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shnor.documents import cache, convert
from tests.app.test_network_api import Api
from tests.conftest import World


def test_made_once_per_version(tmp_path: Path) -> None:
    made: list[bytes] = []

    def make(source: bytes) -> Callable[[], bytes]:
        def making() -> bytes:
            made.append(source)
            return b"%PDF " + source

        return making

    assert cache.cached(tmp_path, b"v1", make(b"v1")) == b"%PDF v1"
    assert cache.cached(tmp_path, b"v1", make(b"v1")) == b"%PDF v1"
    assert cache.cached(tmp_path, b"v2", make(b"v2")) == b"%PDF v2"  # a new version: made anew
    assert made == [b"v1", b"v2"]
    assert cache.cached(None, b"v1", make(b"v1")) == b"%PDF v1" and made[-1] == b"v1"  # no folder: each time
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".pdf", ".pdf"]  # no lock or part left


def test_parallel_requests_for_one_version_make_it_once(tmp_path: Path) -> None:
    made = 0
    started, release = threading.Event(), threading.Event()

    def slow() -> bytes:
        nonlocal made
        made += 1
        started.set()
        assert release.wait(timeout=30)  # held until the other requests have come
        return b"%PDF same"

    got: list[bytes] = []
    threads = [threading.Thread(target=lambda: got.append(cache.cached(tmp_path, b"doc", slow))) for _ in range(12)]
    threads[0].start()
    assert started.wait(timeout=30)  # the first is making it, holding the key's lock
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join()
    assert made == 1 and got == [b"%PDF same"] * 12


def test_a_failed_making_leaves_nothing(tmp_path: Path) -> None:
    def broken() -> bytes:
        raise convert.ConversionError("LibreOffice не смог")

    with pytest.raises(convert.ConversionError):
        cache.cached(tmp_path, b"doc", broken)
    assert [p for p in tmp_path.iterdir() if p.suffix == ".pdf"] == []


def test_the_oldest_copies_go_beyond_the_keep(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(cache, "KEEP", 3)

    def make(i: int) -> Callable[[], bytes]:
        return lambda: f"%PDF {i}".encode()

    for i in range(5):
        cache.cached(tmp_path, f"v{i}".encode(), make(i))
        for copy in tmp_path.glob("*.pdf"):  # the copies' ages set, not waited for
            if copy.read_bytes() == f"%PDF {i}".encode():
                os.utime(copy, (1_000_000 + i, 1_000_000 + i))
    assert sorted(p.read_bytes() for p in tmp_path.glob("*.pdf")) == [b"%PDF 2", b"%PDF 3", b"%PDF 4"]


@pytest.mark.django_db
def test_a_documents_pdf_and_a_risk_profile_are_made_once(
    client: Client, world: World, login: Any, monkeypatch: Any, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    calls = {"libreoffice": 0, "weasyprint": 0}
    real_many = convert.to_pdf_many

    def counting_many(*args: Any, **kwargs: Any) -> Any:
        calls["libreoffice"] += 1
        return real_many(*args, **kwargs)

    monkeypatch.setattr(convert, "to_pdf_many", counting_many)
    operator = Api(client, world, "operator")
    meeting = operator.send(
        "post",
        "/meetings",
        {"number": "1", "date": "2026-11-20", "chair": "А", "secretary": "Б", "items": [{"title": "Вопрос"}]},
    ).json()
    url = f"/documents/{meeting['documents'][0]['id']}/pdf"
    first, second = operator.get(url), operator.get(url)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert first.content.startswith(b"%PDF") and calls["libreoffice"] == 1

    from weasyprint import HTML

    real_write = HTML.write_pdf

    def counting_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["weasyprint"] += 1
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "write_pdf", counting_write)
    from tests.app.test_support_views import _profile

    _profile(world)
    school = login("school")
    one = school.get(reverse("risks:pdf", args=[world.a1.pk, 2026]))
    two = school.get(reverse("risks:pdf", args=[world.a1.pk, 2026]))
    assert one.content == two.content and one.content.startswith(b"%PDF") and calls["weasyprint"] == 1
    assert len(list((tmp_path / "cache" / "pdf").glob("*.pdf"))) == 2
