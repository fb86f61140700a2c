"""Risk profiles and questionnaires, the same for the web pages, the API and the command line.

build          — compute the profiles of a year (all schools with data, or one school)
profile_for    — a school's profile with the previous one, for its page and documents
regional       — how many schools have each risk, by municipality
publish        — the four questionnaire links of a school for a year
submit         — one anonymous response; the group's answers become `survey` values and the
                 school's profile is rebuilt, in one transaction"""

from __future__ import annotations

from shnor.risks.services.profiles import (
    ProfileView,
    QuestionnaireError,
    Values,
    build,
    catalogue,
    inputs,
    profile_for,
    profiles,
    regional,
    years,
)
from shnor.risks.services.questionnaires import (
    PUBLISH_ROLES,
    can_publish,
    clean_answers,
    close,
    core_title,
    export_xlsx,
    issue_nonce,
    links_for,
    open_link,
    publish,
    questions,
    refusal_for_account,
    submit,
)

__all__ = [
    "PUBLISH_ROLES",
    "ProfileView",
    "QuestionnaireError",
    "Values",
    "build",
    "can_publish",
    "catalogue",
    "clean_answers",
    "close",
    "core_title",
    "export_xlsx",
    "inputs",
    "issue_nonce",
    "links_for",
    "open_link",
    "profile_for",
    "profiles",
    "publish",
    "questions",
    "refusal_for_account",
    "regional",
    "submit",
    "years",
]
