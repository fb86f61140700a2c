"""What every command shares: the Typer application and its groups, the consoles, --data-dir, starting
Django on the data folder, who acts in the journal."""

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


def django_setup(data_dir: Path | None) -> None:
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


def cli_actor(label: str) -> None:
    from shnor.audit.context import Acting, set_actor

    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "?"
    set_actor(Acting(None, "cli", label=f"{label} ({user})"))


def require_initialised() -> None:
    from shnor.bootstrap import is_initialised

    if not is_initialised():
        from django.conf import settings

        err.print(f"[red]Каталог данных {settings.DATA_DIR} не подготовлен.[/red] Выполните: shnor init --data-dir …")
        raise typer.Exit(2)


def system_user(label: str) -> Any:
    from shnor.accounts.services import SystemUser

    user = os.environ.get("USER") or os.environ.get("LOGNAME") or "?"
    return SystemUser(f"{label} ({user})")
