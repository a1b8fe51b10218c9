"""Video generation tasks: ``POST /videos/generations`` and ``GET /videos/generations/{id}``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import ResponseModel

__all__ = ["VideoResult", "VideoTask", "VideoTaskStatus"]

VideoTaskStatus = Literal["queued", "running", "succeeded", "failed"]
"""The documented task states; the waiting code branches on them, so the set is closed."""


class VideoResult(ResponseModel):
    """One generated video."""

    video_url: str | None = None
    """Where to download the video (often a short-lived signed URL)."""


class VideoTask(ResponseModel):
    """The state of a video generation task."""

    id: str
    """The task id to poll with ``videos.retrieve``/``videos.wait``."""
    object: str | None = None
    """``"video.generation.task"`` when sent."""
    model: str | None = None
    """The model generating the video."""
    status: VideoTaskStatus
    """``queued`` → ``running`` → ``succeeded`` or ``failed``."""
    data: list[VideoResult] = Field(default_factory=list[VideoResult])
    """The results, once ``succeeded``."""
    error: object = None
    """The provider's reason, once ``failed`` (a string or an error object)."""
    progress: float | None = None
    """Percent done, when the provider reports it."""
