"""Waiting for a video task: a pure state machine. No sleep, no clock, no network.

The shells in ``resources/videos.py`` poll, then ask a ``Poller`` what the answer means:

- ``succeeded``: done, return the task;
- ``failed``: raise ``VideoTaskFailedError`` with the provider's reason;
- any undocumented status: raise ``VideoTaskError`` at once (polling on could only reach the
  deadline, never an answer);
- ``queued``/``running``: sleep ``poll_interval`` (or the server's ``Retry-After``), shortened to
  the time left; when that sleep reaches the deadline, raise ``VideoTaskTimeoutError`` after it.

Every poll's HTTP timeout and retry waits are capped by the time left, so ``wait()`` ends on
time. ``now`` is always passed in (a monotonic clock, in seconds).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Final

import httpx

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    InternalServerError,
    InvalidRequestError,
    RateLimitError,
    VideoTaskError,
    VideoTaskFailedError,
    VideoTaskTimeoutError,
)
from ..types.videos import VideoTask
from .retry import RetryPolicy

__all__ = [
    "MIN_HINTED_DELAY",
    "TRANSIENT_ERRORS",
    "Decision",
    "PollLimits",
    "Poller",
    "check_wait_args",
    "error_hint",
]

TRANSIENT_ERRORS: Final = (APIConnectionError, InternalServerError, RateLimitError)
"""Poll failures that do not end a wait: the task keeps running on the provider.

They have already been retried by the client's retry policy; the wait polls again at the next
interval while time remains. Anything else (401, 404, a malformed body) ends the wait at once.
"""

MIN_HINTED_DELAY: Final = 0.1
"""Shortest wait taken from a ``Retry-After`` hint: ``Retry-After: 0`` must not spin."""

# The smallest HTTP timeout a poll gets; a poll starting at the deadline then fails fast
# (a transient error), and the next decision raises the timeout.
_MIN_POLL_TIMEOUT: Final = 0.001


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do after one poll (or one failed poll), in this order."""

    changed: bool
    """The status or progress changed: call ``on_progress`` with the task first."""
    done: bool
    """The task succeeded: return it."""
    delay: float
    """Else sleep this many seconds (0 when raising at once)."""
    error: VideoTaskError | None
    """Then raise this, if set; else poll again."""


@dataclass(frozen=True, slots=True)
class PollLimits:
    """Per-request limits of the next poll, capped by the time left."""

    timeout: httpx.Timeout
    """The HTTP timeout, every phase at most the time left."""
    retry: RetryPolicy
    """The client's retry policy, with its waits at most the time left."""


def _positive(name: str, value: object) -> float:
    # bool is a number to Python, but poll_interval=True is a mistake.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestError(f"{name}: expected a number of seconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidRequestError(f"{name}: expected a positive, finite number, got {value!r}")
    return float(value)


def check_wait_args(poll_interval: object, timeout: object, on_progress: object) -> None:
    """Refuse bad ``wait()`` arguments up front (before a billable task is created)."""
    _positive("poll_interval", poll_interval)
    _positive("timeout", timeout)
    if on_progress is not None and not callable(on_progress):
        raise InvalidRequestError(f"on_progress: expected a callable, got {on_progress!r}")


def error_hint(error: Exception) -> float | None:
    """The ``Retry-After`` a failed poll carried, if any."""
    return error.retry_after if isinstance(error, APIStatusError) else None


def _describe(task: VideoTask) -> str:
    status = task.raw_status if task.status == "unknown" else task.status
    progress = f", {task.progress:g}%" if task.progress is not None else ""
    return f"{status!r}{progress}"


def _cap(seconds: float | None, limit: float) -> float:
    return limit if seconds is None else min(seconds, limit)


class Poller:
    """The waiting state of one task: its deadline and the last state reported.

    Args:
        now: The current monotonic time; the deadline is ``now + timeout``.
        poll_interval: Seconds between polls, unless the server hints otherwise.
        timeout: Seconds to wait in all.
    """

    def __init__(self, *, now: float, poll_interval: float, timeout: float) -> None:
        self.poll_interval = _positive("poll_interval", poll_interval)
        self.timeout = _positive("timeout", timeout)
        self.deadline = now + self.timeout
        self._reported: tuple[str, str | None, float | None] | None = None

    def limits(self, now: float, timeout: httpx.Timeout, retry: RetryPolicy) -> PollLimits:
        """The HTTP timeout and retry policy of a poll starting at ``now``."""
        left = max(self.deadline - now, _MIN_POLL_TIMEOUT)
        capped = httpx.Timeout(
            connect=_cap(timeout.connect, left),
            read=_cap(timeout.read, left),
            write=_cap(timeout.write, left),
            pool=_cap(timeout.pool, left),
        )
        policy = dataclasses.replace(
            retry,
            max_delay=min(retry.max_delay, left),
            # A longer Retry-After is then not slept inside the poll; it comes back to
            # `after_error` as a hint, and the wait ends on time.
            max_retry_after=min(retry.max_retry_after, left),
        )
        return PollLimits(capped, policy)

    def observe(self, task: VideoTask, *, now: float, retry_after: float | None = None) -> Decision:
        """Decide on a polled task; ``retry_after`` is the response's hint, if any."""
        key = (task.status, task.raw_status, task.progress)
        changed = key != self._reported
        self._reported = key
        if task.status == "succeeded":
            return Decision(changed, True, 0.0, None)
        if task.status == "failed":
            reason = task.failure_reason or "no reason given"
            error = VideoTaskFailedError(f"Video task {task.id!r} failed: {reason}", task=task)
            return Decision(changed, False, 0.0, error)
        if task.status == "unknown":
            return Decision(changed, False, 0.0, self._unknown(task))
        return self._later(task, now, retry_after, changed)

    def after_error(
        self, task: VideoTask, error: Exception, *, now: float, retry_after: float | None = None
    ) -> Decision:
        """Decide after a transient poll failure; ``task`` is the last state seen."""
        decision = self._later(task, now, retry_after, changed=False)
        if decision.error is not None:
            decision.error.__cause__ = error
        return decision

    def _later(
        self, task: VideoTask, now: float, retry_after: float | None, changed: bool
    ) -> Decision:
        left = self.deadline - now
        if retry_after is not None:
            delay = max(retry_after, MIN_HINTED_DELAY)
        else:
            delay = self.poll_interval
        if delay < left:
            return Decision(changed, False, delay, None)
        # The next poll would be at or past the deadline: sleep only what is left, then stop.
        return Decision(changed, False, max(left, 0.0), self._timed_out(task))

    def _timed_out(self, task: VideoTask) -> VideoTaskTimeoutError:
        return VideoTaskTimeoutError(
            f"Video task {task.id!r} did not finish within {self.timeout:g}s "
            f"(last status {_describe(task)}). It keeps running on the provider: call "
            f"videos.wait({task.id!r}) to wait longer.",
            task=task,
        )

    @staticmethod
    def _unknown(task: VideoTask) -> VideoTaskError:
        return VideoTaskError(
            f"Video task {task.id!r} has status {task.raw_status!r}, which is none of "
            "queued, running, succeeded, failed; stopped waiting (the task is in .task).",
            task=task,
        )
