"""Risk profiles and questionnaires, the same for the web pages, the API and the command line.

build          — compute the profiles of a year (all schools with data, or one school)
profile_for    — a school's profile with the previous one, for its page and documents
regional       — how many schools have each risk, by municipality
publish        — the four questionnaire links of a school for a year
submit         — one anonymous response; the group's answers become `survey` values and the
                 school's profile is rebuilt, in one transaction
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Avg, F, QuerySet
from django.utils import timezone

from shnor.accounts.roles import ROLE_LABELS, Perm, Role
from shnor.accounts.scoping import restrict
from shnor.accounts.services import SystemUser, account, require
from shnor.audit.context import Acting, acting_as
from shnor.core import risks
from shnor.core.errors import DomainRefusal
from shnor.core.risks import Catalogue, Source
from shnor.datasets.models import SocialRecord, SurveyValue
from shnor.identification import services as identification
from shnor.identification.models import SchoolResult
from shnor.registry import services as registry
from shnor.registry.models import School
from shnor.risks.models import AnswerCount, Profile, QuestionnaireLink, QuestionnaireResponse
from shnor.staff.models import Diagnostic

Values = dict[int, dict[str, float]]


class QuestionnaireError(DomainRefusal):
    """A response cannot be accepted; the message says why, in Russian."""


def catalogue() -> Catalogue:
    return registry.preset().catalogue()


# --- inputs ------------------------------------------------------------------------------------


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


# --- build -------------------------------------------------------------------------------------


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


def build(user: Any, year: int, school: School | None = None) -> int:
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


# --- reading -----------------------------------------------------------------------------------


def profiles(user: Any, year: int | None = None) -> QuerySet[Profile]:
    qs = restrict(Profile.objects.select_related("school", "school__municipality"), user)
    return qs.filter(year=year) if year is not None else qs


def years() -> list[int]:
    return sorted(set(Profile.objects.values_list("year", flat=True)), reverse=True)


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


def profile_for(user: Any, school_pk: int, year: int) -> ProfileView:
    """Raises Profile.DoesNotExist when the school is out of scope or has no profile for the year."""
    profile = profiles(user).get(school_id=school_pk, year=year)
    previous = Profile.objects.filter(school_id=school_pk, year__lt=year).order_by("-year").first()
    return ProfileView(profile, previous, catalogue())


def regional(user: Any, year: int) -> dict[str, Any]:
    """Per municipality and factor, how many schools have the risk at a high and a medium level."""
    cat = catalogue()
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: {f.code: [0, 0] for f in cat.factors})
    totals = {f.code: [0, 0] for f in cat.factors}
    schools: dict[str, int] = defaultdict(int)
    for p in profiles(user, year):
        name = p.school.municipality.name
        schools[name] += 1
        for code, f in p.factors.items():
            if code not in totals:
                continue
            column = {"high": 0, "medium": 1}.get(f.get("level") or "")
            if column is not None:
                table[name][code][column] += 1
                totals[code][column] += 1
    return {
        "factors": cat.factors,
        "rows": [(name, schools[name], [table[name][f.code] for f in cat.factors]) for name in sorted(table)],
        "totals": [totals[f.code] for f in cat.factors],
        "schools": sum(schools.values()),
    }


# --- questionnaires ----------------------------------------------------------------------------

PUBLISH_ROLES = {Role.OPERATOR, Role.REGIONAL_COORDINATOR, Role.MUNICIPAL_COORDINATOR, Role.SCHOOL}


def can_publish(user: Any, school: School) -> bool:
    return getattr(user, "role", None) in PUBLISH_ROLES and restrict(School.objects.filter(pk=school.pk), user).exists()


def publish(user: Any, school: School, year: int) -> list[QuestionnaireLink]:
    """The four links of a school for a year (created once; publishing again reopens them)."""
    if not can_publish(user, school):
        raise PermissionDenied("Публиковать анкеты может школа, муниципальный координатор или оператор.")
    links = []
    with transaction.atomic():
        for group in risks.GROUPS:
            link, created = QuestionnaireLink.objects.get_or_create(
                school=school,
                year=year,
                group=group.value,
                defaults={
                    "token": secrets.token_urlsafe(18),
                    "created_by": account(user),
                    "max_responses": 1 if group == Source.DIRECTOR else None,
                },
            )
            if not created and not link.is_open:
                link.is_open = True
                link.save(update_fields=["is_open"])
            links.append(link)
    return links


def links_for(user: Any, school: School, year: int) -> list[tuple[QuestionnaireLink, int]]:
    """The school's questionnaires of the year with their answer counts. Their links (the token is
    the only key to an anonymous form) are shown by the page only to those who publish them
    (`can_publish`): a read-only role sees the groups, counts and status, not the address."""
    qs = restrict(QuestionnaireLink.objects.filter(school=school, year=year), user)
    return [(link, link.responses.count()) for link in qs.order_by("pk")]


# A signed-in account answers only the questionnaire of its own group and school: a school's head
# the director's, a teacher the teachers'. Any other account (an observer, an operator, a curator)
# is not a respondent: before issue 20 the observer's answer to the parents' form was stored.
_RESPONDENT_ROLES: dict[str, str] = {
    QuestionnaireLink.Group.DIRECTOR: Role.SCHOOL,
    QuestionnaireLink.Group.TEACHERS: Role.TEACHER,
}


def refusal_for_account(user: Any, link: QuestionnaireLink) -> str:
    """Why this signed-in user may not answer this form (empty: may, or not signed in)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    role = getattr(user, "role", None)
    if _RESPONDENT_ROLES.get(link.group) == role and user.school_id == link.school_id:
        return ""
    return (
        f"Вы вошли в систему как пользователь с ролью «{ROLE_LABELS.get(Role(role), role) if role else 'без роли'}»: "
        f"{core_title(link)} заполняется респондентами, а не сотрудниками системы. Если вы отвечаете "
        "как родитель или обучающийся, выйдите из системы или откройте ссылку в другом браузере."
    )


def core_title(link: QuestionnaireLink) -> str:
    return risks.SOURCE_TITLES[Source(link.group)]


def _count_answer(link: QuestionnaireLink, client: str | None) -> None:
    """Count an answer from `client` (an address) to `link` in this hour; refuse beyond
    `SHNOR_ANSWERS_PER_ADDRESS_HOUR`. The address is kept only as an HMAC with the secret key and
    the hour, never as itself, and only for the hour and the one before."""
    if not client:
        return
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    AnswerCount.objects.filter(hour__lt=hour - dt.timedelta(hours=1)).delete()
    key = hmac.new(
        settings.SECRET_KEY.encode(), f"{link.pk}|{hour.isoformat()}|{client}".encode(), hashlib.sha256
    ).hexdigest()
    row, _ = AnswerCount.objects.select_for_update().get_or_create(link=link, client=key, hour=hour)
    limit = settings.SHNOR_ANSWERS_PER_ADDRESS_HOUR
    if row.count >= limit:
        raise QuestionnaireError(
            f"С этого адреса за час получено {limit} ответов на эту анкету — больше не принимается. "
            "Если анкету заполняет класс с одного адреса, повторите через час или сообщите школе."
        )
    row.count += 1
    row.save(update_fields=["count"])


def close(user: Any, link: QuestionnaireLink) -> None:
    if not can_publish(user, link.school):
        raise PermissionDenied
    link.is_open = False
    link.save(update_fields=["is_open"])


def open_link(token: str) -> QuestionnaireLink:
    """Raises QuestionnaireLink.DoesNotExist for an unknown token."""
    return QuestionnaireLink.objects.select_related("school").get(token=token)


def questions(link: QuestionnaireLink) -> list[risks.Parameter]:
    return catalogue().questionnaire(Source(link.group))


_SIGNER_SALT = "shnor.questionnaire"


def issue_nonce(link: QuestionnaireLink) -> str:
    """A one-time token for one filled-in form (signed, so it cannot be made up)."""
    return signing.dumps({"l": link.pk, "n": secrets.token_urlsafe(12)}, salt=_SIGNER_SALT)


def clean_answers(params: list[risks.Parameter], raw: dict[str, str]) -> dict[str, Any]:
    """Answers checked against each item's kind; every error names the item and the value."""
    answers: dict[str, Any] = {}
    errors = []
    for p in params:
        value = (raw.get(p.code) or "").strip()
        if not value:
            continue
        if p.answer == "yes_no":
            if value not in ("yes", "no"):
                errors.append(f"{p.code}: ответ «{value}» — ожидается «да» или «нет»")
                continue
            answers[p.code] = value
        else:
            try:
                number = float(value.replace(",", "."))
            except ValueError:
                errors.append(f"{p.code}: «{value}» — не число")
                continue
            low, high = (1, 5) if p.answer == "scale5" else (0, 100)
            if not (low <= number <= high) or math.isnan(number):
                errors.append(f"{p.code}: {value} — вне допустимого диапазона {low}–{high}")
                continue
            answers[p.code] = number
    if errors:
        raise QuestionnaireError("; ".join(errors))
    if not answers:
        raise QuestionnaireError("Анкета пуста: ответьте хотя бы на один вопрос.")
    return answers


def submit(
    token: str, nonce: str, raw: dict[str, str], *, user: Any = None, client: str | None = None
) -> QuestionnaireResponse:
    """Accept one anonymous response, update the group's `survey` values and rebuild the profile.
    `user`: the signed-in account, if any (only a respondent of the group may answer); `client`:
    the sender's address, for the per-address cap (not stored)."""
    link = open_link(token)
    if not link.is_open:
        raise QuestionnaireError("Приём ответов по этой анкете закрыт.")
    refusal = refusal_for_account(user, link)
    if refusal:
        raise QuestionnaireError(refusal)
    try:
        data = signing.loads(nonce, salt=_SIGNER_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature:
        raise QuestionnaireError("Форма устарела или повреждена: откройте ссылку на анкету заново.") from None
    if data.get("l") != link.pk:
        raise QuestionnaireError("Форма относится к другой анкете: откройте ссылку на анкету заново.")
    params = questions(link)
    answers = clean_answers(params, raw)
    actor = Acting(None, "web", label=f"анкета ({link.get_group_display()})")
    with acting_as(actor), transaction.atomic():
        locked = QuestionnaireLink.objects.select_for_update().get(pk=link.pk)
        if locked.max_responses is not None and locked.responses.count() >= locked.max_responses:
            raise QuestionnaireError("По этой ссылке уже получен ответ: анкета директора заполняется один раз.")
        # The token itself is long (it is signed); its SHA-256 is what makes the response unique.
        key = hashlib.sha256(nonce.encode("utf-8")).hexdigest()
        if QuestionnaireResponse.objects.filter(nonce=key).exists():
            raise QuestionnaireError("Этот ответ уже получен. Спасибо!")
        _count_answer(locked, client)
        response = QuestionnaireResponse.objects.create(link=locked, nonce=key, answers=answers)
        all_answers = list(locked.responses.values_list("answers", flat=True))
        for code, (value, n) in risks.aggregate_answers(params, all_answers).items():
            SurveyValue.objects.update_or_create(
                year=link.year, school=link.school, parameter=code, defaults={"value": value, "respondents": n}
            )
        build(SystemUser("анкетирование"), link.year, link.school)
    return response


def export_xlsx(user: Any, year: int) -> bytes:
    """One row per school: factor levels, the fixed risks and every parameter value."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from shnor.ingest.workbooks import safe_cell

    cat = catalogue()
    book = Workbook()
    sheet = book.active
    sheet.title = f"Профили {year}"
    params = cat.parameters()
    header = ["Код ОО", "Наименование ОО", "Муниципалитет", "Зафиксированные риски", "Доля измеренных параметров"]
    header += [f"{f.code} {f.title}" for f in cat.factors] + [f"{p.code} {p.title}" for p in params]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for p in profiles(user, year).order_by("school__school_id"):
        levels = [
            risks.LEVEL_TITLES[risks.Level(lv)] if (lv := p.factors.get(f.code, {}).get("level")) else ""
            for f in cat.factors
        ]
        values = [p.parameters.get(x.code, {}).get("value") for x in params]
        row = [
            p.school.school_id,
            p.school.name,
            p.school.municipality.name,
            "; ".join(p.fixed),
            round(p.completeness, 3),
        ]
        sheet.append([safe_cell(v) for v in row + levels + values])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
