"""Preparing a data folder: database schema, static files, the region of the chosen preset."""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from shnor.audit.context import Acting, acting_as
from shnor.core.presets import Preset
from shnor.presets import load
from shnor.registry.models import Region


def migrate(verbosity: int = 0) -> None:
    call_command("migrate", interactive=False, verbosity=verbosity)


def collect_static() -> None:
    # Source maps and Plotly's Jupyter widget bundle are never served: not copied, not compressed.
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["*.map", "widgetbundle.js"])


def initialise(preset_ref: str, *, region_code: str = "", region_name: str = "") -> tuple[Region, Preset]:
    """Create the schema and the region; idempotent: a second call changes nothing but the preset."""
    preset, text = load(preset_ref)
    migrate()
    collect_static()
    settings.DATA_DIR.joinpath("preset.yaml").write_text(text, encoding="utf-8")
    with acting_as(Acting(None, "cli", label="shnor init")), transaction.atomic():
        region = Region.objects.order_by("pk").first()
        if region is None:
            region = Region.objects.create(
                code=region_code or "REGION",
                name=region_name or settings.SHNOR_REGION_NAME or preset.region,
                preset=preset.name,
            )
        elif region.preset != preset.name:
            region.preset = preset.name
            region.save()
    return region, preset


def is_initialised() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())
