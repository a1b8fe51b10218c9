"""Streams end to end through a mock transport: chunks, errors, timeouts and connection release.

Each test drives the sync and the async client from one body, on asyncio and trio.
"""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from tokenclient import (
    APIConnectionError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    AsyncStream,
    AsyncTokenClient,
    ServiceUnavailableError,
    Stream,
)
from tokenclient.types import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam

from .support import AnyClient, Handler, Kind, ScriptedStream, chunk, close, make_client, sse

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]
AnyStream = Stream[ChatCompletionChunk] | AsyncStream[ChatCompletionChunk]


def streaming(body: ScriptedStream, seen: list[httpx.Request] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        headers = {"content-type": "text/event-stream", "x-request-id": "req_stream"}
        return httpx.Response(200, headers=headers, stream=body)

    return handler


async def open_stream(client: AnyClient) -> AnyStream:
    if isinstance(client, AsyncTokenClient):
        return await client.chat.completions.create(
            model="qwen3-8b", messages=MESSAGES, stream=True
        )
    return client.chat.completions.create(model="qwen3-8b", messages=MESSAGES, stream=True)


async def collect(
    stream: AnyStream, limit: int | None = None, into: list[str] | None = None
) -> list[str]:
    """The content deltas, up to ``limit`` chunks (appended to ``into`` as they arrive)."""
    out: list[str] = [] if into is None else into
    if isinstance(stream, AsyncStream):
        async for c in stream:
            out.append(c.choices[0].delta.content or "" if c.choices else "")
            if limit is not None and len(out) >= limit:
                break
    else:
        for c in stream:
            out.append(c.choices[0].delta.content or "" if c.choices else "")
            if limit is not None and len(out) >= limit:
                break
    return out


def is_closed(stream: AnyStream) -> bool:
    return stream.response.is_closed


async def close_stream(stream: AnyStream) -> None:
    if isinstance(stream, AsyncStream):
        await stream.close()
    else:
        stream.close()


@KINDS
async def test_chunks_arrive_in_order_and_the_connection_is_released(kind: Kind) -> None:
    usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    body = ScriptedStream(
        sse(
            chunk("Hel"),
            ": ping\n\n",
            chunk("lo"),
            chunk(finish="stop"),
            {**chunk(), "choices": [], "usage": usage},
        )
    )
    seen: list[httpx.Request] = []
    client = make_client(kind, streaming(body, seen))
    stream = await open_stream(client)
    assert stream.response.headers["x-request-id"] == "req_stream"
    assert await collect(stream) == ["Hel", "lo", "", ""]
    assert stream.response.is_closed
    assert body.closed
    request = seen[0]
    assert json.loads(request.content)["stream"] is True
    assert request.headers["accept"] == "text/event-stream"
    final = await _final(stream)
    assert final.choices[0].message.content == "Hello"
    assert final.choices[0].finish_reason == "stop"
    assert final.usage is not None
    assert final.usage.total_tokens == 10
    await close(client)


async def _final(stream: AnyStream) -> ChatCompletion:
    if isinstance(stream, AsyncStream):
        return await stream.get_final_completion()
    return stream.get_final_completion()


@KINDS
async def test_get_final_completion_consumes_the_rest(kind: Kind) -> None:
    body = ScriptedStream(sse(chunk("a"), chunk("b"), chunk("c", finish="length")))
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    assert await collect(stream, limit=1) == ["a"]
    final = await _final(stream)
    assert final.choices[0].message.content == "abc"
    assert final.choices[0].finish_reason == "length"
    assert final.id == "chatcmpl-1"
    assert stream.response.is_closed
    await close(client)


@KINDS
async def test_error_event_raises_after_the_chunks_before_it(kind: Kind) -> None:
    error = {
        "error": {
            "message": "upstream overloaded",
            "type": "server_error",
            "code": 503,
            "param": None,
        }
    }
    # The error arrives in the same network read as the chunks before it.
    body = ScriptedStream([b"".join(sse(chunk("a"), chunk("b"), error, done=False))])
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    got: list[str] = []
    with pytest.raises(APIStreamError) as info:
        await collect(stream, into=got)
    assert got == ["a", "b"]
    assert info.value.message == "upstream overloaded"
    assert info.value.type == "server_error"
    assert info.value.code == 503
    assert stream.response.is_closed
    await close(client)


@KINDS
async def test_named_error_event(kind: Kind) -> None:
    body = ScriptedStream(
        sse(chunk("a"), 'event: error\ndata: {"message": "quota"}\n\n', done=False)
    )
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    with pytest.raises(APIStreamError, match="quota"):
        await collect(stream)
    await close(client)


@KINDS
async def test_dropped_connection_mid_stream_is_not_retried(kind: Kind) -> None:
    body = ScriptedStream(
        sse(chunk("a"), done=False), error=httpx.RemoteProtocolError("peer closed")
    )
    seen: list[httpx.Request] = []
    client = make_client(kind, streaming(body, seen))
    stream = await open_stream(client)
    got: list[str] = []
    with pytest.raises(APIConnectionError) as info:
        await collect(stream, into=got)
    assert got == ["a"]
    assert isinstance(info.value.__cause__, httpx.RemoteProtocolError)
    assert len(seen) == 1
    assert stream.response.is_closed
    await close(client)


@KINDS
async def test_read_timeout_mid_stream(kind: Kind) -> None:
    body = ScriptedStream(sse(chunk("a"), done=False), error=httpx.ReadTimeout("stalled"))
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    with pytest.raises(APITimeoutError):
        await collect(stream)
    assert stream.response.is_closed
    await close(client)


@KINDS
async def test_keepalive_pings_do_not_reset_the_idle_timeout(kind: Kind) -> None:
    now = [100.0]

    def tick(index: int) -> None:
        now[0] += 10.0  # every network read takes 10 s

    body = ScriptedStream(sse(chunk("a"), *[": ping\n\n"] * 20), on_piece=tick)
    seen: list[httpx.Request] = []
    client = make_client(kind, streaming(body, seen), stream_idle_timeout=25.0)
    client._runtime.monotonic = lambda: now[0]
    stream = await open_stream(client)
    with pytest.raises(APITimeoutError, match="stream_idle_timeout=25s"):
        await collect(stream)
    assert body.sent == 4  # the chunk, then pings at +10, +20, +30 s: over 25 s without data
    assert stream.response.is_closed
    # No single read may wait longer than the idle timeout either.
    assert seen[0].extensions["timeout"]["read"] == 25.0
    await close(client)


@KINDS
async def test_break_then_close_releases_the_connection(kind: Kind) -> None:
    body = ScriptedStream(sse(*[chunk(str(i)) for i in range(100)]))
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    assert await collect(stream, limit=2) == ["0", "1"]
    assert not is_closed(stream)
    await close_stream(stream)
    assert stream.response.is_closed
    assert body.closed
    assert await collect(stream) == []  # a closed stream yields nothing more
    await close(client)


async def test_leaving_with_releases_the_connection() -> None:
    for kind in ("sync", "async"):
        body = ScriptedStream(sse(*[chunk(str(i)) for i in range(100)]))
        client = make_client(kind, streaming(body))
        stream = await open_stream(client)
        if isinstance(stream, AsyncStream):
            async with stream:
                async for _ in stream:
                    break
        else:
            with stream:
                for _ in stream:
                    break
        assert stream.response.is_closed
        assert body.closed
        await close(client)


async def test_cancellation_releases_the_connection() -> None:
    body = ScriptedStream(sse(chunk("a"), done=False), hang=True)
    client = make_client("async", streaming(body))
    stream = await open_stream(client)
    with anyio.move_on_after(0.1) as scope:
        await collect(stream)
    assert scope.cancelled_caught
    assert stream.response.is_closed
    assert body.closed
    await close(client)


@KINDS
async def test_status_errors_before_the_stream_are_raised_by_create_and_retried(kind: Kind) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, json={"error": {"message": "busy"}})
        return httpx.Response(200, stream=ScriptedStream(sse(chunk("ok"))))

    client = make_client(kind, handler)
    stream = await open_stream(client)
    assert await collect(stream) == ["ok"]
    assert len(calls) == 2
    client2 = make_client(
        kind, lambda r: httpx.Response(503, json={"error": {"message": "busy"}}), max_retries=0
    )
    with pytest.raises(ServiceUnavailableError):
        await open_stream(client2)
    await close(client)
    await close(client2)


@KINDS
async def test_stream_without_done_ends_cleanly(kind: Kind) -> None:
    body = ScriptedStream(
        [b"data: " + json.dumps(chunk("x")).encode() + b"\n"]
    )  # no blank line either
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    assert await collect(stream) == ["x"]
    assert stream.response.is_closed
    await close(client)


@KINDS
async def test_malformed_chunk_is_a_validation_error(kind: Kind) -> None:
    body = ScriptedStream(sse(chunk("a"), "data: {not json\n\n"))
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    with pytest.raises(APIResponseValidationError, match="ChatCompletionChunk"):
        await collect(stream)
    assert stream.response.is_closed
    await close(client)


def test_stream_classes_are_exported() -> None:
    import tokenclient

    assert tokenclient.Stream is Stream
    assert tokenclient.AsyncStream is AsyncStream
