"""Build llama.cpp once from the source llama-cpp-python vendors: its shared libraries and its own tools.

One CMake build, with the kit's safe CPU (and optional GPU) flags, makes the shared libraries
llama-cpp-python loads (libllama, libggml*) and llama-server, llama-bench and llama-quantize, which link
those same libraries (and libmtmd, which llama-server needs). All of it goes into :func:`build_dir`
(``lib/`` and ``bin/``), and the libraries are also put into llama-cpp-python's own ``llama_cpp/lib``
folder, where its loader looks in every process (kernels, Voila, papermill, Dask workers) with no
environment variable. Both backends run one llama.cpp build.

The build comes in two steps over one kept CMake tree: ``make demo`` builds the libraries alone (what
in-process models need, a third of the compile), and the tools are compiled later (``make test``,
``kit build-server``, or the first ``kit serve``) against those same libraries, never compiling them again.
The tree (``build_dir()/tree``) is removed once every tool is built.
"""

from __future__ import annotations

import contextlib
import filecmp
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: builds are not locked
    fcntl = None

from kit import paths
from kit.errors import BuildError
from kit.runtime import buildflags

TOOLS = ("llama-server", "llama-bench", "llama-quantize")
# The libraries llama-cpp-python loads for text (building ggml also builds ggml-base, ggml-cpu and any GPU
# backend). libmtmd (images and audio) is llama-server's: it is built with the server and installed beside
# these, where llama-cpp-python's vision chat handlers find it; the kit's own code never loads it.
LIBRARIES = ("llama", "ggml")
# Folders of the vendored source no build target reads: test vocabularies, documentation, benchmarks.
_NOT_EXTRACTED = ("models/", "docs/", "objects/", "benches/", "tests/")
# Their files, with the libraries they need, as they go into llama-cpp-python's package folder.
_PACKAGE_LIB_PREFIXES = ("libllama.", "libggml", "libmtmd.")
_ORIGIN = "@loader_path" if sys.platform == "darwin" else "$ORIGIN"
_CMAKE_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=ON",
    # Libraries find each other beside themselves, and the tools find them in ../lib, wherever they are copied.
    "-DCMAKE_BUILD_WITH_INSTALL_RPATH=ON",
    f"-DCMAKE_INSTALL_RPATH={_ORIGIN};{_ORIGIN}/../lib",
    "-DLLAMA_BUILD_COMMON=ON",
    "-DLLAMA_BUILD_TOOLS=ON",
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    # No web UI: it would be fetched from the internet at build time, and the kit does not need it.
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_OPENSSL=OFF",
]


def llama_cpp_version() -> str:
    """The installed llama-cpp-python version (whose vendored llama.cpp is built)."""
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        raise BuildError("llama-cpp-python is not installed. Run `make demo` (or see the README).") from None


def cmake_flags() -> str:
    """The CPU (and optional GPU) flags: ``kit.runtime.buildflags`` plus ``KIT_CMAKE_EXTRA``."""
    return buildflags.cmake_args(extra=os.environ.get("KIT_CMAKE_EXTRA", ""))


def build_dir() -> Path:
    """Where this version, built with these flags, lives."""
    return paths.native_dir() / f"{llama_cpp_version()}-{buildflags.build_key(cmake_flags())}"


def tool_path(tool: str) -> Path | None:
    """The built binary, or None if it has not been built."""
    path = build_dir() / "bin" / tool
    return path if path.is_file() and os.access(path, os.X_OK) else None


def library_file(name: str, folder: Path) -> Path:
    """The file llama-cpp-python's loader opens for library ``name`` (``llama`` -> ``libllama.so``) in ``folder``."""
    suffix = ".dylib" if sys.platform == "darwin" else ".so"
    return folder / f"lib{name}{suffix}"


def libraries_built() -> bool:
    """Whether the libraries llama-cpp-python loads are built for this version and these flags."""
    folder = build_dir()
    flags = folder / "flags.txt"
    return (flags.is_file() and flags.read_text().split() == cmake_flags().split()
            and all(library_file(n, folder / "lib").exists() for n in LIBRARIES))


def is_built(targets: tuple[str, ...] = TOOLS) -> bool:
    """Whether the libraries and the tool ``targets`` (default: all of them) are built for this version and flags."""
    return libraries_built() and all(tool_path(t) for t in targets)


def package_lib_dir() -> Path:
    """llama-cpp-python's ``llama_cpp/lib`` folder, found without importing it (importing loads the libraries)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("llama-cpp-python is not installed. Run `make demo` (or see the README).")
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def uses_this_build() -> bool:
    """Whether llama-cpp-python's libllama is the one in :func:`build_dir` (the same file or the same bytes)."""
    ours, theirs = library_file("llama", build_dir() / "lib"), library_file("llama", package_lib_dir())
    if not (ours.exists() and theirs.exists()):
        return False
    return os.path.samefile(ours, theirs) or ours.read_bytes() == theirs.read_bytes()


def _is_shared_library(path: Path) -> bool:
    return path.name.startswith("lib") and (".so" in path.suffixes or path.suffix == ".dylib")


def _place(src: Path, dst: Path, link: bool = False) -> None:
    """Put ``src`` at ``dst`` in one rename, so a process that has the old file loaded keeps a whole one."""
    if src.is_symlink():
        if dst.is_symlink() and os.readlink(dst) == os.readlink(src):
            return
    elif _same_bytes(src, dst):  # the tools' step finds the libraries as the first step left them
        return
    temporary = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    if src.is_symlink():
        os.symlink(os.readlink(src), temporary)  # libllama.so -> libllama.so.0: relative, kept as is
    elif not (link and _hard_link(src, temporary)):
        shutil.copy2(src, temporary)
    os.replace(temporary, dst)


def _same_bytes(src: Path, dst: Path) -> bool:
    """Whether ``dst`` is ``src`` itself or a file with the same bytes."""
    if dst.is_symlink() or not dst.exists():
        return False
    return os.path.samefile(src, dst) or filecmp.cmp(src, dst, shallow=False)


def _hard_link(src: Path, dst: Path) -> bool:
    """Make ``dst`` the same file as ``src`` where both are on one file system."""
    try:
        os.link(src, dst)
        return True
    except OSError:
        return False


def install_libraries() -> Path:
    """Put the built libraries into llama-cpp-python's ``llama_cpp/lib``, replacing any copy of its own."""
    source = build_dir() / "lib"
    if not library_file("llama", source).exists():
        raise BuildError(f"No llama.cpp libraries in {source}. Run `kit build-server`.")
    target = package_lib_dir()
    try:
        target.mkdir(exist_ok=True)
        wanted = sorted(p for p in source.iterdir() if p.name.startswith(_PACKAGE_LIB_PREFIXES))
        for path in sorted(wanted, key=Path.is_symlink):  # files before the links that point at them
            _place(path, target / path.name, link=True)
        names = {p.name for p in wanted}
        for stale in target.iterdir():  # from another build (a GPU backend no longer built, an older version)
            if stale.name.startswith(_PACKAGE_LIB_PREFIXES) and stale.name not in names:
                stale.unlink()
    except OSError as exc:
        raise BuildError(f"Could not install the llama.cpp libraries into {target}: {exc}") from None
    return target


def _find_sdist(version: str) -> Path | None:
    for folder in (paths.native_dir() / "sdist", Path.cwd() / ".cache" / "sdist"):
        candidate = folder / f"llama_cpp_python-{version}.tar.gz"
        if candidate.is_file():
            return candidate
    return None


def download_sdist(version: str) -> Path:
    """Fetch the llama-cpp-python source archive with pip (a network step the user asked for)."""
    dest = paths.native_dir() / "sdist"
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
           "--dest", str(dest), f"llama-cpp-python=={version}"]
    if subprocess.run(cmd).returncode != 0:
        raise BuildError(
            f"Could not download the llama-cpp-python {version} source with pip. Check the network "
            "(or your pip index settings) and run `kit build-server` again."
        )
    return dest / f"llama_cpp_python-{version}.tar.gz"


def _run(cmd: list[str], log, on_line: Callable[[str], None] | None) -> None:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        log.write(line)
        if on_line:
            on_line(line.rstrip())
    if proc.wait() != 0:
        raise BuildError(f"`{' '.join(cmd[:3])} ...` failed; the full output is in {log.name}.")


def _generator() -> list[str]:
    """Ninja where there is one (``make install`` puts pip's in the venv), else CMake's default (make)."""
    # Ninja compiles one library's objects while another links; make waits for each library in turn,
    # which leaves one of two cores idle for much of the build.
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    ninja = shutil.which("ninja", path=search)
    return ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"] if ninja else []


def _jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 2
    except AttributeError:  # macOS
        return os.cpu_count() or 2


def build(sdist: Path | None = None, on_line: Callable[[str], None] | None = None, jobs: int | None = None,
          targets: tuple[str, ...] = TOOLS, reuse: bool = False, install: bool = True) -> Path:
    """Build the shared libraries and the tool ``targets`` (default: all TOOLS; ``()``: the libraries alone).

    The libraries go to ``build_dir()/lib``, the tools to ``build_dir()/bin`` (tools built before are kept),
    and, with ``install``, the libraries into llama-cpp-python's package. ``reuse`` skips the compile when
    :func:`is_built` says this version, these flags and these targets are built already. A build that adds
    tools to libraries built before continues their CMake tree and compiles only what the tools add.
    Returns the ``bin`` folder.
    """
    unknown = [t for t in targets if t not in TOOLS]
    if unknown:
        raise BuildError(f"Unknown llama.cpp tool(s) {', '.join(unknown)}; the kit builds {', '.join(TOOLS)}.")
    target = build_dir()
    target.mkdir(parents=True, exist_ok=True)
    with _build_lock(target):  # one build at a time per tree: `kit serve` and a quantise can both start one
        if not (reuse and is_built(targets)):
            _compile(target, sdist, on_line, jobs, targets)
    if install:
        install_libraries()
    return target / "bin"


@contextlib.contextmanager
def _build_lock(target: Path):
    with (target / ".build.lock").open("w") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def _tree(target: Path, sdist: Path | None, flags: list[str], log, on_line) -> Path:
    """The CMake build folder in ``target/tree``: kept from an earlier step with the same flags, else made anew."""
    tree = target / "tree"
    build = tree / "build"
    recorded = tree / "flags.txt"
    if (build / "CMakeCache.txt").is_file() and recorded.is_file() and recorded.read_text().split() == flags:
        return build
    shutil.rmtree(tree, ignore_errors=True)
    version = llama_cpp_version()
    sdist = Path(sdist) if sdist else (_find_sdist(version) or download_sdist(version))
    if not sdist.is_file():
        raise BuildError(f"No source archive at {sdist}.")
    tree.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if _wanted_source(m.name)]
        archive.extractall(tree / "source", members=members, filter="data")
    source = next((tree / "source").glob("*/vendor/llama.cpp"))
    _run(["cmake", "-S", str(source), "-B", str(build), *_generator(), *_CMAKE_OPTIONS, *flags], log, on_line)
    recorded.write_text(" ".join(flags) + "\n")  # after a configure that worked: a broken tree is made anew
    return build


def _wanted_source(name: str) -> bool:
    """Whether an sdist member is part of the vendored llama.cpp that a build reads."""
    _, sep, rest = name.partition("/vendor/llama.cpp/")
    return bool(sep) and not rest.startswith(_NOT_EXTRACTED)


def _compile(target: Path, sdist: Path | None, on_line, jobs: int | None, targets: tuple[str, ...]) -> None:
    if shutil.which("cmake") is None:
        raise BuildError("cmake is not installed. Install it (e.g. `sudo apt-get install cmake`) and retry.")
    for folder in (target / "lib", target / "bin"):
        folder.mkdir(parents=True, exist_ok=True)
    flags = cmake_flags().split()
    continuing = libraries_built()  # adding tools: the libraries stay built whatever happens to this step
    if not continuing:
        (target / "flags.txt").unlink(missing_ok=True)  # written last: a build cut short never counts as built
    log_file = target / "build.log"
    with log_file.open("a" if continuing else "w") as log:
        build = _tree(target, sdist, flags, log, on_line)
        # With make, each target is its own step: llama-server first, as it pulls in nearly all the rest.
        wanted = sorted(targets, key=TOOLS.index) + list(LIBRARIES)
        _run(["cmake", "--build", str(build), "--config", "Release", "-j", str(jobs or _jobs()),
              "--target", *wanted], log, on_line)
        built = build / "bin"  # llama.cpp puts libraries and programs there
        libraries = sorted((p for p in built.iterdir() if _is_shared_library(p)), key=Path.is_symlink)
        for path in libraries:
            _place(path, target / "lib" / path.name)
        for tool in targets:
            if not (built / tool).is_file():
                raise BuildError(f"The build finished but {tool} is missing; see {log_file}.")
            _place(built / tool, target / "bin" / tool)
    missing = [n for n in LIBRARIES if not library_file(n, target / "lib").exists()]
    if missing:
        raise BuildError(f"The build finished but lib{', lib'.join(missing)} is missing; see {log_file}.")
    (target / "flags.txt").write_text(" ".join(flags) + "\n")
    if is_built():  # nothing is left to build with these flags: the tree goes
        shutil.rmtree(target / "tree", ignore_errors=True)


def progress_percent(line: str) -> int | None:
    """The percentage in a build line: make's ``[ 42%] Building ...`` or Ninja's ``[84/200] Building ...``."""
    match = re.match(r"\[\s*(\d+)%\]", line)
    if match:
        return int(match.group(1))
    match = re.match(r"\[(\d+)/(\d+)\]", line)
    return 100 * int(match.group(1)) // int(match.group(2)) if match and int(match.group(2)) else None


def progress_printer(label: str) -> Callable[[str], None]:
    """An ``on_line`` callback for :func:`build` that shows ``label: NN%`` on one line, as it rises.

    Never backwards: make reports each target of a build on its own scale, and its lines arrive out of order.
    """
    shown = {"pct": -1}

    def show(line: str) -> None:
        pct = progress_percent(line)
        if pct is not None and pct > shown["pct"]:
            shown["pct"] = pct
            print(f"\r{label}: {pct:3d}%", end="" if pct < 100 else "\n", flush=True)

    return show
