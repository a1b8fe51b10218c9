"""No leaks over real sockets: pooled connections are reused, and every early exit closes.

A fully read stream returns its connection to the pool; a stream left early (``close()``,
leaving ``with``, a cancel scope) closes its connection at once, which the server sees.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import anyio
import pytest

from tokenclient import AsyncTokenClient, Stream

from ..support import Kind
from .conftest import MODES_WITH_AIOHTTP
from .faultserver import FaultServer
from .harness import (
    SLACK,
    assert_pool_has_no_active_connection,
    assert_settled,
    client_of,
    create,
    open_fds,
    open_stream,
    pool_connections,
    read_into,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(params=MODES_WITH_AIOHTTP)
def mode(request: pytest.FixtureRequest) -> str:
    """Every mode of ``conftest.py``, and the async client on the aiohttp backend."""
    return str(request.param)


ASYNC_ONLY = pytest.mark.parametrize("mode", ["asyncio", "trio", "aiohttp"])


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A fresh fault server per test, so its counters are exact."""
    with FaultServer() as running:
        yield running


async def test_sequential_requests_and_streams_reuse_one_connection(
    kind: Kind, server: FaultServer
) -> None:
    fds = open_fds()
    client = client_of(kind, server.url, timeout=5.0)
    for _ in range(20):
        pieces: list[str] = []
        await read_into(await open_stream(client, "ok"), pieces)
        assert "".join(pieces) == "Hello there"
        await create(client, "ok")
    assert server.attempts("ok") == 40
    # A keep-alive connection can be closed by a race at most once in a while; never 40 times.
    assert server.connections <= 2
    assert len(pool_connections(client)) <= 2
    assert_pool_has_no_active_connection(client)
    await assert_settled(client, server, fds)


@pytest.mark.parametrize("how", ["close", "with"])
async def test_a_stream_left_early_closes_its_connection_at_once(
    kind: Kind, how: str, server: FaultServer
) -> None:
    fds = open_fds()
    client = client_of(kind, server.url, timeout=10.0)
    stream = await open_stream(client, "stall")  # the server would hold it open for 20 s
    start = time.monotonic()
    if isinstance(stream, Stream):
        if how == "close":
            first = next(stream)
            stream.close()
        else:
            with stream:
                first = next(stream)
    elif how == "close":
        first = await stream.__anext__()
        await stream.close()
    else:
        async with stream:
            first = await stream.__anext__()
    assert first.choices[0].delta.content == "Hel"
    assert pool_connections(client) == []  # closed, not parked in the pool half-read
    assert server.wait_closed(), "the server still sees the connection open"
    assert time.monotonic() - start < SLACK  # not the 10 s read timeout
    assert server.attempts("stall") == 1
    await assert_settled(client, server, fds)


@ASYNC_ONLY
async def test_a_stream_cancelled_from_a_cancel_scope_closes_its_connection(
    server: FaultServer,
) -> None:
    fds = open_fds()
    client = client_of("async", server.url, timeout=10.0)
    assert isinstance(client, AsyncTokenClient)
    got: list[str] = []
    start = time.monotonic()
    with anyio.move_on_after(0.3) as scope:
        await read_into(await open_stream(client, "stall"), got)
    assert scope.cancelled_caught
    assert got == ["Hel", "lo "]
    assert pool_connections(client) == []
    assert server.wait_closed(), "the server still sees the connection open"
    assert time.monotonic() - start < 0.3 + SLACK
    assert server.attempts("stall") == 1
    await assert_settled(client, server, fds)


@ASYNC_ONLY
async def test_a_request_cancelled_before_its_response_closes_its_connection(
    server: FaultServer,
) -> None:
    fds = open_fds()
    client = client_of("async", server.url, timeout=10.0)
    with anyio.move_on_after(0.3) as scope:
        await create(client, "slow-headers")
    assert scope.cancelled_caught
    assert server.attempts("slow-headers") == 1  # cancellation is never retried
    assert pool_connections(client) == []
    assert server.wait_closed(), "the server still sees the connection open"
    await assert_settled(client, server, fds)
