"""The searchable audit log (operator only)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from shnor.accounts.actor import AuthedRequest
from shnor.audit import services
from shnor.audit.models import AuditEntry
from shnor.lib.listing import Column, is_partial, table

COLUMNS = [
    Column("at", "Когда", "at"),
    Column("actor", "Кто", "actor_repr"),
    Column("source", "Откуда", "source"),
    Column("action", "Действие", "action"),
    Column("object", "Объект", "object_repr"),
    Column("changes", "Изменения"),
]


@login_required
def entry_list(request: AuthedRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip() for k in ("q", "action", "model", "source")}
    qs = services.entries(request.user, **params)
    context = table(request, qs, COLUMNS, "-at")
    context.update(
        params=params,
        actions=AuditEntry.Action.choices,
        sources=AuditEntry.Source.choices,
        models=services.tracked_choices(),
        rows_template="audit/_rows.html",
        breadcrumbs=[("Журнал изменений", None)],
    )
    if is_partial(request):
        return render(request, "web/_table.html", context)
    return render(request, "audit/list.html", context)
