"""The downloadable validation report of an import run (one builder for web, API and CLI)."""

from __future__ import annotations

from django.utils import timezone

from shnor.datasets.models import ImportRun
from shnor.ingest.issues import Issue
from shnor.ingest.workbooks import report


def report_bytes(run: ImportRun) -> bytes:
    facts = [
        ("Загрузка", f"№ {run.pk}"),
        ("Таблица", f"{run.kind} — {run.get_kind_display()}"),
        ("Файл", run.file_name),
        ("SHA-256", run.sha256),
        ("Формат", run.source.get("description", "")),
        *[("Как прочитан файл", line) for line in run.source.get("detected", [])],
        *[("Под сомнением", line) for line in run.source.get("unsure", [])],
        ("Загрузил", run.created_by.username if run.created_by else run.get_channel_display()),
        ("Когда", f"{timezone.localtime(run.created_at):%d.%m.%Y %H:%M}"),
        ("Состояние", run.get_status_display()),
        ("Итог", run.message),
        ("Строк данных в файле", run.rows_read),
        ("Записано строк", run.rows_added + run.rows_updated + run.rows_unchanged if run.status == "applied" else 0),
        ("Ошибок", run.errors),
        ("Предупреждений", run.warnings),
    ]
    issues = [Issue.from_dict(i) for i in run.issues]
    return report(issues, run.summary, f"Отчёт о проверке файла «{run.file_name}»", facts)


def report_filename(run: ImportRun) -> str:
    return f"proverka-{run.pk}.xlsx"
