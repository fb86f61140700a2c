"""Importing data: shnor import, the history of imports and their rollback, saved column mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shnor.cli.base import (
    DataDir,
    app,
    cli_actor,
    console,
    django_setup,
    err,
    imports_app,
    mapping_app,
    require_initialised,
    system_user,
)


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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor import")
    from shnor.datasets import services
    from shnor.datasets.models import ImportRun
    from shnor.ingest.mapping import MappingError
    from shnor.ingest.sources import ReadOptions

    user = system_user("shnor import")
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
        run = _execute_with_progress(run)
    _print_issues(run)
    if report is not None:
        _write_report(run, report)
    if run.status == ImportRun.Status.APPLIED:
        console.print(f"[green]{run.message}[/green] Загрузка № {run.pk}.")
        return
    err.print(f"[red]{run.message}[/red] Загрузка № {run.pk}: ошибок {run.errors}.")
    raise typer.Exit(1)


def _execute_with_progress(run: Any) -> Any:
    """Execute a drafted import with a progress bar on a terminal (a line per batch in a log)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from shnor.datasets import services

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

        return services.execute(run.pk, hook=progress)


@imports_app.command("list")
def imports_list(
    limit: Annotated[int, typer.Option(help="Сколько последних загрузок показать.")] = 20,
    data_dir: DataDir = None,
) -> None:
    """Последние загрузки: когда, что, из какого файла, сколько строк, чем закончились."""
    django_setup(data_dir)
    require_initialised()
    from django.utils import timezone
    from rich.table import Table as RichTable

    from shnor.datasets import services

    table = RichTable()
    for title in ("№", "Когда", "Таблица", "Файл", "Строк", "Состояние", "Кто"):
        table.add_column(title)
    for run in services.runs_for(system_user("shnor imports"))[:limit]:
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
    django_setup(data_dir)
    require_initialised()
    from shnor.datasets import services
    from shnor.datasets.models import ImportRun

    try:
        run = services.get_run(system_user("shnor imports"), number)
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor imports rollback")
    from shnor.datasets import services
    from shnor.datasets.models import ImportRun

    user = system_user("shnor imports rollback")
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
    django_setup(data_dir)
    require_initialised()
    from shnor.datasets import services

    for saved in services.mappings_for(system_user("shnor mapping")):
        console.print(f"{saved.name}\t{saved.kind}\t{saved.title}")


@mapping_app.command("save")
def mapping_save(
    file: Annotated[Path, typer.Argument(help="Файл сопоставления YAML или JSON.", exists=True, dir_okay=False)],
    data_dir: DataDir = None,
) -> None:
    """Сохранить сопоставление из файла под его именем (name), чтобы выбирать его в веб-интерфейсе."""
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor mapping save")
    from shnor.datasets import services
    from shnor.ingest.mapping import MappingError, load_file

    try:
        spec = load_file(file)
    except MappingError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    saved = services.save_mapping(system_user("shnor mapping save"), spec)
    console.print(f"Сопоставление «{saved.name}» для таблицы {saved.kind} сохранено.")


@mapping_app.command("show")
def mapping_show(name: Annotated[str, typer.Argument(help="Имя сопоставления.")], data_dir: DataDir = None) -> None:
    """Показать сопоставление в YAML (его можно сохранить в файл и передать в --mapping)."""
    django_setup(data_dir)
    require_initialised()
    from shnor.datasets import services
    from shnor.ingest.mapping import MappingError

    try:
        spec, _ = services.resolve_mapping(name)
    except MappingError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    assert spec is not None
    console.print(spec.to_yaml(), markup=False, highlight=False)
