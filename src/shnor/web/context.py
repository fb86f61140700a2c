"""Navigation by section of the management cycle, shown according to the user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from shnor.accounts.roles import Perm, Role
from shnor.cycle.municipal import allowed as monitoring_allowed

# What each role has no use for in its menu (the pages stay where the role may read them, by link):
# a teacher keeps to their own card and route, a school and a curator to their schools' work; the
# region's planning, decisions and evidence are the coordinators' and the operator's.
REGION_WORK = {
    "registry:municipalities",
    "registry:bodies",
    "registry:people",
    "cycle:goals",
    "cycle:indicators",
    "cycle:analysis",
    "cycle:decisions",
    "cycle:meetings",
    "cycle:effect",
    "cycle:evidence",
    "api-docs",
}
HIDDEN: dict[str, set[str]] = {
    Role.TEACHER: REGION_WORK
    | {
        "cycle:cyclogram",
        "cycle:recommendations",
        "cycle:measures",
        "identification:runs",
        "risks:regional",
        "programmes:list",
        "support:overview",
    },
    Role.SCHOOL: REGION_WORK | {"cycle:cyclogram"},
    Role.CURATOR: REGION_WORK | {"cycle:cyclogram"},
    Role.OBSERVER: {"api-docs"},
}


def _sections(user: Any) -> list[dict[str, Any]]:
    registry = [
        ("Школы", "registry:schools"),
        ("Муниципалитеты", "registry:municipalities"),
        ("Инфраструктура", "registry:bodies"),
        ("Участники", "registry:people"),
    ]
    sections: list[dict[str, Any]] = [
        {"title": "Обзор", "items": [("Главная", reverse("web:home"), "web:home")]},
        {"title": "Реестр", "items": [(label, reverse(name), name) for label, name in registry]},
        {
            "title": "Управленческий цикл",
            "items": [
                ("Цели и задачи", reverse("cycle:goals"), "cycle:goals"),
                ("Циклограмма", reverse("cycle:cyclogram"), "cycle:cyclogram"),
                ("Показатели системы", reverse("cycle:indicators"), "cycle:indicators"),
                *(
                    [("Мониторинг муниципалитетов", reverse("cycle:monitoring"), "cycle:monitoring")]
                    if monitoring_allowed(user)
                    else []
                ),
                ("Анализ", reverse("cycle:analysis"), "cycle:analysis"),
                ("Адресные рекомендации", reverse("cycle:recommendations"), "cycle:recommendations"),
                ("Меры и мероприятия", reverse("cycle:measures"), "cycle:measures"),
                ("Управленческие решения", reverse("cycle:decisions"), "cycle:decisions"),
                ("Рабочая группа", reverse("cycle:meetings"), "cycle:meetings"),
                ("Эффективность мер", reverse("cycle:effect"), "cycle:effect"),
                ("Доказательная база", reverse("cycle:evidence"), "cycle:evidence"),
            ],
        },
        {
            "title": "Идентификация",
            "items": [("Расчёты и списки", reverse("identification:runs"), "identification:runs")],
        },
        {
            "title": "Сопровождение",
            "items": [
                ("Рисковые профили", reverse("risks:regional"), "risks:regional"),
                ("Программы и мониторинг", reverse("programmes:list"), "programmes:list"),
                ("Кураторы и пары", reverse("support:overview"), "support:overview"),
                ("Педагоги", reverse("staff:teachers"), "staff:teachers"),
            ],
        },
    ]
    if user.has_shnor_perm(Perm.VIEW_IMPORTS):
        data = [
            ("История загрузок", reverse("datasets:runs"), "datasets:runs"),
            ("Сопоставления столбцов", reverse("datasets:mappings"), "datasets:mappings"),
        ]
        if user.has_shnor_perm(Perm.IMPORT_DATA):
            data.insert(0, ("Загрузить файл", reverse("datasets:upload"), "datasets:upload"))
        sections.append({"title": "Данные", "items": data})
    from shnor.accounts.services import unread

    count = unread(user)
    service = [
        (f"Уведомления ({count})" if count else "Уведомления", reverse("accounts:notifications")),
        ("Профиль и токены API", reverse("accounts:profile"), "accounts:profile"),
        ("Документация API", "/api/docs", "api-docs"),
    ]
    if user.has_shnor_perm(Perm.VIEW_AUDIT):
        service.insert(0, ("Журнал изменений", reverse("audit:list"), "audit:list"))
    if user.is_staff:
        service.append(("Администрирование", reverse("admin:index"), "admin:index"))
    sections.append({"title": "Сервис", "items": service})
    hidden = HIDDEN.get(getattr(user, "role", ""), set())
    for section in sections:
        section["items"] = [item[:2] for item in section["items"] if len(item) < 3 or item[2] not in hidden]
    return [section for section in sections if section["items"]]


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
