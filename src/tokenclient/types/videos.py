"""Video generation tasks: ``POST /videos/generations`` and ``GET /videos/generations/{id}``.

``VideoTask.status`` is a closed ``Literal`` because code branches on it. A status outside the
documented four (a provider adding ``"cancelled"``, say) does not fail parsing: it becomes
``"unknown"`` and the value as sent is kept in ``raw_status``. ``retrieve()`` therefore always
returns the task, and ``wait()`` raises ``VideoTaskError`` on it at once.
"""

from __future__ import annotations

import builtins
import json
import math
from typing import Final, Literal, cast

from pydantic import Field, field_validator, model_validator

from ._base import ResponseModel
from ._cost import Priced

__all__ = [
    "KNOWN_STATUSES",
    "VideoResult",
    "VideoTask",
    "VideoTaskErrorInfo",
    "VideoTaskStatus",
]

VideoTaskStatus = Literal["queued", "running", "succeeded", "failed"]
"""The documented task states; the waiting code branches on them, so the set is closed."""

KNOWN_STATUSES: Final[frozenset[str]] = frozenset({"queued", "running", "succeeded", "failed"})
"""The values of ``VideoTaskStatus``."""


class VideoResult(ResponseModel):
    """One generated video."""

    video_url: str | None = None
    """Where to download the video (often a short-lived signed URL)."""


class VideoTaskErrorInfo(ResponseModel):
    """Why a task failed, when the provider sends an object rather than a string."""

    code: str | int | None = None
    """The provider's error code, if any."""
    message: str | None = None
    """The provider's explanation, if any."""


class VideoTask(ResponseModel, Priced):
    """The state of a video generation task."""

    id: str
    """The task id to poll with ``videos.retrieve``/``videos.wait``."""
    object: str | None = None
    """``"video.generation.task"`` when sent."""
    model: str | None = None
    """The model generating the video."""
    status: VideoTaskStatus | Literal["unknown"]
    """``queued`` → ``running`` → ``succeeded`` or ``failed``; ``unknown`` for any other value."""
    raw_status: str | None = None
    """The status exactly as sent, when it was not one of the documented four (else ``None``)."""
    data: list[VideoResult] = Field(default_factory=list[VideoResult])
    """The results, once ``succeeded``."""
    error: VideoTaskErrorInfo | str | None = None
    """The provider's reason, once ``failed``."""
    progress: float | None = None
    """Percent done, when the provider reports it (``"45%"`` is read as ``45.0``)."""

    @model_validator(mode="before")
    @classmethod
    def _lenient_status(cls, data: builtins.object) -> builtins.object:
        # An undocumented status must not fail parsing deep inside a poll loop: keep the task,
        # mark it "unknown", and keep what was sent so the error can name it.
        if not isinstance(data, dict):
            return data
        fields = cast("dict[str, builtins.object]", data)
        if "status" not in fields:
            return fields  # "Field required", as for any malformed task
        status = fields["status"]
        if isinstance(status, str) and status in KNOWN_STATUSES:
            return fields
        if status == "unknown" and isinstance(fields.get("raw_status"), str):
            return fields  # a dumped task being read back
        raw = status if isinstance(status, str) else json.dumps(status, default=str)
        return {**fields, "status": "unknown", "raw_status": raw}

    @field_validator("progress", mode="before")
    @classmethod
    def _lenient_progress(cls, value: builtins.object) -> float | None:
        # Providers send 45, 45.0, "45" or "45%"; anything else is no usable progress.
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip().removesuffix("%"))
            except ValueError:
                return None
        else:
            return None
        return number if math.isfinite(number) else None

    @property
    def failure_reason(self) -> str | None:
        """The provider's reason for a failure as one line, or ``None`` when none was given."""
        error = self.error
        if isinstance(error, str):
            return error or None
        if error is None:
            return None
        if error.message:
            return (
                f"{error.message} (code {error.code})" if error.code is not None else error.message
            )
        if error.code is not None:
            return f"code {error.code}"
        extra = error.model_extra
        return json.dumps(extra, ensure_ascii=False, default=str) if extra else None
