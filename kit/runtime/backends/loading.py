"""Loading a GGUF file into a llama.cpp context: threads, GPU layers, flash attention and the prompt chunk size."""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kit.errors import ConfigError, KitError, ModelLoadError

FLASH_ATTN_CHOICES = ("auto", "on", "off")
CPU_CHUNK = 64  # prompt tokens per batch on CPU: as fast as 512 here, and shared prefixes are reused to within 64
GPU_CHUNK = 256  # GPUs want bigger batches


def import_llama_cpp():
    """``llama_cpp``, or a message saying how to install it."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise KitError(
            f"llama-cpp-python is not importable ({exc}). Install the kit with `make demo`, which builds it "
            "with safe CPU flags (see the README's troubleshooting section)."
        ) from None
    return llama_cpp


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS reports one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """``KIT_THREADS``, or every core this process may use."""
    value = os.environ.get("KIT_THREADS", "").strip()
    if value:
        return max(1, int(value))
    return usable_cores()


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can offload layers to a GPU (CUDA, Metal, Vulkan...)."""
    return bool(import_llama_cpp().llama_supports_gpu_offload())


def system_info() -> str:
    """llama.cpp's own line of CPU/GPU features for this build."""
    return import_llama_cpp().llama_print_system_info().decode("utf-8", errors="replace").strip()


def flash_attn_setting(value: str | bool | None = None) -> str:
    """``auto``/``on``/``off`` from an argument, else ``KIT_FLASH_ATTN``, else ``auto``."""
    if value is None:
        value = os.environ.get("KIT_FLASH_ATTN", "").strip() or "auto"
    if isinstance(value, bool):
        return "on" if value else "off"
    text = str(value).strip().lower()
    text = {"true": "on", "1": "on", "yes": "on", "false": "off", "0": "off", "no": "off"}.get(text, text)
    if text not in FLASH_ATTN_CHOICES:
        raise ConfigError(f"flash_attn={value!r} is not valid: use one of {', '.join(FLASH_ATTN_CHOICES)} "
                          "(argument flash_attn= or KIT_FLASH_ATTN).")
    return text


def prompt_chunk(value: int | None, on_gpu: bool) -> int:
    """Prompt tokens per batch: the argument, else ``KIT_PROMPT_CHUNK``, else 64 on CPU and 256 on a GPU."""
    if value is None:
        raw = os.environ.get("KIT_PROMPT_CHUNK", "").strip()
        if raw:
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"KIT_PROMPT_CHUNK={raw!r} is not a whole number.") from None
    if value is None:
        return GPU_CHUNK if on_gpu else CPU_CHUNK
    if not 1 <= int(value) <= 4096:
        raise ConfigError(f"The prompt chunk size must be between 1 and 4096 tokens, not {value}.")
    return int(value)


@dataclass
class Loaded:
    """A loaded llama.cpp model and context, and the settings they were made with."""

    model: Any
    context: Any
    n_gpu_layers: int
    chunk: int
    flash_attn: str  # what llama.cpp chose: on, off (or unknown)
    flash_attn_setting: str


_backend_ready = False


@contextlib.contextmanager
def captured_log(lib) -> Iterator[list[str]]:
    """Collect llama.cpp's log lines instead of printing them, then give the log back to llama-cpp-python."""
    from llama_cpp import _logger

    lines: list[str] = []

    @lib.llama_log_callback
    def capture(level, text, user_data):
        lines.append(text.decode("utf-8", errors="replace"))

    lib.llama_log_set(capture, ctypes.c_void_p(0))
    try:
        yield lines
    finally:
        lib.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))


def _make_context(lib, internals, model, params) -> tuple[Any, str]:
    """Create the context, capturing llama.cpp's log to learn what ``flash_attn=auto`` became."""
    with captured_log(lib) as lines:
        context = internals.LlamaContext(model=model, params=params, verbose=False)
    return context, "".join(lines)


def _resolved_flash_attn(setting: str, log: str) -> str:
    if setting != "auto":
        return setting
    if "Flash Attention enabled" in log:
        return "on"
    if "Flash Attention not supported" in log:
        return "off"
    return "unknown"


def load(path: Path, *, n_ctx: int, n_threads: int, n_gpu_layers: int | None, chunk: int | None,
         flash_attn: str | bool | None) -> Loaded:
    """Load ``path`` with llama.cpp; llama.cpp's own log stays quiet."""
    global _backend_ready
    lib = import_llama_cpp()
    from llama_cpp import _internals as internals
    from llama_cpp import _logger

    _logger.set_verbose(False)
    if not _backend_ready:
        lib.llama_backend_init()
        _backend_ready = True
    setting = flash_attn_setting(flash_attn)
    on_gpu = bool(lib.llama_supports_gpu_offload())
    if n_gpu_layers is None:
        n_gpu_layers = -1 if on_gpu else 0
    chunk = prompt_chunk(chunk, on_gpu and n_gpu_layers != 0)
    model_params = lib.llama_model_default_params()
    model_params.n_gpu_layers = 0x7FFFFFFF if n_gpu_layers < 0 else n_gpu_layers
    try:
        model = internals.LlamaModel(path_model=str(path), params=model_params, verbose=False)
    except Exception as exc:  # llama-cpp-python raises ValueError for any load failure
        raise ModelLoadError(f"llama.cpp could not load {path}: {exc}. Check the file with `kit models verify`, "
                             "or try a smaller n_ctx if memory is short.") from None
    params = lib.llama_context_default_params()
    params.n_ctx = n_ctx
    params.n_batch = params.n_ubatch = min(chunk, n_ctx)
    params.n_seq_max = 1
    params.n_threads = params.n_threads_batch = n_threads
    params.flash_attn_type = {"auto": lib.LLAMA_FLASH_ATTN_TYPE_AUTO, "on": lib.LLAMA_FLASH_ATTN_TYPE_ENABLED,
                              "off": lib.LLAMA_FLASH_ATTN_TYPE_DISABLED}[setting]
    try:
        context, log = _make_context(lib, internals, model, params)
    except Exception as exc:
        model.close()
        raise ModelLoadError(f"llama.cpp loaded {path} but could not make a context of {n_ctx} tokens: {exc}. "
                             "Try a smaller n_ctx, or flash_attn='off'.") from None
    return Loaded(model=model, context=context, n_gpu_layers=n_gpu_layers, chunk=min(chunk, n_ctx),
                  flash_attn=_resolved_flash_attn(setting, log), flash_attn_setting=setting)
