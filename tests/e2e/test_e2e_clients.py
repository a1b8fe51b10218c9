"""TokenClient and AsyncTokenClient against the bundled server on a real loopback socket.

One test body drives both clients (``kind``); async runs on asyncio and trio, and on the
aiohttp backend (asyncio). The server
finishes video tasks in 0.3 s and hints 0.1 s between polls, so the suite stays fast.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Literal

import anyio
import anyio.to_thread
import httpx
import pytest

from tokenclient import (
    APIConnectionError,
    APIStatusError,
    APIStreamError,
    AsyncStream,
    AsyncTokenClient,
    AuthenticationError,
    InsufficientBalanceError,
    RateLimitError,
    ServiceUnavailableError,
    Stream,
    TokenClient,
)
from tokenclient._backends import HttpBackend
from tokenclient.testing import FakeAPI, sample_png, serve
from tokenclient.types import ChatCompletionMessageParam
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk
from tokenclient.types.chat_params import ChatCompletionStreamOptionsParam
from tokenclient.types.videos import VideoTask

from ..support import AnyClient, resolve

pytestmark = pytest.mark.anyio
Kind = Literal["sync", "async", "aiohttp"]
"""The client a test drives: ``aiohttp`` is the async one on ``http_backend="aiohttp"``."""


@pytest.fixture(params=["sync", "asyncio", "trio", "aiohttp"])
def mode(request: pytest.FixtureRequest) -> str:
    """The sync client once; the async one on asyncio, on trio, and on the aiohttp backend."""
    return str(request.param)


@pytest.fixture
def anyio_backend(mode: str) -> str:
    """The event loop: aiohttp (and the sync client's test body) on asyncio."""
    return "trio" if mode == "trio" else "asyncio"


@pytest.fixture
def kind(mode: str) -> Kind:
    """Which client the test body drives."""
    return "sync" if mode == "sync" else "aiohttp" if mode == "aiohttp" else "async"


KEY = "sk-e2e-clients"
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello over a real socket"}]
AnyStream = Stream[ChatCompletionChunk] | AsyncStream[ChatCompletionChunk]


@pytest.fixture(scope="module")
def api() -> FakeAPI:
    """The server's state, to count the requests it received."""
    return FakeAPI(api_key=KEY, video_seconds=0.3, poll_retry_after=0.1)


@pytest.fixture(scope="module")
def base_url(api: FakeAPI) -> Iterator[str]:
    """The bundled server on a loopback port, for the whole module."""
    with serve(api=api) as url:
        yield url


def client_of(kind: Kind, base_url: str, *, key: str = KEY, max_retries: int = 2) -> AnyClient:
    """A real client (its own connection pool) of ``kind``."""
    if kind == "sync":
        return TokenClient(api_key=key, base_url=base_url, max_retries=max_retries)
    backend: HttpBackend = "aiohttp" if kind == "aiohttp" else "httpx"
    return AsyncTokenClient(
        api_key=key, base_url=base_url, max_retries=max_retries, http_backend=backend
    )


async def open_stream(
    client: AnyClient, model: str, content: str, *, include_usage: bool = False
) -> AnyStream:
    """``chat.completions.create(stream=True)`` on either kind of client."""
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": content}]
    options: ChatCompletionStreamOptionsParam = {"include_usage": include_usage}
    if isinstance(client, AsyncTokenClient):
        return await client.chat.completions.create(
            model=model, messages=messages, stream=True, stream_options=options
        )
    return client.chat.completions.create(
        model=model, messages=messages, stream=True, stream_options=options
    )


async def final_of(stream: AnyStream) -> ChatCompletion:
    """``stream.get_final_completion()`` on either kind of stream."""
    if isinstance(stream, AsyncStream):
        return await stream.get_final_completion()
    return stream.get_final_completion()


async def chunks_of(stream: AnyStream, into: list[ChatCompletionChunk]) -> None:
    """Read every chunk of ``stream`` into ``into`` (kept when the stream raises midway)."""
    if isinstance(stream, Stream):
        into.extend(stream)
    else:
        async for chunk in stream:
            into.append(chunk)


def text_of(chunks: list[ChatCompletionChunk]) -> str:
    """The content the chunks carry, joined."""
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


async def fetch(url: str) -> bytes:
    """GET ``url`` with a plain client (no key), off the event loop."""

    def get() -> bytes:
        response = httpx.get(url)
        response.raise_for_status()
        return response.content

    return await anyio.to_thread.run_sync(get)


def client_port(stream: AnyStream) -> int:
    """The local port of the connection a stream is read from."""
    network = stream.response.extensions["network_stream"]
    address = network.get_extra_info("client_addr")
    return int(address[1])


async def test_chat_plain_streamed_and_folded(kind: Kind, base_url: str) -> None:
    client = client_of(kind, base_url)
    try:
        reply: ChatCompletion = await resolve(
            client.chat.completions.create(model="qwen3-8b", messages=HELLO)
        )
        assert reply.choices[0].message.content == "You said: Hello over a real socket"
        assert reply.usage is not None
        assert reply.usage.total_tokens > 0

        stream = await open_stream(client, "qwen3-8b", "Hello over a real socket")
        chunks: list[ChatCompletionChunk] = []
        await chunks_of(stream, chunks)
        assert text_of(chunks) == "You said: Hello over a real socket"
        assert stream.response.headers["x-request-id"].startswith("req_")

        stream = await open_stream(
            client, "deepseek-reasoner", "Hello over a real socket", include_usage=True
        )
        final = await final_of(stream)
        message = final.choices[0].message
        assert message.content == "You said: Hello over a real socket"
        assert final.choices[0].finish_reason == "stop"
        assert final.usage is not None
        assert final.usage.total_tokens > 0
        assert message.reasoning_content
    finally:
        await resolve(client.close())


async def test_models_and_images(kind: Kind, base_url: str) -> None:
    client = client_of(kind, base_url)
    try:
        models = await resolve(client.models.list())
        assert "qwen3-8b" in [model.id for model in models]

        data = await resolve(
            client.images.generate(
                model="bytedance/doubao-seedream-5.0",
                prompt="a lighthouse",
                n=2,
                response_format="b64_json",
            )
        )
        assert [base64.b64decode(image.b64_json or "") for image in data.data] == [sample_png()] * 2

        linked = await resolve(
            client.images.generate(model="m", prompt="a lighthouse", response_format="url")
        )
        url = linked.data[0].url
        assert url is not None
        assert url.startswith(base_url + "/files/")
        assert await fetch(url) == sample_png()  # served without the key
    finally:
        await resolve(client.close())


async def test_video_create_and_wait(kind: Kind, base_url: str) -> None:
    seen: list[VideoTask] = []
    client = client_of(kind, base_url)
    try:
        task: VideoTask = await resolve(
            client.videos.create_and_wait(
                model="bytedance/doubao-seedance-2.0",
                prompt="a beach",
                duration=5,
                poll_interval=0.05,
                timeout=30,
                on_progress=seen.append,
            )
        )
    finally:
        await resolve(client.close())
    assert task.status == "succeeded"
    assert seen[0].status == "queued"
    assert seen[-1].status == "succeeded"
    url = task.data[0].video_url
    assert url is not None
    assert await fetch(url)


async def test_wrong_key_is_an_authentication_error(kind: Kind, base_url: str) -> None:
    client = client_of(kind, base_url, key="sk-wrong")
    try:
        with pytest.raises(AuthenticationError) as caught:
            await resolve(client.models.list())
    finally:
        await resolve(client.close())
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    assert (caught.value.request_id or "").startswith("req_")


@pytest.mark.parametrize(
    "fault",
    [
        (402, InsufficientBalanceError, None),
        (429, RateLimitError, 0.01),
        (503, ServiceUnavailableError, 0.01),
    ],
    ids=["402", "429", "503"],
)
async def test_status_faults_raise_their_class_after_retrying_what_may_be_retried(
    kind: Kind, base_url: str, api: FakeAPI, fault: tuple[int, type[APIStatusError], float | None]
) -> None:
    status, error, retry_after = fault
    client = client_of(kind, base_url, max_retries=2)
    before = len(api.requests)
    try:
        with pytest.raises(error) as caught:
            await resolve(client.chat.completions.create(model=f"error-{status}", messages=HELLO))
    finally:
        await resolve(client.close())
    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert caught.value.retry_after == retry_after
    assert len(api.requests) - before == (1 if status == 402 else 3)  # 402 is never retried


@pytest.mark.parametrize(
    ("model", "error"), [("stream-error", APIStreamError), ("stream-drop", APIConnectionError)]
)
async def test_a_broken_stream_raises_after_its_first_chunks(
    kind: Kind, base_url: str, model: str, error: type[Exception]
) -> None:
    client = client_of(kind, base_url)
    chunks: list[ChatCompletionChunk] = []
    try:
        stream = await open_stream(client, model, "one two three four five six")
        with pytest.raises(error):
            await chunks_of(stream, chunks)
    finally:
        await resolve(client.close())
    assert len(chunks) >= 2
    assert text_of(chunks).startswith("You said:")


async def test_sequential_streams_reuse_one_connection(kind: Kind, base_url: str) -> None:
    client = client_of(kind, base_url)
    ports: set[int] = set()
    try:
        for number in range(6):
            stream = await open_stream(client, "qwen3-8b", f"stream {number}")
            ports.add(client_port(stream))
            chunks: list[ChatCompletionChunk] = []
            await chunks_of(stream, chunks)
            assert text_of(chunks) == f"You said: stream {number}"
            await resolve(client.models.list())  # plain requests share the pool too
    finally:
        await resolve(client.close())
    assert len(ports) == 1
