"""Log lines for systemd's journal: under a unit (systemd sets JOURNAL_STREAM) each line begins
with its syslog priority, «<3>», which the journal reads, so that `journalctl -u shnor-web -p warning`
shows the warnings and errors; the journal adds the time, the unit and the process itself."""

from __future__ import annotations

import logging
import os

# Python's levels as syslog priorities (RFC 5424: 3 error, 4 warning, 6 informational, 7 debug).
PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def under_systemd() -> bool:
    """Whether standard error is the journal's stream: systemd names it «device:inode» in
    JOURNAL_STREAM, which a child whose output goes elsewhere (a terminal, a pipe) inherits too."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        stream = os.fstat(2)
        return (stream.st_dev, stream.st_ino) == (int(device), int(inode))
    except (OSError, ValueError):
        return False


def priority(level: int) -> int:
    for threshold in sorted(PRIORITY, reverse=True):
        if level >= threshold:
            return PRIORITY[threshold]
    return 7


class Formatter(logging.Formatter):
    """«<4>shnor.web: message»; every line of a traceback carries the same priority."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines() or [""])


def gunicorn_logging(level: str = "INFO") -> dict[str, object]:
    """gunicorn's own lines (its processes, the access log) with the same priorities. `level`
    (SHNOR_LOG_LEVEL) holds for the application and the access log; gunicorn's own start, stop and
    crash lines are always written."""
    handler = {"class": "logging.StreamHandler", "formatter": "journal"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"journal": {"()": "shnor.lib.journal.Formatter"}},
        "handlers": {
            "error_console": {**handler, "stream": "ext://sys.stderr"},
            "console": {**handler, "stream": "ext://sys.stdout"},
        },
        "root": {"level": level, "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": level, "handlers": ["console"], "propagate": False},
        },
    }
