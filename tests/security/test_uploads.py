"""Issue 20: no upload limit — a 120 MB programme evidence file was stored. Now a body larger than
its limit is refused with 413 and a Russian message before a byte of it is read: attachments by
`SHNOR_MAX_UPLOAD_MB`, data files for import by `SHNOR_MAX_IMPORT_MB`; nothing is written."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from shnor.programmes import services as programmes
from shnor.programmes.models import Evidence
from tests.app.test_network_api import Api
from tests.conftest import World

pytestmark = pytest.mark.django_db

MB = 2**20


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_attachment_over_the_limit_is_refused_and_nothing_stored(world: World, login: Any, settings: Any) -> None:
    settings.SHNOR_MAX_UPLOAD_MB = 1
    programme = programmes.create(
        world.users["school"], "volgograd-school-pko", school=world.a1, start=dt.date(2026, 1, 1)
    )
    activity = programme.activities.order_by("position").first()
    assert activity is not None
    client = login("school")
    url = reverse("programmes:evidence", args=[programme.pk, activity.pk])
    before = _files(Path(settings.MEDIA_ROOT))
    refused = client.post(url, {"title": "Видео", "file": io.BytesIO(b"x" * (2 * MB))})
    assert refused.status_code == 413
    text = refused.content.decode()
    assert "Файл слишком большой: 2,0 МБ, допустимо не более 1 МБ (настройка SHNOR_MAX_UPLOAD_MB)" in text
    assert "ничего не сохранено" in text
    assert Evidence.objects.count() == 0 and _files(Path(settings.MEDIA_ROOT)) == before
    # Under the limit it is stored as before.
    accepted = client.post(url, {"title": "Протокол", "file": io.BytesIO(b"%PDF-1.4 " + b"x" * (MB // 2))})
    assert accepted.status_code == 302 and Evidence.objects.count() == 1


def test_a_data_file_has_its_own_limit_on_the_page_and_the_api(client: Client, world: World, settings: Any) -> None:
    settings.SHNOR_MAX_UPLOAD_MB = 1
    settings.SHNOR_MAX_IMPORT_MB = 3
    body = b"school_id;name\n" + b"A9;x\n" * (2 * MB // 5)  # 2 MB: over the attachment limit, under the import one
    operator = Api(client, world, "operator")
    ok = client.post("/api/imports", {"kind": "schools", "file": io.BytesIO(body)}, **operator.headers)
    assert ok.status_code != 413
    big = b"school_id;name\n" + b"A9;x\n" * (4 * MB // 5)
    refused = client.post("/api/imports", {"kind": "schools", "file": io.BytesIO(big)}, **operator.headers)
    assert refused.status_code == 413 and refused["Content-Type"] == "application/problem+json"
    assert "SHNOR_MAX_IMPORT_MB" in refused.json()["detail"] and refused.json()["title"] == "Слишком большой запрос"
    client.force_login(world.users["operator"])
    upload = reverse("datasets:upload")
    assert upload == "/data/upload/"
    page = client.post(upload, {"kind": "schools", "file": io.BytesIO(big)})
    assert page.status_code == 413 and "не более 3 МБ" in page.content.decode()
    # Over the attachment limit but under the import one: the page reads it (no 413).
    assert client.post(upload, {"kind": "schools", "file": io.BytesIO(body)}).status_code != 413


def test_the_body_is_not_read_at_all(settings: Any) -> None:
    """The refusal comes from the declared length: the body's stream is never touched."""
    from shnor.web.security import UploadLimitMiddleware

    class Untouchable(io.RawIOBase):
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

    settings.SHNOR_MAX_UPLOAD_MB = 1
    request = RequestFactory().generic(
        "POST", "/programmes/1/activities/1/evidence/", content_type="multipart/form-data; boundary=x"
    )
    request.META["CONTENT_LENGTH"] = str(5 * MB)
    request.META["wsgi.input"] = Untouchable()
    response = UploadLimitMiddleware(lambda r: pytest.fail("the view was reached"))(request)
    assert response.status_code == 413
