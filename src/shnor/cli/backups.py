"""A backup of the data folder and its restoration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shnor.cli.base import DataDir, app, cli_actor, console, django_setup, err, require_initialised


@app.command()
def backup(
    target: Annotated[
        Path, typer.Argument(help="Файл архива, например shnor-2026-11-23.tar (не должен существовать).")
    ],
    data_dir: DataDir = None,
) -> None:
    """Резервная копия: база данных, хранилище результатов, загруженные файлы и пресет — в одном архиве."""
    django_setup(data_dir)
    require_initialised()
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor restore")
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
