"""The approval queue: roles, the hashed passphrase, the audit trail, concurrency and damaged files."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT
from kit.admin import ApprovalQueue
from kit.admin.errors import DecisionConflictError, PassphraseError, QueueCorruptError
from kit.errors import InputError, KitError

PASS = "correct horse battery staple"


@pytest.fixture
def queue(tmp_path):
    q = ApprovalQueue(tmp_path / "queue.sqlite")
    q.set_passphrase(PASS)
    return q


def test_the_passphrase_is_stored_only_as_a_salted_scrypt_hash(queue):
    raw = queue.path.read_bytes() + b"".join(p.read_bytes() for p in queue.path.parent.glob("queue.sqlite-*"))
    assert PASS.encode() not in raw
    with sqlite3.connect(queue.path) as db:
        record = json.loads(db.execute("SELECT value FROM meta WHERE key = 'passphrase'").fetchone()[0])
    assert record["scheme"] == "scrypt" and len(bytes.fromhex(record["salt"])) == 16 and record["n"] >= 2**14
    assert stat.S_IMODE(os.stat(queue.path).st_mode) == 0o600


def test_changing_the_passphrase_needs_the_current_one(queue):
    with pytest.raises(PassphraseError, match="current"):
        queue.set_passphrase("a brand new passphrase")
    with pytest.raises(PassphraseError, match="at least 8"):
        queue.set_passphrase("short", current=PASS)
    queue.set_passphrase("a brand new passphrase", current=PASS)
    with pytest.raises(PassphraseError):
        queue.supervisor("sam", PASS)
    queue.supervisor("sam", "a brand new passphrase")


def test_advisor_sees_the_answer_only_after_approval(queue):
    item = queue.submit("When is my bin collected?", "Every other Tuesday.", advisor="amy", sources=["bins.md#a/p1"])
    view = queue.advisor_item(item.id)
    assert view.status == "pending" and view.answer is None and "Tuesday" not in repr(view)
    queue.supervisor("sam", PASS).approve(item.id)
    view = queue.advisor_item(item.id)
    assert view.status == "approved" and view.answer == "Every other Tuesday." and view.sources == ("bins.md#a/p1",)


def test_edit_and_reject_record_who_when_and_the_text_before_and_after(queue):
    first = queue.submit("Q1", "Draft one.", advisor="amy")
    second = queue.submit("Q2", "Draft two.", advisor="ben")
    boss = queue.supervisor("sam", PASS)
    boss.edit(first.id, "Better answer.", comment="tightened")
    boss.reject(second.id, "Wrong article cited.")
    steps = boss.history(first.id)
    assert [(s.action, s.who, s.before, s.after) for s in steps] == [
        ("submitted", "amy", None, "Draft one."), ("edited", "sam", "Draft one.", "Better answer.")]
    assert steps[1].at >= steps[0].at and steps[1].comment == "tightened"
    assert queue.advisor_item(first.id).answer == "Better answer."
    rejected = queue.for_advisor("ben")[0]
    assert rejected.status == "rejected" and rejected.answer is None and rejected.comment == "Wrong article cited."
    with pytest.raises(InputError, match="Say why"):
        boss.reject(queue.submit("Q3", "d", advisor="amy").id, "  ")


def test_a_wrong_passphrase_is_refused_and_logged(queue):
    with pytest.raises(PassphraseError, match="refused"):
        queue.supervisor("mallory", "not the passphrase")
    with pytest.raises(PassphraseError):
        queue.supervisor("mallory", "")
    refusals = queue.supervisor("sam", PASS).refusals()
    assert [(r["who"], r["action"], r["reason"]) for r in refusals] == [("mallory", "sign_in", "wrong passphrase")] * 2


def test_supervisor_actions_need_a_signed_in_handle(queue):
    from kit.admin.copilot.queue import Supervisor

    with pytest.raises(PassphraseError, match="Sign in"):
        Supervisor(queue, "mallory", "{}", object())
    fresh = ApprovalQueue(queue.path.parent / "other.sqlite")
    with pytest.raises(PassphraseError, match="set_passphrase"):
        fresh.supervisor("sam", PASS)


def test_approving_an_item_another_supervisor_rejected_is_refused_with_who_did_what(queue):
    item = queue.submit("Can I get a blue badge?", "Yes.", advisor="amy")
    queue.supervisor("sam", PASS).reject(item.id, "Too short.")
    with pytest.raises(DecisionConflictError, match=r"already rejected by sam at .* \(Too short\.\); sue's approval") as err:
        queue.supervisor("sue", PASS).approve(item.id)
    assert err.value.decided_by == "sam" and err.value.status == "rejected"
    assert queue.advisor_item(item.id).status == "rejected"
    assert any(r["who"] == "sue" for r in queue.supervisor("sam", PASS).refusals())


def test_unknown_items_and_empty_input_say_how_to_fix(queue):
    boss = queue.supervisor("sam", PASS)
    with pytest.raises(InputError, match="no item 99"):
        boss.approve(99)
    with pytest.raises(InputError, match="question"):
        queue.submit("   ", "draft", advisor="amy")
    with pytest.raises(InputError, match="name"):
        queue.submit("Q", "draft", advisor="")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_a_damaged_queue_file_is_a_clear_error_and_is_never_reset(queue, damage):
    queue.submit("Q", "A draft.", advisor="amy")
    path = queue.path
    with sqlite3.connect(path) as db:  # fold the WAL into the main file first, as a copy or backup would
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1500])
    else:
        path.unlink()
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE notes (x)")
    before = path.read_bytes()
    with pytest.raises(QueueCorruptError, match="cannot be read.*left as it is") as err:
        ApprovalQueue(path)
    assert isinstance(err.value, KitError) and str(path) in str(err.value)
    assert path.read_bytes() == before


WORKER = """
import json, pathlib, random, sys, time
from kit.admin import ApprovalQueue
from kit.admin.errors import DecisionConflictError
path, who, seed, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
queue = ApprovalQueue(path)
boss = queue.supervisor(who, sys.argv[5])
pathlib.Path(path + ".ready." + who).touch()
while not pathlib.Path(path + ".go").exists():  # start together with the others
    time.sleep(0.005)
order = list(range(1, n + 1)); random.Random(seed).shuffle(order)
won, lost = [], []
for item_id in order:
    try:
        boss.approve(item_id) if item_id % 3 else boss.reject(item_id, f"no ({who})")
        won.append(item_id)
    except DecisionConflictError:
        lost.append(item_id)
    time.sleep(0.003)  # a person between two clicks; without it SQLite's lock favours whoever holds it
print(json.dumps({"who": who, "won": won, "lost": lost}))
"""


def test_several_threads_and_processes_never_lose_a_decision(queue):
    """4 threads submit 60 items at once; then 3 processes and 3 threads race to decide every item."""
    def submit_many(advisor):
        for i in range(15):
            queue.submit(f"Question {i} from {advisor}", f"Draft {i}", advisor=advisor)

    threads = [threading.Thread(target=submit_many, args=(f"advisor{t}",)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(queue) == 60
    n = len(queue)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(queue.path), f"proc{p}", str(p), str(n), PASS],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for p in range(3)]
    results: list[dict] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def decide(who, seed):
        boss = queue.supervisor(who, PASS)
        start.wait()
        order = list(range(1, n + 1))
        random.Random(seed).shuffle(order)
        won, lost = [], []
        for item_id in order:
            try:
                boss.approve(item_id) if item_id % 3 else boss.reject(item_id, f"no ({who})")
                won.append(item_id)
            except DecisionConflictError:
                lost.append(item_id)
            time.sleep(0.003)
        with lock:
            results.append({"who": who, "won": won, "lost": lost})

    deciders = [threading.Thread(target=decide, args=(f"thread{t}", 100 + t)) for t in range(3)]
    for t in deciders:
        t.start()
    deadline = time.monotonic() + 60
    while len(list(queue.path.parent.glob("queue.sqlite.ready.*"))) < len(procs):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "a worker did not start"
        time.sleep(0.01)
    (queue.path.parent / "queue.sqlite.go").touch()
    start.wait()
    for t in deciders:
        t.join()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    winners = [item for r in results for item in r["won"]]
    assert sorted(winners) == list(range(1, n + 1))  # every item decided exactly once
    for r in results:
        assert sorted(r["won"] + r["lost"]) == list(range(1, n + 1))
    boss = queue.supervisor("auditor", PASS)
    history = boss.history()
    decisions = [s for s in history if s.action != "submitted"]
    assert len([s for s in history if s.action == "submitted"]) == n and len(decisions) == n
    won_by = {item: r["who"] for r in results for item in r["won"]}
    for step in decisions:
        assert step.who == won_by[step.item_id]
        assert step.action == ("approved" if step.item_id % 3 else "rejected")
    assert len(boss.refusals()) == 5 * n  # each of the other five deciders was refused once per item
    print("decisions won:", {r["who"]: len(r["won"]) for r in results})
    assert len({r["who"] for r in results if r["won"]}) >= 2  # the deciders really did overlap
