"""Run a prompt or a function over many items: concurrently against a llama-server, in order in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kit import pool
from kit.errors import KitError
from kit.model import ChatModel


def map(fn_or_prompt: str | Callable[[Any], Any], items: Iterable[Any], *, model: ChatModel | str | None = None,
        workers: int | None = None, progress: bool = True, desc: str = "kit.map", client=None, store=None,
        **gen: Any) -> list[Any]:
    """Apply a function, or a prompt template (``"Summarise: {item}"``), to every item.

    Runs ``model.parallel`` requests at once when the model is served by llama-server (override
    with ``workers``), one at a time in-process. Results come back in input order. The caller's
    confidential mode is carried into the worker threads.

    With ``client`` (a ``distributed.Client`` or a scheduler address like ``"tcp://10.0.0.5:8786"``) the
    items run on a Dask cluster instead: each worker loads ``model`` once (a loaded model is sent as its
    file, settings and checksum; a name or .gguf path is read from each worker's own disk), and a function
    reaches that model through ``kit.cluster.worker_model()``. Finished results go to a resume store
    (``store``: a path; default under the kit folder; ``False`` for none; never in confidential mode), so
    running the same call again after an interruption or a failed item computes only what is missing.

    An interrupt (Ctrl-C, Lab's ■) stops the map and raises :class:`kit.errors.Interrupted` (a KeyboardInterrupt)
    whose ``.results`` hold the finished items in input order (``None`` for the others), ``.done`` of ``.total``.
    """
    if client is not None:
        from kit.cluster.run import run_map

        return run_map(fn_or_prompt, items, model=model, client=client, store=store, progress=progress,
                       desc=desc, **gen).results
    if store is not None:
        raise KitError("store= is for runs on a cluster (kit.map(..., client=...)); a local kit.map keeps nothing.")
    items = list(items)
    fn = pool.as_function(fn_or_prompt, model, gen)
    if workers is None:
        workers = getattr(model, "parallel", 1) if model is not None else 1
    return pool.run(fn, items, workers=workers, progress=progress, desc=desc)


def map_frame(frame, fn_or_prompt: str | Callable[[Any], Any], *, model: ChatModel | str | None = None,
              output: str = "response", columns: Sequence[str] | None = None, **kwargs: Any):
    """``map`` over the rows of a polars DataFrame (as dicts); adds the results as column ``output``.

    Takes ``map``'s keyword arguments too, ``client=`` and ``store=`` included.
    """
    import polars as pl

    rows = frame.select(columns).to_dicts() if columns else frame.to_dicts()
    results = map(fn_or_prompt, rows, model=model, **kwargs)
    return frame.with_columns(pl.Series(output, results))

