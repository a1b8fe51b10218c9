"""The deadline of the attempt in progress, for the socket waits of tokenclient's own sync pool.

The sync send loop sets ``ATTEMPT_DEADLINE`` (a monotonic time) for the duration of one attempt
and resets it after; a context variable, so each thread has its own. The network backend of
``_deadline_pool`` cuts every connect, read and write timeout to the time left. Outside an
attempt (a stream's body, read after the send returned) it is unset and nothing is cut.
"""

from __future__ import annotations

import time
from contextvars import ContextVar

__all__ = ["ATTEMPT_DEADLINE", "time_left"]

ATTEMPT_DEADLINE: ContextVar[float | None] = ContextVar(
    "tokenclient_attempt_deadline", default=None
)


def time_left() -> float | None:
    """Seconds left before the attempt's deadline (``<= 0``: passed); ``None`` outside one."""
    deadline = ATTEMPT_DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()
