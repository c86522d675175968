"""Choosing a model: argument, KIT_MODEL, configured default, embedded; and the errors on the way."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys

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


def test_pull_without_network_says_how_to_add_the_file_under_its_catalog_name():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = sock.getsockname()[1]
    sock.close()
    kit = [sys.executable, "-m", "kit.cli", "models"]
    pulled = subprocess.run([*kit, "pull", "llama-3.2-1b-instruct", "--quiet", "--endpoint",
                             f"http://127.0.0.1:{closed}"], capture_output=True, timeout=120, env=os.environ)
    err = pulled.stderr.decode()
    assert pulled.returncode != 0 and "Traceback" not in err
    assert "kit models add PATH --name llama-3.2-1b-instruct" in err
    # Following the hint (with a file fetched another way; the embedded one stands in): it loads by that name.
    added = subprocess.run([*kit, "add", str(models.embedded_model_path()), "--name", "llama-3.2-1b-instruct"],
                           capture_output=True, timeout=120, env=os.environ)
    assert added.returncode == 0, added.stderr.decode()
    assert models.resolve("llama-3.2-1b-instruct").path == models.embedded_model_path().resolve()
