"""Django's JSON serialization with times to the microsecond, for the backup archive.

Django's own JSON encoder cuts times to the millisecond (``12:00:00.123456`` is written ``12:00:00.123``),
so a database dumped with it and loaded back is not the database that was dumped: every journal entry,
import and issued document would come back a few hundred microseconds earlier, and entries made within
one millisecond would lose their order. This format writes the whole value; Django's ``json``
deserializer reads it unchanged (``database.json.gz`` is loaded as plain ``json``).

Registered as the ``json-exact`` format in ``settings.SERIALIZATION_MODULES``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder

Deserializer = django_json.Deserializer


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, dt.time) and o.utcoffset() is None:
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # not in django-stubs
        self.json_kwargs["cls"] = ExactEncoder
