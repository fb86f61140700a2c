"""API tokens: issue, list, revoke."""

from __future__ import annotations

from typing import Annotated

import typer

from shnor.cli.base import DataDir, cli_actor, console, django_setup, err, require_initialised, token_app


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="Чей токен.")],
    name: Annotated[str, typer.Option(help="Назначение токена.")] = "командная строка",
    data_dir: DataDir = None,
) -> None:
    """Выпустить токен API для пользователя (показывается один раз)."""
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor token create")
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
    django_setup(data_dir)
    require_initialised()
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor token revoke")
    from shnor.accounts.models import User
    from shnor.accounts.services import revoke_token

    user = User.objects.filter(username=username).first()
    if user is None or not revoke_token(user, number):
        err.print(f"[red]У пользователя «{username}» нет токена № {number}.[/red]")
        raise typer.Exit(2)
    console.print(f"Токен № {number} пользователя {username} отозван.")
