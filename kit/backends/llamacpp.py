"""The in-process backend: llama.cpp through llama-cpp-python. The only module that touches its dicts."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from kit.backends.base import Completion, Piece, Settings
from kit.errors import KitError, ModelLoadError, SchemaError

# Used only when a GGUF file carries no chat template of its own.
_CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def _import_llama_cpp():
    try:
        import llama_cpp
    except ImportError as exc:
        raise KitError(
            f"llama-cpp-python is not importable ({exc}). Install the kit with `make demo`, which builds it "
            "with safe CPU flags (see the README's troubleshooting section)."
        ) from None
    return llama_cpp


def default_threads() -> int:
    """``KIT_THREADS``, or every core this process may use."""
    value = os.environ.get("KIT_THREADS", "").strip()
    if value:
        return max(1, int(value))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can offload layers to a GPU (CUDA, Metal, Vulkan...)."""
    return bool(_import_llama_cpp().llama_supports_gpu_offload())


def system_info() -> str:
    """llama.cpp's own line of CPU/GPU features for this build."""
    return _import_llama_cpp().llama_print_system_info().decode("utf-8", errors="replace").strip()


# llama-cpp-python's converter lets string characters include raw control characters (newlines),
# which JSON forbids; llama.cpp's own converter excludes them, and so do we.
_LOOSE_CHAR = 'char ::= [^"\\\\] |'
_STRICT_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |'


@lru_cache(maxsize=32)
def _grammar(schema_json: str):
    llama_cpp = _import_llama_cpp()
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        gbnf = json_schema_to_gbnf(schema_json)
    except Exception as exc:  # the converter raises plain ValueError/KeyError/RuntimeError
        raise SchemaError(f"llama.cpp cannot turn this JSON schema into a grammar: {exc}") from None
    return llama_cpp.LlamaGrammar.from_string(gbnf.replace(_LOOSE_CHAR, _STRICT_CHAR), verbose=False)


class LlamaCppBackend:
    """A GGUF model loaded into this process."""

    name = "llama.cpp"

    def __init__(self, path: Path, *, n_ctx: int = 4096, n_threads: int | None = None,
                 n_gpu_layers: int | None = None, n_batch: int = 512, seed: int = 42):
        llama_cpp = _import_llama_cpp()
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.path = path
        self.n_threads = n_threads or default_threads()
        if n_gpu_layers is None:
            n_gpu_layers = -1 if llama_cpp.llama_supports_gpu_offload() else 0
        self.n_gpu_layers = n_gpu_layers
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(path), n_ctx=n_ctx, n_batch=n_batch, n_threads=self.n_threads,
                n_threads_batch=self.n_threads, n_gpu_layers=n_gpu_layers, seed=seed, verbose=False,
            )
        except Exception as exc:  # llama-cpp-python raises ValueError for any load failure
            raise ModelLoadError(
                f"llama.cpp could not load {path}: {exc}. Check the file with `kit models verify`, "
                "or try a smaller n_ctx if memory is short."
            ) from None
        from kit.backends import grammar_sampler

        grammar_sampler.install(self._llama)
        self.n_ctx = self._llama.n_ctx()
        # One request at a time: a llama.cpp context is not safe to share between threads.
        self._lock = threading.Lock()
        meta = self._llama.metadata
        model = self._llama._model
        eos_id, bos_id = model.token_eos(), model.token_bos()
        self._eos_text = model.token_get_text(eos_id) if eos_id != -1 else ""
        self._formatter = Jinja2ChatFormatter(
            template=meta.get("tokenizer.chat_template") or _CHATML,
            eos_token=self._eos_text,
            bos_token=model.token_get_text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id],
        )

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "n_threads": self.n_threads, "n_gpu_layers": self.n_gpu_layers}

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _format(self, messages: list[dict]):
        result = self._formatter(messages=messages)
        tokens = self._llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)
        return tokens, result

    def prompt_tokens(self, messages: list[dict]) -> int:
        return len(self._format(messages)[0])

    def _kwargs(self, messages: list[dict], settings: Settings, schema: dict | None, stream: bool) -> dict:
        tokens, result = self._format(messages)
        return {
            "prompt": tokens,
            **settings.sampling(),
            "stop": [*settings.stop, *([self._eos_text] if self._eos_text else [])],
            "stopping_criteria": result.stopping_criteria,
            "grammar": _grammar(json.dumps(schema)) if schema is not None else None,
            "stream": stream,
        }

    def complete(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Completion:
        with self._lock:
            out = self._llama.create_completion(**self._kwargs(messages, settings, schema, stream=False))
        usage, choice = out["usage"], out["choices"][0]
        return Completion(
            text=choice["text"],
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            finish_reason=choice.get("finish_reason") or "stop",
        )

    def stream(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Iterator[Piece]:
        with self._lock:
            kwargs = self._kwargs(messages, settings, schema, stream=True)
            n_prompt = len(kwargs["prompt"])
            text_parts: list[str] = []
            finish = "stop"
            for chunk in self._llama.create_completion(**kwargs):
                choice = chunk["choices"][0]
                if choice["text"]:
                    text_parts.append(choice["text"])
                    yield Piece(choice["text"])
                finish = choice.get("finish_reason") or finish
        n_out = self.count_tokens("".join(text_parts)) if text_parts else 0
        yield Piece("", done=True, prompt_tokens=n_prompt, completion_tokens=n_out, finish_reason=finish)

    def close(self) -> None:
        llama = getattr(self, "_llama", None)
        if llama is not None:
            llama.close()
            self._llama = None
