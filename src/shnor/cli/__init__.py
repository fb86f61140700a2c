"""The `shnor` command: setting up a data folder, the demo region, the server and accounts, imports,
the analysis, backups (docs/guide/cli.md). One module per group of commands.

Every command takes --data-dir (default $SHNOR_DATA_DIR, then ./data) and calls the same
services as the web interface; nothing here holds a rule of its own.
"""

from __future__ import annotations

# Each module registers its commands; `shnor --help` lists them in this order.
# isort: off
from shnor.cli import setup, tokens, data, analysis, backups  # noqa: F401

# isort: on
from shnor.cli.base import app, imports_app, mapping_app, token_app

__all__ = ["app", "imports_app", "main", "mapping_app", "token_app"]


def main() -> None:
    app(prog_name="shnor")
