"""``%load_ext kit``: the ``%%kit`` cell magic (the cell is the prompt) and ``%kit`` for model, status, privacy.

The magic calls the model as the library does (``kit.load_model``: temperature 0, a fixed seed, the run log
and the response cache), so re-running a cell gives the same text. Mistakes are one line on stderr, never a
traceback. An interrupted answer (Lab's ■) keeps the text so far, marked as stopped; the interrupt then goes on
as :class:`kit.errors.Interrupted` (a KeyboardInterrupt carrying ``.partial``), so "Run All" stops there too.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shlex
import sys
import time
from typing import Any

from kit import privacy
from kit.errors import Interrupted, KitError

FORMATS = ("markdown", "text", "json", "code")
UPDATE_EVERY_S = 0.1  # how often the streaming display is refreshed
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:\[(-?\d+)\])?\}")
_FENCE = re.compile(r"```[A-Za-z0-9_+-]*\n(.*?)```", re.S)
HELP = """\
%%kit [MODEL] [-f markdown|text|json|code] [--max-tokens N] [--schema NAME] [--system TEXT]
    The cell is the prompt. {name} is a variable of this notebook, {In[3]} / {Out[3]} / {Err[3]} a cell's
    input, result or error; an unknown {x} stays as written. -f json --schema Name: a validated pydantic
    object (Name is a class in the notebook); -f code: the answer's code goes into a new cell below.
%kit model NAME_OR_PATH | %kit model --url URL    which model the magic uses in this kernel
%kit status                                      model, backend, threads, context, confidential mode
%kit confidential on|off                          no prompt or answer written to disk while on
%kit help                                         this text"""


class UsageError(KitError):
    """A magic line the parser does not accept."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit the kernel
        raise UsageError(f"%%kit: {message}. Usage: %%kit [MODEL] [-f {'|'.join(FORMATS)}] [--max-tokens N] "
                         "[--schema NAME] [--system TEXT] (%kit help)")


def _cell_parser() -> _Parser:
    parser = _Parser(prog="%%kit", add_help=False)
    parser.add_argument("model", nargs="?")
    parser.add_argument("-f", "--format", choices=FORMATS, default="markdown")
    parser.add_argument("--max-tokens", type=int)
    parser.add_argument("--schema")
    parser.add_argument("--system")
    return parser


def interpolate(template: str, namespace: dict[str, Any], errors: dict[int, str] | None = None) -> str:
    """``template`` with each ``{name}`` / ``{name[N]}`` filled from ``namespace``; unknown ones left as written."""
    def fill(match: re.Match) -> str:
        name, index = match.group(1), match.group(2)
        source = errors if name == "Err" and errors is not None else namespace.get(name, _MISSING)
        if source is _MISSING:
            return match.group(0)
        if index is None:
            return str(source)
        try:
            return str(source[int(index)])
        except (LookupError, TypeError, ValueError):
            return match.group(0)
    return _FIELD.sub(fill, template)


_MISSING = object()


def code_of(answer: str) -> str:
    """The code in an answer: its fenced blocks joined, else the answer as it is."""
    blocks = _FENCE.findall(answer)
    return "\n".join(block.rstrip("\n") for block in blocks) if blocks else answer.strip()


class KitMagics:
    """The magic's state in one kernel: the model it uses, confidential mode, and each cell's error."""

    def __init__(self, shell):
        self.shell = shell
        self.model = None
        self.confidential = False
        self.errors: dict[int, str] = {}
        self.last_text: str | None = None
        self._spec: str | None = None  # the name, path or URL the magic loaded its model from
        self._owned = False  # whether the magic loaded the model (and so closes it when it changes)

    # -- %kit --------------------------------------------------------------------------------
    def line(self, line: str) -> None:
        """``%kit model|status|confidential|help``."""
        self._guard(self._line, line)

    def _line(self, line: str) -> None:
        words = shlex.split(line)
        action, rest = (words[0], words[1:]) if words else ("help", [])
        if action == "help":
            print(HELP)
        elif action == "model" and rest[:1] == ["--url"] and len(rest) == 2:
            self.use(self._load(None, url=rest[1]), owned=True)
            print(f"%%kit now uses {self.model.info.name} at {rest[1]}.")
        elif action == "model" and len(rest) == 1:
            self.use(self._load(rest[0]), owned=True)
            print(f"%%kit now uses {self.model.info.name} ({self.model.info.file}).")
        elif action == "status":
            print(self.status())
        elif action == "confidential" and rest in (["on"], ["off"]):
            self.confidential = rest == ["on"]
            print(f"Confidential mode {rest[0]}: " + ("prompts and answers are not cached or logged."
                                                      if self.confidential else "the run log and cache are back on."))
        else:
            raise UsageError(f"%kit: unknown command {line.strip()!r}. Use %kit model NAME_OR_PATH, %kit model --url "
                             "URL, %kit status, %kit confidential on|off or %kit help.")

    def status(self) -> str:
        """One line per setting: model, backend, threads, context, confidential mode."""
        privacy_line = f"confidential: {'on' if self.confidential else 'off'}"
        if self.model is None:
            return f"model: none loaded yet (the first %%kit cell loads the default, as kit.load_model())\n{privacy_line}"
        info = self.model.info
        return "\n".join([f"model: {info.name} ({info.file or info.details.get('url', '')})",
                          f"sha256: {info.sha256}", f"backend: {info.backend}",
                          f"threads: {info.details.get('n_threads', 'server-side')}",
                          f"context: {info.context_size} tokens", privacy_line])

    def use(self, model, *, owned: bool = False) -> None:
        """Make ``model`` (a loaded kit model) the one ``%%kit`` uses; the magic's own earlier model is closed."""
        if self.model is not None and self.model is not model and self._owned:
            self.model.close()
        if not owned:
            self._spec = None
        self.model, self._owned = model, owned

    def _load(self, name: str | None, url: str | None = None):
        import kit

        model = kit.load_model(name, url=url)
        self._spec = url or name
        return model

    # -- %%kit -------------------------------------------------------------------------------
    def cell(self, line: str, cell: str) -> None:
        """``%%kit``: ask the model the cell, streamed into the output, then rendered."""
        self._guard(self._cell, line, cell)

    def _cell(self, line: str, cell: str) -> None:
        args = _cell_parser().parse_args(shlex.split(line))
        if args.max_tokens is not None and args.max_tokens < 1:
            raise UsageError(f"%%kit: --max-tokens must be 1 or more, not {args.max_tokens}.")
        if args.schema and args.format != "json":
            raise UsageError("%%kit: --schema goes with -f json, e.g. %%kit -f json --schema Person.")
        schema = self._schema(args.schema) if args.format == "json" else None
        if self.model is None or (args.model and args.model != self._spec):
            self.use(self._load(args.model), owned=True)
        prompt = interpolate(cell, self.shell.user_ns, self.errors)
        if not prompt.strip():
            raise UsageError("%%kit: the cell is empty; write the prompt below the %%kit line.")
        gen = {"max_tokens": args.max_tokens} if args.max_tokens else {}
        with privacy.confidential(self.confidential):
            if args.format == "json":
                self._json(prompt, schema, args.system, gen)
            else:
                self._stream(prompt, args.format, args.system, gen)

    def _schema(self, name: str | None):
        if name is None:
            return {"type": "object"}
        value = self.shell.user_ns.get(name)
        from pydantic import BaseModel

        if not (isinstance(value, type) and issubclass(value, BaseModel)):
            found = "is not defined" if value is None else f"is a {type(value).__name__}, not a pydantic class"
            raise UsageError(f"%%kit: --schema {name} {found} in this notebook. Define it first, e.g. "
                             f"class {name}(pydantic.BaseModel): ..., and run that cell.")
        return value

    def _metadata(self) -> dict:
        info = self.model.info
        return {"kit": {"model": info.name, "sha256": info.sha256, "confidential": self.confidential}}

    def _stream(self, prompt: str, fmt: str, system: str | None, gen: dict) -> None:
        from IPython.display import display

        handle = display({"text/plain": ""}, raw=True, display_id=True, metadata=self._metadata())
        parts: list[str] = []
        shown = time.monotonic()
        # closing(): after an interrupt no suspended stream keeps the model's lock (IPython keeps the traceback,
        # and through it the generator, alive), so the next call runs.
        try:
            with contextlib.closing(self.model.stream(prompt, system=system, **gen)) as pieces:
                for piece in pieces:
                    parts.append(piece)
                    if time.monotonic() - shown >= UPDATE_EVERY_S:
                        handle.update({"text/plain": "".join(parts)}, raw=True, metadata=self._metadata())
                        shown = time.monotonic()
        except KeyboardInterrupt as exc:  # from the model (Interrupted), or between two pieces
            text = "".join(parts)
            self._stopped(handle, text, fmt)
            raise (exc if isinstance(exc, Interrupted) else Interrupted(text)) from None
        text = self.last_text = "".join(parts)
        if fmt == "code":
            self.shell.set_next_input(code_of(text), replace=False)
            text += "\n\n(The code is in a new cell below.)"
        handle.update(_bundle(text, fmt), raw=True, metadata=self._metadata())

    def _json(self, prompt: str, schema: Any, system: str | None, gen: dict) -> None:
        from IPython.display import display

        try:
            value = self.model.json(prompt, schema, system=system, **gen)
        except Interrupted as exc:
            self._stopped(display({"text/plain": ""}, raw=True, display_id=True), exc.partial, "text")
            raise
        data = value.model_dump(mode="json") if hasattr(value, "model_dump") else value
        self.last_text = repr(value)
        display({"application/json": data, "text/plain": repr(value)}, raw=True, metadata=self._metadata())

    def _stopped(self, handle, text: str, fmt: str) -> None:
        """Show the text an interrupt left, marked as stopped."""
        self.last_text = text
        handle.update(_bundle(text + "\n\n[stopped: interrupted]", fmt), raw=True,
                      metadata={**self._metadata(), "stopped": True})

    # -- errors ------------------------------------------------------------------------------
    def _guard(self, call, *args) -> None:
        try:
            call(*args)
        except KitError as exc:
            print(f"kit: {exc}" if not str(exc).startswith("%") else str(exc), file=sys.stderr)

    def record_error(self, result) -> None:
        """``post_run_cell``: keep each failed cell's error for ``{Err[N]}``."""
        error = result.error_in_exec or result.error_before_exec
        if error is not None and result.execution_count is not None:
            self.errors[result.execution_count] = f"{type(error).__name__}: {error}"


def _bundle(text: str, fmt: str) -> dict:
    if fmt == "markdown":
        return {"text/markdown": text, "text/plain": text}
    return {"text/plain": text}


def load_ipython_extension(ipython) -> KitMagics:
    """Register ``%kit`` and ``%%kit`` in ``ipython`` (``%load_ext kit``)."""
    magics = KitMagics(ipython)
    ipython.register_magic_function(magics.line, "line", "kit")
    ipython.register_magic_function(magics.cell, "cell", "kit")
    ipython.events.register("post_run_cell", magics.record_error)
    return magics
