"""Router and AsyncRouter against several bundled servers on real loopback sockets.

One test body drives both twins (``kind``); async runs on asyncio and trio. Faults are chosen
by model name (``error-402``, ``stream-drop-1``, ...), so each route is a real client talking
to a real server that misbehaves in one scripted way.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import anyio
import pytest
from pydantic import BaseModel

from tokenclient import (
    AllRoutesFailedError,
    APIConnectionError,
    APITimeoutError,
    AsyncRouter,
    AsyncStream,
    AsyncTokenClient,
    BadRequestError,
    ConfigurationError,
    InsufficientBalanceError,
    Route,
    Router,
    ServiceUnavailableError,
    Stream,
    TokenClient,
)
from tokenclient.testing import FakeAPI, serve
from tokenclient.types import ChatCompletionMessageParam
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk

from .support import Kind, resolve

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
KEY = "sk-router-secret-0123456789"
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "route me"}]
AnyRouter = Router | AsyncRouter


@dataclass
class Servers:
    """Two bundled servers and the URL of a port where nothing listens."""

    a: FakeAPI
    b: FakeAPI
    url_a: str
    url_b: str
    dead: str


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    a, b = FakeAPI(api_key=KEY), FakeAPI(api_key=KEY)
    with serve(api=a) as url_a, serve(api=b) as url_b:
        yield Servers(a, b, url_a, url_b, _closed_port_url())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Switches:
    seen: list[tuple[str, str, str | None]] = field(
        default_factory=list[tuple[str, str, str | None]]
    )

    def __call__(self, route: object, error: Exception, following: object) -> None:
        assert isinstance(route, Route)
        nxt = following.model if isinstance(following, Route) else None
        self.seen.append((route.model, type(error).__name__, nxt))


_OPEN: list[TokenClient | AsyncTokenClient] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    """Close every client a test's routers opened."""
    yield
    while _OPEN:
        await resolve(_OPEN.pop().close())


def make_router(
    kind: Kind,
    table: dict[str, list[tuple[str, str]]],
    *,
    clock: FakeClock | None = None,
    switches: Switches | None = None,
    strategy: str = "ordered",
    max_retries: int = 0,
) -> AnyRouter:
    """A router of ``kind`` over ``{name: [(base_url, model), ...]}``; one client per URL."""
    clients: dict[str, TokenClient | AsyncTokenClient] = {}

    def client(url: str) -> TokenClient | AsyncTokenClient:
        if url not in clients:
            cls = TokenClient if kind == "sync" else AsyncTokenClient
            clients[url] = cls(api_key=KEY, base_url=url, max_retries=max_retries)
            _OPEN.append(clients[url])
        return clients[url]

    options = {
        "strategy": strategy,
        "on_fallback": switches,
        **({"clock": clock} if clock is not None else {}),
    }
    if kind == "sync":
        sync_table = {
            name: [Route(_sync(client(url)), model) for url, model in routes]
            for name, routes in table.items()
        }
        return Router(sync_table, **options)  # type: ignore[arg-type]  # options: a test dict
    async_table = {
        name: [Route(_async(client(url)), model) for url, model in routes]
        for name, routes in table.items()
    }
    return AsyncRouter(async_table, **options)  # type: ignore[arg-type]  # options: a test dict


def _sync(client: TokenClient | AsyncTokenClient) -> TokenClient:
    assert isinstance(client, TokenClient)
    return client


def _async(client: TokenClient | AsyncTokenClient) -> AsyncTokenClient:
    assert isinstance(client, AsyncTokenClient)
    return client


async def create(router: AnyRouter, model: str = "smart") -> ChatCompletion:
    return await resolve(router.chat.completions.create(model=model, messages=HELLO))


async def stream_text(router: AnyRouter, model: str = "smart") -> tuple[str, object]:
    if isinstance(router, Router):
        stream: Stream[ChatCompletionChunk] = router.chat.completions.create(
            model=model, messages=HELLO, stream=True
        )
        with stream:
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
        return text, stream._route
    astream: AsyncStream[ChatCompletionChunk] = await router.chat.completions.create(
        model=model, messages=HELLO, stream=True
    )
    async with astream:
        parts = [c.choices[0].delta.content or "" async for c in astream if c.choices]
    return "".join(parts), astream._route


@KINDS
async def test_a_402_moves_on_and_the_route_sits_out_the_auth_cooldown(
    kind: Kind, servers: Servers
) -> None:
    clock, switches = FakeClock(), Switches()
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "error-402"), (servers.url_b, "qwen3-8b")]},
        clock=clock,
        switches=switches,
    )
    reply = await create(router)
    assert reply.choices[0].message.content == "You said: route me"
    assert reply.model == "qwen3-8b"
    route = reply._route
    assert isinstance(route, Route)
    assert route.model == "qwen3-8b"
    assert switches.seen == [("error-402", "InsufficientBalanceError", "qwen3-8b")]

    clock.now += 299.0  # auth_cooldown is 300 s: route 1 is still skipped
    await create(router)
    assert len(switches.seen) == 1
    clock.now += 2.0
    await create(router)  # route 1 is tried again, and fails again
    assert len(switches.seen) == 2


@KINDS
async def test_a_bad_request_is_raised_at_once(kind: Kind, servers: Servers) -> None:
    switches = Switches()
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "error-400"), (servers.url_b, "qwen3-8b")]},
        switches=switches,
    )
    with pytest.raises(BadRequestError):
        await create(router)
    assert switches.seen == []


@KINDS
async def test_every_route_failing_raises_all_routes_failed_in_order(
    kind: Kind, servers: Servers
) -> None:
    router = make_router(
        kind,
        {
            "smart": [
                (servers.url_a, "error-402"),
                (servers.dead, "qwen3-8b"),
                (servers.url_b, "error-503"),
            ]
        },
    )
    with pytest.raises(AllRoutesFailedError) as caught:
        await create(router)
    error = caught.value
    kinds = [type(e) for _, e in error.errors]
    assert kinds == [InsufficientBalanceError, APIConnectionError, ServiceUnavailableError]
    assert [r.model for r, _ in error.errors] == ["error-402", "qwen3-8b", "error-503"]
    lines = str(error).splitlines()
    assert len(lines) == 4
    assert "InsufficientBalanceError" in lines[1]
    assert "APIConnectionError" in lines[2]
    assert KEY not in str(error)


@KINDS
async def test_when_every_route_cools_down_the_first_to_end_is_tried(
    kind: Kind, servers: Servers
) -> None:
    clock, switches = FakeClock(), Switches()
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "error-401"), (servers.url_b, "error-500")]},
        clock=clock,
        switches=switches,
    )
    with pytest.raises(AllRoutesFailedError):
        await create(router)  # route 1 out for 300 s, route 2 for 30 s
    clock.now += 10.0
    with pytest.raises(AllRoutesFailedError) as caught:
        await create(router)
    assert [r.model for r, _ in caught.value.errors] == ["error-500"]  # a request, not none


@KINDS
async def test_a_stream_that_fails_before_its_first_content_moves_on_seamlessly(
    kind: Kind, servers: Servers
) -> None:
    switches = Switches()
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "stream-drop-1"), (servers.url_b, "qwen3-8b")]},
        switches=switches,
    )
    text, route = await stream_text(router)
    assert text == "You said: route me"
    assert isinstance(route, Route)
    assert route.model == "qwen3-8b"
    assert switches.seen == [("stream-drop-1", "APIConnectionError", "qwen3-8b")]

    router = make_router(
        kind, {"smart": [(servers.url_a, "stream-error-1"), (servers.url_b, "qwen3-8b")]}
    )
    text, _ = await stream_text(router)
    assert text == "You said: route me"


@KINDS
async def test_a_stream_that_fails_after_content_raises_and_never_splices(
    kind: Kind, servers: Servers
) -> None:
    switches = Switches()
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "stream-drop"), (servers.url_b, "qwen3-8b")]},
        switches=switches,
    )
    with pytest.raises(APIConnectionError):
        await stream_text(router)
    assert switches.seen == []


@KINDS
async def test_an_unknown_model_passes_through_to_the_first_client(
    kind: Kind, servers: Servers
) -> None:
    router = make_router(kind, {"smart": [(servers.url_b, "error-500")]})
    before = len(servers.b.requests)
    reply = await create(router, model="qwen3-8b")
    assert reply.model == "qwen3-8b"
    assert len(servers.b.requests) == before + 1


@KINDS
async def test_round_robin_spreads_calls_over_the_routes(kind: Kind, servers: Servers) -> None:
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "qwen3-8b"), (servers.url_b, "qwen3-8b")]},
        strategy="round_robin",
    )
    a, b = len(servers.a.requests), len(servers.b.requests)
    for _ in range(4):
        await create(router)
    assert (len(servers.a.requests) - a, len(servers.b.requests) - b) == (2, 2)


async def test_a_switch_is_logged_at_info_without_the_key(
    servers: Servers, caplog: pytest.LogCaptureFixture
) -> None:
    router = make_router("async", {"smart": [(servers.url_a, "error-429"), (servers.url_b, "x")]})
    with caplog.at_level(logging.INFO, logger="tokenclient"):
        await create(router)
    switches = [r for r in caplog.records if "route 1" in r.getMessage()]
    assert len(switches) == 1
    assert switches[0].levelno == logging.INFO
    assert "RateLimitError" in switches[0].getMessage()
    assert KEY not in caplog.text


async def test_threads_share_one_router(servers: Servers) -> None:
    switches = Switches()
    lock = threading.Lock()

    def counted(route: object, error: Exception, following: object) -> None:
        with lock:
            switches(route, error, following)

    with (
        TokenClient(api_key=KEY, base_url=servers.url_a, max_retries=0) as a,
        TokenClient(api_key=KEY, base_url=servers.url_b) as b,
    ):
        router = Router(
            {"smart": [Route(a, "error-503"), Route(b, "qwen3-8b")]}, on_fallback=counted
        )
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(create_sync, [router] * 40))
    assert all(r.model == "qwen3-8b" for r in replies)
    assert 1 <= len(switches.seen) <= 8  # route 1 cools down after the first failures


def create_sync(router: Router) -> ChatCompletion:
    return router.chat.completions.create(model="smart", messages=HELLO)


async def test_bad_tables_are_refused_with_the_field_named() -> None:
    client = TokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    other = AsyncTokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    _OPEN.extend((client, other))
    with pytest.raises(ConfigurationError, match="strategy"):
        Router({"m": [Route(client, "x")]}, strategy="random")  # type: ignore[arg-type]  # a wrong value on purpose
    with pytest.raises(ConfigurationError, match="cooldown"):
        Router({"m": [Route(client, "x")]}, cooldown=-1)
    with pytest.raises(ConfigurationError, match=r"routes\['m'\]"):
        Router({"m": []})
    with pytest.raises(ConfigurationError, match=r"routes\['m'\]\[0\]"):
        Router({"m": [Route(other, "x")]})  # type: ignore[arg-type]  # a wrong value on purpose


@KINDS
async def test_image_and_video_creations_move_on_only_when_nothing_was_billed(
    kind: Kind, servers: Servers
) -> None:
    switches = Switches()
    router = make_router(
        kind,
        {
            "painter": [
                (servers.dead, "seedream"),  # the connection never opens: nothing billed
                (servers.url_a, "error-402"),  # answered with an error status: nothing billed
                (servers.url_b, "seedream"),
            ]
        },
        switches=switches,
    )
    images = await resolve(router.images.generate(model="painter", prompt="a lighthouse"))
    assert len(images.data) == 1
    assert images._route is not None
    assert images._route.model == "seedream"
    assert [s[1] for s in switches.seen] == ["APIConnectionError", "InsufficientBalanceError"]

    task = await resolve(router.videos.create(model="painter", prompt="waves", duration=5))
    assert task.id
    assert task._route is not None
    assert task._route.model == "seedream"


@KINDS
async def test_a_creation_that_may_have_been_billed_is_never_sent_to_the_next_route(
    kind: Kind, servers: Servers
) -> None:
    switches = Switches()
    router = make_router(
        kind,
        {"painter": [(servers.url_a, "slow"), (servers.url_b, "seedream")]},
        switches=switches,
    )
    before = len(servers.b.requests)
    with pytest.raises(APITimeoutError):
        await resolve(router.images.generate(model="painter", prompt="a lighthouse", timeout=0.2))
    assert len(servers.b.requests) == before
    assert switches.seen == []


async def test_cancellation_passes_straight_through(servers: Servers) -> None:
    switches = Switches()
    router = make_router(
        "async",
        {"smart": [(servers.url_a, "slow"), (servers.url_b, "qwen3-8b")]},
        switches=switches,
    )
    before = len(servers.b.requests)
    with anyio.move_on_after(0.2) as scope:
        await create(router)
    assert scope.cancelled_caught
    assert switches.seen == []
    assert len(servers.b.requests) == before


class City(BaseModel):
    name: str
    population: int


@KINDS
async def test_parse_moves_on_like_create_and_returns_the_typed_value(
    kind: Kind, servers: Servers
) -> None:
    switches = Switches()
    router = make_router(
        kind,
        {"smart": [(servers.url_a, "error-503"), (servers.url_b, "qwen3-8b")]},
        switches=switches,
    )
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": "a city"}]
    parsed = await resolve(
        router.chat.completions.parse(model="smart", messages=messages, response_format=City)
    )
    city = parsed.choices[0].message.parsed
    assert isinstance(city, City)
    assert parsed._route is not None
    assert parsed._route.model == "qwen3-8b"
    assert [s[1] for s in switches.seen] == ["ServiceUnavailableError"]
