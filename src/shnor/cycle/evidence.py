"""The evidence pack of a year: one ZIP with every element of the management cycle (docs/guide/cycle.md) —
goals, indicators, methods, monitoring, analysis, recommendations, measures, decisions,
effectiveness — as DOCX and XLSX in nine folders, plus the index (опись) with each file's
SHA-256. Built from what is in the system, in the user's scope; building it writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import require
from shnor.cycle import cyclogram, effect, indicators
from shnor.cycle import services as cycle
from shnor.documents import cycle as documents
from shnor.documents.common import sha256
from shnor.ingest.workbooks import tables
from shnor.records import services as records
from shnor.records.models import Document
from shnor.registry.models import Municipality
from shnor.registry.services import region_name

ELEMENTS = (
    ("01", "Цели и задачи"),
    ("02", "Показатели"),
    ("03", "Методы сбора информации"),
    ("04", "Мониторинг"),
    ("05", "Анализ"),
    ("06", "Адресные рекомендации"),
    ("07", "Меры и мероприятия"),
    ("08", "Управленческие решения"),
    ("09", "Анализ эффективности принятых мер"),
)


@dataclass(frozen=True)
class Entry:
    element: str
    path: str
    description: str
    date: dt.date | None
    size: int
    digest: str


def _folder(code: str) -> str:
    return f"{code} {dict(ELEMENTS)[code]}"


def _safe(name: str) -> str:
    """A file name without path tricks or characters Windows refuses."""
    cleaned = "".join("_" if c in '<>:"/\\|?*' or ord(c) < 32 else c for c in name).strip(" .")
    return cleaned[:120] or "документ"


class Pack:
    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.entries: list[Entry] = []
        self.names: set[str] = set()

    def add(self, code: str, name: str, content: bytes, description: str, date: dt.date | None = None) -> None:
        stem, dot, ext = _safe(name).rpartition(".")
        path, n = f"{_folder(code)}/{stem}.{ext}", 1
        while path in self.names:
            n += 1
            path = f"{_folder(code)}/{stem} ({n}).{ext}"
        self.names.add(path)
        self.zip.writestr(path, content)
        self.entries.append(Entry(code, path, description, date, len(content), sha256(content)))

    def add_document(self, code: str, document: Document) -> None:
        with document.file.open("rb") as f:
            content = f.read()
        self.add(code, f"{document.title}.docx", content, document.get_kind_display(), document.created_at.date())

    def close(self, year: int, region: str) -> bytes:
        index = tables(
            [
                (
                    "Опись",
                    ["№", "Элемент цикла", "Файл", "Содержание", "Дата", "Размер, байт", "SHA-256"],
                    [
                        (
                            i,
                            dict(ELEMENTS)[e.element],
                            e.path,
                            e.description,
                            e.date.strftime("%d.%m.%Y") if e.date else "",
                            e.size,
                            e.digest,
                        )
                        for i, e in enumerate(self.entries, start=1)
                    ],
                ),
                (
                    "Сведения",
                    ["Параметр", "Значение"],
                    [
                        ("Регион (система)", region),
                        ("Год", year),
                        ("Сформировано", timezone.localtime().strftime("%d.%m.%Y %H:%M")),
                        ("Файлов", len(self.entries)),
                    ],
                ),
            ]
        )
        self.zip.writestr("00 Опись.xlsx", index)
        empty = {code for code, _ in ELEMENTS} - {e.element for e in self.entries}
        for code in sorted(empty):  # every element has its folder, even when it holds nothing yet
            self.zip.writestr(f"{_folder(code)}/", b"")
        self.zip.close()
        return self.buffer.getvalue()


def build(user: Actor, year: int) -> bytes:
    """The pack of `year` as ZIP bytes."""
    require(user, Perm.MANAGE_CYCLE)
    pack = Pack()
    municipalities = list(restrict(Municipality.objects.order_by("name"), user))
    _goals(user, year, pack, region_name(), municipalities)
    rows = indicators.dashboard(user, year)  # once: the indicators, the analysis and the report use it
    _indicators(rows, pack, year)
    _methods(user, year, pack)
    _monitoring(user, year, pack)
    _analysis(user, year, pack, municipalities, [v for v, _ in rows])
    _recommendations(user, year, pack)
    _measures(user, year, pack)
    _decisions(user, year, pack)
    _effectiveness(user, year, pack, rows)
    return pack.close(year, region_name())


def _goals(user: Actor, year: int, pack: Pack, region: str, municipalities: list[Municipality]) -> None:
    blocks = []
    if scope_of(user).region_wide:
        g = cycle.goals(user, year)
        blocks.append(("Региональный уровень", g.goal, g.tasks, g.source))
    for m in municipalities:
        g = cycle.goals(user, year, m)
        if not g.from_preset:
            blocks.append((m.name, g.goal, g.tasks, ""))
    pack.add("01", f"Цели и задачи {year}.docx", documents.goals_document(region, year, blocks), "цели и задачи")


def _indicators(rows: list[tuple[Any, Any]], pack: Pack, year: int) -> None:
    years = sorted({y for _v, trend in rows for y, _ in trend})
    main = []
    by_municipality = []
    by_school = []
    for value, trend in rows:
        by_year = dict(trend)
        main.append(
            (
                value.number or "—",
                value.title,
                value.value,
                value.unit,
                value.target,
                value.status_title,
                value.numerator,
                value.denominator,
                *[by_year.get(y) for y in years],
                value.source,
            )
        )
        for r in value.by("municipality"):
            by_municipality.append((value.number or value.title, r.name, r.numerator, r.denominator, r.value))
        for r in value.by("school"):
            by_school.append((value.number or value.title, r.key, r.name, r.numerator, r.denominator, r.value))
    content = tables(
        [
            (
                "Показатели",
                ["Код", "Показатель", "Значение", "Ед.", "Цель", "Статус", "Числитель", "Знаменатель"]
                + [str(y) for y in years]
                + ["Источник"],
                main,
            ),
            ("По муниципалитетам", ["Код", "Муниципалитет", "Числитель", "Знаменатель", "Значение"], by_municipality),
            ("По школам", ["Код", "Код ОО", "Школа", "Числитель", "Знаменатель", "Значение"], by_school),
        ]
    )
    pack.add("02", f"Показатели системы {year}.xlsx", content, "значения, цели, динамика и детализация")


def _methods(user: Actor, year: int, pack: Pack) -> None:
    from shnor.datasets.models import ImportRun

    if user.has_shnor_perm(Perm.VIEW_IMPORTS):
        runs = ImportRun.objects.filter(Q(year=year) | Q(created_at__year=year)).order_by("created_at")
        content = tables(
            [
                (
                    "Загрузки данных",
                    ["№", "Таблица", "Файл", "Канал", "Состояние", "Прочитано строк", "Добавлено", "Ошибок", "Дата"],
                    [
                        (
                            r.pk,
                            r.get_kind_display(),
                            r.file_name,
                            r.get_channel_display(),
                            r.get_status_display(),
                            r.rows_read,
                            r.rows_added,
                            r.errors,
                            timezone.localtime(r.created_at).strftime("%d.%m.%Y"),
                        )
                        for r in runs
                    ],
                )
            ]
        )
        pack.add("03", f"Источники данных {year}.xlsx", content, "загрузки данных года (методы сбора информации)")
    notes = Document.objects.filter(
        kind=Document.Kind.ANALYTIC_NOTE, decision__identification_run__year=year
    ).select_related("decision")
    for document in notes:
        if cycle.can_read_document(user, document):  # the whole act's readers (docs/security.md)
            pack.add_document("03", document)


def _monitoring(user: Actor, year: int, pack: Pack) -> None:
    from shnor.programmes.models import Wave

    lines = cyclogram.lines(year, timezone.localdate())
    waves = (
        Wave.objects.filter(date__year=year, programme__in=_programmes(user))
        .select_related("programme")
        .order_by("date", "pk")
    )
    content = tables(
        [
            (
                "Циклограмма",
                ["Мероприятие", "Срок", "Статус", "Чем подтверждено", "Дата", "Основание"],
                [
                    (
                        line.item.title,
                        line.period,
                        line.status_title,
                        line.evidence,
                        line.done_on.strftime("%d.%m.%Y") if line.done_on else "",
                        line.item.source,
                    )
                    for line in lines
                ],
            ),
            (
                "Волны мониторинга программ",
                ["Программа", "Вид", "Дата"],
                [(w.programme.owner_label(), w.get_kind_display(), w.date.strftime("%d.%m.%Y")) for w in waves],
            ),
        ]
    )
    pack.add("04", f"Мониторинг {year}.xlsx", content, "циклограмма и волны мониторинга программ")


def _programmes(user: Actor) -> Any:
    from shnor.programmes import services as programmes

    return programmes.programmes(user)


def _analysis(user: Actor, year: int, pack: Pack, municipalities: list[Municipality], region: list[Any]) -> None:
    levels: list[Municipality | None] = [None] if scope_of(user).region_wide else []
    concluded = set(cycle.conclusions(user, year).exclude(municipality=None).values_list("municipality_id", flat=True))
    levels += [m for m in municipalities if m.pk in concluded]
    for level in levels:
        directions = cycle.analysis(user, year, level, region if level is None else None)
        blocks = [
            (
                d.title,
                d.figures
                + [(f"{v.definition.code} {v.title}", documents.value_text(v.value, v.unit)) for v in d.values],
                d.conclusion.text if d.conclusion else "",
            )
            for d in directions
        ]
        name = f"Анализ {year} — {level.name if level else 'регион'}.docx"
        pack.add("05", name, documents.analysis_document(year, blocks), "анализ по четырём направлениям и выводы")


def _recommendations(user: Actor, year: int, pack: Pack) -> None:
    recs = cycle.recommendations(user, year).prefetch_related("documents")
    rows = []
    for r in recs:
        rows.append(
            (
                r.addressee_kind(),
                r.addressee_label(),
                r.title,
                r.get_status_display(),
                r.issued_at.strftime("%d.%m.%Y") if r.issued_at else "",
                r.read_at.strftime("%d.%m.%Y") if r.read_at else "",
                r.reported_at.strftime("%d.%m.%Y") if r.reported_at else "",
                r.report,
            )
        )
        for document in r.documents.all():
            pack.add_document("06", document)
    content = tables(
        [
            (
                "Рекомендации",
                ["Адресат", "Кому", "Заголовок", "Состояние", "Направлена", "Получена", "Доложено", "Отчёт"],
                rows,
            )
        ]
    )
    pack.add("06", f"Реестр рекомендаций {year}.xlsx", content, "адресные рекомендации и их исполнение")


def _measures(user: Actor, year: int, pack: Pack) -> None:
    from shnor.support import services as support

    measures = cycle.measures(user, year).prefetch_related("schools")
    events = support.events(user, year)
    content = tables(
        [
            (
                "Меры",
                [
                    "Мера, мероприятие",
                    "Направление",
                    "Уровень",
                    "Ответственный",
                    "Начало",
                    "Окончание",
                    "Статус",
                    "Результат",
                    "Школы",
                ],
                [
                    (
                        m.title,
                        m.get_direction_display(),
                        m.get_level_display(),
                        m.responsible,
                        m.start.strftime("%d.%m.%Y"),
                        m.end.strftime("%d.%m.%Y"),
                        m.get_status_display() + (" (просрочено)" if m.is_overdue() else ""),
                        m.result,
                        ", ".join(s.school_id for s in m.schools.all()),
                    )
                    for m in measures
                ],
            ),
            (
                "Мероприятия сети",
                ["Мероприятие", "Вид", "Уровень", "Дата"],
                [(e.title, e.get_kind_display(), e.get_level_display(), e.date.strftime("%d.%m.%Y")) for e in events],
            ),
        ]
    )
    pack.add("07", f"Меры и мероприятия {year}.xlsx", content, "план мер и мероприятий и их выполнение")


def _decisions(user: Actor, year: int, pack: Pack) -> None:
    decisions = records.decisions(user, year).prefetch_related("documents", "schools")
    rows = []
    for d in decisions:
        rows.append(
            (
                d.get_document_kind_display(),
                d.number,
                d.date.strftime("%d.%m.%Y"),
                d.get_kind_display(),
                d.get_level_display(),
                d.title,
                d.basis,
                d.schools.count(),
                d.execution_status(),
                d.execution,
            )
        )
        for document in d.documents.all() if records.sees_whole(user, d) else []:
            if document.kind != Document.Kind.ANALYTIC_NOTE:  # the note describes the method: in 03
                pack.add_document("08", document)
    content = tables(
        [
            (
                "Решения",
                [
                    "Документ",
                    "№",
                    "Дата",
                    "Вид решения",
                    "Уровень",
                    "Содержание",
                    "Основание",
                    "Школ",
                    "Исполнение",
                    "Сведения",
                ],
                rows,
            )
        ]
    )
    pack.add("08", f"Реестр управленческих решений {year}.xlsx", content, "управленческие решения и их исполнение")


def _effectiveness(user: Actor, year: int, pack: Pack, rows: list[tuple[Any, Any]]) -> None:
    """The reports kept for the year (presented to the working group); when none was made yet,
    one is generated for the pack (comparing with the latest earlier year that has a run)."""
    stored = Document.objects.filter(kind=Document.Kind.EFFECT_REPORT, year=year).order_by("created_at")
    for document in stored:
        pack.add_document("09", document)
    if not stored:
        earlier = [y for y in indicators.years() if y < year]
        start = max(earlier) if earlier else year
        pack.add(
            "09",
            f"Отчёт об эффективности принятых мер {start}-{year}.docx",
            effect.report_bytes(user, start, year, rows=rows),
            "отчёт об эффективности (сформирован при выгрузке)",
            timezone.localdate(),
        )
    for meeting in cycle.meetings(user).filter(date__year=year):
        latest = meeting.documents.order_by("-created_at", "-pk").first()
        if latest is not None:
            pack.add_document("09", latest)
