"""Use cases of the registry: reading within scope and editing with permission checks.

Web views, API endpoints and CLI commands call these functions and hold no rule of their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from shnor.accounts.actor import Actor
from shnor.accounts.roles import Perm
from shnor.accounts.scoping import restrict, scope_of
from shnor.accounts.services import require
from shnor.audit.tracking import record
from shnor.core.presets import DEFAULT, Preset, PresetError
from shnor.lib.memo import Memo
from shnor.presets import load
from shnor.registry.models import InfrastructureBody, Municipality, Person, Region, School


def preset_in_force() -> tuple[Preset, str]:
    """The preset the region works by, with its text: the data folder's `preset.yaml` if the operator
    put one there (docs/guide/settings.md), else the region's named preset."""
    path = settings.DATA_DIR / "preset.yaml"
    if path.exists():
        return load(str(path))
    region = Region.objects.first()
    return load(region.preset if region and region.preset else DEFAULT)


def preset_stamp() -> int | None:
    """When the data folder's `preset.yaml` last changed (None without one): part of the key of what
    is kept per data version and computed by the preset's rules, since the file is not data."""
    path = settings.DATA_DIR / "preset.yaml"
    return path.stat().st_mtime_ns if path.exists() else None


def preset() -> Preset:
    return preset_in_force()[0]


def region_name() -> str:
    """The region's own name (`shnor init`, the demo), else its preset's region."""
    region = Region.objects.order_by("pk").first()
    return region.name.strip() if region is not None and region.name.strip() else preset().region


def preset_behind() -> str:
    """The built-in preset's version when the data folder's copy of a preset of the same name is of
    another version (written by `shnor init` of an earlier release: it lacks what the act's newer
    preset carries, such as its calendar); empty otherwise."""
    path = settings.DATA_DIR / "preset.yaml"
    if not path.exists():
        return ""
    current = preset_in_force()[0]
    try:
        shipped = load(current.name)[0]
    except PresetError:
        return ""  # the region's own preset, not one of the built-in ones
    return shipped.version if shipped.version != current.version else ""


def journal(changes: dict[str, Any]) -> None:
    """One journal entry about the region's data as a whole (a build of risk profiles, a restore), kept
    on the region; nothing before `shnor init` has made one."""
    region = Region.objects.order_by("pk").first()
    if region is not None:
        record(region, "update", changes)


def schools(user: Actor) -> QuerySet[School]:
    return restrict(School.objects.select_related("municipality", "parent"), user)


def municipalities(user: Actor) -> QuerySet[Municipality]:
    return restrict(Municipality.objects.select_related("region"), user)


# Kept per scope until the data change: the home page's totals over every school, and the
# municipality filters of the list pages (1,000 municipalities of a country).
_SUMMARIES = Memo(size=64)


def municipality_choices(user: Actor) -> list[tuple[int, str]]:
    """(pk, name) of the municipalities in scope, for filters: kept until the data change."""
    return list(
        _SUMMARIES.get(("municipalities", scope_of(user)), lambda: list(municipalities(user).values_list("pk", "name")))
    )


def municipalities_with_counts(user: Actor) -> QuerySet[Municipality]:
    """Municipalities in scope with `n_schools` and `n_pupils` counted over the schools in scope only.

    Counting the relation directly would show a school user the size of its whole municipality.
    """
    visible = schools(user).filter(municipality=OuterRef("pk")).order_by().values("municipality")
    return municipalities(user).annotate(
        n_schools=Coalesce(Subquery(visible.annotate(n=Count("pk")).values("n")), 0),
        n_pupils=Coalesce(Subquery(visible.annotate(n=Sum("enrollment")).values("n")), 0),
    )


def bodies(user: Actor) -> QuerySet[InfrastructureBody]:
    return restrict(InfrastructureBody.objects.select_related("municipality", "school"), user)


def people(user: Actor) -> QuerySet[Person]:
    return restrict(Person.objects.select_related("municipality", "school"), user)


def regions(user: Actor) -> QuerySet[Region]:
    return restrict(Region.objects.all(), user)


def filter_schools(
    qs: QuerySet[School],
    *,
    q: str = "",
    municipality: int | None = None,
    locality: str = "",
    innovation_site: bool | None = None,
    small: bool | None = None,
) -> QuerySet[School]:
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(school_id__icontains=q))
    if municipality:
        qs = qs.filter(municipality_id=municipality)
    if locality:
        qs = qs.filter(locality=locality)
    if innovation_site is not None:
        qs = qs.filter(innovation_site=innovation_site)
    if small is not None:
        qs = qs.filter(enrollment__lt=40) if small else qs.filter(enrollment__gte=40)
    return qs


def summary(user: Actor) -> dict[str, Any]:
    """Figures for the home page of `user`'s scope."""
    return dict(_SUMMARIES.get(("summary", scope_of(user)), lambda: _summary(user)))


def _summary(user: Actor) -> dict[str, Any]:
    visible = schools(user).filter(is_active=True)
    totals = visible.aggregate(
        schools=Count("pk"),
        pupils=Sum("enrollment"),
        rural=Count("pk", filter=Q(locality=School.Locality.RURAL)),
        small=Count("pk", filter=Q(enrollment__lt=40)),
        branches=Count("pk", filter=Q(parent__isnull=False)),
        innovation=Count("pk", filter=Q(innovation_site=True)),
    )
    return {
        "scope": scope_of(user).describe(),
        "municipalities": municipalities(user).count(),
        "bodies": bodies(user).filter(is_active=True).count(),
        **{k: v or 0 for k, v in totals.items()},
    }


def can_edit_school(user: Actor) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_shnor_perm(Perm.MANAGE_REGISTRY))


def can_edit_local(user: Actor, obj: InfrastructureBody | Person | None = None) -> bool:
    """Whether `user` may edit `obj` of the local structure (or create one, when obj is None).

    The operator edits everything; a municipal coordinator edits the bodies and people of their
    own municipality only, and attaches them to a school of that municipality only (before issue
    20 a coordinator could bind its body or person to another district's school by its id).
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_shnor_perm(Perm.MANAGE_REGISTRY):
        return True
    if not user.has_shnor_perm(Perm.MANAGE_LOCAL_BODIES) or user.municipality_id is None:
        return False
    if obj is None:
        return True
    own_school = (
        obj.school_id is None or School.objects.filter(pk=obj.school_id, municipality_id=user.municipality_id).exists()
    )
    return obj.municipality_id == user.municipality_id and own_school


@transaction.atomic
def save_school(user: Actor, school: School) -> School:
    require(user, Perm.MANAGE_REGISTRY)
    school.full_clean()
    school.save()
    return school


@transaction.atomic
def save_municipality(user: Actor, municipality: Municipality) -> Municipality:
    require(user, Perm.MANAGE_REGISTRY)
    municipality.full_clean()
    municipality.save()
    return municipality


def _check_local(user: Actor, obj: InfrastructureBody | Person) -> None:
    """Both the stored row and the edited one must be within what `user` may edit."""
    original = type(obj).objects.filter(pk=obj.pk).first() if obj.pk else None
    if not can_edit_local(user, original) or not can_edit_local(user, obj):
        raise PermissionDenied(
            "Недостаточно прав: муниципальный координатор ведёт только структуры своего муниципалитета."
        )


@transaction.atomic
def save_body(user: Actor, body: InfrastructureBody) -> InfrastructureBody:
    _check_local(user, body)
    body.full_clean()
    body.save()
    return body


@transaction.atomic
def save_person(user: Actor, person: Person) -> Person:
    _check_local(user, person)
    person.full_clean()
    person.save()
    return person
