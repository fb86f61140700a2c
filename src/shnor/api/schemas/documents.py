"""The schema of a document of the cycle (DOCX): served at /api/documents/{id} (api/results.py),
listed by recommendations, decisions and meetings.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt

from ninja import Schema

from shnor.records.models import Document


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    sha256: str
    size: int
    created_at: dt.datetime
    url: str

    @staticmethod
    def resolve_url(d: Document) -> str:
        return f"/api/documents/{d.pk}"
