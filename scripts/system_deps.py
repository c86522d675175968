"""Install the system programs `make demo` and `make test` need, or say exactly which ones and how.

Run by the Makefile with the system Python before the virtualenv exists (standard library only):
``python3 scripts/system_deps.py demo|test``. On Debian/Ubuntu it installs what is missing with apt-get when
it runs as root or ``sudo -n`` works, printing each package and why; otherwise it stops with one line naming
the packages and the command to run. It never downloads a browser build: the browser tests use the
distribution's Chromium (or the one ``KIT_CHROMIUM`` points at).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    """A system command the kit's build or tests run, and where it comes from."""

    command: str
    why: str
    debian: str
    fedora: str
    arch: str
    macos: str
    targets: tuple[str, ...]


NEEDS = (
    Need("cmake", "building llama.cpp (llama-cpp-python, llama-server, llama-bench)",
         "cmake", "cmake", "cmake", "brew install cmake", ("demo", "test")),
    Need("c++", "compiling llama.cpp", "g++", "gcc-c++", "gcc", "xcode-select --install", ("demo", "test")),
    Need("chromium", "the browser tests drive the distribution's Chromium (never a downloaded browser)",
         "chromium", "chromium", "chromium",
         "install Chromium and set KIT_CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium", ("test",)),
    Need("unshare", "the air-gap tests run notebooks in a network namespace with loopback only",
         "util-linux", "util-linux", "util-linux", "not available: the air-gap tests need Linux", ("test",)),
    Need("ip", "bringing up loopback inside the air-gap namespace", "iproute2", "iproute", "iproute2",
         "not available: the air-gap tests need Linux", ("test",)),
)

CHROMIUM_ENV = "KIT_CHROMIUM"
SKIP_BROWSER_ENV = "KIT_SKIP_BROWSER"


def chromium_path() -> str | None:
    """The Chromium the browser tests use: ``KIT_CHROMIUM`` if set, else ``chromium`` on the PATH."""
    given = os.environ.get(CHROMIUM_ENV, "").strip()
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium")


def missing(target: str) -> list[Need]:
    """The needs of ``target`` ("demo" or "test") whose command is not on this machine."""
    out = []
    for need in NEEDS:
        if target not in need.targets:
            continue
        if need.command == "chromium":
            if chromium_path() is None and os.environ.get(SKIP_BROWSER_ENV, "") != "1":
                out.append(need)
        elif shutil.which(need.command) is None:
            out.append(need)
    return out


def _distro() -> str:
    if platform.system() == "Darwin":
        return "macos"
    try:
        with open("/etc/os-release", encoding="utf-8") as fh:
            fields = dict(line.rstrip("\n").split("=", 1) for line in fh if "=" in line)
    except OSError:
        return "unknown"
    ids = {fields.get("ID", "").strip('"'), *fields.get("ID_LIKE", "").strip('"').split()}
    for name, members in (("debian", {"debian", "ubuntu"}), ("fedora", {"fedora", "rhel", "centos"}),
                          ("arch", {"arch"})):
        if ids & members:
            return name
    return "unknown"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def instructions(needs: list[Need], distro: str) -> str:
    """One line saying what is missing and the command that installs it on this kind of system."""
    commands = ", ".join(n.command for n in needs)
    if distro == "macos":
        steps = "; ".join(_unique([n.macos for n in needs]))
        return f"Missing system programs: {commands}. On macOS: {steps}. Or set {SKIP_BROWSER_ENV}=1 to skip the browser tests."
    if distro in ("fedora", "arch"):
        pkgs = " ".join(_unique([getattr(n, distro) for n in needs]))
        tool = "dnf install -y" if distro == "fedora" else "pacman -S --needed"
        return f"Missing system programs: {commands}. Install them with: sudo {tool} {pkgs}"
    pkgs = " ".join(_unique([n.debian for n in needs]))
    hint = (f" (other systems: install the equivalent packages; point the browser tests at any Chromium with "
            f"{CHROMIUM_ENV}=/path/to/chromium)") if distro == "unknown" else ""
    return f"Missing system programs: {commands}. Install them with: sudo apt-get install {pkgs}{hint}"


def _privilege() -> list[str] | None:
    """The prefix that makes apt-get run as root here, or None when neither root nor passwordless sudo."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def ensure(target: str) -> int:
    """Install what ``target`` needs where possible; 0 when everything is there afterwards."""
    needs = missing(target)
    if not needs:
        return 0
    distro = _distro()
    prefix = _privilege() if distro == "debian" and shutil.which("apt-get") else None
    if prefix is None:
        print(instructions(needs, distro), file=sys.stderr)
        return 1
    packages = _unique([n.debian for n in needs])
    for need in needs:
        print(f"Installing {need.debian} for `{need.command}`: {need.why}.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*prefix, "apt-get", "update", "-qq"], check=False, env=env)
    done = subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", *packages], env=env)
    still = missing(target)
    if done.returncode != 0 or still:
        print(f"apt-get could not install everything. {instructions(still or needs, distro)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("demo", "test", "list"):
        print("usage: python3 scripts/system_deps.py demo|test|list", file=sys.stderr)
        return 2
    if argv[0] == "list":
        for need in NEEDS:
            print(f"{need.command}\t{need.debian}\t{','.join(need.targets)}\t{need.why}")
        return 0
    return ensure(argv[0])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
