"""The model interface on the real embedded model through in-process llama.cpp."""

from __future__ import annotations

import sys

import pytest
from pydantic import BaseModel

import kit
from kit.errors import ContextOverflowError, PromptError, SchemaError, ValidationError


class Closure(BaseModel):
    street: str
    days: int


NOTICE = "Notice: Mill Lane is closed for 5 days from Monday."


def test_info_names_the_model(model):
    info = model.info
    assert info.name == "smollm2-135m" and info.architecture == "llama"
    assert len(info.sha256) == 64 and info.context_size == 4096 and info.trained_context == 8192
    assert info.backend == "llama.cpp"


def test_chat_is_reproducible(model):
    first = model.chat("Name a large city in Wales.", max_tokens=16)
    again = model.chat("Name a large city in Wales.", max_tokens=16)
    assert first.strip() and first == again
    assert model.last.completion_tokens <= 16 and model.last.prompt_tokens > 5


def test_system_prompt_changes_the_prompt(model):
    model.chat("Hi", max_tokens=4)
    plain = model.last.prompt_tokens
    model.chat("Hi", system="You are a council assistant who answers formally and briefly.", max_tokens=4)
    assert model.last.prompt_tokens != plain


def test_stream_gives_the_same_text_as_chat(model):
    pieces = list(model.stream("Say hello to a new colleague.", max_tokens=20))
    # pieces as they are generated (how many tokens the model writes before it stops differs between builds)
    assert 1 < len(pieces) <= model.last.completion_tokens <= 20
    assert "".join(pieces) == model.chat("Say hello to a new colleague.", max_tokens=20)


def test_json_with_pydantic_schema_always_validates(model):
    result = model.json(f"Extract the street and the number of days.\n{NOTICE}", Closure, max_tokens=60)
    assert isinstance(result, Closure)  # which street and how many days the model reads is its own answer
    assert isinstance(result.days, int) and isinstance(result.street, str)


def test_json_with_dict_schema(model):
    schema = {"type": "object", "properties": {"urgent": {"type": "boolean"}}, "required": ["urgent"]}
    result = model.json("Is a burst water pipe urgent? Answer in JSON.", schema, max_tokens=20)
    assert set(result) == {"urgent"} and isinstance(result["urgent"], bool)


def test_json_cut_short_raises_validation_error_with_raw_text(model):
    with pytest.raises(ValidationError) as err:
        model.json(f"Extract the street and days.\n{NOTICE}", Closure, max_tokens=3)
    assert err.value.raw and err.value.raw.startswith("{")


def test_invalid_json_schema_is_refused(model):
    with pytest.raises(SchemaError, match="Not a valid JSON schema"):
        model.json("x", {"type": "objekt"})
    with pytest.raises(SchemaError, match="pydantic model class or a JSON-schema dict"):
        model.json("x", "a string is not a schema")


def test_count_tokens(model):
    assert model.count_tokens("") == 0
    assert 2 <= model.count_tokens("Council Tax reminder") <= 8


def test_empty_prompt(model):
    with pytest.raises(PromptError, match="empty"):
        model.chat("   ")


def test_non_utf8_input(model):
    with pytest.raises(PromptError, match="not valid UTF-8"):
        model.chat(b"Caf\xe9 opening hours")
    with pytest.raises(PromptError, match="not valid UTF-8"):
        model.chat("Caf\udce9")


def test_prompt_over_the_context_names_the_sizes(model):
    long_text = "The council meets on Tuesday. " * 800
    with pytest.raises(ContextOverflowError) as err:
        model.chat(long_text, max_tokens=64)
    assert err.value.n_ctx == 4096 and err.value.prompt_tokens > 4096
    assert "4096" in str(err.value) and "chunk_text" in str(err.value)


def test_long_text_splits_into_chunks_that_fit(model):
    text = ("Residents asked about bin collections. " * 30 + "\n\n") * 5
    chunks = model.chunk(text, 120)
    assert "".join(chunks) == text and len(chunks) > 1
    assert all(model.count_tokens(c) <= 120 for c in chunks)


def test_unknown_generation_setting(model):
    with pytest.raises(kit.KitError, match="Unknown generation setting.*temprature"):
        model.chat("hi", temprature=0.5)


def test_unknown_load_option():
    with pytest.raises(kit.KitError, match="Unknown option.*n_ctxx"):
        kit.load_model(n_ctxx=100)


def test_load_time_settings_are_normalised_like_call_time_ones():
    with kit.load_model(stop="</text>", cache=False, log=False) as loaded:
        assert loaded.settings.stop == ("</text>",)


def test_sampling_settings_are_honoured(model):
    hot = {model.chat("Invent a name for a library.", temperature=1.5, seed=s, max_tokens=12) for s in range(4)}
    assert len(hot) > 1  # different seeds at high temperature give different text


def test_same_seed_same_sampled_text(model):
    first = model.chat("Invent a name for a library.", temperature=1.2, seed=7, max_tokens=12)
    model.chat("Something else first.", max_tokens=4)
    assert model.chat("Invent a name for a library.", temperature=1.2, seed=7, max_tokens=12) == first


def test_greedy_argmax_picks_llama_cpp_s_greedy_token_at_every_step(model):
    from kit.runtime.backends.base import Settings
    from kit.runtime.backends.sampling import Sampler, _chain

    backend = model.backend
    lib, ctx = backend._lib, backend._context.ctx
    fast = Sampler(lib, ctx, backend._vocab, backend._n_vocab, Settings())
    chain = _chain(lib, Settings(), backend._n_vocab)  # llama.cpp's own greedy sampler
    assert fast._greedy and fast._chain is None
    try:
        with backend._lock:
            backend._decoder.prefill(backend._tokens([{"role": "user", "content": "Describe a town library."}]))
            for _ in range(48):
                token = fast.sample()
                assert token == lib.llama_sampler_sample(chain, ctx, -1)
                backend._decoder.step(token)
    finally:
        fast.close()
        lib.llama_sampler_free(chain)


def test_repeat_penalty_changes_the_answer(model):
    prompt = "Repeat the word 'council' ten times."
    assert model.chat(prompt, max_tokens=24) != model.chat(prompt, max_tokens=24, repeat_penalty=1.8)


def test_stop_strings_cut_chat_and_stream_alike(model):
    prompt = "Count from one to ten in digits, one per line."
    full = model.chat(prompt, max_tokens=40)
    words = full.split()
    assert words
    # "5" where the model counts in digits; else a word from the middle of whatever this build's model wrote
    stop = "5" if "5" in full else words[len(words) // 2]
    cut = model.chat(prompt, max_tokens=40, stop=[stop])
    assert cut == full[: full.index(stop)] and model.last.completion_tokens < 40
    assert "".join(model.stream(prompt, max_tokens=40, stop=[stop])) == cut


def test_cancelled_stream_leaves_the_model_usable_and_unchanged(model):
    before = model.chat("Name a large city in Wales.", max_tokens=16)
    pieces = model.stream("Tell me a long story about a dragon.", max_tokens=80)
    assert next(pieces) and next(pieces)
    pieces.close()
    assert model.chat("Name a large city in Wales.", max_tokens=16) == before


def test_shared_prefix_is_reused_in_whole_chunks_and_text_is_unchanged(model):
    system = "You answer questions for a county council in short plain sentences. " * 12
    fresh = model.chat("What is council tax?", system=system, max_tokens=12)
    model.chat("What are bin days?", system=system, max_tokens=4)
    last = model.last
    chunk = model.info.details["prompt_chunk"]
    assert last.reused_tokens > 0 and last.reused_tokens % chunk == 0
    assert last.new_tokens == last.prompt_tokens - last.reused_tokens and 0 < last.new_tokens <= chunk + 16
    assert model.chat("What is council tax?", system=system, max_tokens=12) == fresh


def test_the_run_log_and_model_last_split_prompt_tokens_into_new_and_reused(tmp_path):
    from kit.runlog import RunLog, logs

    path = tmp_path / "log.sqlite"
    system = "You answer questions for a county council in short plain sentences. " * 12
    with kit.load_model(n_ctx=2048) as m:
        m._log = RunLog(path)
        m.chat("What is council tax?", system=system, max_tokens=4)
        first = m.last
        m.chat("What are bin days?", system=system, max_tokens=4)
        second = m.last
        m.chat("What are bin days?", system=system, max_tokens=4)  # the response cache: nothing evaluated
        hit = m.last
    assert first.reused_tokens == 0 and first.new_tokens == first.prompt_tokens
    assert second.reused_tokens > 0 and second.new_tokens < second.prompt_tokens
    assert hit.cached and hit.new_tokens == 0
    rows = logs(path=path).sort("id")
    assert rows["reused_tokens"].to_list() == [0, second.reused_tokens, hit.prompt_tokens]


def test_flash_attention_is_on_by_default_here_and_can_be_turned_off(model):
    assert model.info.details["flash_attn_setting"] == "auto"
    assert model.info.details["flash_attn"] == "on"  # every CPU build supports it
    with kit.load_model(flash_attn="off", cache=False, log=False, n_ctx=1024) as off:
        assert off.info.details["flash_attn"] == "off"
        assert off.chat("Name a large city in Wales.", max_tokens=8).strip()


def test_bad_flash_attention_setting(monkeypatch):
    with pytest.raises(kit.KitError, match="flash_attn='sometimes' is not valid.*auto, on, off"):
        kit.load_model(flash_attn="sometimes", cache=False, log=False)
    monkeypatch.setenv("KIT_FLASH_ATTN", "maybe")
    with pytest.raises(kit.KitError, match="KIT_FLASH_ATTN"):
        kit.load_model(cache=False, log=False)


def test_closed_model_says_so():
    loaded = kit.load_model(cache=False, log=False, n_ctx=512)
    loaded.close()
    with pytest.raises(kit.KitError, match="closed"):
        loaded.chat("Hi", max_tokens=2)


def test_a_missing_llama_cpp_python_is_named_with_the_install_hint(monkeypatch):
    for name in ("llama_cpp", "llama_cpp.llama_chat_format"):
        monkeypatch.setitem(sys.modules, name, None)  # what an environment without llama-cpp-python looks like
    with pytest.raises(kit.KitError, match="llama-cpp-python is not importable.*make demo") as raised:
        kit.load_model(cache=False, log=False, n_ctx=512)
    assert not isinstance(raised.value, ImportError)
