"""Read a GGUF file's header without llama.cpp, so bad files get a clear error before llama.cpp sees them."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from kit.errors import ModelNotFoundError, NotGGUFError

MAGIC = b"GGUF"

# GGUF metadata value types -> struct format (strings and arrays are handled apart).
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9

# ggml tensor type -> (elements per block, bytes per block), for the sizes of tensor data.
_GGML_TYPES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110),
    22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8),
    29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17),
}
# Arrays longer than this (token lists) are skipped, not kept, to keep the header small in memory.
_KEEP_ARRAY = 64


@dataclass(frozen=True)
class GGUFHeader:
    """What a GGUF header says about a model."""

    path: Path
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(repr=False)
    file_size: int
    expected_size: int | None

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if value is not None else None


class _Reader:
    def __init__(self, handle: BinaryIO, path: Path):
        self.handle, self.path = handle, path

    def read(self, n: int) -> bytes:
        data = self.handle.read(n)
        if len(data) != n:
            raise NotGGUFError(
                f"{self.path} is a truncated GGUF file (its header ends early). "
                "Download it again, or check it with `kit models verify`."
            )
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        length = self.unpack("<Q")
        if length > 1 << 24:
            raise NotGGUFError(f"{self.path} has a corrupt GGUF header (a {length}-byte string).")
        return self.read(length).decode("utf-8", errors="replace")

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item_type, count = self.unpack("<I"), self.unpack("<Q")
            if count > 1 << 28:
                raise NotGGUFError(f"{self.path} has a corrupt GGUF header (an array of {count} items).")
            items = [self.value(item_type) for _ in range(count)]
            return items if count <= _KEEP_ARRAY else f"<array of {count}>"
        raise NotGGUFError(f"{self.path} has a corrupt GGUF header (unknown value type {vtype}).")


def check_file(path: str | Path) -> Path:
    """Return ``path`` if it exists and starts with the GGUF magic bytes; raise a clear error if not."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelNotFoundError(
            f"No model file at {path}. Run `kit models list` to see the models you have, "
            "or `kit models add PATH` to add a GGUF file."
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != MAGIC:
        raise NotGGUFError(
            f"{path} is not a GGUF model file (it starts with {magic!r}, not b'GGUF'). "
            "llama.cpp needs a .gguf file: see `kit models list` for ones that work."
        )
    return path


def read_header(path: str | Path) -> GGUFHeader:
    """Parse a GGUF header and check that the file holds all the tensor data it announces."""
    path = check_file(path)
    file_size = path.stat().st_size
    with path.open("rb") as handle:
        reader = _Reader(handle, path)
        reader.read(4)
        version = reader.unpack("<I")
        if version not in (2, 3):
            raise NotGGUFError(f"{path} is GGUF version {version}; this kit reads versions 2 and 3.")
        tensor_count, kv_count = reader.unpack("<Q"), reader.unpack("<Q")
        metadata = {}
        for _ in range(kv_count):
            key = reader.string()
            metadata[key] = reader.value(reader.unpack("<I"))
        data_end = 0
        sizes_known = True
        for _ in range(tensor_count):
            reader.string()
            dims = [reader.unpack("<Q") for _ in range(reader.unpack("<I"))]
            ggml_type, offset = reader.unpack("<I"), reader.unpack("<Q")
            elements = 1
            for d in dims:
                elements *= d
            block = _GGML_TYPES.get(ggml_type)
            if block is None:
                sizes_known = False
                data_end = max(data_end, offset + 1)
            else:
                data_end = max(data_end, offset + elements // block[0] * block[1])
        alignment = int(metadata.get("general.alignment", 32))
        data_start = -(-handle.tell() // alignment) * alignment
    expected = data_start + data_end if tensor_count else None
    if expected is not None and file_size < expected:
        raise NotGGUFError(
            f"{path} is a truncated GGUF file: it is {file_size:,} bytes but its tensors need "
            f"{expected:,}. Download it again (`kit models pull NAME` resumes) and check it with "
            "`kit models verify`."
        )
    return GGUFHeader(path, version, tensor_count, metadata, file_size, expected if sizes_known else None)
