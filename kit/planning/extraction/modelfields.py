"""The grammar-constrained answer asked of the model, and the prompt that asks for it.

The fixed instructions (``kit/prompts/planning_extract.txt``: every field's meaning, and that the text is data)
go in the system message, the same bytes for every application, so the runtime's prefix cache evaluates them
once. The per-application part (which fields to fill, the description, the address) comes last.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, create_model

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


# The record fields the model can fill, and the answer fields each one needs (in ModelFields' order).
ANSWER_FIELDS: dict[str, tuple[str, ...]] = {
    "application_type": ("application_type", "type_quote"),
    "works": ("works",),
    "dwellings": ("dwellings", "dwellings_quote"),
    "storeys": ("storeys", "storeys_quote"),
    "settlement": ("settlement",),
    "retrospective": ("retrospective", "retrospective_quote"),
}


@lru_cache(maxsize=None)
def schema_for(fields: frozenset[str]) -> type[BaseModel]:
    """The answer schema asking only for ``fields`` (record field names): ModelFields itself for all of them,
    else a smaller pydantic model with the same field definitions, made once per set of fields."""
    unknown = fields - set(ANSWER_FIELDS)
    if unknown or not fields:
        raise ValueError(f"Cannot ask the model for {sorted(unknown) or 'no fields'}; "
                         f"choose from {', '.join(ANSWER_FIELDS)}.")
    if fields == set(ANSWER_FIELDS):
        return ModelFields
    asked = {name for field in fields for name in ANSWER_FIELDS[field]}
    definitions = {name: (info.annotation, info) for name, info in ModelFields.model_fields.items() if name in asked}
    name = "ModelFields_" + "_".join(f for f in ANSWER_FIELDS if f in fields)
    return create_model(name, __doc__=ModelFields.__doc__, **definitions)


def system() -> str:
    """The fixed instructions, identical for every application (``kit/prompts/planning_extract.txt``)."""
    return prompts.load("planning_extract")


def prompt(description: str, address: str | None, fields=tuple(ANSWER_FIELDS)) -> str:
    """The per-application message (``kit/prompts/planning_extract_item.txt``): the fields to fill, the texts."""
    asked = ", ".join(f for f in ANSWER_FIELDS if f in set(fields))
    return prompts.load("planning_extract_item").format(fields=asked, description=description,
                                                        address=address or "(none given)")
