"""Sorted, filtered, paginated tables shared by every list page (full page or htmx partial)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar, cast

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from shnor.lib.memo import Memo

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str | None = None  # ORM field to order by; None = not sortable
    numeric: bool = False


# Row counts of list pages: a COUNT(*) over the region on every page view (40,000 schools on
# PostgreSQL: 3–8 ms), the same until the data change. Keyed by the query's own SQL, so each scope
# and filter has its own.
_COUNTS = Memo(size=256)


class CountingPaginator(Paginator[Any]):
    """Django's paginator, its row count kept per data version."""

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        assert isinstance(qs, QuerySet)
        try:
            sql, params = qs.order_by().query.sql_with_params()
        except EmptyResultSet:
            return 0
        return _COUNTS.get(("count", sql, tuple(map(repr, params))), qs.count)


def table(request: HttpRequest, qs: QuerySet[Model], columns: list[Column], default_sort: str) -> dict[str, Any]:
    """Apply ?sort= and ?page= to `qs` and return the template context of `web/_table.html`."""
    sortable = {c.key: c.sort for c in columns if c.sort}
    requested = request.GET.get("sort", default_sort)
    key = requested.lstrip("-")
    if key not in sortable:
        requested, key = default_sort, default_sort.lstrip("-")
    descending = requested.startswith("-")
    field = sortable[key]
    assert field is not None
    qs = qs.order_by(("-" if descending else "") + field, "pk")
    page = CountingPaginator(qs, settings.SHNOR_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("sort", None)
    base = params.urlencode()
    headers = []
    for column in columns:
        link = None
        state = ""
        if column.sort:
            if key == column.key:
                state = "descending" if descending else "ascending"
            next_sort = column.key if key != column.key or descending else "-" + column.key
            link = "?" + "&".join(p for p in (base, f"sort={next_sort}") if p)
        headers.append({"column": column, "link": link, "state": state})
    sort_q = f"sort={requested}"
    return {
        "page": page,
        "headers": headers,
        "page_query": "&".join(p for p in (base, sort_q) if p),
        "total": page.paginator.count,
    }


def is_partial(request: HttpRequest) -> bool:
    """An htmx request that only wants the table back."""
    return bool(getattr(request, "htmx", False)) and request.headers.get("HX-Target") == "table"


def paged(request: HttpRequest, rows: Any, size: int | None = None, param: str = "page") -> dict[str, Any]:
    """A page of `rows` (a query or a list) by ?page= (`SHNOR_PAGE_SIZE` rows, as every table), and the
    start of the other pages' links (the request's own filters kept), for `web/_pages.html`. A second
    paged table of the same page takes its own `param` (and the caller renames the context)."""
    from django.core.paginator import Paginator as Plain

    size = size or settings.SHNOR_PAGE_SIZE
    params = request.GET.copy()
    params.pop(param, None)
    query = params.urlencode()
    return {
        "page": Plain(rows, size).get_page(request.GET.get(param)),
        "page_prefix": f"?{query}&" if query else "?",
        "page_param": param,
    }


def total(rows: Sequence[T], **fixed: Any) -> T | None:
    """The «Итого» row of a table of dataclass rows: every whole-number field summed, the others
    as `fixed` gives them (a label, no key). None for a table of fewer than two rows, which needs
    none. Right where each row counts its own items once (a teacher in one municipality, a
    programme under one owner)."""
    if len(rows) < 2:
        return None
    first: Any = rows[0]  # a dataclass instance
    sums = {
        f.name: int(sum(getattr(r, f.name) for r in rows))
        for f in fields(first)
        if f.name not in fixed and _count(getattr(first, f.name))
    }
    return cast(T, replace(first, **sums, **fixed))


def _count(value: Any) -> bool:
    """A whole number a total adds up (numpy's too); not a yes/no."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
