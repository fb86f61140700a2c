"""Putting back what an import replaced."""

from __future__ import annotations

import gzip
import json

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.models import User
from shnor.accounts.roles import Perm
from shnor.accounts.services import require
from shnor.audit.tracking import record
from shnor.core.contract import Store as Destination
from shnor.datasets.loaders import revert
from shnor.datasets.models import ImportRun
from shnor.datasets.services.common import ImportRefused, Status, store, table_of
from shnor.datasets.services.execution import recover
from shnor.engine.store import StoreError


def rollback(user: Actor, run: ImportRun) -> ImportRun:
    """Put back the data an import replaced. Refused while a later import builds on it."""
    require(user, Perm.IMPORT_DATA)
    with store().lock():
        recover()
        run.refresh_from_db()
        if run.status != Status.APPLIED:
            raise ImportRefused(
                f"Откатить можно только выполненную загрузку; загрузка № {run.pk}: {run.get_status_display()}."
            )
        table = table_of(run.kind)
        if table.store == Destination.COLUMNAR:
            try:
                result = store().revert(table.name, run.store_id, note=f"откат загрузки № {run.pk}")
            except StoreError as error:
                raise ImportRefused(str(error)) from None
            restored = result.rows_added
        else:
            later = list(ImportRun.objects.filter(kind=run.kind, status=Status.APPLIED, pk__gt=run.pk))
            if table.yearly and run.years:
                later = [r for r in later if set(r.years) & set(run.years)]
            if later:
                numbers = ", ".join(f"№ {r.pk}" for r in later)
                raise ImportRefused(f"Сначала откатите более поздние загрузки этой таблицы: {numbers}.")
            undo = json.loads(gzip.decompress(bytes(run.undo)).decode("utf-8")) if run.undo else {}
            try:
                with transaction.atomic():
                    revert(undo)
            except ProtectedError as error:
                used = sorted({str(o._meta.verbose_name_plural) for o in error.protected_objects})
                raise ImportRefused(
                    "Откат невозможен: на загруженные записи уже ссылаются другие данные (" + ", ".join(used) + ")."
                ) from None
            restored = run.rows_removed
        with transaction.atomic():
            run.status = Status.ROLLED_BACK
            run.rolled_back_at = timezone.now()
            run.rolled_back_by = user if isinstance(user, User) else None
            run.undo = None
            run.message += f" Отменено {timezone.localtime(run.rolled_back_at):%d.%m.%Y %H:%M}."
            run.save()
            record(run, "update", {"состояние": ["загружено", "отменено"], "восстановлено строк": [None, restored]})
    return run
