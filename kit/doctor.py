"""``kit doctor``: what this machine, this llama.cpp build and the chosen model look like together."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

from kit import display, paths
from kit.errors import KitError
from kit.runtime import buildflags, gguf, models

_GIB = 1024**3


class Report(dict):
    """What ``kit doctor`` found, a dict of sections: ``print`` gives the aligned text, a notebook the tables."""

    def __str__(self) -> str:
        return format_report(self)

    def _repr_html_(self) -> str:
        """A notebook shows one table per section (python, cpu, ram, llama_cpp, model, folders)."""
        return display.wrap(display.sections(self, "kit doctor"), "kit-doctor")


def memory_bytes() -> tuple[int | None, int | None]:
    """Total and available RAM in bytes (None where the platform does not say)."""
    try:
        info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
        kib = lambda key: int(info[key].split()[0]) * 1024  # noqa: E731
        return kib("MemTotal"), kib("MemAvailable")
    except (OSError, KeyError, ValueError):
        pass
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return total, None
    except (ValueError, OSError, AttributeError):
        return None, None


def estimate_ram_bytes(header: gguf.GGUFHeader, n_ctx: int) -> int:
    """Weights plus an f16 KV cache for ``n_ctx`` tokens plus ~300 MB of working memory."""
    arch, meta = header.architecture, header.metadata
    layers = int(meta.get(f"{arch}.block_count", 0))
    embd = int(meta.get(f"{arch}.embedding_length", 0))
    heads = int(meta.get(f"{arch}.attention.head_count", 1)) or 1
    kv_heads = int(meta.get(f"{arch}.attention.head_count_kv", heads)) or heads
    kv_cache = 2 * layers * n_ctx * (embd * kv_heads // heads) * 2
    return header.file_size + kv_cache + 300 * 1024**2


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _flash_attn_line(loading) -> str:
    try:
        setting = loading.flash_attn_setting()
    except KitError as exc:
        return f"invalid: {exc}"
    if setting == "auto":
        return "auto (on where this build supports it; KIT_FLASH_ATTN=off turns it off)"
    return f"{setting} (KIT_FLASH_ATTN)"


def _libraries_line(native) -> str:
    """Where llama-cpp-python loads llama.cpp from, and whether that is the build the tools link."""
    folder = native.package_lib_dir()
    if native.uses_this_build():
        return f"{folder} (one build with llama-server, in {native.build_dir()})"
    return f"{folder} (not the kit's build for these flags: run `kit build-server`)"


def report(model: str | None = None) -> Report:
    """A dict of everything ``kit doctor`` prints (a :class:`Report`: tables in a notebook, text with ``print``)."""
    from kit.runtime import native
    from kit.runtime.backends import loading as llamacpp
    from kit.runtime.loader import DEFAULT_N_CTX

    flags = buildflags.cpu_flags()
    total, available = memory_bytes()
    out: dict[str, Any] = {
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "cpu": {
            "name": _cpu_name(), "cores": os.cpu_count(), "machine": platform.machine(),
            "features": sorted(f for f in flags if f in ("avx", "avx2", "fma", "f16c", "avx512f", "amx_tile", "avx_vnni")),
            "safe_build_flags": buildflags.cmake_args(),
        },
        "ram": {"total_gib": round(total / _GIB, 1) if total else None,
                "available_gib": round(available / _GIB, 1) if available else None},
    }
    try:
        import llama_cpp

        out["llama_cpp"] = {
            "llama_cpp_python": llama_cpp.__version__,
            "system_info": llamacpp.system_info(),
            "gpu_offload": llamacpp.gpu_offload_supported(),
            "flash_attn": _flash_attn_line(llamacpp),
            "llama_server": str(native.tool_path("llama-server")
                                or "not built yet: the first `kit serve` builds it, or `kit build-server` now"),
            "llama_libraries": _libraries_line(native),
        }
    except ImportError as exc:
        out["llama_cpp"] = {"error": f"llama-cpp-python is not importable ({exc}); run `make demo`."}
    threads = llamacpp.default_threads()
    try:
        resolved = models.resolve(model)
        header = gguf.read_header(resolved.path)
        n_ctx = int(os.environ.get("KIT_N_CTX") or min(header.context_length or DEFAULT_N_CTX, DEFAULT_N_CTX))
        need = estimate_ram_bytes(header, n_ctx)
        out["model"] = {
            "name": resolved.name, "chosen_by": resolved.source, "file": str(resolved.path),
            "size_gib": round(header.file_size / _GIB, 2), "architecture": header.architecture,
            "trained_context": header.context_length, "context": n_ctx, "threads": threads,
            "gpu_layers": "all" if out["llama_cpp"].get("gpu_offload") else 0,
            "ram_needed_gib": round(need / _GIB, 2),
            "fits": None if available is None else need < available,
        }
    except KitError as exc:
        out["model"] = {"error": str(exc)}
    out["server_url"] = os.environ.get("KIT_SERVER_URL") or None
    out["folders"] = {"data": str(paths.user_dir()), "models": str(paths.models_dir()),
                      "cache": str(paths.cache_path()), "log": str(paths.log_path())}
    return Report(out)


def format_report(data: dict[str, Any]) -> str:
    """The report as aligned text, one section per block."""
    lines = []
    for section, values in data.items():
        if not isinstance(values, dict):
            lines.append(f"{section}: {values if values is not None else '-'}")
            continue
        lines.append(f"{section}:")
        for key, value in values.items():
            if isinstance(value, list):
                value = ", ".join(value) or "-"
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            lines.append(f"  {key:<18} {value}")
    return "\n".join(lines)
