"""JSON schema to llama.cpp grammar (GBNF), with every literal escaped, and grammar errors kept off stderr.

llama-cpp-python's converter escapes only ``"``, CR and LF inside grammar literals, so a schema literal
holding ``"`` or ``\\`` (an enum of transcript lines, a property name) made a grammar llama.cpp refuses,
and llama.cpp prints the whole grammar to stderr when it refuses one. Here every literal is escaped for
GBNF (backslash, quote, control characters, and non-ASCII as ``\\u``/``\\U``), and compiling a grammar
captures llama.cpp's stderr so a refusal becomes one :class:`~kit.errors.SchemaError` line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from kit.errors import SchemaError
from kit.runtime.backends.loading import captured_log, import_llama_cpp

# llama-cpp-python's converter lets string characters include raw control characters (newlines),
# which JSON forbids; llama.cpp's own converter excludes them, and so do we.
_LOOSE_CHAR = 'char ::= [^"\\\\] |'
_STRICT_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |'
_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")
T = TypeVar("T")
_STDERR = threading.Lock()  # file descriptor 2 is one per process: one redirection at a time


def gbnf_literal(text: str) -> str:
    """``text`` as a GBNF string literal that matches exactly its characters (ASCII-only, always parses)."""
    out = []
    for char in text:
        code = ord(char)
        if char in _SIMPLE:
            out.append(_SIMPLE[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02X}")
        elif code < 0x80:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    return f'"{"".join(out)}"'


def json_text(value: Any) -> str:
    """``value`` as the JSON a model writes: non-ASCII as itself, a lone surrogate as its ``\\u`` escape."""
    text = json.dumps(value, ensure_ascii=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # UTF-8 cannot carry a lone surrogate


@lru_cache(maxsize=32)
def schema_grammar(schema_json: str) -> str:
    """The GBNF grammar for a JSON schema (given as JSON text); a schema it cannot express is a SchemaError."""
    import_llama_cpp()
    from llama_cpp.llama_grammar import SchemaConverter

    class Converter(SchemaConverter):
        def _format_literal(self, literal: str) -> str:
            return gbnf_literal(literal)

        def _generate_constant_rule(self, value: Any) -> str:
            return gbnf_literal(json_text(value))

    try:  # the steps of llama_cpp.llama_grammar.json_schema_to_gbnf, with the converter above
        converter = Converter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
        converter.visit(converter.resolve_refs(json.loads(schema_json), "stdin"), "")
        gbnf = converter.format_grammar()
    except Exception as exc:  # the converter raises plain ValueError/KeyError/AssertionError/RuntimeError
        raise SchemaError(f"llama.cpp cannot turn this JSON schema into a grammar: {exc}") from None
    return gbnf.replace(_LOOSE_CHAR, _STRICT_CHAR)


@contextlib.contextmanager
def _stderr_to(sink) -> Iterator[None]:
    """Send file descriptor 2 (where llama.cpp's C code writes) to ``sink`` for the duration."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(sink.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def compile_quietly(lib, make: Callable[[], T]) -> T:
    """Run ``make()`` (which compiles a grammar) with llama.cpp's output held back; a refusal is a SchemaError.

    ``make`` signals a refused grammar with ValueError. llama.cpp prints a refused grammar whole to stderr
    and logs a line about it: neither is shown. Anything else written to stderr meanwhile (another thread's
    output) is passed on afterwards.
    """
    with _STDERR, captured_log(lib), tempfile.TemporaryFile() as sink:
        with _stderr_to(sink):
            try:
                result, refused = make(), False
            except ValueError:
                result, refused = None, True
        sink.seek(0)
        said = sink.read().decode("utf-8", errors="replace")
    if not refused:
        if said:
            os.write(2, said.encode("utf-8"))
        return result  # type: ignore[return-value]
    lines = said.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if "error parsing grammar" in line), None)
    if at:  # whatever came before llama.cpp's message is someone else's
        os.write(2, "".join(lines[:at]).encode("utf-8"))
    reason = lines[at].partition("error parsing grammar:")[2] if at is not None else (lines or ["no reason given"])[0]
    raise SchemaError(f"llama.cpp refused the grammar made from this JSON schema ({reason.strip()[:200]}). "
                      "Simplify the schema (fewer or shorter enum values), or report it: the kit should "
                      "escape every literal.")
