"""The schemas of data imports: a run with its summary and issues, a saved column mapping.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from datetime import datetime
from typing import Any

from ninja import Schema

from shnor.datasets.models import ImportRun


class IssueOut(Schema):
    severity: str
    code: str
    message: str
    file: str
    row: int | None
    column: str
    value: str


class ImportOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    channel: str
    file_name: str
    file_size: int
    sha256: str
    mapping: str | None
    year: int | None
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_added: int
    rows_updated: int
    rows_unchanged: int
    rows_removed: int
    errors: int
    warnings: int
    years: list[int]
    message: str

    @staticmethod
    def resolve_status_label(run: ImportRun) -> str:
        return str(run.get_status_display())

    @staticmethod
    def resolve_mapping(run: ImportRun) -> str | None:
        return run.mapping_spec.get("name") if run.mapping_spec else None

    @staticmethod
    def resolve_created_by(run: ImportRun) -> str | None:
        return run.created_by.username if run.created_by else None


class SummaryOut(Schema):
    severity: str
    code: str
    label: str
    column: str
    count: int
    listed: int


class ImportDetailOut(ImportOut):
    source: dict[str, Any]
    summary: list[SummaryOut]
    issues: list[IssueOut]


class MappingOut(Schema):
    name: str
    kind: str
    title: str
    spec: dict[str, Any]
