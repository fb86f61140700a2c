"""The probe of issue 20 as a test suite, on the demo region (helpers in tests/security/probe.py).

`make test` runs it with a bounded id sweep (SHNOR_PROBE_IDS, 6 ids per address); `make fuzz`
with every id up to 60. Each test prints its counts; with SHNOR_PROBE_COUNTS=<file> they are also
written there (docs/security.md quotes them).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.app.test_access_matrix import (  # noqa: F401  (the fixtures: the region, its files)
    _OPERATIONS,
    MATRIX,
    PERSONAS,
    REGION,
    Region,
    _changes,
    _operation,
    _sample,
    _send,
    _shared_files,
    _visible,
    region,
)
from tests.security.probe import Tally, foreign_marks, sign_in, text_of

pytestmark = pytest.mark.django_db

SCOPED = [p for p in PERSONAS if p not in REGION]
IDS = int(os.environ.get("SHNOR_PROBE_IDS", "6"))
COUNTS: dict[str, dict[str, int]] = {}


SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def _record(name: str, tally: Tally) -> None:
    """Print the counts, write them for `make fuzz`, and hold docs/security.md to them: its table
    gives this run's number of requests in the `make test` column (6 ids) and the `make fuzz` one."""
    COUNTS[name] = {"requests": tally.requests, "opened": tally.opened, "refused": tally.refused}
    print(f"{name}: {COUNTS[name]}")
    target = os.environ.get("SHNOR_PROBE_COUNTS")
    if target:
        Path(target).write_text(json.dumps(COUNTS, ensure_ascii=False, indent=1))
    row = re.search(rf"^\| {re.escape(name)}[^|]*\| ([\d ]+) \| ([\d ]+) \|", SECURITY_MD.read_text(), re.M)
    assert row is not None, f"docs/security.md has no row for «{name}»"
    column = {6: 1, 60: 2}.get(IDS)
    if column:
        assert int(row.group(column).replace(" ", "")) == tally.requests, (name, tally.requests)


def _allowed(user: Any) -> set[str]:
    """Names a role is meant to see though they lie outside its scope, each by a written rule:
    - a pair is seen from both ends (support/scopes.py): the supported school's people see the
      curator school, the curator school's see the school it supports, with their districts;
    - the bank of practices is the region's catalogue: a published practice names its school;
    - a municipality's structures are its schools' general information: a body names the school
      it works at;
    - a recommendation names up to three resilient schools of a similar social context to learn
      from (core.recommend, «Изучить практики резильентных школ»): a resilient school's name and
      that it is one are the region's example, not its secret."""
    from shnor.accounts.scoping import restrict
    from shnor.identification.models import SchoolResult
    from shnor.registry.models import InfrastructureBody
    from shnor.support.models import Pairing, Practice

    schools = []
    for pair in restrict(Pairing.objects.select_related("school__municipality", "curator__school__municipality"), user):
        schools += [pair.school, pair.curator.school]
    schools += [p.school for p in Practice.objects.filter(status="published").select_related("school__municipality")]
    schools += [b.school for b in restrict(InfrastructureBody.objects.select_related("school__municipality"), user)]
    schools += [
        r.school for r in SchoolResult.objects.filter(cluster="resilient").select_related("school__municipality")
    ]
    names: set[str] = set()
    for school in schools:
        if school is not None:
            names |= {school.name, school.school_id, school.municipality.name}
    return names


LISTED_TEACHER = "probe-teacher"  # a teacher of a listed school: its drill-downs list colleagues


@pytest.fixture(scope="module")
def listed_teacher(region: Region, django_db_blocker: Any) -> Any:
    """The demo's teacher works at a school that is not on the list, so no drill-down lists its
    colleagues; the probe adds a teacher account at a listed school that has several teachers."""
    from shnor.accounts.roles import Role
    from shnor.accounts.services import create_user
    from shnor.cycle import indicators
    from shnor.staff.models import StaffMember

    with django_db_blocker.unblock():
        _, listed = indicators.listed_run(2026)
        member = (
            StaffMember.objects.filter(school_id__in=listed, is_active=True)
            .order_by("school_id", "pk")
            .select_related("teacher")
            .first()
        )
        assert member is not None
        return create_user(
            LISTED_TEACHER,
            f"demo-{LISTED_TEACHER}-2026",
            Role.TEACHER,
            school_id=member.school_id,
            staff_key=member.teacher.staff_key,
            validate_password=False,
        )


@pytest.fixture(scope="module")
def clients(region: Region, listed_teacher: Any) -> dict[str, Any]:
    return {p: sign_in(p, f"demo-{p}-2026") for p in [*PERSONAS, LISTED_TEACHER]}


@pytest.fixture(scope="module")
def marks(region: Region, listed_teacher: Any) -> dict[str, Any]:
    users = {**region.users, LISTED_TEACHER: listed_teacher}
    return {p: foreign_marks(users[p], _allowed(users[p])) for p in [*SCOPED, LISTED_TEACHER]}


# ---- the response scan -------------------------------------------------------------------------


def _indicator_addresses(school: Any) -> list[str]:
    """Every indicator's drill-down at a school, on the page and in the API: where people are
    listed one by one."""
    from shnor.core.indicators import SYSTEM

    return [
        address
        for code in SYSTEM
        for address in (
            f"/api/indicators/{code}?" + urlencode({"year": 2026, "school_id": school.school_id}),
            f"/cycle/indicators/{code}/?" + urlencode({"year": 2026, "school": school.pk}),
        )
    ]


def scan(region: Region, clients: dict[str, Any], marks: dict[str, Any], personas: list[str]) -> Tally:
    """Every address of the matrix a scoped role may open, and every indicator drill-down, read as
    that role and searched for what it may not see."""
    tally = Tally()
    for persona in personas:
        client = clients[persona]
        role = "teacher" if persona == LISTED_TEACHER else persona  # the matrix's rights by role
        addresses: list[tuple[str, Any]] = []
        for name, entry in sorted(MATRIX.items()):
            if entry.method != "GET" or entry.public or entry.leak_ok or role not in entry.who:
                continue
            if persona == role and _visible(persona, entry, "near"):
                addresses.append((name, entry))
        for name, entry in addresses:
            url = entry.url(region, region.near)
            _read(tally, persona, url, _send(client, name, entry, url, region, region.near), marks[persona])
        user = clients[persona].user
        for url in _indicator_addresses(user.school or region.near.school):
            _read(tally, persona, url, client.get(url), marks[persona])
    return tally


def _read(tally: Tally, persona: str, url: str, response: Any, found_in: Any) -> None:
    tally.requests += 1
    if response.status_code != 200:
        tally.refused += 1
        return
    tally.opened += 1
    found = found_in.found(text_of(response))
    if found:
        tally.findings.append(f"{persona} {url}: {', '.join(sorted(found)[:6])}")


def test_no_answer_names_what_the_role_may_not_see(
    region: Region, clients: dict[str, Any], marks: dict[str, Any]
) -> None:
    tally = scan(region, clients, marks, [*SCOPED, LISTED_TEACHER])
    _record("response scan", tally)
    assert tally.opened > 300
    assert not tally.findings, "\n".join(tally.findings)


def test_the_scan_catches_a_widened_drill_down(
    region: Region, clients: dict[str, Any], marks: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan itself tested: with the teacher's drill-down widened again to every colleague (as
    before issue 20), it reports the colleagues' codes."""
    from shnor.cycle import indicators

    monkeypatch.setattr(indicators, "visible_units", lambda user, value: list(value.units))
    indicators._MEMO.clear()
    tally = scan(region, clients, marks, [LISTED_TEACHER])
    assert any("педагог" in f and "/indicators/1.3.1" in f for f in tally.findings), tally.findings


# ---- the id sweep and the vertical sweep --------------------------------------------------------

_ID = re.compile(r"\{(\w+)\}")


def _detail_operations() -> Iterator[tuple[str, str, str]]:
    """(operation id, method, path) of every API operation whose path carries a numeric id."""
    _operation("schools_list")  # loads the description
    for name in list(_OPERATIONS):
        if name == "$defs":
            continue
        entry = MATRIX[name]
        path = entry.url.__closure__[0].cell_contents if entry.url.__closure__ else ""
        if isinstance(path, str) and _ID.search(path):
            yield name, entry.method, path


def test_the_id_sweep(region: Region, clients: dict[str, Any], marks: dict[str, Any]) -> None:
    """Each scoped role asks every API address with an id for ids 1…N, reading and writing: what it
    reads must not name what it may not see, a refusal writes nothing, a write leaves its journal
    entry, nothing answers 500."""
    from shnor.audit.versioning import is_domain_write

    tally = Tally()
    for persona in SCOPED:
        client = clients[persona]
        for name, method, path in _detail_operations():
            for n in range(1, IDS + 1):
                url = "/api" + _ID.sub(str(n), path, count=1)
                url = _ID.sub(lambda m: {"year": "2026"}.get(m.group(1), "1"), url)
                op = _operation(name)
                query = {p["name"]: 2026 for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")}
                url += ("?" + urlencode(query)) if query else ""
                connection.queries_log.clear()  # a long sweep would fill Django's query log
                with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                    response = _call(client, name, method, url)
                    transaction.set_rollback(True)
                tally.requests += 1
                if response.status_code >= 500:
                    tally.findings.append(f"{persona} {method} {url}: {response.status_code}")
                if response.status_code in (403, 404, 401, 405):
                    tally.refused += 1
                    if any(is_domain_write(q["sql"]) for q in queries):
                        tally.findings.append(f"{persona} {method} {url}: refused but wrote")
                    continue
                if method == "GET" and response.status_code == 200:
                    tally.opened += 1
                    found = marks[persona].found(text_of(response))
                    if found:
                        tally.findings.append(f"{persona} {url}: {', '.join(sorted(found)[:6])}")
                elif method != "GET" and response.status_code < 400:
                    # Rights that depend on the object (the addressee marks its recommendation read)
                    # are the matrix's to check, near and far; here: a write leaves its journal entry.
                    journalled = any(q["sql"].startswith('INSERT INTO "audit_auditentry"') for q in queries)
                    if _changes(q["sql"] for q in queries) and not journalled:
                        tally.findings.append(f"{persona} {method} {url}: wrote without a journal entry")
    _record("id sweep", tally)
    assert not tally.findings, "\n".join(tally.findings)


def _call(client: Any, name: str, method: str, url: str) -> Any:
    op = _operation(name)
    content = op.get("requestBody", {}).get("content", {})
    if method == "GET":
        return client.get(url)
    if "multipart/form-data" in content:
        return client.post(url, _sample(content["multipart/form-data"]["schema"], _OPERATIONS["$defs"]))
    body = _sample(content["application/json"]["schema"], _OPERATIONS["$defs"]) if content else {}
    return getattr(client, method.lower())(url, data=json.dumps(body), content_type="application/json")


# ---- foreign keys pointed outside the scope ------------------------------------------------------


def _values(side: Any) -> dict[str, tuple[Any, Any]]:
    """For each foreign-key name of the API's bodies and queries: (as an integer id, as a code)."""
    return {
        "school_id": (side.school.pk, side.school.school_id),
        "parent_id": (side.school.pk, side.school.pk),
        "municipality_id": (side.municipality.pk, side.municipality.pk),
        "municipality": (side.municipality.pk, side.municipality.pk),
        "target_id": (side.school.pk, side.school.pk),
        "person_id": (side.person.pk, side.person.pk),
        "curator_id": (side.curator.pk, side.curator.pk),
        "schools": ([side.school.school_id], [side.school.school_id]),
        "school_ids": ([side.school.school_id], [side.school.school_id]),
        "recommendations": ([side.recommendation.pk], [side.recommendation.pk]),
    }


def _value(prop: dict[str, Any], pair: tuple[Any, Any]) -> Any:
    as_int, as_code = pair
    text = json.dumps(prop)
    if isinstance(as_int, list):
        return as_int if '"integer"' in text else as_code
    return as_code if '"string"' in text else as_int


def _body_schema(name: str) -> dict[str, Any] | None:
    content = _operation(name).get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = content["application/json"]["schema"]
    if "$ref" in schema:
        schema = _OPERATIONS["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_every_write_with_a_foreign_key_outside_the_scope_is_refused(region: Region, clients: dict[str, Any]) -> None:
    """Every API write, by every scoped role, sent with the near object in its address, every
    foreign key of its body or query pointed at the near side's objects but one, pointed at the far
    school, municipality, person, curator or recommendation: refused, and nothing written. (Before
    issue 20 a school attached another district's teacher, a coordinator bound its body to
    another district's school.) The pages' forms call the same services, which hold these rules."""
    near_values, far_values = _values(region.near), _values(region.far)
    tally = Tally()
    tried: set[str] = set()
    for name, entry in sorted(MATRIX.items()):
        if ":" in name or entry.method == "GET":
            continue
        schema = _body_schema(name) or {"properties": {}}
        props = schema.get("properties", {})
        params = {p["name"]: p for p in _operation(name).get("parameters", []) if p["in"] == "query"}
        keys = [(k, "body") for k in props if k in far_values] + [(k, "query") for k in params if k in far_values]
        for key, where in keys:
            for persona in SCOPED:
                url = entry.url(region, region.near)
                body = _sample(schema, _OPERATIONS["$defs"]) if props else {}
                body.update({k: v(region, region.near) if callable(v) else v for k, v in entry.data})
                body.update({k: _value(props[k], near_values[k]) for k in props if k in near_values})
                if "addressee" in props:
                    body["addressee"] = "school"
                query = {k: 2026 for k, p in params.items() if p.get("required")}
                if where == "body":
                    body[key] = _value(props[key], far_values[key])
                else:
                    query[key] = _value(params[key]["schema"], far_values[key])
                full = url + (("?" + urlencode(query)) if query else "")
                connection.queries_log.clear()  # a long sweep would fill Django's query log
                with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                    response = getattr(clients[persona], entry.method.lower())(
                        full, data=json.dumps(body), content_type="application/json"
                    )
                    transaction.set_rollback(True)
                tally.requests += 1
                tried.add(f"{name}.{key}")
                wrote = _changes(q["sql"] for q in queries)
                if response.status_code < 400 or response.status_code >= 500 or wrote:
                    tally.findings.append(
                        f"{persona} {entry.method} {full} {key}→far: {response.status_code}"
                        + (f", wrote {wrote}" if wrote else "")
                    )
                else:
                    tally.refused += 1
    _record("foreign-key sweep", tally)
    print(f"foreign keys tried: {len(tried)}: {sorted(tried)}")
    assert len(tried) >= 33
    operations = len({t.split(".")[0] for t in tried})
    assert f"foreign-key sweep ({len(tried)} keys of {operations} operations)" in SECURITY_MD.read_text()
    assert not tally.findings, "\n".join(tally.findings)


# ---- creates that could take over another level's object -----------------------------------------


def takeovers(region: Region, clients: dict[str, Any]) -> Tally:
    """Each create that can match an existing object, tried by a role of another level or school:
    the object must stay its holder's. Runs in a transaction that is rolled back."""
    from shnor.accounts.services import issue_token
    from shnor.cycle import services as cycle
    from shnor.cycle.models import Recommendation
    from shnor.staff.models import StaffMember

    tally = Tally()
    operator, near, far = region.users["operator"], region.near, region.far
    with transaction.atomic():
        # 1. The region's draft to the near school; the municipality drafts to it, one and all.
        Recommendation.objects.filter(year=2027, school=near.school).delete()
        held = cycle.draft(operator, 2027, "school", near.school.pk)
        held = cycle.edit(operator, held, title="Т", findings="", text="Текст региона", due=None, version=held.version)
        municipal = clients["municipal"]
        for method, path, body in (
            ("post", "/api/recommendations", {"year": 2027, "addressee": "school", "target_id": near.school.pk}),
            ("post", "/api/recommendations/draft-all?year=2027", {}),
        ):
            response = getattr(municipal, method)(path, data=json.dumps(body), content_type="application/json")
            tally.requests += 1
            held.refresh_from_db()
            if held.level != "region" or held.text != "Текст региона":
                tally.findings.append(
                    f"municipal {method.upper()} {path}: took the region's draft ({response.status_code})"
                )
            else:
                tally.refused += 1
        # 2. A school head enters the far school's teacher by its code.
        _, key = issue_token(region.users["school"], "probe")
        far_key = far.teacher.staff_key
        before = set(
            StaffMember.objects.filter(teacher=far.teacher, is_active=True).values_list("school_id", flat=True)
        )
        response = clients["school"].post(
            "/api/teachers",
            data=json.dumps({"school_id": near.school.school_id, "staff_key": far_key, "position": "учитель"}),
            content_type="application/json",
        )
        tally.requests += 1
        after = set(StaffMember.objects.filter(teacher=far.teacher, is_active=True).values_list("school_id", flat=True))
        if after != before or response.status_code < 400:
            tally.findings.append(f"school POST /api/teachers {far_key}: {response.status_code}, took the far teacher")
        else:
            tally.refused += 1
        transaction.set_rollback(True)
    return tally


def test_no_create_takes_over_another_levels_object(region: Region, clients: dict[str, Any]) -> None:
    tally = takeovers(region, clients)
    _record("takeovers", tally)
    assert not tally.findings, "\n".join(tally.findings)


def test_the_takeover_probe_catches_a_reintroduced_upsert(
    region: Region, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe itself tested: with the level check of drafting switched off (the upsert of
    before issue 20), it reports the municipality taking the region's draft."""
    from shnor.cycle.services import recommendation

    monkeypatch.setattr(recommendation, "_refuse_takeover", lambda existing, level, year: None)
    tally = takeovers(region, clients)
    assert any("took the region's draft" in f for f in tally.findings), tally.findings
