"""What a response's headers say: its request id, and its rate limits. Pure; never raises.

The request id is ``x-request-id`` (OpenAI and most gateways) or ``request-id``.

OpenAI and the aggregators that copy it send, on every response::

    x-ratelimit-limit-requests: 10000        x-ratelimit-limit-tokens: 2000000
    x-ratelimit-remaining-requests: 9999     x-ratelimit-remaining-tokens: 1999190
    x-ratelimit-reset-requests: 6ms          x-ratelimit-reset-tokens: 1m2.5s

The reset values are Go-style durations (``6m0s``, ``1.5s``, ``20ms``, ``1h2m3.5s``,
``250us``) or plain seconds (``30``, ``0.5``). A header that is missing, empty, negative, not
finite or otherwise malformed reads as ``None``: rate-limit headers are advisory, and a
provider's odd value must never turn a successful response into an exception.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "RateLimitInfo",
    "attach_request_id",
    "parse_duration",
    "parse_rate_limit",
    "request_id",
]

_MAX_LENGTH = 64
"""Longer values are not a count or a duration any server sends; they read as ``None``."""

_UNIT_SECONDS = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "\u00b5s": 1e-6,  # MICRO SIGN, as Go prints it
    "\u03bcs": 1e-6,  # GREEK SMALL LETTER MU
    "ns": 1e-9,
}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
# "ms" before "m", so "20ms" is twenty milliseconds, not twenty minutes and a stray "s".
_PART = re.compile(rf"({_NUMBER})(h|ms|m|s|us|\u00b5s|\u03bcs|ns)", re.ASCII)
_DURATION = re.compile(rf"(?:{_PART.pattern})+", re.ASCII)
_SECONDS = re.compile(_NUMBER, re.ASCII)  # ASCII: no Arabic-Indic or full-width digits


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The provider's rate-limit headers of one response; every field may be ``None``.

    ``raw.rate_limit.remaining_requests`` after
    ``raw = client.chat.completions.with_raw_response.create(...)``.
    """

    limit_requests: int | None = None
    """Requests allowed per window (``x-ratelimit-limit-requests``)."""
    remaining_requests: int | None = None
    """Requests left in this window (``x-ratelimit-remaining-requests``)."""
    reset_requests: float | None = None
    """Seconds until the request window resets (``x-ratelimit-reset-requests``)."""
    limit_tokens: int | None = None
    """Tokens allowed per window (``x-ratelimit-limit-tokens``)."""
    remaining_tokens: int | None = None
    """Tokens left in this window (``x-ratelimit-remaining-tokens``)."""
    reset_tokens: float | None = None
    """Seconds until the token window resets (``x-ratelimit-reset-tokens``)."""


def _count(value: str | None) -> int | None:
    """A non-negative whole number (``"100"``, ``"100.0"``), else ``None``."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LENGTH or not _SECONDS.fullmatch(text):
        return None
    number = float(text)
    if not math.isfinite(number) or not number.is_integer():
        return None
    return int(number)


def parse_duration(value: str | None) -> float | None:
    """Seconds in a Go-style duration (``1h2m3.5s``, ``20ms``) or plain seconds, else ``None``."""
    if value is None:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    if _SECONDS.fullmatch(text):
        seconds = float(text)
    elif _DURATION.fullmatch(text):
        seconds = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text))
    else:
        return None
    return seconds if math.isfinite(seconds) else None


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimitInfo:
    """The ``x-ratelimit-*`` headers in ``headers`` (any letter case); never raises."""
    found: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered.startswith("x-ratelimit-"):
            found[lowered] = value
    if not found:
        return RateLimitInfo()
    get = found.get
    return RateLimitInfo(
        limit_requests=_count(get("x-ratelimit-limit-requests")),
        remaining_requests=_count(get("x-ratelimit-remaining-requests")),
        reset_requests=parse_duration(get("x-ratelimit-reset-requests")),
        limit_tokens=_count(get("x-ratelimit-limit-tokens")),
        remaining_tokens=_count(get("x-ratelimit-remaining-tokens")),
        reset_tokens=parse_duration(get("x-ratelimit-reset-tokens")),
    )


def request_id(headers: Mapping[str, str]) -> str | None:
    """The ``x-request-id`` (else ``request-id``) header of ``headers``, if not empty."""
    return headers.get("x-request-id") or headers.get("request-id") or None


def attach_request_id(model: object, headers: Mapping[str, str]) -> None:
    """Set ``model._request_id`` from ``headers``, on models that declare it.

    ``_request_id`` is a class attribute (``None``) on ``ResponseModel``, not a pydantic private
    attribute: a private attribute would cost every nested model of every stream chunk a
    dictionary. The instance value lives in ``__dict__``, which pydantic's ``==``,
    ``model_dump`` and ``repr`` ignore and ``model_copy`` keeps.
    """
    if hasattr(type(model), "_request_id"):
        object.__setattr__(model, "_request_id", request_id(headers))
