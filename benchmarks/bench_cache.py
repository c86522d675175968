"""A cached re-run vs a cold run of the same 20 prompts: identical outputs, at least 50x faster."""

from __future__ import annotations

from common import private_kit_home, table, timer

PROMPTS = [f"In one sentence, what should a resident do about {topic}?" for topic in (
    "a missed bin collection", "a pothole", "noisy neighbours", "a broken streetlight", "fly-tipping",
    "a council tax bill", "a school place", "a parking fine", "damp in a council flat", "a planning objection",
    "a blocked drain", "graffiti", "a library fine", "an overgrown hedge", "a stray dog",
    "a housing repair", "a bus pass", "a blue badge", "a bulky waste pickup", "an electoral register change",
)]


def main() -> None:
    private_kit_home()
    import kit

    with kit.load_model() as model:
        with timer() as cold:
            first = [model.chat(p, max_tokens=48) for p in PROMPTS]
        with timer() as warm:
            second = [model.chat(p, max_tokens=48) for p in PROMPTS]
    identical = first == second
    table("Response cache: 20 prompts, embedded model, max 48 tokens", ["run", "seconds", "per prompt (ms)"], [
        ["cold (model runs)", cold(), 1000 * cold() / len(PROMPTS)],
        ["cached re-run", warm(), 1000 * warm() / len(PROMPTS)],
        ["speed-up (x)", cold() / warm(), ""],
        ["outputs identical", str(identical), ""],
    ])
    if not identical:
        raise SystemExit("cached outputs differ from the cold run")


if __name__ == "__main__":
    main()
