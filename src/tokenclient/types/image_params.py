"""The body of ``images.generate``, as a ``TypedDict``: also the run-time check of its arguments."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, with_config
from typing_extensions import Required, TypedDict

from ._constraints import ModelId, Text

__all__ = ["ImageGenerateParams"]


@with_config(ConfigDict(strict=True))
class ImageGenerateParams(TypedDict, total=False):
    """``POST /images/generations``: what ``images.generate`` sends (only given keys)."""

    model: Required[ModelId]
    """The image model, e.g. ``bytedance/doubao-seedream-5.0``."""
    prompt: Required[Text]
    """What to draw."""
    n: Annotated[int, Field(ge=1)]
    """How many images (at least 1)."""
    size: Text
    """``"1024x1024"``, ``"2048x2048"``, ``"auto"``, ... as the model supports."""
    response_format: Literal["url", "b64_json"]
    """``"url"`` or ``"b64_json"``."""
    quality: Text
    """e.g. ``"standard"``, ``"hd"``, ``"high"``."""
    style: Text
    """e.g. ``"vivid"``, ``"natural"``."""
    user: Text
    """Your end user's id."""
    background: Text
    """e.g. ``"transparent"``, ``"opaque"``, ``"auto"``."""
    moderation: Text
    """e.g. ``"low"``, ``"auto"``."""
    output_format: Text
    """e.g. ``"png"``, ``"jpeg"``, ``"webp"``."""
    output_compression: Annotated[int, Field(ge=0, le=100)]
    """0-100, for ``jpeg``/``webp`` output."""
