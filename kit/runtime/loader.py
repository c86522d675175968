"""``kit.load_model``: pick a model, check its file, and load it in-process or connect to a llama-server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kit import cache as response_cache
from kit import hashing, runlog
from kit.errors import ConfigError
from kit.model import Model, ModelInfo
from kit.runtime import gguf, models
from kit.runtime.backends.base import Settings

DEFAULT_N_CTX = 4096


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number.") from None


def load_model(name_or_path: str | os.PathLike | None = None, *, url: str | None = None,
               n_ctx: int | None = None, n_threads: int | None = None, n_gpu_layers: int | None = None,
               flash_attn: str | bool | None = None, prompt_chunk: int | None = None,
               cache: bool | None = None, log: bool | None = None, **gen: Any) -> Model:
    """Load a model and return the kit's model interface.

    Args:
        name_or_path: a catalog or added model name, or a .gguf path. When omitted: ``KIT_MODEL``,
            then the configured default, then the embedded SmolLM2.
        url: a llama-server to use instead of loading in-process (also ``KIT_SERVER_URL``).
        n_ctx: context size (default: ``KIT_N_CTX``, else the smaller of 4096 and what the model was trained on).
        n_gpu_layers: layers to offload; by default all of them where the build supports a GPU.
        flash_attn: ``"auto"`` (default: on where the build supports it), ``"on"`` or ``"off"``
            (also ``KIT_FLASH_ATTN``).
        prompt_chunk: prompt tokens evaluated per batch (default 64 on CPU, 256 on a GPU; also
            ``KIT_PROMPT_CHUNK``). Answers are reproducible for a given chunk size.
        cache, log: turn the response cache / run log off (also ``KIT_CACHE=off``, ``KIT_LOG=off``).
        **gen: default generation settings (temperature, max_tokens, seed, ...).
    """
    settings = Settings().updated(gen, what="option(s) for load_model")
    use_cache = response_cache.enabled_by_env() if cache is None else cache
    use_log = runlog.enabled_by_env() if log is None else log
    if url is None and name_or_path is None:
        url = os.environ.get("KIT_SERVER_URL", "").strip() or None
    if url is not None:
        return _connect(url, settings, use_cache, use_log)

    from kit.runtime.backends.llamacpp import LlamaCppBackend

    resolved = models.resolve(name_or_path)
    header = gguf.read_header(resolved.path)
    trained = header.context_length
    n_ctx = n_ctx or _env_int("KIT_N_CTX") or min(trained or DEFAULT_N_CTX, DEFAULT_N_CTX)
    backend = LlamaCppBackend(resolved.path, n_ctx=n_ctx, n_threads=n_threads or _env_int("KIT_THREADS"),
                              n_gpu_layers=n_gpu_layers, chunk=prompt_chunk, flash_attn=flash_attn,
                              seed=settings.seed)
    info = ModelInfo(
        name=resolved.name, file=str(resolved.path), sha256=hashing.cached_sha256(resolved.path),
        architecture=header.architecture, context_size=backend.n_ctx, trained_context=trained,
        backend=backend.name, details={**backend.describe(), "chosen_by": resolved.source},
    )
    return Model(backend, info, settings=settings, cache=use_cache, log=use_log)


def _connect(url: str, settings: Settings, use_cache: bool, use_log: bool) -> Model:
    from kit.runtime.backends.server import ServerBackend

    backend = ServerBackend(url)
    path = Path(backend.model_path) if backend.model_path else None
    if path is not None and path.is_file():
        header = gguf.read_header(path)
        sha, arch, trained, name = hashing.cached_sha256(path), header.architecture, header.context_length, path.stem
    else:  # a server on another machine: identify the model by the path it reports
        sha, arch, trained, name = f"server:{backend.model_path}", "unknown", None, Path(backend.model_path).stem
    info = ModelInfo(
        name=name, file=backend.model_path, sha256=sha, architecture=arch, context_size=backend.n_ctx,
        trained_context=trained, backend=backend.name, details=backend.describe(),
    )
    return Model(backend, info, settings=settings, cache=use_cache, log=use_log)
