"""Choosing a model: argument, KIT_MODEL, configured default, embedded; and the errors on the way."""

from __future__ import annotations

import shutil

import pytest

from kit import config
from kit.runtime import models
from kit.errors import ModelNotFoundError, NotGGUFError, UnknownModelError


def test_embedded_model_is_the_last_resort():
    resolved = models.resolve()
    assert resolved.source == "embedded"
    assert resolved.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_order_argument_env_config(tmp_path, monkeypatch):
    copy = tmp_path / "copy.gguf"
    shutil.copy(models.embedded_model_path(), copy)
    config.update(default_model="smollm2-135m")
    assert models.resolve().source == "config"
    monkeypatch.setenv("KIT_MODEL", str(copy))
    assert models.resolve().source == "KIT_MODEL"
    assert models.resolve().path == copy
    assert models.resolve("smollm2-135m").source == "argument"


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownModelError) as err:
        models.resolve("llama-9000")
    assert "llama-3.2-3b-instruct" in str(err.value) and "smollm2-135m" in str(err.value)


def test_catalog_model_not_pulled_says_how_to_pull():
    with pytest.raises(ModelNotFoundError, match="kit models pull llama-3.2-1b-instruct"):
        models.resolve("llama-3.2-1b-instruct")


def test_kit_model_pointing_at_a_non_gguf_file(tmp_path, monkeypatch):
    bad = tmp_path / "model.gguf"
    bad.write_text("hello")
    monkeypatch.setenv("KIT_MODEL", str(bad))
    with pytest.raises(NotGGUFError):
        models.resolve()


def test_add_registers_a_local_file_by_name(tmp_path):
    copy = tmp_path / "my-model.gguf"
    shutil.copy(models.embedded_model_path(), copy)
    added = models.add(copy, name="mine")
    assert added.name == "mine"
    assert models.resolve("mine").path == copy.resolve()
    assert "mine" in models.known_names()


def test_add_refuses_a_non_gguf_file(tmp_path):
    bad = tmp_path / "x.gguf"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(NotGGUFError):
        models.add(bad)
    assert models.added_models() == {}
