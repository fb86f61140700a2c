"""The JSON API at /api/ with OpenAPI docs at /api/docs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI, Swagger

from shnor import __version__
from shnor.api import cycle, errors, identification, imports, network, programmes, routers
from shnor.api.auth import SessionAuth, TokenAuth


class Docs(Swagger):
    """Ninja's Swagger page (vendored, no CDN) with the page's language set, as every page of the site."""

    template = "api/swagger.html"


api = NinjaAPI(
    title="shnor API",
    version=__version__,
    description="API системы работы со школами с низкими образовательными результатами и школами, "
    "функционирующими в неблагоприятных социальных условиях. Область доступа та же, что в веб-интерфейсе.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs=Docs(),
    docs_decorator=login_required,  # the description is for the system's users, not for anyone passing by
)
errors.install(api)
api.add_router("/me", routers.me)
api.add_router("/municipalities", routers.municipalities)
api.add_router("/schools", routers.schools)
api.add_router("/bodies", routers.bodies)
api.add_router("/people", routers.people)
api.add_router("/audit", routers.audit_log)
api.add_router("/imports", imports.imports)
api.add_router("/templates", imports.templates)
api.add_router("/mappings", imports.mappings)
api.add_router("/identification/runs", identification.runs)
api.add_router("/risks/profiles", programmes.profiles)
api.add_router("/programmes", programmes.programmes)
api.add_router("/support/curators", network.curators)
api.add_router("/support", network.matching)
api.add_router("/support", network.pairs)
api.add_router("/teachers", network.teachers)
api.add_router("/indicators", cycle.indicators)
api.add_router("/cycle", cycle.goals)
api.add_router("/recommendations", cycle.recommendations)
api.add_router("/measures", cycle.measures)
api.add_router("/decisions", cycle.decisions)
api.add_router("/meetings", cycle.meetings)
api.add_router("", cycle.results)
