"""Scope rules of the school-level data (see shnor.accounts.scoping). Import runs and mappings are
not school data: who may see them is a permission (Perm.IMPORT_DATA), checked in the services."""

from shnor.accounts.scoping import ScopeRule, register

_school_row = ScopeRule(school=("school",), municipality=("school__municipality",))
for label in ("datasets.SocialRecord", "datasets.SurveyValue", "datasets.OversightSignal"):
    register(label, _school_row)
