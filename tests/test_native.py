"""llama.cpp's own tools are built from the vendored source with the same safe flags as llama-cpp-python."""

from __future__ import annotations

import subprocess

from kit.runtime import native


def test_tools_are_built_with_this_cpus_safe_flags():
    for tool in native.TOOLS:
        assert native.tool_path(tool) is not None, f"{tool} missing: run `make install` or `kit build-server`"
    flags = (native.build_dir() / "flags.txt").read_text().split()
    assert flags == native.cmake_flags().split()
    assert "-DGGML_NATIVE=OFF" in flags and "-DGGML_AMX_TILE=OFF" in flags


def test_server_binary_runs_and_reports_its_build():
    out = subprocess.run([str(native.tool_path("llama-server")), "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "version" in (out.stdout + out.stderr).lower()


def test_build_progress_lines_are_parsed():
    assert native.progress_percent("[ 42%] Building CXX object ggml.c") == 42
    assert native.progress_percent("-- Configuring done") is None
