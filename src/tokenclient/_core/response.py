"""Turn a finished ``httpx.Response`` into a model or the right typed exception.

Real servers send odd error bodies: the documented envelope with ``code`` as a string, an
integer or null; ``{"detail": ...}``; ``{"message": ...}``; an HTML page from a proxy; plain
text; an empty body; a JSON list. Every one gives the class of its status and a readable
message of bounded length.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, TypeVar, cast

import httpx

from .._exceptions import APIResponseValidationError, APIStatusError, status_error_class
from .response_headers import attach_request_id
from .retry import retry_after_seconds

if TYPE_CHECKING:
    # pydantic is imported on first use: `import tokenclient` stays cheap (see benchmarks/).
    from pydantic import BaseModel

    from ..types.errors import ErrorObject

__all__ = ["MAX_MESSAGE_LENGTH", "decode_body", "make_status_error", "parse_model", "shorten"]

MAX_MESSAGE_LENGTH = 300
"""Longest message an exception carries; the whole body stays available as ``.body``."""

ModelT = TypeVar("ModelT", bound="BaseModel")

_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def shorten(text: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """Collapse white space and cut to ``limit`` characters, marking the cut with an ellipsis."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def decode_body(content: bytes) -> object:
    """The body as JSON when it is JSON, else as text; ``None`` when empty."""
    if not content.strip():
        return None
    try:
        return cast("object", json.loads(content))
    # JSONDecodeError and UnicodeDecodeError are both ValueErrors; RecursionError is JSON
    # nested too deep for the decoder (a hostile body): keep it as text.
    except (ValueError, RecursionError):
        return content.decode("utf-8", errors="replace")


def _html_message(content: bytes) -> str | None:
    head = content.lstrip()[:1].lower()
    if head != b"<":
        return None
    title = _TITLE.search(content)
    if title:
        return title.group(1).decode("utf-8", errors="replace")
    return _TAG.sub(" ", content.decode("utf-8", errors="replace"))


def _from_mapping(data: dict[str, object]) -> tuple[str | None, ErrorObject | None]:
    from pydantic import ValidationError

    from ..types.errors import ErrorObject

    error = data.get("error")
    if isinstance(error, dict):
        error = cast("dict[str, object]", error)
        try:
            envelope = ErrorObject.model_validate(error)
        except ValidationError:
            return _compact(error), None
        return envelope.message or envelope.type or _compact(error), envelope
    if isinstance(error, str) and error:
        return error, None
    for key in ("message", "detail", "msg"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value, None
        if value:
            return _compact(value), None
    return (_compact(data) if data else None), None


def make_status_error(response: httpx.Response, *, now: float) -> APIStatusError:
    """The typed exception for a non-success response whose body has been read."""
    content = response.content
    body = decode_body(content)
    decoded = body  # narrowed below; `body` keeps its declared type for the exception
    envelope: ErrorObject | None = None
    message: str | None
    if isinstance(decoded, dict):
        message, envelope = _from_mapping(cast("dict[str, object]", decoded))
    elif isinstance(decoded, str):
        message = _html_message(content) or decoded
    elif decoded is None:
        message = None
    else:  # a JSON list, number, boolean
        message = _compact(decoded)
    reason = response.reason_phrase or "error"
    text = (
        shorten(message) if message and message.strip() else f"HTTP {response.status_code} {reason}"
    )
    return status_error_class(response.status_code)(
        text,
        response=response,
        body=body,
        type=envelope.type if envelope else None,
        param=envelope.param if envelope else None,
        code=envelope.code if envelope else None,
        retry_after=retry_after_seconds(response.headers, now),
    )


def parse_model(model: type[ModelT], response: httpx.Response) -> ModelT:
    """Validate the response bytes straight into ``model`` (pydantic's fast JSON path)."""
    from pydantic import ValidationError  # already loaded: `model` is a pydantic model

    try:
        result = model.model_validate_json(response.content)
    except ValidationError as exc:
        body = decode_body(response.content)
        first = exc.errors(include_url=False)[0] if exc.error_count() else None
        where = ".".join(str(p) for p in first["loc"]) if first else ""
        detail = f"{where}: {first['msg']}" if first else str(exc)
        raise APIResponseValidationError(
            shorten(
                f"{response.request.method} {response.request.url.path} returned a body that is "
                f"not a valid {model.__name__} ({exc.error_count()} errors; first: {detail})"
            ),
            response=response,
            body=body,
        ) from exc
    attach_request_id(result, response.headers)
    return result
