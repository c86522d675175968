"""Local quantisation with llama.cpp's llama-quantize: the checks made first, and real runs on the embedded model."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

import kit
from kit import hashing, models_cli, paths
from kit.errors import QuantizeError
from kit.runtime import gguf, models, native, quantize
from kit.runtime.quant_types import (
    TYPES, estimate_bytes, file_type_name, output_name, parse_progress, parse_type, requantize_problem,
)

KIT = [sys.executable, "-m", "kit.cli"]

# Captured from the kit's own llama-quantize (llama-cpp-python 0.3.36) making Q8_0 from an F16 SmolLM2.
REAL_LINES = [
    ('[   1/ 272] output_norm.weight                   - [   576,      1,      1,      1], type =    f32, '
     'size =    0.002 MiB', (1, 272)),
    ('[  12/ 272] blk.1.attn_k.weight                  - [   576,    192,      1,      1], type =    f16, '
     'converting to q8_0 .. size =     0.21 MiB ->     0.11 MiB', (12, 272)),
    ('[ 272/ 272] blk.29.ffn_up.weight                 - [   576,   1536,      1,      1], type =    f16, '
     'converting to q8_0 .. size =     1.69 MiB ->     0.90 MiB', (272, 272)),
]
NOT_PROGRESS = [
    "llama_model_loader: - kv   0:                       general.architecture str              = llama",
    "[ 42%] Building CXX object src/CMakeFiles/llama.dir/llama.cpp.o",
    "llama_quantize: quantize time =  1658.13 ms",
    "llama_model_quantize_impl: model size  =   256.63 MiB (16.00 BPW)",
    "llama_quantize: quantizing '/tmp/q/f16.gguf' to '/tmp/q/q8.gguf' as Q8_0 using 1 threads",
    "",
]


# -- the pure rules ----------------------------------------------------------------------------
def test_types_are_read_in_any_case_and_an_unknown_one_lists_the_valid_ones():
    assert parse_type("q4_k_m").name == "Q4_K_M" and parse_type(" Q8_0 ").file_type == 7
    for name in ("Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_K_S", "Q4_0", "Q4_1", "F16", "BF16", "F32"):
        assert parse_type(name).name == name
    with pytest.raises(QuantizeError, match="'Q9_9' is not a quantisation type") as caught:
        parse_type("Q9_9")
    assert all(name in str(caught.value) for name in ("Q8_0", "Q4_K_M", "F16"))


def test_file_types_map_back_to_names():
    assert file_type_name(3) == "Q4_1" and file_type_name(1) == "F16" and file_type_name(7) == "Q8_0"
    assert file_type_name(None) is None and file_type_name(999) is None
    assert len({t.file_type for t in TYPES.values()}) == len(TYPES)


@pytest.mark.parametrize(("line", "expected"), REAL_LINES)
def test_progress_is_read_from_real_tensor_lines(line, expected):
    assert parse_progress(line) == expected


@pytest.mark.parametrize("line", NOT_PROGRESS)
def test_other_lines_are_not_progress(line):
    assert parse_progress(line) is None


def test_output_is_named_for_the_source_and_the_type_without_repeating_a_type():
    assert output_name(Path("/m/SmolLM2-135M-Instruct.Q4_1.gguf"), parse_type("F16")) == "SmolLM2-135M-Instruct.F16.gguf"
    assert output_name(Path("llama-3.2-1b-f16.gguf"), parse_type("Q4_K_M")) == "llama-3.2-1b.Q4_K_M.gguf"
    assert output_name(Path("model.gguf"), parse_type("q8_0")) == "model.Q8_0.gguf"


def test_a_quantised_source_only_goes_to_lower_precision_unless_allowed():
    assert requantize_problem("F16", parse_type("Q4_K_M")) is None
    assert requantize_problem("F32", parse_type("F16")) is None
    assert requantize_problem(None, parse_type("Q8_0")) is None  # unknown: llama-quantize itself decides
    assert requantize_problem("Q8_0", parse_type("Q4_K_M")) is None
    for target in ("Q8_0", "F16", "Q4_1", "Q5_K_M"):
        problem = requantize_problem("Q4_1", parse_type(target))
        assert problem and "already quantised (Q4_1)" in problem and "--allow-requantize" in problem


def test_size_estimate_grows_with_bits_and_is_generous():
    f16_size = 270_000_000
    sizes = [estimate_bytes(f16_size, "F16", parse_type(t)) for t in ("Q4_0", "Q8_0", "F16")]
    assert sizes == sorted(sizes) and sizes[-1] > f16_size


# -- the checks plan() makes before any work (the real embedded file's header; no llama.cpp) -------
def test_unknown_type_and_missing_source_are_refused(tmp_path):
    with pytest.raises(QuantizeError, match="not a quantisation type"):
        quantize.plan("embedded", "Q7")
    with pytest.raises(kit.KitError, match="No model file at"):
        quantize.plan(tmp_path / "gone.gguf", "Q8_0")
    with pytest.raises(kit.KitError, match="No model called 'nope'"):
        quantize.plan("nope", "Q8_0")


def test_requantising_the_embedded_q4_1_upwards_needs_permission():
    with pytest.raises(QuantizeError, match=r"already quantised \(Q4_1\)"):
        quantize.plan("embedded", "F16")
    job = quantize.plan("embedded", "F16", allow_requantize=True)
    assert job.source_type == "Q4_1" and job.requantize
    assert job.output == paths.models_dir().resolve() / "SmolLM2-135M-Instruct.F16.gguf"
    assert job.name == "SmolLM2-135M-Instruct.F16"


def test_an_existing_output_or_name_is_not_overwritten_without_force():
    job = quantize.plan("embedded", "Q4_0")
    job.output.write_bytes(b"made earlier")
    with pytest.raises(QuantizeError, match="already exists.*--force"):
        quantize.plan("embedded", "Q4_0")
    assert quantize.plan("embedded", "Q4_0", force=True).output == job.output
    with pytest.raises(QuantizeError, match="'smollm2-135m' already exists.*--name"):
        quantize.plan("embedded", "Q4_K_M", name="smollm2-135m")


def test_too_little_disk_space_is_refused_before_starting(monkeypatch):
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(quantize.shutil, "disk_usage", lambda folder: Usage(10**9, 10**9 - 5_000_000, 5_000_000))
    with pytest.raises(QuantizeError, match="Not enough disk space.*needs about .* MB and 5 MB is free.*KIT_MODELS_DIR"):
        quantize.plan("embedded", "Q4_0")


# -- real runs -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """An F16 requantised from the embedded Q4_1 (the kit ships no F16), then a Q8_0 quantised from that F16."""
    home = tmp_path_factory.mktemp("quantize-home")
    saved = {k: os.environ.get(k) for k in ("KIT_HOME", "KIT_MODELS_DIR")}
    os.environ.update(KIT_HOME=str(home), KIT_MODELS_DIR=str(home / "models"))
    try:
        f16 = quantize.quantize("embedded", "F16", allow_requantize=True, threads=1)
        seen: list[tuple[int, int]] = []
        q8 = quantize.quantize("SmolLM2-135M-Instruct.F16", "Q8_0", threads=1,
                               on_progress=lambda done, total: seen.append((done, total)))
        yield {"home": home, "f16": f16, "q8": q8, "seen": seen, "config": (home / "config.json").read_text(),
               "f16_sha256": hashing.sha256_file(f16)}
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@pytest.mark.model
def test_the_made_files_have_the_asked_type_and_record_where_they_came_from(made):
    f16, q8 = gguf.read_header(made["f16"]), gguf.read_header(made["q8"])
    assert f16.metadata["general.file_type"] == 1 and q8.metadata["general.file_type"] == 7
    assert made["q8"].stat().st_size < made["f16"].stat().st_size * 0.6
    assert q8.metadata[quantize.FROM_FILE] == "SmolLM2-135M-Instruct.F16.gguf"
    assert q8.metadata[quantize.FROM_SHA256] == made["f16_sha256"]
    assert q8.metadata[quantize.TYPE_KEY] == "Q8_0"
    assert q8.metadata[quantize.MADE_WITH] == f"llama-cpp-python {native.llama_cpp_version()}"
    assert f16.metadata[quantize.FROM_FILE] == models.embedded_model_path().name
    assert not list(made["f16"].parent.glob(".*.part"))


@pytest.mark.model
def test_progress_counts_rise_to_the_tensor_total(made):
    seen = made["seen"]
    total = gguf.read_header(made["q8"]).tensor_count
    assert len(seen) == total and {t for _, t in seen} == {total}
    assert [d for d, _ in seen] == list(range(1, total + 1))


@pytest.mark.model
def test_the_q8_0_loads_by_name_and_answers_the_same_twice(made, monkeypatch):
    monkeypatch.setenv("KIT_HOME", str(made["home"]))
    monkeypatch.setenv("KIT_MODELS_DIR", str(made["home"] / "models"))
    assert '"SmolLM2-135M-Instruct.Q8_0"' in made["config"]
    with kit.load_model("SmolLM2-135M-Instruct.Q8_0", n_ctx=512, n_threads=1, cache=False, log=False) as model:
        assert Path(model.info.file) == made["q8"]
        first = model.chat("What is the capital of France?", max_tokens=12)
        assert first.strip() and model.chat("What is the capital of France?", max_tokens=12) == first
    info = models_cli.info("SmolLM2-135M-Instruct.Q8_0")
    assert "quantization: Q8_0 (file type 7)" in info
    assert "quantized from: SmolLM2-135M-Instruct.F16.gguf (sha256 " in info and "llama-cpp-python" in info


@pytest.mark.model
def test_a_failed_or_interrupted_run_leaves_no_file_and_no_name(made, tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_HOME", str(made["home"]))
    monkeypatch.setenv("KIT_MODELS_DIR", str(made["home"] / "models"))
    folder = paths.models_dir()

    def stop(done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        quantize.quantize(made["f16"], "Q4_0", threads=1, on_progress=stop)
    # A file whose header reads but whose architecture llama.cpp does not know: llama-quantize fails.
    data = models.embedded_model_path().read_bytes()
    key = b"general.architecture\x08\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00llama"
    assert data.count(key) == 1
    odd = tmp_path / "odd.gguf"
    odd.write_bytes(data.replace(key, key[:-5] + b"lemur"))
    with pytest.raises(QuantizeError, match=r"llama-quantize failed \(exit code \d+\): .*lemur"):
        quantize.quantize(odd, "Q4_0", threads=1)
    left = [p.name for p in folder.iterdir()]
    assert not [n for n in left if n.endswith(".part") or "Q4_0" in n or n.startswith("odd")], left
    assert not {"SmolLM2-135M-Instruct.Q4_0", "odd.Q8_0"} & set(models.added_models())


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*KIT, "models", *args], capture_output=True, text=True, timeout=120)


def test_cli_errors_are_one_line_without_a_traceback(tmp_path):
    for args, needle in [(("quantize", "embedded", "Q9_9"), "Valid types: F32, F16"),
                         (("quantize", str(tmp_path / "gone.gguf"), "Q8_0"), "No model file at"),
                         (("quantize", "embedded", "F16"), "--allow-requantize")]:
        result = _cli(*args)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith("kit: error:") and result.stderr.count("\n") == 1, result.stderr
        assert needle in result.stderr and "Traceback" not in result.stderr


@pytest.mark.model
def test_cli_quantizes_with_progress_and_says_how_to_load_it(made, monkeypatch):
    env = {**os.environ, "KIT_HOME": str(made["home"]), "KIT_MODELS_DIR": str(made["home"] / "models")}
    result = subprocess.run([*KIT, "models", "quantize", "SmolLM2-135M-Instruct.F16", "q4_k_m", "--name", "smol-q4",
                             "--threads", "1"], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "272/272" in result.stderr  # the tqdm bar reached the last tensor
    assert "kit.load_model('smol-q4')" in result.stdout
    made_file = made["home"] / "models" / "SmolLM2-135M-Instruct.Q4_K_M.gguf"
    assert gguf.read_header(made_file).metadata["general.file_type"] == 15
    info = subprocess.run([*KIT, "models", "info", "smol-q4"], capture_output=True, text=True, env=env)
    assert "quantization: Q4_K_M (file type 15)" in info.stdout
    # A quantisation made locally can also be added by hand: `kit models info` shows its type and its origin.
    added = subprocess.run([*KIT, "models", "add", str(made["q8"]), "--name", "my-q8"], capture_output=True,
                           text=True, env=env)
    assert added.returncode == 0 and "kit.load_model('my-q8')" in added.stdout
    info = subprocess.run([*KIT, "models", "info", "my-q8"], capture_output=True, text=True, env=env).stdout
    assert "quantization: Q8_0 (file type 7)" in info and "quantized from: SmolLM2-135M-Instruct.F16.gguf" in info


def test_only_the_kits_own_tools_can_be_built():
    with pytest.raises(kit.KitError, match="Unknown llama.cpp tool.*llama-quantize"):
        native.build(targets=("llama-nope",))
