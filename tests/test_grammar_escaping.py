"""Schema literals holding quotes, backslashes, control characters and non-ASCII give grammars llama.cpp accepts."""

from __future__ import annotations

import json

import pytest

from kit.admin.minutes import minutes
from kit.admin.minutes.chunks import Window
from kit.admin.minutes.model import reading_schema
from kit.admin.minutes.transcripts import parse_text
from kit.admin.triage.core import TriageReading
from kit.docs.answer import reply_schema
from kit.errors import SchemaError, ValidationError
from kit.planning.comments.model import _TOPICS, Stance, themes_schema
from kit.planning.extraction.modelfields import ModelFields
from kit.runtime.backends.base import Settings
from kit.runtime.backends.grammar import compile_quietly, gbnf_literal, json_text, schema_grammar
from kit.runtime.backends.sampling import Sampler
from kit.schemas import to_json_schema

HOSTILE = ('He said "no" twice', "C:\\path\\to\\file", "tab\there", "bell\x07 and del\x7f", "line\nbreak",
           "Zoë Ní Bhriain — café", "emoji \U0001F600", '\\"', '"', "\\", "]-[")

TRANSCRIPT = "\n".join([
    "Ann Evans: Welcome. The \"quiet lane\" scheme is the only item today.",
    "Imran Shah: I checked C:\\plans\\lane.pdf and the costs are fine, about £4,000.",
    "Ann Evans: We agreed the scheme goes ahead. Imran will write to residents by Friday.",
    "Bethan Rees: I'll add it to the café newsletter too.",
])


def _window(lines: tuple[str, ...]) -> Window:
    transcript = parse_text("\n".join(f"Imran Shah: {line}" for line in lines))
    return Window(tuple(transcript.lines), 0)


SCHEMAS = {
    "minutes reading": lambda: reading_schema(_window(tuple(h.replace("\n", " ") for h in HOSTILE)),
                                              ('Ann "Chair" O\'Neil', "Zoë \\ Ní")),
    "triage": lambda: TriageReading,
    "planning extraction": lambda: ModelFields,
    "comments stance": lambda: Stance,
    "comments themes": lambda: themes_schema(HOSTILE),
    "comments topics": lambda: _TOPICS,
    "docs and offline reply": lambda: reply_schema(3),
    "any dict schema": lambda: {"type": "object", "properties": {h: {"enum": [h, 1, None]} for h in HOSTILE} | {
        "fixed": {"const": HOSTILE[0]}}, "required": list(HOSTILE)},
}


def test_literals_are_escaped_for_gbnf():
    assert gbnf_literal('a"b\\c') == '"a\\"b\\\\c"'
    assert gbnf_literal("\t\n\r\x01\x7f") == '"\\t\\n\\r\\x01\\x7F"'
    assert gbnf_literal("é😀") == '"\\u00E9\\U0001F600"'
    assert json_text("é\ud800") == '"é\\ud800"'  # a lone surrogate stays a JSON escape (UTF-8 cannot hold it)


def test_every_literal_reaches_the_grammar_as_its_json_text():
    gbnf = schema_grammar(json.dumps({"enum": list(HOSTILE)}))
    for value in HOSTILE:
        assert gbnf_literal(json_text(value)) in gbnf


def test_a_schema_the_converter_cannot_express_is_a_schema_error():
    with pytest.raises(SchemaError, match="cannot turn this JSON schema into a grammar"):
        schema_grammar(json.dumps({"type": "string", "pattern": "no anchors"}))


@pytest.mark.model
@pytest.mark.parametrize("path", list(SCHEMAS))
def test_every_schema_constrained_path_compiles_with_hostile_literals(model, capfd, path):
    schema = SCHEMAS[path]()
    to_json_schema(schema)  # a valid schema to begin with
    try:  # one token: the grammar is compiled, the answer is cut short (a ValidationError), never a SchemaError
        model.json("Hello", schema, system="Answer in JSON.", max_tokens=1)
    except ValidationError:
        pass
    assert "grammar" not in capfd.readouterr().err


@pytest.mark.model
def test_a_refused_grammar_is_one_schema_error_and_nothing_on_stderr(model, capfd):
    backend = model.backend

    def make():
        return Sampler(backend._lib, backend._context.ctx, backend._vocab, backend._n_vocab, Settings(),
                       'root ::= "\\q" ' + "x" * 5000)

    with pytest.raises(SchemaError, match="refused the grammar.*unknown escape"):
        compile_quietly(backend._lib, make)
    assert capfd.readouterr().err == ""


@pytest.mark.model
def test_minutes_with_a_quote_in_a_line_keep_their_summary(model, capfd):
    result = minutes(model, TRANSCRIPT, title="Quiet lane")
    assert result.summary_source == "model" and result.summary.strip()
    assert not [w for w in result.warnings if "Window" in w]
    assert "grammar" not in capfd.readouterr().err
