"""The `shnor` command: setting up a data folder, the demo region, the server and accounts.

Every command takes --data-dir (default $SHNOR_DATA_DIR, then ./data) and calls the same
services as the web interface; nothing here holds a rule of its own.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from shnor.core.presets import DEFAULT as DEFAULT_PRESET

app = typer.Typer(
    help="shnor — система работы со школами с низкими образовательными результатами (ШНОР) и школами в "
    "неблагоприятных социальных условиях (ШНСУ).",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Токены API.", no_args_is_help=True)
app.add_typer(token_app, name="token")
imports_app = typer.Typer(help="История загрузок данных и их откат.", no_args_is_help=True)
app.add_typer(imports_app, name="imports")
mapping_app = typer.Typer(help="Сохранённые сопоставления столбцов.", no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", "-d", help="Каталог данных (по умолчанию $SHNOR_DATA_DIR, затем ./data).", show_default=False
    ),
]


def _django(data_dir: Path | None) -> None:
    """Point the settings at the data folder and start Django (once per process)."""
    if data_dir is not None:
        os.environ["SHNOR_DATA_DIR"] = str(data_dir.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        from shnor.env import SettingError

        try:
            django.setup()
        except SettingError as error:
            err.print(f"[red]Ошибка настройки:[/red] {error}")
            raise typer.Exit(2) from None


def _cli_actor(label: str) -> None:
    from shnor.audit.context import Acting, set_actor

    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "?"
    set_actor(Acting(None, "cli", label=f"{label} ({user})"))


def _require_initialised() -> None:
    from shnor.bootstrap import is_initialised

    if not is_initialised():
        from django.conf import settings

        err.print(f"[red]Каталог данных {settings.DATA_DIR} не подготовлен.[/red] Выполните: shnor init --data-dir …")
        raise typer.Exit(2)


@app.command()
def init(
    data_dir: DataDir = None,
    preset: Annotated[
        str, typer.Option(help="Пресет методики: имя встроенного или путь к YAML-файлу.")
    ] = DEFAULT_PRESET,
    region_name: Annotated[str, typer.Option(help="Наименование региона (по умолчанию — из пресета).")] = "",
) -> None:
    """Подготовить каталог данных: база данных, статические файлы, регион по пресету."""
    _django(data_dir)
    _cli_actor("shnor init")
    from django.conf import settings

    from shnor.bootstrap import initialise
    from shnor.core.presets import PresetError

    try:
        region, chosen = initialise(preset, region_name=region_name)
    except PresetError as error:
        err.print(f"[red]Ошибка пресета:[/red] {error}")
        raise typer.Exit(2) from None
    console.print(f"Каталог данных: {settings.DATA_DIR}")
    console.print(f"Регион: {region.name}; пресет: {chosen.name} (версия {chosen.version})")


def _print_logins(logins: list[Any], url: str) -> None:
    """A plain table that survives any terminal width and copy-paste."""
    from shnor.accounts.roles import ROLE_LABELS, Role

    console.print(f"\nУчётные записи демонстрационного региона ({url}):")
    rows = [("Роль", "Логин", "Пароль", "Область доступа")]
    rows += [(ROLE_LABELS[Role(x.role)], x.username, x.password, x.scope) for x in logins]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        console.print(
            "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3],
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", "-d", help="Каталог данных (по умолчанию $SHNOR_DATA_DIR, затем ./data/demo)."),
    ] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Запустить веб-интерфейс после сборки.")
    ] = True,
    rebuild: Annotated[bool, typer.Option(help="Собрать заново, удалив прежний демонстрационный каталог.")] = False,
    host: Annotated[str, typer.Option(help="Адрес веб-сервера.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Порт веб-сервера.")] = 8000,
    schools: Annotated[int, typer.Option(help="Число школ демонстрационного региона.", min=20)] = 700,
    municipalities: Annotated[int, typer.Option(help="Число муниципалитетов.", min=2)] = 30,
    seed: Annotated[int, typer.Option(help="Зерно генератора: тот же номер даёт тот же регион.")] = 20261123,
) -> None:
    """Собрать демонстрационный регион (около 700 школ, 4 года результатов) и открыть веб-интерфейс."""
    import shutil
    import time

    from shnor.env import data_dir as default_data_dir

    folder = (data_dir or default_data_dir("data/demo")).resolve()
    marker = folder / ".demo-built"
    if rebuild and folder.exists():
        if not marker.exists():
            err.print(f"[red]{folder} не является демонстрационным каталогом: удалять его не буду.[/red]")
            raise typer.Exit(2)
        shutil.rmtree(folder)
    _django(folder)
    _cli_actor("shnor demo")
    from shnor.bootstrap import initialise
    from shnor.demo.build import DemoLogin, build
    from shnor.demo.generator import DemoConfig

    if marker.exists():
        console.print(f"Демонстрационный регион уже собран в {folder} (--rebuild, чтобы собрать заново).")
        logins = [DemoLogin(*line.split("\t")) for line in marker.read_text(encoding="utf-8").splitlines() if line]
    else:
        initialise(DEFAULT_PRESET)
        config = DemoConfig(seed=seed, schools=schools, municipalities=municipalities)
        stages: list[tuple[str, float]] = []

        def finish_stage() -> None:
            if stages:
                message, started = stages[-1]
                seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
                console.print(f"• {message}: {seconds} с")

        with console.status("Сборка демонстрационного региона…") as status:

            def report(message: str) -> None:
                finish_stage()
                status.update(message + "…")
                stages.append((message, time.monotonic()))

            _, logins = build(config, progress=report)
            finish_stage()
        marker.write_text(
            "".join(f"{x.role}\t{x.username}\t{x.password}\t{x.scope}\n" for x in logins), encoding="utf-8"
        )
    url = f"http://{host}:{port}"
    _print_logins(logins, url)
    if serve_after:
        _serve(host, port, workers=2, threads=4)


def _serve(host: str, port: int, workers: int, threads: int) -> None:
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from shnor.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 10)

        def load(self) -> Any:
            return application

    console.print(f"Веб-интерфейс: http://{host}:{port} (остановить — Ctrl+C)")
    # The checks above used the database in this process. A worker forked with that connection
    # open would share its socket with its siblings: with one thread per worker (gunicorn's sync
    # worker serves in the main thread) their queries interleaved on it under load
    # ("lost synchronization with server" on PostgreSQL, HTTP 500).
    connections.close_all()
    Server().run()


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Адрес, на котором слушать.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Порт.")] = 8000,
    workers: Annotated[int, typer.Option(help="Число рабочих процессов gunicorn.", min=1)] = 2,
    threads: Annotated[int, typer.Option(help="Потоков в процессе.", min=1)] = 4,
    worker: Annotated[
        bool,
        typer.Option(help="Запустить рядом обработчик фоновых задач (загрузки). Отключите, если он запущен отдельно."),
    ] = True,
) -> None:
    """Запустить веб-интерфейс и API (gunicorn) и обработчик фоновых задач."""
    _django(data_dir)
    _require_initialised()
    process = _start_worker() if worker else None
    try:
        _serve(host, port, workers, threads)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)


def _start_worker() -> Any:
    """The background task worker as a child process (the database task backend needs one)."""
    import subprocess
    import sys

    from django.conf import settings

    if "DatabaseBackend" not in settings.TASKS["default"]["BACKEND"]:
        return None
    env = {**os.environ, "SHNOR_DATA_DIR": str(settings.DATA_DIR)}
    command = [sys.executable, "-m", "shnor.cli", "worker"]
    return subprocess.Popen(command, env=env)  # noqa: S603  (our own module, fixed arguments)


@app.command()
def worker(data_dir: DataDir = None) -> None:
    """Обработчик фоновых задач (загрузки данных, расчёты, ежедневные напоминания). `shnor serve` запускает его сам."""
    _django(data_dir)
    _require_initialised()
    import threading

    from django.core.management import call_command

    stop = threading.Event()
    threading.Thread(target=_schedule, args=(stop,), name="shnor-schedule", daemon=True).start()
    try:
        call_command("db_worker", interval=1, startup_delay=False)
    finally:
        stop.set()


def _schedule(stop: Any, every: float = 60.0) -> None:
    """The worker's clock: once a minute, queue the day's reminders when they are due."""
    from django.conf import settings
    from django.db import close_old_connections
    from django.utils import timezone

    from shnor.cycle import reminders

    while not stop.wait(every):
        try:
            reminders.tick(timezone.now(), settings.SHNOR_REMIND_AT)
        except Exception:  # a failed minute is logged and tried again the next
            logging.getLogger("shnor").exception("Напоминания по расписанию не поставлены в очередь")
        finally:
            close_old_connections()


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="Имя пользователя (логин).")],
    role: Annotated[
        str,
        typer.Option(
            help="Роль: operator, regional_coordinator, municipal_coordinator, school, curator, teacher, observer."
        ),
    ],
    data_dir: DataDir = None,
    municipality: Annotated[str, typer.Option(help="Код муниципалитета (для координатора и наблюдателя).")] = "",
    school: Annotated[str, typer.Option(help="Код ОО (для школы, педагога, куратора).")] = "",
    assign: Annotated[
        list[str] | None, typer.Option(help="Код закреплённой ОО (куратор, наблюдатель); можно повторять.")
    ] = None,
    staff_key: Annotated[str, typer.Option(help="Код педагога (для роли teacher).")] = "",
    last_name: Annotated[str, typer.Option(help="Фамилия.")] = "",
    first_name: Annotated[str, typer.Option(help="Имя и отчество.")] = "",
    email: Annotated[str, typer.Option(help="Электронная почта.")] = "",
    password: Annotated[str, typer.Option(envvar="SHNOR_NEW_PASSWORD", help="Пароль (иначе будет запрошен).")] = "",
) -> None:
    """Создать учётную запись с ролью и областью доступа."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor createuser")
    from django.core.exceptions import ValidationError

    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user
    from shnor.registry.models import Municipality, School

    try:
        role_value = Role(role)
    except ValueError:
        err.print(f"[red]Неизвестная роль «{role}».[/red] Допустимые: {', '.join(r.value for r in Role)}")
        raise typer.Exit(2) from None
    try:
        municipality_id = Municipality.objects.get(code=municipality).pk if municipality else None
        school_id = School.objects.get(school_id=school).pk if school else None
        assigned = [School.objects.get(school_id=code).pk for code in assign or []]
    except (Municipality.DoesNotExist, School.DoesNotExist):
        err.print("[red]Муниципалитет или ОО с таким кодом не найдены в реестре.[/red]")
        raise typer.Exit(2) from None
    if not password:
        password = typer.prompt("Пароль", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            username,
            password,
            role_value,
            first_name=first_name,
            last_name=last_name,
            email=email,
            municipality_id=municipality_id,
            school_id=school_id,
            staff_key=staff_key,
            assigned_school_ids=assigned,
        )
    except ValidationError as error:
        for message in error.messages:
            err.print(f"[red]{message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Создан пользователь {user.username} ({user.role_label}).")


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="Чей токен.")],
    name: Annotated[str, typer.Option(help="Назначение токена.")] = "командная строка",
    data_dir: DataDir = None,
) -> None:
    """Выпустить токен API для пользователя (показывается один раз)."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor token create")
    from shnor.accounts.models import User
    from shnor.accounts.services import issue_token

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"[red]Пользователь «{username}» не найден.[/red]")
        raise typer.Exit(2)
    _, key = issue_token(user, name)
    console.print(key)


@token_app.command("list")
def token_list(
    username: Annotated[str, typer.Argument(help="Чьи токены.")],
    data_dir: DataDir = None,
) -> None:
    """Токены API пользователя: номер, назначение, начало ключа, когда выпущен и использован."""
    _django(data_dir)
    _require_initialised()
    from shnor.accounts.models import ApiToken

    tokens = ApiToken.objects.filter(user__username=username)
    if not tokens:
        console.print(f"У пользователя «{username}» токенов нет.")
    for token in tokens:
        used = f"{token.last_used:%d.%m.%Y %H:%M}" if token.last_used else "не использовался"
        console.print(f"№ {token.pk}\t{token.name}\t{token.prefix}…\tвыпущен {token.created:%d.%m.%Y %H:%M}\t{used}")


@token_app.command("revoke")
def token_revoke(
    username: Annotated[str, typer.Argument(help="Чей токен.")],
    number: Annotated[int, typer.Argument(help="Номер токена (shnor token list).")],
    data_dir: DataDir = None,
) -> None:
    """Отозвать токен API: запросы с ним больше не принимаются; отзыв записывается в журнал."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor token revoke")
    from shnor.accounts.models import User
    from shnor.accounts.services import revoke_token

    user = User.objects.filter(username=username).first()
    if user is None or not revoke_token(user, number):
        err.print(f"[red]У пользователя «{username}» нет токена № {number}.[/red]")
        raise typer.Exit(2)
    console.print(f"Токен № {number} пользователя {username} отозван.")


def _system_user(label: str) -> Any:
    from shnor.accounts.services import SystemUser

    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "?"
    return SystemUser(f"{label} ({user})")


def _print_issues(run: Any, per_kind: int = 10) -> None:
    """A line per kind of issue with its count, then the first rows of each kind; the full table
    is in the report (--report)."""
    from rich.table import Table as RichTable

    from shnor.ingest.issues import SEVERITY_LABELS, Issue

    issues = [Issue.from_dict(i) for i in run.issues]
    if not run.summary:
        return
    console.print(f"Замечаний: ошибок — {run.errors}, предупреждений — {run.warnings}.")
    for line in run.summary:
        style = "red" if line["severity"] == "error" else "yellow"
        where = f", столбец «{line['column']}»" if line["column"] else ""
        console.print(
            f"  [{style}]{SEVERITY_LABELS[line['severity']]}[/{style}]: {line['label']}{where} — {line['count']}"
        )
    shown = 0
    for line in run.summary:
        kind = [i for i in issues if (i.severity, i.code, i.column) == (line["severity"], line["code"], line["column"])]
        if not kind:
            continue
        where = f", «{line['column']}»" if line["column"] else ""
        table = RichTable(title=f"{line['label'].capitalize()}{where}: {line['count']}", title_justify="left")
        for title in ("Строка", "Значение", "Что не так"):
            table.add_column(title, overflow="fold")
        for issue in kind[:per_kind]:
            table.add_row("" if issue.row is None else str(issue.row), issue.value, issue.message)
            shown += 1
        console.print(table)
        if line["count"] > per_kind:
            console.print(f"  … и ещё {line['count'] - min(per_kind, len(kind))} строк этого вида")
    total = run.errors + run.warnings
    if total > shown:
        console.print(f"Показано {shown} из {total} замечаний; все строки — в отчёте: параметр --report ФАЙЛ.xlsx")


def _print_detected(source: dict[str, Any]) -> None:
    """How the file was read and why: the first lines a person checks when the result looks wrong."""
    if source.get("description"):
        console.print(f"Прочитано как: {source['description']}.")
    for line in source.get("detected", []):
        console.print(f"  · {line}")
    for line in source.get("unsure", []):
        console.print(
            f"  [yellow]? {line}: проверьте и при необходимости укажите --sep, --encoding, --header-row или --sheet[/yellow]"
        )


def _write_report(run: Any, path: Path) -> None:
    from shnor.datasets.reports import report_bytes

    path.write_bytes(report_bytes(run))
    console.print(f"Отчёт о проверке: {path}")


@app.command("import")
def import_(
    kind: Annotated[
        str,
        typer.Argument(
            help="Таблица контракта данных: schools, results, results_tasks, results_schools, social, survey, staff, diagnostics, courses, oversight."
        ),
    ],
    file: Annotated[Path, typer.Argument(help="Файл XLSX или CSV.", exists=True, dir_okay=False, readable=True)],
    year: Annotated[
        int | None, typer.Option(help="Год данных, если его нет в файле (или проверка, что он такой).")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option(help="Сопоставление столбцов: сохранённое имя или файл YAML/JSON.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Сохранить отчёт о проверке в XLSX.")] = None,
    sep: Annotated[
        str | None,
        typer.Option("--sep", help="Разделитель CSV: «;», «,», «|» или tab (по умолчанию определяется по данным)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Кодировка CSV: utf-8, cp1251, cp866, koi8-r, latin-1 (по умолчанию определяется)."),
    ] = None,
    header_row: Annotated[
        int | None,
        typer.Option(
            min=1, max=1000, help="Номер строки заголовка (по умолчанию — строка, где названы столбцы контракта)."
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Лист книги Excel (по умолчанию определяется по заголовку).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Загрузить файл в систему: проверка всех строк, затем запись целиком или ничего."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor import")
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shnor.datasets import services
    from shnor.datasets.models import ImportRun
    from shnor.ingest.mapping import MappingError
    from shnor.ingest.sources import ReadOptions

    user = _system_user("shnor import")
    options = ReadOptions(delimiter=sep, encoding=encoding, header_row=header_row, sheet=sheet)
    try:
        run = services.create_run(
            user, kind, file, file.name, mapping=mapping, year=year, channel=ImportRun.Channel.CLI, options=options
        )
    except (services.ImportRefused, MappingError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Загрузка № {run.pk}: {run.get_kind_display()} из «{run.file_name}».")
    _print_detected(run.source)
    if run.status == ImportRun.Status.DRAFT:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} строк"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("Проверка и запись", total=run.estimated_rows or None)

            def progress(current: Any) -> None:
                bar.update(task, completed=current.rows_read)
                if not err.is_terminal:  # logs of cron or systemd get a line per batch instead of a bar
                    err.print(f"Прочитано строк: {current.rows_read}")

            run = services.execute(run.pk, hook=progress)
    _print_issues(run)
    if report is not None:
        _write_report(run, report)
    if run.status == ImportRun.Status.APPLIED:
        console.print(f"[green]{run.message}[/green] Загрузка № {run.pk}.")
        return
    err.print(f"[red]{run.message}[/red] Загрузка № {run.pk}: ошибок {run.errors}.")
    raise typer.Exit(1)


@app.command()
def identify(
    year: Annotated[int, typer.Option(help="Отчётный год (окно — этот год и два предыдущих).")],
    out: Annotated[
        Path | None, typer.Option(help="Записать таблицу результатов в файл .csv или .xlsx (контракт данных).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Вычислитель: duckdb (встроенный) или spark; по умолчанию — SHNOR_ENGINE.")
    ] = "",
    data_dir: DataDir = None,
) -> None:
    """Идентификация ШНОР и ШНСУ за год по пресету каталога данных; итог — таблица по всем школам."""
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        err.print(f"[red]Файл результатов должен быть .csv или .xlsx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor identify")
    from shnor.identification import services
    from shnor.identification.models import Run

    user = _system_user("shnor identify")

    def progress(percent: int, stage: str) -> None:
        err.print(f"{percent:3d} % {stage}")

    try:
        run = services.start(user, year, engine=engine, channel="cli", queue=False)
    except services.IdentificationRefused as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    run = services.execute(run.pk, progress=progress)
    if run.status != Run.Status.DONE:
        err.print(f"[red]{run.message}[/red] Расчёт № {run.pk}.")
        raise typer.Exit(1)
    console.print(f"[green]Расчёт № {run.pk} за {run.year} год выполнен.[/green] {run.message}")
    if out is not None:
        rows = services.output_rows(user, run)
        data = services.export_csv(rows) if out.suffix.lower() == ".csv" else services.export_xlsx(rows, run)
        out.write_bytes(data)
        console.print(f"Таблица результатов: {out}")


@app.command()
def profiles(
    year: Annotated[int, typer.Option(help="Год профилей (анкеты и данные этого года).")],
    out: Annotated[Path | None, typer.Option(help="Записать профили всех школ в файл .xlsx.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Рисковые профили школ за год: расчёт по анкетам (таблица survey) и данным системы."""
    if out is not None and out.suffix.lower() != ".xlsx":
        err.print(f"[red]Файл профилей должен быть .xlsx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor profiles")
    from shnor.risks import services

    user = _system_user("shnor profiles")
    count = services.build(user, year)
    if not count:
        err.print(f"[red]За {year} год нет ни анкет, ни данных для профилей.[/red]")
        raise typer.Exit(1)
    table = services.regional(user, year)
    console.print(f"[green]Рисковые профили за {year} год: {count}.[/green]")
    for factor, (high, medium) in zip(table["factors"], table["totals"], strict=True):
        console.print(f"  {factor.code} {factor.title}: высокий — {high}, средний — {medium}")
    if out is not None:
        out.write_bytes(services.export_xlsx(user, year))
        console.print(f"Профили: {out}")


@app.command()
def match(
    year: Annotated[int, typer.Option(help="Год списка школ (утверждённый расчёт идентификации этого года).")],
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Сначала пересчитать критерии кураторов по расчёту.")
    ] = False,
    approve: Annotated[
        bool, typer.Option("--approve", help="Сразу утвердить все предложенные пары (с уведомлениями).")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Записать предложение с обоснованием пар в файл .xlsx.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Подбор кураторов школам из списка: точное решение (поток минимальной стоимости) и сравнение с подбором «по очереди»."""
    if out is not None and out.suffix.lower() != ".xlsx":
        err.print(f"[red]Файл предложения должен быть .xlsx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor match")
    from shnor.documents.common import number
    from shnor.support import services
    from shnor.support.services import SupportError

    user = _system_user("shnor match")
    try:
        if refresh:
            pool = services.refresh_pool(user, year)
            console.print(
                f"Критерии кураторов по расчёту {pool.year} года: кандидатов {pool.candidates}, "
                f"новых {pool.added}, обновлено {pool.updated}."
            )
        proposal = services.propose(user, year)
    except SupportError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    s = proposal.settings
    console.print(
        f"[green]Предложение № {proposal.pk} за {year} год:[/green] школ {proposal.schools}, "
        f"кураторов в пуле {proposal.curators}, новых пар {proposal.pairings.count()}, "
        f"сохранены утверждённые {s.get('kept', 0)}."
    )
    console.print(
        f"Стоимость точного решения {number(proposal.total, 1)}; подбора «по очереди» "
        f"{number(proposal.greedy_total, 1)}"
        + (f" (не распределены {proposal.greedy_unassigned})" if proposal.greedy_unassigned else "")
        + "."
    )
    if out is not None:
        out.write_bytes(services.export_xlsx(user, proposal))
        console.print(f"Предложение: {out}")
    if proposal.unassigned:
        err.print(
            f"[yellow]Не хватило вместимости кураторов для школ ({len(proposal.unassigned)}): "
            f"{', '.join(proposal.unassigned)}.[/yellow]"
        )
    if approve:
        if proposal.pairings.exists():
            console.print(f"[green]Утверждено пар: {services.approve(user, proposal)}.[/green]")
        else:
            console.print("Новых пар нет: утверждать нечего.")


@app.command()
def recommend(
    year: Annotated[int, typer.Option(help="Год мониторинга (расчёт идентификации этого года).")],
    issue: Annotated[
        bool, typer.Option("--issue", help="Сразу направить все проекты адресатам (DOCX и уведомления).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Подготовить проекты адресных рекомендаций муниципалитетам, руководителям школ из перечня и школам-кураторам по данным года."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor recommend")
    from shnor.cycle import services as cycle

    user = _system_user("shnor recommend")
    console.print(f"[green]{cycle.draft_all(user, year).message(year)}[/green]")
    if issue:
        issued = held = 0
        for rec in cycle.recommendations(user, year, "draft"):
            try:
                cycle.issue(user, rec)
            except cycle.DraftHeldElsewhere:  # a municipality's draft: its coordinator issues it
                held += 1
                continue
            issued += 1
        console.print(
            f"Направлено адресатам: {issued}." + (f" Проекты муниципалитетов не направлены: {held}." if held else "")
        )


@app.command()
def evidence(
    year: Annotated[int, typer.Option(help="Год управленческого цикла.")],
    out: Annotated[Path, typer.Option(help="Файл архива .zip.")],
    data_dir: DataDir = None,
) -> None:
    """Выгрузить доказательную базу управленческого цикла за год: ZIP по девяти элементам цикла с описью."""
    if out.suffix.lower() != ".zip":
        err.print(f"[red]Архив должен быть .zip, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor evidence")
    from shnor.cycle import evidence as pack

    content = pack.build(_system_user("shnor evidence"), year)
    out.write_bytes(content)
    console.print(f"[green]Доказательная база за {year} год: {out} ({len(content) // 1024} КБ).[/green]")


@app.command()
def effect(
    start: Annotated[int, typer.Option(help="Год начала мер (утверждённый перечень школ этого года).")],
    end: Annotated[int, typer.Option(help="Год «после» (более поздний расчёт идентификации).")],
    out: Annotated[Path | None, typer.Option(help="Записать отчёт для рабочей группы в файл .docx.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Эффективность мер: поддержанные школы против похожих неподдержанных (разность разностей) и отчёт DOCX."""
    if out is not None and out.suffix.lower() != ".docx":
        err.print(f"[red]Отчёт должен быть .docx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor effect")
    from shnor.cycle import effect as service

    user = _system_user("shnor effect")
    try:
        console.print(service.verdict(service.analyse(user, start, end)))
    except service.EffectError as error:
        err.print(f"[yellow]{error}[/yellow]")
    if out is not None:
        out.write_bytes(service.report_bytes(user, start, end))
        console.print(f"Отчёт: {out}")


@app.command()
def remind(data_dir: DataDir = None) -> None:
    """Отметить просроченные мероприятия программ, пары кураторов без активности, пункты циклограммы и разослать уведомления (обработчик фоновых задач делает это сам ежедневно в SHNOR_REMIND_AT)."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor remind")
    from shnor.cycle import reminders

    console.print(reminders.send().text())


@imports_app.command("list")
def imports_list(
    limit: Annotated[int, typer.Option(help="Сколько последних загрузок показать.")] = 20,
    data_dir: DataDir = None,
) -> None:
    """Последние загрузки: когда, что, из какого файла, сколько строк, чем закончились."""
    _django(data_dir)
    _require_initialised()
    from django.utils import timezone
    from rich.table import Table as RichTable

    from shnor.datasets import services

    table = RichTable()
    for title in ("№", "Когда", "Таблица", "Файл", "Строк", "Состояние", "Кто"):
        table.add_column(title)
    for run in services.runs_for(_system_user("shnor imports"))[:limit]:
        table.add_row(
            str(run.pk),
            f"{timezone.localtime(run.created_at):%d.%m.%Y %H:%M}",
            run.kind,
            run.file_name,
            f"{run.rows_read:,}".replace(",", " "),
            run.get_status_display(),
            run.created_by.username if run.created_by else run.get_channel_display(),
        )
    console.print(table)


@imports_app.command("show")
def imports_show(
    number: Annotated[int, typer.Argument(help="Номер загрузки.")],
    report: Annotated[Path | None, typer.Option(help="Сохранить отчёт о проверке в XLSX.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Одна загрузка: итог и замечания."""
    _django(data_dir)
    _require_initialised()
    from shnor.datasets import services
    from shnor.datasets.models import ImportRun

    try:
        run = services.get_run(_system_user("shnor imports"), number)
    except ImportRun.DoesNotExist:
        err.print(f"[red]Загрузки № {number} нет.[/red]")
        raise typer.Exit(2) from None
    console.print(f"Загрузка № {run.pk}: {run.get_kind_display()} из «{run.file_name}», SHA-256 {run.sha256}")
    console.print(f"Состояние: {run.get_status_display()}. {run.message}")
    _print_issues(run)
    if report is not None:
        _write_report(run, report)


@imports_app.command("rollback")
def imports_rollback(number: Annotated[int, typer.Argument(help="Номер загрузки.")], data_dir: DataDir = None) -> None:
    """Откатить загрузку: вернуть данные, которые она заменила."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor imports rollback")
    from shnor.datasets import services
    from shnor.datasets.models import ImportRun

    user = _system_user("shnor imports rollback")
    try:
        run = services.rollback(user, services.get_run(user, number))
    except ImportRun.DoesNotExist:
        err.print(f"[red]Загрузки № {number} нет.[/red]")
        raise typer.Exit(2) from None
    except services.ImportRefused as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]Загрузка № {run.pk} отменена.[/green] {run.message}")


@mapping_app.command("list")
def mapping_list(data_dir: DataDir = None) -> None:
    """Сохранённые сопоставления столбцов."""
    _django(data_dir)
    _require_initialised()
    from shnor.datasets import services

    for saved in services.mappings_for(_system_user("shnor mapping")):
        console.print(f"{saved.name}\t{saved.kind}\t{saved.title}")


@mapping_app.command("save")
def mapping_save(
    file: Annotated[Path, typer.Argument(help="Файл сопоставления YAML или JSON.", exists=True, dir_okay=False)],
    data_dir: DataDir = None,
) -> None:
    """Сохранить сопоставление из файла под его именем (name), чтобы выбирать его в веб-интерфейсе."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor mapping save")
    from shnor.datasets import services
    from shnor.ingest.mapping import MappingError, load_file

    try:
        spec = load_file(file)
    except MappingError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    saved = services.save_mapping(_system_user("shnor mapping save"), spec)
    console.print(f"Сопоставление «{saved.name}» для таблицы {saved.kind} сохранено.")


@mapping_app.command("show")
def mapping_show(name: Annotated[str, typer.Argument(help="Имя сопоставления.")], data_dir: DataDir = None) -> None:
    """Показать сопоставление в YAML (его можно сохранить в файл и передать в --mapping)."""
    _django(data_dir)
    _require_initialised()
    from shnor.datasets import services
    from shnor.ingest.mapping import MappingError

    try:
        spec, _ = services.resolve_mapping(name)
    except MappingError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    assert spec is not None
    console.print(spec.to_yaml(), markup=False, highlight=False)


@app.command()
def backup(
    target: Annotated[
        Path, typer.Argument(help="Файл архива, например shnor-2026-11-23.tar (не должен существовать).")
    ],
    data_dir: DataDir = None,
) -> None:
    """Резервная копия: база данных, хранилище результатов, загруженные файлы и пресет — в одном архиве."""
    _django(data_dir)
    _require_initialised()
    from shnor import backup as service
    from shnor.core.numbers import number

    try:
        done = service.backup(target)
    except service.BackupError as error:
        err.print(f"[red]Ошибка:[/red] {error}")
        raise typer.Exit(1) from None
    console.print(
        f"Резервная копия записана: {done.path} ({number(done.size / 1e6, 1)} МБ; "
        f"строк базы данных: {number(done.rows)}; файлов: {done.files})."
    )


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="Файл архива, сделанный командой shnor backup.")],
    yes: Annotated[bool, typer.Option("--yes", help="Не спрашивать подтверждения.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Восстановить всё из резервной копии. Текущие данные заменяются целиком; при любой ошибке не меняется ничего."""
    _django(data_dir)
    _require_initialised()
    _cli_actor("shnor restore")
    from django.conf import settings

    from shnor import backup as service
    from shnor.core.numbers import number

    if not yes and not typer.confirm(
        f"Все данные в {settings.DATA_DIR} будут заменены содержимым {source}. Продолжить?", default=False
    ):
        raise typer.Exit(1)
    try:
        done = service.restore(source)
    except service.BackupError as error:
        err.print(f"[red]Ошибка:[/red] {error}")
        err.print("Данные не изменены.")
        raise typer.Exit(1) from None
    console.print(
        f"Восстановлено из {done.path}: строк базы данных {number(done.rows)}, файлов {done.files}. "
        "Перезапустите веб-сервер и фоновый обработчик."
    )


@app.command()
def template(
    kind: Annotated[str, typer.Argument(help="Таблица контракта данных.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Куда сохранить (по умолчанию KIND.xlsx).")
    ] = None,
) -> None:
    """Шаблон XLSX таблицы: русские заголовки, пример строки и лист с пояснениями."""
    from shnor.core.contract import TABLES
    from shnor.ingest.workbooks import template as build

    if kind not in TABLES:
        err.print(f"[red]Неизвестная таблица «{kind}».[/red] Допустимые: {', '.join(TABLES)}.")
        raise typer.Exit(2)
    target = output or Path(f"{kind}.xlsx")
    target.write_bytes(build(kind))
    console.print(f"Шаблон таблицы {kind}: {target}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """Команды Django (manage.py) для этого каталога данных, например: shnor manage check --deploy."""
    _django(data_dir)
    _cli_actor("shnor manage " + " ".join(ctx.args[:1]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shnor manage", *ctx.args])


def main() -> None:
    app(prog_name="shnor")


if __name__ == "__main__":
    main()
