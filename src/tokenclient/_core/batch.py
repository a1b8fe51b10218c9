"""Batch runs in the OpenAI Batch API file format: input lines in, output lines out. Pure.

An input line is ``{"custom_id": "q1", "method": "POST", "url": "/v1/chat/completions",
"body": {...}}`` (also ``/v1/images/generations``). An output line is
``{"id": "batch_req_...", "custom_id": "q1", "response": {"status_code": 200, "request_id":
"...", "body": {...}}, "error": null}``, or with ``"error": {"code": ..., "message": ...}``
when the request failed (``response`` then holds the error answer, or ``null`` when none came).

A line that cannot be sent (not JSON, no ``custom_id``, an unknown ``url``) becomes an
``InputProblem``: the runner writes an error line for it and goes on.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Final, Literal, cast

__all__ = [
    "ENDPOINTS",
    "BatchItem",
    "Endpoint",
    "InputProblem",
    "error_line",
    "in_shard",
    "line_id",
    "parse_line",
    "parse_shard",
    "success_line",
]

Endpoint = Literal["chat", "images"]

ENDPOINTS: Final[dict[str, Endpoint]] = {
    "/v1/chat/completions": "chat",
    "/chat/completions": "chat",
    "/v1/images/generations": "images",
    "/images/generations": "images",
}
"""The ``url``s a batch line may name, and the endpoint each one calls."""

BILLABLE: Final[frozenset[Endpoint]] = frozenset({"images"})
"""Endpoints whose requests are never sent twice once they may have been billed."""


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One request of the input file."""

    custom_id: str
    line: int
    """Its 1-based line number in the input."""
    endpoint: Endpoint
    body: dict[str, object]

    @property
    def billable(self) -> bool:
        """True for requests that must never be sent twice (image generations)."""
        return self.endpoint in BILLABLE


@dataclass(frozen=True, slots=True)
class InputProblem:
    """A line that cannot be sent; it is answered with an error line and the run goes on."""

    custom_id: str
    """The line's ``custom_id``, or ``line-<n>`` when it has none."""
    line: int
    code: str
    message: str


def line_id(line: int) -> str:
    """The ``custom_id`` given to a line that has none of its own."""
    return f"line-{line}"


def parse_line(raw: bytes | str, line: int) -> BatchItem | InputProblem | None:
    """Read one input line; ``None`` for a blank line."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if not text.strip():
        return None
    try:
        value: object = json.loads(text)
    except (ValueError, RecursionError):
        return InputProblem(line_id(line), line, "invalid_json", f"line {line} is not JSON")
    if not isinstance(value, dict):
        return InputProblem(line_id(line), line, "invalid_line", "expected a JSON object")
    fields = cast("dict[str, object]", value)
    custom_id = fields.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return InputProblem(
            line_id(line), line, "invalid_custom_id", "custom_id: expected a non-empty string"
        )
    method = fields.get("method", "POST")
    if method != "POST":
        return InputProblem(
            custom_id, line, "invalid_method", f"method: expected POST, got {method!r}"
        )
    url = fields.get("url")
    endpoint = ENDPOINTS.get(url) if isinstance(url, str) else None
    if endpoint is None:
        known = ", ".join(sorted(u for u in ENDPOINTS if u.startswith("/v1/")))
        return InputProblem(
            custom_id, line, "invalid_url", f"url: expected one of {known}, got {url!r}"
        )
    body = fields.get("body")
    if not isinstance(body, dict):
        return InputProblem(custom_id, line, "invalid_body", "body: expected a JSON object")
    return BatchItem(custom_id, line, endpoint, dict(cast("dict[str, object]", body)))


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> ``(2, 4)``: the second of four shares (1-based). ``ValueError`` otherwise."""
    part, _, whole = text.partition("/")
    try:
        k, n = int(part), int(whole)
    except ValueError:
        raise ValueError(f"shard: expected K/N such as 2/4, got {text!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"shard: expected 1 <= K <= N, got {text!r}")
    return k, n


def in_shard(custom_id: str, shard: tuple[int, int] | None) -> bool:
    """True when ``custom_id`` belongs to ``shard`` (K of N); every id is in exactly one share.

    The share is fixed by a hash of the id, so every runner agrees without talking, and a
    resumed run picks the same items.
    """
    if shard is None:
        return True
    k, n = shard
    digest = hashlib.sha256(custom_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def _request_line_id() -> str:
    return f"batch_req_{secrets.token_hex(12)}"


def _dump(record: dict[str, object]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def success_line(
    custom_id: str, *, status_code: int, request_id: str | None, body: object
) -> bytes:
    """The output line of a request that got a success answer."""
    response = {"status_code": status_code, "request_id": request_id, "body": body}
    return _dump(
        {"id": _request_line_id(), "custom_id": custom_id, "response": response, "error": None}
    )


def error_line(
    custom_id: str,
    *,
    code: str,
    message: str,
    status_code: int | None = None,
    request_id: str | None = None,
    body: object = None,
) -> bytes:
    """The output line of a request that failed (``status_code`` when an answer came)."""
    response = (
        None
        if status_code is None
        else {"status_code": status_code, "request_id": request_id, "body": body}
    )
    return _dump(
        {
            "id": _request_line_id(),
            "custom_id": custom_id,
            "response": response,
            "error": {"code": code, "message": message},
        }
    )
