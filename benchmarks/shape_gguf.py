"""Write a random-weight F16 GGUF of a :class:`shapes.Shape` with gguf-py from the llama.cpp source the kit keeps.

The file loads in llama.cpp, llama-server and the kit: Llama-3 metadata, a synthetic SentencePiece vocabulary
of the model's full size (Llama-3's special tokens at 128000 and up, byte fallback for any text) and the
Llama-3 chat template. Random weights measure cost, not quality. The rows of the special tokens in the output
projection are zero, so greedy decoding never picks end-of-turn and every call decodes all ``max_tokens``.
"""

from __future__ import annotations

import itertools
import string
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shapes import Shape, llama3_rope_factors

ROOT = Path(__file__).resolve().parent.parent
SPECIAL_FIRST = 128000  # <|begin_of_text|>, as in Llama 3
BOS, EOS, EOT = 128000, 128001, 128009
_NAMED = {0: "<|begin_of_text|>", 1: "<|end_of_text|>", 4: "<|finetune_right_pad_id|>", 6: "<|start_header_id|>",
          7: "<|end_header_id|>", 8: "<|eom_id|>", 9: "<|eot_id|>", 10: "<|python_tag|>"}
CHAT_TEMPLATE = (  # Meta-Llama-3-Instruct's template
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' "
    "+ message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 "
    "%}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")
_POOL = 1 << 24  # random values drawn once and reused: writing speed is disk speed, not the random generator's


def default_sdist() -> Path:
    """The llama-cpp-python source `make install` downloaded, for the installed version."""
    from kit.runtime import native

    return ROOT / ".cache" / "sdist" / f"llama_cpp_python-{native.llama_cpp_version()}.tar.gz"


@contextmanager
def gguf_py(sdist: Path) -> Iterator:
    """Import gguf-py from ``vendor/llama.cpp/gguf-py`` in ``sdist``, extracted to a temporary folder."""
    if not sdist.is_file():
        raise ValueError(f"No llama-cpp-python source at {sdist}. Run `make install` (it downloads it) "
                         "or pass --sdist.")
    with tempfile.TemporaryDirectory(prefix="kit-gguf-py-") as folder, tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/vendor/llama.cpp/gguf-py/gguf/" in m.name and m.isfile()]
        if not members:
            raise ValueError(f"{sdist} holds no vendor/llama.cpp/gguf-py: is it a llama-cpp-python source archive?")
        tar.extractall(folder, members=members, filter="data")
        package = Path(folder) / members[0].name.split("/gguf-py/")[0] / "gguf-py"
        sys.path.insert(0, str(package))
        try:
            import gguf

            yield gguf
        finally:
            sys.path.remove(str(package))
            for name in [n for n in sys.modules if n == "gguf" or n.startswith("gguf.")]:
                del sys.modules[name]


def vocabulary(size: int) -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and types: <unk>, 256 byte tokens, letter pieces, then Llama-3's 256 special tokens."""
    normal, control, byte = 1, 3, 6
    tokens, types = ["<unk>"] + [f"<0x{b:02X}>" for b in range(256)], [2] + [byte] * 256
    pieces = ["\u2581"] + [c for c in string.printable[:94]]
    letters = string.ascii_lowercase
    for n in (1, 2, 3):  # every prefix of a piece is a piece, so SentencePiece merges reach them
        pieces += ["\u2581" + "".join(p) for p in itertools.product(letters, repeat=n)]
        if n > 1:
            pieces += ["".join(p) for p in itertools.product(letters, repeat=n)]
    more = ("".join(p) for p in itertools.product(letters, repeat=4))
    room = SPECIAL_FIRST - len(tokens)
    pieces += list(itertools.islice(more, max(0, room - len(pieces))))
    tokens += pieces[:room]
    types += [normal] * len(pieces[:room])
    tokens += [_NAMED.get(i, f"<|reserved_special_token_{i}|>") for i in range(size - SPECIAL_FIRST)]
    types += [control] * (size - SPECIAL_FIRST)
    scores = [0.0] * 257 + [-float(i) for i in range(size - 257)]
    return tokens, scores, types


def _metadata(writer, gguf, shape: Shape) -> None:
    writer.add_name(f"{shape.name} shape, random weights")
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_vocab_size(shape.vocab)
    writer.add_context_length(shape.context)
    writer.add_embedding_length(shape.hidden)
    writer.add_block_count(shape.layers)
    writer.add_feed_forward_length(shape.ffn)
    writer.add_rope_dimension_count(shape.head_dim)
    writer.add_head_count(shape.heads)
    writer.add_head_count_kv(shape.kv_heads)
    writer.add_key_length(shape.head_dim)
    writer.add_value_length(shape.head_dim)
    writer.add_rope_freq_base(shape.rope_theta)
    writer.add_layer_norm_rms_eps(shape.rms_eps)
    tokens, scores, types = vocabulary(shape.vocab)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(BOS)
    writer.add_eos_token_id(EOT)
    writer.add_eot_token_id(EOT)
    writer.add_add_bos_token(False)  # the template writes <|begin_of_text|> itself
    writer.add_add_space_prefix(False)
    writer.add_chat_template(CHAT_TEMPLATE)


def _tensor(np, pool, name: str, numpy_shape: tuple[int, ...], kind: str, shape: Shape, rng):
    """The data of one tensor: norms 1, rope factors computed, weights from the random pool."""
    if name == "rope_freqs.weight":
        return np.asarray(llama3_rope_factors(shape), dtype=np.float32)
    if kind == "f32":
        return np.ones(numpy_shape, dtype=np.float32)
    size = int(np.prod(numpy_shape))
    start = int(rng.integers(0, _POOL))
    data = np.resize(np.roll(pool, -start), size).reshape(numpy_shape)
    if name in ("output.weight", "token_embd.weight") and (shape.tied or name == "output.weight"):
        data[SPECIAL_FIRST:] = 0  # a logit of 0 for every special token: greedy decoding never ends a turn
    return data


def write(shape: Shape, path: Path, sdist: Path, seed: int = 0) -> float:
    """Write the F16 GGUF of ``shape`` to ``path``; return the seconds it took."""
    import numpy as np

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    pool = (rng.standard_normal(_POOL, dtype=np.float32) * 0.02).astype(np.float16)
    with gguf_py(sdist) as gguf:
        writer = gguf.GGUFWriter(path, "llama")
        try:
            _metadata(writer, gguf, shape)
            specs = shape.tensors()
            for name, numpy_shape, kind in specs:
                dtype = np.float16 if kind == "f16" else np.float32
                writer.add_tensor_info(name, numpy_shape, np.dtype(dtype),
                                       int(np.prod(numpy_shape)) * np.dtype(dtype).itemsize)
            writer.write_header_to_file()
            writer.write_kv_data_to_file()
            writer.write_ti_data_to_file()
            for name, numpy_shape, kind in specs:
                writer.write_tensor_data(_tensor(np, pool, name, numpy_shape, kind, shape, rng))
        finally:
            writer.close()
    return time.perf_counter() - started
