"""The kit's exception tree: every message says what went wrong and how to fix it."""

from __future__ import annotations


class KitError(Exception):
    """Base class for every error the kit raises on purpose."""


class ModelNotFoundError(KitError):
    """A model path or name does not point at a model file."""


class NotGGUFError(KitError):
    """A file is not a GGUF model, or is a truncated one."""


class UnknownModelError(KitError):
    """A catalog name that the catalog does not hold."""


class ModelLoadError(KitError):
    """llama.cpp could not load a model file."""


class PromptError(KitError):
    """A prompt that cannot be sent: empty, not text, or not valid UTF-8."""


class ContextOverflowError(PromptError):
    """A prompt that does not fit in the model's context window."""

    def __init__(self, prompt_tokens: int, max_tokens: int, n_ctx: int, hint: str = ""):
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.n_ctx = n_ctx
        msg = (
            f"The prompt is {prompt_tokens} tokens and {max_tokens} more are reserved for the answer, "
            f"but the model's context holds {n_ctx} tokens. Shorten the input, split it with "
            "kit.chunk_text(), or load the model with a larger n_ctx."
        )
        super().__init__(msg + (f" {hint}" if hint else ""))


class SchemaError(KitError):
    """A schema that is not a pydantic model or a valid JSON schema."""


class ValidationError(KitError):
    """Model output that does not validate against the schema it was asked for."""

    def __init__(self, message: str, raw: str):
        self.raw = raw
        super().__init__(f"{message}\nRaw model output: {raw!r}")


class ServerError(KitError):
    """A llama-server URL that does not answer, or answers with an error."""


class DownloadError(KitError):
    """A model download that failed, or whose checksum does not match."""


class ConfigError(KitError):
    """A bad setting: an environment variable, a config file or an option."""


class InputError(KitError):
    """A document, file or table the kit cannot read."""


class BuildError(KitError):
    """Building llama.cpp's native tools failed or is not possible here."""


class NoModelAvailable(KitError):
    """Neither the primary server nor the local model could answer."""

    def __init__(self, reasons: tuple[str, ...]):
        self.reasons = reasons
        super().__init__("No model could answer: " + "; ".join(reasons) + ". Start the primary server "
                         "(`kit serve`) or give kit.fallback a local model, e.g. local_model=kit.load_model().")


class OutboxError(KitError):
    """The outbox could not be opened or written (disk full, unreadable file, write refused)."""


class ClusterError(KitError):
    """A Dask cluster the kit cannot use: scheduler unreachable, no workers, a worker that cannot load the model."""


class ClusterItemError(ClusterError):
    """Items that failed in a distributed ``kit.map``; the others are kept in the resume store."""

    def __init__(self, failures: dict[int, str], store: str | None):
        self.failures = failures
        shown = "; ".join(f"item {i}: {msg}" for i, msg in list(sorted(failures.items()))[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        kept = (f" The other results are kept in {store}: run the same call again to redo only the failed "
                "and missing items." if store else "")
        super().__init__(f"{len(failures)} item(s) failed: {shown}{more}.{kept}")


class QuantizeError(KitError):
    """A local quantisation that cannot be made: a bad type, source or output, or llama-quantize failed."""


class Interrupted(KeyboardInterrupt):
    """An interrupt (Ctrl-C, Lab's ■) that stopped a call; what was done so far travels with it.

    It is a ``KeyboardInterrupt``, so Jupyter's Run All stops and ``except Exception`` does not swallow it.
    ``partial``: the text generated so far (``model.chat``/``stream``/``json``, the raw JSON for ``json``).
    ``results``: ``kit.map``'s results in input order, ``None`` where an item did not finish; ``done`` of ``total``.
    """

    def __init__(self, partial: str = "", *, tokens: int | None = None, prompt_tokens: int | None = None,
                 results: list | None = None, total: int | None = None, note: str = ""):
        self.partial, self.tokens, self.prompt_tokens = partial, tokens, prompt_tokens
        self.results, self.total = results, total
        self.done = None if results is None else sum(r is not _UNFINISHED for r in results)
        if results is not None:
            self.results = [None if r is _UNFINISHED else r for r in results]
            message = (f"Stopped after {self.done} of {total} items; their results are in .results (None where an "
                       "item did not finish).")
        else:
            so_far = f"{tokens} tokens" if tokens is not None else f"{len(partial)} characters"
            message = f"Stopped by an interrupt after {so_far}; the text so far is in .partial."
        super().__init__(message + (f" {note}" if note else ""))


_UNFINISHED = object()  # kit.map's placeholder for an item not finished yet (a result may itself be None)


def unfinished(n: int) -> list:
    """``n`` placeholders for results not in yet (:class:`Interrupted` counts the others as done)."""
    return [_UNFINISHED] * n
