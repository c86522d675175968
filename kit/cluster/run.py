"""Distributed ``kit.map``: skip stored items, submit the rest in partitions, gather in order, store each once."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kit import privacy
from kit.cluster import connect, store as resume
from kit.cluster.spec import ModelSpec, model_spec
from kit.errors import ClusterError, ClusterItemError, Interrupted, KitError, unfinished
from kit.model import ChatModel
from kit.progress import progress_bar
from kit.runtime.backends.base import Settings


@dataclass(frozen=True)
class ClusterRun:
    """A finished distributed map: results in input order and what this call did to get them."""

    results: list[Any]
    run_id: str
    from_store: int
    computed: int
    seconds: float
    store: str | None
    per_worker: dict[str, int] = field(default_factory=dict)
    busy_s: float = 0.0  # the workers' own seconds over the computed items (no scheduling or transfer)


def partitions(indices: list[int], size: int) -> list[list[int]]:
    """Consecutive runs of ``size`` indices (the last may be shorter)."""
    size = max(1, int(size))
    return [indices[i:i + size] for i in range(0, len(indices), size)]


def partition_size(todo: int, workers: int) -> int:
    """About four partitions per worker, so a lost or slow worker costs little, and at most 16 items each."""
    return max(1, min(16, math.ceil(todo / max(1, workers * 4))))


def _open_store(store: str | Path | bool | None) -> resume.ResumeStore | None:
    if privacy.is_confidential():
        if store not in (None, False):
            raise ClusterError("kit.confidential() is on, so no prompt or result may be written to disk: remove "
                               "store=... (the run then keeps results in memory only and cannot resume).")
        return None
    if store is False:
        return None
    return resume.ResumeStore(None if store in (None, True) else store)


@dataclass
class _Batch:
    """One call's items, where their results go, and what has come back so far."""

    items: list[Any]
    hashes: list[str]
    run: str
    db: resume.ResumeStore | None
    results: list[Any]
    per_worker: dict[str, int] = field(default_factory=dict)
    busy_s: float = 0.0
    failures: dict[int, str] = field(default_factory=dict)

    def take(self, rows: list[tuple[int, bool, Any, float, str]]) -> None:
        """Store the finished items of a partition (each once), fill in their results, note the failed ones."""
        good = [(i, self.hashes[i], value, worker, seconds) for i, ok, value, seconds, worker in rows if ok]
        if self.db:
            self.db.write(self.run, good)
        for i, _, value, worker, seconds in good:
            self.results[i] = value
            self.per_worker[worker] = self.per_worker.get(worker, 0) + 1
            self.busy_s += seconds
        self.failures.update({i: value for i, ok, value, _, _ in rows if not ok})


def run_map(fn_or_prompt: str | Callable[[Any], Any], items: Iterable[Any], *,
            model: ChatModel | ModelSpec | str | None = None, client,
            store: str | Path | bool | None = None, partition: int | None = None, progress: bool = True,
            desc: str = "kit.map", workers_timeout: float = 30.0, **gen: Any) -> ClusterRun:
    """Run a prompt template or function over ``items`` on a Dask cluster; see ``kit.map`` for the arguments.

    Each worker loads ``model`` once (as a spec: name, path or the identity of a loaded model). Results
    already in ``store`` for the same run and item content are not computed again.
    """
    items = list(items)
    if isinstance(fn_or_prompt, str) and model is None:
        raise KitError("kit.map with a prompt template needs a model: kit.map(template, items, model=model, client=...).")
    if not (isinstance(fn_or_prompt, str) or callable(fn_or_prompt)):
        raise KitError(f"kit.map takes a prompt template (str) or a function, not {type(fn_or_prompt).__name__}.")
    Settings().updated(gen)  # refuse an unknown setting here, not on every worker
    spec = model_spec(model) if model is not None else None
    db = _open_store(store)
    run = resume.run_id(fn_or_prompt, spec.identity() if spec else "no-model", gen)
    batch = _Batch(items, [resume.item_hash(item) for item in items], run, db, unfinished(len(items)))
    stored = db.done(batch.run, batch.hashes) if db else {}
    for index, value in stored.items():
        batch.results[index] = value
    todo = [i for i in range(len(items)) if i not in stored]
    where = str(db.path) if db else None
    if not todo:
        return ClusterRun(batch.results, batch.run, len(stored), 0, 0.0, where)

    started = time.perf_counter()
    client, owned = connect.open_client(client)
    try:
        n_workers = connect.wait_for_workers(client, workers_timeout)
        plugin_name = _register(client, spec) if spec else None
        task = ("template", fn_or_prompt) if isinstance(fn_or_prompt, str) else ("fn", fn_or_prompt)
        parts = partitions(todo, partition or partition_size(len(todo), n_workers))
        futures = _submit(client, batch, plugin_name, task, parts, gen)
        _collect(client, futures, batch, progress, desc, len(stored))
    except KeyboardInterrupt:  # Ctrl-C, Lab's ■: what finished is stored already
        kept = len(stored) + sum(batch.per_worker.values())
        note = (f"The resume store {where} holds {kept} finished item(s): run the same call again to compute only "
                "the rest." if db else "No resume store was kept (store=False or confidential mode).")
        raise Interrupted(results=batch.results, total=len(items), note=note) from None
    finally:
        if owned:
            client.close()
    if batch.failures:
        raise ClusterItemError(batch.failures, where)
    return ClusterRun(batch.results, batch.run, len(stored), len(todo), time.perf_counter() - started, where,
                      batch.per_worker, batch.busy_s)


def _register(client, spec) -> str:
    from kit.cluster import plugin

    try:
        return plugin.register(client, spec)
    except KitError:
        raise
    except Exception as exc:  # noqa: BLE001 - a worker's own error, named for the user
        raise ClusterError(f"A worker could not load the model: {type(exc).__name__}: {exc}") from None


def _submit(client, batch: _Batch, plugin_name: str | None, task: tuple[str, Any], parts: list[list[int]],
            gen: dict[str, Any]) -> dict:
    """One task per partition; the caller's confidential mode goes with each."""
    from kit.cluster.tasks import run_partition

    session = batch.db.session[:8] if batch.db else "memory"
    confidential = privacy.is_confidential()
    futures = {}
    for k, part in enumerate(parts):
        try:
            future = client.submit(run_partition, plugin_name, task, [(i, batch.items[i]) for i in part], gen,
                                   confidential, key=f"kit-map-{batch.run[:8]}-{session}-{k}", pure=False)
        except Exception as exc:  # noqa: BLE001 - Dask reports unpicklable code in many exception types
            client.cancel(list(futures))
            raise ClusterError(f"The function or items cannot be sent to the workers: {type(exc).__name__}: {exc}. "
                               "Use plain data for items and a function that refers to no open file, lock or "
                               "loaded model (take the model from kit.cluster.worker_model()).") from None
        futures[future] = part
    return futures


def _collect(client, futures: dict, batch: _Batch, progress: bool, desc: str, done_before: int) -> None:
    """Take partitions as they finish (a lost worker's are re-run by the scheduler), with a progress bar."""
    from distributed import as_completed

    bar = progress_bar(len(batch.items), desc) if progress else None
    if bar:
        bar.update(done_before)
    try:
        for future in as_completed(futures, loop=client.loop):
            rows = _result(future, futures[future])
            batch.take(rows)
            if bar:
                bar.update(len(rows))
    finally:
        client.cancel([f for f in futures if not f.done()])
        if bar:
            bar.close()


def _result(future, part: list[int]):
    try:
        return future.result()
    except KitError:
        raise
    except Exception as exc:  # noqa: BLE001 - Dask's own failures (a worker lost too often, unpicklable code)
        raise ClusterError(
            f"Items {part[0]}–{part[-1]} could not run on the cluster: {type(exc).__name__}: {exc}. Results that "
            "finished are kept in the resume store. A function must be importable on the workers (define it in "
            "the notebook or install its module there)."
        ) from None
