"""The approval queue: advisors submit drafts, supervisors approve, edit or reject them; every step recorded.

    queue = ApprovalQueue("copilot.sqlite")
    queue.add_supervisor("sam", "sam's long passphrase")        # the owner, once; a salted scrypt hash is kept
    sam = queue.supervisor("sam", "sam's long passphrase")      # a wrong passphrase is refused and logged
    queue.add_supervisor("sue", "sue's long passphrase", by=sam)  # later ones need a signed-in supervisor
    item = queue.submit(question, draft, advisor="amy", sources=["housing.md#repairs/p1"])
    sam.approve(item.id)                                       # or sam.edit(id, text) / sam.reject(id, why)
    queue.for_advisor("amy")                                   # advisors see answers only once approved

Each supervisor has their own passphrase, so the record's "who" is the name whose passphrase matched. Wrong
passphrases slow down and then lock sign-in for that name (:mod:`kit.admin.copilot.supervisors`).

Decisions are final: pending -> approved | edited | rejected. Two supervisors deciding the same item at the
same moment from different threads or processes get one decision recorded and one clear refusal.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from kit.admin.copilot import passphrase as secret
from kit.admin.copilot import supervisors as roster
from kit.admin.copilot.queue_db import connect, open_queue
from kit.admin.copilot.supervisors import SignInLimits
from kit.admin.errors import DecisionConflictError, PassphraseError
from kit.errors import InputError

_ITEM_COLUMNS = "id, question, draft, sources, grounded, status, answer, advisor, created, decided_by, decided_at, comment"


@dataclass(frozen=True)
class Item:
    """One question and its draft answer as the supervisor sees it."""

    id: int
    question: str
    draft: str
    sources: tuple[str, ...]
    grounded: bool | None
    status: str  # pending, approved, edited or rejected
    answer: str | None  # the approved (or edited) text; None until then
    advisor: str
    created: float
    decided_by: str | None
    decided_at: float | None
    comment: str | None


@dataclass(frozen=True)
class AdvisorItem:
    """What an advisor may see of an item: the answer only once a supervisor has approved it."""

    id: int
    question: str
    status: str
    answer: str | None
    sources: tuple[str, ...]
    comment: str | None  # the supervisor's reason when rejected


@dataclass(frozen=True)
class Transition:
    """One recorded step: who did what to which item, when, and the text before and after."""

    item_id: int
    action: str  # submitted, approved, edited, rejected
    who: str
    at: float
    before: str | None
    after: str | None
    comment: str | None


def _item(row: tuple) -> Item:
    grounded = None if row[4] is None else bool(row[4])
    return Item(row[0], row[1], row[2], tuple(json.loads(row[3])), grounded, *row[5:])


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else "an unknown time"


class ApprovalQueue:
    """An approval queue in one SQLite file (WAL mode, owner-only), safe for several users at once."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        open_queue(self.path)

    def __repr__(self) -> str:
        return f"ApprovalQueue({str(self.path)!r})"

    # -- the supervisors -----------------------------------------------------------------------------
    def supervisors(self) -> list[str]:
        """The names of the supervisors who may sign in."""
        with connect(self.path) as db:
            return roster.names(db)

    def add_supervisor(self, name: str, passphrase: str, *, by: Supervisor | None = None) -> None:
        """Add a named supervisor with their own passphrase: the first by the owner, later ones ``by`` a signed-in one."""
        name, record = _name(name, "supervisor"), secret.hash_passphrase(passphrase)
        with connect(self.path, write=True) as db:
            roster.add(db, name, record, roster.authorise(db, self.path, by, "add a supervisor") or name)

    def remove_supervisor(self, name: str, *, by: Supervisor) -> None:
        """Take a supervisor off the list (their signed-in handles stop working); never the last one."""
        with connect(self.path, write=True) as db:
            roster.remove(db, _name(name, "supervisor"), roster.authorise(db, self.path, by, "remove a supervisor"))

    def change_passphrase(self, name: str, current: str, new: str) -> None:
        """A supervisor changes their own passphrase (the current one is checked, and throttled, as a sign-in)."""
        record = secret.hash_passphrase(new)
        found_name, _ = roster.check(self.path, _name(name, "supervisor"), current)
        with connect(self.path, write=True) as db:
            db.execute("UPDATE supervisors SET record = ? WHERE name = ?", (record, found_name))
            roster.audit(db, found_name, "passphrase_changed", found_name)

    def set_passphrase(self, new: str, *, current: str | None = None) -> None:
        """Replaced by named supervisors: raises a message saying what to call instead."""
        raise PassphraseError("Supervisors now each have their own passphrase, so the record shows who decided: "
                              "use queue.add_supervisor('name', 'their passphrase') for each supervisor "
                              "(and queue.change_passphrase(name, current, new) to change one).")

    def sign_in_limits(self) -> SignInLimits:
        """How many wrong passphrases in a row lock a name, for how long, and the first delay."""
        with connect(self.path) as db:
            return roster.limits(db)

    def set_sign_in_limits(self, *, by: Supervisor | None = None, **limits) -> SignInLimits:
        """Set ``failures``, ``lockout_s`` and/or ``first_delay_s``; once there are supervisors, ``by`` one of them."""
        with connect(self.path, write=True) as db:
            who = roster.authorise(db, self.path, by, "change the sign-in limits")
            try:
                new = SignInLimits(**{**vars(roster.limits(db)), **limits})
            except TypeError:
                raise InputError(f"Unknown limit in {sorted(limits)}; the limits are failures, lockout_s and "
                                 "first_delay_s.") from None
            roster.save_limits(db, new)
            roster.audit(db, who, "limits_set", json.dumps(vars(new)))
        return new

    def supervisor(self, who: str, passphrase: str) -> Supervisor:
        """A supervisor's handle for deciding items, named as on the list; a wrong passphrase is refused and logged.

        After a wrong one the next try for that name waits (1 s, doubling), and the fifth in a row locks the
        name for 15 minutes (see :meth:`set_sign_in_limits`); an early try is refused with how long to wait.
        """
        name, record = roster.check(self.path, _name(who, "supervisor"), passphrase)
        return Supervisor(self, name, record, _TOKEN)

    def _refuse(self, who: str | None, action: str, reason: str) -> None:
        """Log a refused attempt (in its own transaction, so it is kept whatever the caller does next)."""
        with connect(self.path, write=True) as db:
            roster.refuse(db, who, action, reason)

    # -- the advisor's side -------------------------------------------------------------------------
    def submit(self, question: str, draft: str, *, advisor: str, sources: tuple[str, ...] | list[str] = (),
               grounded: bool | None = None) -> Item:
        """Add a pending item (the question and the model's draft) and record who submitted it."""
        advisor = _name(advisor, "advisor")
        if not isinstance(question, str) or not question.strip():
            raise InputError("An item needs a question with some text in it.")
        if not isinstance(draft, str):
            raise InputError("An item's draft must be text.")
        now = time.time()
        with connect(self.path, write=True) as db:
            cursor = db.execute(
                "INSERT INTO items (question, draft, sources, grounded, status, advisor, created)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                (question, draft, json.dumps(list(sources)), None if grounded is None else int(grounded), advisor, now),
            )
            item_id = cursor.lastrowid
            db.execute("INSERT INTO transitions (item_id, action, who, at, before, after) VALUES (?, 'submitted', ?, ?, NULL, ?)",
                       (item_id, advisor, now, draft))
            return _item(db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone())

    def for_advisor(self, advisor: str | None = None) -> list[AdvisorItem]:
        """The advisor's items, newest first: each answer shown only once approved (or edited and approved)."""
        query = f"SELECT {_ITEM_COLUMNS} FROM items"
        params: tuple = ()
        if advisor is not None:
            query, params = query + " WHERE advisor = ?", (advisor,)
        with connect(self.path) as db:
            rows = db.execute(query + " ORDER BY id DESC", params).fetchall()
        return [_advisor_view(_item(row)) for row in rows]

    def advisor_item(self, item_id: int) -> AdvisorItem:
        """One item as an advisor may see it."""
        with connect(self.path) as db:
            return _advisor_view(_get(db, item_id))

    def __len__(self) -> int:
        with connect(self.path) as db:
            return db.execute("SELECT COUNT(*) FROM items").fetchone()[0]


_TOKEN = object()  # a Supervisor comes only from ApprovalQueue.supervisor, which checked the passphrase


class Supervisor:
    """A signed-in supervisor: reads drafts and history, and decides pending items."""

    def __init__(self, queue: ApprovalQueue, who: str, record: str, token: object):
        if token is not _TOKEN:
            raise PassphraseError("Sign in with queue.supervisor(name, passphrase) to act as a supervisor.")
        self.queue, self.who, self._record = queue, who, record

    def __repr__(self) -> str:
        return f"Supervisor({self.who!r}, {self.queue!r})"

    def pending(self) -> list[Item]:
        """Items waiting for a decision, oldest first."""
        with connect(self.queue.path) as db:
            self._still_valid(db)
            rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE status = 'pending' ORDER BY id").fetchall()
        return [_item(row) for row in rows]

    def item(self, item_id: int) -> Item:
        """One item with its draft."""
        with connect(self.queue.path) as db:
            self._still_valid(db)
            return _get(db, item_id)

    def history(self, item_id: int | None = None) -> list[Transition]:
        """Every recorded step (of one item, or all), in order."""
        query, params = "SELECT item_id, action, who, at, before, after, comment FROM transitions", ()
        if item_id is not None:
            query, params = query + " WHERE item_id = ?", (item_id,)
        with connect(self.queue.path) as db:
            self._still_valid(db)
            return [Transition(*row) for row in db.execute(query + " ORDER BY id", params).fetchall()]

    def refusals(self) -> list[dict]:
        """Refused attempts (wrong passphrases, decisions on decided items), oldest first."""
        with connect(self.queue.path) as db:
            self._still_valid(db)
            rows = db.execute("SELECT who, at, action, reason FROM refusals ORDER BY id").fetchall()
        return [dict(zip(("who", "at", "action", "reason"), row)) for row in rows]

    def approve(self, item_id: int, comment: str = "") -> Item:
        """Approve the draft as it is."""
        return self._decide(item_id, "approved", None, comment)

    def edit(self, item_id: int, text: str, comment: str = "") -> Item:
        """Approve an edited answer; the draft and the new text are both kept in the history."""
        if not isinstance(text, str) or not text.strip():
            raise InputError("An edited answer needs some text; to turn the draft down use reject(item_id, reason).")
        return self._decide(item_id, "edited", text, comment)

    def reject(self, item_id: int, comment: str) -> Item:
        """Reject the draft; the comment (why) is required and shown to the advisor."""
        if not isinstance(comment, str) or not comment.strip():
            raise InputError("Say why the draft is rejected (comment=...): the advisor sees the reason.")
        return self._decide(item_id, "rejected", None, comment)

    def audit(self) -> list[dict]:
        """Changes to the supervisors and the sign-in limits: who, when, what, oldest first."""
        with connect(self.queue.path) as db:
            self._still_valid(db)
            rows = db.execute("SELECT who, at, action, detail FROM audit ORDER BY id").fetchall()
        return [dict(zip(("who", "at", "action", "detail"), row)) for row in rows]

    def _still_valid(self, db) -> None:
        found = roster.record_of(db, self.who)
        if found is None or found[1] != self._record:
            raise PassphraseError(f"{self.who}'s passphrase was changed, or they were taken off the list, since "
                                  "signing in; sign in again.")

    def _decide(self, item_id: int, status: str, text: str | None, comment: str) -> Item:
        now = time.time()
        with connect(self.queue.path, write=True) as db:
            self._still_valid(db)
            current = _get(db, item_id)
            if current.status != "pending":
                conflict = current
            else:
                conflict = None
                answer = None if status == "rejected" else (text if status == "edited" else current.draft)
                db.execute("UPDATE items SET status = ?, answer = ?, decided_by = ?, decided_at = ?, comment = ?"
                           " WHERE id = ? AND status = 'pending'",
                           (status, answer, self.who, now, comment or None, item_id))
                db.execute("INSERT INTO transitions (item_id, action, who, at, before, after, comment)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (item_id, status, self.who, now, current.draft, answer, comment or None))
                decided = _get(db, item_id)
        if conflict is None:
            return decided
        verb = {"approved": "approval", "edited": "edit", "rejected": "rejection"}[status]
        reason = (f"Item {item_id} was already {conflict.status} by {conflict.decided_by} at "
                  f"{_when(conflict.decided_at)}" + (f" ({conflict.comment})" if conflict.comment else "")
                  + f"; {self.who}'s {verb} was refused and not recorded.")
        self.queue._refuse(self.who, status, reason)
        raise DecisionConflictError(reason, item_id=item_id, status=conflict.status, decided_by=conflict.decided_by)


def _get(db, item_id: int) -> Item:
    row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", (int(item_id),)).fetchone()
    if row is None:
        raise InputError(f"The queue has no item {item_id}. List the items with supervisor.pending() or "
                         "queue.for_advisor().")
    return _item(row)


def _advisor_view(item: Item) -> AdvisorItem:
    shown = item.answer if item.status in ("approved", "edited") else None
    comment = item.comment if item.status == "rejected" else None
    return AdvisorItem(item.id, item.question, item.status, shown, item.sources if shown else (), comment)


def _name(who: str, role: str) -> str:
    if not isinstance(who, str) or not who.strip():
        raise InputError(f"Give the {role}'s name (who is acting), so the queue can record it.")
    return who.strip()
