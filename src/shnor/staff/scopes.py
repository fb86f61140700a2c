"""Scope rules of the staff models (see shnor.accounts.scoping)."""

from shnor.accounts.scoping import ScopeRule, register

register(
    "staff.Teacher",
    ScopeRule(school=("employments__school",), municipality=("employments__school__municipality",), distinct=True),
)
register("staff.StaffMember", ScopeRule(school=("school",), municipality=("school__municipality",)))
_through_teacher = ScopeRule(
    school=("teacher__employments__school",),
    municipality=("teacher__employments__school__municipality",),
    distinct=True,
)
register("staff.Diagnostic", _through_teacher)
register("staff.Course", _through_teacher)
