"""``POST /images/generations``: check the request, shape the ``ImagesResponse``."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from ._responses import ApiError
from ._validate import optional_int, optional_str, require_str

__all__ = ["ImageRequest", "images_response", "parse_images"]

_SIZE = re.compile(r"\d{2,5}x\d{2,5}|auto|[124]K")
_TOKENS_PER_IMAGE = 64


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """The parts of an image request the fake uses."""

    prompt: str
    count: int
    response_format: str
    """``url`` (the default) or ``b64_json``."""


def parse_images(body: dict[str, object]) -> ImageRequest:
    """Check ``prompt``, ``n`` (1-10), ``size`` and ``response_format``; 400 names the param."""
    prompt = require_str(body, "prompt")
    count = optional_int(body, "n", minimum=1, maximum=10) or 1
    size = optional_str(body, "size")
    if size is not None and not _SIZE.fullmatch(size):
        raise ApiError(
            400,
            f"'size' must look like 1024x1024 (or auto, 1K, 2K, 4K); got {size!r}.",
            param="size",
        )
    response_format = optional_str(body, "response_format") or "url"
    if response_format not in ("url", "b64_json"):
        raise ApiError(
            400, "'response_format' must be 'url' or 'b64_json'.", param="response_format"
        )
    return ImageRequest(prompt, count, response_format)


def images_response(request: ImageRequest, data: list[dict[str, object]]) -> dict[str, object]:
    """The ``ImagesResponse`` for ``data`` (one ``url`` or ``b64_json`` item per image)."""
    words = len(request.prompt.split())
    output = _TOKENS_PER_IMAGE * len(data)
    return {
        "created": int(time.time()),
        "data": data,
        "output_format": "png",
        "usage": {
            "input_tokens": words,
            "output_tokens": output,
            "total_tokens": words + output,
            "input_tokens_details": {"text_tokens": words, "image_tokens": 0},
        },
    }
