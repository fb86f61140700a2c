"""The list and its approval: hand changes with reasons, the order and the analytical note."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.services import account, require
from shnor.audit.tracking import record
from shnor.core.methodology import Methodology
from shnor.core.presets import Preset
from shnor.documents import identification as documents
from shnor.documents.charts import scatter_png
from shnor.documents.identification import ListedSchool, NoteData, OrderData
from shnor.identification import labels
from shnor.identification.models import ListChange, Run, SchoolResult, Sign
from shnor.identification.services.common import IdentificationRefused
from shnor.identification.services.inputs import LISTS
from shnor.identification.services.parameters import of_run
from shnor.presets import from_text
from shnor.records.models import Decision, Document
from shnor.records.services import authority, executor, keeping, signature, store_document
from shnor.registry.models import School
from shnor.registry.services import region_name


def final_list(run: Run) -> dict[int, str]:
    """School pk → reason, for the list as it stands: the proposed schools, then every person's
    change in order (the latest change of a school wins)."""
    return dict(LISTS.get(("final_list", run.pk), lambda: _final_list(run)))


def _final_list(run: Run) -> dict[int, str]:
    listed = {
        pk: labels.reasons(reasons)
        for pk, reasons in SchoolResult.objects.filter(run=run, selected=True).values_list("school_id", "reasons")
    }
    for change in ListChange.objects.filter(run=run).order_by("created_at", "pk"):
        if change.action == ListChange.Action.ADD:
            listed[change.school_id] = f"включена решением: {change.reason}"
        else:
            listed.pop(change.school_id, None)
    return listed


def listed_q(run: Run, field: str = "school_id") -> Q:
    """The list as it stands (`final_list`) as a condition on a query's school `field`: the run's
    proposed schools as a subquery and the few people's changes as values — the list itself, a
    country's 5 000 ids bound into every query that narrows to it, made the home page's shelf
    sort in 0.7 s."""
    added: set[int] = set()
    removed: set[int] = set()
    for action, school in (
        ListChange.objects.filter(run=run).order_by("created_at", "pk").values_list("action", "school_id")
    ):
        (added if action == ListChange.Action.ADD else removed).add(school)
        (removed if action == ListChange.Action.ADD else added).discard(school)
    selected = SchoolResult.objects.filter(run=run, selected=True).values("school_id")
    return (Q(**{f"{field}__in": selected}) & ~Q(**{f"{field}__in": removed})) | Q(**{f"{field}__in": added})


def list_group(result: SchoolResult, listed: dict[int, str]) -> str:
    """The group of a school on the list as it stands (`final_list`): the run's for a school it
    selected, the one its categories give for a school a person added; "" off the list."""
    if result.school_id not in listed:
        return ""
    return labels.group_of(result.group, result.category)  # a run's group is set on its selected schools only


def listed_rows(user: Actor, run: Run) -> list[tuple[SchoolResult, str, str]]:
    """The list as it stands, in the user's scope, by municipality and name: each school's result,
    the reason it is on the list and its group (the page and the API show the same rows)."""
    from shnor.identification.services.results import results_for

    listed = final_list(run)
    visible = results_for(user, run).filter(school_id__in=listed).select_related("school__municipality")
    return [
        (r, listed[r.school_id], labels.group_of(r.group, r.category))
        for r in visible.order_by("school__municipality__name", "school__name")
    ]


def change_list(user: Actor, run: Run, school_pk: int, action: str, reason: str) -> ListChange:
    """Add a school to the proposed list or remove one, with the reason; only before approval."""
    require(user, Perm.RUN_IDENTIFICATION)
    if run.status != Run.Status.DONE:
        raise IdentificationRefused("Перечень можно менять только у выполненного расчёта.")
    if run.is_approved:
        raise IdentificationRefused("Перечень уже утверждён: изменения вносятся новым решением.")
    if not reason.strip():
        raise IdentificationRefused("Укажите основание изменения перечня.")
    if not SchoolResult.objects.filter(run=run, school_id=school_pk).exists():
        raise IdentificationRefused("Этой школы нет в расчёте.")
    listed = final_list(run)
    if action == ListChange.Action.ADD and school_pk in listed:
        raise IdentificationRefused("Школа уже в перечне.")
    if action == ListChange.Action.REMOVE and school_pk not in listed:
        raise IdentificationRefused("Школы нет в перечне.")
    if action not in (ListChange.Action.ADD, ListChange.Action.REMOVE):
        raise IdentificationRefused("Действие: «включить» или «исключить».")
    change = ListChange.objects.create(
        run=run,
        school_id=school_pk,
        action=action,
        reason=reason.strip(),
        created_by=account(user),
    )
    record(change, "create", {"action": [None, action], "reason": [None, reason.strip()]})
    return change


def approved_for_year(run: Run) -> Decision | None:
    """The decision that approved another run's list of the same year, if any (the latest)."""
    return (
        Decision.objects.filter(identification_run__year=run.year)
        .exclude(identification_run=run)
        .order_by("-pk")  # the last approved, whatever date its order bears
        .first()
    )


def _replacing(run: Run, replaces: str) -> tuple[Decision | None, str]:
    """The decision a new approval of the year replaces (refused without the reason) and the new
    decision's basis, which names it."""
    earlier = approved_for_year(run)
    if earlier is not None and not replaces.strip():
        raise IdentificationRefused(
            f"Перечень на {run.year} год уже утверждён: {earlier}. Чтобы утвердить перечень этого расчёта "
            "вместо него, укажите причину замены."
        )
    basis = f"{run}: {run.message}"
    if earlier is not None:
        basis += f" Заменяет {earlier}. Причина замены: {replaces.strip()}"
    return earlier, basis


def approve(user: Actor, run: Run, *, number: str, date: dt.date, signatory: str = "", replaces: str = "") -> Decision:
    """Approve the list: an organising management decision with the order and the analytical
    note as DOCX documents. All or nothing: a failure leaves no decision and no files. A year whose
    list another run's order already approved is approved again only as its replacement, with the
    reason (`replaces`): two orders «on the list of the year» would otherwise stand side by side."""
    require(user, Perm.APPROVE)
    if run.status != Run.Status.DONE:
        raise IdentificationRefused("Утвердить можно только выполненный расчёт.")
    if not number.strip():
        raise IdentificationRefused("Укажите номер приказа.")
    listed = final_list(run)
    if not listed:
        raise IdentificationRefused("Перечень пуст: утверждать нечего.")
    preset = from_text(run.preset_text)
    issuer = authority(preset)
    position, name = signature(signatory)
    schools = {s.pk: s for s in School.objects.filter(pk__in=listed).select_related("municipality")}
    results = {r.school_id: r for r in SchoolResult.objects.filter(run=run, school_id__in=listed)}
    entries = [
        ListedSchool(
            municipality=schools[pk].municipality.name,
            school_id=schools[pk].school_id,
            name=schools[pk].name,
            cluster=labels.CLUSTERS[results[pk].cluster],
            category=results[pk].category,
            reasons=reason,
            group=labels.GROUPS[labels.group_of(results[pk].group, results[pk].category)],
        )
        for pk, reason in listed.items()
    ]
    title = f"Об утверждении перечня школ с низкими результатами обучения и школ, функционирующих в неблагоприятных социальных условиях, на {run.year}–{run.year + 1} учебный год"
    order_bytes = documents.order(
        OrderData(
            authority=issuer,
            number=number.strip(),
            date=date,
            year=run.year,
            basis=preset.title,
            schools=entries,
            signatory=position,
            signatory_name=name,
            executor=executor(),
        )
    )
    note_bytes = documents.analytic_note(note_data(run, issuer, preset, listed=listed))
    with keeping():  # the decision, its documents and their files, or none of them
        # One approval of a year at a time: two runs of the year approved at once would both find none.
        list(Run.objects.select_for_update().filter(year=run.year).values_list("pk", flat=True))
        if run.is_approved:
            raise IdentificationRefused("Перечень уже утверждён.")
        earlier, basis = _replacing(run, replaces)
        decision = Decision.objects.create(
            kind=Decision.Kind.ORGANISING,
            title=title,
            number=number.strip(),
            date=date,
            basis=basis,
            identification_run=run,
            created_by=account(user),
        )
        decision.schools.set(listed)
        for kind, name, data in (
            (Document.Kind.ORDER, f"Приказ № {number.strip()} от {date:%d.%m.%Y}", order_bytes),
            (
                Document.Kind.ANALYTIC_NOTE,
                f"Аналитическая справка по итогам идентификации за {run.year} год",
                note_bytes,
            ),
        ):
            store_document(kind, name, data, f"{kind}-{run.year}-{decision.pk}.docx", user, decision=decision)
        record(
            decision,
            "approve",
            {"run": run.pk, "schools": len(listed), "number": number.strip(), "replaces": earlier and earlier.pk},
        )
    return decision


def note_data(run: Run, authority: str, preset: Preset, listed: dict[int, str]) -> NoteData:
    """The analytical note's figures, from the run (region-wide: the note is the region's);
    `listed` is the list as approved (school pk → reason)."""
    summary = run.summary
    methodology = Methodology.model_validate(run.methodology)
    rows = SchoolResult.objects.filter(run=run).select_related("school__municipality")
    by_municipality: dict[str, list[int]] = {}
    points = []
    for r in rows:
        counts = by_municipality.setdefault(r.school.municipality.name, [0, 0, 0, 0, 0, 0])
        counts[0] += 1
        counts[1] += int(r.selected)
        for i, code in enumerate(("effective", "resilient", "struggling", "deprived"), start=2):
            counts[i] += int(r.cluster == code)
        if r.ior is not None and r.isb is not None:
            points.append((r.isb, r.ior, r.cluster))
    signs = (
        Sign.objects.filter(run=run)
        .values("code")
        .annotate(n=Count("pk"), schools=Count("school", distinct=True))
        .order_by("-n")
    )
    coefficients = (summary.get("value_added") or {}).get("coefficients") or {}
    line = (coefficients["const"], coefficients["isb"]) if "const" in coefficients and "isb" in coefficients else None
    changes = [
        (c.school.name, c.get_action_display(), c.reason)
        for c in ListChange.objects.filter(run=run).select_related("school").order_by("created_at")
    ]
    return NoteData(
        authority=authority,
        region=region_name(),
        year=run.year,
        window=list(summary.get("window", [])),
        run_number=run.pk,
        run_date=timezone.localtime(run.finished_at or run.created_at).date(),
        preset_title=preset.title,
        preset_version=preset.version,
        components=[labels.work(*c.key) for c in methodology.components],
        social_parts=[labels.SOCIAL_TITLES.get(p.column, p.column) for p in methodology.social],
        schools_total=int(summary.get("schools", 0)),
        selected=len(listed),
        insufficient=int(summary.get("insufficient_data", 0)),
        ior_threshold=summary.get("ior_threshold"),
        isb_threshold=summary.get("isb_threshold"),
        alpha=summary.get("isb_alpha"),
        value_added=coefficients,
        r2=(summary.get("value_added") or {}).get("r2"),
        clusters=summary.get("clusters", {}),
        combinations=summary.get("combinations", []),
        municipalities=[(name, c[0], c[1], c[2], c[3], c[4], c[5]) for name, c in sorted(by_municipality.items())],
        signs=[(labels.SIGNS.get(s["code"], s["code"]), s["n"], s["schools"]) for s in signs],
        changes=changes,
        groups=_list_groups(rows, listed),
        parameters=[(p.title, p.value, p.kind, p.source) for p in of_run(run)],
        chart_png=scatter_png(points, summary.get("ior_threshold"), summary.get("isb_threshold"), line)
        if points
        else None,
    )


def _list_groups(rows: Iterable[SchoolResult], listed: dict[int, str]) -> list[tuple[str, int]]:
    """The list as approved by group (ШНОР, ШНСУ, both, other), with the groups' full titles."""
    counts = dict.fromkeys(labels.GROUP_TITLES, 0)
    for r in rows:
        if r.school_id in listed:
            counts[labels.group_of(r.group, r.category)] += 1
    return [(labels.GROUP_TITLES[g], n) for g, n in counts.items() if n]
