"""PDF copies of generated DOCX documents through LibreOffice headless — the same rendering a
person gets opening the file in LibreOffice Writer, so the copy matches the form (including a
region's own template), offline. Debian package: libreoffice-writer-nogui."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path


class ConversionError(Exception):
    """LibreOffice is missing or could not convert a document (message in Russian)."""


def soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise ConversionError(
        "LibreOffice не установлен: PDF-копии недоступны (Debian / Astra Linux: apt-get install "
        "libreoffice-writer-nogui). Документ DOCX можно скачать и открыть в редакторе."
    )


def to_pdf_many(files: Sequence[Path], timeout: int = 300) -> dict[Path, bytes]:
    """Convert DOCX files in one LibreOffice run; every file must yield a non-empty PDF."""
    if not files:
        return {}
    binary = soffice()
    with tempfile.TemporaryDirectory(prefix="shnor-lo-") as tmp:
        out = Path(tmp) / "out"
        profile = Path(tmp) / "profile"
        command = [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *[str(f) for f in files],
        ]
        env = {**os.environ, "HOME": tmp, "SAL_USE_VCLPLUGIN": "svp"}
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, env=env, check=False)  # noqa: S603  (fixed arguments)
        except subprocess.TimeoutExpired as error:
            raise ConversionError(f"LibreOffice не завершил преобразование за {timeout} с.") from error
        result: dict[Path, bytes] = {}
        for f in files:
            pdf = out / (f.stem + ".pdf")
            if not pdf.exists() or pdf.stat().st_size == 0:
                detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
                raise ConversionError(f"LibreOffice не смог преобразовать «{f.name}» в PDF. {detail}".strip())
            result[f] = pdf.read_bytes()
        return result


def to_pdf(content: bytes, name: str = "document.docx", cache: Path | None = None) -> bytes:
    """One DOCX (as bytes) to PDF (as bytes); made once per version when `cache` names a folder
    (shnor.documents.cache)."""
    from shnor.documents.cache import cached

    def make() -> bytes:
        with tempfile.TemporaryDirectory(prefix="shnor-docx-") as tmp:
            path = Path(tmp) / (Path(name).stem or "document")
            path = path.with_suffix(".docx")
            path.write_bytes(content)
            return to_pdf_many([path])[path]

    return cached(cache, content, make)
