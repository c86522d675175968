"""The grammar-constrained answer asked of the model, and the prompt that asks for it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kit import prompts
from kit.planning.record import APPLICATION_TYPES, WORKS

TypeCode = Literal[tuple(APPLICATION_TYPES)]  # type: ignore[valid-type]
WorkKind = Literal[WORKS]  # type: ignore[valid-type]


class ModelWork(BaseModel):
    """One kind of works and the words that name it."""

    kind: WorkKind
    quote: str = Field(max_length=40)


class ModelFields(BaseModel):
    """What the model fills in; every value comes with a quote that is checked against the text."""

    application_type: TypeCode
    type_quote: str = Field(max_length=40)
    works: list[ModelWork] = Field(max_length=4)  # the labelled set names up to 4 kinds for one application
    dwellings: int | None
    dwellings_quote: str | None = Field(max_length=40)
    storeys: int | None
    storeys_quote: str | None = Field(max_length=40)
    settlement: str | None = Field(max_length=40)
    retrospective: bool
    retrospective_quote: str | None = Field(max_length=40)


def prompt(description: str, address: str | None) -> str:
    """The extraction prompt (text in ``kit/prompts/planning_extract.txt``) for one application."""
    return prompts.load("planning_extract").format(description=description, address=address or "(none given)")
