"""Programmes: a school's belong to the school; municipal ones to the municipality; the regional
programme (bound to neither) is the region's public structure and visible to every user."""

from shnor.accounts.scoping import ScopeRule, register

register(
    "programmes.Programme",
    ScopeRule(
        school=("school",),
        municipality=("municipality", "school__municipality"),
        shared_when_unbound=True,
    ),
)
