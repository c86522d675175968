"""llama-quantize's quantisation types: names, GGUF file types, sizes, naming and the requantise rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kit.errors import QuantizeError


@dataclass(frozen=True)
class QuantType:
    """One llama-quantize target type."""

    name: str  # as llama-quantize spells it (Q4_K_M)
    file_type: int  # the GGUF ``general.file_type`` (llama_ftype) a file of this type carries
    bits: float  # approximate bits per weight, for size estimates and "lower precision" comparisons
    note: str


# From llama.cpp's tools/quantize/quantize.cpp (QUANT_OPTIONS) and include/llama.h (llama_ftype).
# The importance-matrix (IQ*) and ternary types are left out: they need an imatrix to be any good.
TYPES: dict[str, QuantType] = {t.name: t for t in (
    QuantType("F32", 0, 32.0, "full precision, 4 bytes a weight (only for conversion)"),
    QuantType("F16", 1, 16.0, "half precision: the usual source for quantising"),
    QuantType("BF16", 32, 16.0, "bfloat16: like F16, the range of F32"),
    QuantType("Q8_0", 7, 8.5, "almost lossless, about half the size of F16"),
    QuantType("Q6_K", 18, 6.56, "very close to Q8_0"),
    QuantType("Q5_K_M", 17, 5.69, "good quality"),
    QuantType("Q5_K_S", 16, 5.54, ""),
    QuantType("Q5_1", 9, 6.0, "legacy"),
    QuantType("Q5_0", 8, 5.5, "legacy"),
    QuantType("Q4_K_M", 15, 4.89, "the usual balance of size and quality"),
    QuantType("Q4_K_S", 14, 4.58, ""),
    QuantType("Q4_1", 3, 5.0, "legacy"),
    QuantType("Q4_0", 2, 4.5, "legacy"),
    QuantType("Q3_K_L", 13, 4.27, "noticeably worse"),
    QuantType("Q3_K_M", 12, 3.91, "noticeably worse"),
    QuantType("Q3_K_S", 11, 3.5, "much worse"),
    QuantType("Q2_K", 10, 3.35, "much worse; last resort"),
)}
_BY_FILE_TYPE = {t.file_type: t for t in TYPES.values()}
UNQUANTIZED = frozenset({"F32", "F16", "BF16"})

# llama-quantize prints one line per tensor: "[  12/ 272]  blk.0.attn_k.weight - [ 576, 192, 1, 1], type = ..."
_PROGRESS = re.compile(r"^\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]\s+\S")


def parse_type(name: str) -> QuantType:
    """The quantisation type called ``name`` (any case); an unknown name lists the valid ones."""
    found = TYPES.get(str(name).strip().upper())
    if found is None:
        raise QuantizeError(
            f"{name!r} is not a quantisation type the kit makes. Valid types: {', '.join(TYPES)} "
            "(Q8_0 is nearly lossless; Q4_K_M is the usual balance of size and quality)."
        )
    return found


def file_type_name(file_type: int | None) -> str | None:
    """The type name of a GGUF ``general.file_type`` value, or None if unknown or absent."""
    found = _BY_FILE_TYPE.get(file_type) if file_type is not None else None
    return found.name if found else None


def describe_file_type(metadata: dict) -> str:
    """A GGUF header's file type in words, e.g. ``Q8_0 (file type 7)``."""
    value = metadata.get("general.file_type")
    if value is None:
        return "not recorded in the file"
    return f"{file_type_name(int(value)) or 'other'} (file type {value})"


def requantize_problem(source: str | None, target: QuantType) -> str | None:
    """Why making ``target`` from a file of type ``source`` needs ``allow_requantize``, or None if it does not.

    A quantised file has already lost precision: converting it to a type that is not lower precision
    makes a file as large or larger with no better answers. Going lower from it works but is worse than
    quantising the F16 original, so that is allowed and said in the result.
    """
    if source is None or source in UNQUANTIZED:
        return None
    if target.bits < TYPES[source].bits:
        return None
    return (
        f"The source is already quantised ({source}); making {target.name} from it cannot win back the "
        f"precision {source} lost, it only makes a larger file of the same quality. Quantise the F16 or "
        f"F32 original instead, or pass allow_requantize=True (--allow-requantize) if you mean it."
    )


def is_quantized(source: str | None) -> bool:
    """Whether a file of type ``source`` is known to hold quantised tensors."""
    return source is not None and source not in UNQUANTIZED


def output_name(source: Path, target: QuantType) -> str:
    """``<source-stem>.<TYPE>.gguf``, with a type already in the stem (``.Q4_1``, ``-f16``) replaced, not repeated."""
    stem = Path(source).name
    if stem.lower().endswith(".gguf"):
        stem = stem[: -len(".gguf")]
    pattern = "|".join(sorted((re.escape(t) for t in TYPES), key=len, reverse=True))
    stem = re.sub(rf"[.\-_](?:{pattern})$", "", stem, flags=re.IGNORECASE) or stem
    return f"{stem}.{target.name}.gguf"


def estimate_bytes(source_size: int, source: str | None, target: QuantType) -> int:
    """A generous estimate of the output size: the source size scaled by bits per weight, plus a margin."""
    source_bits = TYPES[source].bits if source in TYPES else 16.0
    return int(source_size * target.bits / source_bits * 1.25) + (32 << 20)


def parse_progress(line: str) -> tuple[int, int] | None:
    """``(done, total)`` from a llama-quantize tensor line like ``[  12/ 272] blk.0.attn_k.weight ...``."""
    match = _PROGRESS.match(line)
    return (int(match.group(1)), int(match.group(2))) if match else None
