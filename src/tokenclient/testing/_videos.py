"""Video generation tasks that move ``queued`` -> ``running`` -> ``succeeded`` (or ``failed``).

A task is queued for the first third of ``video_seconds``, then running with ``progress``
rising from 1 to 99, then done. Time comes from the injected clock, so tests move it by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ._responses import ApiError, new_id
from ._validate import as_dict, as_list, optional_str

__all__ = ["VideoTask", "VideoTasks", "parse_video"]

FAILURE = {
    "message": "The prompt was rejected by the content safety check.",
    "code": "content_policy_violation",
}


@dataclass(frozen=True, slots=True)
class VideoTask:
    """What the server remembers about one task."""

    id: str
    model: str
    started: float
    """The clock reading when the task was created."""
    created_at: int
    """Unix time of creation, as sent to clients."""
    fails: bool
    video_url: str
    echo: dict[str, object] = field(default_factory=dict[str, object])
    """Request fields returned unchanged (duration, resolution, aspect_ratio)."""


class VideoTasks:
    """A thread-safe task store; ``view`` renders a task as of the clock's current reading."""

    def __init__(self, *, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.clock = clock
        self._tasks: dict[str, VideoTask] = {}
        self._lock = threading.Lock()

    def create(self, model: str, prompt: str, files_url: str, echo: dict[str, object]) -> VideoTask:
        """Start a task; a prompt containing ``fail`` makes it end in ``failed``."""
        task_id = new_id("tsk-")
        task = VideoTask(
            id=task_id,
            model=model,
            started=self.clock(),
            created_at=int(time.time()),
            fails="fail" in prompt.lower(),
            video_url=f"{files_url}/{task_id}.mp4",
            echo=echo,
        )
        with self._lock:
            self._tasks[task_id] = task
        return task

    def get(self, task_id: str) -> VideoTask | None:
        """The task with this id, or None."""
        with self._lock:
            return self._tasks.get(task_id)

    def has_video(self, name: str) -> bool:
        """Whether ``<task id>.mp4`` names a task that has succeeded."""
        task = self.get(name.removesuffix(".mp4"))
        return task is not None and self.view(task)["status"] == "succeeded"

    def view(self, task: VideoTask) -> dict[str, object]:
        """The task object a poll returns now."""
        elapsed = max(self.clock() - task.started, 0.0)
        queued_for = self.seconds / 3
        body: dict[str, object] = {
            "id": task.id,
            "object": "video.generation.task",
            "model": task.model,
            "created_at": task.created_at,
            **task.echo,
        }
        if elapsed >= self.seconds:
            if task.fails:
                body.update(status="failed", progress=100, error=dict(FAILURE))
            else:
                body.update(status="succeeded", progress=100, data=[{"video_url": task.video_url}])
        elif elapsed < queued_for:
            body.update(status="queued", progress=0)
        else:
            share = (elapsed - queued_for) / (self.seconds - queued_for)
            body.update(status="running", progress=min(max(int(share * 100), 1), 99))
        return body


def parse_video(body: dict[str, object]) -> tuple[str, dict[str, object]]:
    """Check a creation request; return the prompt and the fields a task echoes back."""
    prompt = optional_str(body, "prompt") or ""
    content = _video_content(body)  # checked even when a prompt is given
    if not prompt and not content:
        raise ApiError(400, "Provide a 'prompt' or 'content'.", param="prompt")
    duration = body.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration <= 0
    ):
        raise ApiError(400, "'duration' must be a positive number of seconds.", param="duration")
    echo: dict[str, object] = {"duration": duration} if duration is not None else {}
    for param in ("resolution", "aspect_ratio"):
        value = optional_str(body, param)
        if value is not None:
            echo[param] = value
    return prompt, echo


def _video_content(body: dict[str, object]) -> list[object]:
    raw = body.get("content")
    if raw is None:
        return []
    content = as_list(raw)
    if content is None:
        raise ApiError(400, "'content' must be an array.", param="content")
    roles: list[object] = []
    for index, item in enumerate(content):
        entry = as_dict(item)
        if entry is None or not isinstance(entry.get("type"), str):
            raise ApiError(
                400, f"content[{index}] must be an object with a 'type'.", param=f"content[{index}]"
            )
        roles.append(entry.get("role"))
    for role in ("first_frame", "last_frame"):
        if roles.count(role) > 1:
            raise ApiError(
                400, f"At most one content item may have role '{role}'.", param="content"
            )
    return content
