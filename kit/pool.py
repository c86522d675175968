"""Items through a function in this process's threads, in input order; a prompt template as such a function."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

from kit.errors import Interrupted, KitError, unfinished
from kit.progress import progress_bar
from kit.model import ChatModel

WAKE_S = 0.1  # how often kit.map's waiting thread wakes to see an interrupt


def as_function(fn_or_prompt: str | Callable[[Any], Any], model: ChatModel | None,
                gen: dict[str, Any]) -> Callable[[Any], Any]:
    """``fn_or_prompt`` if it is a function; for a template, a function asking ``model`` the filled-in prompt.

    A plain item fills ``{item}``; a dict item fills ``{column}`` names.
    """
    if callable(fn_or_prompt):
        return fn_or_prompt
    if model is None:
        raise KitError("kit.map with a prompt template needs a model: kit.map(template, items, model=model).")
    template = fn_or_prompt

    def run(item: Any) -> str:
        try:
            prompt = template.format(**item) if isinstance(item, dict) else template.format(item=item)
        except (KeyError, IndexError) as exc:
            raise KitError(
                f"The prompt template refers to {exc} but the item does not provide it. "
                "Use {item} for plain items, or {column} names for dict items."
            ) from None
        return model.chat(prompt, **gen)

    return run


def run(fn: Callable[[Any], Any], items: Sequence[Any], *, workers: int = 1, progress: bool = False,
        desc: str = "kit.map") -> list[Any]:
    """``fn`` over ``items``, ``workers`` at a time, results in input order; each thread runs in a copy of the
    caller's context (so ``kit.confidential()`` and a worker's model reach it).

    An interrupt (Ctrl-C, Lab's ■) starts nothing more and raises :class:`kit.errors.Interrupted` at once with the
    finished results (``.results``, ``.done`` of ``.total``); items still running in threads finish unseen.
    """
    workers = max(1, min(int(workers), len(items) or 1))
    bar = progress_bar(len(items), desc) if progress else None
    results = unfinished(len(items))
    try:
        if workers == 1:
            for i, item in enumerate(items):
                results[i] = fn(item)
                if bar:
                    bar.update(1)
            return results
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kit-map")
        interrupted = False
        try:
            futures = {pool.submit(contextvars.copy_context().run, fn, item): i for i, item in enumerate(items)}
            pending = set(futures)
            while pending:  # short waits: some libraries' SIGINT handlers (polars) leave a blocked wait asleep
                done, pending = wait(pending, timeout=WAKE_S, return_when=FIRST_COMPLETED)
                for future in done:
                    results[futures[future]] = future.result()
                    if bar:
                        bar.update(1)
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            pool.shutdown(wait=not interrupted, cancel_futures=interrupted)
        return results
    except KeyboardInterrupt:
        running = "" if workers == 1 else "Items that were running finish in the background; their results are dropped."
        raise Interrupted(results=results, total=len(items), note=running) from None
    finally:
        if bar:
            bar.close()
