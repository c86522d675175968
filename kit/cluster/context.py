"""The worker's model, reachable from a function that ``kit.map`` runs on a Dask worker."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from kit.errors import ClusterError
from kit.model import ChatModel

_MODEL: contextvars.ContextVar = contextvars.ContextVar("kit_worker_model", default=None)


def worker_model() -> ChatModel:
    """The model loaded on this Dask worker, for a function run by ``kit.map(fn, items, client=...)``.

    Example: ``kit.map(lambda item: kit.cluster.worker_model().json(item, Answer), items, model=spec,
    client=client)``. Outside such a function it raises ``ClusterError``.
    """
    model = _MODEL.get()
    if model is None:
        raise ClusterError(
            "kit.cluster.worker_model() only works inside a function that kit.map runs on a Dask worker "
            "(kit.map(fn, items, model=..., client=...)). Locally, pass the model to your function yourself."
        )
    return model


@contextlib.contextmanager
def using(model: ChatModel | None) -> Iterator[None]:
    """Make ``model`` what ``worker_model()`` returns within the block (the current task only)."""
    token = _MODEL.set(model)
    try:
        yield
    finally:
        _MODEL.reset(token)
