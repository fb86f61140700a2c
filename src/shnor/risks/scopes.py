"""A school's profile and questionnaires are seen by whoever may see the school."""

from shnor.accounts.scoping import ScopeRule, register

_school_row = ScopeRule(school=("school",), municipality=("school__municipality",))
register("risks.Profile", _school_row)
register("risks.QuestionnaireLink", _school_row)
