"""Scope rules of identification results: a school's row is seen by whoever may see the school.
Runs themselves are regional; who may start one is a permission (Perm.RUN_IDENTIFICATION)."""

from shnor.accounts.scoping import ScopeRule, register

_school_row = ScopeRule(school=("school",), municipality=("school__municipality",))
for label in ("identification.SchoolResult", "identification.Sign", "identification.Component"):
    register(label, _school_row)
