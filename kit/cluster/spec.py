"""What each worker loads: a model named by file or catalog name, with the client's load and generation settings."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kit.errors import ClusterError
from kit.model import ChatModel


@dataclass(frozen=True)
class ModelSpec:
    """A model by name or .gguf path (read from each worker's own disk), or a llama-server URL, plus settings.

    ``sha256`` (known when the spec comes from a loaded model) makes every worker check it loaded the very
    same file, so distributed answers equal local ones. ``server_slots``: each worker starts its own native
    llama-server with that many parallel slots (``kit serve``) instead of loading the model in-process;
    faster on a many-core worker, but answers are then the server's, not equal to in-process ones.
    """

    name_or_path: str | None = None
    url: str | None = None
    n_ctx: int | None = None
    prompt_chunk: int | None = None
    sha256: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    server_slots: int | None = None
    name: str | None = None  # the model's name, looked up on a worker where ``name_or_path`` is not a file

    def source(self) -> str | None:
        """What this worker loads: the path when it exists here, else the model's name (its own models folder)."""
        if self.name and self.name_or_path and not Path(self.name_or_path).is_file():
            return self.name
        return self.name_or_path

    def identity(self) -> str:
        """A short stable hash of everything that changes the answers (used in run ids and plugin names)."""
        data = {**asdict(self), "name_or_path": None if self.sha256 else self.name_or_path, "name": None}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def load(self):
        """``(model, server or None)`` on a worker: no response cache and no run log there."""
        import kit

        if self.url:
            return kit.load_model(url=self.url, cache=False, log=False, **self.settings), None
        if self.server_slots:
            from kit import serve

            # threads: serve.start's default, KIT_THREADS (one per worker) or the cores this worker may use
            server = serve.start(self.source(), parallel=self.server_slots, n_ctx=self.n_ctx, build_if_missing=False)
            try:
                return kit.load_model(url=server.url, cache=False, log=False, **self.settings), server
            except BaseException:
                server.stop()
                raise
        return kit.load_model(self.source(), n_ctx=self.n_ctx, prompt_chunk=self.prompt_chunk,
                              cache=False, log=False, **self.settings), None


def model_spec(model: ChatModel | ModelSpec | str | os.PathLike, server_slots: int | None = None) -> ModelSpec:
    """A ``ModelSpec`` from a loaded kit model, a model name or .gguf path, or a ``ModelSpec``.

    ``server_slots``: have each worker serve it with its own llama-server of that many slots.
    """
    if server_slots is not None:
        from dataclasses import replace

        return replace(model_spec(model), server_slots=int(server_slots))
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, (str, os.PathLike)):
        return ModelSpec(name_or_path=os.fspath(model))
    if not isinstance(model, ChatModel):
        raise ClusterError(
            "kit.map on a cluster needs the model as a loaded kit model, a model name or .gguf path, "
            f"or a kit.cluster.ModelSpec, not {type(model).__name__}: a loaded model cannot be sent to workers, "
            "so each worker loads its own copy."
        )
    info, settings = model.info, model.settings.as_dict()
    if info.backend == "llama-server" or str(info.sha256).startswith("server:"):
        url = getattr(model.backend, "url", None)
        return ModelSpec(url=url, settings=settings)
    return ModelSpec(name_or_path=info.file, n_ctx=info.context_size, prompt_chunk=info.details.get("prompt_chunk"),
                     sha256=info.sha256, settings=settings, name=info.name)
