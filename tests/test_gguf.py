"""GGUF checks happen before llama.cpp sees a file."""

from __future__ import annotations

import pytest

from kit.runtime import gguf
from kit.errors import ModelNotFoundError, NotGGUFError
from kit.runtime.models import embedded_model_path


def test_reads_the_embedded_model_header():
    header = gguf.read_header(embedded_model_path())
    assert header.architecture == "llama"
    assert header.context_length == 8192
    assert header.tensor_count > 0
    assert header.expected_size == header.file_size  # every tensor's bytes accounted for


def test_missing_file(tmp_path):
    with pytest.raises(ModelNotFoundError, match="No model file at .*kit models list"):
        gguf.read_header(tmp_path / "nope.gguf")


def test_file_that_is_not_gguf(tmp_path):
    fake = tmp_path / "notes.gguf"
    fake.write_bytes(b"PK\x03\x04 this is a zip file")
    with pytest.raises(NotGGUFError, match="not a GGUF model file .*b'PK"):
        gguf.check_file(fake)


def test_empty_file(tmp_path):
    fake = tmp_path / "empty.gguf"
    fake.write_bytes(b"")
    with pytest.raises(NotGGUFError, match="not a GGUF"):
        gguf.read_header(fake)


@pytest.mark.parametrize("keep", [10, 4096, 90_000_000])
def test_truncated_gguf(tmp_path, keep):
    """Cut in the header, in the metadata, and in the tensor data: all three are caught."""
    source = embedded_model_path()
    cut = tmp_path / "cut.gguf"
    with source.open("rb") as handle:
        cut.write_bytes(handle.read(keep))
    with pytest.raises(NotGGUFError, match="truncated"):
        gguf.read_header(cut)
