"""Input shapes of ``videos.create``: the ``content`` media items (first/last frame, references).

Plain ``TypedDict``s, so callers write dict literals and type checkers still catch mistakes::

    content=[
        {"type": "image_url", "image_url": {"url": "https://.../a.jpg"}, "role": "first_frame"},
        {"type": "image_url", "image_url": {"url": "https://.../b.jpg"}, "role": "last_frame"},
    ]

The same types are the run-time check (``VideoGenerateParams`` is validated by
``tokenclient._core.media_request``) for callers without a type checker; the one rule types
cannot say, at most one ``first_frame`` and one ``last_frame``, is an ``Annotated`` check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, Tag, with_config
from pydantic_core import PydanticCustomError
from typing_extensions import Required, TypedDict

from ._constraints import Array, ModelId, Text, tagged

__all__ = [
    "AudioURLContentParam",
    "ImageURLContentParam",
    "MediaURLParam",
    "VideoContentParam",
    "VideoContentRole",
    "VideoGenerateParams",
    "VideoURLContentParam",
]

_STRICT = ConfigDict(extra="allow", strict=True)

VideoContentRole = Literal[
    "first_frame", "last_frame", "reference_image", "reference_video", "reference_audio"
]
"""What a media item is for. At most one ``first_frame`` and one ``last_frame`` per request."""


@with_config(_STRICT)
class MediaURLParam(TypedDict, total=False):
    """Where the media is: an ``https://`` URL or a ``data:`` URL."""

    url: Required[Annotated[str, Field(min_length=1)]]
    """The media's URL."""


@with_config(_STRICT)
class ImageURLContentParam(TypedDict, total=False):
    """An image: the first frame, the last frame, or a reference image."""

    type: Required[Literal["image_url"]]
    """Always ``"image_url"``."""
    image_url: Required[MediaURLParam]
    """Where the image is."""
    role: Literal["first_frame", "last_frame", "reference_image"]
    """How the model uses the image."""


@with_config(_STRICT)
class VideoURLContentParam(TypedDict, total=False):
    """A reference video."""

    type: Required[Literal["video_url"]]
    """Always ``"video_url"``."""
    video_url: Required[MediaURLParam]
    """Where the video is."""
    role: Literal["reference_video"]
    """Always ``"reference_video"`` when given."""


@with_config(_STRICT)
class AudioURLContentParam(TypedDict, total=False):
    """A reference audio track."""

    type: Required[Literal["audio_url"]]
    """Always ``"audio_url"``."""
    audio_url: Required[MediaURLParam]
    """Where the audio is."""
    role: Literal["reference_audio"]
    """Always ``"reference_audio"`` when given."""


VideoContentParam = Annotated[
    Annotated[ImageURLContentParam, Tag("@image_url")]
    | Annotated[VideoURLContentParam, Tag("@video_url")]
    | Annotated[AudioURLContentParam, Tag("@audio_url")],
    tagged("type", "Input should be 'image_url', 'video_url' or 'audio_url'"),
]
"""One item of ``videos.create(content=[...])``."""

_SINGLE_ROLES = ("first_frame", "last_frame")


def _one_first_and_last_frame(
    items: Sequence[ImageURLContentParam | VideoURLContentParam | AudioURLContentParam],
) -> Sequence[ImageURLContentParam | VideoURLContentParam | AudioURLContentParam]:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        role = item.get("role")
        if role in _SINGLE_ROLES:
            if role in seen:
                # "path_suffix": the error formatter appends the message to the field's path.
                raise PydanticCustomError(
                    "path_suffix",
                    "[{index}].role: at most one '{role}' is allowed "
                    "(content[{first}] is one already)",
                    {"index": index, "role": role, "first": seen[role]},
                )
            seen[role] = index
    return items


def _whole_seconds(value: float) -> float:
    # Providers take whole seconds; send 5.0 as 5 so a strict integer field accepts it.
    return int(value) if value.is_integer() else value


@with_config(ConfigDict(strict=True))
class VideoGenerateParams(TypedDict, total=False):
    """``POST /videos/generations``: what ``videos.create`` sends (only given keys)."""

    model: Required[ModelId]
    """The video model, e.g. ``bytedance/doubao-seedance-2.0``."""
    prompt: Required[Text]
    """What to film."""
    duration: Annotated[float, Field(gt=0, allow_inf_nan=False), AfterValidator(_whole_seconds)]
    """Length in seconds (positive)."""
    resolution: Text
    """e.g. ``"720p"``, ``"1080p"``."""
    aspect_ratio: Text
    """e.g. ``"16:9"``, ``"9:16"``."""
    content: Annotated[Array[VideoContentParam], AfterValidator(_one_first_and_last_frame)]
    """Media items: at most one ``first_frame`` and one ``last_frame`` image, and references."""
