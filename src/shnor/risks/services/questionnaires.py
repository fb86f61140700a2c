"""The anonymous questionnaires: links published to a school, answers accepted within limits, export."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import ROLE_LABELS, Role
from shnor.accounts.scoping import restrict
from shnor.accounts.services import SystemUser, account
from shnor.audit.context import Acting, acting_as
from shnor.core import risks
from shnor.core.risks import Source
from shnor.datasets.models import SurveyValue
from shnor.registry.models import School
from shnor.risks.models import AnswerCount, QuestionnaireLink, QuestionnaireResponse
from shnor.risks.services.profiles import QuestionnaireError, build, catalogue, profiles

PUBLISH_ROLES = {Role.OPERATOR, Role.REGIONAL_COORDINATOR, Role.MUNICIPAL_COORDINATOR, Role.SCHOOL}


def can_publish(user: Actor, school: School) -> bool:
    return getattr(user, "role", None) in PUBLISH_ROLES and restrict(School.objects.filter(pk=school.pk), user).exists()


def publish(user: Actor, school: School, year: int) -> list[QuestionnaireLink]:
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


def links_for(user: Actor, school: School, year: int) -> list[tuple[QuestionnaireLink, int]]:
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


def refusal_for_account(user: Actor | None, link: QuestionnaireLink) -> str:
    """Why this signed-in user may not answer this form (empty: may, or not signed in)."""
    if user is None or not user.is_authenticated:
        return ""
    role = user.role
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


def close(user: Actor, link: QuestionnaireLink) -> None:
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
    token: str, nonce: str, raw: dict[str, str], *, user: Actor | None = None, client: str | None = None
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


def export_xlsx(user: Actor, year: int) -> bytes:
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
