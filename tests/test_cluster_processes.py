"""Distributed kit.map on a real Dask cluster: a `dask scheduler` and `dask worker` processes on 127.0.0.1 (TCP).

Each worker loads the real embedded model; results must equal the local in-process ``kit.map`` (the kit's
in-process decoding is deterministic), survive a client killed mid-run (resume does only the rest) and a
worker killed with SIGKILL mid-run (its items re-run elsewhere, each result stored exactly once).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from contextlib import closing
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

import kit
from kit.cluster import ResumeStore, model_spec, worker_model
from kit.cluster.run import run_map
from kit.errors import ClusterError

pytestmark = pytest.mark.model

BIN = Path(sys.executable).parent
TOPICS = ["bins", "parks", "libraries", "roads", "buses", "housing", "parking", "recycling", "allotments",
          "street lights", "potholes", "graffiti"]
TEMPLATE = "Write one short sentence for residents about {item}."
GEN = {"max_tokens": 10}


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A Dask process in its own process group (so teardown kills all of it), output to ``log``."""
    with log.open("w") as out:
        return subprocess.Popen([str(BIN / "dask"), *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


class Cluster:
    """A scheduler and named workers started as processes; ``address`` is the scheduler's TCP address."""

    def __init__(self, folder: Path):
        self.folder, self.procs, self.workers = folder, [], {}
        home = folder / "worker-home"
        self.env = {**os.environ, "KIT_THREADS": "1", "KIT_HOME": str(home), "KIT_MODELS_DIR": str(home / "models"),
                    "KIT_OUTPUTS": str(home / "outputs"), "KIT_CACHE": "off", "KIT_LOG": "off"}
        self.file = folder / "scheduler.json"
        self.procs.append(_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(self.file)],
                                 self.env, folder / "scheduler.log"))
        deadline = time.monotonic() + 60
        while not self.file.exists() or not self.file.read_text().strip():
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                self.close()
                raise RuntimeError("dask scheduler did not start:\n" + (folder / "scheduler.log").read_text())
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one go, but give the writer a moment to close it
        self.address = json.loads(self.file.read_text())["address"]

    def add_worker(self, name: str) -> subprocess.Popen:
        proc = _start(["worker", "--scheduler-file", str(self.file), "--name", name, "--nthreads", "1",
                       "--nworkers", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                       "--death-timeout", "60"], self.env, self.folder / f"worker-{name}.log")
        self.procs.append(proc)
        self.workers[name] = proc
        return proc

    def address_of(self, client, name: str) -> str:
        return next(a for a, w in client.scheduler_info(n_workers=-1)["workers"].items() if w["name"] == name)

    def close(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One scheduler and two single-threaded workers for the whole module, always torn down."""
    from distributed import Client

    running = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        running.add_worker("w0")
        running.add_worker("w1")
        with Client(running.address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            running.client = client
            yield running
    finally:
        running.close()


@pytest.fixture(scope="module")
def local_answers(model):
    """What the local in-process kit.map answers for the topics: the reference every cluster run must equal."""
    return kit.map(TEMPLATE, TOPICS, model=model, progress=False, **GEN)


def test_results_come_back_in_input_order_and_equal_the_local_run(cluster, model, local_answers, tmp_path):
    run = run_map(TEMPLATE, TOPICS[:8], model=model, client=cluster.client, store=tmp_path / "s.sqlite",
                  partition=1, progress=False, **GEN)
    assert run.results == local_answers[:8]
    assert run.computed == 8 and run.from_store == 0
    assert sorted(run.per_worker) == sorted(cluster.address_of(cluster.client, n) for n in ("w0", "w1"))


def test_a_scheduler_address_string_and_map_frame(cluster, model, local_answers, tmp_path):
    frame = pl.DataFrame({"item": TOPICS[:6], "ward": list(range(6))})
    out = kit.map_frame(frame, TEMPLATE, model=model, client=cluster.address, columns=["item"],
                        store=tmp_path / "s.sqlite", progress=False, **GEN)
    assert out.columns == ["item", "ward", "response"]
    assert out["response"].to_list() == local_answers[:6]


def test_a_function_gets_the_worker_model(cluster, model):
    def tokens_and_answer(item):
        worker = worker_model()
        return worker.count_tokens(item), worker.chat(f"Name one fact about {item}.", max_tokens=8)

    got = kit.map(tokens_and_answer, TOPICS[:4], model=model, client=cluster.client, store=False, progress=False)
    assert got == [(model.count_tokens(t), model.chat(f"Name one fact about {t}.", max_tokens=8)) for t in TOPICS[:4]]


CLIENT_SCRIPT = """
import sys, kit
kit.map(sys.argv[1], sys.argv[2].split(","), model=sys.argv[3], client=sys.argv[4], store=sys.argv[5],
        progress=False, max_tokens=10)
"""


def test_a_rerun_after_the_client_was_killed_does_only_the_missing_items(cluster, model, local_answers, tmp_path):
    store = tmp_path / "s.sqlite"
    client = subprocess.Popen([sys.executable, "-c", CLIENT_SCRIPT, TEMPLATE, ",".join(TOPICS), model.info.file,
                               cluster.address, str(store)], env={**os.environ, "KIT_THREADS": "1"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _stored(store) < 3:
            assert client.poll() is None, client.stdout.read().decode()
            assert time.monotonic() < deadline, "the client stored nothing within 60 s"
            time.sleep(0.05)
        os.killpg(client.pid, signal.SIGKILL)  # interrupted mid-run
    finally:
        _stop(client)
    before = _stored(store)
    assert 3 <= before < len(TOPICS)
    run = run_map(TEMPLATE, TOPICS, model=model.info.file, client=cluster.client, store=store, progress=False, **GEN)
    assert run.results == local_answers
    assert run.from_store == before and run.computed == len(TOPICS) - before
    assert list(ResumeStore(store).counts(run.run_id).values()) == [before, len(TOPICS) - before]


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(cluster, model, tmp_path):
    from distributed import Client

    extra = cluster.add_worker("extra")
    ran, victim_pid = tmp_path / "ran.txt", extra.pid  # "pid item" for every item a worker starts

    def answer(item):
        with open(ran, "a") as log:
            log.write(f"{os.getpid()} {item}\n")
        if os.getpid() == victim_pid:
            time.sleep(120)  # the extra worker is certainly in the middle of an item when it is killed
        return worker_model().chat(f"Write one short sentence about {item}.", max_tokens=8)

    store = tmp_path / "s.sqlite"
    killed = {}

    def kill_once_it_has_started_an_item():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            started = [line.split(" ", 1) for line in ran.read_text().splitlines()] if ran.exists() else []
            if any(pid == str(extra.pid) for pid, _ in started):
                killed["stored"] = _stored(store)
                os.kill(extra.pid, signal.SIGKILL)
                return
            time.sleep(0.02)

    with Client(cluster.address, set_as_default=False, timeout=30) as client:
        client.wait_for_workers(3, timeout=60)
        victim = cluster.address_of(client, "extra")
        watcher = threading.Thread(target=kill_once_it_has_started_an_item)
        watcher.start()
        try:
            run = run_map(answer, TOPICS, model=model, client=client, store=store, partition=1, progress=False)
        finally:
            watcher.join()
    assert extra.wait(timeout=10) == -signal.SIGKILL
    assert killed["stored"] < len(TOPICS), "the worker was not killed mid-run"
    assert run.results == [model.chat(f"Write one short sentence about {t}.", max_tokens=8) for t in TOPICS]
    with closing(sqlite3.connect(store)) as db:
        rows = db.execute("SELECT idx, COUNT(*) FROM results WHERE run_id = ? GROUP BY idx", (run.run_id,)).fetchall()
    assert sorted(rows) == [(i, 1) for i in range(len(TOPICS))]  # every item stored exactly once
    assert victim not in run.per_worker and sum(run.per_worker.values()) == len(TOPICS)
    started = [line.split(" ", 1) for line in ran.read_text().splitlines()]
    lost = {item for pid, item in started if pid == str(extra.pid)}
    assert lost and all(any(p != str(extra.pid) and i == item for p, i in started) for item in lost)  # re-run


@pytest.mark.server
def test_each_worker_can_serve_the_model_with_its_own_llama_server(cluster, model):
    spec = model_spec(model, server_slots=2)

    def served(item):
        worker = worker_model()
        return item, worker.info.backend, worker.parallel, worker.chat(f"Name one fact about {item}.", max_tokens=6)

    got = kit.map(served, TOPICS[:6], model=spec, client=cluster.client, store=False, progress=False)
    assert [g[:3] for g in got] == [(t, "llama-server", 2) for t in TOPICS[:6]]
    assert all(isinstance(g[3], str) and g[3].strip() for g in got)
    name = f"kit-model-{spec.identity()}"
    pids = cluster.client.run(lambda dask_worker: dask_worker.plugins[name].server.process.pid)
    assert len(set(pids.values())) == 2  # one server per worker
    cluster.client.unregister_worker_plugin(name)  # the plugin's teardown stops each worker's server
    for pid in pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_worker_that_cannot_load_the_model_is_named(cluster, tmp_path):
    missing = tmp_path / "not-here.gguf"
    with pytest.raises(ClusterError, match=r"Worker tcp://127\.0\.0\.1:\d+ could not load the model") as info:
        kit.map(TEMPLATE, TOPICS[:2], model=str(missing), client=cluster.client, store=False, progress=False)
    assert "not-here.gguf" in str(info.value)


def _has_table(db) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'results'").fetchone() is not None


def _stored(store: Path) -> int:
    if not store.exists():
        return 0
    with closing(sqlite3.connect(store)) as db:
        return db.execute("SELECT COUNT(*) FROM results").fetchone()[0] if _has_table(db) else 0
