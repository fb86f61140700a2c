"""Background work of the identification app (django-tasks; the database backend in production)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_identification(run_id: int) -> None:
    from shnor.identification.services import execute

    execute(run_id)
