"""fellowship-kit: local Llama models through llama.cpp, for prototyping public-service tools in Jupyter.

Public entry points are loaded on first use, so ``import kit`` stays quick and needs no llama.cpp.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_model": "kit.runtime.loader",
    "confidential": "kit.privacy",
    "logs": "kit.runlog",
    "set_redactor": "kit.runlog",
    "map": "kit.batch",
    "map_frame": "kit.batch",
    "chunk_text": "kit.chunking",
    "record": "kit.figures",
    "KitError": "kit.errors",
    "redact": "kit.redaction",
    "fallback": "kit.runtime.fallback",
    "compare": "kit.comparison",
}

__all__ = sorted(_EXPORTS)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext kit``: the ``%%kit`` and ``%kit`` magics (:mod:`kit.magic`)."""
    from kit.magic import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = import_module(_EXPORTS[name])
        value = getattr(module, name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        try:  # submodules (kit.paths, kit.doctor, ...) on attribute access
            return import_module(f"kit.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"kit.{name}":
                raise
    raise AttributeError(f"module 'kit' has no attribute {name!r}")
