"""Fetch one catalog file over HTTP into a ``.part`` file: resume a cut transfer, refuse a wrong file.

A transfer that stops early (the connection dropped before the announced length) keeps its part and
resumes on the next pull. A file of the wrong size is refused and nothing of it kept: a server that
announces another size (``Content-Length`` or ``Content-Range``), or a response that ends cleanly at
another size. A server that ignores Range (200 to a resume) sends the whole file again, so the part is
replaced by it, and the same size checks apply; the SHA-256 check in ``kit.runtime.pull`` follows.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from kit import hashing
from kit.errors import DownloadError
from kit.progress import NoBar, progress_bar
from kit.runtime.catalog import CatalogEntry

_CHUNK = 1 << 20
_USER_AGENT = "fellowship-kit (urllib)"
_TOTAL = re.compile(r"bytes\s+\d+-\d+/(\d+)")


def add_hint(name: str) -> str:
    """How to add a file fetched another way so that it loads under its catalog name."""
    return f"`kit models add PATH --name {name}` (`kit models verify {name}` then checks it against the catalog)"


def fetch(entry: CatalogEntry, url: str, part: Path, *, progress: bool, timeout: float) -> str:
    """Fetch ``url`` into ``part``, continuing from the bytes already there; return the file's SHA-256.

    Raises:
        DownloadError: unreachable, refused, cut short (the part is kept: run again to resume), or a file of
            another size than the catalog's (the part is removed).
    """
    start = part.stat().st_size if part.exists() else 0
    free = shutil.disk_usage(part.parent).free
    if free < entry.size_bytes - start:
        raise DownloadError(
            f"{entry.name} needs {(entry.size_bytes - start) / 1e9:.1f} GB more disk space in {part.parent}, "
            f"but only {free / 1e9:.1f} GB is free. Free some space, or set KIT_MODELS_DIR to a bigger disk."
        )
    response = _open(url, start, timeout, entry.name)
    if response is None:  # 416: the server says the partial file is already whole
        return hashing.sha256_file(part)
    digest = hashlib.sha256()
    with response:
        if start and response.status == 200:
            start = 0  # the server ignored Range and sends the whole file: it replaces the part
        elif start and not response.headers.get("Content-Range", "").startswith(f"bytes {start}-"):
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"{urlsplit(url).hostname} answered a resume request for {url} with the wrong range "
                f"({response.headers.get('Content-Range')!r}). The partial download was removed; "
                f"run `kit models pull {entry.name}` again."
            )
        total = _announced_size(response, start)
        if total is not None and total != entry.size_bytes:
            raise _wrong_file(entry, url, part, total, "announces")
        if start:  # hash the bytes already on disk so the new ones can be hashed as they arrive
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        received = _copy(response, url, part, entry, start, digest, progress)
        cut_short = received < entry.size_bytes and bool(response.length)  # fewer bytes than announced
    if received == entry.size_bytes:
        return digest.hexdigest()
    if cut_short:
        raise DownloadError(
            f"The download of {url} stopped after {received:,} of {entry.size_bytes:,} bytes. "
            f"The part already fetched is kept in {part}; run `kit models pull {entry.name}` again to resume."
        )
    how = "sent at least" if received > entry.size_bytes else "sent a whole file of"
    raise _wrong_file(entry, url, part, received, how)


def _copy(response: http.client.HTTPResponse, url: str, part: Path, entry: CatalogEntry, start: int,
          digest, progress: bool) -> int:
    """Append the response to ``part`` (from ``start``); the part's size after, stopping past the catalog's size."""
    received = start
    try:
        with part.open("ab" if start else "wb") as handle, _bar(entry, start, progress) as bar:
            while received <= entry.size_bytes and (chunk := _read(response, url, part, entry.name)):
                handle.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
                received += len(chunk)
    except OSError as exc:
        raise DownloadError(
            f"Could not write {part} ({exc.strerror or exc}). Check the disk has "
            f"{entry.size_bytes / 1e9:.1f} GB free, or set KIT_MODELS_DIR to another folder."
        ) from None
    return received


def _announced_size(response: http.client.HTTPResponse, start: int) -> int | None:
    """The size of the whole file as the server gives it (206: Content-Range's total; 200: Content-Length)."""
    if response.status == 206:
        match = _TOTAL.match(response.headers.get("Content-Range", ""))
        if match:
            return int(match.group(1))
    length = response.headers.get("Content-Length", "")
    return start + int(length) if length.isdigit() else None


def _wrong_file(entry: CatalogEntry, url: str, part: Path, size: int, how: str) -> DownloadError:
    part.unlink(missing_ok=True)
    return DownloadError(
        f"{urlsplit(url).hostname} serves the wrong file for {entry.name}: it {how} {size:,} bytes, but the "
        f"catalog's {entry.filename} is {entry.size_bytes:,} bytes. Nothing was kept (running again would fetch "
        f"the same file). Point --endpoint or KIT_HF_ENDPOINT at a mirror of {entry.repo} that serves this "
        f"file, or download it yourself and run {add_hint(entry.name)}."
    )


def _open(url: str, start: int, timeout: float, name: str) -> http.client.HTTPResponse | None:
    headers = {"User-Agent": _USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and start:
            return None
        raise DownloadError(_http_message(url, exc.code, exc.reason, name)) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        host = urlsplit(url).hostname
        raise DownloadError(
            f"Could not reach {host} to download {url} ({reason}). Check your internet connection, "
            "set KIT_HF_ENDPOINT to a mirror that serves the same files, or download the file another "
            f"way, copy it in and run {add_hint(name)}."
        ) from None


def _read(response: http.client.HTTPResponse, url: str, part: Path, name: str) -> bytes:
    try:
        return response.read(_CHUNK)
    except (OSError, http.client.HTTPException) as exc:
        raise DownloadError(
            f"The connection to {urlsplit(url).hostname} dropped while downloading {url} ({exc}). "
            f"The part already fetched is kept in {part}; run `kit models pull {name}` again to resume."
        ) from None


def _http_message(url: str, code: int, reason: str, name: str) -> str:
    parts = urlsplit(url)
    page = f"{parts.scheme}://{parts.netloc}/" + "/".join(parts.path.strip("/").split("/")[:2])
    if code in (401, 403):
        return (
            f"{parts.hostname} refused the download of {url} (HTTP {code} {reason}). The repository is "
            f"gated, private or gone. Gated Llama repositories need you to log in and accept Meta's licence "
            f"at {page}; this kit sends no login token, so then download the file in your browser, copy it "
            f"in and run {add_hint(name)}, or set KIT_HF_ENDPOINT to a mirror that serves it."
        )
    if code == 404:
        return (
            f"No file at {url} (HTTP 404). The server or mirror does not hold it, or it was renamed "
            f"upstream; check {page}, set KIT_HF_ENDPOINT to another mirror, or download the file "
            f"yourself and run {add_hint(name)}."
        )
    return (
        f"{parts.hostname} answered HTTP {code} {reason} for {url}. Try again later, or set "
        "KIT_HF_ENDPOINT to a mirror."
    )


def _bar(entry: CatalogEntry, start: int, enabled: bool):
    if not enabled:
        return NoBar()
    return progress_bar(
        entry.size_bytes,
        entry.filename,
        unit="B",
        initial=start,
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
    )
