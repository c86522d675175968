"""The shipped model catalog: complete, well-formed entries and helpful lookups."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from kit.runtime import catalog
from kit.errors import UnknownModelError

REQUIRED = ["llama-3.2-1b-instruct", "llama-3.2-3b-instruct", "llama-3.1-8b-instruct"]


def test_catalog_file_is_valid_json_with_unique_names():
    raw = json.loads(resources.files("kit.runtime.data").joinpath("catalog.json").read_text(encoding="utf-8"))
    names = [item["name"] for item in raw["models"]]
    assert len(names) == len(set(names))


def test_required_llama_models_and_the_embedded_one_are_present():
    entries = catalog.load_catalog()
    for name in [catalog.EMBEDDED, *REQUIRED]:
        assert name in entries


@pytest.mark.parametrize("entry", list(catalog.load_catalog().values()), ids=lambda e: e.name)
def test_every_entry_is_complete(entry):
    assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
    assert entry.size_bytes > 0
    assert entry.licence.strip()
    assert entry.context_length > 0
    assert entry.ram_gb * 1e9 > entry.size_bytes  # the weights must fit in the RAM it asks for
    assert entry.filename.endswith(".gguf")
    assert entry.quantization and entry.quantization in entry.filename + entry.title
    assert entry.notes.strip()


def test_llama_entries_carry_meta_licence_and_long_context():
    for name in REQUIRED:
        entry = catalog.get_entry(name)
        assert "Community License" in entry.licence and "Built with Llama" in entry.licence
        assert entry.context_length == 131072
        assert "estimate" in entry.notes


def test_checksums_and_files_are_distinct():
    entries = list(catalog.load_catalog().values())
    assert len({e.sha256 for e in entries}) == len(entries)
    assert len({e.filename for e in entries}) == len(entries)


def test_unknown_name_lists_valid_names():
    with pytest.raises(UnknownModelError) as info:
        catalog.get_entry("nope")
    for name in REQUIRED:
        assert name in str(info.value)


def test_urls_use_the_endpoint():
    entry = catalog.get_entry("llama-3.2-3b-instruct")
    assert entry.url() == (
        "https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf"
    )
    assert entry.url("http://127.0.0.1:8080/").startswith("http://127.0.0.1:8080/bartowski/")
