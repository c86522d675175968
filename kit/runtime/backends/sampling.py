"""Token sampling with llama.cpp's own sampler chain; grammars are checked first, the way llama.cpp's tools do.

Greedy decoding (temperature 0, no repeat penalty, no grammar) is an argmax over the logits row,
read in place with numpy: the same token as llama.cpp's greedy sampler (the first of equal maxima)
without copying the 49k-152k logits into a candidate array for every token. Other settings use
``llama_sampler_sample``, which reads the logits inside llama.cpp. With a grammar, testing every
vocabulary entry against it for every token (49k entries for SmolLM2, 128k for Llama 3) costs tens
to hundreds of milliseconds, so, like llama.cpp's ``common_sampler``, we sample first, test only the
chosen token, and filter the whole vocabulary only when that token is rejected. For greedy decoding
the result is the same (the first valid token in logit order); it is just faster.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

from kit.runtime.backends.base import Settings

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
PENALTY_LAST_N = 64  # the window llama-cpp-python's create_completion used (last_n_tokens_size)


def _chain(lib, settings: Settings, n_vocab: int):
    """A native sampler chain for ``settings``: penalties, then greedy or top-k/top-p/min-p/temperature/dist."""
    chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())

    def add(sampler) -> None:
        lib.llama_sampler_chain_add(chain, sampler)

    if settings.repeat_penalty != 1.0:
        add(lib.llama_sampler_init_penalties(n_vocab, PENALTY_LAST_N, settings.repeat_penalty, 0.0, 0.0))
    if settings.temperature == 0.0:
        add(lib.llama_sampler_init_greedy())
    elif settings.temperature < 0.0:
        add(lib.llama_sampler_init_dist(settings.seed))
    else:
        add(lib.llama_sampler_init_top_k(settings.top_k))
        add(lib.llama_sampler_init_top_p(settings.top_p, 1))
        add(lib.llama_sampler_init_min_p(settings.min_p, 1))
        add(lib.llama_sampler_init_temp(settings.temperature))
        add(lib.llama_sampler_init_dist(settings.seed))
    return chain


class Sampler:
    """Picks the next token from the context's last logits row; a fresh one per call, so seeds repeat."""

    def __init__(self, lib, ctx, vocab, n_vocab: int, settings: Settings, grammar: str | None = None):
        self._lib, self._ctx, self._n_vocab = lib, ctx, n_vocab
        self._greedy = grammar is None and settings.temperature == 0.0 and settings.repeat_penalty == 1.0
        self._chain = None if self._greedy else _chain(lib, settings, n_vocab)
        self._grammar = None
        if grammar is not None:
            self._grammar = lib.llama_sampler_init_grammar(vocab, grammar.encode("utf-8"), b"root")
            if not self._grammar:
                self.close()
                raise ValueError("llama.cpp rejected the grammar")
            self._ids = np.arange(n_vocab, dtype=np.int32)
            self._buf = np.zeros(n_vocab, dtype=_TOKEN_DATA)
            self._one = np.zeros(1, dtype=_TOKEN_DATA)

    def sample(self) -> int:
        """The next token (accepted by every sampler, so penalties and the grammar move on)."""
        if self._greedy:  # a greedy sampler keeps no state, so there is nothing to accept
            logits = self._lib.llama_get_logits_ith(self._ctx, -1)
            return int(np.ctypeslib.as_array(logits, shape=(self._n_vocab,)).argmax())
        if self._grammar is None:
            return self._lib.llama_sampler_sample(self._chain, self._ctx, -1)  # accepts the token itself
        return self._sample_checked()

    def _array(self, buf: np.ndarray):
        lib = self._lib
        data = buf.ctypes.data_as(lib.llama_token_data_p)
        return lib.llama_token_data_array(data=data, size=len(buf), selected=-1, sorted=False)

    def _fill(self):
        logits = self._lib.llama_get_logits_ith(self._ctx, -1)
        self._buf["id"] = self._ids
        self._buf["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        self._buf["p"] = 0.0
        return self._array(self._buf)

    def _sample_checked(self) -> int:
        lib = self._lib
        candidates = self._fill()
        lib.llama_sampler_apply(self._chain, ctypes.byref(candidates))
        token = int(self._buf["id"][candidates.selected])
        self._one[0] = (token, 1.0, 0.0)
        single = self._array(self._one)
        lib.llama_sampler_apply(self._grammar, ctypes.byref(single))
        if not math.isfinite(float(self._one["logit"][0])):
            # Rejected: filter the whole vocabulary by the grammar, then sample again.
            candidates = self._fill()
            lib.llama_sampler_apply(self._grammar, ctypes.byref(candidates))
            lib.llama_sampler_apply(self._chain, ctypes.byref(candidates))
            token = int(self._buf["id"][candidates.selected])
        lib.llama_sampler_accept(self._grammar, token)
        lib.llama_sampler_accept(self._chain, token)
        return token

    def close(self) -> None:
        """Free the native samplers."""
        for name in ("_grammar", "_chain"):
            sampler = getattr(self, name, None)
            if sampler:
                self._lib.llama_sampler_free(sampler)
                setattr(self, name, None)

    def __del__(self) -> None:
        self.close()
