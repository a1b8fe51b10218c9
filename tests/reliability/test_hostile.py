"""Hostile servers (issue 12): huge events, gzip bombs, deep JSON, trickles, empty streams.

Each case runs over a real loopback socket. Where memory is the point the client runs in a
subprocess under an address-space limit (``limited_client.py``), so an unbounded buffer shows
as a ``MemoryError`` there instead of exhausting this machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import aiohttp
import pytest
from httpx_aiohttp import AiohttpTransport

from tokenclient import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    AsyncTokenClient,
    BadRequestError,
    ConfigurationError,
    TokenClient,
)

from ..support import AnyClient, Kind, resolve
from . import harness
from .conftest import MODES_WITH_AIOHTTP
from .harness import HELLO, KEY, SLACK, open_stream, read_into
from .hostile import (
    HostileServer,
    Send,
    chunked,
    completion_body,
    deep_json,
    gzip_bomb,
    head,
    sse_event,
    trickle,
)

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MB = 400
"""Address space of the limited client: about 350 MB above what it needs to run."""

SSE = {"content_type": "text/event-stream", "transfer_encoding": "chunked"}


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[Send], None]], HostileServer]]:
    """Start a ``HostileServer`` for the test; all are closed at its end."""
    servers: list[HostileServer] = []

    def start(respond: Callable[[Send], None]) -> HostileServer:
        server = HostileServer(respond).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def limited(
    url: str, kind: Kind, action: str, *, max_response_bytes: int = 64 << 20
) -> dict[str, object]:
    """Run one call in a subprocess limited to ``LIMIT_MB`` of address space."""
    args = {
        "url": url,
        "kind": kind,
        "action": action,
        "limit_mb": LIMIT_MB,
        "max_response_bytes": max_response_bytes,
    }
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("limited_client.py")), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return cast("dict[str, object]", json.loads(done.stdout.strip().splitlines()[-1]))


def assert_typed(result: dict[str, object], name: str, *, max_rss_mb: int) -> None:
    """The call failed with the ``APIError`` subclass ``name`` and peak RSS under the bound.

    The client needs about 60 MB to run at all; the bounds leave room for the cap and for
    httpx decoding one network read of a gzip bomb (up to about 64 MB) at once.
    """
    assert result["error"] == name, result
    assert "APIError" in cast("list[str]", result["bases"]), result
    # The client alone needs about 60 MB; the bugs these bounds guard against took 860 MB-2 GB.
    assert int(str(result["max_rss_mb"])) < max_rss_mb, result


def client_of(
    kind: Kind, url: str, *, attempt_timeout: float | None = None, timeout: float = 0.5
) -> AnyClient:
    """A client with no retries and short timeouts."""
    if kind == "sync":
        return TokenClient(
            api_key=KEY,
            base_url=url,
            timeout=timeout,
            max_retries=0,
            attempt_timeout=attempt_timeout,
        )
    return AsyncTokenClient(
        api_key=KEY, base_url=url, timeout=timeout, max_retries=0, attempt_timeout=attempt_timeout
    )


def answer(data: bytes) -> Callable[[Send], None]:
    """A responder that sends ``data`` and stops."""

    def respond(send: Send) -> None:
        send(data)

    return respond


async def create(client: AnyClient) -> object:
    """A plain ``create`` on either kind of client."""
    if isinstance(client, AsyncTokenClient):
        return await client.chat.completions.create(model="m", messages=HELLO)
    return client.chat.completions.create(model="m", messages=HELLO)


# -- 1. one SSE line of 200 MB, or one that never ends --------------------------------------


def endless_line(total: int | None) -> Callable[[Send], None]:
    def respond(send: Send) -> None:
        if not send(head(**SSE) + chunked(sse_event("first")) + chunked(b"data: ")):
            return
        piece = chunked(b"a" * (1 << 20))
        sent = 0
        while (total is None or sent < total) and send(piece):
            sent += 1 << 20
        send(chunked(b"\n\n") + b"0\r\n\r\n")

    return respond


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("total", [200 << 20, None], ids=["200MB", "endless"])
def test_a_huge_sse_line_stops_at_max_event_bytes(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind, total: int | None
) -> None:
    server = serve(endless_line(total))
    result = limited(server.url, kind, "stream")
    assert_typed(result, "APIResponseValidationError", max_rss_mb=120)
    assert "max_event_bytes" in str(result["message"])
    assert result["chunks"] == 1  # the event before the huge line was handed out


# -- 2. gzip bombs ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_gzip_bomb_body_stops_at_max_response_bytes(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    bomb = gzip_bomb()  # 1 GiB of spaces in about 1 MB

    def respond(send: Send) -> None:
        send(
            head(
                content_type="application/json",
                content_encoding="gzip",
                content_length=str(len(bomb)),
            )
            + bomb
        )

    server = serve(respond)
    result = limited(server.url, kind, "create", max_response_bytes=16 << 20)
    assert_typed(result, "APIResponseValidationError", max_rss_mb=250)
    assert "max_response_bytes=16777216" in str(result["message"])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_gzip_bomb_stream_stops_at_max_event_bytes(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    bomb = gzip_bomb(b"data: ")  # one SSE line of 1 GiB

    def respond(send: Send) -> None:
        headers = head(
            content_type="text/event-stream",
            content_encoding="gzip",
            content_length=str(len(bomb)),
        )
        send(headers + bomb)

    server = serve(respond)
    result = limited(server.url, kind, "stream")
    assert_typed(result, "APIResponseValidationError", max_rss_mb=250)
    assert "max_event_bytes" in str(result["message"])


# -- 3. JSON nested 100k deep ----------------------------------------------------------------


def fixed(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    return head(status, content_type=content_type, content_length=str(len(body))) + body


async def test_deep_json_in_a_success_body_is_a_validation_error(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    server = serve(answer(fixed("200 OK", deep_json())))
    client = client_of(kind, server.url)
    with pytest.raises(APIResponseValidationError) as info:
        await create(client)
    assert len(info.value.message) <= 300
    await resolve(client.close())


async def test_deep_json_in_an_error_body_is_the_status_error(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    body = deep_json(key="error")
    server = serve(answer(fixed("400 Bad Request", body)))
    client = client_of(kind, server.url)
    with pytest.raises(BadRequestError) as info:
        await create(client)
    assert len(info.value.message) <= 300
    await resolve(client.close())


@pytest.mark.parametrize("event", [b"", b"event: error\n"], ids=["data", "error-event"])
async def test_deep_json_in_a_stream_event_is_typed(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind, event: bytes
) -> None:
    payload = event + b"data: " + deep_json(key="error") + b"\n\n"

    def respond(send: Send) -> None:
        send(head(**SSE) + chunked(sse_event("Hi")) + chunked(payload) + b"0\r\n\r\n")

    server = serve(respond)
    client = client_of(kind, server.url)
    got: list[str] = []
    with pytest.raises((APIResponseValidationError, APIStreamError)) as info:
        await read_into(await open_stream(client, "m"), got)
    assert got == ["Hi"]
    assert len(info.value.message) <= 300
    await resolve(client.close())


# -- 4. trickles -----------------------------------------------------------------------------

PADDING = "x" * 2000
"""A header long enough that trickling it takes 40 s at 20 ms a byte."""


def trickled_headers(send: Send) -> None:
    body = completion_body()
    response = fixed("200 OK", body).replace(
        b"\r\n\r\n", f"\r\nx-pad: {PADDING}\r\n\r\n".encode(), 1
    )
    trickle(send, response, 0.02)


def trickled_body(send: Send) -> None:
    body = completion_body() + b" " * 2000
    response = fixed("200 OK", body)
    header_end = response.index(b"\r\n\r\n") + 4
    if send(response[:header_end]):
        trickle(send, response[header_end:], 0.02)


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("sync", id="sync"),
        "asyncio",
        "trio",
    ],
)
async def test_a_trickled_body_is_bounded_by_attempt_timeout(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    server = serve(trickled_body)
    client = client_of(kind, server.url, attempt_timeout=0.3)
    start = time.monotonic()
    with pytest.raises(APITimeoutError):
        await create(client)
    assert time.monotonic() - start < 0.3 + 0.5 + SLACK  # the deadline plus one read at most
    await resolve(client.close())


async def test_trickled_headers_are_bounded_by_attempt_timeout(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    server = serve(trickled_headers)
    client = client_of(kind, server.url, attempt_timeout=0.3)
    start = time.monotonic()
    with pytest.raises(APITimeoutError, match="AttemptTimeout"):
        await create(client)
    assert time.monotonic() - start < 0.3 + SLACK
    await resolve(client.close())


async def test_attempt_timeout_shortens_a_longer_read_timeout(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    def silent(send: Send) -> None:  # the headers never come; stop once the client is gone
        while send(b""):
            time.sleep(0.02)

    server = serve(silent)
    client = client_of(kind, server.url, attempt_timeout=0.3, timeout=10.0)
    start = time.monotonic()
    with pytest.raises(APITimeoutError):
        await create(client)
    assert time.monotonic() - start < 2.0  # far below the 10 s read timeout
    await resolve(client.close())


async def test_attempt_timeout_defaults_to_the_read_timeout(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    server = serve(trickled_body)  # every byte inside the 0.3 s read timeout
    client = client_of(kind, server.url, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(APITimeoutError):
        await create(client)
    assert time.monotonic() - start < 0.3 + 0.3 + SLACK
    await resolve(client.close())


async def test_a_stream_outlives_attempt_timeout_while_events_keep_coming(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    def respond(send: Send) -> None:
        if not send(head(**SSE)):
            return
        for piece in ("a", "b", "c", "d"):
            time.sleep(0.1)
            if not send(chunked(sse_event(piece))):
                return
        send(chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")

    server = serve(respond)
    client = client_of(kind, server.url, attempt_timeout=0.2, timeout=0.5)
    got: list[str] = []
    await read_into(await open_stream(client, "m"), got)  # 0.4 s: past the attempt deadline
    assert got == ["a", "b", "c", "d"]
    await resolve(client.close())


# -- 5. a long stream whose chunks are discarded --------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_the_fold_of_a_long_stream_is_bounded_by_max_response_bytes(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    event = sse_event("z" * 8192)
    batch = chunked(event * 64)  # 512 KiB of content per write

    def respond(send: Send) -> None:
        if not send(head(**SSE)):
            return
        for _ in range(400):  # 200 MiB of content
            if not send(batch):
                return
        send(chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")

    server = serve(respond)
    result = limited(server.url, kind, "final", max_response_bytes=16 << 20)
    assert_typed(result, "APIResponseValidationError", max_rss_mb=120)
    assert "max_response_bytes" in str(result["message"])
    assert result["chunks"] == 400 * 64  # every chunk was read; only the fold gave up


# -- 6. empty streams and a JSON answer to a stream request ----------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        head(**SSE) + chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n",
        head("204 No Content"),
    ],
    ids=["done-only", "204"],
)
async def test_an_empty_stream_has_no_final_completion(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind, reply: bytes
) -> None:
    server = serve(answer(reply))
    client = client_of(kind, server.url)
    stream = await open_stream(client, "m")
    with pytest.raises(APIResponseValidationError, match="without a single chunk"):
        await resolve(stream.get_final_completion())
    await resolve(client.close())


async def test_a_json_answer_to_a_stream_request_comes_as_chunks(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    server = serve(answer(fixed("200 OK", completion_body("Hey"))))
    client = client_of(kind, server.url)
    stream = await open_stream(client, "m")
    got: list[str] = []
    await read_into(stream, got)
    assert got == ["Hey"]
    final = await resolve(stream.get_final_completion())
    assert final.choices[0].message.content == "Hey"
    assert final.choices[0].finish_reason == "stop"
    assert final.usage is not None
    assert final.usage.total_tokens == 3
    await resolve(client.close())


async def test_a_json_answer_that_is_not_a_completion_is_typed(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind
) -> None:
    server = serve(answer(fixed("200 OK", b'{"status": "queued"}')))
    client = client_of(kind, server.url)
    with pytest.raises(APIError) as info:
        await read_into(await open_stream(client, "m"), [])
    assert isinstance(info.value, APIResponseValidationError)
    assert "not a completion" in str(info.value)
    await resolve(client.close())


# -- 7. a new cookie on every reply -----------------------------------------------------------


@pytest.mark.parametrize("mode", MODES_WITH_AIOHTTP)
async def test_cookies_are_neither_kept_nor_sent(
    serve: Callable[[Callable[[Send], None]], HostileServer], kind: Kind, mode: str
) -> None:
    """A server that sets a new 1 KB cookie on every reply grows no jar and gets none back.

    tokenclient builds its own requests, so httpx never sent a cookie, but it still parsed and
    kept every one, without bound; aiohttp's session kept them and sent them back.
    """
    replies = iter(range(1_000_000))

    def respond(send: Send) -> None:
        body = completion_body()
        cookie = f"c{next(replies)}={'v' * 1024}; Path=/"
        length = str(len(body))
        # One answer per connection here: "connection: close" keeps the client from reusing it.
        headers = {"content_type": "application/json", "content_length": length}
        send(head(**headers, connection="close", set_cookie=cookie) + body)

    server = serve(respond)
    # A name, not an IP address: aiohttp's default jar ignores cookies set by IP addresses.
    url = server.url.replace("127.0.0.1", "localhost")
    client = harness.client_of(kind, url, max_retries=0)
    for _ in range(20):
        await create(client)
    assert len(server.seen) == 20
    assert [seen.headers.get("cookie") for seen in server.seen] == [None] * 20
    http = client._http
    assert len(http.cookies.jar) == 0
    transport = http._transport
    if mode == "aiohttp":
        assert isinstance(transport, AiohttpTransport)
        assert isinstance(transport.client, aiohttp.ClientSession)
        assert len(transport.client.cookie_jar) == 0
    with pytest.raises(ConfigurationError, match="http_client="):
        http.cookies = {"c": "v"}
    await resolve(client.close())
