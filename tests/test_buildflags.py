"""llama.cpp build flags follow the CPU: AMX always off, AVX-512 only where the CPU has it."""

from __future__ import annotations

from kit.runtime import buildflags

AMX_CPU = "flags\t\t: fpu sse4_2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512_vnni amx_tile amx_int8 amx_bf16\n"
AVX2_CPU = "flags\t\t: fpu sse4_2 avx avx2 fma f16c bmi2\n"


def test_amx_cpu_gets_avx512_and_never_amx():
    args = buildflags.cmake_args(buildflags.cpu_flags(AMX_CPU), machine="x86_64")
    assert "-DGGML_NATIVE=OFF" in args
    assert "-DGGML_AVX512=ON" in args and "-DGGML_AVX512_VNNI=ON" in args
    for amx in ("GGML_AMX_TILE", "GGML_AMX_INT8", "GGML_AMX_BF16"):
        assert f"-D{amx}=OFF" in args and f"-D{amx}=ON" not in args


def test_avx2_only_cpu_gets_no_avx512():
    args = buildflags.cmake_args(buildflags.cpu_flags(AVX2_CPU), machine="x86_64")
    assert "-DGGML_AVX2=ON" in args and "-DGGML_FMA=ON" in args and "-DGGML_F16C=ON" in args
    assert "-DGGML_AVX512=OFF" in args


def test_arm_keeps_llama_cpp_detection_and_gpu_extras_come_last():
    args = buildflags.cmake_args(set(), machine="arm64", extra="-DGGML_METAL=on")
    assert args == "-DGGML_METAL=on"


def test_build_key_changes_with_the_flags():
    a = buildflags.cmake_args(buildflags.cpu_flags(AMX_CPU), machine="x86_64")
    b = buildflags.cmake_args(buildflags.cpu_flags(AVX2_CPU), machine="x86_64")
    assert buildflags.build_key(a) != buildflags.build_key(b)


def test_cuda_builds_for_the_gpu_it_runs_on(monkeypatch):
    monkeypatch.delenv("CUDAARCHS", raising=False)
    args = buildflags.cmake_args(buildflags.cpu_flags(AVX2_CPU), machine="x86_64", extra="-DGGML_CUDA=on")
    assert args.endswith("-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native")
    assert "-DGGML_NATIVE=OFF" in args


def test_a_given_cuda_architecture_is_kept():
    args = buildflags.cmake_args(set(), machine="x86_64", extra="-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90")
    assert "-DCMAKE_CUDA_ARCHITECTURES=90" in args and "native" not in args
    typed = buildflags.cmake_args(set(), machine="x86_64", extra="-DGGML_CUDA:BOOL=1 -DCMAKE_CUDA_ARCHITECTURES:STRING=89")
    assert "=native" not in typed


def test_cudaarchs_environment_counts_as_given(monkeypatch):
    monkeypatch.setenv("CUDAARCHS", "90")
    assert "native" not in buildflags.cmake_args(set(), machine="x86_64", extra="-DGGML_CUDA=on")


def test_no_cuda_arch_without_cuda():
    for extra in ("", "-DGGML_METAL=on", "-DGGML_CUDA=off", "-DGGML_VULKAN=on"):
        assert "CMAKE_CUDA_ARCHITECTURES" not in buildflags.cmake_args(set(), machine="x86_64", extra=extra)


def test_cli_prints_flags_and_key_with_cuda(monkeypatch, capsys):
    monkeypatch.setenv("KIT_CMAKE_EXTRA", "-DGGML_CUDA=on")
    monkeypatch.delenv("CUDAARCHS", raising=False)
    buildflags.main([])
    flags = capsys.readouterr().out.strip()
    assert flags.endswith("-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=native")
    buildflags.main(["--key"])
    assert capsys.readouterr().out.strip() == buildflags.build_key(flags)
