"""The supervisor passphrase, stored only as a salted scrypt hash and checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json
import os

from kit.admin.errors import PassphraseError

MIN_LENGTH = 8
# scrypt's interactive-login cost (16 MiB, tens of milliseconds): slow for guessing, quick for a person.
N, R, P = 2**14, 8, 1


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


def hash_passphrase(passphrase: str) -> str:
    """A JSON record of a new random salt, the scrypt cost and the derived key (never the passphrase)."""
    if not isinstance(passphrase, str) or len(passphrase.strip()) < MIN_LENGTH:
        raise PassphraseError(f"A supervisor passphrase needs at least {MIN_LENGTH} characters; choose a longer one.")
    salt = os.urandom(16)
    key = _derive(passphrase, salt, N, R, P)
    return json.dumps({"scheme": "scrypt", "n": N, "r": R, "p": P, "salt": salt.hex(), "key": key.hex()})


def verify(passphrase: str, record: str) -> bool:
    """Whether ``passphrase`` matches a record made by :func:`hash_passphrase`."""
    if not isinstance(passphrase, str) or not passphrase:
        return False
    data = json.loads(record)
    key = _derive(passphrase, bytes.fromhex(data["salt"]), data["n"], data["r"], data["p"])
    return hmac.compare_digest(key, bytes.fromhex(data["key"]))
