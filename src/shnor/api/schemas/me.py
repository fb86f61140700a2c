"""The schemas of /api/me: the signed-in user and the scope of what they see.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

from ninja import Schema


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_label: str
    scope: str
    municipality_id: int | None
    school_id: int | None
