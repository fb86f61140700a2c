"""A backup of the data folder, its restoration, and a new version's migrations all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shnor.cli.base import DataDir, app, cli_actor, console, django_setup, err, require_initialised


@app.command()
def backup(
    target: Annotated[
        Path | None,
        typer.Argument(help="Файл архива, например shnor-2026-11-23.tar (не должен существовать)."),
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Вместо файла: папка копий; имя архива — по дате и времени."),
    ] = None,
    keep: Annotated[
        int | None,
        typer.Option(
            help="С --dir: сколько последних копий хранить в папке (по умолчанию $SHNOR_BACKUP_KEEP, иначе 14; "
            "старые удаляются).",
            min=1,
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Резервная копия: база данных, хранилище результатов, загруженные файлы и пресет — в одном архиве."""
    if (target is None) == (folder is None):
        err.print("[red]Ошибка:[/red] укажите либо файл архива, либо папку копий (--dir), но не оба сразу.")
        raise typer.Exit(2)
    if keep is not None and folder is None:
        err.print("[red]Ошибка:[/red] --keep относится к папке копий: укажите и --dir.")
        raise typer.Exit(2)
    django_setup(data_dir)
    require_initialised()
    from django.conf import settings

    from shnor import backup as service
    from shnor.core.numbers import number

    kept = keep or settings.SHNOR_BACKUP_KEEP
    removed: list[Path] = []
    stuck: list[Path] = []
    try:
        if folder is not None:
            done, removed, stuck = service.backup_into(folder, kept)
        else:
            assert target is not None
            done = service.backup(target)
    except service.BackupError as error:
        err.print(f"[red]Ошибка:[/red] {error}")
        raise typer.Exit(1) from None
    console.print(
        f"Резервная копия записана: {done.path} ({number(done.size / 1e6, 1)} МБ; "
        f"строк базы данных: {number(done.rows)}; файлов: {done.files})."
    )
    if removed:
        console.print(f"Удалены старые копии (хранится {kept}): {', '.join(p.name for p in removed)}.")
    if stuck:
        err.print(f"[yellow]Не удалось удалить старые копии:[/yellow] {', '.join(p.name for p in stuck)}.")


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


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Обновить структуру базы данных до этой версии: все новые миграции или ни одной (пакет делает это при обновлении)."""
    django_setup(data_dir)
    cli_actor("shnor migrate")
    from shnor import upgrade
    from shnor.bootstrap import collect_static

    # The static files first: a full disk stops the upgrade before the database changes, never after.
    try:
        collect_static()
    except OSError as error:
        err.print(f"[red]Статические файлы не собраны:[/red] {error}. База данных не изменялась.")
        raise typer.Exit(1) from None
    try:
        done = upgrade.migrate()
    except upgrade.MigrationFailed as error:
        err.print(f"[red]Ошибка обновления базы данных:[/red] {error}")
        raise typer.Exit(1) from None
    if done.applied:
        console.print(f"Применено миграций: {len(done.applied)} (последняя — {done.applied[-1]}).")
    else:
        console.print("База данных уже соответствует этой версии.")
