"""Safe llama.cpp build flags for the CPU this runs on (stdlib only: the Makefile calls it before any install).

llama.cpp's default native build (``GGML_NATIVE=ON``) segfaults at the first decode on CPUs with AMX.
We turn native detection off and name each instruction set the CPU really has, with AMX always off.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

# cpuinfo flag -> ggml CMake option; AVX-512 only where the CPU has the foundation set.
_X86_FLAGS = {
    "sse4_2": "GGML_SSE42",
    "avx": "GGML_AVX",
    "avx_vnni": "GGML_AVX_VNNI",
    "avx2": "GGML_AVX2",
    "fma": "GGML_FMA",
    "f16c": "GGML_F16C",
    "bmi2": "GGML_BMI2",
    "avx512f": "GGML_AVX512",
    "avx512_vbmi": "GGML_AVX512_VBMI",
    "avx512_vnni": "GGML_AVX512_VNNI",
    "avx512_bf16": "GGML_AVX512_BF16",
}
_ALWAYS_OFF = ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16")


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The instruction-set flags from ``/proc/cpuinfo`` (empty where it is unreadable)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags") and ":" in line:
            return set(line.split(":", 1)[1].split())
    return set()


def cmake_args(flags: set[str] | None = None, machine: str | None = None, extra: str = "") -> str:
    """The ``CMAKE_ARGS`` to build llama.cpp with; ``extra`` (e.g. ``-DGGML_CUDA=on``) goes last."""
    machine = (machine or platform.machine()).lower()
    args: list[str] = []
    if machine in ("x86_64", "amd64"):
        flags = cpu_flags() if flags is None else flags
        args.append("-DGGML_NATIVE=OFF")
        for cpu_flag, option in _X86_FLAGS.items():
            args.append(f"-D{option}={'ON' if cpu_flag in flags else 'OFF'}")
        args += [f"-D{option}=OFF" for option in _ALWAYS_OFF]
    # Other architectures (arm64 laptops, Apple silicon) build safely with llama.cpp's own detection.
    if extra.strip():
        args.append(extra.strip())
    if cuda_without_arch(extra):
        # GGML_NATIVE=OFF also turns off llama.cpp's GPU architecture detection, so CUDA would build a
        # list of old architectures and JIT-compile for this GPU at first load. Build for the GPU here.
        args.append("-DCMAKE_CUDA_ARCHITECTURES=native")
    return " ".join(args)


def _cmake_bool(value: str) -> bool:
    return value.strip().strip('"\'').upper() in ("ON", "1", "TRUE", "YES", "Y")


def cuda_without_arch(extra: str, environ: dict[str, str] | None = None) -> bool:
    """Whether ``extra`` turns CUDA on without naming GPU architectures (here or in CMake's ``CUDAARCHS``)."""
    environ = os.environ if environ is None else environ
    options = dict(item[2:].split("=", 1) for item in extra.split() if item.startswith("-D") and "=" in item)
    cuda = any(_cmake_bool(v) for k, v in options.items() if k.split(":")[0].upper() == "GGML_CUDA")
    named = any(k.split(":")[0].upper() == "CMAKE_CUDA_ARCHITECTURES" for k in options)
    return cuda and not named and not environ.get("CUDAARCHS", "").strip()


def build_key(args: str) -> str:
    """A short name for a set of build flags, so builds with different flags never mix."""
    import hashlib

    return hashlib.sha256(args.encode()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    """Print the CMake arguments (or, with ``--key``, their short name) for this CPU."""
    argv = sys.argv[1:] if argv is None else argv
    args = cmake_args(extra=os.environ.get("KIT_CMAKE_EXTRA", ""))
    print(build_key(args) if "--key" in argv else args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
