"""Scope rules of the support network.

A pair is seen from both ends: by whoever may see the supported school and by whoever may see
the curator school. Events and practices bound to no school or municipality are the region's
public structure; published practices are meant to be read by everyone (see services).
"""

from typing import Any

from django.db.models import Q

from shnor.accounts.scoping import ScopeRule, register, register_curated
from shnor.support.models import Pairing

register(
    "support.Curator",
    ScopeRule(school=("school",), municipality=("municipality",), shared_when_unbound=False),
)
_pair = ScopeRule(
    school=("school", "curator__school"),
    municipality=("school__municipality", "curator__municipality"),
)
register("support.Pairing", _pair)
register(
    "support.Agreement",
    ScopeRule(
        school=("pairing__school", "pairing__curator__school"),
        municipality=("pairing__school__municipality", "pairing__curator__municipality"),
    ),
)
register(
    "support.Consultation",
    ScopeRule(
        school=("pairing__school", "pairing__curator__school"),
        municipality=("pairing__school__municipality", "pairing__curator__municipality"),
    ),
)
register(
    "support.Event",
    ScopeRule(
        school=("organiser", "schools"),
        municipality=("municipality", "organiser__municipality"),
        distinct=True,
        shared_when_unbound=True,
        teacher_sees=True,
    ),
)
register("support.Practice", ScopeRule(school=("school",), municipality=("school__municipality",), teacher_sees=True))


def supported_by(user: Any) -> set[int]:
    """Schools in an approved pair with the curator school (or tutor) of this user."""
    who = Q(curator__user_id=user.pk)
    if user.school_id:
        who |= Q(curator__school_id=user.school_id)
    return set(Pairing.objects.filter(who, status=Pairing.Status.APPROVED).values_list("school_id", flat=True))


register_curated(supported_by)
