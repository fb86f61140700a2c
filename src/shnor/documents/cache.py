"""PDF copies made once per version of their source and kept in the data folder.

A PDF copy of a DOCX takes LibreOffice about 1.5 s, of a risk profile WeasyPrint about as long;
before issue 20 both were made on every request, so twelve parallel downloads by one user held the
server for seconds (`/healthz` answered in 5.3 s). Now the copy is keyed by the SHA-256 of its
source (the DOCX bytes, or the printed HTML): a new version of a document is a new key, an
unchanged one is served from the folder. Concurrent requests for the same version wait for the one
that makes it (a lock file per key) instead of each starting LibreOffice. The folder keeps the
newest `KEEP` copies; older ones are made again if asked for.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

KEEP = 2000


def pdf_folder() -> Path:
    """The data folder's cache of PDF copies."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "cache" / "pdf"


def cached(folder: Path | None, source: bytes, make: Callable[[], bytes], suffix: str = ".pdf") -> bytes:
    """The copy of `source` made by `make()`, from `folder` when it was made before. Without a
    folder (the command line's one-off documents) it is made each time."""
    if folder is None:
        return make()
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(source).hexdigest()
    path = folder / f"{key}{suffix}"
    try:
        return path.read_bytes()
    except FileNotFoundError:  # not made yet, or pruned by another worker just now
        pass
    with open(folder / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first makes it; the others wait and read it
        try:
            try:
                return path.read_bytes()
            except FileNotFoundError:
                pass
            content = make()
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, path)  # never a half-written copy under the key
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    (folder / f"{key}.lock").unlink(missing_ok=True)
    _prune(folder, suffix)
    return content


def _prune(folder: Path, suffix: str) -> None:
    dated = []
    for copy in folder.glob(f"*{suffix}"):
        try:
            dated.append((copy.stat().st_mtime, copy))
        except FileNotFoundError:  # another worker pruned it meanwhile
            continue
    for _, old in sorted(dated)[:-KEEP]:
        old.unlink(missing_ok=True)
