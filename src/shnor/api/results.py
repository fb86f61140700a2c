"""The cycle's results over the API: the effect of measures and its report, the cycle's documents
(DOCX, PDF) and the year's evidence pack (ZIP) (the same services and scope as /cycle/).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from typing import Any

from django.http import HttpResponse
from ninja import Router, Status

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS, Id, Year
from shnor.api.schemas.documents import DocumentOut
from shnor.api.schemas.results import EffectOut
from shnor.cycle import effect as effect_service
from shnor.cycle import evidence
from shnor.cycle import services as cycle
from shnor.lib.lookup import attachment, or_404
from shnor.records.models import Document

results = Router(tags=["Эффективность и документы"])


@results.get(
    "/effect",
    response={200: EffectOut, **ERRORS},
    operation_id="effect_get",
    summary="Эффект мер: поддержанные школы против похожих неподдержанных (разность разностей)",
)
def effect_get(request: AuthedRequest, start: Year, end: Year) -> dict[str, Any]:
    analysis = effect_service.analyse(request.auth, start, end)
    e = analysis.estimate
    return {
        "start": start,
        "end": end,
        "verdict": effect_service.verdict(analysis),
        "effect": e.effect,
        "low": e.low,
        "high": e.high,
        "level": e.level,
        "significant": e.significant,
        "treated": e.treated,
        "controls": e.controls,
        "change_treated": e.change_treated,
        "change_controls": e.change_controls,
        "balance": analysis.balance(),
        "matches": [m.__dict__ for m in e.matches],
        "unmatched": e.unmatched,
    }


@results.post(
    "/effect/report",
    response={201: DocumentOut, **ERRORS},
    operation_id="effect_report",
    summary="Сформировать отчёт об эффективности для рабочей группы (DOCX)",
)
def effect_report(request: AuthedRequest, start: Year, end: Year) -> Status[Document]:
    return Status(201, effect_service.report(request.auth, start, end))


@results.get(
    "/documents/{document_id}",
    response={200: None, **ERRORS},
    operation_id="documents_get",
    summary="Документ цикла (DOCX)",
)
def documents_get(request: AuthedRequest, document_id: Id) -> HttpResponse:
    return attachment(*or_404(cycle.document_file, request.auth, document_id))


@results.get(
    "/documents/{document_id}/pdf",
    response={200: None, **ERRORS},
    operation_id="documents_pdf",
    summary="PDF-копия документа (LibreOffice)",
)
def documents_pdf(request: AuthedRequest, document_id: Id) -> HttpResponse:
    return attachment(*or_404(cycle.document_file, request.auth, document_id, "pdf"))


@results.get(
    "/evidence/{year}",
    response={200: None, **ERRORS},
    operation_id="evidence_get",
    summary="Доказательная база цикла за год (ZIP: девять разделов и опись)",
)
def evidence_get(request: AuthedRequest, year: Year) -> HttpResponse:
    return attachment(evidence.build(request.auth, year), "application/zip", f"evidence-{year}.zip")
