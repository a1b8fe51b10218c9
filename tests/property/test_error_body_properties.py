"""Error bodies: any bytes, any content type, any status 400-599 give a sane typed error.

``tests/core/test_response.py`` checks the known shapes one by one; here the bodies are
arbitrary bytes, generated JSON (envelopes with odd member types included), HTML pages and
text in any encoding, with any ``Content-Type`` and retry headers. ``make_status_error``
must never raise, must pick the class of the status, and must keep the message short and
readable; ``parse_model`` on a 200 must either parse or raise ``APIResponseValidationError``.
"""

from __future__ import annotations

import json
import math

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenclient import APIResponseValidationError
from tokenclient._core.response import MAX_MESSAGE_LENGTH, make_status_error, parse_model
from tokenclient._exceptions import status_error_class
from tokenclient.types.chat import ChatCompletion

_REQUEST = httpx.Request("POST", "https://api.example.test/v1/chat/completions")

_json: st.SearchStrategy[object] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
_member = st.sampled_from(["message", "type", "code", "param", "detail", "msg", "error"])
_envelopes = st.dictionaries(_member, _json, max_size=5).map(
    lambda error: {"error": error}
) | st.dictionaries(_member, _json, max_size=4)
_html = st.builds(
    "<html><head><title>{}</title></head><body>{}</body></html>".format, st.text(), st.text()
) | st.builds("<!DOCTYPE html><p>{}</p>".format, st.text())

_bodies = st.one_of(
    st.binary(max_size=2000),
    _json.map(lambda value: json.dumps(value).encode()),
    _envelopes.map(lambda value: json.dumps(value, ensure_ascii=False).encode()),
    st.tuples(_html, st.sampled_from(["utf-8", "utf-16", "latin-1"])).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")
    ),
    st.text(max_size=3000).map(str.encode),
)
_content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "text/html",
        "text/html; charset=iso-8859-1",
        "text/plain; charset=utf-16",
        "application/octet-stream",
        "text/event-stream",
        "garbage;;;charset=nope",
    ]
)
_retry_values = st.one_of(
    st.text(max_size=20),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats().map(str),
    st.sampled_from(["Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "nan"]),
)


def _headers(
    content_type: str | None, retry_after: str | None, retry_after_ms: str | None
) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in [
        ("content-type", content_type),
        ("retry-after", retry_after),
        ("retry-after-ms", retry_after_ms),
    ]:
        if value is not None and value.isascii() and value.isprintable():
            headers[name] = value
    return headers


@settings(max_examples=500, deadline=None)
@given(
    status=st.integers(min_value=400, max_value=599),
    body=_bodies,
    content_type=_content_types,
    retry_after=st.none() | _retry_values,
    retry_after_ms=st.none() | _retry_values,
)
@pytest.mark.slow
def test_any_error_body_gives_the_class_of_its_status_and_a_short_message(
    status: int,
    body: bytes,
    content_type: str | None,
    retry_after: str | None,
    retry_after_ms: str | None,
) -> None:
    headers = _headers(content_type, retry_after, retry_after_ms)
    response = httpx.Response(status, content=body, headers=headers, request=_REQUEST)
    error = make_status_error(response, now=1_700_000_000.0)
    assert type(error) is status_error_class(status)
    assert error.status_code == status
    assert 0 < len(error.message) <= MAX_MESSAGE_LENGTH
    assert error.message == error.message.strip()
    assert "\n" not in error.message
    assert str(error)  # printable without raising
    retry = getattr(error, "retry_after", None)
    assert retry is None or (math.isfinite(retry) and retry >= 0)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(body=_bodies, content_type=_content_types)
def test_any_200_body_parses_or_is_a_validation_error(
    body: bytes, content_type: str | None
) -> None:
    response = httpx.Response(200, content=body, headers=_headers(content_type, None, None))
    response.request = _REQUEST
    try:
        parse_model(ChatCompletion, response)
    except APIResponseValidationError as exc:
        error = exc
    else:
        return
    assert 0 < len(error.message) <= MAX_MESSAGE_LENGTH
    assert error.response is response
