"""/api/audit: the journal of changes (the operator's).

No `from __future__ import annotations` here: django-ninja reads the annotations at import.
"""

from django.db.models import QuerySet
from ninja import Router
from ninja.pagination import paginate

from shnor.accounts.actor import AuthedRequest
from shnor.api.schemas import ERRORS_NO_CONFLICT, Pages
from shnor.api.schemas.audit import AuditOut
from shnor.audit import services as audit
from shnor.audit.models import AuditEntry

audit_log = Router(tags=["Журнал изменений"])


@audit_log.get(
    "",
    response={200: list[AuditOut], **ERRORS_NO_CONFLICT},
    operation_id="audit_list",
    summary="Журнал изменений (оператор)",
)
@paginate(Pages)
def audit_list(request: AuthedRequest, q: str = "", action: str = "", model: str = "") -> QuerySet[AuditEntry]:
    return audit.entries(request.auth, q=q, action=action, model=model)
