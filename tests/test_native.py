"""llama.cpp is built once: llama-cpp-python loads the libraries that llama-server and the other tools link."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from pathlib import Path

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


def _fake_sdist(path):
    """A source archive with the layout of llama-cpp-python's: the kit extracts only vendor/llama.cpp's sources."""
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as archive:
        for name in ("CMakeLists.txt", "src/llama.cpp", "models/ggml-vocab-llama.gguf", "docs/build.md"):
            data = b"x"
            info = tarfile.TarInfo(f"llama_cpp_python-0.0.0/vendor/llama.cpp/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_tools_continue_the_libraries_build_without_configuring_or_extracting_again(monkeypatch, tmp_path):
    """Two steps, one CMake tree: the second compiles only the tools' targets, and the tree goes once all are built."""
    monkeypatch.setenv("KIT_NATIVE_DIR", str(tmp_path / "native"))
    monkeypatch.setattr(native, "_generator", lambda: [])
    commands = []

    def fake_run(cmd, log, on_line):
        commands.append(cmd)
        build = Path(cmd[cmd.index("-B") + 1] if "-B" in cmd else cmd[2])
        if "-S" in cmd:
            build.mkdir(parents=True)
            (build / "CMakeCache.txt").write_text("")
            return
        (build / "bin").mkdir(exist_ok=True)
        for name in cmd[cmd.index("--target") + 1:]:
            (build / "bin" / (f"lib{name}.so" if name in native.LIBRARIES else name)).write_text(name)
            if name not in native.LIBRARIES:
                (build / "bin" / name).chmod(0o755)

    monkeypatch.setattr(native, "_run", fake_run)
    sdist = _fake_sdist(tmp_path / "llama_cpp_python-0.0.0.tar.gz")
    native.build(sdist, targets=(), install=False)
    source = native.build_dir() / "tree" / "source" / "llama_cpp_python-0.0.0" / "vendor" / "llama.cpp"
    assert (source / "src" / "llama.cpp").is_file() and not (source / "models").exists()  # no test vocabularies
    assert [c[:2] for c in commands] == [["cmake", "-S"], ["cmake", "--build"]]
    assert commands[1][commands[1].index("--target") + 1:] == list(native.LIBRARIES)
    assert native.libraries_built() and not native.is_built() and native.tool_path("llama-server") is None

    commands.clear()
    assert native.build(targets=native.TOOLS, reuse=True, install=False) == native.build_dir() / "bin"
    assert [c[:2] for c in commands] == [["cmake", "--build"]]  # no sdist needed, no configure: the same tree
    assert commands[0][commands[0].index("--target") + 1:] == [*native.TOOLS, *native.LIBRARIES]
    assert native.is_built() and not (native.build_dir() / "tree").exists()

    commands.clear()
    native.build(targets=native.TOOLS, reuse=True, install=False)
    assert commands == []  # built: reused, not compiled


def test_a_tree_configured_for_other_flags_is_made_anew(monkeypatch, tmp_path):
    monkeypatch.setenv("KIT_NATIVE_DIR", str(tmp_path / "native"))
    tree = native.build_dir() / "tree"
    (tree / "build").mkdir(parents=True)
    (tree / "build" / "CMakeCache.txt").write_text("")
    (tree / "flags.txt").write_text("-DGGML_AVX512=ON\n")
    calls = []
    monkeypatch.setattr(native, "_generator", lambda: [])
    monkeypatch.setattr(native, "_run", lambda cmd, log, on_line: calls.append(cmd) or
                        (tree / "build").mkdir(parents=True, exist_ok=True))
    with open(tmp_path / "log", "w") as log:
        native._tree(native.build_dir(), _fake_sdist(tmp_path / "s.tar.gz"), native.cmake_flags().split(), log, None)
    assert calls and calls[0][:2] == ["cmake", "-S"]
    assert (tree / "flags.txt").read_text().split() == native.cmake_flags().split()


def test_build_server_libraries_reuse_says_so_and_compiles_nothing(monkeypatch, capsys):
    from kit.cli import main

    monkeypatch.setattr(native, "_compile", lambda *a, **k: pytest.fail("compiled although the libraries are built"))
    assert main(["build-server", "--libraries", "--reuse"]) == 0
    out = capsys.readouterr().out
    assert "already built for these flags" in out and "built on first use" in out
    assert native.uses_this_build()
