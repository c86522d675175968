"""Prompt evaluation in fixed, aligned chunks, reusing only whole chunks, then one token at a time.

llama.cpp's kernels give slightly different numbers for the same token depending on how many
tokens were evaluated with it (batch-size-dependent matrix kernels), so reusing "whatever prefix is
in the KV cache" and evaluating only the rest (llama-cpp-python's default) makes an answer depend on
the call before it. Here a prompt is always evaluated in chunks of ``chunk`` tokens starting at
position 0, and a cached chunk is reused only if it was evaluated as that same whole chunk. So every
token of every prompt is computed in exactly the same batch whatever ran before: the same text,
while a long shared prefix (instructions, a glossary) is still evaluated once.
"""

from __future__ import annotations

from collections.abc import Sequence

from kit.errors import KitError


class Decoder:
    """Owns the KV cache of one llama.cpp context (sequence 0) and the batch used to fill it."""

    def __init__(self, lib, ctx, *, chunk: int, n_ctx: int):
        self._lib, self._ctx, self.chunk, self.n_ctx = lib, ctx, chunk, n_ctx
        self._memory = lib.llama_get_memory(ctx)
        self._batch = batch = lib.llama_batch_init(chunk, 0, 1)
        for i in range(chunk):  # every token goes to sequence 0: set once, not per token
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
        self._token, self._pos, self._logits = batch.token, batch.pos, batch.logits
        self._chunks: list[tuple[int, ...]] = []  # whole chunks now in the cache, each evaluated as one batch
        self.pos = 0
        self.reused = 0  # prompt tokens taken from the cache by the last prefill

    def _decode(self, tokens: Sequence[int], start: int, want_logits: bool) -> None:
        batch, token_ids, positions, logits = self._batch, self._token, self._pos, self._logits
        batch.n_tokens = len(tokens)
        for i, token in enumerate(tokens):
            token_ids[i] = token
            positions[i] = start + i
            logits[i] = 0
        logits[len(tokens) - 1] = int(want_logits)
        rc = self._lib.llama_decode(self._ctx, batch)
        if rc != 0:
            self.pos = start  # what is after ``start`` is not to be trusted
            raise KitError(f"llama.cpp failed to evaluate tokens {start}..{start + len(tokens)} (llama_decode "
                           f"returned {rc}); the context ({self.n_ctx} tokens) may be full.")

    def prefill(self, tokens: Sequence[int]) -> None:
        """Put ``tokens`` in the cache and leave the last one's logits ready for sampling."""
        n, size = len(tokens), self.chunk
        if n == 0:
            raise KitError("Cannot evaluate an empty prompt.")
        reusable = min(len(self._chunks), (n - 1) // size)  # the chunk holding the last token is always run
        keep = 0
        while keep < reusable and self._chunks[keep] == tuple(tokens[keep * size:(keep + 1) * size]):
            keep += 1
        del self._chunks[keep:]
        if keep == 0:
            self._lib.llama_memory_clear(self._memory, True)
        else:
            self._lib.llama_memory_seq_rm(self._memory, 0, keep * size, -1)
        self.reused = keep * size
        for start in range(keep * size, n, size):
            part = tokens[start:start + size]
            self._decode(part, start, want_logits=start + size >= n)
            if len(part) == size:
                self._chunks.append(tuple(part))
        self.pos = n

    def step(self, token: int) -> None:
        """Evaluate one generated token at the next position."""
        batch = self._batch
        batch.n_tokens = 1
        self._token[0] = token
        self._pos[0] = self.pos
        self._logits[0] = 1  # a prefill may have left 0 here
        rc = self._lib.llama_decode(self._ctx, batch)
        if rc != 0:
            raise KitError(f"llama.cpp failed to evaluate a generated token at position {self.pos} "
                           f"(llama_decode returned {rc}).")
        self.pos += 1

    def close(self) -> None:
        """Free the batch."""
        if self._batch is not None:
            self._lib.llama_batch_free(self._batch)
            self._batch = self._token = self._pos = self._logits = None
