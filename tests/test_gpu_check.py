"""benchmarks/gpu_check.sh on a machine without a GPU: the plan it prints, and a clear refusal to run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.sh"


def _run(*args: str, env_path: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": env_path or "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120, env=env)


def test_dry_run_plans_one_cuda_build_with_native_arch_and_tools():
    out = _run("--dry-run")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native" in text
    assert "-DLLAMA_BUILD_SERVER=ON" in text and "-DBUILD_SHARED_LIBS=ON" in text
    assert 'KIT_CMAKE_EXTRA="-DGGML_CUDA=on" .venv/bin/kit build-server --sdist' in text  # the kit's one build
    assert "targets llama-server llama-bench llama-quantize llama ggml;" in text  # libmtmd comes with the server
    assert "bench_runtime.py" in text and "--flash-attn on" in text and "--flash-attn off" in text
    assert "dry run: nothing built" in text


def test_dry_run_plans_kit_map_through_kit_serve_with_1_4_8_slots_on_the_1b_and_8b_shapes():
    text = _run("--dry-run").stdout
    assert "benchmarks/bench_shapes.py --shapes 1b,8b --slots 1,4,8" in text
    assert "Llama-3.2-1B and Llama-3.1-8B shapes" in text and "kit.map through" in text
    assert "kit serve with 1, 4 and 8 slots, aggregate tok/s per slot count" in text
    assert text.index("bench_runtime.py") < text.index("bench_shapes.py") < text.index("dry run: nothing built")


def test_dry_run_cpu_mode_has_no_cuda():
    out = _run("--dry-run", "--cpu")
    assert out.returncode == 0 and "GGML_CUDA" not in out.stdout and "NVIDIA GPU" not in out.stdout
    assert "bench_shapes.py --shapes 1b,8b" not in out.stdout  # slots are measured where a GPU is
    assert "no shapes with --cpu: benchmarks/bench_shapes.py --shapes 1b --slots 1,4" in out.stdout


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has an NVIDIA GPU")
def test_without_a_gpu_it_refuses_and_says_why():
    out = _run()
    assert out.returncode == 1
    assert "MISSING  NVIDIA GPU" in out.stdout and "cannot run, missing: NVIDIA GPU" in out.stderr


def test_unknown_option_is_refused():
    out = _run("--fast")
    assert out.returncode == 2 and "unknown option --fast" in out.stderr
