"""Tables and plots over loaded applications: volumes, approval rates, appeal outcomes, the housing pipeline."""

from __future__ import annotations

import polars as pl

# Approval rate = granted / decided. A lawful-use certificate granted counts as granted, one refused as refused;
# withdrawn applications are not decisions.
GRANTED = ("permitted", "lawful")
DECIDED = ("permitted", "lawful", "refused", "not lawful")


def by_year_type_decision(df: pl.DataFrame) -> pl.DataFrame:
    """Applications counted by year, type and decision."""
    return df.group_by("year", "application_type", "decision").len("applications").sort(
        "year", "application_type", "decision")


def approval_rates(df: pl.DataFrame, by: str | list[str] | None = "application_type") -> pl.DataFrame:
    """Granted share of decided applications (see DECIDED), grouped by ``by`` (e.g. type, determining_body);
    ``by=None``: one row over every application."""
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    decided = df.filter(pl.col("decision").is_in(DECIDED))
    counts = (pl.len().alias("decided"), pl.col("decision").is_in(GRANTED).sum().alias("granted"))
    table = decided.group_by(keys).agg(*counts) if keys else decided.select(*counts)
    return (table.with_columns((pl.col("granted") / pl.col("decided")).round(3).alias("approval_rate"))
            .sort("decided", descending=True))


# Columns of appeal_table, in reading order (unknown only when a pair was not known).
OUTCOMES = ("allowed", "dismissed", "split", "withdrawn", "approved", "refused", "unknown")


def appeal_outcomes(appeals: pl.DataFrame) -> pl.DataFrame:
    """Appeals counted by year, appellant and outcome (from ``load_appeals``; a pair it did not know: unknown)."""
    return (appeals.with_columns(pl.col("appellant", "appeal_decision").fill_null("unknown"))
            .group_by("year", "appellant", "appeal_decision").len("appeals")
            .sort("year", "appellant", "appeal_decision"))


def appeal_table(appeals: pl.DataFrame) -> pl.DataFrame:
    """One row per year and appellant, one column per outcome (allowed, dismissed, ... approved and refused for
    Department applications) and the total."""
    long = appeal_outcomes(appeals)
    wide = long.pivot(on="appeal_decision", index=["year", "appellant"], values="appeals")
    outcomes = [o for o in OUTCOMES if o != "unknown" or o in wide.columns]
    wide = wide.with_columns(pl.lit(0, pl.UInt32).alias(o) for o in outcomes if o not in wide.columns).fill_null(0)
    return (wide.select("year", "appellant", *outcomes, pl.sum_horizontal(*outcomes).alias("total"))
            .sort("year", "appellant"))


def housing_pipeline(extracted: pl.DataFrame) -> pl.DataFrame:
    """Net new dwellings permitted per year, from extracted counts (needs ``dwellings``, ``decision``, ``year``).

    Counts permitted applications only. Approvals in principle (A) and reserved matters (REM) for the same
    homes would count them twice, so they are shown in their own column and left out of ``net_dwellings``.
    """
    permitted = extracted.filter(pl.col("decision") == "permitted")
    full = pl.col("application_type").is_in(["A", "REM"]).not_() | pl.col("application_type").is_null()
    return (permitted.group_by("year")
            .agg(pl.col("dwellings").filter(full).fill_null(0).sum().alias("net_dwellings"),
                 (pl.col("dwellings").filter(full).fill_null(0) > 0).sum().alias("applications_adding_homes"),
                 pl.col("dwellings").filter(full.not_()).fill_null(0).sum().alias("outline_or_reserved_dwellings"))
            .sort("year"))


def plot_pipeline(pipeline: pl.DataFrame, ax=None):
    """A bar chart of net new dwellings permitted per year (matplotlib Axes)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    years = [str(y) for y in pipeline["year"]]
    ax.bar(years, pipeline["net_dwellings"], color="#1d70b8", label="full / change of use / other")
    ax.bar(years, pipeline["outline_or_reserved_dwellings"], bottom=pipeline["net_dwellings"], color="#b1b4b6",
           label="approval in principle / reserved matters")
    ax.set_ylabel("net new dwellings permitted")
    ax.set_title("Housing pipeline (counts extracted from descriptions)")
    ax.legend(fontsize=8)
    return ax


def plot_counts(table: pl.DataFrame, x: str, y: str, title: str, ax=None):
    """A horizontal bar chart of one count or rate column (matplotlib Axes)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.3 * len(table) + 1))
    ax.barh([str(v) for v in table[x]], table[y], color="#1d70b8")
    ax.invert_yaxis()
    ax.set_xlabel(y.replace("_", " "))
    ax.set_title(title)
    return ax
