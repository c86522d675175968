"""The task each Dask worker runs: one partition of items through the worker's model, item errors kept apart."""

from __future__ import annotations

import contextlib
import functools
import time
from typing import Any

from kit.cluster.context import using

Row = tuple[int, bool, Any, float, str]


def _one(fn, index: int, item: Any, worker: str) -> Row:
    start = time.perf_counter()
    try:
        return index, True, fn(item), time.perf_counter() - start, worker
    except Exception as exc:  # noqa: BLE001 - one bad item must not lose its partition
        return index, False, f"{type(exc).__name__}: {exc}", time.perf_counter() - start, worker


def run_partition(plugin_name: str | None, task: tuple[str, Any], part: list[tuple[int, Any]], gen: dict[str, Any],
                  confidential: bool) -> list[Row]:
    """Run ``task`` (``("template", text)`` or ``("fn", callable)``) over ``part`` on this worker.

    Returns ``(index, ok, result or error text, seconds, worker address)`` per item, so one failing item
    does not lose the rest of its partition. Items go one at a time to an in-process model, and
    ``model.parallel`` at once to a worker's llama-server. A worker without the model raises ``ClusterError``.
    """
    from distributed import get_worker

    from kit import pool, privacy

    worker = get_worker()
    model, guard = None, contextlib.nullcontext()
    if plugin_name is not None:  # None: a function that needs no model
        plugin = worker.plugins.get(plugin_name)
        if plugin is None:
            from kit.errors import ClusterError

            raise ClusterError(f"Worker {worker.address} has no kit model plugin {plugin_name}; "
                               "it joined without it. Run the call again.")
        model, guard = plugin.loaded(), plugin.guard()
    kind, payload = task
    with guard, using(model), privacy.confidential(confidential):
        fn = pool.as_function(payload, model, gen) if kind == "template" else payload
        jobs = [functools.partial(_one, fn, index, item, worker.address) for index, item in part]
        # the pool carries this context (the worker's model, confidential mode) into its threads
        return pool.run(lambda job: job(), jobs, workers=model.parallel if model is not None else 1)
