"""Waiting for a video task: a pure state machine. No sleep, no clock, no network.

The shells in ``resources/videos.py`` poll, then ask a ``Poller`` what the answer means:

- ``succeeded``: done, return the task;
- ``failed``: raise ``VideoTaskFailedError`` with the provider's reason;
- any undocumented status: raise ``VideoTaskError`` at once (polling on could only reach the
  deadline, never an answer);
- ``queued``/``running``: sleep ``poll_interval`` (or the server's ``Retry-After``), then poll
  again. When that sleep would reach the deadline, sleep only what is left, **poll once more
  at the deadline**, then decide: a task that finished in the meantime is returned, not
  reported as timed out. (Unless the last poll was less than the floor before the deadline:
  then the wait sleeps the rest and raises.)

A poll is one HTTP attempt. A transient failure (connection error, timeout, 429, 5xx) is
retried by the wait itself, as the client would retry any request (``max_retries`` attempts
with backoff, or the error's ``Retry-After``), then the wait skips to the next interval. So
every attempt gets an HTTP timeout capped by the time left, no attempt starts after the
deadline, and no server hint makes polls come faster than ``min(poll_interval,
MIN_POLL_GAP)``. ``now`` is always passed in (a monotonic clock, in seconds).
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
from .retry import RetryPolicy, backoff_delay

__all__ = [
    "LAST_POLL_TIMEOUT",
    "MIN_POLL_GAP",
    "POLL_NOW",
    "TRANSIENT_ERRORS",
    "PollDecision",
    "PollLimits",
    "Poller",
    "check_wait_args",
    "error_hint",
]

TRANSIENT_ERRORS: Final = (APIConnectionError, InternalServerError, RateLimitError)
"""Poll failures that do not end a wait: the task keeps running on the provider.

The wait retries them (see ``Poller.after_error``). Anything else (401, 404, a malformed body)
ends the wait at once.
"""

MIN_POLL_GAP: Final = 1.0
"""Shortest sleep between two polls, in seconds, unless ``poll_interval`` is shorter.

Neither a server hint (``Retry-After: 0`` on a 500) nor the retry backoff makes polls come
faster. When less than this is left before the deadline, there is no last poll: the wait
sleeps the rest and raises with the state it has, at most this old.
"""

LAST_POLL_TIMEOUT: Final = 1.0
"""The HTTP timeout (each phase) of a poll that starts with less time left than this.

A poll at the deadline still needs a moment to be answered, so this is the margin by which
``wait()`` may end after its ``timeout`` when the server stalls.
"""


@dataclass(frozen=True, slots=True)
class PollDecision:
    """What to do after one poll (or one failed poll), in this order."""

    changed: bool
    """The status or progress changed: call ``on_progress`` with the task first."""
    done: bool
    """The task succeeded: return it."""
    delay: float
    """Else sleep this many seconds (0 when raising at once)."""
    error: Exception | None
    """Then raise this, if set; else poll again.

    A ``VideoTaskError`` (failed, unknown status, timed out), or the poll's own error when
    the first poll of ``wait()`` keeps failing: nothing is known about the task then.
    """


POLL_NOW: Final = PollDecision(changed=False, done=False, delay=0.0, error=None)
"""The decision before the first poll of ``wait()``: poll at once."""


@dataclass(frozen=True, slots=True)
class PollLimits:
    """Per-request limits of the next poll attempt, capped by the time left."""

    timeout: httpx.Timeout
    """The HTTP timeout, every phase at most ``max(time left, LAST_POLL_TIMEOUT)``."""
    retry: RetryPolicy
    """The policy of the attempt: no retries (the wait retries), and a 429's client-wide
    pause at most the time left."""


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
    """The waiting state of one task: its deadline, the last state seen, failures in a row.

    Args:
        now: The current monotonic time; the deadline is ``now + timeout``.
        poll_interval: Seconds between polls, unless the server hints otherwise.
        timeout: Seconds to wait in all.
        retry: The client's retry policy: how often, and after what backoff, a failed poll
            is retried before the wait skips to the next interval.
    """

    def __init__(
        self,
        *,
        now: float,
        poll_interval: float,
        timeout: float,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008  # frozen, so sharing it is safe
    ) -> None:
        self.poll_interval = _positive("poll_interval", poll_interval)
        self.timeout = _positive("timeout", timeout)
        self.deadline = now + self.timeout
        self.retry = retry
        self.min_gap = min(self.poll_interval, MIN_POLL_GAP)
        """The shortest sleep between two polls, whatever the server hints."""
        self.task: VideoTask | None = None
        """The last state seen; None until a poll (or ``create``) gave one."""
        self._reported: tuple[str, str | None, float | None] | None = None
        self._failures = 0  # failed attempts in a row of the current poll
        self._last = False  # the next poll is the one at the deadline

    def limits(self, now: float, timeout: httpx.Timeout) -> PollLimits:
        """The HTTP timeout and retry policy of a poll attempt starting at ``now``."""
        left = self.deadline - now
        cap = max(left, LAST_POLL_TIMEOUT)
        capped = httpx.Timeout(
            connect=_cap(timeout.connect, cap),
            read=_cap(timeout.read, cap),
            write=_cap(timeout.write, cap),
            pool=_cap(timeout.pool, cap),
        )
        # One attempt: the wait retries, so every attempt is capped by the time left at its
        # own start. A 429 still pauses the client (not past the deadline) and comes back here
        # with its Retry-After.
        policy = dataclasses.replace(
            self.retry,
            max_retries=0,
            max_retry_after=min(self.retry.max_retry_after, max(left, 0.0)),
        )
        return PollLimits(capped, policy)

    def observe(
        self, task: VideoTask, *, now: float, retry_after: float | None = None
    ) -> PollDecision:
        """Decide on a polled task; ``retry_after`` is the response's hint, if any."""
        self.task = task
        self._failures = 0
        key = (task.status, task.raw_status, task.progress)
        changed = key != self._reported
        self._reported = key
        if task.status == "succeeded":
            return PollDecision(changed, True, 0.0, None)
        if task.status == "failed":
            reason = task.failure_reason or "no reason given"
            error = VideoTaskFailedError(f"Video task {task.id!r} failed: {reason}", task=task)
            return PollDecision(changed, False, 0.0, error)
        if task.status == "unknown":
            return PollDecision(changed, False, 0.0, self._unknown(task))
        delay = self.poll_interval if retry_after is None else retry_after
        return self._next(now, delay, changed, None)

    def after_error(self, error: Exception, *, now: float) -> PollDecision:
        """Decide after a transient poll failure (one of ``TRANSIENT_ERRORS``).

        The poll is retried after the client's backoff (or the error's ``Retry-After``) up to
        ``retry.max_retries`` times, as any request is; then the wait skips to the next
        interval, or, on the first poll of ``wait()`` (no state seen yet), raises ``error``.
        """
        self._failures += 1
        if self._failures <= self.retry.max_retries:
            # No jitter: one wait's polls need no spreading, and the gap has a floor anyway.
            delay = backoff_delay(self.retry, self._failures - 1, 0.0)
        elif self.task is None:
            return PollDecision(False, False, 0.0, error)
        else:
            self._failures = 0
            delay = self.poll_interval
        hint = error_hint(error)
        return self._next(now, delay if hint is None else hint, False, error)

    def _next(
        self, now: float, delay: float, changed: bool, cause: Exception | None
    ) -> PollDecision:
        left = self.deadline - now
        if self._last or left <= 0:
            # The poll at the deadline (or a poll that ended past it) was the last one.
            return PollDecision(changed, False, 0.0, self._give_up(cause))
        delay = max(delay, self.min_gap)
        if delay < left:
            return PollDecision(changed, False, delay, None)
        if left < self.min_gap:
            # Too close to this poll for another one: wait out the time left, then stop.
            return PollDecision(changed, False, left, self._give_up(cause))
        # Sleep only what is left, then poll once more, at the deadline, and decide.
        self._last = True
        return PollDecision(changed, False, left, None)

    def _give_up(self, cause: Exception | None) -> Exception:
        if self.task is None:
            # The first poll of wait() kept failing until the deadline: raise its error.
            assert cause is not None  # no task is seen only when every poll failed
            return cause
        error = self._timed_out(self.task)
        error.__cause__ = cause
        return error

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
