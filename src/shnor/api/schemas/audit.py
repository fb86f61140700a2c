"""The schemas of the audit log.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str = Field(..., alias="actor_repr")
    source: str
    action: str
    model: str = Field(..., alias="content_type.model")
    object_id: str
    object_repr: str
    changes: dict[str, Any]
