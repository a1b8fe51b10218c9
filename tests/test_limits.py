"""Client-side limits wired into the clients: presets, caps across threads and tasks, streams
holding their slot, the 429 pause, and copies sharing one limiter."""

from __future__ import annotations

import threading
import time

import anyio
import httpx
import pytest

from tokenclient import AsyncTokenClient, InvalidRequestError, RateLimitError, TokenClient
from tokenclient._limiter import Limiter
from tokenclient.types import ChatCompletionMessageParam

from .support import BASE_URL, KEY, Kind, ScriptedStream, chunk, close, make_client, resolve, sse

MODELS: dict[str, object] = {"object": "list", "data": []}
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_supertoken_preset_applies_its_documented_limits(
    cls: type[TokenClient | AsyncTokenClient],
) -> None:
    limiter = cls(api_key=KEY, provider="supertoken")._requester.limiter
    assert limiter.max_concurrency == 10
    assert limiter.requests_per_minute == 60
    off = cls(api_key=KEY, provider="supertoken", max_concurrency=None, requests_per_minute=None)
    assert off._requester.limiter.max_concurrency == POOL  # the client's own pool still caps
    assert off._requester.limiter.requests_per_minute is None
    plain = cls(api_key=KEY, provider="tokenlake")._requester.limiter
    assert (plain.max_concurrency, plain.requests_per_minute) == (POOL, None)


POOL = 100
"""The connections of a client's own pool."""


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_the_own_pool_caps_concurrency_and_a_given_http_client_does_not(
    cls: type[TokenClient | AsyncTokenClient],
) -> None:
    # httpcore's pool wakes every queued request for each freed connection: the limiter keeps
    # that queue empty by never letting more requests into the pool than it has connections.
    for requested, expected in [(None, POOL), (500, POOL), (7, 7)]:
        client = cls(api_key=KEY, base_url=BASE_URL, max_concurrency=requested)
        assert client._requester.limiter.max_concurrency == expected
    http = httpx.Client() if cls is TokenClient else httpx.AsyncClient()
    given = cls(api_key=KEY, base_url=BASE_URL, http_client=http)  # type: ignore[arg-type]  # the pair matches at run time
    assert given._requester.limiter.max_concurrency is None  # its pool size is not ours to know
    with pytest.raises(InvalidRequestError, match=r"^max_concurrency: "):
        cls(api_key=KEY, base_url=BASE_URL, max_concurrency="3")  # type: ignore[arg-type]  # the wrong type is the point


def test_with_options_copies_share_the_limiter() -> None:
    client = TokenClient(api_key=KEY, base_url=BASE_URL, max_concurrency=2)
    assert client.with_options(max_retries=0)._requester.limiter is client._requester.limiter
    client.close()


class InFlight:
    """Counts concurrent requests seen by a handler."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.total = 0
        self.lock = threading.Lock()

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def test_max_concurrency_caps_threads_sharing_a_sync_client() -> None:
    flight = InFlight()

    def handler(request: httpx.Request) -> httpx.Response:
        flight.enter()
        time.sleep(0.02)
        flight.leave()
        return httpx.Response(200, json=MODELS)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = TokenClient(api_key=KEY, base_url=BASE_URL, http_client=http, max_concurrency=2)
    threads = [threading.Thread(target=client.models.list) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert flight.total == 8
    assert flight.peak == 2
    http.close()


@pytest.mark.anyio
async def test_max_concurrency_caps_tasks_sharing_an_async_client() -> None:
    flight = InFlight()

    async def handler(request: httpx.Request) -> httpx.Response:
        flight.enter()
        await anyio.sleep(0.02)
        flight.leave()
        return httpx.Response(200, json=MODELS)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=http, max_concurrency=3)
    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(client.models.list)
    assert flight.total == 10
    assert flight.peak == 3
    await http.aclose()


@pytest.mark.anyio
async def test_an_open_stream_holds_its_slot_until_closed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json=MODELS)
        return httpx.Response(200, stream=ScriptedStream(sse(chunk("a"), chunk("b"))))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = AsyncTokenClient(api_key=KEY, base_url=BASE_URL, http_client=http, max_concurrency=1)
    stream = await client.chat.completions.create(model="m", messages=HELLO, stream=True)
    with anyio.move_on_after(0.2) as blocked:
        await client.models.list()
    assert blocked.cancelled_caught  # the stream has the only slot
    await stream.close()
    with anyio.fail_after(5):
        await client.models.list()  # the slot is back
    await stream.close()  # closing twice does not release twice
    with anyio.fail_after(5):
        await client.models.list()
    await http.aclose()


def test_a_429_with_retry_after_pauses_new_requests_on_the_client() -> None:
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
        return httpx.Response(200, json=MODELS)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = TokenClient(api_key=KEY, base_url=BASE_URL, http_client=http, max_retries=0)
    client._requester.limiter = Limiter(clock=lambda: now[0], sleep=sleep)
    with pytest.raises(RateLimitError):
        client.models.list()
    client.models.list()  # a new request waits out the server's hint first
    assert slept == [7.0]
    assert calls == [1000.0, 1007.0]
    http.close()


def test_requests_per_minute_paces_a_client() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(now[0])
        return httpx.Response(200, json=MODELS)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = TokenClient(api_key=KEY, base_url=BASE_URL, http_client=http)
    # 120/min: a bucket of two, then one every half second.
    client._requester.limiter = Limiter(requests_per_minute=120, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        client.models.list()
    assert starts == [0.0, 0.0, 0.5, 1.0, 1.5]
    http.close()


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(("hint", "paused"), [("30", 30.0), ("60", 60.0), ("999999999", 0.0)])
async def test_a_429_pauses_the_client_only_up_to_the_retry_after_cap(
    kind: Kind, hint: str, paused: float
) -> None:
    # A hint past max_retry_after (60 s) is raised at once to its caller; it must not make
    # the next call on the client sleep silently either. Each call then meets its own 429.
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(client._requester.limiter._clock())
        if len(starts) == 1:
            return httpx.Response(429, headers={"retry-after": hint}, json={"error": {}})
        return httpx.Response(200, json=MODELS)

    client = make_client(kind, handler, max_retries=0)
    with pytest.raises(RateLimitError) as raised:
        await resolve(client.models.list())
    assert raised.value.retry_after == float(hint)
    await resolve(client.models.list())
    assert starts == [0.0, paused]
    await close(client)
