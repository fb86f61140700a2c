"""Exit from the programme: the evidence, the proposals by the preset's rule, the order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Q, QuerySet
from django.urls import reverse

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.services import notify, require
from shnor.audit.tracking import record
from shnor.core import programmes as core
from shnor.core.methodology import Methodology
from shnor.core.programmes import ExitEvidence
from shnor.documents import programmes as documents
from shnor.identification.models import Component, Run, SchoolResult
from shnor.programmes.models import Programme, Transition, Wave
from shnor.programmes.services.common import (
    L,
    ProgrammeError,
    S,
    account_of,
    editors,
    enforcers,
    preset,
    programmes,
    today,
)
from shnor.programmes.services.indicators import latest_profile, latest_result
from shnor.programmes.services.waves import snapshot
from shnor.records.models import Decision, Document
from shnor.records.services import authority, executor, keeping, signature, store_document


@dataclass
class ExitProposal:
    programme: Programme
    ok: bool
    checks: dict[str, bool | None]
    evidence: ExitEvidence
    basis: str

    @property
    def check_rows(self) -> list[tuple[str, bool | None]]:
        return [(core.CONDITION_TITLES[c], v) for c, v in self.checks.items()]

    @property
    def grounds(self) -> str:
        """What each condition of the rule found, in figures (the order's appendix says the same)."""
        return core.basis(preset().exit, self.evidence, self.checks)


Works = dict[str, set[tuple[str, str, int]]]


@dataclass
class _Cache:
    """What the proposals of one page share: the runs the entry monitorings recorded, and each
    run-year's outsiders (read once, not once per programme)."""

    runs: dict[int, Run | None] = field(default_factory=dict)
    outsiders: dict[tuple[int, int], tuple[Works, Works]] = field(default_factory=dict)


def _outsiders(run: Run, year: int, cache: _Cache) -> tuple[Works, Works]:
    """School code → the works on which it is an outsider in `year` of `run` (its result in the
    lowest zone of the run's low-ИОР share among the schools that wrote the work), and school code →
    the works it has a result on that year."""
    key = (run.pk, year)
    if key not in cache.outsiders:
        cutoff = Methodology.model_validate(run.methodology).ior_low
        share = cutoff.value if cutoff.kind == "quantile" else 0.25
        rows = Component.objects.filter(run=run, year=year).values_list(
            "school__school_id", "procedure", "subject", "grade", "z"
        )
        frame = pd.DataFrame(list(rows), columns=["school_id", "procedure", "subject", "grade", "z"])
        written: Works = {}
        for school, procedure, subject, grade, z in frame.itertuples(index=False):
            if pd.notna(z):
                written.setdefault(str(school), set()).add((str(procedure), str(subject), int(grade)))
        cache.outsiders[key] = (core.outsider_works(frame, share) if not frame.empty else {}, written)
    return cache.outsiders[key]


def _entry_run(entry: Wave | None, result: SchoolResult, cache: _Cache) -> Run | None:
    """The run the entry monitoring recorded, when it measured an earlier year than the latest run:
    a later run of the same year (a re-run with reviewed signs, a corrected import) is no dynamics."""
    if entry is None or entry.snapshot.get("run") in (None, result.run_id):
        return None
    pk = entry.snapshot["run"]
    if pk not in cache.runs:
        cache.runs[pk] = Run.objects.filter(pk=pk, status=Run.Status.DONE).first()
    run = cache.runs[pk]
    return run if run is not None and run.year < result.run.year else None


def _outsider_change(
    programme: Programme, result: SchoolResult, entry: Wave | None, cache: _Cache
) -> tuple[int | None, int | None]:
    """Act 002's group of outsiders: the works on which the school was an outsider at entry (the run
    of the entry monitoring; without an entry monitoring, the first year of the latest run's window)
    and how many of them it has left by the latest run's year — a work counts as left only where
    the school has a result that year. Unknown when the entry monitoring measured the same year."""
    school = programme.school
    if school is None:
        return None, None
    if entry is not None:
        first_run = _entry_run(entry, result, cache)
        if first_run is None:
            return None, None
        before = _outsiders(first_run, first_run.year, cache)[0].get(school.school_id, set())
    else:
        window = result.run.summary.get("window") or [result.run.year]
        if len(window) < 2:
            return None, None
        before = _outsiders(result.run, int(window[0]), cache)[0].get(school.school_id, set())
    outsiders, written = _outsiders(result.run, result.run.year, cache)
    now, wrote = outsiders.get(school.school_id, set()), written.get(school.school_id, set())
    return len(before), len({w for w in before if w in wrote and w not in now})


def _exit_evidence(programme: Programme, rule: core.ExitRule, cache: _Cache) -> tuple[ExitEvidence, str]:
    waves = {w.kind: w for w in programme.waves.all()}
    entry = waves.get(Wave.Kind.ENTRY)
    latest_wave = waves.get(Wave.Kind.FINAL) or waves.get(Wave.Kind.INTERIM) or entry
    result = latest_result(programme.school_id) if programme.school_id else None
    ior_before = ior_after = ior_se = se_before = None
    basis = ""
    if result is not None:
        ior_after, ior_se = result.ior, result.ior_se
        if entry and entry.snapshot.get("ior") is not None and _entry_run(entry, result, cache) is not None:
            ior_before, se_before = entry.snapshot["ior"], entry.snapshot.get("ior_se")
            basis = f"ИОР при входном мониторинге ({entry.date:%d.%m.%Y}) и по расчёту № {result.run_id} за {result.run.year} год"
        else:
            years = [y for y in result.per_year if y.get("ior") is not None]
            if len(years) >= 2:
                ior_before, se_before = years[-2]["ior"], years[-2].get("se")
                ior_after, ior_se = years[-1]["ior"], years[-1].get("se")
                basis = f"ИОР за {years[-2]['year']} и {years[-1]['year']} годы (расчёт № {result.run_id})"
    snap = latest_wave.snapshot if latest_wave else snapshot(programme, today())
    indicators = snap.get("indicators", [])
    profile = latest_profile(programme.school_id) if programme.school_id else None
    entry_profile = (entry.snapshot.get("profile") if entry else None) or None
    outsider_before = outsider_left = None
    if result is not None and "outsider_exit" in rule.conditions():
        outsider_before, outsider_left = _outsider_change(programme, result, entry, cache)
    evidence = ExitEvidence(
        ior_before=ior_before,
        ior_after=ior_after,
        ior_se=ior_se,
        indicators_on_target=sum(1 for i in indicators if i.get("reached")),
        indicators_total=len(indicators),
        objectivity_flag=result.objectivity_flag if result else None,
        fixed_before=len(entry_profile["fixed"]) if entry_profile else None,
        fixed_after=len(profile.fixed) if profile else None,
        ior_se_before=se_before,
        outsider_before=outsider_before,
        outsider_left=outsider_left,
    )
    return evidence, basis


def exit_proposals(user: Actor) -> list[ExitProposal]:
    """Every school programme in force, with whether the preset's exit rule holds and why."""
    rule = preset().exit
    out = []
    qs = programmes(user).filter(level=L.SCHOOL, status=S.IN_FORCE).prefetch_related("waves")
    cache = _Cache()
    for programme in qs:
        evidence, basis = _exit_evidence(programme, rule, cache)
        ok, checks = core.evaluate(rule, evidence)
        out.append(ExitProposal(programme, ok, checks, evidence, basis))
    return sorted(out, key=lambda p: (not p.ok, p.programme.owner_label()))


def exit_decisions() -> QuerySet[Decision]:
    """The orders by which schools left the programme (who reads which: records.services.decisions)."""
    return Decision.objects.filter(
        pk__in=Programme.objects.exclude(exit_decision=None).values("exit_decision")
    ).prefetch_related("documents", "schools")


def approve_exit(user: Actor, programme_ids: list[int], number: str, date: dt.date, basis: str = "") -> Decision:
    """Schools leave the programme: an organising decision with its order; the programmes (and
    their anti-risk programmes) are completed. All or nothing.

    The preset's exit rule is checked here, not only shown: a school for which it does not hold
    leaves only on a basis the approver states, and the order then does not claim the rule's ground
    (its title names the rule's ground only when every school meets it)."""
    require(user, Perm.APPROVE)
    if not number.strip():
        raise ProgrammeError("Укажите номер приказа.")
    proposals = {p.programme.pk: p for p in exit_proposals(user)}
    chosen = [proposals[i] for i in programme_ids if i in proposals]
    if not chosen or len(chosen) != len(set(programme_ids)):
        raise ProgrammeError("Выберите школы из числа предложенных к выходу (программа действует).")
    failing = [p for p in chosen if not p.ok]
    if failing and not basis.strip():
        names = ", ".join(p.programme.owner_label() for p in failing)
        raise ProgrammeError(
            f"Условия выхода не выполнены: {names}. Исключить такую школу можно только с указанием основания "
            "решения в поле «Основание»."
        )
    the_preset = preset()
    reason = "" if failing else " " + core.title_reason(the_preset.exit)
    with keeping():
        decision = Decision.objects.create(
            kind=Decision.Kind.ORGANISING,
            title=f"Об исключении школ из программы поддержки{reason}",
            number=number.strip(),
            date=date,
            basis=basis.strip()
            or "Результаты мониторинга реализации программ повышения качества образования; правило выхода пресета "
            f"«{the_preset.title}».",
            created_by=account_of(user),
        )
        decision.schools.set([p.programme.school for p in chosen if p.programme.school is not None])
        content = documents.exit_order(the_preset, authority(the_preset), decision, chosen, signature(), executor())
        store_document(
            Document.Kind.ORDER,
            f"Приказ № {decision.number} от {decision.date:%d.%m.%Y} об исключении школ из программы",
            content,
            f"exit-order-{decision.pk}.docx",
            user,
            decision=decision,
        )
        for p in chosen:
            programme = p.programme
            Programme.objects.filter(Q(pk=programme.pk) | Q(parent=programme)).update(
                status=S.COMPLETED, exit_decision=decision
            )
            Transition.objects.create(
                programme=programme,
                from_status=S.IN_FORCE,
                to_status=S.COMPLETED,
                comment=f"Приказ № {decision.number} от {decision.date:%d.%m.%Y}",
                by=account_of(user),
            )
        record(
            decision,
            "approve",
            {
                "exit": [p.programme.owner_label() for p in chosen],
                "rule_not_met": [p.programme.owner_label() for p in failing],
            },
        )
    for p in chosen:
        notify(
            editors(p.programme) | enforcers(p.programme),
            f"{p.programme.owner_label()}: школа выходит из программы поддержки (приказ № {decision.number} "
            f"от {decision.date:%d.%m.%Y}).",
            reverse("programmes:detail", args=[p.programme.pk]),
        )
    return decision
