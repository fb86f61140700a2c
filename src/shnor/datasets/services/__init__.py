"""The import use case, the same for the web page, the API and the CLI.

    create_run  — keep the file (checksum, format), refuse unreadable or personal-data files
    preview     — header matching and the first rows, nothing converted, nothing written
    execute     — read, convert and check every row; write only if there is no error:
                  a database table in one transaction, a columnar table by one manifest swap
    rollback    — put back what an import replaced
    recover     — after a crash: finish what was committed, mark the rest interrupted

One import runs at a time per data folder (a file lock), so recovery can tell a stale run from a
live one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from shnor.datasets.services.common import (
    ImportRefused,
    ProgressHook,
    Status,
    get_run,
    mappings_for,
    resolve_mapping,
    run_path,
    runs_for,
    save_mapping,
    store,
    table_of,
    uploads_dir,
)
from shnor.datasets.services.execution import (
    execute,
    recover,
    start,
)
from shnor.datasets.services.undo import (
    rollback,
)
from shnor.datasets.services.upload import (
    Preview,
    apply_mapping,
    checked_options,
    create_run,
    preview,
    safe_name,
    set_read_options,
)
from shnor.ingest.mapping import MappingError
from shnor.ingest.pipeline import STREAMED

__all__ = [
    "MappingError",
    "PermissionDenied",
    "STREAMED",
    "ImportRefused",
    "Preview",
    "ProgressHook",
    "Status",
    "apply_mapping",
    "checked_options",
    "create_run",
    "execute",
    "get_run",
    "mappings_for",
    "preview",
    "recover",
    "resolve_mapping",
    "rollback",
    "run_path",
    "runs_for",
    "safe_name",
    "save_mapping",
    "set_read_options",
    "start",
    "store",
    "table_of",
    "uploads_dir",
]
