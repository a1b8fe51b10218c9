"""The send loops: what is retried, how long it waits, what is raised; sync and async."""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest

from tokenclient import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncTokenClient,
    RateLimitError,
    ServiceUnavailableError,
)

from .support import BASE_URL, KEY, Kind, close, make_client, resolve, scripted

OK: dict[str, object] = {"object": "list", "data": []}
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"error": {"message": f"status {code}"}}, headers=headers)


pytestmark = pytest.mark.anyio


@KINDS
async def test_5xx_is_retried_with_backoff_then_succeeds(kind: Kind) -> None:
    seen, handler = scripted(status(503), status(502), httpx.Response(200, json=OK))
    delays: list[float] = []
    client = make_client(kind, handler, delays=delays)
    await resolve(client.models.list())
    assert len(seen) == 3
    assert delays == [0.5, 1.0]
    await close(client)


@KINDS
async def test_retries_give_up_after_max_retries(kind: Kind) -> None:
    seen, handler = scripted(status(503))
    delays: list[float] = []
    client = make_client(kind, handler, delays=delays)
    with pytest.raises(ServiceUnavailableError):
        await resolve(client.models.list())
    assert len(seen) == 3
    assert delays == [0.5, 1.0]
    await close(client)


@KINDS
@pytest.mark.parametrize("code", [400, 401, 402, 403, 404, 422])
async def test_client_errors_are_sent_once(kind: Kind, code: int) -> None:
    seen, handler = scripted(status(code))
    client = make_client(kind, handler)
    with pytest.raises(APIStatusError) as info:
        await resolve(client.models.list())
    assert info.value.status_code == code
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_max_retries_zero_sends_once(kind: Kind) -> None:
    seen, handler = scripted(status(500))
    client = make_client(kind, handler, max_retries=0)
    with pytest.raises(Exception, match="500"):
        await resolve(client.models.list())
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_retry_after_is_honoured(kind: Kind) -> None:
    seen, handler = scripted(status(429, **{"retry-after": "2"}), httpx.Response(200, json=OK))
    delays: list[float] = []
    client = make_client(kind, handler, delays=delays)
    await resolve(client.models.list())
    assert delays == [2.0]
    assert len(seen) == 2
    await close(client)


@KINDS
async def test_long_retry_after_is_raised_at_once(kind: Kind) -> None:
    seen, handler = scripted(status(429, **{"retry-after": "120"}))
    delays: list[float] = []
    client = make_client(kind, handler, delays=delays)
    with pytest.raises(RateLimitError) as info:
        await resolve(client.models.list())
    assert info.value.retry_after == 120.0
    assert len(seen) == 1
    assert delays == []
    await close(client)


@KINDS
async def test_x_should_retry_false_stops_a_5xx(kind: Kind) -> None:
    seen, handler = scripted(status(503, **{"x-should-retry": "false"}))
    client = make_client(kind, handler)
    with pytest.raises(ServiceUnavailableError):
        await resolve(client.models.list())
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_x_should_retry_true_retries_a_4xx(kind: Kind) -> None:
    seen, handler = scripted(
        status(400, **{"x-should-retry": "true"}), httpx.Response(200, json=OK)
    )
    client = make_client(kind, handler)
    await resolve(client.models.list())
    assert len(seen) == 2
    await close(client)


@KINDS
async def test_connection_errors_become_api_connection_error(kind: Kind) -> None:
    cause = httpx.ConnectError("[Errno 111] Connection refused")
    seen, handler = scripted(cause)
    client = make_client(kind, handler)
    with pytest.raises(APIConnectionError) as info:
        await resolve(client.models.list())
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.__cause__ is cause
    assert info.value.request.url.path == "/api/v1/models"
    assert len(seen) == 3
    await close(client)


@KINDS
async def test_timeouts_become_api_timeout_error(kind: Kind) -> None:
    cause = httpx.ReadTimeout("timed out")
    seen, handler = scripted(cause, cause, httpx.Response(200, json=OK))
    client = make_client(kind, handler)
    await resolve(client.models.list())  # recovered on the third attempt
    assert len(seen) == 3
    seen2, handler2 = scripted(cause)
    client2 = make_client(kind, handler2, max_retries=1)
    with pytest.raises(APITimeoutError) as info:
        await resolve(client2.models.list())
    assert info.value.__cause__ is cause
    assert len(seen2) == 2
    await close(client)
    await close(client2)


@KINDS
async def test_invalid_success_body_is_not_retried(kind: Kind) -> None:
    seen, handler = scripted(httpx.Response(200, content=b"<html>maintenance</html>"))
    client = make_client(kind, handler)
    with pytest.raises(APIResponseValidationError):
        await resolve(client.models.list())
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_keyboard_interrupt_passes_through_untouched(kind: Kind) -> None:
    seen, handler = scripted(KeyboardInterrupt())
    client = make_client(kind, handler)
    with pytest.raises(KeyboardInterrupt):
        await resolve(client.models.list())
    assert len(seen) == 1
    await close(client)


@KINDS
async def test_bugs_are_not_retried_or_wrapped(kind: Kind) -> None:
    seen, handler = scripted(RuntimeError("bug in a transport"))
    client = make_client(kind, handler)
    with pytest.raises(RuntimeError, match="bug in a transport"):
        await resolve(client.models.list())
    assert len(seen) == 1
    await close(client)


async def test_cancellation_is_not_retried() -> None:
    attempts = 0

    async def hang(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    http = httpx.AsyncClient(transport=httpx.MockTransport(hang))
    client = AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=http)
    with anyio.move_on_after(0.05) as scope:
        await client.models.list()
    assert scope.cancelled_caught
    assert attempts == 1
    await http.aclose()


async def test_cancellation_during_the_retry_sleep_stops_retrying() -> None:
    seen, handler = scripted(status(503))
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=http)
    client._runtime.random = lambda: 0.0
    with anyio.move_on_after(0.2) as scope:
        await client.models.list()  # first retry sleeps 0.5 s: cancelled during it
    assert scope.cancelled_caught
    assert len(seen) == 1
    await http.aclose()


@KINDS
async def test_attempts_and_decisions_are_logged_without_secrets(
    kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    seen, handler = scripted(status(503), httpx.Response(200, json=OK))
    client = make_client(kind, handler, default_headers={"X-Secret-Header": "hush"})
    with caplog.at_level(logging.DEBUG, logger="tokenclient"):
        await resolve(client.models.list())
    messages = [r.getMessage() for r in caplog.records if r.name == "tokenclient"]
    assert "GET /api/v1/models attempt=1" in messages
    assert "GET /api/v1/models -> 503" in messages
    assert any("attempt=1 failed (status 503); retrying in 0.50s" in m for m in messages)
    assert "GET /api/v1/models attempt=2" in messages
    everything = caplog.text
    assert KEY not in everything
    assert "hush" not in everything
    assert "Bearer" not in everything
    assert len(seen) == 2
    await close(client)
