"""Build and find llama.cpp's own tools (llama-server, -bench, -quantize) from the source llama-cpp-python vendors.

Both backends then run one llama.cpp version, built with the same safe CPU flags.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from kit import paths
from kit.errors import BuildError
from kit.runtime import buildflags

TOOLS = ("llama-server", "llama-bench", "llama-quantize")
_CMAKE_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
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
    """The installed llama-cpp-python version (whose vendored llama.cpp the tools are built from)."""
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        raise BuildError("llama-cpp-python is not installed. Run `make demo` (or see the README).") from None


def cmake_flags() -> str:
    """The CPU (and optional GPU) flags, the same as the Makefile gives llama-cpp-python."""
    return buildflags.cmake_args(extra=os.environ.get("KIT_CMAKE_EXTRA", ""))


def build_dir() -> Path:
    """Where this version, built with these flags, lives."""
    return paths.native_dir() / f"{llama_cpp_version()}-{buildflags.build_key(cmake_flags())}"


def tool_path(tool: str) -> Path | None:
    """The built binary, or None if it has not been built."""
    path = build_dir() / "bin" / tool
    return path if path.is_file() and os.access(path, os.X_OK) else None


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


def build(sdist: Path | None = None, on_line: Callable[[str], None] | None = None, jobs: int | None = None,
          targets: tuple[str, ...] = TOOLS) -> Path:
    """Build the llama.cpp ``targets`` (default: all TOOLS) into the ``bin`` folder, keeping the others there."""
    unknown = [t for t in targets if t not in TOOLS]
    if unknown:
        raise BuildError(f"Unknown llama.cpp tool(s) {', '.join(unknown)}; the kit builds {', '.join(TOOLS)}.")
    if shutil.which("cmake") is None:
        raise BuildError("cmake is not installed. Install it (e.g. `sudo apt-get install cmake`) and retry.")
    version = llama_cpp_version()
    sdist = Path(sdist) if sdist else (_find_sdist(version) or download_sdist(version))
    if not sdist.is_file():
        raise BuildError(f"No source archive at {sdist}.")
    target = build_dir()
    target.mkdir(parents=True, exist_ok=True)
    log_file = target / "build.log"
    with tempfile.TemporaryDirectory(prefix="kit-llama-build-") as tmp, log_file.open("w") as log:
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers() if "/vendor/llama.cpp/" in m.name]
            archive.extractall(tmp, members=members, filter="data")
        source = next(Path(tmp).glob("*/vendor/llama.cpp"))
        build = Path(tmp) / "build"
        flags = cmake_flags().split()
        _run(["cmake", "-S", str(source), "-B", str(build), *_CMAKE_OPTIONS, *flags], log, on_line)
        jobs = jobs or os.cpu_count() or 2
        _run(["cmake", "--build", str(build), "--config", "Release", "-j", str(jobs),
              "--target", *targets], log, on_line)
        (target / "bin").mkdir(exist_ok=True)
        for tool in targets:
            built = next(build.glob(f"**/bin/{tool}"), None)
            if built is None:
                raise BuildError(f"The build finished but {tool} is missing; see {log_file}.")
            shutil.copy2(built, target / "bin" / tool)
    (target / "flags.txt").write_text(" ".join(flags) + "\n")
    return target / "bin"


def progress_percent(line: str) -> int | None:
    """The percentage in a CMake build line like ``[ 42%] Building CXX object ...``."""
    match = re.match(r"\[\s*(\d+)%\]", line)
    return int(match.group(1)) if match else None


def progress_printer(label: str) -> Callable[[str], None]:
    """An ``on_line`` callback for :func:`build` that shows ``label: NN%`` on one line, as it changes."""
    shown = {"pct": None}

    def show(line: str) -> None:
        pct = progress_percent(line)
        if pct is not None and pct != shown["pct"]:
            shown["pct"] = pct
            print(f"\r{label}: {pct:3d}%", end="" if pct < 100 else "\n", flush=True)

    return show
