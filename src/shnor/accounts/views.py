"""Profile page: the user's role and scope, password change, API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from shnor.accounts import services
from shnor.accounts.actor import AuthedRequest
from shnor.accounts.scoping import scope_of
from shnor.lib.lookup import as_int


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user: Any = request.user
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            number = as_int(request.POST["revoke"])
            if number is not None and services.revoke_token(user, number):
                messages.success(request, "Токен отозван: запросы с ним больше не принимаются.")
            else:
                messages.error(request, "Такого токена у вас нет.")
            return redirect("accounts:profile")
        name = request.POST.get("name", "").strip()[:100] or "токен"
        _, new_key = services.issue_token(user, name)
        messages.success(request, "Токен создан. Скопируйте его сейчас: повторно он показан не будет.")
    context = {
        "scope": scope_of(user).describe(),
        "tokens": user.api_tokens.all(),
        "new_key": new_key,
        "breadcrumbs": [("Профиль", None)],
    }
    return render(request, "accounts/profile.html", context)


@login_required
def notifications(request: AuthedRequest) -> HttpResponse:
    from django.utils import timezone

    from shnor.accounts.models import Notification

    items = Notification.objects.filter(user_id=request.user.pk or 0)
    if request.method == "POST":
        items.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("accounts:notifications")
    return render(
        request,
        "accounts/notifications.html",
        {"items": items[:200], "breadcrumbs": [("Уведомления", None)]},
    )
