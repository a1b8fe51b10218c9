"""Streams end to end through a mock transport: chunks, errors, timeouts and connection release.

Each test drives the sync and the async client from one body, on asyncio and trio.
"""

from __future__ import annotations

import gzip
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
    InvalidRequestError,
    ServiceUnavailableError,
    Stream,
    TokenClient,
)
from tokenclient.types import ChatCompletion, ChatCompletionChunk, ChatCompletionMessageParam

from .support import (
    AnyClient,
    Handler,
    Kind,
    ScriptedStream,
    chunk,
    close,
    make_client,
    resolve,
    sse,
)

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
@pytest.mark.parametrize("coding", ["gzip", "identity", None])
async def test_a_content_coded_stream_is_decoded(kind: Kind, coding: str | None) -> None:
    """Plain bodies are read raw (no decoding layer); a coded one still goes through it."""
    plain = b"".join(sse(chunk("Hel"), chunk("lo"), chunk(finish="stop")))
    sent = gzip.compress(plain) if coding == "gzip" else plain
    body = ScriptedStream([sent[i : i + 7] for i in range(0, len(sent), 7)])

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        if coding is not None:
            headers["content-encoding"] = coding
        return httpx.Response(200, headers=headers, stream=body)

    client = make_client(kind, handler)
    stream = await open_stream(client)
    assert await collect(stream) == ["Hel", "lo", ""]
    assert stream.response.is_closed
    await close(client)


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
@pytest.mark.parametrize(
    "event",
    [
        chunk("b", error={"message": "cut off upstream"}),  # a chunk that also carries an error
        {"error": {"message": "cut off upstream"}},  # an error object, not a chunk
        "data: [DONE]\n\n",
    ],
    ids=["chunk-with-error", "error-object", "done"],
)
async def test_one_event_per_piece_keeps_every_rule(kind: Kind, event: object) -> None:
    """Servers send one event per network piece: the fast path must not skip any check."""
    body = ScriptedStream(sse(chunk("a"), event, chunk("c"), done=False))
    client = make_client(kind, streaming(body))
    stream = await open_stream(client)
    got: list[str] = []
    if isinstance(event, str):
        assert await collect(stream, into=got) == ["a"]  # nothing after [DONE]
    else:
        with pytest.raises(APIStreamError, match="cut off upstream"):
            await collect(stream, into=got)
        assert got == ["a"]
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
    assert info.value.__cause__.request is seen[0]  # set, as httpx's own readers do
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


def capped(
    kind: Kind,
    handler: Handler,
    *,
    max_event_bytes: int = 8 << 20,
    max_response_bytes: int = 1 << 20,
) -> AnyClient:
    """A client answering through ``handler`` with the given caps (no retries)."""
    transport = httpx.MockTransport(handler)
    if kind == "sync":
        return TokenClient(
            api_key="k",
            base_url="https://api.example.test/v1",
            max_retries=0,
            http_client=httpx.Client(transport=transport),
            max_event_bytes=max_event_bytes,
            max_response_bytes=max_response_bytes,
        )
    return AsyncTokenClient(
        api_key="k",
        base_url="https://api.example.test/v1",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=transport),
        max_event_bytes=max_event_bytes,
        max_response_bytes=max_response_bytes,
    )


def answering(status: int, body: bytes, content_type: str = "application/json") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"content-type": content_type}, content=body)

    return handler


TOOL_COMPLETION = {
    "id": "chatcmpl-9",
    "object": "chat.completion",
    "created": 5,
    "model": "m",
    "system_fingerprint": "fp",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                    {"id": "b", "type": "function", "function": {"name": "g", "arguments": "[1]"}},
                ],
            },
            "finish_reason": "tool_calls",
        },
        {"index": 1, "message": {"role": "assistant", "content": "two"}, "finish_reason": "stop"},
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


@KINDS
async def test_a_json_completion_answering_a_stream_folds_back_to_itself(kind: Kind) -> None:
    client = make_client(kind, answering(200, json.dumps(TOOL_COMPLETION).encode()))
    stream = await open_stream(client)
    chunks: list[ChatCompletionChunk] = []
    if isinstance(stream, AsyncStream):
        chunks = [c async for c in stream]
        final = await stream.get_final_completion()
    else:
        chunks = list(stream)
        final = stream.get_final_completion()
    assert [c.choices[0].index for c in chunks] == [0, 1]  # one chunk per choice
    assert chunks[0].object == "chat.completion.chunk"
    assert final.model_dump(exclude_none=True) == ChatCompletion.model_validate(
        TOOL_COMPLETION
    ).model_dump(exclude_none=True)
    await close(client)


@KINDS
async def test_a_json_error_answering_a_stream_is_a_stream_error(kind: Kind) -> None:
    body = b'{"error": {"message": "model overloaded", "code": "busy"}}'
    client = make_client(kind, answering(200, body))
    stream = await open_stream(client)
    with pytest.raises(APIStreamError, match="model overloaded") as info:
        await collect(stream)
    assert info.value.code == "busy"
    await close(client)


@KINDS
async def test_a_json_answer_past_max_event_bytes_is_refused(kind: Kind) -> None:
    body = json.dumps({**TOOL_COMPLETION, "pad": "x" * 2000}).encode()
    client = capped(kind, answering(200, body), max_event_bytes=1000)
    stream = await open_stream(client)
    with pytest.raises(APIResponseValidationError, match="max_event_bytes=1000"):
        await collect(stream)
    assert is_closed(stream)
    await close(client)


@KINDS
async def test_max_event_bytes_reaches_the_stream(kind: Kind) -> None:
    client = capped(kind, streaming(ScriptedStream(sse(chunk("x" * 500)))), max_event_bytes=400)
    stream = await open_stream(client)
    with pytest.raises(APIResponseValidationError, match="max_event_bytes=400"):
        await collect(stream)
    assert is_closed(stream)
    await close(client)


@KINDS
async def test_max_response_bytes_caps_a_plain_body(kind: Kind) -> None:
    body = json.dumps({"object": "list", "data": [], "pad": "x" * 5000}).encode()
    client = capped(kind, answering(200, body), max_response_bytes=4096)
    with pytest.raises(APIResponseValidationError, match="max_response_bytes=4096"):
        await resolve(client.models.list())
    await close(client)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("max_response_bytes", 0),
        ("max_response_bytes", 1.5),
        ("max_event_bytes", -1),
        ("max_event_bytes", True),
        ("attempt_timeout", 0),
    ],
)
def test_caps_are_checked_when_the_client_is_made(argument: str, value: object) -> None:
    with pytest.raises(InvalidRequestError, match=f"^{argument}: expected a positive"):
        TokenClient(api_key="k", base_url="http://127.0.0.1:1", **{argument: value})  # type: ignore[arg-type]  # wrong on purpose
