"""Named places where a fault test stops the process in the middle of its work.

With ``SHNOR_FAILPOINT=<name>`` (or ``<name>:<n>`` for its n-th pass) the process, on reaching that
place, writes its pid to ``SHNOR_FAILPOINT_FILE`` and sleeps, for the test to kill it with SIGKILL and
check that nothing was half-written and that the work can be done again (tests/app/test_faults.py).
Without the variable a failpoint is one dictionary lookup. The names are listed in docs/reliability.md.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_passes: dict[str, int] = {}


def hit(name: str) -> None:
    wanted = os.environ.get("SHNOR_FAILPOINT")
    if not wanted or not wanted.startswith(name):
        return
    _passes[name] = _passes.get(name, 0) + 1
    point, _, nth = wanted.partition(":n=")
    if point != name or (nth and int(nth) != _passes[name]):
        return
    signal = os.environ.get("SHNOR_FAILPOINT_FILE")
    if signal:
        Path(signal).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(3600)
