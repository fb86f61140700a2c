"""Home page and health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from shnor.accounts.actor import AuthedRequest
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
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_DOWN:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
