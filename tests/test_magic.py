"""``%load_ext kit``: ``%%kit`` and ``%kit`` on a real IPython shell, with the embedded model (and a fake for pure logic)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from fakes import FakeModel
from kit import magic


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "kit")
    yield ip
    ip.magics_manager.magics["cell"]["kit"].__self__.use(None)


@pytest.fixture
def magics(shell):
    state = shell.magics_manager.magics["cell"]["kit"].__self__
    saved = state.model
    yield state
    state.use(saved)
    state.confidential = False


def _cell(shell, line: str, cell: str):
    with capture_output() as captured:
        shell.run_cell_magic("kit", line, cell)
    return captured


def _one_line_error(captured, *words: str) -> None:
    assert "Traceback" not in captured.stderr + captured.stdout and not captured.outputs
    lines = captured.stderr.strip().splitlines()
    assert len(lines) == 1, captured.stderr
    for word in words:
        assert word in lines[0]


def test_importing_kit_does_not_import_ipython():
    code = "import sys, kit; assert 'IPython' not in sys.modules and 'kit.magic' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_interpolation_fills_variables_and_history_and_leaves_unknown_ones(shell, magics):
    fake = FakeModel(replies=lambda messages: "ok")
    magics.use(fake)
    shell.user_ns["city"] = "Cardiff"
    shell.run_cell("1 / 0", store_history=True)  # an error for {Err[N]}
    failed = shell.execution_count - 1
    shell.run_cell("40 + 2", store_history=True)
    done = shell.execution_count - 1
    _cell(shell, "-f text", f"Weather in {{city}}? {{unknown}} {{Out[{done}]}} {{In[{done}]}} {{Err[{failed}]}} {{Out[9999]}}")
    prompt = fake.calls[-1][-1]["content"]
    assert prompt == f"Weather in Cardiff? {{unknown}} 42 40 + 2 ZeroDivisionError: division by zero {{Out[9999]}}"


def test_pure_helpers():
    assert magic.interpolate("{a}{b}{ a }", {"a": 1}) == "1{b}{ a }"
    assert magic.code_of("Here:\n```python\nx = 1\n```\nand\n```\ny = 2\n```") == "x = 1\ny = 2"
    assert magic.code_of("print(1)\n") == "print(1)"


def test_markdown_streams_into_one_display_then_renders_with_the_models_identity(shell, magics, model):
    magics.use(model)
    captured = _cell(shell, "--max-tokens 24", "Name one colour.")
    assert captured.outputs, "nothing was displayed"
    ids = {output.transient["display_id"] for output in captured.outputs if output.transient}
    assert len(ids) == 1  # the first display and every update are one output
    final = captured.outputs[-1]
    assert final.data["text/markdown"] == magics.last_text and magics.last_text.strip()
    assert final.metadata["kit"] == {"model": model.info.name, "sha256": model.info.sha256, "confidential": False}
    assert model.last.completion_tokens <= 24


def test_a_rerun_gives_the_same_text_and_text_format_is_plain(shell, magics, model):
    magics.use(model)
    first = _cell(shell, "-f text --max-tokens 16", "Say hello to {who}.".replace("{who}", "Ana"))
    second = _cell(shell, "-f text --max-tokens 16", "Say hello to Ana.")
    assert first.outputs[-1].data == second.outputs[-1].data
    assert "text/markdown" not in second.outputs[-1].data


def test_code_format_puts_the_code_in_a_new_cell(shell, magics):
    magics.use(FakeModel(replies=["Try this:\n```python\nprint('hi')\n```"]))
    with capture_output():
        shell.run_cell_magic("kit", "-f code", "Print hi.")
    assert shell.rl_next_input == "print('hi')"


def test_json_with_a_schema_shows_the_validated_object(shell, magics, model):
    shell.run_cell("from pydantic import BaseModel\nclass City(BaseModel):\n    name: str\n    country: str\n")
    magics.use(model)
    captured = _cell(shell, "-f json --schema City --max-tokens 48", "Cardiff is a city in Wales. Give its name and country.")
    final = captured.outputs[-1]
    assert set(final.data["application/json"]) == {"name", "country"}
    assert final.data["text/plain"].startswith("City(")
    assert final.metadata["kit"]["sha256"] == model.info.sha256


def test_a_bad_schema_name_is_one_line(shell, magics, model):
    magics.use(model)
    _one_line_error(_cell(shell, "-f json --schema NoSuchClass", "x"), "NoSuchClass", "not defined")
    shell.user_ns["NotAClass"] = 3
    _one_line_error(_cell(shell, "-f json --schema NotAClass", "x"), "not a pydantic class")
    _one_line_error(_cell(shell, "--schema City", "x"), "-f json")


def test_bad_options_and_no_model_are_one_line(shell, magics):
    _one_line_error(_cell(shell, "-f yaml", "x"), "invalid choice", "%kit help")
    _one_line_error(_cell(shell, "--max-tokens 0", "x"), "--max-tokens")
    _one_line_error(_cell(shell, "no-such-model-xyz", "x"), "no-such-model-xyz")
    with capture_output() as captured:
        shell.run_line_magic("kit", "model /nowhere/missing.gguf")
    _one_line_error(captured, "missing.gguf")
    with capture_output() as captured:
        shell.run_line_magic("kit", "frobnicate")
    _one_line_error(captured, "frobnicate", "%kit help")


def test_status_confidential_and_help(shell, magics, model):
    magics.use(model)
    with capture_output() as captured:
        shell.run_line_magic("kit", "confidential on")
        shell.run_line_magic("kit", "status")
        shell.run_line_magic("kit", "help")
    out = captured.stdout
    assert f"model: {model.info.name}" in out and f"context: {model.info.context_size} tokens" in out
    assert f"threads: {model.info.details['n_threads']}" in out and "backend: " in out
    assert "confidential: on" in out and "%%kit [MODEL]" in out
    assert magics.confidential
    fake = FakeModel(replies=lambda messages: "ok")
    magics.use(fake)
    captured = _cell(shell, "", "hi")
    assert captured.outputs[-1].metadata["kit"]["confidential"] is True
