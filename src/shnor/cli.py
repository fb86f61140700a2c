"""The `shnor` command: setting up a data folder, the demo region, the server and accounts.

Every command takes --data-dir (default $SHNOR_DATA_DIR, then ./data) and calls the same
services as the web interface; nothing here holds a rule of its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

app = typer.Typer(
    help="shnor — система работы со школами с низкими образовательными результатами (ШНОР) и школами в "
    "неблагоприятных социальных условиях (ШНСУ).",
    no_args_is_help=True,
    add_completion=False,
)
token_app = typer.Typer(help="Токены API.", no_args_is_help=True)
app.add_typer(token_app, name="token")
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
    from shnor.audit.context import Actor, set_actor

    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "?"
    set_actor(Actor(None, "cli", label=f"{label} ({user})"))


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
    ] = "volgograd-2021",
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

    folder = (data_dir or Path(os.environ.get("SHNOR_DATA_DIR") or "data/demo")).resolve()
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
        initialise("volgograd-2021")
        config = DemoConfig(seed=seed, schools=schools, municipalities=municipalities)
        with console.status("Сборка демонстрационного региона…") as status:

            def report(message: str) -> None:
                status.update(message + "…")
                console.print("• " + message)

            _, logins = build(config, progress=report)
        marker.write_text(
            "".join(f"{x.role}\t{x.username}\t{x.password}\t{x.scope}\n" for x in logins), encoding="utf-8"
        )
    url = f"http://{host}:{port}"
    _print_logins(logins, url)
    if serve_after:
        _serve(host, port, workers=2, threads=4)


def _serve(host: str, port: int, workers: int, threads: int) -> None:
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
    Server().run()


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="Адрес, на котором слушать.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Порт.")] = 8000,
    workers: Annotated[int, typer.Option(help="Число рабочих процессов gunicorn.", min=1)] = 2,
    threads: Annotated[int, typer.Option(help="Потоков в процессе.", min=1)] = 4,
) -> None:
    """Запустить веб-интерфейс и API (gunicorn)."""
    _django(data_dir)
    _require_initialised()
    _serve(host, port, workers, threads)


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
    from shnor.accounts.models import User
    from shnor.accounts.services import issue_token

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"[red]Пользователь «{username}» не найден.[/red]")
        raise typer.Exit(2)
    _, key = issue_token(user, name)
    console.print(key)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """Команды Django (manage.py) для этого каталога данных, например: shnor manage check --deploy."""
    _django(data_dir)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shnor manage", *ctx.args])


def main() -> None:
    app(prog_name="shnor")


if __name__ == "__main__":
    main()
