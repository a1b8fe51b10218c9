"""Request bodies of ``images.generate`` and ``videos.create``, checked before anything is sent.

Pure functions: arguments in, a JSON-ready ``dict`` out, or ``InvalidRequestError`` naming the
field (``content[1].role: ...``). Arguments left as ``NOT_GIVEN`` are not sent at all. The
check is the public ``TypedDict`` of each body (``ImageGenerateParams``,
``VideoGenerateParams``), validated as chat's is (``_core.validation``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, cast

from .._types import NotGiven
from ..types.image_params import ImageGenerateParams
from ..types.video_params import VideoGenerateParams
from .validation import Schema

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

_IMAGE: Final = Schema(ImageGenerateParams)
_VIDEO: Final = Schema(VideoGenerateParams)


def _given(arguments: Mapping[str, object]) -> dict[str, object]:
    return {name: value for name, value in arguments.items() if not isinstance(value, NotGiven)}


def _body(
    schema: Schema[ImageGenerateParams] | Schema[VideoGenerateParams],
    arguments: Mapping[str, object],
) -> dict[str, object]:
    given = _given(arguments)
    validated: Mapping[str, object] = schema.validate(given)
    return {name: validated[name] for name in given}


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
    return _body(_IMAGE, locals())


def video_content(content: object) -> list[dict[str, object]]:
    """Check ``content`` media items; return them as plain dicts, extra keys kept."""
    body = video_generation_body(
        model="m", prompt="p", duration=NotGiven(), resolution=NotGiven(),
        aspect_ratio=NotGiven(), content=content,
    )  # fmt: skip
    return cast("list[dict[str, object]]", body["content"])  # validated as that list


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
    return _body(_VIDEO, locals())
