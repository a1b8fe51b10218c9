"""Minimal request-body checks that answer 400 with the offending ``param`` named."""

from __future__ import annotations

import json
from typing import cast

import httpx

from ._responses import ApiError

__all__ = ["as_dict", "as_list", "json_object", "optional_int", "optional_str", "require_str"]


def as_dict(value: object) -> dict[str, object] | None:
    """``value`` as a JSON object, or None when it is something else."""
    return cast("dict[str, object]", value) if isinstance(value, dict) else None


def as_list(value: object) -> list[object] | None:
    """``value`` as a JSON array, or None when it is something else."""
    return cast("list[object]", value) if isinstance(value, list) else None


def json_object(request: httpx.Request) -> dict[str, object]:
    """The request body parsed as a JSON object (400 otherwise)."""
    try:
        body = as_dict(json.loads(request.read() or b"null"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        body = None
    if body is None:
        raise ApiError(
            400, "We could not parse the JSON body of your request.", code="invalid_json"
        )
    return body


def require_str(body: dict[str, object], param: str) -> str:
    """A required, non-empty string field."""
    value = body.get(param)
    if value is None:
        raise ApiError(400, f"Missing required parameter: '{param}'.", param=param)
    if not isinstance(value, str) or not value:
        raise ApiError(400, f"'{param}' must be a non-empty string.", param=param)
    return value


def optional_str(body: dict[str, object], param: str) -> str | None:
    """An optional string field (null counts as absent)."""
    value = body.get(param)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"'{param}' must be a string.", param=param)
    return value


def optional_int(
    body: dict[str, object], param: str, *, minimum: int = 0, maximum: int | None = None
) -> int | None:
    """An optional integer field within ``[minimum, maximum]`` (null counts as absent)."""
    value = body.get(param)
    if value is None:
        return None
    # bool is an int subclass in Python but not a JSON integer.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, f"'{param}' must be an integer.", param=param)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ApiError(400, f"'{param}' must be {bounds}; got {value}.", param=param)
    return value
