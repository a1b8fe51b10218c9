"""Request bodies of ``images.generate`` and ``videos.create``, checked before anything is sent.

Pure functions: arguments in, a JSON-ready ``dict`` out, or ``InvalidRequestError`` naming the
field (``content[1].role: ...``). Arguments left as ``NOT_GIVEN`` are not sent at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final, cast

from .._exceptions import InvalidRequestError
from .._types import NotGiven

__all__ = [
    "CONTENT_ROLES",
    "CONTENT_TYPES",
    "image_generation_body",
    "video_content",
    "video_generation_body",
]

CONTENT_TYPES: Final = ("image_url", "video_url", "audio_url")
"""The media kinds a ``content`` item may carry."""

CONTENT_ROLES: Final[Mapping[str, str]] = {
    "first_frame": "image_url",
    "last_frame": "image_url",
    "reference_image": "image_url",
    "reference_video": "video_url",
    "reference_audio": "audio_url",
}
"""Each role and the one media type it takes."""

_SINGLE_ROLES: Final = ("first_frame", "last_frame")
_IMAGE_FORMATS: Final = ("url", "b64_json")


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name}: expected a non-empty string, got {value!r}")
    return value


def _put_text(body: dict[str, object], name: str, value: object) -> None:
    if not isinstance(value, NotGiven):
        body[name] = _text(name, value)


def _put_int(
    body: dict[str, object], name: str, value: object, low: int, high: int | None = None
) -> None:
    if isinstance(value, NotGiven):
        return
    # bool is an int subclass; n=True is a mistake, not 1.
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f">= {low}" if high is None else f"from {low} to {high}"
        raise InvalidRequestError(f"{name}: expected an integer {bounds}, got {value!r}")
    body[name] = value


def image_generation_body(
    *,
    model: object,
    prompt: object,
    n: object,
    size: object,
    response_format: object,
    quality: object,
    style: object,
    user: object,
    background: object,
    moderation: object,
    output_format: object,
    output_compression: object,
) -> dict[str, object]:
    """The JSON body of ``POST /images/generations``; only given arguments are included."""
    body: dict[str, object] = {"model": _text("model", model), "prompt": _text("prompt", prompt)}
    _put_int(body, "n", n, 1)
    _put_text(body, "size", size)
    if not isinstance(response_format, NotGiven):
        if response_format not in _IMAGE_FORMATS:
            raise InvalidRequestError(
                f"response_format: expected 'url' or 'b64_json', got {response_format!r}"
            )
        body["response_format"] = response_format
    for name, value in (
        ("quality", quality),
        ("style", style),
        ("user", user),
        ("background", background),
        ("moderation", moderation),
        ("output_format", output_format),
    ):
        _put_text(body, name, value)
    _put_int(body, "output_compression", output_compression, 0, 100)
    return body


def _duration(value: object) -> int | float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidRequestError(f"duration: expected a positive number of seconds, got {value!r}")
    # Providers take whole seconds; send 5.0 as 5 so a strict integer field accepts it.
    return int(value) if float(value).is_integer() else value


def _content_item(index: int, item: object, seen: dict[str, int]) -> dict[str, object]:
    where = f"content[{index}]"
    if not isinstance(item, Mapping):
        raise InvalidRequestError(f"{where}: expected an object, got {item!r}")
    fields = cast("Mapping[str, object]", item)
    kind = fields.get("type")
    if not isinstance(kind, str) or kind not in CONTENT_TYPES:
        raise InvalidRequestError(
            f"{where}.type: expected one of {', '.join(CONTENT_TYPES)}, got {kind!r}"
        )
    media = fields.get(kind)
    if not isinstance(media, Mapping):
        raise InvalidRequestError(
            f"{where}.{kind}: expected an object {{'url': ...}} for type {kind!r}, got {media!r}"
        )
    _text(f"{where}.{kind}.url", cast("Mapping[str, object]", media).get("url"))
    if "role" in fields:
        role = fields["role"]
        if not isinstance(role, str) or role not in CONTENT_ROLES:
            raise InvalidRequestError(
                f"{where}.role: expected one of {', '.join(CONTENT_ROLES)}, got {role!r}"
            )
        if CONTENT_ROLES[role] != kind:
            raise InvalidRequestError(
                f"{where}.role: {role!r} takes type {CONTENT_ROLES[role]!r}, got {kind!r}"
            )
        if role in _SINGLE_ROLES:
            if role in seen:
                raise InvalidRequestError(
                    f"{where}.role: at most one {role!r} is allowed "
                    f"(content[{seen[role]}] is one already)"
                )
            seen[role] = index
    return {key: value for key, value in fields.items()}


def video_content(content: object) -> list[dict[str, object]]:
    """Check ``content`` media items; return them as plain dicts, extra keys kept."""
    if isinstance(content, str | bytes | Mapping) or not isinstance(content, Sequence):
        raise InvalidRequestError(f"content: expected a list of media items, got {content!r}")
    items = cast("Sequence[object]", content)
    seen: dict[str, int] = {}
    return [_content_item(index, item, seen) for index, item in enumerate(items)]


def video_generation_body(
    *,
    model: object,
    prompt: object,
    duration: object,
    resolution: object,
    aspect_ratio: object,
    content: object,
) -> dict[str, object]:
    """The JSON body of ``POST /videos/generations``; only given arguments are included."""
    body: dict[str, object] = {"model": _text("model", model), "prompt": _text("prompt", prompt)}
    if not isinstance(duration, NotGiven):
        body["duration"] = _duration(duration)
    _put_text(body, "resolution", resolution)
    _put_text(body, "aspect_ratio", aspect_ratio)
    if not isinstance(content, NotGiven):
        body["content"] = video_content(content)
    return body
