"""The model's reading of one consultation comment: its stance, its themes from a list, or free topics.

Every call is grammar-constrained (``model.json``): the stance is one of three words and themes are ids
from the given list, so the tiny model cannot invent a theme. Quotes are never the model's words: they
are sentences of the comment, chosen by keyword and checked verbatim (kit.planning.comments). The comment
goes inside ``<comment>`` tags after the instructions, as data.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from kit import prompts
from kit.model import ChatModel
from kit.planning.comments.lexicon import Theme

SAMPLED_TEMPERATURE = 0.7  # with a seed: sampled, so runs with different seeds can differ


def generation(seed: int | None) -> dict[str, Any]:
    """Settings for a run: greedy without a seed; sampled at a fixed temperature with one."""
    return {} if seed is None else {"seed": int(seed), "temperature": SAMPLED_TEMPERATURE}


def _read(model: ChatModel, text: str, schema: Any, system: str, max_tokens: int, seed: int | None) -> Any:
    """One grammar-constrained call: the instructions as the system prompt, the comment in ``<comment>`` tags."""
    return model.json(prompts.load("planning_comments_user").format(text=text), schema, system=system,
                      max_tokens=max_tokens, **generation(seed))


class Stance(BaseModel):
    """The writer's stance on the application."""

    stance: Literal["object", "support", "neutral"]


def stance(model: ChatModel, text: str, *, seed: int | None = None) -> str:
    """The model's stance for one comment: "support", "object" or "neutral"."""
    return _read(model, text, Stance, prompts.load("planning_comments_stance"), 20, seed).stance


def themes_schema(theme_ids: tuple[str, ...]) -> type[BaseModel]:
    """A pydantic class: one to three theme ids from ``theme_ids``."""
    theme = Literal[theme_ids]  # type: ignore[valid-type]
    return create_model("CommentThemes", themes=(list[theme], Field(min_length=1, max_length=3)))


def read_themes(model: ChatModel, text: str, themes: tuple[Theme, ...], *, seed: int | None = None) -> list[str]:
    """The model's theme ids for one comment (one to three, from ``themes``)."""
    listing = "\n".join(f"  {t.id}: {t.name}" + (f" ({t.description})" if t.description else "") for t in themes)
    system = prompts.load("planning_comments_system").format(themes=listing)
    answer = _read(model, text, themes_schema(tuple(t.id for t in themes)), system, 60, seed)
    return list(dict.fromkeys(answer.themes))


_TOPICS = {"type": "object", "properties": {"topics": {
    "type": "array", "minItems": 1, "maxItems": 2,
    "items": {"type": "string", "minLength": 2, "maxLength": 30}}}, "required": ["topics"]}


def topics(model: ChatModel, text: str, *, seed: int | None = None) -> list[str]:
    """One or two short topics the model names for a comment (for discovering themes)."""
    answer = _read(model, text, _TOPICS, prompts.load("planning_comments_topics"), 60, seed)
    return [str(t).strip() for t in answer["topics"] if str(t).strip()]
