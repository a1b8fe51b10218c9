"""Status -> exception class and readable messages for every odd body real servers send."""

from __future__ import annotations

import json

import httpx
import pytest

from tokenclient import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientBalanceError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)
from tokenclient._core.response import MAX_MESSAGE_LENGTH, make_status_error, parse_model
from tokenclient.types import ModelList

REQUEST = httpx.Request("POST", "https://x.test/v1/chat/completions")


def response(status: int, content: bytes = b"", **headers: str) -> httpx.Response:
    return httpx.Response(status, content=content, headers=headers, request=REQUEST)


def envelope(**fields: object) -> bytes:
    return json.dumps({"error": fields}).encode()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, InsufficientBalanceError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, ServiceUnavailableError),
        (504, InternalServerError),
        (418, APIStatusError),
        (302, APIStatusError),
    ],
)
def test_status_gives_its_class(status: int, cls: type[APIStatusError]) -> None:
    error = make_status_error(response(status, envelope(message="boom")), now=0.0)
    assert type(error) is cls
    assert error.status_code == status
    assert error.message == "boom"
    assert error.request is REQUEST


def test_service_unavailable_is_an_internal_server_error() -> None:
    assert issubclass(ServiceUnavailableError, InternalServerError)


def test_envelope_fields_and_request_id() -> None:
    body = envelope(
        message="Incorrect API key",
        type="invalid_request_error",
        param="key",
        code="invalid_api_key",
    )
    error = make_status_error(response(401, body, **{"x-request-id": "req_123"}), now=0.0)
    assert error.message == "Incorrect API key"
    assert error.type == "invalid_request_error"
    assert error.param == "key"
    assert error.code == "invalid_api_key"
    assert error.request_id == "req_123"
    assert error.body == json.loads(body)
    assert "401" in str(error)
    assert "req_123" in str(error)


@pytest.mark.parametrize("code", ["rate_limit_exceeded", 1008, None])
def test_code_as_string_int_or_null(code: str | int | None) -> None:
    error = make_status_error(
        response(429, envelope(message="slow down", type=None, code=code)), now=0
    )
    assert error.code == code
    assert error.type is None


def test_retry_after_is_parsed_onto_429_and_503() -> None:
    assert make_status_error(response(429, b"", **{"retry-after": "12"}), now=0).retry_after == 12.0
    error = make_status_error(response(503, b"", **{"retry-after-ms": "1500"}), now=0)
    assert isinstance(error, ServiceUnavailableError)
    assert error.retry_after == 1.5
    assert make_status_error(response(429), now=0).retry_after is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"detail": "Not authenticated"}', "Not authenticated"),
        (
            b'{"detail": [{"loc": ["body", "model"], "msg": "field required"}]}',
            '[{"loc":["body","model"],"msg":"field required"}]',
        ),
        (b'{"message": "quota exceeded"}', "quota exceeded"),
        (b'{"error": "model not found"}', "model not found"),
        (b'{"error": {"type": "server_error"}}', "server_error"),
        (b'{"error": {"message": {"nested": true}}}', '{"message":{"nested":true}}'),
        (b'[{"error": "a"}, {"error": "b"}]', '[{"error":"a"},{"error":"b"}]'),
        (b"upstream connect error", "upstream connect error"),
        (b"", "HTTP 502 Bad Gateway"),
        (b"   \n", "HTTP 502 Bad Gateway"),
        (b"null", "HTTP 502 Bad Gateway"),
        (b"42", "42"),
        (b"{}", "HTTP 502 Bad Gateway"),
        (b"\xff\xfe garbage", "\ufffd\ufffd garbage"),
    ],
)  # fmt: skip
def test_odd_bodies_still_give_a_readable_message(body: bytes, message: str) -> None:
    error = make_status_error(response(502, body), now=0)
    assert isinstance(error, InternalServerError)
    assert error.message == message


def test_html_page_gives_its_title_not_the_page() -> None:
    page = (
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
        + b"<p>nginx</p>" * 1000
        + b"</body></html>"
    )
    error = make_status_error(response(502, page, **{"content-type": "text/html"}), now=0)
    assert error.message == "502 Bad Gateway"
    assert isinstance(error.body, str)


def test_html_without_title_is_stripped_and_bounded() -> None:
    page = b"<html><body>" + b"<div>Service temporarily unavailable</div>" * 500 + b"</body></html>"
    error = make_status_error(response(503, page), now=0)
    assert len(error.message) <= MAX_MESSAGE_LENGTH
    assert "<div>" not in error.message
    assert error.message.startswith("Service temporarily unavailable")


def test_long_messages_are_bounded() -> None:
    error = make_status_error(response(400, envelope(message="x" * 10_000)), now=0)
    assert len(error.message) == MAX_MESSAGE_LENGTH
    assert error.message.endswith("…")


def test_parse_model_rejects_the_wrong_shape() -> None:
    ok = response(200, b'{"object": "list", "data": [{"id": "qwen3-8b", "context_length": 32768}]}')
    models = parse_model(ModelList, ok)
    assert models.data[0].id == "qwen3-8b"
    assert models.data[0].model_extra == {"context_length": 32768}
    for bad in (b'{"data": "nope"}', b"<html>oops</html>", b'{"data": [', b""):
        with pytest.raises(APIResponseValidationError, match="ModelList") as info:
            parse_model(ModelList, response(200, bad))
        assert info.value.status_code == 200
        assert len(info.value.message) <= MAX_MESSAGE_LENGTH
