"""Tokens per item for every model-driven path: calls, prompt tokens (new and reused), generated tokens, seconds.

Runs a small sample of each capability's own dataset through its public API on the embedded model,
in-process, and reads ``model.last`` after every call (``reused_tokens``: prompt tokens taken from the
runtime's chunk-aligned prefix cache; new = prompt - reused). Nothing is estimated. Items: an application,
a comment, an email, a question, a meeting, a translated segment. ``--json`` writes the means per item
(benchmarks/results/tokens_per_item.json), which benchmarks/bench_shapes.py turns into seconds for bigger models.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import private_kit_home, table

HERE = Path(__file__).resolve().parent
DEFAULT_JSON = HERE / "results" / "tokens_per_item.json"
FIELDS = ("calls", "new_prompt", "reused_prompt", "generated", "seconds")


class Counting:
    """A model stand-in that forwards every call and records each one's tokens from ``model.last``.

    Calls are tagged with ``tick`` (a capability's progress count, set by the caller) so a batch run can be
    split back into items: with n items, a call tagged t belongs to item ``t % n``.
    """

    def __init__(self, model):
        self.model = model
        self.tick = 0
        self.records: list[tuple[int, int, int, int]] = []  # (tick, new, reused, generated) per call

    @property
    def info(self):
        """The wrapped model's info."""
        return self.model.info

    @property
    def parallel(self) -> int:
        """The wrapped model's parallel slots."""
        return self.model.parallel

    @property
    def last(self):
        """The wrapped model's figures for its latest call."""
        return self.model.last

    def _count(self, before) -> None:
        last = self.model.last
        if last is None or last is before:  # the call failed before reaching the model
            return
        prompt = last.prompt_tokens or 0
        reused = getattr(last, "reused_tokens", 0) or 0
        self.records.append((self.tick, prompt - reused, reused, last.completion_tokens or 0))

    def _call(self, method: str, *args, **kwargs):
        before = self.model.last
        try:
            return getattr(self.model, method)(*args, **kwargs)
        finally:
            self._count(before)

    def chat(self, *args, **kwargs):
        """``model.chat``, counted."""
        return self._call("chat", *args, **kwargs)

    def json(self, *args, **kwargs):
        """``model.json``, counted."""
        return self._call("json", *args, **kwargs)

    def stream(self, *args, **kwargs):
        """``model.stream``, counted once the answer has been read to the end."""
        before = self.model.last
        try:
            yield from self.model.stream(*args, **kwargs)
        finally:
            self._count(before)

    def count_tokens(self, text: str) -> int:
        """``model.count_tokens`` (no model call)."""
        return self.model.count_tokens(text)

    def chunk(self, text: str, max_tokens: int) -> list[str]:
        """``model.chunk`` (no model call)."""
        return self.model.chunk(text, max_tokens)

    def progress(self, done: int, total: int, **_) -> None:
        """A capability's progress callback: later calls belong to the next item."""
        self.tick = done

    def figures(self, items: int, seconds: float) -> dict[str, float]:
        """Means per item over ``items`` items, and the median of new prompt tokens per item."""
        per_item = [0] * items
        for tick, new, _, _ in self.records:
            per_item[tick % items] += new
        sums = [sum(r[i] for r in self.records) for i in (1, 2, 3)]
        return {"items": items, "calls": len(self.records) / items, "new_prompt": sums[0] / items,
                "reused_prompt": sums[1] / items, "generated": sums[2] / items, "seconds": seconds / items,
                "median_new_prompt": float(statistics.median(per_item))}


def _each(counter: Counting, items: list, run) -> dict[str, float]:
    """Run ``run(counter, item)`` per item, tagging each item's calls with its index."""
    started = time.perf_counter()
    for i, item in enumerate(items):
        counter.tick = i
        run(counter, item)
    return counter.figures(len(items), time.perf_counter() - started)


def planning(model, n: int) -> dict[str, float]:
    """Hybrid extraction of ``n`` held-out labelled applications."""
    import kit.planning as planning
    from kit.planning import data
    from kit.planning.extraction.evaluate import sample_labels

    rows = sample_labels(data.labels_path(), n)
    return _each(Counting(model), rows, lambda m, r: planning.extract(
        m, r["description"], r["address"], reference=r["reference"], method="hybrid"))


def comments(model, n: int) -> dict[str, float]:
    """Hybrid stance and themes (the kit's theme list) for ``n`` labelled comments, in one analysis."""
    from kit.planning.comments import COMMENT_THEMES, analyse_comments
    from kit.planning.comments.evaluate import sample

    frame, counter = sample(n), Counting(model)
    started = time.perf_counter()
    analyse_comments(counter, frame, COMMENT_THEMES, method="hybrid", progress=counter.progress)
    return counter.figures(frame.height, time.perf_counter() - started)


def triage(model, n: int) -> dict[str, float]:
    """``n`` held-out labelled emails triaged (half of them hard ones)."""
    from kit.admin.triage import triage as triage_one
    from kit.admin.triage.evaluate import load_labels, sample_labels

    rows = sample_labels(load_labels(), n).to_dicts()
    return _each(Counting(model), rows, lambda m, r: triage_one(m, r["text"], item_id=r["id"]))


def copilot(model, n: int, work: Path) -> dict[str, float]:
    """``n`` held-out advisor questions drafted by the copilot (redacted, grounded, queued)."""
    from kit.admin import ApprovalQueue, Copilot, knowledge_base
    from kit.admin.copilot.evaluate import dataset_dir, load_questions, sample_questions

    store = knowledge_base(dataset_dir() / "kb", index_dir=work / "kb-index")
    rows = sample_questions(load_questions(dataset_dir() / "questions.jsonl"), n)
    counter = Counting(model)
    pilot = Copilot(counter, store, ApprovalQueue(work / "queue.sqlite"), advisor="bench")
    return _each(counter, rows, lambda m, r: pilot.ask(r["question"]))


def minutes(model, n: int) -> dict[str, float]:
    """Minutes of ``n`` held-out reference meetings (an item is a meeting; a call is a window)."""
    from kit.admin.minutes import minutes as make_minutes
    from kit.admin.minutes.evaluate import sample_references, transcript_path

    rows = sample_references(n)
    return _each(Counting(model), rows, lambda m, r: make_minutes(m, transcript_path(r)))


def offline(model, n: int, work: Path) -> dict[str, float]:
    """``n`` held-out questions answered from the offline guidance (answerable and not)."""
    from kit.docs import ingest
    from kit.offline import answer
    from kit.offline import evaluate as ev

    store = ingest(ev.default_dataset_dir() / "docs", index_dir=work / "offline-index")
    rows = ev.sample(ev.load_questions(), n)
    return _each(Counting(model), rows, lambda m, r: answer(r["question"], store, m))


def translation(model, n: int) -> dict[str, float]:
    """The first ``n`` blocks of the school-trip letter into Welsh with its glossary (an item is a segment;
    back-translation on, as by default)."""
    from kit.translate.evaluate import default_dataset_dir
    from kit.translate.translator import translate

    data = default_dataset_dir()
    blocks = [b for b in (data / "doc_school_trip_letter.md").read_text(encoding="utf-8").split("\n\n") if b.strip()]
    counter = Counting(model)
    started = time.perf_counter()
    result = translate(counter, "\n\n".join(blocks[:n]), target="cy", source="en", glossary=data / "glossary_cy.csv",
                       format="markdown", progress=counter.progress)
    return counter.figures(len(result.segments), time.perf_counter() - started)


def machine(model) -> dict:
    """The CPU (lscpu's model name), its AVX2/AVX-512/AMX flags, and the threads in use."""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        lscpu = ""
    name = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "")
    flags = set(next((line.split(":", 1)[1].split() for line in lscpu.splitlines() if line.startswith("Flags")), []))
    details = model.info.details or {}
    return {"cpu": name, "avx2": "avx2" in flags, "avx512": "avx512f" in flags, "amx": "amx_tile" in flags,
            "cores": os.cpu_count(), "threads": details.get("n_threads", os.cpu_count()),
            "model": model.info.name, "backend": model.info.backend, "n_ctx": model.info.context_size,
            "load_average_1min": round(os.getloadavg()[0], 2)}  # others' work on the CPU slows the seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=4,
                        help="items per capability (minutes: half as many meetings, at least 1)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="capabilities to run (default: all); the JSON keeps the figures of the others")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for the model (default: the kit's; 1 is steadier on a busy machine)")
    parser.add_argument("--json", default=str(DEFAULT_JSON), help="where to write the figures ('' : nowhere)")
    args = parser.parse_args()
    private_kit_home()
    import kit

    work = Path(tempfile.mkdtemp(prefix="kit-bench-tokens-"))
    n = args.sample
    runs = {
        "planning extraction": lambda m: planning(m, n),
        "consultation comments": lambda m: comments(m, n),
        "triage": lambda m: triage(m, n),
        "copilot drafts": lambda m: copilot(m, n, work),
        "minutes (model pass)": lambda m: minutes(m, max(1, n // 2)),
        "offline answers": lambda m: offline(m, n, work),
        "translation": lambda m: translation(m, n),
    }
    unknown = set(args.only or ()) - set(runs)
    if unknown:
        parser.error(f"unknown capability {sorted(unknown)}; choose from {sorted(runs)}")
    results: dict[str, dict] = {}
    with kit.load_model(cache=False, log=False, n_threads=args.threads) as model:
        for name, run in runs.items():
            if args.only is None or name in args.only:
                results[name] = run(model)
                print(f"{name}: {results[name]}", flush=True)
        info = machine(model)
    table(f"Tokens per item ({info['model']}, {info['backend']}, {info['cpu']}, {info['threads']} threads)",
          ["capability", "items", "calls", "new prompt", "reused prompt", "median new", "generated", "seconds"],
          [[name, r["items"], r["calls"], r["new_prompt"], r["reused_prompt"], r["median_new_prompt"],
            r["generated"], r["seconds"]] for name, r in results.items()])
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        rounded = {name: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
                   for name, r in results.items()}
        if args.only and out.is_file():  # a partial run updates its capabilities and keeps the others
            rounded = {**json.loads(out.read_text(encoding="utf-8")).get("capabilities", {}), **rounded}
        out.write_text(json.dumps({"machine": info, "sample": n, "capabilities": rounded}, indent=2) + "\n",
                       encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
