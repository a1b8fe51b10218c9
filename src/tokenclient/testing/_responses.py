"""Small builders for JSON bodies, error envelopes and ids."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping

import httpx

from ._faults import RETRY_AFTER_STATUSES, status_error

__all__ = [
    "ApiError",
    "dumps",
    "error_body",
    "error_response",
    "json_response",
    "new_id",
    "retry_headers",
]

JSON_TYPE = "application/json"


class ApiError(Exception):
    """Raised inside the handler to answer with an error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.error_type = error_type


def dumps(value: object) -> bytes:
    """Compact UTF-8 JSON, as providers send it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def new_id(prefix: str) -> str:
    """A fresh id such as ``chatcmpl-1f2e...`` (the prefix includes its separator)."""
    return prefix + uuid.uuid4().hex[:24]


def retry_headers(seconds: float) -> dict[str, str]:
    """``retry-after-ms`` (exact) and ``Retry-After`` (whole seconds, rounded up)."""
    return {
        "retry-after-ms": str(round(seconds * 1000)),
        "retry-after": str(max(math.ceil(seconds), 0)),
    }


def json_response(
    status: int, body: object, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """A JSON response with ``Content-Type`` and ``Content-Length`` set."""
    merged = {"content-type": JSON_TYPE, **(headers or {})}
    return httpx.Response(status, headers=merged, content=dumps(body))


def error_body(error: ApiError) -> dict[str, object]:
    """The OpenAI error envelope for ``error``."""
    defaults = status_error(error.status)
    return {
        "error": {
            "message": error.message,
            "type": error.error_type or defaults.type,
            "param": error.param,
            "code": error.code if error.code is not None else defaults.code,
        }
    }


def error_response(error: ApiError, *, retry_after: float) -> httpx.Response:
    """The envelope response for ``error``; 429 and 503 carry the retry headers."""
    headers = retry_headers(retry_after) if error.status in RETRY_AFTER_STATUSES else {}
    return json_response(error.status, error_body(error), headers)
