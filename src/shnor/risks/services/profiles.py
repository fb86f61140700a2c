"""Risk profiles: their inputs, building them for a year or a school, reading them with the previous one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Avg, F, QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import require
from shnor.core import risks
from shnor.core.errors import DomainRefusal
from shnor.core.risks import Catalogue
from shnor.datasets.models import SocialRecord, SurveyValue
from shnor.identification import services as identification
from shnor.identification.models import SchoolResult
from shnor.lib.memo import Memo
from shnor.registry import services as registry
from shnor.registry.models import School
from shnor.risks.models import Profile
from shnor.staff.models import Diagnostic

Values = dict[int, dict[str, float]]


class QuestionnaireError(DomainRefusal):
    """A response cannot be accepted; the message says why, in Russian."""


def catalogue() -> Catalogue:
    return registry.preset().catalogue()


def _survey(year: int, school_pks: set[int] | None) -> tuple[Values, dict[int, dict[str, int]]]:
    qs = SurveyValue.objects.filter(year=year)
    if school_pks is not None:
        qs = qs.filter(school_id__in=school_pks)
    values: Values = defaultdict(dict)
    respondents: dict[int, dict[str, int]] = defaultdict(dict)
    for school, parameter, value, n in qs.values_list("school_id", "parameter", "value", "respondents"):
        values[school][parameter] = value
        if n is not None:
            respondents[school][parameter] = n
    return values, respondents


def _derived(cat: Catalogue, year: int, school_pks: set[int] | None) -> Values:
    """Parameters the system computes from data it already holds (the catalogue's `derive`)."""
    wanted = {p.derive: p.code for p in cat.parameters() if p.derive}
    values: Values = defaultdict(dict)
    social_columns = {key.removeprefix("social:"): code for key, code in wanted.items() if key.startswith("social:")}
    if social_columns:
        qs = SocialRecord.objects.filter(year=year)
        if school_pks is not None:
            qs = qs.filter(school_id__in=school_pks)
        for row in qs.values("school_id", *social_columns):
            for column, code in social_columns.items():
                if row[column] is not None:
                    values[row["school_id"]][code] = float(row[column])
    if "diagnostics:mean" in wanted:
        diagnostics = Diagnostic.objects.filter(year=year, max_score__gt=0, teacher__employments__is_active=True)
        if school_pks is not None:
            diagnostics = diagnostics.filter(teacher__employments__school_id__in=school_pks)
        rows = diagnostics.values(school=F("teacher__employments__school_id")).annotate(
            share=Avg(F("score") / F("max_score"))
        )
        for row in rows:
            values[row["school"]][wanted["diagnostics:mean"]] = float(row["share"])
    if "identification:isb" in wanted:
        run = identification.latest_run(year)
        if run is not None:
            results = SchoolResult.objects.filter(run=run, isb__isnull=False)
            if school_pks is not None:
                results = results.filter(school_id__in=school_pks)
            for school, isb in results.values_list("school_id", "isb"):
                values[school][wanted["identification:isb"]] = float(isb or 0.0)
    if "results:vpr_share_2" in wanted:
        for school, share in _vpr_share_2(year, school_pks).items():
            values[school][wanted["results:vpr_share_2"]] = share
    return values


def _vpr_share_2(year: int, school_pks: set[int] | None) -> dict[int, float]:
    store = identification.store()
    if not store.row_count("results") or year not in store.years("results"):
        return {}
    codes = dict(School.objects.values_list("school_id", "pk"))
    if school_pks is not None:
        codes = {code: pk for code, pk in codes.items() if pk in school_pks}
    t = store.table("results")
    t = t.filter((t.year == year) & (t.procedure == "VPR") & t.mark.notnull())
    if school_pks is not None:
        t = t.filter(t.school_id.isin(list(codes)))
    frame = t.group_by("school_id").aggregate(n=t.count(), n2=(t.mark == 2).sum()).to_pandas()
    return {codes[r.school_id]: float(r.n2) / float(r.n) for r in frame.itertuples() if r.school_id in codes and r.n}


def inputs(year: int, school_pks: set[int] | None = None) -> tuple[Values, dict[int, dict[str, int]]]:
    """Every parameter value of the year's schools: survey and questionnaires first, derived values
    where the catalogue says the system computes them (a derived value wins: it is data)."""
    cat = catalogue()
    values, respondents = _survey(year, school_pks)
    for school, derived in _derived(cat, year, school_pks).items():
        values[school].update(derived)
    return values, respondents


def _snapshot(result: risks.Profile) -> dict[str, Any]:
    return {
        "catalogue_version": result.catalogue_version,
        "parameters": {
            code: {
                "value": r.value,
                "median": r.median,
                "threshold": r.threshold,
                "past": r.past,
                "respondents": r.respondents,
            }
            for code, r in result.parameters.items()
        },
        "factors": {
            code: {
                "level": f.level.value if f.level else None,
                "past": f.past,
                "measured": f.measured,
                "fixed": f.fixed,
            }
            for code, f in result.factors.items()
        },
        "fixed": result.fixed,
        "completeness": result.completeness,
    }


def build(user: Actor, year: int, school: School | None = None) -> int:
    """Compute and save the profiles of `year` (every school with any value, or just `school`).
    Regional medians are taken over all the year's schools. Returns how many were saved."""
    require(user, Perm.BUILD_PROFILES)
    cat = catalogue()
    with transaction.atomic():
        if school is None:
            values, respondents = inputs(year)
            rows_all = list(values.values())
        else:
            values, respondents = inputs(year, {school.pk})
            others = Profile.objects.filter(year=year).exclude(school=school).values_list("parameters", flat=True)
            rows_all = [{c: p["value"] for c, p in params.items() if p.get("value") is not None} for params in others]
            rows_all.append(values.get(school.pk, {}))
        medians = risks.medians(rows_all, cat)
        saved = 0
        for school_pk, school_values in values.items():
            if not school_values:
                continue
            result = risks.profile(cat, school_values, medians, respondents.get(school_pk))
            snap = _snapshot(result)
            Profile.objects.update_or_create(
                school_id=school_pk,
                year=year,
                defaults={
                    "catalogue_version": snap["catalogue_version"],
                    "parameters": snap["parameters"],
                    "factors": snap["factors"],
                    "fixed": snap["fixed"],
                    "completeness": snap["completeness"],
                },
            )
            saved += 1
        if school is None:
            # Medians of the region changed: every profile of the year now carries the new ones.
            Profile.objects.filter(year=year).exclude(school_id__in=list(values)).delete()
        # One journal entry per build, not one per school.
        what = f"рисковые профили {year} года" + (f" ({school.school_id})" if school is not None else "")
        registry.journal({what: [None, f"рассчитано: {saved}"]})
    return saved


def profiles(user: Actor, year: int | None = None) -> QuerySet[Profile]:
    qs = restrict(Profile.objects.select_related("school", "school__municipality"), user)
    return qs.filter(year=year) if year is not None else qs


def years() -> list[int]:
    return sorted(Profile.objects.order_by().values_list("year", flat=True).distinct(), reverse=True)


@dataclass
class ProfileView:
    profile: Profile
    previous: Profile | None
    catalogue: Catalogue

    def rows(self) -> list[dict[str, Any]]:
        """Factor by factor, its parameters with value, median, threshold and whether past it."""
        out = []
        for factor in self.catalogue.factors:
            f = self.profile.factors.get(factor.code, {})
            before = (self.previous.factors.get(factor.code, {}) if self.previous else {}).get("level")
            params = []
            for p in factor.parameters:
                r = self.profile.parameters.get(p.code, {})
                params.append({"parameter": p, "source_title": _source_title(p), **r})
            out.append(
                {
                    "factor": factor,
                    "level": f.get("level"),
                    "level_title": risks.LEVEL_TITLES.get(risks.Level(f["level"]), "")
                    if f.get("level")
                    else "нет данных",
                    "past": f.get("past", 0),
                    "measured": f.get("measured", 0),
                    "fixed": f.get("fixed", False),
                    "before": before,
                    "before_title": risks.LEVEL_TITLES[risks.Level(before)] if before else "—",
                    "change": _change(before, f.get("level")),
                    "parameters": params,
                }
            )
        return out


def _source_title(p: risks.Parameter) -> str:
    if p.derive:
        return "расчёт системы: " + risks.DERIVED.get(p.derive, "социальные данные (таблица social)")
    return risks.SOURCE_TITLES[p.source]


def _change(before: str | None, after: str | None) -> int:
    if not before or not after:
        return 0
    return risks.FactorChange("", risks.Level(before), risks.Level(after)).direction


def profile_for(user: Actor, school_pk: int, year: int) -> ProfileView:
    """Raises Profile.DoesNotExist when the school is out of scope or has no profile for the year."""
    profile = profiles(user).get(school_id=school_pk, year=year)
    previous = Profile.objects.filter(school_id=school_pk, year__lt=year).order_by("-year").first()
    return ProfileView(profile, previous, catalogue())


# Every profile's factors of the year in scope: a second for a country's region, the same until the
# data change. Kept per data version, scope, year and catalogue.
_REGIONAL = Memo(size=32)


def regional(user: Actor, year: int) -> dict[str, Any]:
    """Per municipality and factor, how many schools have the risk at a high and a medium level
    (shared between requests until the data change: callers must not modify it)."""
    cat = catalogue()
    key = ("risks-regional", scope_of(user), year, cat.version, tuple(f.code for f in cat.factors))
    return _REGIONAL.get(key, lambda: _regional(user, year, cat))


def _regional(user: Actor, year: int, cat: Catalogue) -> dict[str, Any]:
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: {f.code: [0, 0] for f in cat.factors})
    totals = {f.code: [0, 0] for f in cat.factors}
    schools: dict[str, int] = defaultdict(int)
    # The factors only: a profile's parameters are ten times their size and not needed here.
    for name, factors in profiles(user, year).order_by().values_list("school__municipality__name", "factors"):
        schools[name] += 1
        for code, f in factors.items():
            if code not in totals:
                continue
            column = {"high": 0, "medium": 1}.get(f.get("level") or "")
            if column is not None:
                table[name][code][column] += 1
                totals[code][column] += 1
    return {
        "factors": cat.factors,
        "rows": [
            (
                name,
                schools[name],
                [(*table[name][f.code], risks.heat_band(table[name][f.code][0], schools[name])) for f in cat.factors],
            )
            for name in sorted(table)
        ],
        "totals": [totals[f.code] for f in cat.factors],
        "schools": sum(schools.values()),
    }
