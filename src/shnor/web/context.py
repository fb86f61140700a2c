"""Navigation by section of the management cycle, shown according to the user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from shnor.accounts.roles import Perm
from shnor.cycle.municipal import allowed as monitoring_allowed


def _sections(user: Any) -> list[dict[str, Any]]:
    registry = [
        ("Школы", "registry:schools"),
        ("Муниципалитеты", "registry:municipalities"),
        ("Инфраструктура", "registry:bodies"),
        ("Участники", "registry:people"),
    ]
    sections: list[dict[str, Any]] = [
        {"title": "Обзор", "items": [("Главная", reverse("web:home"))]},
        {"title": "Реестр", "items": [(label, reverse(name)) for label, name in registry]},
        {
            "title": "Управленческий цикл",
            "items": [
                ("Цели и задачи", reverse("cycle:goals")),
                ("Циклограмма", reverse("cycle:cyclogram")),
                ("Показатели системы", reverse("cycle:indicators")),
                *([("Мониторинг муниципалитетов", reverse("cycle:monitoring"))] if monitoring_allowed(user) else []),
                ("Анализ", reverse("cycle:analysis")),
                ("Адресные рекомендации", reverse("cycle:recommendations")),
                ("Меры и мероприятия", reverse("cycle:measures")),
                ("Управленческие решения", reverse("cycle:decisions")),
                ("Рабочая группа", reverse("cycle:meetings")),
                ("Эффективность мер", reverse("cycle:effect")),
                ("Доказательная база", reverse("cycle:evidence")),
            ],
        },
        {"title": "Идентификация", "items": [("Расчёты и списки", reverse("identification:runs"))]},
        {
            "title": "Сопровождение",
            "items": [
                ("Рисковые профили", reverse("risks:regional")),
                ("Программы и мониторинг", reverse("programmes:list")),
                ("Кураторы и пары", reverse("support:overview")),
                ("Педагоги", reverse("staff:teachers")),
            ],
        },
    ]
    if user.has_shnor_perm(Perm.VIEW_IMPORTS):
        data = [
            ("История загрузок", reverse("datasets:runs")),
            ("Сопоставления столбцов", reverse("datasets:mappings")),
        ]
        if user.has_shnor_perm(Perm.IMPORT_DATA):
            data.insert(0, ("Загрузить файл", reverse("datasets:upload")))
        sections.append({"title": "Данные", "items": data})
    from shnor.accounts.services import unread

    count = unread(user)
    service = [
        (f"Уведомления ({count})" if count else "Уведомления", reverse("accounts:notifications")),
        ("Профиль и токены API", reverse("accounts:profile")),
        ("Документация API", "/api/docs"),
    ]
    if user.has_shnor_perm(Perm.VIEW_AUDIT):
        service.insert(0, ("Журнал изменений", reverse("audit:list")))
    if user.is_staff:
        service.append(("Администрирование", reverse("admin:index")))
    sections.append({"title": "Сервис", "items": service})
    return sections


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    path = request.path
    sections = _sections(user)
    # The active item: the longest of the items' addresses the page's path starts with (so that
    # /cycle/decisions/ lights «Управленческие решения», not also «Циклограмма» at /cycle/).
    urls = [url for section in sections for _label, url in section["items"]]
    matching = [url for url in urls if url == path or (url != "/" and path.startswith(url))]
    current = max(matching, key=len, default=None)
    for section in sections:
        section["items"] = [{"label": label, "url": url, "active": url == current} for label, url in section["items"]]
    return {"nav_sections": sections}
