"""Plots of a comparison, per capability: each recorded quality figure against seconds and peak memory, and
each run's cost. A setting (a grid parameter, or a figure such as ``context_size`` that records one) is never
plotted as a result; with no quality figure there is no quality plot, and the report says so."""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

import polars as pl

MAX_FIGURES = 24  # per capability; the rest stay in the table
AXES = (("seconds", "wall seconds per run"), ("peak_mb", "peak kernel memory (MB)"))
COLOURS = {"ok": "#1d70b8", "failed": "#d4351c", "timeout": "#d4351c"}
# figures a notebook records that describe how it ran, not how well: shown beside the run, never plotted
SETTING_NAMES = frozenset({"context_size", "n_ctx", "threads", "n_threads", "max_tokens", "batch_size", "n_batch",
                           "gpu_layers", "n_gpu_layers", "temperature", "top_p", "top_k", "seed", "parallel"})
# words that make a figure a measure of quality (with unit "fraction": a share of items right or kept)
QUALITY_WORDS = ("accuracy", "precision", "recall", "f1", "chrf", "bleu", "exact", "agreement", "compliance",
                 "preservation", "grounding", "score", "correct")


def grid_settings(long: pl.DataFrame) -> list[str]:
    """The grid's parameter columns (between the run columns and ``status``)."""
    return long.columns[long.columns.index("model") + 1:long.columns.index("status")]


def kind(name: str, unit: str | None, settings: list[str] | tuple[str, ...] = ()) -> str:
    """"setting", "quality" or "other" (counts, speeds, sizes: shown in the tables, not plotted as quality)."""
    if name in SETTING_NAMES or name in settings:
        return "setting"
    if (unit or "") == "fraction" or any(word in name.lower() for word in QUALITY_WORDS):
        return "quality"
    return "other"


def plotted(long: pl.DataFrame) -> pl.DataFrame:
    """The long table's numeric quality figures: the points the quality plots draw (settings never among them)."""
    settings = grid_settings(long)
    numeric = long.filter(pl.col("figure").is_not_null() & pl.col("value").is_not_null())
    keep = [kind(f, u, settings) == "quality" for f, u in numeric.select("figure", "unit").rows()]
    return numeric.filter(pl.Series(keep, dtype=pl.Boolean)) if keep else numeric


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(text, width, break_long_words=True)) or text


def run_key(run: str) -> str:
    """The run's number (the start of its id, the Runs table's first column): how plots name a run in little room."""
    return run.split("_", 1)[0]


def capability_figure(long: pl.DataFrame, capability: str):
    """A matplotlib Figure for one capability: a row per quality figure, a column each for seconds and memory;
    None when the capability recorded no numeric quality figure."""
    from matplotlib.figure import Figure

    points = plotted(long).filter(pl.col("capability") == capability)
    names = list(dict.fromkeys(points["figure"].to_list()))[:MAX_FIGURES]
    if not names:
        return None
    fig = Figure(figsize=(10, 2.8 * len(names) + 0.6), layout="constrained")
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
                key = run_key(r["run"])
                labels.setdefault((r[x], r["value"]), []).append(key if ok else f"{key} ({r['status']})")
            for point, texts in labels.items():
                ax.annotate(_wrap(", ".join(texts)), point, fontsize=7, xytext=(4, 3), textcoords="offset points",
                            annotation_clip=True)
            ax.set_xlabel(xlabel, fontsize=8)
            ax.set_ylabel(_wrap(f"{name} ({unit})" if unit else name, 24), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.margins(0.3)
    fig.suptitle(f"{capability}: quality against speed and memory (one point per run, named by its number in "
                 "the Runs table)", fontsize=10)
    return fig


def cost_figure(long: pl.DataFrame, capability: str):
    """A matplotlib Figure of each run's wall seconds and peak memory (bars labelled by run); None with no run."""
    from matplotlib.figure import Figure

    runs = (long.filter(pl.col("capability") == capability).unique("run", keep="first", maintain_order=True)
            .select("run", "status", "seconds", "peak_mb"))
    if runs.height == 0:
        return None
    labels = [run_key(run) if status == "ok" else f"{run_key(run)} ({status})"
              for run, status in runs.select("run", "status").rows()]
    fig = Figure(figsize=(10, 0.3 * runs.height + 1.4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (column, xlabel) in zip(axes, AXES):
        values = [v or 0 for v in runs[column].to_list()]
        ax.barh(range(runs.height), values, color=[COLOURS.get(s, "#505a5f") for s in runs["status"].to_list()])
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_yticks(range(runs.height), labels)
    axes[0].invert_yaxis()
    fig.suptitle(f"{capability}: cost of each run (by its number in the Runs table)", fontsize=10)
    return fig


def png(fig, dpi: int = 80) -> bytes:
    """A figure as PNG bytes, cut to what it draws so no label runs off its edge."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    return buffer.getvalue()


@dataclass(frozen=True)
class CapabilityPlots:
    """One capability's pictures: quality against cost (None: no quality figure recorded), and cost per run."""

    quality: bytes | None
    cost: bytes | None


def capability_pngs(long: pl.DataFrame) -> dict[str, CapabilityPlots]:
    """Capability -> its plots as PNG bytes."""
    found = {}
    for capability in dict.fromkeys(long["capability"].to_list()):
        quality, cost = capability_figure(long, capability), cost_figure(long, capability)
        found[capability] = CapabilityPlots(png(quality) if quality else None, png(cost) if cost else None)
    return found


def data_uri(image: bytes) -> str:
    """PNG bytes as a ``data:`` URI for an ``<img>`` in a self-contained page."""
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")


NO_QUALITY = ("No quality figure was recorded for {capability}, so quality cannot be shown against speed; "
              "its figures are in the table and its cost per run is plotted.")


def show(long: pl.DataFrame) -> None:
    """Display each capability's plots in a notebook (or say that it recorded no quality figure)."""
    from IPython.display import Image, Markdown, display

    for capability, images in capability_pngs(long).items():
        display(Markdown(f"### {capability}"))
        if images.quality:
            display(Image(data=images.quality, format="png"))
        else:
            display(Markdown(NO_QUALITY.format(capability=capability)))
        if images.cost:
            display(Image(data=images.cost, format="png"))
