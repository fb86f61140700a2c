"""API parity with the pages (issue 25): every action a person can take on a page has an API
operation that does the same through the same service, and the description is uniform.

The actions are found, not listed by hand: every address of the site whose view accepts a POST.
Each is mapped here to the operations that do its work, or to the reason it has none. A new form
action without an entry, or an entry naming an operation that no longer exists, fails the test.
"""

from __future__ import annotations

from typing import Any

from tests.app.test_access_matrix import post_actions

# page action → the API operations doing its work (a string: why it has none)
PARITY: dict[str, tuple[str, ...] | str] = {
    "accounts:logout": "ends the browser session; an API token is revoked on the profile page, not by a call",
    "web:favicon": "the icon's permanent redirect (Django's RedirectView answers every method alike)",
    # A token cannot mint or revoke tokens: a leaked one could otherwise renew itself.
    "accounts:profile": "issuing and revoking API tokens, done signed in on the page, never with a token",
    "accounts:notifications": "marks the person's own notifications read; notices of the site, not of the data",
    "questionnaire:answer": "the anonymous respondent's form, reached by its link's token; no account, no API",
    "registry:school-new": ("schools_create",),
    "registry:school-edit": ("schools_update",),
    "registry:municipality-new": ("municipalities_create",),
    "registry:municipality-edit": ("municipalities_update",),
    "registry:body-new": ("bodies_create",),
    "registry:body-edit": ("bodies_update",),
    "registry:person-new": ("people_create",),
    "registry:person-edit": ("people_update",),
    # the upload wizard's steps (file, reading options, mapping, start) are one multipart call
    "datasets:upload": ("imports_create",),
    "datasets:run-start": ("imports_create",),
    "datasets:run-use-mapping": ("imports_create", "mappings_list"),
    "datasets:run-read-options": ("imports_create",),
    "datasets:run-mapping": ("mappings_save", "imports_create"),
    "datasets:run-rollback": ("imports_rollback",),
    "identification:runs": ("identification_runs_create",),
    "identification:run-reviewed": ("identification_runs_create",),  # with `reviewed_from`
    "identification:review": ("identification_sign_review",),
    "identification:list": ("identification_list_change", "identification_list_approve"),
    "risks:regional": ("risk_profiles_build",),
    "risks:questionnaires": ("questionnaires_publish",),
    "risks:close": ("questionnaires_close",),
    "programmes:new": ("programmes_create",),
    "programmes:edit": ("programmes_update",),
    "programmes:exit": ("exit_approve",),
    "programmes:transition": ("programmes_transition",),
    "programmes:anti-risk": ("programmes_anti_risk",),
    "programmes:step": ("programmes_step",),
    "programmes:activity": ("activities_update",),
    "programmes:evidence": ("evidence_create",),
    "programmes:indicator": ("indicators_actual_set",),
    "programmes:waves": ("waves_take",),
    "support:curators-refresh": ("curators_refresh",),
    "support:tutor-add": ("curators_add_tutor",),
    "support:curator": ("curators_update",),
    "support:matching-run": ("proposals_create",),
    "support:matching-rule": ("matching_rule_set",),
    "support:matching-approve": ("proposals_approve",),
    "support:consultation-add": ("consultations_create",),
    "support:feedback": ("feedback_create",),
    "support:agreement-add": ("agreements_create",),
    "support:pair-form": ("pairs_form_set",),
    "support:events": ("events_create",),
    "support:practices": ("practices_create",),
    "support:practice-publish": ("practices_publish",),
    "staff:staff-add": ("teachers_create",),
    "staff:route-propose": ("routes_create",),
    "staff:diagnostics-add": ("diagnostics_enter",),
    "staff:course-add": ("courses_enter",),
    "staff:item-add": ("route_items_create",),
    "staff:item-remove": ("route_items_delete",),
    "staff:route-approve": ("routes_approve",),
    "staff:item": ("route_items_update",),
    "staff:catalogue": ("catalogue_create",),
    "cycle:goals": ("goals_set", "targets_set"),
    "cycle:analysis": ("analysis_conclude",),
    "cycle:recommendations": ("recommendations_draft", "recommendations_draft_all"),
    "cycle:recommendation": (
        "recommendations_edit",
        "recommendations_issue",
        "recommendations_read",
        "recommendations_report",
    ),
    "cycle:measures": ("measures_add", "measures_update"),
    "cycle:decisions": ("decisions_add",),
    "cycle:decision": ("decisions_execute",),
    "cycle:meetings": ("meetings_add",),
    "cycle:meeting": ("meetings_protocol",),
    "cycle:effect-report": ("effect_report",),
}

# What a page shows that an integrator reads: the reading operations the issue named.
READS = (
    "evidence_list",
    "evidence_file",
    "waves_list",
    "questionnaires_list",
    "agreements_list",
    "agreements_file",
    "events_list",
    "practices_list",
    "cyclogram_get",
    "exit_proposals",
    "identification_list_get",
)

# Lists answered whole, each with its bound; every other list is paged with ?limit=&offset=.
BOUNDED = {
    "mappings_list": "the saved mappings of the contract's few tables",
    "questionnaires_list": "a school's four respondent groups of a year",
    "waves_list": "a programme's three monitoring waves at most",
    "teachers_targets": "the preset's targets of teachers' growth",
    "teachers_aggregates": "one row per municipality in scope",
    "indicators_list": "the preset's indicators of the system",
    "targets_get": "the preset's indicators of the system",
    "analysis_get": "the preset's directions of analysis",
}


# Errors that answer with the refused object's own report instead of a bare problem.
REPORTS = {
    ("imports_create", "422"): "the refused file's report: every issue by row and column",
    ("identification_runs_create", "422"): "the failed run with its reason, as the run's page shows it",
}


def _schema() -> dict[str, Any]:
    from shnor.api.app import api

    return api.get_openapi_schema()


def _operations(schema: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method, path, op) for path, ops in schema["paths"].items() for method, op in ops.items()
    }


def missing(parity: dict[str, tuple[str, ...] | str], operations: set[str]) -> dict[str, list[str]]:
    """The page actions whose mapped operations are not in the description."""
    return {
        action: gone
        for action, ops in parity.items()
        if not isinstance(ops, str) and (gone := [o for o in ops if o not in operations])
    }


def test_every_form_action_of_the_site_has_an_operation() -> None:
    actions = set(post_actions())
    assert len(actions) >= 60, "the walk found too few actions: is it still reading the views?"
    assert actions - set(PARITY) == set(), "a page action without an API operation (or a reason) in PARITY"
    assert set(PARITY) - actions == set(), "PARITY names an action that is gone"
    assert missing(PARITY, set(_operations(_schema()))) == {}
    assert all(len(reason) > 30 for reason in PARITY.values() if isinstance(reason, str))


def test_parity_fails_when_an_operation_is_removed() -> None:
    operations = set(_operations(_schema()))
    for gone in ("evidence_create", "agreements_create", "waves_take"):
        assert missing(PARITY, operations - {gone}), gone


def test_the_reads_an_integrator_needs_exist() -> None:
    operations = _operations(_schema())
    assert [r for r in READS if r not in operations] == []
    assert all(operations[r][0] == "get" for r in READS)


def test_the_description_is_uniform() -> None:
    """One shape for every operation: an id, a summary in Russian, a tag; errors declared as
    problem+json, with 401 wherever a sign-in is needed;
    lists paged the same way (or answered whole for a stated bound); paths under /api/<resource>."""
    schema = _schema()
    defs = schema["components"]["schemas"]
    for op_id, (method, path, op) in _operations(schema).items():
        assert op.get("summary") and any("а" <= c <= "я" for c in op["summary"].lower()), op_id
        assert op.get("tags"), op_id
        assert path.startswith("/api/") and path == path.lower() and "_" not in path.split("{")[0], path
        assert not op.get("security") or "401" in {str(s) for s in op["responses"]}, op_id
        for status, answer in op["responses"].items():
            if int(status) >= 400 and (op_id, str(status)) not in REPORTS:
                assert list(answer["content"]) == ["application/problem+json"], (op_id, status)
                assert answer["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
        if method != "get":
            continue
        body = op["responses"].get(200, op["responses"].get("200", {})).get("content", {})
        shown = body.get("application/json", {}).get("schema", {})
        if shown.get("type") == "array":
            assert op_id in BOUNDED, f"{op_id}: a list answered whole; page it or state its bound in BOUNDED"
        ref = shown.get("$ref", "")
        if ref and set(defs[ref.rsplit("/", 1)[-1]].get("properties", {})) == {"items", "count"}:
            params = {p["name"] for p in op.get("parameters", [])}
            assert {"limit", "offset"} <= params, op_id


def test_the_new_operations_carry_examples() -> None:
    """The description shows an integrator what to send: the bodies of the operations added for
    parity carry examples of their key fields."""
    defs = _schema()["components"]["schemas"]
    for name, field in (
        ("ProgrammeCreateIn", "template"),
        ("WaveIn", "kind"),
        ("AgreementIn", "number"),
    ):
        assert defs[name]["properties"][field].get("examples"), (name, field)


def test_the_descriptions_choices_are_the_models() -> None:
    """The bodies list their choices (a client generator makes them enums); they are the models'
    own, so that a choice added to a model and not to the API fails here."""
    from shnor.programmes.models import Activity, Wave
    from shnor.registry.models import Municipality
    from shnor.staff.models import Offer
    from shnor.support.models import Event, Pairing

    defs = _schema()["components"]["schemas"]

    def choices(schema: str, field: str) -> list[str]:
        prop = defs[schema]["properties"][field]
        options = prop.get("anyOf", [prop])
        return next(o["enum"] for o in options if "enum" in o)

    overdue = Activity.Status.OVERDUE  # marked by the system itself, never sent
    assert choices("ActivityPatch", "status") == [v for v in Activity.Status.values if v != overdue]
    assert choices("WaveIn", "kind") == Wave.Kind.values
    assert choices("EventIn", "kind") == Event.Kind.values
    assert choices("EventIn", "level") == Event.Level.values
    assert choices("PairFormIn", "form") == Pairing.Form.values
    assert choices("MunicipalityIn", "kind") == Municipality.Kind.values
    assert choices("MunicipalityPatch", "kind") == Municipality.Kind.values
    assert choices("OfferIn", "kind") == Offer.Kind.values
