"""Image generation: ``POST /images/generations``."""

from __future__ import annotations

from pydantic import Field

from ._base import ResponseModel
from ._cost import Priced

__all__ = ["Image", "ImagesResponse", "ImagesUsage"]


class Image(ResponseModel):
    """One generated image: a URL or base64 data, depending on ``response_format``."""

    url: str | None = None
    """Where to download the image (a short-lived signed URL), with ``response_format="url"``."""
    b64_json: str | None = None
    """The image as base64 (``base64.b64decode`` it), with ``response_format="b64_json"``."""
    revised_prompt: str | None = None
    """The prompt the model actually used, when it rewrote yours."""


class ImagesUsage(ResponseModel):
    """Token usage of an image generation, when the provider reports it."""

    input_tokens: int | None = None
    """Tokens in the prompt (text and images)."""
    output_tokens: int | None = None
    """Tokens of the generated images."""
    total_tokens: int | None = None
    """``input_tokens + output_tokens``."""


class ImagesResponse(ResponseModel, Priced):
    """The result of ``images.generate``; vendor fields (``cost``, ...) are kept as extras."""

    created: int | None = None
    """Unix time of the generation (some providers omit it)."""
    data: list[Image] = Field(default_factory=list[Image])
    """The generated images, in order."""
    usage: ImagesUsage | None = None
    """Token usage, when the provider reports it."""
