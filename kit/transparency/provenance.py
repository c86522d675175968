"""The record's last section: where every figure came from (run manifest, run time, model hash), by file name."""

from __future__ import annotations

from kit.transparency.blocks import NOT_MEASURED, Block, exact, heading, para, shown, table
from kit.transparency.collect import TransparencyFacts


def provenance(f: TransparencyFacts) -> list[Block]:
    """Each figure exactly as recorded with its run, the run's details, and the footnote every figure cites."""
    blocks = [heading(2, "Provenance")]
    run = f.run
    if run is None:
        return blocks + [para(f"No `kit run` of {f.notebook.name} was found: every figure is {NOT_MEASURED}.")]
    sha = run.model.get("sha256", "unknown")
    manifest = f"`{run.run_id}`"
    rows = [(fig.name, exact(fig.value), manifest, run.started_utc, f"`{sha}`") for fig in run.figures]
    blocks += [
        table(("Figure", "Value as recorded", "Run manifest", "Run started (UTC)", "Model SHA-256"), rows)
        if rows else para("The run recorded no figures."),
        table(("Run", "Detail"), [
            ("Run id", run.run_id), ("Manifest", f"{manifest} in the outputs folder"),
            ("Executed notebook", f"`{run.executed.name}` in the outputs folder"),
            ("Started / finished (UTC)", f"{run.started_utc} / {run.finished_utc}"),
            ("Seconds", shown(run.seconds)), ("Notebook SHA-256", f"`{run.notebook_sha256}`"),
            ("Model", f"{run.model.get('name', 'unknown')}, SHA-256 `{sha}`"),
        ]),
    ]
    if f.notebook_changed_since_run:
        blocks.append(para(f"Note: {f.notebook.name} has changed since this run (its SHA-256 differs from the one "
                           "the manifest records). Run it again with `kit run` before relying on these figures."))
    if f.later_failed_runs:
        blocks.append(para(f"Later runs that failed and are not used here: {', '.join(f.later_failed_runs)}."))
    blocks.append(Block("footnote", f"Run manifest {manifest} (in the outputs folder), started {run.started_utc} "
                                    f"UTC, model SHA-256 `{sha}`.", level=1))
    return blocks
