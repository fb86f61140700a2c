"""The roles (docs/guide/roles.md) and what each may do. Pure data: the one table every check reads."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    REGIONAL_COORDINATOR = "regional_coordinator"
    MUNICIPAL_COORDINATOR = "municipal_coordinator"
    SCHOOL = "school"
    CURATOR = "curator"
    TEACHER = "teacher"
    OBSERVER = "observer"


ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "Региональный оператор",
    Role.REGIONAL_COORDINATOR: "Региональный координатор",
    Role.MUNICIPAL_COORDINATOR: "Муниципальный координатор",
    Role.SCHOOL: "Школа (управленческая команда)",
    Role.CURATOR: "Куратор",
    Role.TEACHER: "Педагог",
    Role.OBSERVER: "Наблюдатель",
}


class Perm(StrEnum):
    """Actions checked in the service layer, never in a view."""

    MANAGE_REGISTRY = "manage_registry"  # create and edit schools, municipalities, any body or person
    MANAGE_LOCAL_BODIES = "manage_local_bodies"  # bodies and people of one's own municipality
    VIEW_AUDIT = "view_audit"
    APPROVE = "approve"  # approve lists, decisions and reports
    IMPORT_DATA = "import_data"  # load files, save column mappings, roll back an import
    VIEW_IMPORTS = "view_imports"  # see the import history and its reports
    RUN_IDENTIFICATION = "run_identification"  # start identification runs, edit the proposed list
    REVIEW_SIGNS = "review_signs"  # confirm or reject signs of biased results
    BUILD_PROFILES = "build_profiles"  # compute the risk profiles of a year
    MATCH_CURATORS = "match_curators"  # keep the curator pool, run the matching, approve pairs
    MANAGE_CATALOGUE = "manage_catalogue"  # the catalogue of courses and activities for routes
    PUBLISH_PRACTICES = "publish_practices"  # publish practices in the bank, record regional events
    MANAGE_CYCLE = "manage_cycle"  # goals, targets, conclusions, recommendations, measures, decisions, meetings


ROLE_PERMS: dict[Role, frozenset[Perm]] = {
    Role.OPERATOR: frozenset(Perm),
    Role.REGIONAL_COORDINATOR: frozenset(
        {
            Perm.APPROVE,
            Perm.VIEW_IMPORTS,
            Perm.REVIEW_SIGNS,
            Perm.BUILD_PROFILES,
            Perm.MATCH_CURATORS,
            Perm.PUBLISH_PRACTICES,
            Perm.MANAGE_CYCLE,
        }
    ),
    Role.MUNICIPAL_COORDINATOR: frozenset({Perm.MANAGE_LOCAL_BODIES, Perm.MANAGE_CYCLE}),
    Role.SCHOOL: frozenset(),
    Role.CURATOR: frozenset(),
    Role.TEACHER: frozenset(),
    Role.OBSERVER: frozenset(),
}

# Roles whose scope is the whole region whatever else their account names.
REGION_WIDE_ROLES = frozenset({Role.OPERATOR, Role.REGIONAL_COORDINATOR})
