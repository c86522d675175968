"""kit.offline.outbox: durable entries, idempotency keys, in-order replay, kill -9 at random moments, full disks."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT
from kit.errors import InputError, KitError
from kit.errors import OutboxError
from kit.offline.outbox import Entry, Outbox

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def child(tmp_path: Path, name: str, code: str) -> Path:
    """Write a child-process script and return its path."""
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    return script


# ------------------------------------------------------------------ basics


def test_put_keeps_entries_in_order_and_survives_reopening(tmp_path):
    path = tmp_path / "sub" / "outbox.db"
    with Outbox(path) as box:
        first = box.put("incident_log", {"text": "Ward 7 on paper", "n": 1})
        second = box.put("message", {"to": "site manager", "text": "PACS down"})
        assert isinstance(first, Entry) and first.id < second.id
        assert first.delivered is None and first.created.endswith("+00:00")
    with Outbox(path) as box:
        assert [e.key for e in box.pending()] == [first.key, second.key]
        assert box.pending()[1].payload == {"to": "site manager", "text": "PACS down"}
        assert len(box) == 2
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_same_key_twice_is_one_entry(tmp_path):
    box = Outbox(tmp_path / "o.db")
    a = box.put("message", {"text": "bleep 5240"}, key="msg-1")
    b = box.put("message", {"text": "bleep 5240"}, key="msg-1")
    assert a == b and len(box) == 1
    with pytest.raises(InputError, match="already used"):
        box.put("message", {"text": "something else"}, key="msg-1")
    assert len(box) == 1 and box.unsaved == ()


@pytest.mark.parametrize(
    ("kind", "payload", "match"),
    [
        ("", {"a": 1}, "kind must be a non-empty string"),
        ("   ", {"a": 1}, "kind must be a non-empty string"),
        (None, {"a": 1}, "kind must be a non-empty string"),
        ("log", ["not", "a", "dict"], "must be a dict"),
        ("log", {"when": date(2026, 1, 1)}, "cannot be stored as JSON"),
        ("log", {"tags": {"a", "b"}}, "cannot be stored as JSON"),
        ("log", {"value": math.nan}, "cannot be stored as JSON"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(tmp_path, kind, payload, match):
    box = Outbox(tmp_path / "o.db")
    with pytest.raises(InputError, match=match):
        box.put(kind, payload)
    assert len(box) == 0 and box.unsaved == ()


def test_empty_key_is_refused(tmp_path):
    with pytest.raises(InputError, match="idempotency key"):
        Outbox(tmp_path / "o.db").put("log", {}, key=" ")


def test_a_file_that_is_not_an_outbox_is_refused(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is a text file, not SQLite" * 200)
    with pytest.raises(OutboxError, match="not a SQLite outbox file") as err:
        Outbox(bad)
    assert isinstance(err.value, KitError)
    assert bad.read_bytes().startswith(b"this is a text file")  # nothing overwritten


# ------------------------------------------------------------------ privacy


def test_delivered_entries_are_redacted_and_pending_ones_kept_as_put(tmp_path):
    note = {"text": "Mrs Okafor (NHS 943 476 5919) fell on ward 7", "ward": 7}
    box = Outbox(tmp_path / "o.db")
    first = box.put("incident-log", note, key="inc-1")
    box.put("incident-log", {"text": "Call Dr Shah on 07700 900123"}, key="inc-2")
    assert box.pending()[0].payload == note  # what the receiver needs, until it has it
    sent: list[Entry] = []
    assert box.replay(sent.append) == 2
    assert sent[0].payload == note  # the receiver got the note as written
    kept = box.delivered()[0].payload
    assert "943 476 5919" not in kept["text"] and "[NHS_NUMBER" in kept["text"] and kept["ward"] == 7
    raw = sqlite3.connect(tmp_path / "o.db").execute("SELECT payload FROM entries").fetchall()
    assert not any("943 476 5919" in row[0] or "07700 900123" in row[0] for row in raw)
    again = box.put("incident-log", note, key="inc-1")  # the same key and note: still one entry, not an error
    assert again.id == first.id and len(box.delivered()) == 2


def test_redaction_of_delivered_entries_can_be_turned_off(tmp_path, monkeypatch):
    note = {"text": "NHS 943 476 5919"}
    box = Outbox(tmp_path / "o.db", redact_delivered=False)
    box.put("incident-log", note)
    box.replay(lambda entry: None)
    assert box.delivered()[0].payload == note
    monkeypatch.setenv("KIT_REDACT", "off")
    assert Outbox(tmp_path / "o2.db").redact_delivered is False


# ------------------------------------------------------------------ replay


def test_replay_sends_in_order_and_marks_delivered(tmp_path):
    box = Outbox(tmp_path / "o.db")
    keys = [box.put("log", {"i": i}).key for i in range(5)]
    sent: list[Entry] = []

    def send(entry: Entry) -> None:
        sent.append(entry)
        if entry.payload["i"] == 1:
            box.put("log", {"i": 99})  # recorded while replaying: goes out in the same replay, last

    assert box.replay(send) == 6
    assert [e.payload["i"] for e in sent] == [0, 1, 2, 3, 4, 99]
    assert len(box) == 0 and box.pending() == []
    assert [e.key for e in box.delivered()][:5] == keys
    assert all(e.delivered for e in box.delivered())
    assert box.replay(send) == 0 and len(sent) == 6  # nothing is sent twice


def test_replay_stops_at_the_first_failure_and_resumes(tmp_path):
    box = Outbox(tmp_path / "o.db")
    for i in range(4):
        box.put("log", {"i": i})
    calls: list[int] = []

    def flaky(entry: Entry) -> None:
        calls.append(entry.payload["i"])
        if entry.payload["i"] == 2:
            raise ConnectionError("primary went away")

    assert box.replay(flaky) == 2
    assert "primary went away" in box.last_error
    assert [e.payload["i"] for e in box.pending()] == [2, 3]
    got: list[int] = []
    assert box.replay(lambda e: got.append(e.payload["i"])) == 2
    assert got == [2, 3] and calls == [0, 1, 2] and box.last_error is None


# ------------------------------------------------------------------ full disk


def test_full_database_keeps_the_entry_in_memory_and_retries(tmp_path):
    box = Outbox(tmp_path / "o.db")
    box.put("log", {"i": 0})
    pages = box._db.execute("PRAGMA page_count").fetchone()[0]
    box._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite now answers SQLITE_FULL on growth
    with pytest.raises(OutboxError, match="disk is full") as err:
        for i in range(1, 50):
            box.put("log", {"i": i, "text": "x" * 800})
    assert "kept in memory" in str(err.value)
    held = box.unsaved
    assert len(held) == 1 and held[0].id == 0
    assert box.pending()[-1] == held[0] and len(box) == len(box.pending())
    saved_before = [e.payload["i"] for e in box.pending() if e.id]
    box._db.execute("PRAGMA max_page_count = 1073741823")  # space freed
    box.put("log", {"i": 1000})
    assert box.unsaved == ()
    order = [e.payload["i"] for e in box.pending()]
    assert order == saved_before + [held[0].payload["i"], 1000]
    assert all(e.id for e in box.pending())


def test_replay_still_sends_saved_entries_while_the_disk_is_full(tmp_path):
    box = Outbox(tmp_path / "o.db")
    box.put("log", {"i": 0})
    box.put("log", {"i": 1})
    box._db.execute("PRAGMA max_page_count = 1")  # smaller than the file: every growth fails
    with pytest.raises(OutboxError):
        box.put("log", {"i": 2, "text": "y" * 5000})
    sent: list[int] = []
    assert box.replay(lambda e: sent.append(e.payload["i"])) == 2
    assert sent == [0, 1] and [e.payload["i"] for e in box.unsaved] == [2]
    box._db.execute("PRAGMA max_page_count = 1073741823")
    assert box.replay(lambda e: sent.append(e.payload["i"])) == 1
    assert sent == [0, 1, 2] and box.unsaved == ()


REFUSED_WRITES = """
    import json, os, resource, signal, sys
    from kit.errors import OutboxError
    from kit.offline.outbox import Outbox
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG
    box = Outbox(sys.argv[1])
    box.put("log", {"i": 0})
    biggest = max(os.path.getsize(sys.argv[1] + s) for s in ("", "-wal"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 4096, resource.RLIM_INFINITY))
    errors = []
    for i in range(1, 40):
        try:
            box.put("log", {"i": i, "text": "z" * 400})
        except OutboxError as exc:
            errors.append(str(exc))
    held = len(box.unsaved)
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    saved = box.flush()
    print(json.dumps({"errors": errors, "held": held, "saved": saved,
                      "order": [e.payload["i"] for e in box.pending()],
                      "integrity": box._db.execute("PRAGMA integrity_check").fetchone()[0]}))
"""


def test_writes_refused_by_the_operating_system_are_kept_and_retried(tmp_path):
    script = child(tmp_path, "refused", REFUSED_WRITES)
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "o.db")], env=ENV,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["errors"] and "kept in memory" in result["errors"][0]
    assert result["held"] == len(result["errors"]) and result["saved"] == result["held"]
    assert result["order"] == list(range(40)) and result["integrity"] == "ok"


FULL_DISK = """
    import json, os, sys
    from kit.errors import OutboxError
    from kit.offline.outbox import Outbox
    folder = sys.argv[1]
    box = Outbox(os.path.join(folder, "o.db"))
    box.put("log", {"i": 0})
    fd = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\\0" * 4096)
    except OSError:
        os.close(fd)
    errors = []
    for i in range(1, 20):
        try:
            box.put("log", {"i": i, "text": "w" * 300})
        except OutboxError as exc:
            errors.append(str(exc))
    os.remove(os.path.join(folder, "filler"))
    saved = box.flush()
    print(json.dumps({"errors": errors, "saved": saved, "order": [e.payload["i"] for e in box.pending()]}))
"""


def _can_mount_tmpfs() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, timeout=20)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and `unshare -m` to mount a tiny tmpfs")
def test_a_really_full_file_system(tmp_path):
    """A 1 MiB tmpfs in a private mount namespace (it vanishes with the child), filled to the last byte."""
    script = child(tmp_path, "full", FULL_DISK)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    cmd = f"mount -t tmpfs -o size=1m tmpfs {mnt} && exec {sys.executable} {script} {mnt}"
    out = subprocess.run(["unshare", "-m", "sh", "-c", cmd], env=ENV, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["errors"]) == 19 and "disk is full" in result["errors"][0]
    assert result["saved"] == 19 and result["order"] == list(range(20))


# ------------------------------------------------------------------ kill -9

WRITER = """
    import sys
    from kit.offline.outbox import Outbox
    box = Outbox(sys.argv[1])
    i = int(sys.argv[2])
    while True:
        box.put("incident_log", {"i": i, "text": f"call {i} logged on paper"}, key=f"entry-{i}")
        print(i, flush=True)  # the acknowledgement: put() has returned, so the entry is committed
        i += 1
"""


def test_kill_9_while_writing_loses_no_acknowledged_entry(tmp_path):
    path, script = tmp_path / "o.db", child(tmp_path, "writer", WRITER)
    rng = random.Random(9)
    acked: list[int] = []
    committed_unacked = 0
    kills = 6
    for _ in range(kills):
        start = acked[-1] + 1 if acked else 0
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(start)], env=ENV,
                                stdout=subprocess.PIPE, text=True)
        first = proc.stdout.readline()  # wait until it is writing, then kill it at a random moment
        time.sleep(rng.uniform(0.02, 0.3))
        proc.kill()
        rest = proc.stdout.read()
        proc.wait()
        lines = (first + rest).split("\n")
        acked += [int(x) for x in lines[:-1]]  # a cut-off last line is not an acknowledgement
        with Outbox(path) as box:  # an entry can be committed but not yet acknowledged: re-put, same key
            committed_unacked += any(e.payload["i"] == acked[-1] + 1 for e in box.pending())
    with Outbox(path) as box:
        entries = box.pending()
        assert box._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    got = [e.payload["i"] for e in entries]
    assert set(acked) <= set(got), "an acknowledged entry was lost"
    assert got == list(range(len(got))), "entries duplicated or out of order"
    assert len({e.key for e in entries}) == len(entries)
    assert len(acked) > 50
    print(f"\n{kills} kills, {len(acked)} acknowledged, {len(got)} stored, "
          f"{committed_unacked} committed-but-unacknowledged re-put by key")


REPLAYER = """
    import os, sys, time
    from kit.offline.outbox import Outbox
    box = Outbox(sys.argv[1])
    receiver = os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    def send(entry):
        os.write(receiver, (entry.key + "\\n").encode())  # the receiver has it once this returns
        os.fsync(receiver)
        time.sleep(0.002)
    print("ready", flush=True)
    print("done", box.replay(send), flush=True)
"""


def test_kill_9_while_replaying_never_applies_an_entry_twice(tmp_path):
    path, log = tmp_path / "o.db", tmp_path / "received.log"
    script = child(tmp_path, "replayer", REPLAYER)
    with Outbox(path) as box:
        keys = [box.put("message", {"i": i}, key=f"msg-{i:04d}").key for i in range(200)]
    rng, kills, finished = random.Random(99), 0, False
    while not finished:
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(log)], env=ENV,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "ready\n"
        if kills < 5:
            time.sleep(rng.uniform(0.05, 0.25))
            proc.kill()
            kills += 1
        finished = "done" in proc.stdout.read()
        proc.wait()
    received = log.read_text().split()
    applied = list(dict.fromkeys(received))  # the receiver honours the key: first arrival applies
    duplicates = len(received) - len(applied)
    assert applied == keys, "every entry applied exactly once, in order"
    assert duplicates <= kills, "at most the one in-flight entry per kill is resent"
    with Outbox(path) as box:
        assert len(box) == 0 and len(box.delivered()) == 200
    print(f"\n{kills} kills during replay, {len(received)} sends, {duplicates} resent (same key), "
          f"{len(applied)} applied once each")


def test_only_one_replay_runs_at_a_time(tmp_path):
    """A replay started inside another (same process) or by a second process sends nothing."""
    box = Outbox(tmp_path / "o.db")
    for i in range(3):
        box.put("log", {"i": i})
    nested: list[int] = []

    def send(entry: Entry) -> None:
        nested.append(box.replay(lambda e: None))

    assert box.replay(send) == 3 and nested == [0, 0, 0]
    assert box.last_error is None

    for i in range(60):
        box.put("log", {"i": 100 + i}, key=f"two-{i}")
    log = tmp_path / "received.log"
    script = child(tmp_path, "replayer", REPLAYER)
    procs = [subprocess.Popen([sys.executable, str(script), str(box.path), str(log)], env=ENV,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    counts = sorted(int(out.split()[-1]) for out in outputs)
    received = log.read_text().split()
    assert len(received) == len(set(received)) == 60, "two replayers sent an entry twice"
    assert counts == [0, 60]
    assert len(box) == 0
