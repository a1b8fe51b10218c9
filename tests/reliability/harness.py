"""Helpers shared by the reliability tests: clients with short timeouts, streams, leak checks.

One test body drives the sync and the async client (``kind``); the async one runs on asyncio
and trio. Retry sleeps are recorded, not slept, so retries cost only their timeouts.
"""

from __future__ import annotations

import aiohttp
import anyio
import anyio.lowlevel
import httpx
from httpx_aiohttp import AiohttpTransport

from tokenclient import AsyncStream, AsyncTokenClient, Stream, TokenClient
from tokenclient._backends import HttpBackend
from tokenclient.types import ChatCompletionMessageParam
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk

from ..support import AnyClient, Kind, resolve
from .faultserver import FaultServer
from .soak import open_fds

__all__ = [
    "FD_TOLERANCE",
    "KEY",
    "SLACK",
    "AnyStream",
    "assert_pool_has_no_active_connection",
    "assert_settled",
    "client_of",
    "create",
    "open_fds",
    "open_stream",
    "pool_connections",
    "read_into",
    "retry_sleeps",
    "still_works",
]

KEY = "sk-reliability-5f0c1d2e3a4b"
"""A distinctive key, so a leak anywhere is easy to find."""

SLACK = 3.0
"""Seconds added to every elapsed-time bound: generous for a loaded 2-core machine."""

FD_TOLERANCE = 2
"""File descriptors a scenario may leave beyond its starting count (lazy runtime internals)."""

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]
AnyStream = Stream[ChatCompletionChunk] | AsyncStream[ChatCompletionChunk]

_sleeps: dict[int, list[float]] = {}

HTTP_BACKEND: HttpBackend = "httpx"
"""The async clients' ``http_backend``; a test module parametrizing ``mode`` over ``aiohttp``
sets it for the test (see ``tests/reliability/conftest.py``)."""


def client_of(
    kind: Kind,
    base_url: str,
    *,
    max_retries: int = 2,
    timeout: float | httpx.Timeout = 0.5,
    stream_idle_timeout: float | None = None,
    max_concurrency: int | None = 1,
) -> AnyClient:
    """A real client (its own pool) of ``kind`` whose retry sleeps are recorded, not slept.

    ``max_concurrency=1`` makes a leaked limiter slot visible: see ``assert_settled``.
    """
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await anyio.lowlevel.checkpoint()

    client: AnyClient
    if kind == "sync":
        client = TokenClient(
            api_key=KEY,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            max_concurrency=max_concurrency,
        )
        client._runtime.sleep = sleep
    else:
        client = AsyncTokenClient(
            api_key=KEY,
            base_url=base_url,
            max_retries=max_retries,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            max_concurrency=max_concurrency,
            http_backend=HTTP_BACKEND,
        )
        client._runtime.async_sleep = async_sleep
    client._runtime.random = lambda: 0.0
    _sleeps[id(client)] = sleeps
    return client


def retry_sleeps(client: AnyClient) -> list[float]:
    """The retry delays ``client`` would have slept, in order."""
    return _sleeps[id(client)]


async def create(client: AnyClient, model: str) -> ChatCompletion:
    """A plain ``chat.completions.create`` on either kind of client."""
    if isinstance(client, AsyncTokenClient):
        return await client.chat.completions.create(model=model, messages=HELLO)
    return client.chat.completions.create(model=model, messages=HELLO)


async def open_stream(client: AnyClient, model: str) -> AnyStream:
    """``chat.completions.create(stream=True)`` on either kind of client."""
    if isinstance(client, AsyncTokenClient):
        return await client.chat.completions.create(model=model, messages=HELLO, stream=True)
    return client.chat.completions.create(model=model, messages=HELLO, stream=True)


async def read_into(stream: AnyStream, into: list[str]) -> None:
    """Append the content of every chunk to ``into`` (kept when the stream raises midway)."""
    if isinstance(stream, Stream):
        for chunk in stream:
            into.append(chunk.choices[0].delta.content or "")
    else:
        async for chunk in stream:
            into.append(chunk.choices[0].delta.content or "")


def pool_connections(client: AnyClient) -> list[object]:
    """The connections in ``client``'s pool (idle or busy): httpcore's, or aiohttp's."""
    transport = client._http._transport
    if isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport):
        return [*transport._pool.connections]
    idle, busy = _aiohttp_pool(transport)
    return [*idle, *busy]


def _aiohttp_pool(transport: object) -> tuple[list[object], list[object]]:
    """The idle and the busy connections of the aiohttp backend's connector."""
    assert isinstance(transport, AiohttpTransport), transport
    session = transport.client
    if not isinstance(session, aiohttp.ClientSession) or session.closed:
        return [], []  # no request yet, or closed
    connector = session.connector
    assert isinstance(connector, aiohttp.BaseConnector)
    idle: list[object] = [protocol for queue in connector._conns.values() for protocol, _ in queue]
    return idle, [*connector._acquired]


def assert_pool_has_no_active_connection(client: AnyClient) -> None:
    """Every connection left in the pool is idle: nothing is still being read."""
    transport = client._http._transport
    busy: list[object]
    if isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport):
        busy = [c for c in transport._pool.connections if not c.is_idle()]
    else:
        busy = _aiohttp_pool(transport)[1]
    assert busy == [], busy


async def still_works(client: AnyClient) -> None:
    """A plain request and a full stream both succeed on ``client`` after a fault."""
    completion = await create(client, "ok")
    assert completion.choices[0].message.content == "Hello there"
    pieces: list[str] = []
    await read_into(await open_stream(client, "ok"), pieces)
    assert "".join(pieces) == "Hello there"


def _slots_free(client: AnyClient) -> bool:
    slots = client._requester.limiter._slots
    return slots is None or slots.value == client._requester.limiter.max_concurrency


async def assert_settled(
    client: AnyClient, server: FaultServer, fds_before: int, *, owner: AnyClient | None = None
) -> None:
    """After a fault: the client still works, then closes leaving nothing open anywhere.

    Checks the limiter slot came back, no pooled connection is busy, the server saw every
    connection closed once the client was closed, and the process is back to ``fds_before``
    file descriptors (within ``FD_TOLERANCE``).
    """
    assert _slots_free(client), "a limiter slot leaked"
    assert_pool_has_no_active_connection(client)
    await still_works(client)
    assert _slots_free(client), "a limiter slot leaked"
    await resolve((owner or client).close())
    assert pool_connections(client) == []
    assert server.wait_closed(), f"{server.open_connections} connections still open"
    for _ in range(500):  # at most ~5 s for sockets the server's threads are still closing
        if open_fds() <= fds_before + FD_TOLERANCE:
            break
        await anyio.sleep(0.01)
    assert open_fds() <= fds_before + FD_TOLERANCE, (open_fds(), fds_before)
