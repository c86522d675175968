"""What every backend offers the model interface: plain strings and small frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Settings:
    """Generation settings; the defaults are reproducible (greedy decoding, fixed seed)."""

    temperature: float = 0.0
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.0
    max_tokens: int = 256
    seed: int = 42
    stop: tuple[str, ...] = ()

    def sampling(self) -> dict[str, Any]:
        """The settings under the names both llama-cpp-python and llama-server use (all but ``stop``)."""
        return {
            "max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p,
            "top_k": self.top_k, "min_p": self.min_p, "repeat_penalty": self.repeat_penalty, "seed": self.seed,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.sampling(), "stop": list(self.stop)}

    def updated(self, gen: dict[str, Any], what: str = "generation setting(s)") -> Settings:
        """A copy with ``gen`` applied: unknown names are refused, and a single ``stop`` string becomes a tuple."""
        from dataclasses import replace

        from kit.errors import ConfigError

        unknown = sorted(set(gen) - set(Settings.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"Unknown {what}: {', '.join(unknown)}. "
                              f"Valid generation settings: {', '.join(Settings.__dataclass_fields__)}.")
        if "stop" in gen:
            gen = {**gen, "stop": tuple([gen["stop"]] if isinstance(gen["stop"], str) else gen["stop"])}
        return replace(self, **gen)


@dataclass(frozen=True)
class Completion:
    """A finished generation."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"
    reused_tokens: int = 0  # prompt tokens taken from the prefix cache, not evaluated again


@dataclass(frozen=True)
class Piece:
    """One streamed piece; the last one has ``done`` set and carries the totals."""

    text: str
    done: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""
    reused_tokens: int = 0


class Backend(Protocol):
    """The handful of operations the model interface needs from llama.cpp."""

    name: str
    n_ctx: int

    def describe(self) -> dict[str, Any]: ...

    def count_tokens(self, text: str) -> int: ...

    def prompt_tokens(self, messages: list[dict]) -> int: ...

    def complete(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Completion: ...

    def stream(self, messages: list[dict], settings: Settings, schema: dict | None = None) -> Iterator[Piece]: ...

    def close(self) -> None: ...
