"""The shapes of Llama-3.2-1B, Llama-3.2-3B and Llama-3.1-8B, and what tokens per item cost at measured speeds.

Pure arithmetic, no model: the figures are those of the published ``config.json`` files, and the rope factors
are computed as llama.cpp's ``convert_hf_to_gguf.py`` does for ``rope_type: llama3``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

APPLICATIONS = 4015  # planning applications in the published lists (datasets/planning)
PLANNING = "planning extraction"  # its name in tokens_per_item.json
TOKEN_FIELDS = ("items", "calls", "new_prompt", "reused_prompt", "generated", "seconds", "median_new_prompt")


@dataclass(frozen=True)
class Shape:
    """One Llama-3 architecture: everything that decides how much work a token is."""

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    ffn: int
    tied: bool  # output projection shares the token embedding (1B, 3B)
    rope_factor: float  # llama3 rope scaling factor
    vocab: int = 128256
    rope_theta: float = 500000.0
    rope_low: float = 1.0
    rope_high: float = 4.0
    rope_original_ctx: int = 8192
    context: int = 131072
    rms_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        """Size of one attention head."""
        return self.hidden // self.heads

    def tensors(self) -> list[tuple[str, tuple[int, ...], str]]:
        """(GGUF tensor name, numpy shape, "f16" or "f32") for every tensor, in llama.cpp's order."""
        q, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
        out = [("token_embd.weight", (self.vocab, self.hidden), "f16"),
               ("rope_freqs.weight", (self.head_dim // 2,), "f32"),
               ("output_norm.weight", (self.hidden,), "f32")]
        if not self.tied:
            out.append(("output.weight", (self.vocab, self.hidden), "f16"))
        for i in range(self.layers):
            b = f"blk.{i}."
            out += [(b + "attn_norm.weight", (self.hidden,), "f32"),
                    (b + "attn_q.weight", (q, self.hidden), "f16"),
                    (b + "attn_k.weight", (kv, self.hidden), "f16"),
                    (b + "attn_v.weight", (kv, self.hidden), "f16"),
                    (b + "attn_output.weight", (self.hidden, q), "f16"),
                    (b + "ffn_norm.weight", (self.hidden,), "f32"),
                    (b + "ffn_gate.weight", (self.ffn, self.hidden), "f16"),
                    (b + "ffn_up.weight", (self.ffn, self.hidden), "f16"),
                    (b + "ffn_down.weight", (self.hidden, self.ffn), "f16")]
        return out

    def parameters(self) -> int:
        """Parameters as the model card counts them (the rope factors are not weights)."""
        return sum(math.prod(s) for name, s, _ in self.tensors() if name != "rope_freqs.weight")

    def f16_bytes(self) -> int:
        """Size of the tensor data of the F16 file."""
        return sum(math.prod(s) * (2 if t == "f16" else 4) for _, s, t in self.tensors())


SHAPES = {
    "1b": Shape("Llama-3.2-1B", hidden=2048, layers=16, heads=32, kv_heads=8, ffn=8192, tied=True, rope_factor=32.0),
    "3b": Shape("Llama-3.2-3B", hidden=3072, layers=28, heads=24, kv_heads=8, ffn=8192, tied=True, rope_factor=32.0),
    "8b": Shape("Llama-3.1-8B", hidden=4096, layers=32, heads=32, kv_heads=8, ffn=14336, tied=False, rope_factor=8.0),
}


def parse_shapes(text: str) -> list[str]:
    """``"1b,8b"`` -> ``["1b", "8b"]``, refusing unknown names with the valid ones listed."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SHAPES]
    if unknown or not names:
        raise ValueError(f"Unknown shape(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(SHAPES)}.")
    return list(dict.fromkeys(names))


def parse_slots(text: str) -> list[int]:
    """``"1,4,8"`` -> ``[1, 4, 8]``; each a whole number of at least 1."""
    try:
        slots = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        slots = []
    if not slots or min(slots) < 1:
        raise ValueError(f"--slots {text!r}: give slot counts of 1 or more, separated by commas, e.g. 1,4,8.")
    return slots


def llama3_rope_factors(shape: Shape) -> list[float]:
    """The ``rope_freqs`` tensor llama.cpp's converter writes for llama3 rope scaling (one per head-dim pair)."""
    dim = shape.head_dim
    low_wavelen = shape.rope_original_ctx / shape.rope_low
    high_wavelen = shape.rope_original_ctx / shape.rope_high
    factors = []
    for i in range(0, dim, 2):
        wavelen = 2 * math.pi * shape.rope_theta ** (i / dim)
        if wavelen < high_wavelen:
            factors.append(1.0)
        elif wavelen > low_wavelen:
            factors.append(shape.rope_factor)
        else:
            smooth = (shape.rope_original_ctx / wavelen - shape.rope_low) / (shape.rope_high - shape.rope_low)
            factors.append(1 / ((1 - smooth) / shape.rope_factor + smooth))
    return factors


def read_tokens(path: Path) -> dict[str, dict[str, float]]:
    """The per-capability means of ``tokens_per_item.json`` (``bench_tokens.py --json``), checked."""
    if not path.is_file():
        raise ValueError(f"No token counts at {path}. Run `python benchmarks/bench_tokens.py` first, or pass --tokens.")
    try:
        capabilities = json.loads(path.read_text())["capabilities"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ValueError(f"{path} is not a bench_tokens.py result (no 'capabilities'). Run bench_tokens.py again.")
    for name, row in capabilities.items():
        missing = [f for f in ("new_prompt", "generated") if not isinstance(row.get(f), (int, float))]
        if missing:
            raise ValueError(f"{path}: capability {name!r} lacks {', '.join(missing)}. Run bench_tokens.py again.")
    return capabilities


def seconds_per_item(row: dict[str, float], pp: float, tg: float) -> float:
    """New prompt tokens at prompt speed plus generated tokens at decode speed (reused prefix tokens cost ~0)."""
    return row["new_prompt"] / pp + row["generated"] / tg


def cost_rows(capabilities: dict[str, dict[str, float]], speeds: dict[str, tuple[float, float]]) -> list[list]:
    """One row per capability: its tokens per item, then seconds per item for each measured shape."""
    rows = []
    for name, row in capabilities.items():
        rows.append([name, row["new_prompt"], row.get("reused_prompt", 0.0), row["generated"],
                     *(seconds_per_item(row, pp, tg) for pp, tg in speeds.values())])
    return rows


def planning_hours(capabilities: dict[str, dict[str, float]], speeds: dict[str, tuple[float, float]]) -> dict:
    """Hours for all the planning applications per shape, one at a time; empty if planning was not measured."""
    row = capabilities.get(PLANNING)
    if row is None:
        return {}
    return {key: APPLICATIONS * seconds_per_item(row, pp, tg) / 3600 for key, (pp, tg) in speeds.items()}
