"""Home page and health check."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from shnor.accounts.actor import AuthedRequest
from shnor.audit.models import Heartbeat
from shnor.lib.memo import shows_earlier
from shnor.registry import services as registry
from shnor.web import shelves, workspace
from shnor.web.errors import DATABASE_DOWN


@login_required
@shows_earlier
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    summary = registry.summary(user)
    context = {
        "summary": summary,
        "own_school": getattr(user, "school", None),
        "tasks": workspace.tasks(user),
        "workspace": shelves.build(user),
        "schools_word": shelves.schools_word(summary["schools"]),
        "registry_detail": shelves.registry_detail(summary),
    }
    return render(request, "web/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """For the monitor: what the system needs to answer and to keep working — the database, the
    store of pupils' results, the task worker's last sign of life and the age of the last backup (the
    last two when their settings ask). 503 when any of them fails; nothing personal, no paths."""
    return _health(serving_only=False)


def serving(request: HttpRequest) -> JsonResponse:
    """For a load balancer (/healthz/serving): whether this server can answer — the database and the
    store only. A silent worker or a late backup needs an administrator, not a server taken out of
    service."""
    return _health(serving_only=True)


def _health(serving_only: bool) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        beats = {} if serving_only else dict(Heartbeat.objects.values_list("name", "at"))
    except DATABASE_DOWN:
        return JsonResponse({"status": "database unavailable", "database": "unavailable"}, status=503)
    except DatabaseError:  # a new version's tables before `shnor manage migrate`
        return JsonResponse({"status": "failing: database", "database": "not migrated"}, status=503)
    checks: dict[str, object] = {"database": "ok", "store": _store(Path(settings.SHNOR_STORE_DIR))}
    if not serving_only:
        now = timezone.now()
        limits = {"worker": settings.SHNOR_WORKER_SILENCE_SECONDS, "backup": settings.SHNOR_BACKUP_MAX_AGE_HOURS * 3600}
        checks["worker"] = _age(beats.get(Heartbeat.WORKER), now, limits["worker"], "seconds")
        checks["backup"] = _age(beats.get(Heartbeat.BACKUP), now, limits["backup"], "hours")
    failed = [name for name, state in checks.items() if _failed(state)]
    body = {"status": "ok" if not failed else "failing: " + ", ".join(failed), **checks}
    return JsonResponse(body, status=503 if failed else 200)


def _store(path: Path) -> str:
    """The store can be read and written: its folder, or before the first import (when it is made)
    the nearest folder above it that exists."""
    if path.exists():
        usable = path.is_dir() and os.access(path, os.R_OK | os.W_OK | os.X_OK)
    else:
        above = next((p for p in path.parents if p.exists()), None)
        usable = above is not None and above.is_dir() and os.access(above, os.W_OK | os.X_OK)
    return "ok" if usable else "unavailable"


def _age(at: dt.datetime | None, now: dt.datetime, limit: int, unit: str) -> dict[str, object]:
    """A heartbeat's age against its limit (seconds; 0: not checked), in `unit`."""
    age = None if at is None else (now - at).total_seconds()
    shown = None if age is None else round(age if unit == "seconds" else age / 3600, 1)
    state = "not checked" if not limit else "never" if age is None else "ok" if age <= limit else "stale"
    return {
        "state": state,
        f"age_{unit}": shown,
        f"limit_{unit}": (limit if unit == "seconds" else limit // 3600) or None,
    }


def _failed(state: object) -> bool:
    return state == "unavailable" or (isinstance(state, dict) and state["state"] in ("never", "stale"))
