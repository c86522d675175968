"""The "fellowship-kit" Jupyter kernel: the venv's Python, registered inside the venv (``make install``)."""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "fellowship-kit"  # every notebook's kernelspec names it (tests/test_lab.py checks)
SPEC = {"name": NAME, "display_name": NAME, "language": "python"}
FALLBACK = "python3"  # ipykernel's own spec: this Python too, when the kit's is not registered


def spec_dir() -> Path | None:
    """The folder of the registered kernel spec, or None when Jupyter does not find one."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return Path(KernelSpecManager().get_kernel_spec(NAME).resource_dir)
    except NoSuchKernel:
        return None


def install() -> Path:
    """Register the kernel in this Python's prefix (never the user's home), as ``make install`` does."""
    from ipykernel.kernelspec import install as install_spec

    return Path(install_spec(kernel_name=NAME, display_name=NAME, prefix=sys.prefix))


def name() -> str:
    """The kernel to run notebooks with: the kit's when registered, else ipykernel's ``python3``."""
    return NAME if spec_dir() is not None else FALLBACK
