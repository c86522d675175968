"""The in-process backend: llama.cpp through llama-cpp-python's low-level API, with a lean decode loop.

Prompts are evaluated in fixed aligned chunks (see ``decode``) so the same messages give the same
text whatever ran before; sampling stays inside llama.cpp (see ``sampling``).
"""

from __future__ import annotations

import ctypes
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kit.errors import Interrupted, KitError
from kit.runtime.backends import loading
from kit.runtime.backends.base import Completion, Piece, Settings
from kit.runtime.backends.decode import Decoder
from kit.runtime.backends.grammar import compile_quietly, schema_grammar
from kit.runtime.backends.loading import default_threads, gpu_offload_supported, import_llama_cpp, system_info
from kit.runtime.backends.sampling import Sampler
from kit.runtime.backends.stops import StopText

__all__ = ["LlamaCppBackend", "default_threads", "gpu_offload_supported", "system_info"]

# Used only when a GGUF file carries no chat template of its own.
_CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

class LlamaCppBackend:
    """A GGUF model loaded into this process."""

    name = "llama.cpp"

    def __init__(self, path: Path, *, n_ctx: int = 4096, n_threads: int | None = None,
                 n_gpu_layers: int | None = None, chunk: int | None = None, flash_attn: str | bool | None = None,
                 seed: int = 42):
        self._lib = import_llama_cpp()  # first: a missing llama-cpp-python is named with the install hint
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.path = path
        self.n_threads = n_threads or default_threads()
        loaded = loading.load(path, n_ctx=n_ctx, n_threads=self.n_threads, n_gpu_layers=n_gpu_layers,
                              chunk=chunk, flash_attn=flash_attn)
        self._model, self._context = loaded.model, loaded.context
        self.n_gpu_layers, self.chunk = loaded.n_gpu_layers, loaded.chunk
        self.flash_attn, self.flash_attn_setting = loaded.flash_attn, loaded.flash_attn_setting
        self.n_ctx = self._lib.llama_n_ctx(self._context.ctx)
        self._decoder = Decoder(self._lib, self._context.ctx, chunk=self.chunk, n_ctx=self.n_ctx)
        self._vocab = self._model.vocab
        self._n_vocab = self._model.n_vocab()
        self._piece_buf = ctypes.create_string_buffer(256)
        self._pieces: dict[int, bytes] = {}  # token -> its bytes, asked of llama.cpp once per token
        # One request at a time: a llama.cpp context is not safe to share between threads.
        self._lock = threading.Lock()
        meta = self._model.metadata()
        eos_id, bos_id = self._model.token_eos(), self._model.token_bos()
        self._eos_text = self._model.token_get_text(eos_id) if eos_id != -1 else ""
        self._formatter = Jinja2ChatFormatter(
            template=meta.get("tokenizer.chat_template") or _CHATML,
            eos_token=self._eos_text,
            bos_token=self._model.token_get_text(bos_id) if bos_id != -1 else "",
            stop_token_ids=[eos_id],
        )

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name, "n_threads": self.n_threads, "n_gpu_layers": self.n_gpu_layers,
            "flash_attn": self.flash_attn, "flash_attn_setting": self.flash_attn_setting,
            "prompt_chunk": self.chunk, "deterministic": True,
        }

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _tokens(self, messages: list[dict]) -> list[int]:
        result = self._formatter(messages=messages)
        return self._model.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True)

    def prompt_tokens(self, messages: list[dict]) -> int:
        return len(self._tokens(messages))

    def _piece(self, token: int) -> bytes:
        piece = self._pieces.get(token)
        if piece is None:
            buf = self._piece_buf
            n = self._lib.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
            if n < 0:  # a piece longer than the buffer: grow it once
                self._piece_buf = buf = ctypes.create_string_buffer(-n)
                n = self._lib.llama_token_to_piece(self._vocab, token, buf, len(buf), 0, False)
            piece = self._pieces[token] = bytes(buf[:n])
        return piece

    def _generate(self, messages: list[dict], settings: Settings, schema: dict | None,
                  totals: dict[str, Any]) -> Iterator[str]:
        """Yield text as it becomes safe to show; fill ``totals`` when done. Call with the lock held."""
        lib = self._lib
        tokens = self._tokens(messages)
        if schema is None:
            sampler = Sampler(lib, self._context.ctx, self._vocab, self._n_vocab, settings)
        else:  # a refused grammar is a SchemaError, never a grammar dump on stderr
            grammar = schema_grammar(json.dumps(schema))
            sampler = compile_quietly(lib, lambda: Sampler(lib, self._context.ctx, self._vocab, self._n_vocab,
                                                           settings, grammar))
        stops = StopText((*settings.stop, *([self._eos_text] if self._eos_text else [])))
        totals.update(prompt_tokens=len(tokens), completion_tokens=0, finish_reason="length", reused_tokens=0)
        shown: list[str] = []
        try:
            self._decoder.prefill(tokens)
            totals["reused_tokens"] = self._decoder.reused
            room = self.n_ctx - len(tokens)
            limit = min(settings.max_tokens, room) if settings.max_tokens > 0 else room
            n_out = 0
            is_eog, vocab, sample, step = lib.llama_vocab_is_eog, self._vocab, sampler.sample, self._decoder.step
            while n_out < limit:
                token = sample()
                if is_eog(vocab, token):
                    totals["finish_reason"] = "stop"
                    break
                n_out += 1
                totals["completion_tokens"] = n_out
                text = stops.add(self._piece(token))
                if text:
                    shown.append(text)
                    yield text
                if stops.stopped:
                    totals["finish_reason"] = "stop"
                    break
                if n_out < limit:
                    step(token)
            rest = stops.finish()
            if rest:
                yield rest
        except KeyboardInterrupt:  # the cache keeps only whole prompt chunks, so the next call is unaffected
            raise Interrupted("".join(shown), tokens=totals["completion_tokens"],
                              prompt_tokens=totals["prompt_tokens"]) from None
        finally:
            sampler.close()

    def complete(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Completion:
        totals: dict[str, Any] = {}
        with self._lock:
            self._check_open()
            text = "".join(self._generate(messages, settings, schema, totals))
        return Completion(text=text, **totals)

    def stream(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Iterator[Piece]:
        totals: dict[str, Any] = {}
        with self._lock:
            self._check_open()
            for text in self._generate(messages, settings, schema, totals):
                yield Piece(text)
        yield Piece("", done=True, **totals)

    def _check_open(self) -> None:
        if self._context is None:
            raise KitError("This model has been closed. Load it again with kit.load_model().")

    def close(self) -> None:
        if not self._lock.acquire(timeout=30):
            raise KitError("The model is still generating (a stream not read to the end?). Finish or close "
                           "the stream (`pieces.close()`), then close the model.")
        try:
            if getattr(self, "_decoder", None) is not None:
                self._decoder.close()
                self._decoder = None
            for name in ("_context", "_model"):
                handle = getattr(self, name, None)
                if handle is not None:
                    handle.close()
                    setattr(self, name, None)
        finally:
            self._lock.release()

