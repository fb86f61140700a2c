"""The analysis: identification, risk profiles, matching, recommendations, the evidence pack, the entry
monitoring of municipalities, the effect report, reminders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shnor.cli.base import DataDir, app, cli_actor, console, django_setup, err, require_initialised, system_user


@app.command()
def identify(
    year: Annotated[int, typer.Option(help="Отчётный год (окно — этот год и два предыдущих).")],
    out: Annotated[
        Path | None, typer.Option(help="Записать таблицу результатов в файл .csv или .xlsx (контракт данных).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="Вычислитель: duckdb (встроенный) или spark; по умолчанию — SHNOR_ENGINE.")
    ] = "",
    reviewed_from: Annotated[
        int | None,
        typer.Option(
            help="Номер расчёта того же года, решения по признакам необъективности которого учесть "
            "(отклонённый признак не учитывается, подтверждённый устанавливает отметку)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Идентификация ШНОР и ШНСУ за год по пресету каталога данных; итог — таблица по всем школам."""
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        err.print(f"[red]Файл результатов должен быть .csv или .xlsx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor identify")
    from shnor.identification import services
    from shnor.identification.models import Run

    user = system_user("shnor identify")

    def progress(percent: int, stage: str) -> None:
        err.print(f"{percent:3d} % {stage}")

    source = None
    if reviewed_from is not None:
        source = Run.objects.filter(pk=reviewed_from).first()
        if source is None:
            err.print(f"[red]Расчёта № {reviewed_from} нет.[/red]")
            raise typer.Exit(2)
    try:
        run = services.start(user, year, engine=engine, channel="cli", queue=False, reviewed_from=source)
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor profiles")
    from shnor.risks import services

    user = system_user("shnor profiles")
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
    """Подбор кураторов школам из списка: точное решение (поток минимальной стоимости; кураторские группы — по правилам пресета) и сравнение с подбором «по очереди»."""
    if out is not None and out.suffix.lower() != ".xlsx":
        err.print(f"[red]Файл предложения должен быть .xlsx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor match")
    from shnor.documents.common import number
    from shnor.support import services
    from shnor.support.services import SupportError

    user = system_user("shnor match")
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
    groups = s.get("groups")
    exact = not groups or groups["optimal"]
    console.print(
        f"Стоимость {'точного' if exact else 'лучшего найденного'} решения {number(proposal.total, 1)}; подбора «по очереди» "
        f"{number(proposal.greedy_total, 1)}"
        + (f" (не распределены {proposal.greedy_unassigned})" if proposal.greedy_unassigned else "")
        + "."
    )
    if groups:
        console.print(
            f"Кураторских групп {groups['count']}; групп меньше {groups['minimum']} школ: {groups['short']}; "
            f"школ без общей проблемы группы: {groups['outside']}; "
            + ("решение точное." if groups["optimal"] else "лучшее найденное решение (точность не доказана).")
            + f" Нижняя граница стоимости (пары без правил групп) {number(groups['bound'], 1)}."
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor recommend")
    from shnor.cycle import services as cycle

    user = system_user("shnor recommend")
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor evidence")
    from shnor.cycle import evidence as pack

    content = pack.build(system_user("shnor evidence"), year)
    out.write_bytes(content)
    console.print(f"[green]Доказательная база за {year} год: {out} ({len(content) // 1024} КБ).[/green]")


@app.command()
def monitor(
    year: Annotated[int, typer.Option(help="Год перечня школ (расчёт идентификации этого года).")],
    out: Annotated[Path | None, typer.Option(help="Записать мониторинг в файл .xlsx.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Входной мониторинг муниципальных органов управления образованием: категории риска и отбор."""
    if out is not None and out.suffix.lower() != ".xlsx":
        err.print(f"[red]Файл мониторинга должен быть .xlsx, а не «{out.name}».[/red]")
        raise typer.Exit(2)
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor monitor")
    from shnor.cycle import municipal

    m = municipal.monitoring(system_user("shnor monitor"), year)
    if m.run is None:
        err.print(f"[red]За {year} год нет выполненного расчёта идентификации: мониторинг строится по перечню.[/red]")
        raise typer.Exit(1)
    page = municipal.page(m)
    console.print(
        f"[green]Входной мониторинг за {year} год: {page['selected']} из {page['districts']} муниципалитетов, "
        f"в них {page['held']} школ перечня (ШНОР и ШНСУ).[/green]"
    )
    for row in page["rows"]:
        mark = "мониторинг" if row["selected"] else "—"
        console.print(
            f"  {row['name']}: школ перечня {row['listed']}, {row['category_title']} ({row['in_zone']}), {mark}"
        )
    if out is not None:
        out.write_bytes(municipal.export_xlsx(m))
        console.print(f"Мониторинг: {out}")


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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor effect")
    from shnor.cycle import effect as service

    user = system_user("shnor effect")
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
    django_setup(data_dir)
    require_initialised()
    cli_actor("shnor remind")
    from shnor.cycle import reminders

    console.print(reminders.send().text())
