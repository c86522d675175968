"""benchmarks/bench_shapes.py: the Llama shapes, the cost arithmetic, and a small random GGUF the kit loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import shape_gguf  # noqa: E402
from shapes import (  # noqa: E402
    APPLICATIONS, SHAPES, Shape, cost_rows, llama3_rope_factors, parse_shapes, parse_slots, planning_hours,
    read_tokens, seconds_per_item,
)

SCRIPT = ROOT / "benchmarks" / "bench_shapes.py"
TINY = Shape("tiny", hidden=256, layers=2, heads=4, kv_heads=2, ffn=512, tied=True, rope_factor=32.0)


def test_the_shapes_have_the_parameter_counts_of_the_model_cards():
    assert {k: s.parameters() for k, s in SHAPES.items()} == {
        "1b": 1_235_814_400, "3b": 3_212_749_824, "8b": 8_030_261_248}
    assert [s.head_dim for s in SHAPES.values()] == [64, 128, 128]
    assert all(s.vocab == 128256 and s.rope_theta == 500000.0 and s.kv_heads == 8 for s in SHAPES.values())
    names = {k: {name for name, _, _ in s.tensors()} for k, s in SHAPES.items()}
    assert "output.weight" not in names["1b"] and "output.weight" not in names["3b"]  # tied embeddings
    assert "output.weight" in names["8b"] and "blk.31.ffn_down.weight" in names["8b"]
    assert round(SHAPES["8b"].f16_bytes() / 1e9, 1) == 16.1


def test_llama3_rope_factors_as_the_converter_writes_them():
    for shape in SHAPES.values():
        factors = llama3_rope_factors(shape)
        assert len(factors) == shape.head_dim // 2
        assert factors[0] == 1.0 and factors[-1] == shape.rope_factor  # high frequencies kept, low ones scaled
        assert factors == sorted(factors)
        assert any(1.0 < f < shape.rope_factor for f in factors)  # the smooth band between them


def test_seconds_per_item_counts_new_prompt_and_generated_tokens_only(tmp_path):
    path = tmp_path / "tokens_per_item.json"
    planning = {"items": 12, "calls": 1.0, "new_prompt": 200.0, "reused_prompt": 630.0, "generated": 40.0,
                "seconds": 0.5, "median_new_prompt": 190.0}
    triage = {**planning, "new_prompt": 100.0, "generated": 10.0}
    path.write_text(json.dumps({"machine": {"cpu": "x"}, "capabilities": {"planning extraction": planning,
                                                                            "triage": triage}}))
    capabilities = read_tokens(path)
    assert seconds_per_item(capabilities["planning extraction"], pp=50.0, tg=20.0) == pytest.approx(6.0)
    speeds = {"1b": (50.0, 20.0), "8b": (10.0, 4.0)}
    assert cost_rows(capabilities, speeds) == [["planning extraction", 200.0, 630.0, 40.0, 6.0, 30.0],
                                               ["triage", 100.0, 630.0, 10.0, 2.5, 12.5]]
    assert planning_hours(capabilities, speeds) == pytest.approx({"1b": APPLICATIONS * 6 / 3600,
                                                                  "8b": APPLICATIONS * 30 / 3600})
    assert planning_hours({"triage": triage}, speeds) == {}


def test_bad_input_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown shape\(s\) 2b: choose from 1b, 3b, 8b"):
        parse_shapes("1b,2b")
    assert parse_shapes("8B, 1b,8b") == ["8b", "1b"]
    assert parse_slots("1,4,8") == [1, 4, 8]
    with pytest.raises(ValueError, match="slot counts of 1 or more"):
        parse_slots("0,4")
    with pytest.raises(ValueError, match="Run `python benchmarks/bench_tokens.py` first"):
        read_tokens(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text('{"capabilities": {"triage": {"new_prompt": 3}}}')
    with pytest.raises(ValueError, match="'triage' lacks generated"):
        read_tokens(tmp_path / "bad.json")


def test_the_synthetic_vocabulary_has_llama3_special_tokens_and_byte_fallback():
    tokens, scores, types = shape_gguf.vocabulary(128256)
    assert len(tokens) == len(scores) == len(types) == 128256 and len(set(tokens)) == 128256
    assert tokens[128000] == "<|begin_of_text|>" and tokens[128009] == "<|eot_id|>"
    assert tokens[128006] == "<|start_header_id|>" and tokens[128007] == "<|end_header_id|>"
    assert tokens[1 + 0x0A] == "<0x0A>" and types[1 + 0x0A] == 6
    assert set(types[128000:]) == {3} and set(types[257:128000]) == {1}


def test_a_written_shape_loads_in_the_kit_and_decodes_every_token(tmp_path):
    import kit
    from kit.runtime import gguf

    path = tmp_path / "tiny.gguf"
    shape_gguf.write(TINY, path, shape_gguf.default_sdist())
    meta = gguf.read_header(path).metadata
    assert meta["llama.rope.freq_base"] == 500000.0 and meta["llama.vocab_size"] == 128256
    assert "<|start_header_id|>" in meta["tokenizer.chat_template"]
    with kit.load_model(str(path), cache=False, log=False, n_ctx=512) as model:
        model.chat("Hello there", max_tokens=6)
        # special tokens have zero output rows: greedy decoding never ends the turn early
        assert model.last.completion_tokens == 6 and model.last.prompt_tokens > 3


def test_the_whole_measurement_runs_on_a_small_shape_and_leaves_no_file(tmp_path, monkeypatch):
    import argparse

    import bench_shapes

    monkeypatch.setitem(bench_shapes.SHAPES, "tiny", TINY)
    args = argparse.Namespace(reps=1, prompt_tokens=32, gen_tokens=8, slots=[1, 2], slot_items=2, workdir=str(tmp_path),
                              sdist=None, json=str(tmp_path / "speeds.json"))
    result = bench_shapes.measure(["tiny"], args)
    shape = result["shapes"]["tiny"]
    assert shape["pp"] > 0 and shape["tg"] > 0 and shape["q4_gb"] < shape["f16_gb"]
    assert [r["generated"] for r in result["slots"]["tiny"].values()] == [16, 16]  # measured from the run log
    assert json.loads((tmp_path / "speeds.json").read_text())["shapes"]["tiny"]["tg"] == shape["tg"]
    assert [p.name for p in tmp_path.iterdir()] == ["speeds.json"]  # the work folder is gone


def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT / "benchmarks")


def test_the_script_prints_costs_from_saved_speeds(tmp_path):
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"capabilities": {"planning extraction": {"new_prompt": 200.0, "generated": 40.0}}}))
    speeds = tmp_path / "speeds.json"
    speeds.write_text(json.dumps({
        "machine": {"cpu": "Test CPU", "avx2": True, "threads": 2, "gpu_offload": False}, "prompt_tokens": 128,
        "gen_tokens": 32, "reps": 2, "quant": "Q4_K_M", "slots": {},
        "shapes": {"1b": {"name": "Llama-3.2-1B", "parameters": 1235814400, "f16_gb": 2.47, "q4_gb": 0.8,
                          "write_s": 11.0, "quantize_s": 60.0, "pp": 50.0, "tg": 20.0}}}))
    out = _script("--speeds", str(speeds), "--tokens", str(tokens))
    assert out.returncode == 0, out.stderr
    assert "Test CPU (avx2), 2 threads, CPU" in out.stdout and "planning extraction" in out.stdout
    assert "All 4,015 planning applications, one at a time, Llama-3.2-1B shape: 6.7 hours" in out.stdout  # 4,015 x 6 s
    assert "Random weights measure cost, not quality." in out.stdout


def test_the_script_refuses_bad_input_in_one_line(tmp_path):
    out = _script("--shapes", "2b")
    assert out.returncode == 2 and out.stderr.strip() == "bench_shapes: Unknown shape(s) 2b: choose from 1b, 3b, 8b."
    out = _script("--shapes", "1b", "--workdir", str(ROOT / "outputs"))
    assert out.returncode == 2 and "is inside the repository" in out.stderr and "Traceback" not in out.stderr
    assert not (ROOT / "outputs").exists() or not list((ROOT / "outputs").glob("kit-shapes-*"))
