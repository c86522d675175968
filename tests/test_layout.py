"""The shape of the tree: no import circle, no path outside the repository, README names that import, apps in place.

Pure and fast: files are read and parsed, nothing runs a model.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

KIT = ROOT / "kit"
OUTSIDE = "/".join(("..", "shared"))  # a folder beside our own checkout, which a clone does not have


# -- no import circle ------------------------------------------------------------------------------------
def kit_modules() -> dict[str, Path]:
    """Every module under kit/ by dotted name (a package by its own name, not ``.__init__``)."""
    modules = {}
    for path in sorted(KIT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imported(node: ast.AST, name: str, path: Path, modules: dict[str, Path]) -> list[str]:
    """The kit modules one import statement names (``from a import b``: ``a.b`` when that is a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: from the module's own package, one level up per extra dot
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([node.module] if node.module else []))
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]


def import_graph() -> dict[str, set[str]]:
    """Module -> the kit modules it imports, at module level or inside functions (a parent package is not an edge)."""
    modules = kit_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _imported(node, name, path, modules):
                while target and target not in modules:  # kit.a.b.func -> kit.a.b
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _path_through(component: list[str], graph: dict[str, set[str]]) -> str:
    """One circle inside ``component`` written out: a -> b -> ... -> a."""
    start, members = component[0], set(component)
    trail, seen = [start], {start}
    while True:
        step = next((t for t in sorted(graph[trail[-1]]) if t in members and (t == start or t not in seen)), None)
        if step is None or step == start:
            return " -> ".join(trail + [start])
        trail.append(step)
        seen.add(step)


def test_the_circle_finder_finds_a_circle_and_reads_relative_imports():
    graph = {"kit.a": {"kit.b"}, "kit.b": {"kit.c"}, "kit.c": {"kit.a"}, "kit.d": {"kit.a"}}
    assert circles(graph) == [["kit.a", "kit.b", "kit.c"]]
    assert _path_through(["kit.a", "kit.b", "kit.c"], graph) == "kit.a -> kit.b -> kit.c -> kit.a"
    modules = {"kit.x": Path("kit/x/__init__.py"), "kit.x.y": Path("kit/x/y.py"), "kit.x.z": Path("kit/x/z.py")}
    node = ast.parse("from .z import f").body[0]
    assert _imported(node, "kit.x.y", modules["kit.x.y"], modules) == ["kit.x.z"]
    assert _imported(ast.parse("from . import z").body[0], "kit.x", modules["kit.x"], modules) == ["kit.x.z"]


def test_kit_has_no_import_circle():
    graph = import_graph()
    found = circles(graph)
    assert not found, "Import circles among kit's modules (function-level imports count too):\n" + "\n".join(
        _path_through(component, graph) for component in found)


# -- nothing outside the repository -------------------------------------------------------------------------
def project_files() -> list[Path]:
    """The files the project holds: git's tracked and not-ignored files in a checkout, else a walk of the tree."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "__pycache__", "node_modules"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [ROOT / name for name in sorted(set(listed.decode().split("\0"))) if name and (ROOT / name).is_file()]


def test_no_file_names_a_folder_outside_the_repository():
    naming = []
    for path in project_files():
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # binary (images, parquet, models)
            continue
        if OUTSIDE.encode() in data:
            naming.append(str(path.relative_to(ROOT)))
    assert not naming, f"These files name {OUTSIDE}, which a clone of the repository does not have: {naming}"


# -- every name the README shows imports ------------------------------------------------------------------
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
DOTTED = re.compile(r"(?<![\w./-])kit(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^\s*from\s+(kit(?:\.\w+)*)\s+import\s+\(?([\w\s,]+?)\)?\s*(?:#.*)?$", re.MULTILINE)


def readme_names(text: str) -> set[str]:
    """Dotted ``kit.…`` names in python blocks and inline code, and each name of ``from kit… import a, b`` lines."""
    pieces = [body for lang, body in FENCE.findall(text) if lang in ("python", "py")]
    prose = FENCE.sub("", text)
    pieces += re.findall(r"`([^`\n]+)`", prose)
    names = set()
    for piece in pieces:
        for module, imported in FROM_IMPORT.findall(piece):
            for alias in imported.split(","):
                if alias.split():
                    names.add(f"{module}.{alias.split()[0]}")
        names.update(DOTTED.findall(FROM_IMPORT.sub("", piece)))
    return names


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module, or an attribute reached from the longest module that imports."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        module_name = ".".join(parts[:end])
        try:
            value = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):  # no such module: try a shorter one
                continue
            raise
        for attribute in parts[end:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


def test_the_readme_parser_finds_dotted_names_and_imports():
    text = ("Use `kit.map` or `kit/admin/` (a folder).\n\n```python\nfrom kit.docs import ingest, DocStore as D\n"
            "from kit import redact  # comment\nchain = kit.fallback(url)  # not fellowship-kit.git\n```\n"
            "```bash\nkit.ignored_here\n```\n")
    assert readme_names(text) == {"kit.map", "kit.docs.ingest", "kit.docs.DocStore", "kit.redact", "kit.fallback"}
    assert resolves("kit.paths.datasets_dir") and resolves("kit.map") and not resolves("kit.no_such_name")


def test_every_name_the_readme_shows_imports():
    names = readme_names((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(names) > 10
    missing = sorted(name for name in names if not resolves(name))
    assert not missing, f"README.md shows names that do not import: {missing}"


# -- where app code lives --------------------------------------------------------------------------------
def _code(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def _defines(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


APPS = sorted((ROOT / "notebooks" / "apps").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", APPS, ids=[p.stem for p in APPS])
def test_each_app_notebook_takes_its_panel_from_its_tools_app_module(notebook):
    imports = [(module, names) for module, names in FROM_IMPORT.findall(_code(notebook)) if module.endswith(".app")]
    assert imports, f"{notebook.name} imports no panel from a kit.<tool>.app module"
    for module, names in imports:
        assert module != "kit.widgets.app", f"{notebook.name}: kit.widgets.app is the shared skeleton, not a panel"
        path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
        assert path.is_file(), f"{notebook.name} imports from {module}, but there is no {path.relative_to(ROOT)}"
        wanted = {alias.split()[0] for alias in names.split(",") if alias.split()}
        assert wanted <= _defines(path), f"{module} does not define {sorted(wanted - _defines(path))}"


def test_kit_widgets_keeps_only_the_shared_pieces_and_tools_import_without_widgets():
    shared = sorted(p.name for p in (KIT / "widgets").glob("*.py"))
    assert shared == ["__init__.py", "app.py", "html.py", "jobs.py"], f"a tool's app lives in its package: {shared}"
    tools = sorted(".".join(p.parent.relative_to(ROOT).parts) for p in KIT.rglob("app.py") if p.parent.name != "widgets")
    views = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in sorted(KIT.rglob("view.py"))]
    assert len(tools) >= 6 and views
    code = (f"import importlib, sys; [importlib.import_module(m) for m in {tools + views!r}]; "
            "print('ipywidgets' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False", f"importing {tools + views} loads ipywidgets: only app.py modules may"
