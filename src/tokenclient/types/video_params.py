"""Input shapes of ``videos.create``: the ``content`` media items (first/last frame, references).

Plain ``TypedDict``s, so callers write dict literals and type checkers still catch mistakes::

    content=[
        {"type": "image_url", "image_url": {"url": "https://.../a.jpg"}, "role": "first_frame"},
        {"type": "image_url", "image_url": {"url": "https://.../b.jpg"}, "role": "last_frame"},
    ]

The same rules are checked at run time (``tokenclient._core.media_request``) for callers
without a type checker.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import Required, TypedDict

__all__ = [
    "AudioURLContentParam",
    "ImageURLContentParam",
    "MediaURLParam",
    "VideoContentParam",
    "VideoContentRole",
    "VideoURLContentParam",
]

VideoContentRole = Literal[
    "first_frame", "last_frame", "reference_image", "reference_video", "reference_audio"
]
"""What a media item is for. At most one ``first_frame`` and one ``last_frame`` per request."""


class MediaURLParam(TypedDict, total=False):
    """Where the media is: an ``https://`` URL or a ``data:`` URL."""

    url: Required[str]
    """The media's URL."""


class ImageURLContentParam(TypedDict, total=False):
    """An image: the first frame, the last frame, or a reference image."""

    type: Required[Literal["image_url"]]
    """Always ``"image_url"``."""
    image_url: Required[MediaURLParam]
    """Where the image is."""
    role: Literal["first_frame", "last_frame", "reference_image"]
    """How the model uses the image."""


class VideoURLContentParam(TypedDict, total=False):
    """A reference video."""

    type: Required[Literal["video_url"]]
    """Always ``"video_url"``."""
    video_url: Required[MediaURLParam]
    """Where the video is."""
    role: Literal["reference_video"]
    """Always ``"reference_video"`` when given."""


class AudioURLContentParam(TypedDict, total=False):
    """A reference audio track."""

    type: Required[Literal["audio_url"]]
    """Always ``"audio_url"``."""
    audio_url: Required[MediaURLParam]
    """Where the audio is."""
    role: Literal["reference_audio"]
    """Always ``"reference_audio"`` when given."""


VideoContentParam = ImageURLContentParam | VideoURLContentParam | AudioURLContentParam
"""One item of ``videos.create(content=[...])``."""
