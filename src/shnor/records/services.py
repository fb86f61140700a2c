"""Use cases of the records: storing a generated document, and the name of the authority that issues it.

A document is a row and a file. `store_document` (and `save_with_file`, for other rows with a
generated file, such as a support agreement) writes both or neither; inside `keeping()` (a
transaction) the files saved in it are removed again if the transaction fails, so a refused approval
or a failed order leaves no stray file in the media folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.fields.files import FieldFile

from shnor.accounts.actor import Actor
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import account
from shnor.core.presets import Preset
from shnor.documents.common import sha256
from shnor.records.models import Decision, Document
from shnor.registry.models import Municipality, Region, School

_written: ContextVar[list[FieldFile] | None] = ContextVar("shnor_records_written", default=None)


@contextmanager
def keeping() -> Iterator[None]:
    """A transaction whose files saved through `save_with_file` stay only if it commits."""
    outer = _written.get()
    written: list[FieldFile] = []
    token = _written.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for file in written:
            file.delete(save=False)
        raise
    finally:
        _written.reset(token)
    if outer is not None:  # an enclosing keeping() may still fail: its clean-up covers these too
        outer.extend(written)


def save_with_file(instance: Model, field: str, name: str, content: bytes) -> None:
    """Save a row with its generated file: both or neither (and neither if an enclosing `keeping()`
    fails later)."""
    file: FieldFile = getattr(instance, field)
    with keeping():
        file.save(name, ContentFile(content), save=False)
        written = _written.get()
        assert written is not None  # set by keeping()
        written.append(file)
        instance.save()


def store_document(
    kind: str,
    title: str,
    content: bytes,
    name: str,
    user: Actor | None,
    *,
    year: int | None = None,
    **owner: Any,
) -> Document:
    """Save a generated document (its file under `name`) owned by a decision, a recommendation or a
    meeting (`owner`); `user` is who made it (None: no account, as for the command line)."""
    document = Document(
        kind=kind,
        title=title,
        sha256=sha256(content),
        size=len(content),
        created_by=account(user) if user is not None else None,
        year=year,
        **owner,
    )
    save_with_file(document, "file", name, content)
    return document


def authority(preset: Preset, municipality: Municipality | None = None) -> str:
    """Who issues a document: the municipality's education authority for a municipal act; else the
    authority the region's requisites name; else the preset's authority (every shipped preset names
    it: «Комитет образования, науки и молодёжной политики Волгоградской области» and the like) when
    the region is the preset's own; else a neutral title with the region's name."""
    if municipality is not None:
        return f"Орган управления образованием: {municipality.name}"
    region = Region.objects.order_by("pk").first()
    if region is not None and region.authority.strip():
        return region.authority.strip()
    name = region.name.strip() if region is not None else ""
    if preset.authority and name in ("", preset.region):
        return preset.authority
    return f"Орган управления образованием: {name or preset.region}"


def signature(given: str = "", municipality: Municipality | None = None) -> tuple[str, str]:
    """Who signs a document: (position, initials and surname). What the person approving typed wins
    (as one text); else, for the region's own documents, the region's requisites; else
    «Руководитель» with no name."""
    if given.strip():
        return given.strip(), ""
    region = Region.objects.order_by("pk").first() if municipality is None else None
    if region is None or not (region.head_title.strip() or region.head_name.strip()):
        return "Руководитель", ""
    return region.head_title.strip() or "Руководитель", region.head_name.strip()


def executor() -> str:
    """The executor's mark of the region's documents («Исполнитель: …, тел. …»), empty when the
    region's requisites name none."""
    region = Region.objects.order_by("pk").first()
    if region is None or not region.executor.strip():
        return ""
    contacts = f", {region.executor_contacts.strip()}" if region.executor_contacts.strip() else ""
    return f"Исполнитель: {region.executor.strip()}{contacts}"


# --- who reads which act (docs/security.md, «Official acts») --------------------------------------


def decisions(user: Actor, year: int | None = None) -> QuerySet[Decision]:
    """The official acts a user may open (docs/security.md, «Official acts»): the region-wide
    roles every act; a municipal coordinator the acts of its municipality and the region's acts
    that name one of its schools or no school at all; a school head or a curator school the acts
    that name a school it sees, or none; a teacher none (a teacher's view is their own record and
    the school's general information). What of an act is shown is `sees_whole` / `named_schools`."""
    scope = scope_of(user)
    qs = Decision.objects.prefetch_related("documents")
    if not scope.region_wide:
        if scope.staff_key or not getattr(user, "is_authenticated", False):
            return qs.none()
        schools = restrict(School.objects.all(), user)
        # A municipality's own acts, whole, to the municipality's coordinator (and observer); to a
        # school or a curator, like the region's acts: those naming one of its schools, or none.
        local = restrict(Municipality.objects.all(), user)
        named = Q(schools__in=schools) | Q(schools=None)
        qs = qs.filter(
            Q(municipality_id__in=scope.municipality_ids)
            | (Q(municipality=None) & named)
            | (Q(municipality__in=local) & named)
        ).distinct()
    return qs.filter(date__year=year) if year else qs


def get_decision(user: Actor, pk: int) -> Decision:
    return decisions(user).get(pk=pk)


def sees_whole(user: Actor, decision: Decision) -> bool:
    """Whether the user reads the whole act — every school it names and its documents (the order,
    the analytical note): the region-wide roles; a municipality's act also its coordinator. Others
    see the act's card with the schools of their own scope only (an extract), not its documents,
    which name schools and districts outside it."""
    scope = scope_of(user)
    if scope.region_wide:
        return True
    return decision.municipality_id is not None and decision.municipality_id in scope.municipality_ids


def named_schools(user: Actor, decision: Decision) -> list[School]:
    """The schools of the act the user may see: all of them for whoever reads the whole act."""
    schools = list(decision.schools.all())
    if sees_whole(user, decision):
        return schools
    # The scope's own sets (registry.School's rule: the school itself or its municipality), so that
    # a list of decisions costs no query per decision.
    scope = scope_of(user)
    return [s for s in schools if s.pk in scope.school_ids or s.municipality_id in scope.municipality_ids]


def execution_status(decision: Decision, on: dt.date | None = None) -> str:
    return decision.execution_status(on)


def decision_document(user: Actor, pk: int) -> Document:
    """A document of a decision, for whoever reads that decision whole (else DoesNotExist)."""
    document = Document.objects.get(pk=pk, decision__isnull=False)
    decision = decisions(user).filter(pk=document.decision_id or 0).first()
    if decision is None or not sees_whole(user, decision):
        raise Document.DoesNotExist
    return document
