"""Named supervisors and their sign-in: one passphrase each, a growing delay after a wrong one, then a lockout.

Everything lives in the queue file, so a restart of the app (or another process) changes nothing: after a
wrong passphrase the next try for that name is allowed only after ``first_delay_s``, doubling with each wrong
one in a row; the ``failures``-th wrong one in a row locks the name for ``lockout_s``. An early try is refused
at once with "try again in N s" (nothing sleeps, so other users of the app are never held up) and is not
checked at all. Each wrong passphrase and each lockout is recorded in the queue's refusals.
"""

from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from kit.admin.copilot import passphrase as secret
from kit.admin.copilot.queue_db import connect
from kit.admin.errors import PassphraseError
from kit.errors import InputError

UNKNOWN = "(no such supervisor)"  # one shared throttle for names not on the list


@functools.cache
def _dummy_record() -> str:
    """A record no passphrase is checked against in earnest: an unknown name costs one check, as a known one."""
    return secret.hash_passphrase("a name that is not on the list")


@dataclass(frozen=True)
class SignInLimits:
    """How many wrong passphrases in a row lock a name, for how long, and the first delay (then doubling)."""

    failures: int = 5
    lockout_s: float = 900.0
    first_delay_s: float = 1.0

    def __post_init__(self):
        if not (isinstance(self.failures, int) and 1 <= self.failures <= 100):
            raise InputError(f"failures={self.failures!r}: give a whole number from 1 to 100 (default 5).")
        if not (isinstance(self.lockout_s, (int, float)) and 0 < self.lockout_s <= 7 * 86400):
            raise InputError(f"lockout_s={self.lockout_s!r}: give seconds above 0, at most a week (default 900).")
        if not (isinstance(self.first_delay_s, (int, float)) and 0 <= self.first_delay_s <= 3600):
            raise InputError(f"first_delay_s={self.first_delay_s!r}: give seconds from 0 to 3600 (default 1).")

    def delay(self, failures: int) -> float:
        """Seconds before the next try after ``failures`` wrong passphrases in a row (below the lockout)."""
        return min(self.first_delay_s * 2 ** (failures - 1), self.lockout_s)


def limits(db) -> SignInLimits:
    """The queue's sign-in limits (the defaults until the owner sets others)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'sign_in_limits'").fetchone()
    return SignInLimits(**json.loads(row[0])) if row else SignInLimits()


def save_limits(db, new: SignInLimits) -> None:
    """Store the sign-in limits in the queue file."""
    db.execute("INSERT OR REPLACE INTO meta VALUES ('sign_in_limits', ?)", (json.dumps(asdict(new)),))


def names(db) -> list[str]:
    """The supervisors' names, in the order they were added."""
    return [row[0] for row in db.execute("SELECT name FROM supervisors ORDER BY added, rowid")]


def record_of(db, name: str) -> tuple[str, str] | None:
    """(the name as the owner wrote it, its passphrase record), or None for a name not on the list."""
    return db.execute("SELECT name, record FROM supervisors WHERE name = ?", (name,)).fetchone()


def authorise(db, path: Path, by, what: str) -> str | None:
    """Who may change the list: anyone while it is empty (the owner setting up), else a signed-in supervisor
    (``by``, a :class:`~kit.admin.copilot.queue.Supervisor` of this queue); returns their name."""
    on_list = names(db)
    if not on_list:
        return getattr(by, "who", None)
    if getattr(getattr(by, "queue", None), "path", None) != path:
        raise PassphraseError(f"This queue already has supervisors ({', '.join(on_list)}); to {what} give one of them "
                              f"signed in: by=queue.supervisor({on_list[0]!r}, '...').")
    by._still_valid(db)
    return by.who


def add(db, name: str, record: str, who: str) -> None:
    """Put a new name on the list with its passphrase record."""
    existing = record_of(db, name)
    if existing:
        raise PassphraseError(f"There is already a supervisor called {existing[0]!r}. To change their passphrase use "
                              "queue.change_passphrase(name, current, new).")
    db.execute("INSERT INTO supervisors (name, record, added) VALUES (?, ?, ?)", (name, record, time.time()))
    audit(db, who, "supervisor_added", name)


def remove(db, name: str, who: str) -> None:
    """Take a name off the list (never the last one: the list would be open to anyone again)."""
    found = record_of(db, name)
    if found is None:
        raise InputError(f"No supervisor called {name!r}. The supervisors are: {', '.join(names(db))}.")
    if len(names(db)) == 1:
        raise InputError(f"{found[0]!r} is the only supervisor; add another before removing them.")
    db.execute("DELETE FROM supervisors WHERE name = ?", (found[0],))
    db.execute("DELETE FROM sign_ins WHERE name = ?", (found[0],))
    audit(db, who, "supervisor_removed", found[0])


def audit(db, who: str | None, action: str, detail: str) -> None:
    """Record a change to the supervisors or the limits."""
    db.execute("INSERT INTO audit (who, at, action, detail) VALUES (?, ?, ?, ?)", (who, time.time(), action, detail))


def refuse(db, who: str | None, action: str, reason: str) -> None:
    """Record a refused attempt."""
    db.execute("INSERT INTO refusals (who, at, action, reason) VALUES (?, ?, ?, ?)", (who, time.time(), action, reason))


def check(path: Path, name: str, passphrase: str) -> tuple[str, str]:
    """The supervisor's name (as on the list) and record if ``passphrase`` is theirs; else PassphraseError.

    The try is reserved (the next one pushed back) before the slow check, so tries at the same moment from
    other threads or processes are refused rather than checked side by side.
    """
    now = time.time()
    with connect(path, write=True) as db:
        if not names(db):
            legacy = db.execute("SELECT 1 FROM meta WHERE key = 'passphrase'").fetchone()
            raise PassphraseError(_LEGACY if legacy else _NONE)
        found = record_of(db, name)
        key = found[0] if found else UNKNOWN
        rules = limits(db)
        failures, next_at, locked_until = _state(db, key)
        if locked_until > now:
            raise PassphraseError(f"Sign-in as {name!r} is locked after {rules.failures} wrong passphrases in a row: "
                                  f"try again in {_wait(locked_until - now)}.")
        if next_at > now:
            raise PassphraseError(f"Too soon after a wrong passphrase for {name!r}: try again in {_wait(next_at - now)}.")
        if locked_until:  # a lockout that has run out starts the count again
            failures = 0
        reserve = rules.lockout_s if failures + 1 >= rules.failures else rules.delay(failures + 1)
        _save(db, key, failures, now + reserve, 0.0)
    ok = secret.verify(passphrase, found[1] if found else _dummy_record()) and found is not None
    with connect(path, write=True) as db:
        if ok:
            db.execute("DELETE FROM sign_ins WHERE name = ?", (key,))
            return found
        failures = _state(db, key)[0] + 1
        now = time.time()
        if failures >= rules.failures:
            until = now + rules.lockout_s
            _save(db, key, failures, until, until)
            refuse(db, name, "sign_in", f"wrong passphrase ({failures} in a row): locked out for "
                   f"{_wait(rules.lockout_s)}, until {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(until))}")
            locked = f" Sign-in as {name!r} is now locked for {_wait(rules.lockout_s)}."
        else:
            _save(db, key, failures, now + rules.delay(failures), 0.0)
            refuse(db, name, "sign_in", f"wrong passphrase ({failures} of {rules.failures} before a lockout); "
                   f"next try allowed after {_wait(rules.delay(failures))}")
            locked = f" The next try is allowed in {_wait(rules.delay(failures))}."
    raise PassphraseError(f"Wrong supervisor passphrase for {name!r} (or no supervisor has that name): refused, "
                          f"and the attempt was logged.{locked}")


def _state(db, key: str) -> tuple[int, float, float]:
    row = db.execute("SELECT failures, next_at, locked_until FROM sign_ins WHERE name = ?", (key,)).fetchone()
    return row if row else (0, 0.0, 0.0)


def _save(db, key: str, failures: int, next_at: float, locked_until: float) -> None:
    db.execute("INSERT OR REPLACE INTO sign_ins (name, failures, next_at, locked_until) VALUES (?, ?, ?, ?)",
               (key, failures, next_at, locked_until))


def _wait(seconds: float) -> str:
    seconds = max(1, math.ceil(seconds))
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


_NONE = ("No supervisors are set up for this queue yet. The owner adds each one, with their own passphrase: "
         "queue.add_supervisor('name', 'their passphrase').")
_LEGACY = ("This queue has one shared supervisor passphrase, from an older kit. Supervisors are now named, so the "
           "record shows who decided: the owner adds each one with queue.add_supervisor('name', 'their "
           "passphrase'); the shared passphrase is then no longer used.")
