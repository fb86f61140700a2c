"""Scope rule of users: a coordinator sees the accounts of their municipality's schools."""

from shnor.accounts.scoping import ScopeRule, register

register(
    "accounts.User",
    ScopeRule(
        school=("school",), municipality=("municipality", "school__municipality"), distinct=True, teacher_sees=True
    ),
)
