"""The catalog of recommended Llama GGUF models for laptops (data in ``kit/runtime/data/catalog.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kit.errors import UnknownModelError

EMBEDDED = "smollm2-135m"


@dataclass(frozen=True)
class CatalogEntry:
    """One recommended model: where it comes from and what it needs."""

    name: str
    title: str
    repo: str
    filename: str
    size_bytes: int
    sha256: str
    licence: str
    context_length: int
    ram_gb: float
    quantization: str
    notes: str = ""

    def url(self, endpoint: str = "https://huggingface.co") -> str:
        """The download address of the file under a Hugging Face-style endpoint (or a mirror)."""
        return f"{endpoint.rstrip('/')}/{self.repo}/resolve/main/{self.filename}"


@cache
def load_catalog() -> dict[str, CatalogEntry]:
    """Every catalog entry by name, in the file's order."""
    raw = json.loads(resources.files("kit.runtime.data").joinpath("catalog.json").read_text(encoding="utf-8"))
    return {item["name"]: CatalogEntry(**item) for item in raw["models"]}


def get_entry(name: str) -> CatalogEntry:
    """The entry called ``name``; an unknown name raises an error that lists the valid ones."""
    catalog = load_catalog()
    if name not in catalog:
        raise UnknownModelError(
            f"No model called {name!r} in the catalog. Valid names: {', '.join(catalog)}. "
            "Run `kit models list` for details."
        )
    return catalog[name]
