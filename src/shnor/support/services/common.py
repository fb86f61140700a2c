"""What the support network's stages share: its refusal and rules, the official run, profiles and weaknesses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.core import support as core
from shnor.core.errors import DomainRefusal
from shnor.core.support import SupportRules
from shnor.identification import services as identification
from shnor.identification.models import Component, Run
from shnor.registry import services as registry
from shnor.risks.models import Profile


class SupportError(DomainRefusal):
    """A request the rules refuse; the message (Russian) says why."""


def rules() -> SupportRules:
    return registry.preset().support


def today() -> dt.date:
    return timezone.localdate()


def role_of(user: Actor) -> str:
    return str(getattr(user, "role", ""))


def official_run(year: int | None = None) -> tuple[Run | None, dict[int, str]]:
    """The identification run whose list was approved last (a replacement wins over the list it
    replaces, whichever run finished first; else the latest run) and its list."""
    done = Run.objects.filter(status=Run.Status.DONE)
    if year is not None:
        done = done.filter(year=year)
    run = (
        done.filter(decisions__isnull=False).order_by("-decisions__pk").first()
        or done.order_by("-finished_at", "-pk").first()
    )
    return run, (identification.final_list(run) if run else {})


def list_year() -> int:
    """The year the network works on now: that of the list approved last (a run finished after it
    but not yet approved does not move the pages on), else of the latest finished run, else today's."""
    run, _ = official_run()
    return run.year if run is not None else current_year()


def current_year() -> int:
    """The year of the latest finished identification run (the year the network works on)."""
    latest = Run.objects.filter(status=Run.Status.DONE).order_by("-year").values_list("year", flat=True).first()
    return latest or today().year


def _subject_z(run: Run, school_pks: set[int] | None = None) -> dict[int, dict[str, float]]:
    """School → subject → mean z of its latest year's works in the run."""
    qs = Component.objects.filter(run=run)
    if school_pks is not None:
        qs = qs.filter(school_id__in=school_pks)
    rows = list(qs.values_list("school_id", "year", "subject", "z"))
    latest: dict[int, int] = {}
    for school, year, _subject, _z in rows:
        latest[school] = max(latest.get(school, year), year)
    sums: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for school, year, subject, z in rows:
        if year == latest[school] and z is not None:
            sums[school][subject].append(z)
    return {s: {subj: sum(v) / len(v) for subj, v in by.items()} for s, by in sums.items()}


def latest_profiles(school_pks: set[int] | None, year: int | None) -> dict[int, Profile]:
    qs = Profile.objects.all()
    if school_pks is not None:
        qs = qs.filter(school_id__in=school_pks)
    if year is not None:
        qs = qs.filter(year__lte=year)
    result: dict[int, Profile] = {}
    for p in qs.order_by("school_id", "-year"):
        result.setdefault(p.school_id, p)
    return result


def weaknesses(run: Run, school_pks: set[int], year: int) -> dict[int, frozenset[str]]:
    """What a supported school needs help with: its fixed risk factors and its weak subjects."""
    limit = rules().curators.subject_z
    profiles = latest_profiles(school_pks, year)
    subjects = _subject_z(run, school_pks)
    return {
        pk: frozenset(profiles[pk].fixed if pk in profiles else ()) | core.subject_codes(subjects.get(pk, {}), limit)[1]
        for pk in school_pks
    }


def strengths_of(run: Run, school_pks: set[int], year: int) -> dict[int, list[str]]:
    """What a curator school is strong in: risk factors at a low level, and strong subjects."""
    limit = rules().curators.subject_z
    profiles = latest_profiles(school_pks, year)
    subjects = _subject_z(run, school_pks)
    result = {}
    for pk in school_pks:
        factors = set()
        if pk in profiles:
            factors = {code for code, f in profiles[pk].factors.items() if f.get("level") == "low"}
        result[pk] = sorted(factors | core.subject_codes(subjects.get(pk, {}), limit)[0])
    return result


def factor_titles() -> dict[str, str]:
    """Risk factor code → title, from the preset's catalogue (read once for a page of labels)."""
    return {f.code: f.title for f in registry.preset().catalogue().factors}


def label(code: str, titles: dict[str, str] | None = None) -> str:
    """A weakness or strength code in words: «математика (профильная)», «R02 <фактор риска>».
    `titles`: factor_titles(), when many codes are labelled at once."""
    from shnor.core.matching import NONE
    from shnor.identification.labels import subject_name

    if code == NONE:
        return "выявленных проблем нет"
    if code.startswith("subject:"):
        return subject_name(code.removeprefix("subject:"))
    titles = factor_titles() if titles is None else titles
    return f"{code} {titles[code]}" if code in titles else code
