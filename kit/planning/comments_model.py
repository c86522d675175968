"""The model's reading of one consultation comment: its stance, its themes from a list, or free topics.

Every call is grammar-constrained (``model.json``): the stance is one of three words and themes are ids
from the given list, so the tiny model cannot invent a theme. Quotes are never the model's words: they
are sentences of the comment, chosen by keyword and checked verbatim (kit.planning.comments). The comment
goes inside ``<comment>`` tags after the instructions, as data.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from kit.planning.comments_lexicon import Theme

SAMPLED_TEMPERATURE = 0.7  # with a seed: sampled, so runs with different seeds can differ


@lru_cache(maxsize=None)
def prompt(name: str) -> str:
    """The text of ``kit/prompts/planning_comments_<name>.txt``."""
    return resources.files("kit").joinpath("prompts", f"planning_comments_{name}.txt").read_text(encoding="utf-8")


def generation(seed: int | None) -> dict[str, Any]:
    """Settings for a run: greedy without a seed; sampled at a fixed temperature with one."""
    return {} if seed is None else {"seed": int(seed), "temperature": SAMPLED_TEMPERATURE}


class Stance(BaseModel):
    """The writer's stance on the application."""

    stance: Literal["object", "support", "neutral"]


def stance(model: Any, text: str, *, seed: int | None = None) -> str:
    """The model's stance for one comment: "support", "object" or "neutral"."""
    answer = model.json(prompt("user").format(text=text), Stance, system=prompt("stance"), max_tokens=20,
                        **generation(seed))
    return answer["stance"] if isinstance(answer, dict) else answer.stance


def themes_schema(theme_ids: tuple[str, ...]) -> type[BaseModel]:
    """A pydantic class: one to three theme ids from ``theme_ids``."""
    theme = Literal[theme_ids]  # type: ignore[valid-type]
    return create_model("CommentThemes", themes=(list[theme], Field(min_length=1, max_length=3)))


def read_themes(model: Any, text: str, themes: tuple[Theme, ...], *, seed: int | None = None) -> list[str]:
    """The model's theme ids for one comment (one to three, from ``themes``)."""
    listing = "\n".join(f"  {t.id}: {t.name}" + (f" ({t.description})" if t.description else "") for t in themes)
    answer = model.json(prompt("user").format(text=text), themes_schema(tuple(t.id for t in themes)),
                        system=prompt("system").format(themes=listing), max_tokens=60, **generation(seed))
    chosen = answer["themes"] if isinstance(answer, dict) else answer.themes
    return list(dict.fromkeys(chosen))


def topics(model: Any, text: str, *, seed: int | None = None) -> list[str]:
    """One or two short topics the model names for a comment (for discovering themes)."""
    schema = {"type": "object", "properties": {"topics": {
        "type": "array", "minItems": 1, "maxItems": 2,
        "items": {"type": "string", "minLength": 2, "maxLength": 30}}}, "required": ["topics"]}
    answer = model.json(prompt("user").format(text=text), schema, system=prompt("topics"), max_tokens=60,
                        **generation(seed))
    return [str(t).strip() for t in (answer.get("topics") or []) if str(t).strip()]
