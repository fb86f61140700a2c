"""Scope rules of the staff models (see shnor.accounts.scoping)."""

from shnor.accounts.scoping import ScopeRule, register

register(
    "staff.Teacher",
    ScopeRule(
        school=("employments__school",),
        municipality=("employments__school__municipality",),
        distinct=True,
        teacher=("staff_key",),
    ),
)
register(
    "staff.StaffMember",
    ScopeRule(school=("school",), municipality=("school__municipality",), teacher=("teacher__staff_key",)),
)
_through_teacher = ScopeRule(
    school=("teacher__employments__school",),
    municipality=("teacher__employments__school__municipality",),
    distinct=True,
    teacher=("teacher__staff_key",),
)
register("staff.Diagnostic", _through_teacher)
register("staff.Course", _through_teacher)
register("staff.Route", _through_teacher)
register(
    "staff.RouteItem",
    ScopeRule(
        school=("route__teacher__employments__school",),
        municipality=("route__teacher__employments__school__municipality",),
        distinct=True,
        teacher=("route__teacher__staff_key",),
    ),
)
# The catalogue is the region's: everyone signed in may read it.
register("staff.Offer", ScopeRule(public=True))
