"""When to retry, and how long to wait first.

Only decisions live here; the send loops in ``_transport.py`` do the sleeping.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

__all__ = [
    "Decision",
    "RetryPolicy",
    "after_error",
    "after_status",
    "backoff_delay",
    "retry_after_seconds",
]

RETRYABLE_STATUSES = frozenset({408, 409, 429})
"""Besides every 5xx. 400/401/402/403/404/422 are never retried: sending again cannot help."""

# Errors raised before the request could reach the server: resending cannot duplicate work.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Errors in what we would send (a bad scheme, an invalid header): the same request fails again.
_HOPELESS = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times and how patiently to retry. All durations are seconds."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    """A server hint longer than this is not slept: the error is raised with ``retry_after``."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one failed attempt."""

    retry: bool
    delay: float
    reason: str
    retry_after: float | None = None


def backoff_delay(policy: RetryPolicy, attempt: int, random: float) -> float:
    """``min(initial * 2**attempt, max)`` minus up to 25% jitter; ``random`` is in [0, 1)."""
    # Cap the exponent first: 2.0**1024 overflows (max_retries=2000 against a dead host).
    base = min(policy.initial_delay * 2.0 ** min(attempt, 64), policy.max_delay)
    return base * (1.0 - 0.25 * random)


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """The server's wait hint: ``retry-after-ms``, else ``Retry-After`` in seconds or as a date.

    ``now`` is the current Unix time, needed for the HTTP-date form. Unparseable, negative or
    non-finite values count as no hint.
    """
    raw_ms = headers.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = -1.0
        if 0.0 <= ms < float("inf"):
            return ms / 1000.0
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = max(when.timestamp() - now, 0.0)
    if not 0.0 <= seconds < float("inf"):
        return None
    return seconds


def after_status(
    policy: RetryPolicy,
    attempt: int,
    status: int,
    headers: Mapping[str, str],
    *,
    now: float,
    random: float,
) -> Decision:
    """Decide on a non-success response; ``attempt`` counts from 0 for the first try."""
    hint = retry_after_seconds(headers, now)
    if attempt >= policy.max_retries:
        return Decision(False, 0.0, "retries exhausted", hint)
    should = headers.get("x-should-retry", "").strip().lower()
    # The server knows best: it can veto a retry of a 5xx or ask for one of a 4xx.
    if should == "false":
        return Decision(False, 0.0, "x-should-retry: false", hint)
    if should != "true" and status not in RETRYABLE_STATUSES and status < 500:
        return Decision(False, 0.0, f"status {status} is not retryable", hint)
    if hint is not None and hint > policy.max_retry_after:
        # Sleeping minutes inside a library call hides the wait from the caller; raise with
        # `retry_after` set so the caller decides (queue it, fail over, tell the user).
        return Decision(False, 0.0, f"retry-after {hint:g}s exceeds the cap", hint)
    delay = hint if hint is not None else backoff_delay(policy, attempt, random)
    return Decision(True, delay, f"status {status}", hint)


def after_error(
    policy: RetryPolicy,
    attempt: int,
    error: httpx.TransportError,
    *,
    replay_safe: bool,
    random: float,
) -> Decision:
    """Decide on a transport error (no usable response).

    ``replay_safe`` is False for billable creations (images, videos): those are resent only
    when the request cannot have reached the server (the connection never opened).
    """
    kind = type(error).__name__
    if isinstance(error, _HOPELESS):
        return Decision(False, 0.0, f"{kind} cannot be fixed by resending")
    if attempt >= policy.max_retries:
        return Decision(False, 0.0, f"{kind}; retries exhausted")
    if not replay_safe and not isinstance(error, _NOT_SENT):
        return Decision(False, 0.0, f"{kind} after the request may have been sent; not resent")
    return Decision(True, backoff_delay(policy, attempt, random), kind)
