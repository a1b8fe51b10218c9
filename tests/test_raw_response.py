"""``with_raw_response`` on every method, ``_request_id`` on every model, ``Stream.request_id``.

Sync and async run from one body. The handler answers each endpoint with its own
``x-request-id`` and the ``x-ratelimit-*`` headers OpenAI sends.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import cast

import anyio
import httpx
import pytest

from tokenclient import (
    AsyncStream,
    AsyncTokenClient,
    InvalidRequestError,
    NotFoundError,
    RateLimitInfo,
    RawResponse,
    Stream,
)
from tokenclient.testing import FakeAPI, make_async_client, make_client
from tokenclient.types import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessageParam,
    ImagesResponse,
    Model,
    ModelList,
)
from tokenclient.types.chat_create_params import ChatCompletionCreateParams
from tokenclient.types.videos import VideoTask

from .support import AnyClient, Kind, ScriptedStream, chunk, close, resolve, scripted, sse
from .support import make_client as make_test_client

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]

RATE_HEADERS = {
    "x-ratelimit-limit-requests": "60",
    "x-ratelimit-remaining-requests": "59",
    "x-ratelimit-reset-requests": "1s",
    "x-ratelimit-limit-tokens": "150000",
    "x-ratelimit-remaining-tokens": "149984",
    "x-ratelimit-reset-tokens": "6m0s",
}
RATE = RateLimitInfo(
    limit_requests=60,
    remaining_requests=59,
    reset_requests=1.0,
    limit_tokens=150_000,
    remaining_tokens=149_984,
    reset_tokens=360.0,
)
COMPLETION: dict[str, object] = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "qwen3-8b",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}
    ],
}
MODEL: dict[str, object] = {"id": "openai/gpt-4.1", "object": "model", "owned_by": "openai"}
TASK: dict[str, object] = {"id": "task-1", "status": "queued"}


def router(request: httpx.Request) -> httpx.Response:
    """Every endpoint; the request id names the method and path."""
    path = request.url.path.removeprefix("/api/v1")
    headers = {"x-request-id": f"req {request.method} {path}", **RATE_HEADERS}
    body: object
    if path == "/chat/completions":
        if json.loads(request.content).get("stream"):
            pieces = sse(chunk("Hel"), chunk("lo", finish="stop"))
            headers["content-type"] = "text/event-stream"
            return httpx.Response(200, headers=headers, stream=ScriptedStream(pieces))
        body = COMPLETION
    elif path == "/models":
        body = {"object": "list", "data": [MODEL]}
    elif path.startswith("/models/"):
        body = MODEL
    elif path == "/images/generations":
        body = {"created": 1, "data": [{"url": "https://cdn.test/1.png"}]}
    elif path.startswith("/videos/generations"):
        body = TASK
    else:
        return httpx.Response(404, json={"error": {"message": "no such path"}})
    # A body streamed as from a socket: httpx measures ``elapsed`` when it has read it (a
    # prebuilt ``json=`` body counts as read before it is sent and has no ``elapsed``).
    headers["content-type"] = "application/json"
    return httpx.Response(200, headers=headers, stream=ScriptedStream([json.dumps(body).encode()]))


Call = Callable[[AnyClient], object]
# (name, raw call, plain call, method and path, parsed type), the same lines for both twins.
METHODS: list[tuple[str, Call, Call, str, type[object]]] = [
    (
        "chat.create",
        lambda c: c.chat.completions.with_raw_response.create(model="m", messages=MESSAGES),
        lambda c: c.chat.completions.create(model="m", messages=MESSAGES),
        "POST /chat/completions",
        ChatCompletion,
    ),
    (
        "models.list",
        lambda c: c.models.with_raw_response.list(),
        lambda c: c.models.list(),
        "GET /models",
        ModelList,
    ),
    (
        "models.retrieve",
        lambda c: c.models.with_raw_response.retrieve("openai/gpt-4.1"),
        lambda c: c.models.retrieve("openai/gpt-4.1"),
        "GET /models/openai/gpt-4.1",
        Model,
    ),
    (
        "images.generate",
        lambda c: c.images.with_raw_response.generate(model="m", prompt="a lake"),
        lambda c: c.images.generate(model="m", prompt="a lake"),
        "POST /images/generations",
        ImagesResponse,
    ),
    (
        "videos.create",
        lambda c: c.videos.with_raw_response.create(model="m", prompt="a lake"),
        lambda c: c.videos.create(model="m", prompt="a lake"),
        "POST /videos/generations",
        VideoTask,
    ),
    (
        "videos.retrieve",
        lambda c: c.videos.with_raw_response.retrieve("task-1"),
        lambda c: c.videos.retrieve("task-1"),
        "GET /videos/generations/task-1",
        VideoTask,
    ),
]
BY_METHOD = pytest.mark.parametrize(
    ("raw_call", "plain_call", "where", "parsed_type"),
    [pytest.param(*rest, id=name) for name, *rest in METHODS],
)


@KINDS
@BY_METHOD
async def test_with_raw_response_on_every_method(
    kind: Kind, raw_call: Call, plain_call: Call, where: str, parsed_type: type[object]
) -> None:
    client = make_test_client(kind, router)
    raw = await resolve(raw_call(client))
    assert isinstance(raw, RawResponse)
    raw = cast("RawResponse[object]", raw)
    assert raw.status_code == 200
    assert isinstance(raw.http_response, httpx.Response)
    assert isinstance(raw.headers, httpx.Headers)
    assert raw.headers["X-Request-Id"] == f"req {where}"
    assert raw.request_id == f"req {where}"
    assert raw.rate_limit == RATE
    assert isinstance(raw.elapsed, datetime.timedelta)
    parsed = raw.parse()
    assert isinstance(parsed, parsed_type)
    assert parsed is raw.parse()
    assert getattr(parsed, "_request_id") == f"req {where}"  # noqa: B009  # private by OpenAI's name
    assert where.split()[1] in repr(raw)
    await close(client)


@KINDS
@BY_METHOD
async def test_plain_methods_return_models_carrying_the_request_id(
    kind: Kind, raw_call: Call, plain_call: Call, where: str, parsed_type: type[object]
) -> None:
    client = make_test_client(kind, router)
    parsed = await resolve(plain_call(client))
    assert isinstance(parsed, parsed_type)
    assert getattr(parsed, "_request_id") == f"req {where}"  # noqa: B009
    await close(client)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "a"}, "a"),
        ({"request-id": "b"}, "b"),
        ({"x-request-id": "a", "request-id": "b"}, "a"),
        ({"x-request-id": ""}, None),
        ({}, None),
    ],
)
@KINDS
async def test_request_id_header_names(
    kind: Kind, headers: dict[str, str], expected: str | None
) -> None:
    _, handler = scripted(httpx.Response(200, json=COMPLETION, headers=headers))
    client = make_test_client(kind, handler)
    raw = await resolve(
        client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    )
    assert raw.request_id == expected
    assert raw.parse()._request_id == expected  # pyright: ignore[reportPrivateUsage]
    assert raw.rate_limit == RateLimitInfo()  # no x-ratelimit-* headers: every field None
    await close(client)


def test_request_ids_do_not_change_equality_or_dumps() -> None:
    one = ChatCompletion.model_validate(COMPLETION)
    two = ChatCompletion.model_validate(COMPLETION)
    object.__setattr__(one, "_request_id", "req-1")
    assert one == two
    assert one.model_dump() == two.model_dump()
    assert two._request_id is None  # pyright: ignore[reportPrivateUsage]
    assert one.model_copy()._request_id == "req-1"  # pyright: ignore[reportPrivateUsage]


@KINDS
async def test_streamed_raw_response_parses_to_the_stream(kind: Kind) -> None:
    client = make_test_client(kind, router)
    raw: RawResponse[Stream[ChatCompletionChunk]] | RawResponse[AsyncStream[ChatCompletionChunk]]
    if isinstance(client, AsyncTokenClient):
        raw = await client.chat.completions.with_raw_response.create(
            model="m", messages=MESSAGES, stream=True
        )
    else:
        raw = client.chat.completions.with_raw_response.create(
            model="m", messages=MESSAGES, stream=True
        )
    stream = raw.parse()
    assert isinstance(stream, AsyncStream if kind == "async" else Stream)
    assert raw.request_id == "req POST /chat/completions"
    assert stream.request_id == raw.request_id
    assert stream.response is raw.http_response
    assert raw.rate_limit.remaining_requests == 59
    with pytest.raises(RuntimeError, match="elapsed"):  # httpx's rule: not before the body ends
        _ = raw.elapsed
    completion = await resolve(stream.get_final_completion())
    assert completion.choices[0].message.content == "Hello"
    assert completion._request_id == "req POST /chat/completions"  # pyright: ignore[reportPrivateUsage]
    assert raw.http_response.is_closed
    assert isinstance(raw.elapsed, datetime.timedelta)
    await close(client)


@KINDS
async def test_the_raw_response_is_the_one_after_the_retries(kind: Kind) -> None:
    seen, handler = scripted(
        httpx.Response(503, headers={"x-request-id": "first"}),
        httpx.Response(200, json=COMPLETION, headers={"x-request-id": "second"}),
    )
    client = make_test_client(kind, handler)
    raw = await resolve(
        client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
    )
    assert len(seen) == 2
    assert raw.request_id == "second"
    await close(client)


@KINDS
async def test_errors_raise_as_from_the_plain_method(kind: Kind) -> None:
    _, handler = scripted(httpx.Response(404, json={"error": {"message": "no such model"}}))
    client = make_test_client(kind, handler)
    with pytest.raises(NotFoundError, match="no such model"):
        await resolve(client.models.with_raw_response.retrieve("nope"))
    # A failed raw call leaves nothing behind: the next plain call is plain.
    _, ok = scripted(httpx.Response(200, json=MODEL))
    client2 = make_test_client(kind, ok)
    assert isinstance(await resolve(client2.models.retrieve("x")), Model)
    await close(client)
    await close(client2)


@KINDS
async def test_a_stream_only_model_folded_for_a_plain_call_gives_the_stream_response(
    kind: Kind,
) -> None:
    seen, handler = scripted(
        httpx.Response(
            200,
            headers={"x-request-id": "req-stream", "content-type": "text/event-stream"},
            stream=ScriptedStream(sse(chunk("Hi", finish="stop"))),
        )
    )
    client = make_test_client(kind, handler, provider="supertoken")
    assert client._config.must_stream("gpt-5")
    raw = await resolve(
        client.chat.completions.with_raw_response.create(model="gpt-5", messages=MESSAGES)
    )
    assert json.loads(seen[0].content)["stream"] is True
    assert raw.request_id == "req-stream"
    completion = raw.parse()
    assert isinstance(completion, ChatCompletion)
    assert completion.choices[0].message.content == "Hi"
    assert completion._request_id == "req-stream"  # pyright: ignore[reportPrivateUsage]
    await close(client)


async def test_concurrent_async_raw_calls_each_get_their_own_response() -> None:
    async def slow_router(request: httpx.Request) -> httpx.Response:
        # The first request answers last, so the two calls overlap.
        name = json.loads(request.content)["model"]
        await anyio.sleep(0.05 if name == "first" else 0.0)
        return httpx.Response(200, json=COMPLETION, headers={"x-request-id": f"req-{name}"})

    client = AsyncTokenClient(
        api_key="sk-test",
        base_url="https://api.example.test/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(slow_router)),
    )
    results: dict[str, str | None] = {}

    async def call(name: str) -> None:
        raw = await client.chat.completions.with_raw_response.create(model=name, messages=MESSAGES)
        results[name] = raw.request_id

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(call, "first")
            group.start_soon(call, "second")
    assert results == {"first": "req-first", "second": "req-second"}
    await client._http.aclose()


def test_the_bundled_server_gives_every_model_a_request_id() -> None:
    client = make_client(FakeAPI())
    models = client.models.list()
    model = client.models.retrieve("openai/gpt-4.1")
    raw = client.models.with_raw_response.retrieve("openai/gpt-4.1")
    ids = [models._request_id, model._request_id, raw.request_id]  # pyright: ignore[reportPrivateUsage]
    assert all(isinstance(i, str) and i.startswith("req_") for i in ids)
    assert len(set(ids)) == 3
    assert raw.parse().id == "openai/gpt-4.1"


async def test_the_bundled_server_async() -> None:
    async with make_async_client(FakeAPI()) as client:
        raw = await client.chat.completions.with_raw_response.create(
            model="qwen3-8b", messages=MESSAGES
        )
        reply: ChatCompletion = raw.parse()
        assert reply._request_id == raw.request_id  # pyright: ignore[reportPrivateUsage]
        assert raw.request_id is not None
        stream = (
            await client.chat.completions.with_raw_response.create(
                model="qwen3-8b", messages=MESSAGES, stream=True
            )
        ).parse()
        async with stream:
            chunks: list[ChatCompletionChunk] = [c async for c in stream]
        assert chunks
        assert stream.request_id is not None


@KINDS
async def test_bad_arguments_are_refused_before_sending(kind: Kind) -> None:
    seen, handler = scripted(httpx.Response(200, json=COMPLETION))
    client = make_test_client(kind, handler)
    # A misspelt keyword, as an untyped caller would send it.
    params = {"model": "m", "messages": MESSAGES, "temperatur": 1}
    typed = cast("ChatCompletionCreateParams", params)
    with pytest.raises(InvalidRequestError, match="temperatur"):
        await resolve(client.chat.completions.with_raw_response.create(**typed))
    with pytest.raises(InvalidRequestError, match="model"):
        await resolve(client.models.with_raw_response.retrieve(""))
    assert seen == []
    await close(client)
