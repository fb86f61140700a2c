"""Background work of the datasets app (django-tasks; the database backend in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(run_id: int) -> None:
    from shnor.datasets.services import execute

    execute(run_id)
