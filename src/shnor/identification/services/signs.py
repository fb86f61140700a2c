"""The objectivity signs of a school: their evidence and their review by an analyst."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.services import account, require
from shnor.audit.tracking import record
from shnor.identification.models import Component, Run, SchoolResult, Sign
from shnor.identification.services.common import IdentificationRefused
from shnor.identification.services.results import results_for


@dataclass
class Evidence:
    result: SchoolResult
    components: list[Component]
    signs: list[Sign]
    history: list[SchoolResult]


def evidence(user: Actor, run: Run, school_pk: int) -> Evidence:
    """Everything behind one school's row: raises SchoolResult.DoesNotExist outside the user's scope."""
    result = results_for(user, run).get(school_id=school_pk)
    components = list(
        Component.objects.filter(run=run, school_id=school_pk).order_by("procedure", "subject", "grade", "year")
    )
    signs = list(
        Sign.objects.filter(run=run, school_id=school_pk).select_related("reviewed_by").order_by("year", "code")
    )
    history = list(
        SchoolResult.objects.filter(school_id=school_pk, run__status=Run.Status.DONE)
        .select_related("run")
        .order_by("-run__year", "-run__finished_at")[:10]
    )
    return Evidence(result, components, signs, history)


def sign_to_review(user: Actor, run_pk: int, sign_pk: int) -> Sign:
    """The sign a person is about to review: refused without the right before the form is read,
    and not found outside the person's scope."""
    require(user, Perm.REVIEW_SIGNS)
    sign = Sign.objects.select_related("run").get(pk=sign_pk, run_id=run_pk)
    if not results_for(user, sign.run).filter(school_id=sign.school_id).exists():
        raise Sign.DoesNotExist
    return sign


def review_sign(user: Actor, sign: Sign, review: str, note: str = "") -> Sign:
    """A person confirms or rejects a sign; the decision is kept on the sign and in the audit."""
    if not results_for(user, sign.run).filter(school_id=sign.school_id).exists():
        raise SchoolResult.DoesNotExist  # outside the user's scope: as if it did not exist
    require(user, Perm.REVIEW_SIGNS)
    if review not in (Sign.Review.CONFIRMED, Sign.Review.REJECTED):
        raise IdentificationRefused("Решение по признаку: «подтвердить» или «отклонить».")
    before = sign.review
    sign.review = review
    sign.review_note = note
    sign.reviewed_by = account(user)
    sign.reviewed_at = timezone.now()
    sign.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    record(sign, "review", {"review": [before, review], "note": note})
    return sign
