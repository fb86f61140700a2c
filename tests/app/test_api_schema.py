"""The API driven from its own description (issue 25): Schemathesis generates requests for every
operation of `/api/openapi.json`, each sent with the token of each of the seven roles, against the
demo region of the access matrix. Every answer must:

* not be a server error (5xx);
* carry a status code the description declares for that operation, with the declared content type;
* conform to the declared schema (a 200's body to its model, an error to the problem shape);
* be `application/problem+json` when it is an error.

Half of the cases name real objects: the path's ids are replaced by the near side's (the demo
director's school, its programme, pair, …), so the 200 answers on real data are checked against
their models, not only the 404s of random ids. Every writing case is rolled back: the region stays
as it was for the next case. `make test` runs a few cases per operation and role
(`SHNOR_SCHEMA_EXAMPLES`, 3 by default); `make fuzz` runs 100.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from shnor.accounts.services import issue_token
from tests.app.test_access_matrix import PERSONAS, Region, _shared_files, region
from tests.conftest import count_case

__all__ = ["_shared_files", "region"]  # the access matrix's demo region, built once for this module too

pytestmark = pytest.mark.django_db

# What the issue asks of every answer, and that a token's absence is not ignored. Not checked:
# «a schema-valid body is accepted» (positive_data_acceptance): the description bounds types and
# lengths, while choices, uniqueness and the domain's rules answer 409 or 422 with the reason.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]
# Errors answered with the refused object's own report (tests/app/test_api_parity.py REPORTS).
REPORTS = {("POST /api/imports", 422), ("POST /api/identification/runs", 422)}
EXAMPLES = int(os.environ.get("SHNOR_SCHEMA_EXAMPLES", "3"))

# The path's names → the near side's object (what the demo director's school sees).
REAL_IDS: dict[str, Any] = {
    "programme_id": lambda w: w.near.programme.pk,
    "activity_id": lambda w: w.near.activity.pk,
    "indicator_id": lambda w: w.near.indicator.pk,
    "evidence_id": lambda w: w.near.evidence.pk,
    "pair_id": lambda w: w.near.pair.pk,
    "consultation_id": lambda w: w.near.consultation.pk,
    "agreement_id": lambda w: w.near.agreement.pk,
    "curator_id": lambda w: w.near.curator.pk,
    "practice_id": lambda w: w.near.practice.pk,
    "teacher_id": lambda w: w.near.teacher.pk,
    "route_id": lambda w: w.near.route.pk,
    "item_id": lambda w: w.near.item.pk,
    "rec_id": lambda w: w.near.recommendation.pk,
    "link_id": lambda w: w.near.link.pk,
    "school_id": lambda w: w.near.school.school_id,
    "run_id": lambda w: w.run.pk,
    "sign_id": lambda w: w.sign_near.pk,
    "proposal_id": lambda w: w.proposal.pk,
    "decision_id": lambda w: w.decision.pk,
    "meeting_id": lambda w: w.meeting.pk,
    "document_id": lambda w: w.document.pk,
    "year": lambda w: w.near.year,
    "code": lambda w: "1.1",
}


def _schema() -> Any:
    from django.core.wsgi import get_wsgi_application

    from shnor.api.app import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = get_wsgi_application()
    return loaded


@pytest.fixture
def _requests_keep_the_connection() -> Iterator[None]:
    """A request through the WSGI handler closes the database connection when it ends; the test's
    transaction lives on that connection (Django's test client disconnects the same signals)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _operations() -> list[Any]:
    return [result.ok() for result in _schema().get_all_operations()]


def _real(case: Any, region: Region, use: bool) -> None:
    if not use:
        return
    for name in list(case.path_parameters or {}):
        if name in REAL_IDS and (value := REAL_IDS[name](region)) is not None:
            case.path_parameters[name] = value


def _first_line(error: BaseException) -> str:
    found = error.exceptions[0] if isinstance(error, BaseExceptionGroup) and error.exceptions else error
    return f"{type(found).__name__}: {str(found).strip().splitlines()[0] if str(found).strip() else ''}"[:300]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.usefixtures("_requests_keep_the_connection")
def test_every_operation_answers_as_its_description_says(region: Region, persona: str) -> None:
    _, key = issue_token(region.users[persona], "schemathesis")
    headers = {"Authorization": f"Bearer {key}"}
    failures: dict[str, str] = {}  # operation → its first failure (Hypothesis replays the failing case)
    for operation in _operations():

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # a failure is reported as found: no shrinking
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), real=st.booleans())
        def one(case: Any, real: bool) -> None:
            count_case(f"schemathesis: {persona}")
            try:
                _real(case, region, real)
                with transaction.atomic():
                    response = case.call(headers=headers)
                    transaction.set_rollback(True)
                case.validate_response(response, checks=CHECKS, headers=headers)
                if response.status_code >= 400 and (case.operation.label, response.status_code) not in REPORTS:
                    found = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
                    kind = found[0] if isinstance(found, list) else str(found)
                    assert kind.startswith("application/problem+json"), f"an error as {kind}"
            except (Exception, BaseExceptionGroup) as error:  # each operation's first failure is reported
                failures.setdefault(case.operation.label, _first_line(error))
                raise

        try:
            one()
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 — the next operation goes on
            failures.setdefault(operation.label, repr(error)[:300])  # raised outside the case (the strategy)
    assert failures == {}, "\n".join(f"{op} ({persona}): {why}" for op, why in failures.items())


def test_reliability_md_gives_the_campaigns_figures() -> None:
    """docs/reliability.md's figures of this campaign are this module's: operations, roles, cases."""
    from pathlib import Path

    text = " ".join((Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text().split())
    operations = len(_operations())
    assert f"every operation ({operations})" in text
    cases = f"{operations * len(PERSONAS) * 3:,}".replace(",", " ")
    assert f"3 cases per operation and role, {cases} per lane" in text
