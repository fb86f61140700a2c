"""Static files storage: gzip copies only.

Brotli at its default (highest) quality took about 30 s per data folder on Plotly's 4.6 MB bundle
and the API docs' source maps, at every `shnor init`; gzip copies serve the same purpose on a
local network and take about a second.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedStaticFilesStorage


class StaticStorage(CompressedStaticFilesStorage):  # type: ignore[misc]  # whitenoise ships no types
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)
