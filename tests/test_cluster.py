"""kit.cluster logic: partitions, the resume store, run ids, model specs and the clear errors (no model needed)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time

import pytest

import kit
from kit.cluster import ResumeStore, model_spec, worker_model
from kit.cluster import store as resume
from kit.cluster.run import partition_size, partitions, run_map
from kit.cluster.spec import ModelSpec
from kit.errors import ClusterError, ClusterItemError, Interrupted, KitError
from fakes import FakeModel
from interrupts import Interrupt


def test_partitions_cover_every_index_once_in_order():
    todo = [0, 2, 3, 5, 6, 7, 9]
    parts = partitions(todo, 3)
    assert parts == [[0, 2, 3], [5, 6, 7], [9]]
    assert partition_size(64, 2) == 8 and partition_size(3, 2) == 1 and partition_size(10_000, 4) == 16


def test_store_keeps_each_result_once_and_redoes_a_changed_item(tmp_path):
    db = ResumeStore(tmp_path / "runs.sqlite")
    assert stat.S_IMODE(os.stat(db.path).st_mode) == 0o600
    items = ["a", {"k": [1, 2]}, "c"]
    hashes = [resume.item_hash(item) for item in items]
    assert db.write("run1", [(0, hashes[0], "A", "w1", 0.1), (1, hashes[1], {"x": 1}, "w2", 0.1)]) == 2
    assert db.write("run1", [(0, hashes[0], "A again", "w2", 0.1)]) == 0  # written once: the first stays
    assert db.done("run1", hashes) == {0: "A", 1: {"x": 1}}
    changed = [hashes[0], resume.item_hash({"k": [1, 3]}), hashes[2]]
    assert db.done("run1", changed) == {0: "A"}
    assert db.done("other-run", hashes) == {}
    later = ResumeStore(db.path)
    later.write("run1", [(2, hashes[2], ("tuple", 1), "w1", 0.2)])  # not JSON-exact: kept as it was
    assert later.done("run1", hashes)[2] == ("tuple", 1)
    assert list(later.counts("run1").values()) == [2, 1]
    assert later.workers("run1") == {"w1": 2, "w2": 1}


def test_run_id_changes_with_prompt_model_and_settings():
    base = resume.run_id("Summarise: {item}", "model-a", {"max_tokens": 8})
    assert base == resume.run_id("Summarise: {item}", "model-a", {"max_tokens": 8})
    assert base != resume.run_id("Summarise briefly: {item}", "model-a", {"max_tokens": 8})
    assert base != resume.run_id("Summarise: {item}", "model-b", {"max_tokens": 8})
    assert base != resume.run_id("Summarise: {item}", "model-a", {"max_tokens": 9})

    def one(item):
        return item

    def two(item):
        return item * 2

    assert resume.run_id(one, "m", {}) != resume.run_id(two, "m", {})
    # Where Python cannot read the source (a terminal session), the compiled code still tells lambdas apart.
    double, triple = eval("lambda n: n * 2"), eval("lambda n: n * 3")  # noqa: S307 - no source file on purpose
    assert resume.run_id(double, "m", {}) != resume.run_id(triple, "m", {})

    def scaled(factor):
        return lambda n: n * factor

    assert resume.run_id(scaled(2), "m", {}) != resume.run_id(scaled(3), "m", {})


def test_model_spec_from_a_loaded_model_a_name_or_a_path():
    fake = FakeModel()
    fake.settings = kit.model.Settings(max_tokens=32)
    spec = model_spec(fake)
    assert spec.sha256 == "0" * 64 and spec.settings["max_tokens"] == 32
    assert model_spec("smollm2").name_or_path == "smollm2"
    assert model_spec(spec) is spec
    # The same file read from another path on a worker is the same model.
    assert ModelSpec("/a/m.gguf", sha256="ab").identity() == ModelSpec("/b/m.gguf", sha256="ab").identity()
    assert ModelSpec("/a/m.gguf", n_ctx=2048).identity() != ModelSpec("/a/m.gguf", n_ctx=4096).identity()
    with pytest.raises(ClusterError, match="cannot be sent to workers"):
        model_spec(object())


def test_a_worker_without_the_file_at_the_clients_path_looks_the_model_up_by_name(tmp_path):
    spec = ModelSpec(str(tmp_path / "on-the-client-only.gguf"), sha256="ab", name="llama-3.2-3b-instruct")
    assert spec.source() == "llama-3.2-3b-instruct"  # from the worker's own models folder (KIT_MODELS_DIR)
    here = tmp_path / "m.gguf"
    here.write_bytes(b"GGUF")
    assert ModelSpec(str(here), sha256="ab", name="llama-3.2-3b-instruct").source() == str(here)
    assert ModelSpec("smollm2").source() == "smollm2"


def test_worker_model_outside_a_worker_says_how_to_use_it():
    with pytest.raises(ClusterError, match="only works inside a function"):
        worker_model()


def test_bad_client_arguments_are_clear():
    with pytest.raises(ClusterError, match="not a Dask scheduler address"):
        kit.map(str, ["a"], client="http://", progress=False)
    with pytest.raises(ClusterError, match="distributed.Client or a scheduler address"):
        kit.map(str, ["a"], client=8786, progress=False)
    with pytest.raises(KitError, match="store= is for runs on a cluster"):
        kit.map(str, ["a"], store="x.sqlite", progress=False)
    with pytest.raises(KitError, match="Unknown generation setting"):
        kit.map("{item}", ["a"], model="smollm2", client="tcp://127.0.0.1:1", max_tokenz=3, progress=False)


def test_unreachable_scheduler_names_the_address_and_how_to_start_one():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    address = f"tcp://127.0.0.1:{port}"
    with pytest.raises(ClusterError, match="dask scheduler") as info:
        kit.map("{item}", ["a"], model="smollm2", client=address, progress=False)
    assert address in str(info.value)


def test_import_kit_does_not_import_dask():
    code = "import sys, kit, kit.cluster, kit.batch; print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _in_process_cluster(n_workers: int):
    """No dashboard; the scheduler's small HTTP server on a free loopback port, not the default 8787."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=False,
                        scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"})


@pytest.fixture(scope="module")
def local_cluster():
    """An in-process cluster for logic tests (the real multi-process cluster is in test_cluster_processes.py)."""
    from distributed import Client

    with _in_process_cluster(2) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client


def test_function_results_in_order_and_failed_items_are_named_then_redone(local_cluster, tmp_path):
    log = tmp_path / "ran.txt"  # the function is pickled to the workers: it counts what ran in a file

    def square(n):
        with open(log, "a") as handle:
            handle.write(f"{n}\n")
        if n == 5 and not os.environ.get("KIT_TEST_FIXED"):
            raise ValueError("five is bad")
        return n * n

    path = tmp_path / "runs.sqlite"
    with pytest.raises(ClusterItemError, match="item 5: ValueError: five is bad") as info:
        run_map(square, range(9), client=local_cluster, store=path, partition=2, progress=False)
    assert info.value.failures.keys() == {5} and str(path) in str(info.value)
    assert sorted(int(n) for n in log.read_text().split()) == list(range(9))
    log.unlink()
    os.environ["KIT_TEST_FIXED"] = "1"
    try:
        again = run_map(square, range(9), client=local_cluster, store=path, partition=2, progress=False)
    finally:
        del os.environ["KIT_TEST_FIXED"]
    assert again.results == [n * n for n in range(9)]
    assert log.read_text().split() == ["5"] and again.computed == 1 and again.from_store == 8


def test_confidential_mode_writes_no_store_and_refuses_one(local_cluster, tmp_path, kit_home):
    items = ["Repair at 4 Elm Road", "Noise at 9 Mill Lane"]
    with kit.confidential():
        assert kit.map(str.upper, items, client=local_cluster, progress=False) == [t.upper() for t in items]
        # the mode travels with the task: the worker's model then caches and logs no text either
        assert kit.map(lambda _: kit.privacy.is_confidential(), [1], client=local_cluster, progress=False) == [True]
        with pytest.raises(ClusterError, match="confidential"):
            kit.map(str.upper, items, client=local_cluster, store=tmp_path / "s.sqlite", progress=False)
    assert not resume.default_store_path().exists() and not (tmp_path / "s.sqlite").exists()
    for file in [*kit_home.rglob("*"), *tmp_path.rglob("*")]:
        assert not file.is_file() or b"ELM ROAD" not in file.read_bytes().upper(), file
    kit.map(str.upper, items, client=local_cluster, progress=False)  # outside confidential mode: resumable
    assert kit.map(lambda _: kit.privacy.is_confidential(), [1], client=local_cluster, progress=False) == [False]
    assert resume.default_store_path().exists() and resume.default_store_path().parent == kit_home


def test_an_interrupted_cluster_map_says_how_many_are_in_the_resume_store(local_cluster, tmp_path):
    def square(n):
        deadline = time.monotonic() + 20
        # Items 4-7 hold both workers when the interrupt comes, until the fix below (the workers are threads of
        # this process) lets the ones still sleeping finish at once, or 20 s pass.
        while n >= 4 and not os.environ.get("KIT_TEST_FIXED") and time.monotonic() < deadline:
            time.sleep(0.05)
        return n * n

    path = tmp_path / "runs.sqlite"
    interrupt = Interrupt(5.0)  # items 0-3 are done by then, even on a busy machine
    with interrupt, pytest.raises(Interrupted) as caught:
        run_map(square, range(8), client=local_cluster, store=path, partition=1, progress=False)
    assert interrupt.seconds_to_stop() < 3.0  # not the 20 s the running items take
    stopped = caught.value
    assert stopped.done == 4 and stopped.results == [0, 1, 4, 9, None, None, None, None]
    assert str(stopped) == ("Stopped after 4 of 8 items; their results are in .results (None where an item did not "
                            f"finish). The resume store {path} holds 4 finished item(s): run the same call again to "
                            "compute only the rest.")
    os.environ["KIT_TEST_FIXED"] = "1"
    try:
        again = run_map(square, range(8), client=local_cluster, store=path, partition=1, progress=False)
    finally:
        del os.environ["KIT_TEST_FIXED"]
    assert again.results == [n * n for n in range(8)] and again.from_store == 4 and again.computed == 4


def test_a_cluster_without_workers_says_how_to_start_one():
    from distributed import Client

    with _in_process_cluster(0) as cluster, \
            Client(cluster, set_as_default=False) as client:
        with pytest.raises(ClusterError, match="has no workers.*dask worker"):
            run_map(str, ["a"], client=client, workers_timeout=0.5, progress=False)


def test_without_dask_installed_the_error_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an environment without it looks like
    with pytest.raises(KitError, match=r"pip install 'dask\[distributed\]'"):
        kit.map(str, ["a"], client="tcp://127.0.0.1:8786", progress=False)


def test_a_function_that_cannot_be_sent_to_workers_is_explained(local_cluster):
    import threading

    lock = threading.Lock()
    with pytest.raises(ClusterError, match="cannot be sent to the workers.*worker_model"):
        run_map(lambda n: (lock, n), range(2), client=local_cluster, store=False, progress=False)
