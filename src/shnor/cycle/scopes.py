"""Scope rules of the management cycle.

Goals, conclusions and measures of the region (no municipality) are the region's public
structure; a municipality's are seen by its coordinator and its schools. A recommendation is seen
by whoever may see its addressee: a municipality's by the municipality, a school head's by the
school, a curator school's by the curator school (a tutor's: see services.recommendations).
"""

from shnor.accounts.scoping import ScopeRule, register

_public_or_local = ScopeRule(
    school=("municipality__schools",),
    municipality=("municipality",),
    distinct=True,
    shared_when_unbound=True,
)
register("cycle.Goal", _public_or_local)
register("cycle.Conclusion", _public_or_local)
register(
    "cycle.Measure",
    ScopeRule(
        school=("municipality__schools", "schools"),
        municipality=("municipality", "schools__municipality"),
        distinct=True,
        shared_when_unbound=True,
    ),
)
register(
    "cycle.Recommendation",
    ScopeRule(school=("school", "curator__school"), municipality=("municipality",)),
)
