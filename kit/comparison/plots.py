"""Plots of a comparison: each quality figure against seconds and against peak memory, per capability."""

from __future__ import annotations

import base64
import io

import polars as pl

MAX_FIGURES = 24  # per capability; the rest stay in the table
AXES = (("seconds", "wall seconds per run"), ("peak_mb", "peak kernel memory (MB)"))
COLOURS = {"ok": "#1d70b8", "failed": "#d4351c", "timeout": "#d4351c"}


def plotted(long: pl.DataFrame) -> pl.DataFrame:
    """The long table's numeric figures: the points the plots draw."""
    return long.filter(pl.col("figure").is_not_null() & pl.col("value").is_not_null())


def capability_figure(long: pl.DataFrame, capability: str):
    """A matplotlib Figure for one capability: a row per figure, a column each for seconds and memory."""
    from matplotlib.figure import Figure

    points = plotted(long).filter(pl.col("capability") == capability)
    names = list(dict.fromkeys(points["figure"].to_list()))[:MAX_FIGURES]
    if not names:
        return None
    fig = Figure(figsize=(10, 2.8 * len(names)), layout="constrained")
    axes = fig.subplots(len(names), 2, squeeze=False)
    for row, name in enumerate(names):
        rows = points.filter(pl.col("figure") == name)
        unit = next((u for u in rows["unit"].to_list() if u), "")
        for col, (x, xlabel) in enumerate(AXES):
            ax = axes[row][col]
            labels: dict[tuple, list[str]] = {}  # runs at the same point share one label
            for r in rows.filter(pl.col(x).is_not_null()).iter_rows(named=True):
                ok = r["status"] == "ok"
                ax.scatter(r[x], r["value"], color=COLOURS.get(r["status"], "#505a5f"), marker="o" if ok else "x")
                labels.setdefault((r[x], r["value"]), []).append(r["label"] if ok else f"{r['label']} ({r['status']})")
            for point, texts in labels.items():
                ax.annotate("; ".join(texts), point, fontsize=7, xytext=(4, 3), textcoords="offset points")
            ax.set_xlabel(xlabel, fontsize=8)
            ax.set_ylabel(f"{name} ({unit})" if unit else name, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.margins(0.25)
    fig.suptitle(f"{capability}: figures against speed and memory (one point per run)", fontsize=10)
    return fig


def png(fig, dpi: int = 80) -> bytes:
    """A figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def capability_pngs(long: pl.DataFrame) -> dict[str, bytes]:
    """Capability -> its plot as PNG bytes (capabilities with no numeric figure are left out)."""
    found = {}
    for capability in dict.fromkeys(long["capability"].to_list()):
        fig = capability_figure(long, capability)
        if fig is not None:
            found[capability] = png(fig)
    return found


def data_uri(image: bytes) -> str:
    """PNG bytes as a ``data:`` URI for an ``<img>`` in a self-contained page."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


def show(long: pl.DataFrame) -> None:
    """Display each capability's plot in a notebook."""
    from IPython.display import Image, Markdown, display

    for capability, image in capability_pngs(long).items():
        display(Markdown(f"### {capability}"), Image(data=image, format="png"))
