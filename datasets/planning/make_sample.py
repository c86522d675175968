"""Draw the labelled sample (sample.csv) from the published 2016-18 lists.

152 "tuning" applications stratified by year and type (the parsers were refined on these), then 48
"held-out" applications drawn at random (16 a year) from the rest, labelled after the rules were frozen.

    .venv/bin/python datasets/planning/make_sample.py   # or give another folder of the published lists
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import polars as pl

import kit.planning as planning
from kit.planning.data import published_dir, sample_path

HOMES = r"(?i)dwelling|apartment|flats\b|houses\b|bungalow|homes\b|residential"
RARE_TYPES = ("A", "REM", "C", "D", "CON", "GB", "LAW", "TEL", "VAR")


def main(source: str | Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = planning.load_applications(source)
    parts = []
    for year in (2016, 2017, 2018):
        that_year = df.filter(pl.col("year") == year)
        for kind in RARE_TYPES:
            rows = that_year.filter(pl.col("application_type") == kind)
            parts.append(rows.sample(min(3, rows.height), seed=year))
        full = that_year.filter(pl.col("application_type") == "B")
        parts.append(full.filter(pl.col("description").str.contains(HOMES)).sample(12, seed=year))
        parts.append(full.filter(~pl.col("description").str.contains(HOMES)).sample(16, seed=year))
    tuning = pl.concat(parts).unique("reference", keep="first").sort("year", "reference")
    rest = df.filter(~pl.col("reference").is_in(tuning["reference"].to_list()))
    held_out = pl.concat([rest.filter(pl.col("year") == year).sample(16, seed=99) for year in (2016, 2017, 2018)])
    sample = pl.concat([tuning.with_columns(split=pl.lit("tuning")),
                        held_out.sort("year", "reference").with_columns(split=pl.lit("held-out"))])
    out = sample_path()
    sample.select("split", "reference", "year", "application_type", "description", "address", "decision",
                  "decision_date", "determining_body").write_csv(out)
    print(f"{sample.height} applications -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else published_dir())
