"""Scope rules of the registry models (see shnor.accounts.scoping)."""

from shnor.accounts.scoping import ScopeRule, register

register("registry.School", ScopeRule(school=("pk",), municipality=("municipality",), teacher_sees=True))
# A school sees its own municipality; a coordinator sees theirs.
register(
    "registry.Municipality", ScopeRule(school=("schools",), municipality=("pk",), distinct=True, teacher_sees=True)
)
# Bodies and people of a municipality are visible to its schools; regional ones to everybody.
_local = ScopeRule(
    school=("school", "municipality__schools"),
    municipality=("municipality", "school__municipality"),
    distinct=True,
    shared_when_unbound=True,
    teacher_sees=True,
)
register("registry.InfrastructureBody", _local)
register("registry.Person", _local)
register(
    "registry.Region",
    ScopeRule(school=("municipalities__schools",), municipality=("municipalities",), distinct=True, teacher_sees=True),
)
