"""Named places where a fault test stops the process in the middle of its work.

With ``SHNOR_FAILPOINT=<name>`` (or ``<name>:n=<k>`` for its k-th pass) the process, on reaching that
place, writes ``shnor failpoint <name> <pid>`` to its standard error and waits for a signal, for the
test to kill it with SIGKILL and check that nothing was half-written and that the work can be done
again (tests/app/test_faults.py). Without the variable a failpoint is one dictionary lookup. The names
are listed in docs/reliability.md.
"""

from __future__ import annotations

import os
import signal
import sys

_passes: dict[str, int] = {}


def hit(name: str) -> None:
    wanted = os.environ.get("SHNOR_FAILPOINT")
    if not wanted or not wanted.startswith(name):
        return
    _passes[name] = _passes.get(name, 0) + 1
    point, _, nth = wanted.partition(":n=")
    if point != name or (nth and int(nth) != _passes[name]):
        return
    print(f"shnor failpoint {name} {os.getpid()}", file=sys.stderr, flush=True)
    while True:
        signal.pause()
