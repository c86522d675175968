"""Model-file hashes remembered in the kit folder, written safely by several processes at once."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from kit import hashing, paths


def test_cached_hash_is_right_and_remembered_until_the_file_changes(tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"x" * 5000)
    assert hashing.cached_sha256(model) == hashlib.sha256(model.read_bytes()).hexdigest()
    index = json.loads((paths.user_dir() / "hashes.json").read_text())
    assert list(index.values()) == [hashlib.sha256(model.read_bytes()).hexdigest()]
    model.write_bytes(b"GGUF" + b"y" * 6000)
    assert hashing.cached_sha256(model) == hashlib.sha256(model.read_bytes()).hexdigest()
    assert len(json.loads((paths.user_dir() / "hashes.json").read_text())) == 1  # the stale entry is gone


def test_processes_sharing_the_kit_folder_never_break_each_others_write(tmp_path):
    """Two Dask workers with one KIT_HOME once failed here: both renamed the same temporary file."""
    groups = []
    for k in range(4):  # each process hashes files of its own, so every call writes the shared index
        groups.append([tmp_path / f"p{k}-m{i}.gguf" for i in range(60)])
        for i, model in enumerate(groups[-1]):
            model.write_bytes(b"GGUF" + f"{k}-{i}".encode() * 100)
    script = "import sys\nfrom kit import hashing\nfor name in sys.argv[1:]:\n    hashing.cached_sha256(name)\n"
    env = {**os.environ, "KIT_HOME": str(paths.user_dir())}
    procs = [subprocess.Popen([sys.executable, "-c", script, *map(str, group)], env=env, stderr=subprocess.PIPE,
                              text=True) for group in groups]
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], errors
    assert not list(paths.user_dir().glob("*.tmp")), "a temporary file was left behind"
    for model in groups[0][:5]:
        assert hashing.cached_sha256(model) == hashlib.sha256(model.read_bytes()).hexdigest()


def test_write_atomic_replaces_whole_and_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "state.json"
    paths.write_atomic(target, "one")
    paths.write_atomic(target, "two")
    assert target.read_text() == "two" and [p.name for p in tmp_path.iterdir()] == ["state.json"]
    try:
        paths.write_atomic(target, "\ud800")  # not encodable: the write fails part-way
    except UnicodeEncodeError:
        pass
    assert target.read_text() == "two" and [p.name for p in tmp_path.iterdir()] == ["state.json"]
