"""The JSON API at /api/ with OpenAPI docs at /api/docs: one module per resource (its routers), its
schemas in `shnor.api.schemas.<resource>`. The routers are mounted in the order of the docs' sections."""

from __future__ import annotations

from ninja import Swagger

from shnor import __version__
from shnor.api import (
    audit,
    decisions,
    errors,
    goals,
    identification,
    imports,
    indicators,
    me,
    measures,
    meetings,
    network,
    programmes,
    recommendations,
    registry,
    results,
    risks,
    staff,
    support,
)
from shnor.api.auth import SessionAuth, TokenAuth, docs_access
from shnor.api.openapi import DescribedAPI


class Docs(Swagger):
    """Ninja's Swagger page (vendored, no CDN) with the page's language set, as every page of the site."""

    template = "api/swagger.html"


api = DescribedAPI(
    title="shnor API",
    version=__version__,
    description="API системы работы со школами с низкими образовательными результатами и школами, "
    "функционирующими в неблагоприятных социальных условиях. Область доступа та же, что в веб-интерфейсе.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs=Docs(),
    docs_decorator=docs_access,  # for the system's users (a session or a token), not for anyone passing by
)
errors.install(api)
api.add_router("/me", me.me)
api.add_router("/municipalities", registry.municipalities)
api.add_router("/schools", registry.schools)
api.add_router("/bodies", registry.bodies)
api.add_router("/people", registry.people)
api.add_router("/audit", audit.audit_log)
api.add_router("/imports", imports.imports)
api.add_router("/templates", imports.templates)
api.add_router("/mappings", imports.mappings)
api.add_router("/identification/runs", identification.runs)
api.add_router("/risks/profiles", risks.profiles)
api.add_router("/risks/questionnaires", risks.questionnaires)
api.add_router("/programmes/exit", programmes.exits)
api.add_router("/programmes", programmes.programmes)
api.add_router("/support/curators", support.curators)
api.add_router("/support", support.matching)
api.add_router("/support", support.pairs)
api.add_router("/support", network.network)
api.add_router("/support/events", network.events)
api.add_router("/support/practices", network.practices)
api.add_router("/teachers", staff.teachers)
api.add_router("/indicators", indicators.indicators)
api.add_router("/monitoring", indicators.monitoring)
api.add_router("/cycle", goals.goals)
api.add_router("/recommendations", recommendations.recommendations)
api.add_router("/measures", measures.measures)
api.add_router("/decisions", decisions.decisions)
api.add_router("/meetings", meetings.meetings)
api.add_router("", results.results)
