"""The progress display of ``video --wait``: status, percent done and elapsed seconds.

On a terminal it is one line rewritten in place (``\\r``) and redrawn every second, so the
elapsed time ticks even while the provider reports no change; anywhere else (a pipe, a log
file) one plain line per change, so logs stay readable.
"""

from __future__ import annotations

import threading
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
    """Shows each state of a task it is given (as ``on_progress``) on ``stream``.

    Live (on a terminal), a background thread redraws the line every ``tick`` seconds, so
    the elapsed time moves on while the status stays the same; ``close`` stops it.
    """

    def __init__(
        self, stream: TextIO, *, live: bool, clock: Callable[[], float], tick: float = 1.0
    ) -> None:
        self._stream = stream
        self._live = live
        self._clock = clock
        self._tick = tick
        self._start = clock()
        self._width = 0
        self._task: VideoTask | None = None
        self._last: tuple[str, float | None] | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ticker: threading.Thread | None = None

    def update(self, task: VideoTask) -> None:
        """Show ``task``'s state and the seconds since the display started (once per state)."""
        state = (task.raw_status or task.status, task.progress)
        with self._lock:
            self._task = task
            if state == self._last:
                return
            self._last = state
            self._show(task)
        if self._live and self._ticker is None:
            self._ticker = threading.Thread(target=self._run, name="tokenclient-progress")
            self._ticker.daemon = True
            self._ticker.start()

    def _show(self, task: VideoTask) -> None:
        line = f"video {describe_task(task)} [{self._clock() - self._start:.1f}s]"
        if self._live:
            padding = " " * max(0, self._width - len(line))  # wipe a longer previous line
            self._stream.write(f"\r{line}{padding}")
            self._width = len(line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def _run(self) -> None:
        while not self._stopped.wait(self._tick):
            with self._lock:
                if self._stopped.is_set():
                    return
                if self._task is not None:
                    self._show(self._task)

    def close(self) -> None:
        """Stop the ticking and end the live line, so what follows starts on a new line."""
        with self._lock:
            self._stopped.set()
            if self._live and self._width:
                self._stream.write("\n")
                self._stream.flush()
                self._width = 0
        if self._ticker is not None:
            self._ticker.join(timeout=self._tick + 1.0)
