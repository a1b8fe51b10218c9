"""Helpers that let one test body drive the sync and the async client."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Literal, TypeVar, cast

import anyio
import httpx

from tokenclient import NOT_GIVEN, AsyncTokenClient, NotGiven, TokenClient
from tokenclient._types import Timeout

T = TypeVar("T")
Kind = Literal["sync", "async"]
Handler = Callable[[httpx.Request], httpx.Response]
AnyClient = TokenClient | AsyncTokenClient

BASE_URL = "https://api.example.test/api/v1"
KEY = "sk-test-0123456789abcdef"


async def resolve(value: T | Awaitable[T]) -> T:
    """Await ``value`` when the async client returned a coroutine; pass it through otherwise."""
    if inspect.isawaitable(value):
        return await cast("Awaitable[T]", value)
    return value


def make_client(
    kind: Kind,
    handler: Handler,
    *,
    delays: list[float] | None = None,
    max_retries: int = 2,
    base_url: str = BASE_URL,
    default_headers: Mapping[str, str] | None = None,
    timeout: Timeout | NotGiven = NOT_GIVEN,
    stream_idle_timeout: float | None = None,
    provider: str | None = None,
) -> AnyClient:
    """A client of ``kind`` answering through ``handler``; nothing really sleeps.

    Retry sleeps are recorded in ``delays``. Retry sleeps and limiter waits (rate pacing, the
    pause after a 429) advance one fake monotonic clock, so they add up as they would. Only
    the client's ``_runtime`` hook is touched.
    """
    recorded = delays if delays is not None else []
    fake_now = [0.0]

    def sleep_and_record(seconds: float) -> None:
        recorded.append(seconds)
        fake_now[0] += seconds

    def wait(seconds: float) -> None:
        fake_now[0] += seconds

    async def async_sleep_and_record(seconds: float) -> None:
        sleep_and_record(seconds)

    async def async_wait(seconds: float) -> None:
        wait(seconds)

    transport = httpx.MockTransport(handler)
    client: AnyClient
    if kind == "sync":
        client = TokenClient(
            api_key=KEY,
            base_url=base_url,
            max_retries=max_retries,
            default_headers=default_headers,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            provider=provider,
            http_client=httpx.Client(transport=transport),
        )
        client._runtime.sleep = sleep_and_record
        client._runtime.limiter_sleep = wait
    else:
        client = AsyncTokenClient(
            api_key=KEY,
            base_url=base_url,
            max_retries=max_retries,
            default_headers=default_headers,
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            provider=provider,
            http_client=httpx.AsyncClient(transport=transport),
        )
        client._runtime.async_sleep = async_sleep_and_record
        client._runtime.async_limiter_sleep = async_wait
    client._runtime.monotonic = lambda: fake_now[0]
    client._runtime.random = lambda: 0.0  # no jitter: delays are exact
    return client


def scripted(*outcomes: httpx.Response | BaseException) -> tuple[list[httpx.Request], Handler]:
    """A handler that plays ``outcomes`` in order (the last one repeats)."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | BaseException] = iter(outcomes)
    last = outcomes[-1]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        outcome = next(queue, last)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return seen, handler


async def close(client: AnyClient) -> None:
    """Close either kind of client, and the http client the test gave it."""
    await resolve(client.close())
    if isinstance(client._http, httpx.AsyncClient):
        await client._http.aclose()
    else:
        client._http.close()


class ScriptedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body for either client kind: ``pieces`` in order, then ``error`` if given.

    With ``hang=True`` it blocks (async only) after the pieces, until cancelled.
    """

    def __init__(
        self,
        pieces: list[bytes],
        *,
        error: Exception | None = None,
        hang: bool = False,
        on_piece: Callable[[int], None] | None = None,
    ) -> None:
        self.pieces = pieces
        self.error = error
        self.hang = hang
        self.on_piece = on_piece
        self.sent = 0
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            if self.on_piece:
                self.on_piece(self.sent)
            self.sent += 1
            yield piece
        if self.error is not None:
            raise self.error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            if self.on_piece:
                self.on_piece(self.sent)
            self.sent += 1
            yield piece
        if self.hang:
            await anyio.sleep_forever()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def sse(*events: object, done: bool = True) -> list[bytes]:
    """SSE pieces, one per event: dicts become ``data: <json>``, strings are sent verbatim."""
    pieces = [(e if isinstance(e, str) else f"data: {json.dumps(e)}\n\n").encode() for e in events]
    if done:
        pieces.append(b"data: [DONE]\n\n")
    return pieces


def chunk(
    content: str | None = None, *, finish: str | None = None, **extra: object
) -> dict[str, object]:
    """A ``chat.completion.chunk`` with one choice whose delta carries ``content``."""
    delta: dict[str, object] = {} if content is None else {"content": content}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1714000000,
        "model": "qwen3-8b",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
