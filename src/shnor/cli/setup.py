"""Setting up and running: init, the demo region, the server and its worker (with the daily reminders'
clock), accounts, templates, Django's own commands."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from shnor.cli.base import DataDir, app, cli_actor, console, django_setup, err, require_initialised
from shnor.core.presets import DEFAULT as DEFAULT_PRESET


@app.command()
def init(
    data_dir: DataDir = None,
    preset: Annotated[
        str, typer.Option(help="Пресет методики: имя встроенного или путь к YAML-файлу.")
    ] = DEFAULT_PRESET,
    region_name: Annotated[str, typer.Option(help="Наименование региона (по умолчанию — из пресета).")] = "",
) -> None:
    """Подготовить каталог данных: база данных, статические файлы, регион по пресету."""
    django_setup(data_dir)
    cli_actor("shnor init")
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
    django_setup(folder)
    cli_actor("shnor demo")
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


def _warm_up(worker: Any) -> None:
    """Each worker computes what the region's pages keep as it starts (shnor.web.warmup)."""
    from shnor.web import warmup

    warmup.in_background()


def _process_gone(server: Any, worker: Any) -> None:
    from shnor.web import metrics

    metrics.process_gone(worker.pid)


def _serve(host: str, port: int, workers: int, threads: int) -> None:
    from django.conf import settings
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from shnor.lib import journal

    if settings.SHNOR_METRICS_TOKEN:  # before the application, hence prometheus_client, is imported
        from shnor.web import metrics

        metrics.prepare(settings.DATA_DIR)

    from shnor.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("child_exit", _process_gone)
            if journal.under_systemd():  # gunicorn's lines carry their priority too
                self.cfg.set("logconfig_dict", journal.gunicorn_logging(settings.SHNOR_LOG_LEVEL))
            if settings.SHNOR_WARM_UP:
                self.cfg.set("post_worker_init", _warm_up)

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
    django_setup(data_dir)
    require_initialised()
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
    django_setup(data_dir)
    require_initialised()
    import threading

    from django.conf import settings
    from django.core.management import call_command

    stop = threading.Event()
    tick = settings.SHNOR_WORKER_TICK_SECONDS
    threading.Thread(target=_schedule, args=(stop, tick), name="shnor-schedule", daemon=True).start()
    try:
        call_command("db_worker", interval=1, startup_delay=False)
    finally:
        stop.set()


def _schedule(stop: Any, every: float = 60.0) -> None:
    """The worker's clock: at start and every `every` seconds (a minute), a sign of life for /healthz
    (`SHNOR_WORKER_SILENCE_SECONDS`) and the day's reminders queued when they are due."""
    from django.conf import settings
    from django.db import close_old_connections
    from django.utils import timezone

    from shnor.audit.models import Heartbeat
    from shnor.cycle import reminders

    log = logging.getLogger("shnor")
    first = True
    while first or not stop.wait(every):
        try:
            Heartbeat.beat(Heartbeat.WORKER)
        except Exception:  # the database away for a minute: /healthz will say so
            log.exception("Признак работы обработчика задач не записан")
        try:
            if not first:
                reminders.tick(timezone.now(), settings.SHNOR_REMIND_AT)
        except Exception:  # a failed minute is logged and tried again the next
            log.exception("Напоминания по расписанию не поставлены в очередь")
        finally:
            close_old_connections()
        first = False


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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor createuser")
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
    django_setup(data_dir)
    cli_actor("shnor manage " + " ".join(ctx.args[:1]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shnor manage", *ctx.args])
