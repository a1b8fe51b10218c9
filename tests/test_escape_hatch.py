"""``client.get`` / ``client.post``: paths, origins, casts, streams, retries and limits.

Sync and async from one body; the limits tests mirror ``tests/test_limits.py`` for endpoints.
"""

from __future__ import annotations

import json

import anyio
import httpx
import pytest
from pydantic import BaseModel

from tokenclient import (
    APIResponseValidationError,
    AsyncStream,
    AsyncTokenClient,
    InvalidRequestError,
    NotFoundError,
    RateLimitError,
    Stream,
    TokenClient,
)
from tokenclient._limiter import Limiter
from tokenclient.testing import FakeAPI, make_client
from tokenclient.types import ChatCompletionChunk

from .support import (
    BASE_URL,
    KEY,
    AnyClient,
    Kind,
    ScriptedStream,
    chunk,
    close,
    resolve,
    scripted,
    sse,
)
from .support import make_client as make_test_client

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
EMBEDDINGS: dict[str, object] = {
    "object": "list",
    "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
    "model": "text-embedding-3-small",
}


class Embedding(BaseModel):
    index: int
    embedding: list[float]


class Embeddings(BaseModel):
    data: list[Embedding]
    model: str


class Event(BaseModel):
    n: int


def ok(body: object = EMBEDDINGS, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


@KINDS
@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/balance", f"{BASE_URL}/balance"),
        ("balance", f"{BASE_URL}/balance"),
        ("/user/balance?currency=usd", f"{BASE_URL}/user/balance?currency=usd"),
        (f"{BASE_URL}/balance", f"{BASE_URL}/balance"),
        ("https://api.example.test/api/user/balance", "https://api.example.test/api/user/balance"),
        ("https://API.example.test:443/status", "https://api.example.test/status"),
    ],
)
async def test_get_joins_paths_and_sends_the_key(kind: Kind, path: str, url: str) -> None:
    seen, handler = scripted(ok({"balance": 12.5}))
    client = make_test_client(kind, handler, default_headers={"x-app": "demo"})
    got = await resolve(client.get(path, cast_to=dict))
    assert got == {"balance": 12.5}
    assert str(seen[0].url) == url
    assert seen[0].method == "GET"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert seen[0].headers["x-app"] == "demo"
    assert seen[0].content == b""
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("https://evil.test/api/v1/balance", "not base_url's origin"),
        ("http://api.example.test/api/v1/balance", "not base_url's origin"),
        ("https://api.example.test:8443/api/v1/x", "not base_url's origin"),
        ("https://api.example.test.evil.test/x", "not base_url's origin"),
        ("https://user:pw@api.example.test/x", "credentials"),
        ("//evil.test/x", "protocol-relative"),
        ("", "non-empty"),
        ("/a b", "spaces or control characters"),
        ("/a\r\nHost: evil", "control characters"),
    ],
)
async def test_paths_that_could_send_the_key_elsewhere_are_refused(
    kind: Kind, path: str, message: str
) -> None:
    seen, handler = scripted(ok())
    client = make_test_client(kind, handler)
    with pytest.raises(InvalidRequestError, match=message) as caught:
        await resolve(client.post(path, body={"x": 1}))
    assert KEY not in str(caught.value)
    with pytest.raises(InvalidRequestError, match=message):
        await resolve(client.get(path))
    assert seen == []
    await close(client)


@KINDS
async def test_post_sends_the_body_and_per_call_options(kind: Kind) -> None:
    seen, handler = scripted(ok())
    client = make_test_client(kind, handler)
    got = await resolve(
        client.post(
            "/embeddings",
            body={"model": "text-embedding-3-small", "input": "hello"},
            cast_to=Embeddings,
            extra_headers={"x-trace": "t-1"},
            extra_query={"api-version": "2"},
            timeout=12.0,
        )
    )
    assert isinstance(got, Embeddings)
    assert got.data[0].embedding == [0.1, 0.2]
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/api/v1/embeddings"
    assert request.url.params["api-version"] == "2"
    assert request.headers["x-trace"] == "t-1"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"model": "text-embedding-3-small", "input": "hello"}
    assert request.extensions["timeout"]["read"] == 12.0
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("cast_to", "body", "expected"),
    [
        (dict, {"a": 1}, {"a": 1}),
        (list, [1, "two"], [1, "two"]),
        (object, {"a": 1}, {"a": 1}),
        (object, [1], [1]),
        (object, 3, 3),
        (object, None, None),
    ],
)
async def test_raw_json_casts(
    kind: Kind, cast_to: type[object], body: object, expected: object
) -> None:
    _, handler = scripted(ok(body) if body is not None else httpx.Response(200))
    client = make_test_client(kind, handler)
    assert await resolve(client.get("/x", cast_to=cast_to)) == expected
    await close(client)


@KINDS
async def test_the_default_cast_is_raw_json(kind: Kind) -> None:
    _, handler = scripted(ok({"ok": True}))
    client = make_test_client(kind, handler)
    assert await resolve(client.get("/x")) == {"ok": True}
    assert await resolve(client.post("/x")) == {"ok": True}
    await close(client)


@KINDS
@pytest.mark.parametrize(
    ("cast_to", "content", "message"),
    [
        (dict, b"[1, 2]", "returned list, not a JSON object"),
        (list, b'{"a": 1}', "returned dict, not a JSON array"),
        (dict, b"", "returned NoneType"),
        (object, b"<html>hi</html>", "not JSON"),
        (object, b"\xff\xfe", "not JSON"),
        (Embeddings, b'{"data": "nope"}', "not a valid Embeddings"),
    ],
)
async def test_bodies_that_are_not_the_cast_raise_validation_errors(
    kind: Kind, cast_to: type[object], content: bytes, message: str
) -> None:
    _, handler = scripted(httpx.Response(200, content=content))
    client = make_test_client(kind, handler)
    with pytest.raises(APIResponseValidationError, match=message) as caught:
        await resolve(client.get("/x", cast_to=cast_to))
    assert caught.value.response.status_code == 200
    await close(client)


@KINDS
async def test_unusable_casts_are_refused_before_sending(kind: Kind) -> None:
    seen, handler = scripted(ok())
    client = make_test_client(kind, handler)
    with pytest.raises(InvalidRequestError, match="cast_to: expected a pydantic model class"):
        await resolve(client.get("/x", cast_to=str))
    with pytest.raises(InvalidRequestError, match="cast_to: a stream needs a pydantic model"):
        await resolve(client.post("/x", cast_to=dict, stream=True))  # pyright: ignore[reportCallIssue, reportArgumentType, reportUnknownArgumentType]  # refused on purpose
    assert seen == []
    await close(client)


async def collect(stream: Stream[Event] | AsyncStream[Event]) -> list[int]:
    if isinstance(stream, AsyncStream):
        async with stream:
            return [event.n async for event in stream]
    with stream:
        return [event.n for event in stream]


@KINDS
async def test_post_streams_any_chunk_model(kind: Kind) -> None:
    seen, handler = scripted(
        httpx.Response(
            200,
            headers={"content-type": "text/event-stream", "x-request-id": "req-s"},
            stream=ScriptedStream(sse({"n": 1}, {"n": 2})),
        )
    )
    client = make_test_client(kind, handler)
    stream: Stream[Event] | AsyncStream[Event]
    if isinstance(client, AsyncTokenClient):
        stream = await client.post("/events", body={"q": 1}, cast_to=Event, stream=True)
    else:
        stream = client.post("/events", body={"q": 1}, cast_to=Event, stream=True)
    assert stream.request_id == "req-s"
    assert await collect(stream) == [1, 2]
    assert seen[0].headers["accept"] == "text/event-stream"
    assert stream.response.is_closed
    await close(client)


@KINDS
async def test_post_streams_chat_chunks_that_fold(kind: Kind) -> None:
    _, handler = scripted(
        httpx.Response(200, stream=ScriptedStream(sse(chunk("Hel"), chunk("lo", finish="stop"))))
    )
    client = make_test_client(kind, handler)
    if isinstance(client, AsyncTokenClient):
        chunks = await client.post("/chat/completions", cast_to=ChatCompletionChunk, stream=True)
        completion = await chunks.get_final_completion()
    else:
        completion = client.post(
            "/chat/completions", cast_to=ChatCompletionChunk, stream=True
        ).get_final_completion()
    assert completion.choices[0].message.content == "Hello"
    await close(client)


@KINDS
@pytest.mark.parametrize("method", ["get", "post"])
async def test_retried_like_the_endpoints(kind: Kind, method: str) -> None:
    delays: list[float] = []
    seen, handler = scripted(
        httpx.Response(503),
        httpx.Response(429, headers={"retry-after": "3"}),
        ok({"ok": True}),
    )
    client = make_test_client(kind, handler, delays=delays)
    call = client.get if method == "get" else client.post
    assert await resolve(call("/x", cast_to=dict)) == {"ok": True}
    assert len(seen) == 3
    assert delays == [0.5, 3.0]  # backoff, then the server's Retry-After
    await close(client)


@KINDS
async def test_errors_are_typed_and_retries_end(kind: Kind) -> None:
    seen, handler = scripted(httpx.Response(429, json={"error": {"message": "slow down"}}))
    client = make_test_client(kind, handler, max_retries=1)
    with pytest.raises(RateLimitError, match="slow down"):
        await resolve(client.post("/x", body={}))
    assert len(seen) == 2
    _, missing = scripted(httpx.Response(404, json={"error": {"message": "no such path"}}))
    client2 = make_test_client(kind, missing)
    with pytest.raises(NotFoundError):
        await resolve(client2.get("/nope"))
    await close(client)
    await close(client2)


@KINDS
async def test_with_options_applies(kind: Kind) -> None:
    seen, handler = scripted(httpx.Response(500))
    client = make_test_client(kind, handler)
    copy: AnyClient = client.with_options(max_retries=0)
    with pytest.raises(Exception, match="500"):
        await resolve(copy.get("/x"))
    assert len(seen) == 1
    await close(client)


def test_a_429_on_get_pauses_the_endpoints_too() -> None:
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(now[0])
        if len(calls) == 1:
            return httpx.Response(429, headers={"retry-after": "7"}, json={"error": {}})
        return httpx.Response(200, json={"object": "list", "data": []})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = TokenClient(api_key=KEY, base_url=BASE_URL, http_client=http, max_retries=0)
    client._requester.limiter = Limiter(clock=lambda: now[0], sleep=sleep)
    with pytest.raises(RateLimitError):
        client.get("/balance")
    client.models.list()  # waits out the hint the escape hatch received
    assert slept == [7.0]
    assert calls == [1000.0, 1007.0]
    http.close()


def test_requests_per_minute_paces_get_and_post() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(now[0])
        return httpx.Response(200, json={})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = TokenClient(api_key=KEY, base_url=BASE_URL, http_client=http)
    client._requester.limiter = Limiter(requests_per_minute=120, clock=lambda: now[0], sleep=sleep)
    client.get("/a")
    client.post("/b", body={})
    client.get("https://api.example.test/other")  # same origin, outside base_url: same limiter
    client.post("/c")
    assert starts == [0.0, 0.0, 0.5, 1.0]
    http.close()


async def test_an_open_post_stream_holds_its_concurrency_slot() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={})
        return httpx.Response(200, stream=ScriptedStream(sse({"n": 1})))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=http, max_concurrency=1)
    stream = await client.post("/events", cast_to=Event, stream=True)
    with anyio.move_on_after(0.2) as blocked:
        await client.get("/x")
    assert blocked.cancelled_caught  # the stream has the only slot
    await stream.close()
    with anyio.fail_after(5):
        assert await client.get("/x") == {}
    await http.aclose()


def test_the_bundled_server_through_get() -> None:
    client = make_client(FakeAPI())
    listed = client.get("/models", cast_to=dict)
    assert isinstance(listed["data"], list)
    model = client.get("/models/openai/gpt-4.1", cast_to=dict)
    assert model["id"] == "openai/gpt-4.1"
