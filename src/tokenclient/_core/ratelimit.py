"""When may the next request start? A token bucket with pauses. No clock, no sleep, no threads.

The bucket holds at most one second's worth of requests: ``capacity = max(1, rpm / 60)``
tokens, refilled at ``rpm / 60`` tokens per second. With 600 requests per minute, 10 start at
once and then 10 per second; with 60, one starts at once and then one per second; with 30, one
every two seconds.

It works by reservation: ``reserve(now)`` takes a token at once and answers how long the caller
must wait before starting. Tokens may go negative, which queues the reservations in the order
they were made; each caller sleeps once, for exactly its delay, and nobody polls.
``refund(now)`` gives back the token of the latest reservation when its caller gave up before
starting, so the slot is not wasted. ``pause_until(t)`` makes every reservation start at ``t``
or later (a 429 with ``Retry-After``); tokens keep accruing during a pause, up to ``capacity``.

``now`` is a monotonic time in seconds, always passed in by the caller.
"""

from __future__ import annotations

import math

from .._exceptions import InvalidRequestError

__all__ = ["NEVER", "TokenBucket", "check_requests_per_minute"]

NEVER = -math.inf
"""``paused_until`` when no pause was ever asked for."""


def check_requests_per_minute(value: object) -> float:
    """``value`` as a float if it is a finite number > 0, else ``InvalidRequestError``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidRequestError(
            f"requests_per_minute: expected a finite number greater than 0, got {value!r}"
        )
    return float(value)


class TokenBucket:
    """Start times for requests under an optional requests-per-minute limit, and pauses.

    ``requests_per_minute=None`` sets no rate: only pauses delay a start.
    """

    def __init__(self, requests_per_minute: float | None) -> None:
        self.requests_per_minute = (
            None if requests_per_minute is None else check_requests_per_minute(requests_per_minute)
        )
        """The limit, or ``None`` for no rate limit."""
        self.rate = math.inf if self.requests_per_minute is None else self.requests_per_minute / 60
        """Tokens added per second."""
        self.capacity = max(1.0, self.rate)
        """The most tokens the bucket holds: one second's worth, and at least one."""
        self.paused_until = NEVER
        """No reservation starts before this time."""
        self._tokens = self.capacity
        # Tokens accrue only after this time; it runs ahead of ``now`` during a pause.
        self._updated = NEVER

    def reserve(self, now: float) -> float:
        """Take a token; return how many seconds the caller must wait before starting."""
        at = max(now, self.paused_until)
        if self.requests_per_minute is None:
            return at - now
        self._advance(at)
        self._tokens -= 1.0
        start = self._updated + max(0.0, -self._tokens) / self.rate
        return start - now

    def refund(self, now: float) -> None:
        """Give back the token of the latest reservation, whose caller did not start.

        Only the latest is refundable: an earlier one would let a later caller, who already
        knows its start time, start together with the next reservation.
        """
        if self.requests_per_minute is None:
            return
        self._advance(now)
        self._tokens = min(self.capacity, self._tokens + 1.0)

    def pause_until(self, t: float) -> None:
        """No reservation starts before ``t``; an existing later pause is kept."""
        self.paused_until = max(self.paused_until, t)

    def _advance(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
