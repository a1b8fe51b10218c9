"""Build the ``httpx.Request`` for one call: URL join, headers, JSON body, per-call options."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from .._exceptions import InvalidRequestError
from .._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from .config import ClientConfig, merge_headers

__all__ = [
    "RequestOptions",
    "build_request",
    "encode_json",
    "model_id_path",
    "path_segment",
    "stream_request",
]


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """The per-call options every endpoint method accepts."""

    extra_headers: Headers | None = None
    extra_query: Query | None = None
    extra_body: Body | None = None
    timeout: Timeout | NotGiven = NOT_GIVEN
    usage_tag: str | None = None
    """Splits ``client.usage`` (and labels hook events); never sent to the server."""

    def __post_init__(self) -> None:
        tag = self.usage_tag
        if tag is not None and (not isinstance(tag, str) or not tag):
            raise InvalidRequestError(f"usage_tag: expected a non-empty string, got {tag!r}")


def path_segment(value: str, name: str) -> str:
    """Percent-encode ``value`` as exactly one path segment (``a/../b`` cannot escape)."""
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(f"{name}: expected a non-empty string, got {value!r}")
    encoded = quote(value, safe="")
    # URL normalisation would resolve "." and ".." segments; encode them so they stay literal.
    if encoded in {".", ".."}:
        encoded = encoded.replace(".", "%2E")
    return encoded


def model_id_path(value: str, name: str = "model") -> str:
    """A model id as URL path segments: ``/`` kept (``openai/gpt-4.1``), the rest encoded.

    Providers route ``GET /models/openai/gpt-4.1`` with the slash as is. Each part is
    percent-encoded like ``path_segment``, ``.``/``..`` parts stay literal, and ids that are
    empty, hold control characters or empty parts (``a//b``, ``/a``) are refused.
    """
    if not isinstance(value, str) or not value:
        raise InvalidRequestError(f"{name}: expected a non-empty model id, got {value!r}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise InvalidRequestError(f"{name}: a model id must not contain control characters")
    parts = value.split("/")
    if "" in parts:
        raise InvalidRequestError(
            f"{name}: {value!r} has an empty part; a model id looks like 'qwen3-8b' or "
            "'openai/gpt-4.1'"
        )
    return "/".join(path_segment(part, name) for part in parts)


def encode_json(body: Mapping[str, object]) -> bytes:
    """Compact UTF-8 JSON; NaN, infinities and unserialisable values are refused up front."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"request body: {exc}") from exc


def _timeout(config: ClientConfig, timeout: Timeout | NotGiven) -> httpx.Timeout:
    if isinstance(timeout, NotGiven):
        return config.timeout
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(timeout)


def build_request(
    config: ClientConfig,
    method: str,
    path: str,
    *,
    body: Mapping[str, object] | None = None,
    options: RequestOptions = RequestOptions(),
) -> httpx.Request:
    """The request for ``method path``; ``path`` is joined under the base URL's own path."""
    headers = (
        merge_headers(config.headers, options.extra_headers)
        if options.extra_headers
        else dict(config.headers)
    )
    content: bytes | None = None
    if body is not None or options.extra_body:
        merged = {**(body or {}), **(options.extra_body or {})}
        content = encode_json(merged)
        headers["content-type"] = "application/json"
    return httpx.Request(
        method,
        config.base_url + path,
        params=options.extra_query or None,
        headers=headers,
        content=content,
        # The transport reads the timeout from here; a Request built outside client.build_request
        # would otherwise have none at all.
        extensions={"timeout": _timeout(config, options.timeout).as_dict()},
    )


def stream_request(
    config: ClientConfig,
    method: str,
    path: str,
    *,
    body: Mapping[str, object] | None = None,
    options: RequestOptions = RequestOptions(),
) -> httpx.Request:
    """Like ``build_request``, for an SSE response.

    With ``stream_idle_timeout`` set, no single read may wait longer than it, so a server
    that goes completely silent is caught by the transport; one that only sends keep-alive
    comments is caught by the chunk parser's clock.
    """
    request = build_request(config, method, path, body=body, options=options)
    request.headers["accept"] = "text/event-stream"
    idle = config.stream_idle_timeout
    if idle is not None:
        timeout = dict(request.extensions["timeout"])
        read = timeout.get("read")
        timeout["read"] = idle if read is None else min(read, idle)
        request.extensions["timeout"] = timeout
    return request
