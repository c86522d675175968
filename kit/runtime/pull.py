"""Download catalog models into the models folder, and check model files against their SHA-256.

The transfer itself (resume, wrong-file checks, the server's errors) is ``kit.runtime.download``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kit import hashing, paths
from kit.errors import ConfigError, DownloadError, ModelNotFoundError, UnknownModelError
from kit.runtime import catalog, download
from kit.runtime.catalog import CatalogEntry

DEFAULT_ENDPOINT = "https://huggingface.co"


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of checking one model file against its expected SHA-256."""

    name: str
    path: Path
    ok: bool
    expected: str
    actual: str


def resolve_endpoint(endpoint: str | None = None) -> str:
    """The download endpoint: ``endpoint``, ``KIT_HF_ENDPOINT``, ``HF_ENDPOINT`` or Hugging Face."""
    choices = [
        ("the endpoint argument", endpoint),
        ("KIT_HF_ENDPOINT", os.environ.get("KIT_HF_ENDPOINT")),
        ("HF_ENDPOINT", os.environ.get("HF_ENDPOINT")),
    ]
    for source, value in choices:
        if value and value.strip():
            value = value.strip().rstrip("/")
            if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
                raise ConfigError(
                    f"{source} is {value!r}, which is not an http(s) address. "
                    "Use a form like https://huggingface.co or http://mirror.example:8080."
                )
            return value
    return DEFAULT_ENDPOINT


def pull(
    name: str,
    *,
    endpoint: str | None = None,
    dest_dir: Path | None = None,
    progress: bool = True,
    timeout: float = 15.0,
) -> Path:
    """Download the catalog model ``name`` (resuming a partial download) and return its checked path.

    Args:
        endpoint: A Hugging Face-style server or mirror; see ``resolve_endpoint`` for the default.
        dest_dir: Folder to download into; defaults to ``paths.models_dir()``.
        progress: Show a tqdm progress bar on stderr.
        timeout: Seconds to wait for the server to connect or send data before giving up.

    Raises:
        UnknownModelError: ``name`` is not in the catalog.
        DownloadError: The server could not be reached, refused the file, cut the transfer short (the
            part is kept; run again to resume), or serves a file whose size or SHA-256 differs from the
            catalog's (nothing is kept).
    """
    entry = catalog.get_entry(name)
    if entry.name == catalog.EMBEDDED:
        from kit.runtime import models  # kit.runtime.models may come to import this module

        return models.embedded_model_path()
    folder = Path(dest_dir) if dest_dir is not None else paths.models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / entry.filename
    if target.exists():
        _check_existing(entry, target)
        return target

    url = entry.url(resolve_endpoint(endpoint))
    part = target.with_name(target.name + ".part")
    if part.exists() and part.stat().st_size >= entry.size_bytes:
        actual = hashing.sha256_file(part)
    else:
        actual = download.fetch(entry, url, part, progress=progress, timeout=timeout)
    size = part.stat().st_size
    if size != entry.size_bytes or actual != entry.sha256:
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"The download of {entry.name} from {url} does not match the catalog: expected SHA-256 "
            f"{entry.sha256} ({entry.size_bytes:,} bytes), found {actual} ({size:,} bytes). "
            f"The download was removed ({part}). Run `kit models pull {entry.name}` again; if it fails "
            "the same way, the server or mirror serves a different file."
        )
    os.replace(part, target)
    return target


def verify_file(
    path: str | os.PathLike,
    expected_sha256: str,
    *,
    name: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Hash the file at ``path`` and compare it with ``expected_sha256``.

    ``progress`` is called with the number of bytes read after each chunk (for a progress bar).
    """
    path = _require_file(Path(path).expanduser())
    expected = expected_sha256.strip().lower()
    actual = hashing.sha256_file(path, progress)
    return VerifyResult(name or path.stem, path, actual == expected, expected, actual)


def verify(
    name_or_path: str | os.PathLike,
    sha256: str | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Check one model, given by name or path, against ``sha256`` or else the catalog's checksum."""
    from kit.runtime import models  # kit.runtime.models may come to import this module

    value = os.fspath(name_or_path)
    path = Path(value).expanduser()
    if path.is_file() or "/" in value or os.sep in value or value.lower().endswith(".gguf"):
        name = _require_file(path).stem
    else:
        name, path = value, models.path_for_name(value)  # raises with the valid names, or how to pull
    entry = _entry_for(name, path)
    if sha256 is None and entry is None:
        raise UnknownModelError(
            f"{path.name} is not a catalog model file, so there is no known checksum to compare it with. "
            f"Pass the expected SHA-256. Catalog models: {', '.join(catalog.load_catalog())}."
        )
    expected = sha256 if sha256 is not None else entry.sha256
    return verify_file(path, expected, name=entry.name if entry else name, progress=progress)


def verify_all(progress: Callable[[int], None] | None = None) -> list[VerifyResult]:
    """Check every catalog model present in the models folder, and the embedded model if installed."""
    from kit.runtime import models  # kit.runtime.models may come to import this module

    results = []
    for entry in catalog.load_catalog().values():
        if entry.name == catalog.EMBEDDED:
            try:
                path = models.embedded_model_path()
            except ModelNotFoundError:
                continue
        else:
            path = paths.models_dir() / entry.filename
            if not path.is_file():
                continue
        results.append(verify_file(path, entry.sha256, name=entry.name, progress=progress))
    return results


def _require_file(path: Path) -> Path:
    if not path.is_file():
        raise ModelNotFoundError(f"No model file at {path}. Run `kit models list` to see the models you have.")
    return path


def _entry_for(name: str, path: Path) -> CatalogEntry | None:
    entries = catalog.load_catalog()
    if name in entries:
        return entries[name]
    return next((e for e in entries.values() if e.filename == path.name), None)


def _check_existing(entry: CatalogEntry, target: Path) -> None:
    size = target.stat().st_size
    if size == entry.size_bytes and hashing.cached_sha256(target) == entry.sha256:
        return
    found = f"{size:,} bytes" if size != entry.size_bytes else f"SHA-256 {hashing.cached_sha256(target)}"
    raise DownloadError(
        f"{target} already exists but does not match the catalog (expected SHA-256 {entry.sha256}, "
        f"{entry.size_bytes:,} bytes; found {found}). It may be an interrupted copy or a different "
        f"build of the model. Delete it and run `kit models pull {entry.name}` again."
    )
