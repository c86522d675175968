"""llama.cpp is built once: llama-cpp-python loads the libraries that llama-server and the other tools link."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys

import pytest

from kit.errors import BuildError
from kit.runtime import native

LOADED_LIBRARIES = """
import re, llama_cpp
from llama_cpp import llama_chat_format
import llama_cpp._ggml, llama_cpp.mtmd_cpp  # libggml and libmtmd (the vision chat handlers load it on first use)
maps = open("/proc/self/maps").read()
print("\\n".join(sorted(set(re.findall(r"(/\\S*/lib(?:llama|ggml|mtmd)[\\w.-]*\\.so[\\d.]*)$", maps, re.M)))))
"""


def _linked(program) -> dict[str, str]:
    """What the dynamic loader resolves each needed library of ``program`` to (``ldd``)."""
    out = subprocess.run(["ldd", str(program)], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^\s*(\S+) => (\S+)", out, re.M))


def test_tools_are_built_with_this_cpus_safe_flags():
    for tool in native.TOOLS:
        assert native.tool_path(tool) is not None, f"{tool} missing: run `make install` or `kit build-server`"
    flags = (native.build_dir() / "flags.txt").read_text().split()
    assert flags == native.cmake_flags().split()
    assert "-DGGML_NATIVE=OFF" in flags and "-DGGML_AMX_TILE=OFF" in flags
    assert native.is_built()


def test_server_binary_runs_and_reports_its_build():
    out = subprocess.run([str(native.tool_path("llama-server")), "--version"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "version" in (out.stdout + out.stderr).lower()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and uses ldd")
def test_the_tools_link_the_shared_libraries_beside_them():
    lib = native.build_dir() / "lib"
    for tool in native.TOOLS:
        linked = _linked(native.tool_path(tool))
        llama = next(path for name, path in linked.items() if name.startswith("libllama.so"))
        assert os.path.samefile(llama, native.library_file("llama", lib)), f"{tool} loads {llama}"
        assert all("not found" not in path for path in linked.values())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_llama_cpp_python_loads_the_same_build_with_no_environment_variable():
    env = {k: v for k, v in os.environ.items() if k not in ("LLAMA_CPP_LIB_PATH", "MTMD_CPP_LIB", "LD_LIBRARY_PATH")}
    out = subprocess.run([sys.executable, "-c", LOADED_LIBRARIES], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = out.stdout.split()
    package = native.package_lib_dir()
    names = {os.path.basename(p).split(".so")[0] for p in loaded}
    assert {"libllama", "libggml", "libggml-base", "libggml-cpu", "libmtmd"} <= names, loaded
    for path in loaded:  # every llama.cpp library comes from the package folder and is the build's own file
        assert os.path.dirname(path) == str(package), path
        assert filecmp.cmp(path, native.build_dir() / "lib" / os.path.basename(path), shallow=False), path
    assert native.uses_this_build()


def test_the_library_and_the_server_report_the_same_llama_cpp_version():
    import llama_cpp

    version = llama_cpp.llama_version().decode()
    out = subprocess.run([str(native.tool_path("llama-server")), "--version"], capture_output=True, text=True, timeout=30)
    assert version and version in out.stdout + out.stderr


def test_reuse_installs_the_built_libraries_without_compiling(monkeypatch):
    def no_compile(*args, **kwargs):
        raise AssertionError("compiled although this version and these flags are built")

    monkeypatch.setattr(native, "_compile", no_compile)
    assert native.build(reuse=True) == native.build_dir() / "bin"
    assert native.uses_this_build()


def test_installing_replaces_each_library_in_one_step(tmp_path):
    """A process that has the old library loaded keeps a whole file: the new one arrives by rename, never in place."""
    old, new = tmp_path / "libllama.so.0.5.0", tmp_path / "build" / "libllama.so.0.5.0"
    new.parent.mkdir()
    old.write_bytes(b"old")
    new.write_bytes(b"new")
    held = old.open("rb")
    native._place(new, old, link=True)
    assert held.read() == b"old" and old.read_bytes() == b"new" and os.path.samefile(old, new)
    link = tmp_path / "build" / "libllama.so"
    link.symlink_to("libllama.so.0.5.0")
    native._place(link, tmp_path / "libllama.so")
    assert os.readlink(tmp_path / "libllama.so") == "libllama.so.0.5.0"


def test_installing_without_a_build_says_what_to_run(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_NATIVE_DIR", str(tmp_path))
    with pytest.raises(BuildError, match="kit build-server"):
        native.install_libraries()


def test_build_progress_lines_are_parsed():
    assert native.progress_percent("[ 42%] Building CXX object ggml.c") == 42
    assert native.progress_percent("[84/200] Building CXX object src/llama.cpp.o") == 42
    assert native.progress_percent("-- Configuring done") is None


def test_the_progress_line_only_rises(capsys):
    show = native.progress_printer("Building llama.cpp")
    for line in ("[  1%] a", "[  0%] b", "[ 50%] c", "[100%] Built target llama-server", "[  7%] d", "[100%] e"):
        show(line)
    assert capsys.readouterr().out == "\rBuilding llama.cpp:   1%\rBuilding llama.cpp:  50%\rBuilding llama.cpp: 100%\n"


def test_doctor_says_the_library_and_the_tools_are_one_build():
    from kit import doctor

    assert "one build with llama-server" in doctor.report()["llama_cpp"]["llama_libraries"]
