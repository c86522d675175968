"""The kit command: real subprocesses; errors are one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kit.errors import KitError
from kit.runtime.models import embedded_model_path

KIT = [sys.executable, "-m", "kit.cli"]


def run(*args: str, env: dict | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*KIT, *args], capture_output=True, env=full_env, input=input, timeout=300)


def assert_clean_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    err = result.stderr.decode()
    assert result.returncode != 0, result
    assert "Traceback" not in err, err
    assert err.startswith("kit: error:"), err
    for needle in needles:
        assert needle in err, err


def test_chat_answers(kit_home):
    result = run("chat", "Name a colour.", "--max-tokens", "8")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip()


def test_chat_closes_its_model_after_an_answer_and_after_an_error(kit_home, monkeypatch, capsys):
    import kit
    from kit import cli

    loaded, load = [], kit.load_model

    def load_and_keep(name_or_path=None):
        loaded.append(load(name_or_path, n_ctx=512, cache=False, log=False))
        return loaded[-1]

    monkeypatch.setattr(kit, "load_model", load_and_keep)
    assert cli.main(["chat", "Name a colour.", "--max-tokens", "4"]) == 0
    assert capsys.readouterr().out.strip()
    assert cli.main(["chat", "  "]) == 1  # the prompt is refused inside the with block
    assert "prompt is empty" in capsys.readouterr().err
    assert len(loaded) == 2
    for model in loaded:
        with pytest.raises(KitError, match="closed"):
            model.chat("Hi", max_tokens=2)


def test_missing_model_file(tmp_path):
    assert_clean_error(run("chat", "hi", "--model", str(tmp_path / "gone.gguf")), "No model file at", "kit models list")


def test_file_that_is_not_gguf(tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"<html>Not Found</html>")
    assert_clean_error(run("chat", "hi", "--model", str(bad)), "not a GGUF model file")


def test_truncated_gguf(tmp_path):
    cut = tmp_path / "cut.gguf"
    with embedded_model_path().open("rb") as handle:
        cut.write_bytes(handle.read(5_000_000))
    assert_clean_error(run("chat", "hi", "--model", str(cut)), "truncated GGUF", "kit models pull")


def test_unknown_catalog_name():
    assert_clean_error(run("models", "info", "llama-7"), "llama-3.2-1b-instruct", "llama-3.1-8b-instruct")
    assert_clean_error(run("chat", "hi", "--model", "llama-7"), "Valid names")


def test_empty_prompt():
    assert_clean_error(run("chat", "  "), "prompt is empty")


def test_prompt_over_the_context():
    assert_clean_error(run("chat", "Budget meeting notes. " * 1200), "context holds 4096")


def test_server_url_that_does_not_answer():
    result = run("chat", "hi", env={"KIT_SERVER_URL": "http://127.0.0.1:9"})
    assert_clean_error(result, "No llama-server answers at http://127.0.0.1:9", "kit serve")


def test_non_utf8_argument():
    prompt = os.fsdecode(b"Caf\xe9 hours")  # how Python receives a Latin-1 byte on a UTF-8 command line
    assert_clean_error(run("chat", prompt), "not valid UTF-8")


def test_bad_environment_number():
    assert_clean_error(run("chat", "hi", env={"KIT_N_CTX": "lots"}), "KIT_N_CTX='lots' is not a whole number")


def test_models_list_and_info():
    listing = run("models", "list").stdout.decode()
    for name in ("smollm2-135m", "llama-3.2-1b-instruct", "llama-3.2-3b-instruct", "llama-3.1-8b-instruct"):
        assert name in listing
    info = run("models", "info", "llama-3.1-8b-instruct").stdout.decode()
    assert "sha256:" in info and "Llama 3.1 Community License" in info and "131,072" in info


def test_models_add_default_and_verify(tmp_path):
    copy = tmp_path / "council.gguf"
    copy.write_bytes(embedded_model_path().read_bytes())
    assert run("models", "add", str(copy), "--name", "council").returncode == 0
    assert run("models", "default", "council").returncode == 0
    doctor = run("doctor", "--json").stdout.decode()
    assert '"name": "council"' in doctor and '"chosen_by": "config"' in doctor
    verify = run("models", "verify")
    assert verify.returncode == 0 and "OK  smollm2-135m" in verify.stdout.decode()


def test_doctor_reports_the_essentials():
    out = run("doctor").stdout.decode()
    for needle in ("python:", "llama_cpp_python", "system_info", "gpu_offload", "ram:", "total_gib",
                   "smollm2-135m", "threads", "context", "fits", "flash_attn         auto (on where", "AVX2 = 1" if "avx2" in Path("/proc/cpuinfo").read_text() else "CPU"):
        assert needle in out, needle


def test_logs_command_prints_recent_calls(kit_home):
    run("chat", "Name a month.", "--max-tokens", "4")
    out = run("logs", "-n", "5").stdout.decode()
    assert "stream" in out and "smollm2-135m" in out and "Name a month" not in out and "Log:" in out


def test_pull_without_network_fails_fast():
    result = run("models", "pull", "llama-3.2-1b-instruct", "--quiet", "--endpoint", "http://127.0.0.1:9")
    assert_clean_error(result, "Could not reach", "kit models add")


@pytest.mark.parametrize("args", [["models"], ["nonsense"]])
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def test_doctor_shows_flash_attention_turned_off():
    out = run("doctor", env={"KIT_FLASH_ATTN": "off"}).stdout.decode()
    assert "flash_attn         off (KIT_FLASH_ATTN)" in out
