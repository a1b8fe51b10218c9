"""``ClientConfig``: everything a request needs from its client, as plain data.

It lives in the core so that building a request needs nothing above ``_core``; resolving it
from arguments, environment and provider presets is ``tokenclient._config``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from .._exceptions import InvalidRequestError
from .retry import RetryPolicy

__all__ = ["DEFAULT_MAX_EVENT_BYTES", "DEFAULT_MAX_RESPONSE_BYTES", "ClientConfig", "merge_headers"]


DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""64 MiB decoded: far above any chat, model-list or image-URL answer (a large base64 image
is a few MiB), low enough that a gzip bomb or an endless body cannot exhaust memory."""
DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024
"""8 MiB per SSE event (the same value as ``sse.DEFAULT_MAX_EVENT_BYTES``)."""


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a request needs from its client, resolved once at construction."""

    base_url: str
    """Absolute, without a trailing slash; paths are appended to it."""
    timeout: httpx.Timeout
    retry: RetryPolicy
    headers: Mapping[str, str] = field(repr=False)
    """Headers of every request, ``Authorization`` included (hence not in ``repr``)."""
    provider: str | None = None
    stream_idle_timeout: float | None = None
    stream_only: re.Pattern[str] | None = None
    """Models this provider serves only as streams (from the preset)."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """Largest body read (decoded), and most text a stream keeps for its final completion."""
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    """Largest SSE event (or line) a stream buffers."""
    attempt_timeout: float | None = None
    """Total seconds one attempt may take; ``None``: the request's read timeout."""

    def must_stream(self, model: object) -> bool:
        """Whether ``model`` must be requested as a stream on this provider."""
        return (
            self.stream_only is not None
            and isinstance(model, str)
            and self.stream_only.fullmatch(model) is not None
        )


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")


def _check_header(name: str, value: str) -> None:
    # httpx/h11 would refuse these only at send time: as a transport error that looks
    # retryable, or as a UnicodeEncodeError whose repr holds the whole value (the key).
    # Refusing them here names the header and never echoes its value.
    if not _TOKEN.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
        raise InvalidRequestError(
            f"header {name!r}: names must be tokens (RFC 9110) and values printable ASCII "
            "(no CR, LF, NUL, other control characters or non-ASCII text)"
        )


def merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Merge header mappings left to right, case-insensitively (keys come out lower-case)."""
    merged: dict[str, str] = {}
    for layer in layers:
        for name, value in layer.items():
            _check_header(name, value)
            merged[name.lower()] = value
    return merged
