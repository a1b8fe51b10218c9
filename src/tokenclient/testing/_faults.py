"""The scripted faults, chosen by model name, and the error envelope each status carries.

This table is the single source of truth: the handler reads it, ``docs/testing.md`` lists it
and a test checks that every entry is documented. A model id selects a fault by its last
``/``-separated segment, so ``error-429`` and ``acme/error-429`` both work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FAULTS",
    "RETRY_AFTER_STATUSES",
    "STATUS_ERRORS",
    "Fault",
    "FaultSpec",
    "StatusError",
    "find_fault",
    "status_error",
]

FaultKind = Literal[
    "status", "flaky", "slow", "html-502", "bad-json", "stream-error", "stream-drop", "stream-only"
]


@dataclass(frozen=True, slots=True)
class StatusError:
    """The ``type``, ``code`` and ``message`` of the envelope sent with one status."""

    type: str
    code: str | None
    message: str


STATUS_ERRORS: dict[int, StatusError] = {
    400: StatusError("invalid_request_error", "invalid_request", "Invalid request."),
    401: StatusError("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    402: StatusError("insufficient_balance", "insufficient_balance", "Insufficient balance."),
    403: StatusError("permission_error", "permission_denied", "This key may not use this model."),
    404: StatusError("invalid_request_error", "model_not_found", "The model does not exist."),
    408: StatusError("timeout_error", "request_timeout", "The request timed out."),
    409: StatusError("conflict_error", "conflict", "A conflicting request is in progress."),
    422: StatusError("invalid_request_error", "unprocessable_entity", "Unprocessable request."),
    429: StatusError("rate_limit_error", "rate_limit_exceeded", "Rate limit reached (60 RPM)."),
    500: StatusError("server_error", "server_error", "The server had an error."),
    502: StatusError("upstream_error", "bad_gateway", "The upstream model sent a bad answer."),
    503: StatusError("service_unavailable", "service_unavailable", "The upstream is overloaded."),
    504: StatusError("timeout_error", "gateway_timeout", "The upstream model timed out."),
}
"""Envelope contents per status; other statuses get a generic entry from ``status_error``."""

RETRY_AFTER_STATUSES = frozenset({429, 503})
"""Statuses sent with ``retry-after-ms`` and ``Retry-After`` headers."""


def status_error(status: int) -> StatusError:
    """The envelope contents for ``status`` (a generic one for statuses not in the table)."""
    known = STATUS_ERRORS.get(status)
    if known is not None:
        return known
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return StatusError(kind, None, f"HTTP {status}.")


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """One row of the fault table."""

    pattern: re.Pattern[str]
    """Matched in full against the model id's last segment; group 1, if any, is a number."""
    kind: FaultKind
    """Which behaviour the fault has (``"status"``, ``"flaky"``, ``"slow"``, ...)."""
    example: str
    """A model id that triggers the fault (also used by the docs and tests)."""
    summary: str
    """What happens, in one sentence."""


FAULTS: tuple[FaultSpec, ...] = (
    FaultSpec(
        re.compile(r"error-([45]\d\d)"),
        "status",
        "error-429",
        "Answer that status with the error envelope; 429 and 503 add `retry-after-ms` and "
        "`Retry-After`.",
    ),
    FaultSpec(
        re.compile(r"flaky-(\d{1,4})"),
        "flaky",
        "flaky-2",
        "Answer the first n requests for this model (per `FakeAPI` instance) with 503 and "
        "`Retry-After`, then succeed.",
    ),
    FaultSpec(
        re.compile(r"slow"),
        "slow",
        "slow",
        "Wait `slow_seconds` before the response; in process, a read timeout shorter than that "
        "raises `httpx.ReadTimeout` at once.",
    ),
    FaultSpec(
        re.compile(r"html-502"),
        "html-502",
        "html-502",
        "Answer 502 with an HTML error page, as a proxy in front of the API would.",
    ),
    FaultSpec(
        re.compile(r"bad-json"),
        "bad-json",
        "bad-json",
        "Answer 200 with truncated JSON (in a stream: one `data:` event holds truncated JSON).",
    ),
    FaultSpec(
        re.compile(r"stream-error(?:-(\d{1,3}))?"),
        "stream-error",
        "stream-error",
        "Stream a few chunks (`stream-error-n`: the first n events, `-1` is the role chunk "
        'alone), then a `data: {"error": {...}}` event, then end without `[DONE]`; without '
        "`stream` it answers 500.",
    ),
    FaultSpec(
        re.compile(r"stream-drop(?:-(\d{1,3}))?"),
        "stream-drop",
        "stream-drop",
        "Send part of the body (a few chunks of a stream, `stream-drop-n`: the first n events, "
        "`-1` is the role chunk alone; half of a JSON body), then drop the connection.",
    ),
    FaultSpec(
        re.compile(r"stream-only"),
        "stream-only",
        "stream-only",
        "Refuse chat requests without `stream: true` with a 400, as SuperToken does for GPT.",
    ),
)
"""Every scripted fault, in the order they are matched."""


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault selected by a request's model."""

    kind: FaultKind
    number: int = 0
    """The status of ``error-<status>``, the count of ``flaky-<n>``, or the events sent
    before ``stream-drop-<n>``/``stream-error-<n>`` fail (0: the default, a few)."""


def find_fault(model: str) -> Fault | None:
    """The fault the model id selects, or None for an ordinary model."""
    name = model.rsplit("/", 1)[-1]
    for spec in FAULTS:
        match = spec.pattern.fullmatch(name)
        if match is not None:
            number = int(match.group(1)) if match.groups() and match.group(1) else 0
            return Fault(spec.kind, number)
    return None
