"""The cycle's documents: who reads which, the file as DOCX or PDF, the reports on the effect of measures."""

from __future__ import annotations

from django.db.models import QuerySet

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.cycle.services.common import CycleError, region_wide
from shnor.cycle.services.meeting import meetings
from shnor.cycle.services.recommendation import recommendations
from shnor.documents.cache import pdf_folder
from shnor.records.models import Document
from shnor.records.services import decisions, sees_whole


def can_read_document(user: Actor, document: Document) -> bool:
    """A document is read by whoever may read what it belongs to."""
    if not getattr(user, "is_authenticated", False):
        return False
    if document.decision_id:
        decision = decisions(user).filter(pk=document.decision_id).first()
        return decision is not None and sees_whole(user, decision)
    if document.recommendation_id:
        return recommendations(user).filter(pk=document.recommendation_id).exists()
    if document.meeting_id:
        return meetings(user).filter(pk=document.meeting_id).exists()
    return region_wide(user) or user.has_shnor_perm(Perm.MANAGE_CYCLE)


def get_document(user: Actor, pk: int) -> Document:
    document = Document.objects.get(pk=pk)
    if not can_read_document(user, document):
        raise Document.DoesNotExist
    return document


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_file(user: Actor, pk: int, fmt: str = "docx") -> tuple[bytes, str, str]:
    """A document as (content, content type, file name): the stored DOCX, or its PDF copy made
    by LibreOffice (a refusal with the reason when LibreOffice is missing)."""
    from shnor.documents import convert

    document = get_document(user, pk)
    with document.file.open("rb") as f:
        content = f.read()
    if fmt != "pdf":
        return content, DOCX, f"{document.title}.docx"
    try:
        pdf = convert.to_pdf(content, f"document-{document.pk}.docx", cache=pdf_folder())
        return pdf, "application/pdf", f"{document.title}.pdf"
    except convert.ConversionError as error:
        raise CycleError(str(error)) from error


def effect_reports(user: Actor, limit: int = 10) -> QuerySet[Document]:
    """The latest reports on the effectiveness of measures (kept for the keepers of the cycle)."""
    if not user.has_shnor_perm(Perm.MANAGE_CYCLE):
        return Document.objects.none()
    return Document.objects.filter(kind=Document.Kind.EFFECT_REPORT).order_by("-created_at")[:limit]
