"""Grammar-constrained sampling the way llama.cpp's own ``common_sampler`` does it: check, don't filter.

llama-cpp-python puts the grammar sampler in the chain, so every token the whole vocabulary (49k
entries for SmolLM2, 128k for Llama 3) is matched against the grammar: tens to hundreds of
milliseconds per token. llama.cpp's tools instead sample first, test only the chosen token against
the grammar, and fall back to filtering the full vocabulary only when that token is rejected. The
output is the same for greedy decoding (the first valid token in logit order); it is just faster.
"""

from __future__ import annotations

import ctypes
import math

import numpy as np

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])


class CheckFirstGrammarSampler:
    """Stands in for llama-cpp-python's ``LlamaSampler`` (it only needs ``sample(ctx, idx)``)."""

    def __init__(self, llama, chain, grammar):
        import llama_cpp

        self._lib = llama_cpp
        self._chain = chain  # penalties + greedy/dist, built by llama-cpp-python without the grammar
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise ValueError("llama.cpp rejected the grammar")
        self._n_vocab = llama.n_vocab()
        self._ids = np.arange(self._n_vocab, dtype=np.int32)
        self._buf = np.zeros(self._n_vocab, dtype=_TOKEN_DATA)
        self._one = np.zeros(1, dtype=_TOKEN_DATA)

    def _array(self, buf: np.ndarray):
        lib = self._lib
        data = buf.ctypes.data_as(lib.llama_token_data_p)
        return lib.llama_token_data_array(data=data, size=len(buf), selected=-1, sorted=False)

    def _fill(self, ctx, idx: int):
        logits = self._lib.llama_get_logits_ith(ctx.ctx, idx)
        self._buf["id"] = self._ids
        self._buf["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        self._buf["p"] = 0.0
        return self._array(self._buf)

    def sample(self, ctx, idx: int = -1) -> int:
        lib = self._lib
        candidates = self._fill(ctx, idx)
        lib.llama_sampler_apply(self._chain.sampler, ctypes.byref(candidates))
        token = int(self._buf["id"][candidates.selected])
        self._one[0] = (token, 1.0, 0.0)
        single = self._array(self._one)
        lib.llama_sampler_apply(self._grammar, ctypes.byref(single))
        if not math.isfinite(float(self._one["logit"][0])):
            # Rejected: filter the whole vocabulary by the grammar, then sample again.
            candidates = self._fill(ctx, idx)
            lib.llama_sampler_apply(self._grammar, ctypes.byref(candidates))
            lib.llama_sampler_apply(self._chain.sampler, ctypes.byref(candidates))
            token = int(self._buf["id"][candidates.selected])
        lib.llama_sampler_accept(self._grammar, token)
        lib.llama_sampler_accept(self._chain.sampler, token)
        return token

    def close(self) -> None:
        if getattr(self, "_grammar", None):
            self._lib.llama_sampler_free(self._grammar)
            self._grammar = None
        self._chain.close()

    def __del__(self) -> None:
        self.close()


def install(llama) -> None:
    """Make ``llama`` (a ``llama_cpp.Llama``) use check-first grammar sampling."""
    original = llama._init_sampler

    def init_sampler(*args, grammar=None, **kwargs):
        chain = original(*args, grammar=None, **kwargs)
        return chain if grammar is None else CheckFirstGrammarSampler(llama, chain, grammar)

    llama._init_sampler = init_sampler
