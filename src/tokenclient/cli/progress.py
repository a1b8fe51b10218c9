"""The progress display of ``video --wait``: status, percent done and elapsed seconds.

On a terminal it is one line rewritten in place (``\\r``); anywhere else (a pipe, a log file)
one plain line per change, so logs stay readable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from ..types.videos import VideoTask

__all__ = ["ProgressDisplay", "describe_task"]


def describe_task(task: VideoTask) -> str:
    """``vid_123: running 45%``; the raw status when it is not a documented one."""
    status = task.raw_status if task.status == "unknown" and task.raw_status else task.status
    progress = f" {task.progress:.0f}%" if task.progress is not None else ""
    reason = task.failure_reason if task.status == "failed" else None
    return f"{task.id}: {status}{progress}" + (f" ({reason})" if reason else "")


class ProgressDisplay:
    """Shows each state of a task it is given (as ``on_progress``) on ``stream``."""

    def __init__(self, stream: TextIO, *, live: bool, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._live = live
        self._clock = clock
        self._start = clock()
        self._width = 0
        self._last: tuple[str, float | None] | None = None

    def update(self, task: VideoTask) -> None:
        """Show ``task``'s state and the seconds since the display started (once per state)."""
        state = (task.raw_status or task.status, task.progress)
        if state == self._last:
            return
        self._last = state
        line = f"video {describe_task(task)} [{self._clock() - self._start:.1f}s]"
        if self._live:
            padding = " " * max(0, self._width - len(line))  # wipe a longer previous line
            self._stream.write(f"\r{line}{padding}")
            self._width = len(line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def close(self) -> None:
        """End the live line, so what follows starts on a new line."""
        if self._live and self._width:
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0
