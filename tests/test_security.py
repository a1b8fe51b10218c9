"""Secrets stay secret: no key in logs or reprs, never sent elsewhere, never in clear by mistake."""

from __future__ import annotations

import logging
import ssl
import warnings

import httpx
import pytest

from tokenclient import (
    APIStatusError,
    AsyncTokenClient,
    AuthenticationError,
    InvalidRequestError,
    TokenClient,
)
from tokenclient._config import InsecureTransportWarning

from .support import KEY, Kind, close, make_client, resolve

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_plain_http_to_a_remote_host_warns(cls: type[TokenClient | AsyncTokenClient]) -> None:
    with pytest.warns(InsecureTransportWarning, match="unencrypted to api.example.com"):
        cls(api_key=KEY, base_url="http://api.example.com/v1")


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v1",
        "http://localhost:8000/v1",
        "http://127.0.0.1:8000/v1",
        "http://127.5.5.5/v1",
        "http://[::1]:8000/v1",
        "http://dev.localhost/v1",
    ],
)
def test_https_and_loopback_do_not_warn(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TokenClient(api_key=KEY, base_url=url).close()


def test_tls_verification_is_on_for_the_clients_own_pool() -> None:
    client = TokenClient(api_key=KEY, base_url="https://api.example.com/v1")
    transport = client._http._transport
    assert isinstance(transport, httpx.HTTPTransport)
    context = transport._pool._ssl_context
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    client.close()


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_redirects_are_not_followed_so_the_key_never_leaves_the_origin(kind: Kind) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(307, headers={"location": "https://evil.example.net/steal"})

    client = make_client(kind, handler)
    with pytest.raises(APIStatusError) as info:
        await resolve(client.models.list())
    assert info.value.status_code == 307
    assert [r.url.host for r in seen] == ["api.example.test"]
    await close(client)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_key_is_absent_from_errors_requests_and_logs(
    kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"message": "Incorrect API key provided."}})

    client = make_client(kind, handler)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as info:
        await resolve(client.models.list())
    error = info.value
    texts = [
        str(error),
        repr(error),
        error.message,
        repr(error.request),
        repr(error.request.headers),
        repr(error.response),
        repr(client),
        str(client),
        caplog.text,
    ]
    for text in texts:
        assert KEY not in text
    # The request did carry it, to the right host.
    assert error.request.headers["authorization"] == f"Bearer {KEY}"
    await close(client)


def test_a_password_in_a_bad_base_url_is_not_echoed() -> None:
    with pytest.raises(InvalidRequestError, match="base_url") as info:
        TokenClient(api_key=KEY, base_url="ftp://bob:hunter2@example.com/v1")
    assert "hunter2" not in str(info.value)
