"""Schemas for structured output: pydantic classes or JSON-schema dicts, checked before use."""

from __future__ import annotations

import json
from typing import Any

from kit import prompts
from kit.errors import SchemaError, ValidationError


def _is_pydantic_class(schema: Any) -> bool:
    return isinstance(schema, type) and hasattr(schema, "model_json_schema") and hasattr(schema, "model_validate_json")


def to_json_schema(schema: Any) -> dict:
    """The JSON schema for a pydantic model class or a JSON-schema dict; anything else is a SchemaError."""
    if _is_pydantic_class(schema):
        return schema.model_json_schema()
    if not isinstance(schema, dict):
        raise SchemaError(
            f"A schema must be a pydantic model class or a JSON-schema dict, not {type(schema).__name__}."
        )
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "the top level"
        raise SchemaError(f"Not a valid JSON schema: {exc.message} (at {where}).") from None
    if "type" not in schema and not any(k in schema for k in ("properties", "anyOf", "oneOf", "enum", "$ref")):
        raise SchemaError("The JSON schema constrains nothing: give it a 'type' (e.g. 'object') and 'properties'.")
    return schema


def system_prompt(json_schema: dict) -> str:
    """The default system prompt for structured output (text in ``kit/prompts/json_system.txt``)."""
    return prompts.load("json_system").format(schema=json.dumps(json_schema, ensure_ascii=False, separators=(",", ":")))


def validate(raw: str, schema: Any, json_schema: dict) -> Any:
    """Parse and validate model output; failures raise ValidationError carrying the raw text."""
    if _is_pydantic_class(schema):
        import pydantic

        try:
            return schema.model_validate_json(raw)
        except pydantic.ValidationError as exc:
            raise ValidationError(f"The model's output does not match {schema.__name__}: {exc}", raw) from None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValidationError(f"The model's output is not valid JSON ({exc}); it may have hit max_tokens.", raw) from None
    import jsonschema

    try:
        jsonschema.validate(value, json_schema)
    except jsonschema.ValidationError as exc:
        raise ValidationError(f"The model's output does not match the schema: {exc.message}", raw) from None
    return value
