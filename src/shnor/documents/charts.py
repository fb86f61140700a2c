"""Static charts for documents (PNG through matplotlib's Agg backend: no display, no network).
The web pages draw the same charts interactively with Plotly."""

from __future__ import annotations

import io
from collections.abc import Sequence

COLOURS = {
    "effective": "#2e7d32",
    "resilient": "#1565c0",
    "struggling": "#ef6c00",
    "deprived": "#c62828",
    "": "#9e9e9e",
}
LABELS = {
    "effective": "эффективные",
    "resilient": "резильентные",
    "struggling": "несправляющиеся",
    "deprived": "депривированные",
    "": "недостаточно данных",
}


def scatter_png(
    points: Sequence[tuple[float, float, str]],
    ior_threshold: float | None,
    isb_threshold: float | None,
    line: tuple[float, float] | None,
) -> bytes:
    """ИОР (y) against ИСБ (x), coloured by cluster, with the cut-offs and the expected line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    figure, axes = plt.subplots(figsize=(8, 5.5), dpi=150)
    for code, label in LABELS.items():
        xs = [p[0] for p in points if p[2] == code]
        ys = [p[1] for p in points if p[2] == code]
        if xs:
            axes.scatter(xs, ys, s=12, c=COLOURS[code], label=label, alpha=0.8)
    if ior_threshold is not None:
        axes.axhline(ior_threshold, color="#757575", linestyle="--", linewidth=1)
    if isb_threshold is not None:
        axes.axvline(isb_threshold, color="#757575", linestyle="--", linewidth=1)
    if line is not None and points:
        lo, hi = min(p[0] for p in points), max(p[0] for p in points)
        axes.plot(
            [lo, hi],
            [line[0] + line[1] * lo, line[0] + line[1] * hi],
            color="#424242",
            linewidth=1.2,
            label="ожидаемый уровень",
        )
    comma = FuncFormatter(lambda value, _: f"{value:.1f}".replace(".", ",").replace("-", "−"))
    axes.xaxis.set_major_formatter(comma)
    axes.yaxis.set_major_formatter(comma)
    axes.set_xlabel("ИСБ (больше — благоприятнее)")
    axes.set_ylabel("ИОР (больше — лучше)")
    axes.legend(fontsize=8, loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    plt.close(figure)
    return out.getvalue()
