"""Proof that the fallback keeps answering: a real llama-server killed with SIGKILL, hung with SIGSTOP, and
killed and restarted at random during 100 questions, with the real embedded model as the local tier and
the durable outbox replaying to a local receiver when the primary is back.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kit import serve
from kit.errors import ServerError
from kit.runtime.fallback import fallback, health

pytestmark = [pytest.mark.server, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "datasets" / "offline" / "questions.jsonl"
SYSTEM = "Answer in a few words."
ASK = {"system": SYSTEM, "max_tokens": 4}  # the tiers are under test here, not the answers


def questions(n: int) -> list[dict]:
    """The first ``n`` questions of the project's offline question set (cycled if it is shorter)."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [rows[i % len(rows)] | {"key": f"{rows[i % len(rows)]['id']}-{i}"} for i in range(n)]


def start_primary(port: int = 0, n_ctx: int = 1024) -> serve.ServerProcess:
    """A real llama-server on 127.0.0.1 (one slot, one thread), or a failure saying how to build it."""
    try:
        serve.server_binary(build_if_missing=False)
    except ServerError as exc:
        pytest.fail(f"{exc} (make install builds it)", pytrace=False)
    return serve.start(port=port, parallel=1, n_ctx=n_ctx, threads=1, build_if_missing=False)


def kill9(server: serve.ServerProcess) -> None:
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()


@pytest.fixture()
def primary():
    servers: list[serve.ServerProcess] = [start_primary()]
    yield servers  # tests append the restarted servers, so every one is stopped
    for server in servers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


class LocalClock:
    """The local model, timed: what a call cost beyond the local answer is what the primary cost."""

    def __init__(self, model):
        self._model, self.seconds = model, 0.0

    def __getattr__(self, name):
        return getattr(self._model, name)

    def chat(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return self._model.chat(*args, **kwargs)
        finally:
            self.seconds += time.monotonic() - started


def timed(chain, clock: LocalClock, question: str, **gen) -> tuple[str, str, float]:
    """(answer, tier, seconds spent outside the local model): the cost of trying the primary, whatever the load."""
    before = clock.seconds
    started = time.monotonic()
    answer = chain.chat(question, **(ASK | gen))
    return answer, chain.last_route.tier, time.monotonic() - started - (clock.seconds - before)


def test_kill9_mid_run_moves_to_the_local_model_and_the_breaker_stops_paying_the_timeout(primary, model):
    server = primary[0]
    port = int(server.url.rsplit(":", 1)[1])
    clock = LocalClock(model)
    chain = fallback(server.url, clock, timeout_s=1.5, failures=2, probe_after_s=2.0)
    asked = iter(q["question"] for q in questions(40))
    for _ in range(3):
        answer, tier, _ = timed(chain, clock, next(asked))
        assert tier == "primary" and answer.strip() and chain.breaker_state == "closed"
    assert "".join(chain.stream(next(asked), **ASK)).strip() and chain.last_route.tier == "primary"
    assert chain.count_tokens("Major incident") == model.count_tokens("Major incident")

    # SIGKILL while a long answer is being generated: that very question is answered by the local model.
    killer = threading.Timer(0.3, kill9, args=[server])
    killer.start()
    answer, tier, _ = timed(chain, clock, next(asked), max_tokens=200)
    killer.join()
    assert tier == "local" and answer.strip()
    reason = chain.last_route.skipped[0]
    assert reason.startswith(f"primary {server.url}:") and "no answer within" not in reason, reason  # no timeout

    # The next answers come from the local model within a bounded time, and the circuit opens.
    first_after, tier, cost = timed(chain, clock, next(asked))
    assert tier == "local" and cost < 1.0, cost  # no timeout paid: a dead port refuses at once
    assert "health check failed" in chain.last_route.skipped[0]
    timed(chain, clock, next(asked))
    opened_at = time.monotonic()
    assert chain.breaker_state == "open"
    timed(chain, clock, next(asked))
    assert "circuit open after 2 failures in a row" in chain.last_route.skipped[0]

    # Restarted on the same port: after probe_after_s one call probes, and the primary serves again.
    primary.append(start_primary(port))
    time.sleep(max(0.0, 2.1 - (time.monotonic() - opened_at)))
    answer, tier, _ = timed(chain, clock, next(asked))
    assert tier == "primary" and chain.breaker_state == "closed"

    # A hung primary (SIGSTOP: the port accepts, nothing answers) costs the timeout twice, then nothing.
    os.kill(primary[-1].process.pid, signal.SIGSTOP)
    closed_costs = [timed(chain, clock, next(asked))[2] for _ in range(2)]
    assert chain.breaker_state == "open"
    open_costs = [timed(chain, clock, next(asked)) for _ in range(3)]
    assert all(tier == "local" for _, tier, _ in open_costs)
    assert all(cost >= 1.4 for cost in closed_costs), closed_costs
    assert max(cost for _, _, cost in open_costs) < min(closed_costs) - 1.0, (closed_costs, open_costs)
    os.kill(primary[-1].process.pid, signal.SIGCONT)
    time.sleep(2.1)
    assert timed(chain, clock, next(asked))[1] == "primary"


class Receiver:
    """A local HTTP endpoint standing in for the central system: records every key posted to it."""

    def __init__(self):
        self.keys: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.keys.append(body["key"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/incidents"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_chaos_every_question_answered_and_every_outbox_entry_delivered_once(primary, model, tmp_path):
    from kit.offline.outbox import Outbox

    port = int(primary[0].url.rsplit(":", 1)[1])
    url = primary[0].url
    chain = fallback(url, model, timeout_s=5.0, failures=1, probe_after_s=0.5)
    box = Outbox(tmp_path / "outbox.sqlite")
    receiver = Receiver()
    stop = threading.Event()
    events: list[str] = []

    def chaos():  # up for 1-4 s, then SIGKILL (often mid-answer), down for 0.2-1.5 s, then a restart
        rng = random.Random(9)
        while not stop.wait(rng.uniform(1.0, 4.0)):
            kill9(primary[-1])
            events.append("kill")
            if stop.wait(rng.uniform(0.2, 1.5)):
                break
            primary.append(start_primary(port))
            events.append("restart")

    def send(entry) -> None:
        if health(url) is not None:  # replay only to a primary site that is back
            raise ServerError("the primary is down")
        data = json.dumps({"key": entry.key, "payload": entry.payload}).encode()
        request = urllib.request.Request(receiver.url, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    tiers: Counter[str] = Counter()
    asked = questions(100)
    monkey = threading.Thread(target=chaos, daemon=True)
    monkey.start()
    try:
        for q in asked:
            box.put("incident-log", {"question": q["question"]}, key=q["key"])
            answer = chain.chat(q["question"], **ASK)
            assert answer.strip(), q
            tiers[chain.last_route.tier] += 1
            if chain.last_route.tier == "primary":
                box.replay(send)  # stops, keeping the entry, if the primary has gone again
    finally:
        stop.set()
        monkey.join()
    if primary[-1].process.poll() is not None:
        primary.append(start_primary(port))
    box.replay(send)
    receiver.close()

    keys = [q["key"] for q in asked]
    assert sum(tiers.values()) == 100 and tiers["primary"] > 0 and tiers["local"] > 0, tiers
    assert events.count("kill") >= 2, events
    assert len(box) == 0 and [entry.key for entry in box.delivered()] == keys
    assert receiver.keys == keys  # in order, each exactly once
    print(f"chaos: {dict(tiers)} answers by tier; {events.count('kill')} kills, "
          f"{events.count('restart')} restarts; {len(receiver.keys)} deliveries")
