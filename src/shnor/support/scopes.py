"""Scope rules of the support network.

A pair is seen from both ends: by whoever may see the supported school and by whoever may see
the curator school. Events and practices bound to no school or municipality are the region's
public structure; published practices are meant to be read by everyone (see services).
"""

from shnor.accounts.scoping import ScopeRule, register

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
