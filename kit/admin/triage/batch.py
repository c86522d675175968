"""Triage many emails at once: a polars DataFrame or a folder of files, with progress, resumable.

With ``store`` (a SQLite file), each finished item is saved as soon as it is done, keyed by the item's id,
a hash of its text, the model file and the triage settings (prompts, schema and safeguarding phrases). A
rerun after an interruption, or with more rows added, only triages what is not already there; change
the model, a prompt or the phrases and everything is redone.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from kit import batch as kit_batch
from kit import prompts
from kit import store as kit_store
from kit.admin.triage import core
from kit.errors import InputError, KitError
from kit.model import ChatModel

SCHEMA = """CREATE TABLE IF NOT EXISTS triage (
    key TEXT PRIMARY KEY, item_id TEXT NOT NULL, result TEXT NOT NULL,
    saved_at TEXT NOT NULL DEFAULT (datetime('now')));"""
FILE_TYPES = (".txt", ".eml", ".md")
COLUMNS = ("category", "urgency", "team", "draft", "safeguarding", "safeguarding_words", "language", "flags",
           "sources", "model_urgency")


def settings_fingerprint() -> str:
    """A hash of everything that shapes a triage besides the model: prompts, schema, safeguarding phrases."""
    parts = [prompts.load(f"admin_triage_{name}") for name in ("system", "user", "safeguarding")]
    parts.append(json.dumps(core.TriageReading.model_json_schema(), sort_keys=True))
    parts.append(str(core.REPLY_TOKENS))
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:16]


def item_key(model: ChatModel | None, item_id: str, text: str, fingerprint: str) -> str:
    """The store key for one item under one model and one set of settings."""
    if model is None:
        model_id = "rules-only"
    else:
        model_id = model.info.sha256 if model.info else "unknown"
    payload = json.dumps([str(item_id), hashlib.sha256(text.encode("utf-8")).hexdigest(), model_id, fingerprint])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResultStore:
    """Finished triage results in a private SQLite file (mode 0600), safe to share between threads."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            kit_store.create_private(self.path, SCHEMA)
        except Exception as exc:  # sqlite3.DatabaseError for a file that is not a database
            raise InputError(f"The triage store {self.path} cannot be used ({exc}). Point store= at a new file; "
                             "this one is left untouched.") from None

    def get(self, key: str) -> dict | None:
        """The saved result for ``key``, or None."""
        with kit_store.connect(self.path) as db:
            row = db.execute("SELECT result FROM triage WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, item_id: str, result: dict) -> None:
        """Save one finished result."""
        with kit_store.connect(self.path) as db:
            db.execute("INSERT OR REPLACE INTO triage (key, item_id, result) VALUES (?, ?, ?)",
                       (key, str(item_id), json.dumps(result, ensure_ascii=False, default=str)))

    def __len__(self) -> int:
        with kit_store.connect(self.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM triage").fetchone()[0])


def triage_frame(model: ChatModel | None, df, *, text: str = "text", id: str = "id", store: str | Path | None = None,
                 progress: bool = True, on_item: Callable[[int, int], None] | None = None,
                 cancel: Callable[[], bool] | None = None):
    """Add triage columns to a table of emails (``text`` and ``id`` columns); resumable with ``store``.

    Adds category, urgency, team, draft, safeguarding (bool), safeguarding_words, language, flags, sources
    (JSON) and model_urgency, plus ``resumed`` (True for rows taken from the store). An item the model fails
    on gets a flag, never an exception that loses the batch; an empty text is flagged the same way.
    ``cancel``: a function that returns True to stop; the rows finished by then are returned (fewer rows than
    ``df``: compare heights), and with ``store`` a rerun goes on from there.
    """
    import polars as pl

    missing = [c for c in (text, id) if c not in df.columns]
    if missing:
        raise InputError(f"triage_frame needs the columns {text!r} and {id!r}; the table lacks "
                         f"{', '.join(missing)} (it has {', '.join(df.columns)}). Pass text= and id= to name yours.")
    saved = ResultStore(store) if store else None
    fingerprint = settings_fingerprint()
    rows = df.select(pl.col(id).cast(pl.Utf8).alias("_id"), pl.col(text).cast(pl.Utf8).alias("_text")).to_dicts()
    done = [0]

    def run(row: dict) -> dict | None:
        if cancel is not None and cancel():
            return None
        body = row["_text"] or ""
        key = item_key(model, row["_id"], body, fingerprint)
        hit = saved.get(key) if saved is not None else None
        if hit is not None:
            result = hit | {"resumed": True}
        else:
            try:
                result = core.triage(model, body, item_id=row["_id"]).as_record()
            except KitError as exc:
                result = {"id": row["_id"], "flags": [str(exc)], "safeguarding": False, "safeguarding_words": []}
            if saved is not None:
                saved.put(key, row["_id"], result)
            result = result | {"resumed": False}
        done[0] += 1
        if on_item is not None:
            on_item(done[0], len(rows))
        return result

    results = kit_batch.map(run, rows, progress=progress, desc="triage", workers=1)
    if None in results:  # stopped: keep the rows finished before the stop
        df = df.head(results.index(None))
        results = results[:df.height]
    columns = {
        "category": pl.Series([r.get("category") for r in results], dtype=pl.Utf8),
        "urgency": pl.Series([r.get("urgency") for r in results], dtype=pl.Utf8),
        "team": pl.Series([r.get("team") for r in results], dtype=pl.Utf8),
        "draft": pl.Series([r.get("draft") or "" for r in results], dtype=pl.Utf8),
        "safeguarding": pl.Series([bool(r.get("safeguarding")) for r in results], dtype=pl.Boolean),
        "safeguarding_words": pl.Series([r.get("safeguarding_words") or [] for r in results], dtype=pl.List(pl.Utf8)),
        "language": pl.Series([r.get("language") for r in results], dtype=pl.Utf8),
        "flags": pl.Series([r.get("flags") or [] for r in results], dtype=pl.List(pl.Utf8)),
        "sources": pl.Series([json.dumps(r.get("sources") or {}) for r in results], dtype=pl.Utf8),
        "model_urgency": pl.Series([r.get("model_urgency") for r in results], dtype=pl.Utf8),
        "resumed": pl.Series([r["resumed"] for r in results], dtype=pl.Boolean),
    }
    return df.with_columns(**columns)


def read_message(path: Path) -> str:
    """The text of a .txt/.md file, or the subject and plain-text body of an .eml file."""
    return message_text(path.read_bytes(), path.name)


def message_text(data: bytes, name: str) -> str:
    """The text of an email file's bytes (``name`` gives its type: .eml is parsed, others decoded as UTF-8)."""
    if Path(name).suffix.lower() != ".eml":
        return data.decode("utf-8-sig", errors="replace")
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    subject = message.get("subject", "")
    return f"Subject: {subject}\n\n{text}" if subject else text


def read_folder(folder: str | Path):
    """A table (id, text) of the .txt, .md and .eml files in ``folder`` (id: the file name), sorted by name."""
    import polars as pl

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"No folder at {folder}. Give the folder that holds the emails (.txt, .md or .eml files).")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FILE_TYPES and p.is_file())
    if not files:
        raise InputError(f"The folder {folder} holds no .txt, .md or .eml files to triage.")
    return pl.DataFrame({"id": [p.name for p in files], "text": [read_message(p) for p in files]})


def triage_folder(model: ChatModel | None, folder: str | Path, *, store: str | Path | None = None, progress: bool = True):
    """``triage_frame`` over the emails in a folder (see :func:`read_folder`)."""
    return triage_frame(model, read_folder(folder), store=store, progress=progress)
