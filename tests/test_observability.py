"""Usage totals, costs, stream usage, hooks: against the bundled fake, sync and async."""

from __future__ import annotations

import json
import logging
import threading
import warnings
from collections.abc import Sequence
from decimal import Decimal

import anyio.lowlevel
import httpx
import pytest

from tokenclient import (
    APIStreamError,
    AsyncRouter,
    AsyncStream,
    AsyncTokenClient,
    BadRequestError,
    ConfigurationError,
    Cost,
    InternalServerError,
    ModelPrice,
    Pricing,
    Route,
    Router,
    Stream,
    TokenClient,
)
from tokenclient._core.cost import TokenCounts
from tokenclient.hooks import (
    ErrorEvent,
    FallbackEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    StreamEndEvent,
    UsageTotals,
)
from tokenclient.testing import FakeAPI, mock_transport
from tokenclient.testing._chat import COST_PER_TOKEN
from tokenclient.types import ChatCompletionChunk, ChatCompletionMessageParam

from .support import AnyClient, Kind, close, resolve

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])
AnyStream = Stream[ChatCompletionChunk] | AsyncStream[ChatCompletionChunk]
KEY = "sk-observability-secret-key"
BASE_URL = "https://fake.test/v1"
HI: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hello there"}]
PRICING = Pricing(
    {
        "qwen3-8b": ModelPrice(input=1, output=2),
        "seedream": ModelPrice(image="0.04"),
        "seedance": ModelPrice(video_second="0.5"),
    }
)


def make(
    kind: Kind,
    api: FakeAPI | None = None,
    *,
    pricing: Pricing | None = PRICING,
    hooks: Sequence[object] = (),
    include_content: bool = False,
    stream_usage: bool = True,
) -> AnyClient:
    transport = mock_transport(api or FakeAPI(api_key=KEY, video_seconds=0.0))
    client: AnyClient
    if kind == "sync":
        client = TokenClient(
            api_key=KEY,
            base_url=BASE_URL,
            http_client=httpx.Client(transport=transport),
            pricing=pricing,
            hooks=hooks,
            include_content=include_content,
            stream_usage=stream_usage,
        )
        client._runtime.sleep = lambda seconds: None
        client._runtime.poll_sleep = lambda seconds: None
    else:
        client = AsyncTokenClient(
            api_key=KEY,
            base_url=BASE_URL,
            http_client=httpx.AsyncClient(transport=transport),
            pricing=pricing,
            hooks=hooks,
            include_content=include_content,
            stream_usage=stream_usage,
        )

        async def no_wait(seconds: float) -> None:
            pass

        client._runtime.async_sleep = no_wait
        client._runtime.async_poll_sleep = no_wait
    return client


async def drain(client: AnyClient, model: str, **params: object) -> AnyStream:
    """Open a stream, read it to the end, return it."""
    stream: AnyStream = await resolve(
        client.chat.completions.create(model=model, messages=HI, stream=True, **params)  # type: ignore[call-overload]  # params are chat params
    )
    if isinstance(stream, AsyncStream):
        async for _ in stream:
            pass
    else:
        for _ in stream:
            pass
    return stream


class Recorder:
    """A hook recording every event."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def on_request(self, event: RequestEvent) -> None:
        self.events.append(event)

    def on_retry(self, event: RetryEvent) -> None:
        self.events.append(event)

    def on_response(self, event: ResponseEvent) -> None:
        self.events.append(event)

    def on_error(self, event: ErrorEvent) -> None:
        self.events.append(event)

    def on_stream_end(self, event: StreamEndEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [type(event).__name__ for event in self.events]


# --- costs and totals --------------------------------------------------------------------------


@KINDS
async def test_reply_cost_from_pricing_and_totals_per_model_and_tag(kind: Kind) -> None:
    client = make(kind)
    reply = await resolve(
        client.chat.completions.create(model="qwen3-8b", messages=HI, usage_tag="eval-3")
    )
    assert reply.usage is not None
    expected = (reply.usage.prompt_tokens * 1 + reply.usage.completion_tokens * 2) / Decimal(
        1_000_000
    )
    assert reply.cost == Cost(expected, "USD", "pricing")
    await resolve(client.chat.completions.create(model="qwen3-8b", messages=HI))
    await resolve(client.chat.completions.create(model="unpriced", messages=HI))
    with pytest.raises(BadRequestError):
        await resolve(client.chat.completions.create(model="error-400", messages=HI))

    snapshot = client.usage.snapshot()
    total = snapshot.total
    assert (total.requests, total.errors, total.unpriced) == (3, 1, 1)
    assert total.input_tokens == 3 * reply.usage.prompt_tokens
    assert total.cost == {"USD": 2 * expected}
    assert snapshot.by_model["qwen3-8b"].requests == 2
    assert snapshot.by_model["error-400"].errors == 1
    tagged = snapshot.by_tag["eval-3"]
    assert (tagged.requests, tagged.cost) == (1, {"USD": expected})
    assert snapshot.tag("eval-3").total == tagged

    await resolve(client.chat.completions.create(model="qwen3-8b", messages=HI))
    assert snapshot.total.requests == 3  # a snapshot does not move
    assert client.usage.total.requests == 4
    client.usage.reset()
    assert client.usage.total.requests == 0
    await close(client)


@KINDS
async def test_provider_reported_cost_wins(kind: Kind) -> None:
    client = make(kind)
    reply = await resolve(client.chat.completions.create(model="qwen3-8b-with-cost", messages=HI))
    assert reply.usage is not None
    amount = Decimal(str(round(reply.usage.total_tokens * COST_PER_TOKEN, 12)))
    assert reply.cost == Cost(amount, "USD", "provider")
    assert client.usage.total.cost == {"USD": amount}
    await close(client)


@KINDS
async def test_images_and_video_tasks_are_costed_and_billed_once(kind: Kind) -> None:
    now = [0.0]
    client = make(kind, FakeAPI(api_key=KEY, video_seconds=3, clock=lambda: now[0]))
    images = await resolve(client.images.generate(model="seedream", prompt="a cat", n=2))
    assert images.cost == Cost(Decimal("0.08"), "USD", "pricing")
    task = await resolve(
        client.videos.create(model="seedance", prompt="a dog", duration=4, usage_tag="film")
    )
    assert task.cost is None  # not done yet
    now[0] = 10.0
    done = await resolve(client.videos.wait(task.id, poll_interval=0.01, timeout=5))
    assert done.status == "succeeded"
    assert done.cost == Cost(Decimal("2.0"), "USD", "pricing")
    again = await resolve(client.videos.retrieve(task.id))  # polled again: not billed twice
    assert again.cost == done.cost
    film = client.usage.snapshot().by_tag["film"]
    assert (film.requests, film.cost) == (1, {"USD": Decimal("2.0")})
    assert client.usage.by_model["seedream"].cost == {"USD": Decimal("0.08")}
    await close(client)


def test_usage_totals_are_thread_safe() -> None:
    totals = UsageTotals()
    cost = Cost(Decimal("0.001"), "USD", "pricing")
    counts = TokenCounts(input=3, cached_input=1, output=2, reasoning=1)

    def work() -> None:
        for _ in range(2000):
            totals.record("m", None, counts, cost)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    total = totals.total
    assert total.requests == 16_000
    assert (total.input_tokens, total.cached_input_tokens) == (48_000, 16_000)
    assert (total.output_tokens, total.reasoning_tokens) == (32_000, 16_000)
    assert total.cost == {"USD": Decimal("16.000")}


def test_usage_tag_is_checked_before_sending() -> None:
    client = make("sync")
    assert isinstance(client, TokenClient)
    with pytest.raises(ValueError, match="usage_tag"):
        client.chat.completions.create(model="qwen3-8b", messages=HI, usage_tag="")
    client.close()


# --- stream usage --------------------------------------------------------------------------------


@KINDS
async def test_streams_ask_for_usage_and_expose_it(kind: Kind) -> None:
    api = FakeAPI(api_key=KEY)
    client = make(kind, api)
    stream = await drain(client, "qwen3-8b-with-cost")
    sent = json.loads(api.requests[-1].content)
    assert sent["stream_options"] == {"include_usage": True}
    usage = stream.usage
    assert usage is not None
    assert usage.total_tokens > 0
    cost = stream.cost
    assert isinstance(cost, Cost)
    assert cost.source == "provider"
    assert client.usage.total.output_tokens == usage.completion_tokens
    await close(client)


@KINDS
async def test_stream_usage_off_and_caller_stream_options_are_left_alone(kind: Kind) -> None:
    api = FakeAPI(api_key=KEY)
    client = make(kind, api, stream_usage=False)
    stream = await drain(client, "qwen3-8b")
    assert "stream_options" not in json.loads(api.requests[-1].content)
    assert stream.usage is None
    assert stream.cost is None
    await close(client)

    client = make(kind, api)
    await drain(client, "qwen3-8b", stream_options={"include_usage": False})
    assert json.loads(api.requests[-1].content)["stream_options"] == {"include_usage": False}
    await close(client)


@KINDS
async def test_a_provider_refusing_stream_options_is_remembered(kind: Kind) -> None:
    api = FakeAPI(api_key=KEY)
    client = make(kind, api)
    await drain(client, "qwen3-no-stream-options")
    bodies = [json.loads(request.content) for request in api.requests]
    assert ["stream_options" in body for body in bodies] == [True, False]
    await drain(client, "qwen3-no-stream-options")  # never sent again for this model
    assert "stream_options" not in json.loads(api.requests[-1].content)
    assert len(api.requests) == 3
    await drain(client, "qwen3-8b")  # other models still get it
    assert "stream_options" in json.loads(api.requests[-1].content)
    assert client.usage.total.errors == 0
    await close(client)


@KINDS
async def test_caller_stream_options_refused_is_an_error(kind: Kind) -> None:
    client = make(kind)
    with pytest.raises(BadRequestError, match="stream_options"):
        await drain(client, "qwen3-no-stream-options", stream_options={"include_usage": True})
    await close(client)


# --- hooks ---------------------------------------------------------------------------------------


@KINDS
async def test_hooks_see_request_retry_response_and_error(kind: Kind) -> None:
    recorder = Recorder()
    client = make(kind, hooks=[recorder])
    await resolve(client.chat.completions.create(model="flaky-1", messages=HI, usage_tag="t"))
    assert recorder.kinds() == ["RequestEvent", "RetryEvent", "ResponseEvent"]
    request, retry, response = recorder.events
    assert isinstance(request, RequestEvent)
    assert (request.operation, request.method, request.model, request.tag) == (
        "chat",
        "POST",
        "flaky-1",
        "t",
    )
    assert (request.server_address, request.server_port, request.path) == (
        "fake.test",
        443,
        "/v1/chat/completions",
    )
    assert request.content is None
    assert isinstance(retry, RetryEvent)
    assert (retry.attempt, retry.status) == (0, 503)
    assert retry.delay >= 0
    assert isinstance(response, ResponseEvent)
    assert (response.attempt, response.status) == (1, 200)
    assert response.request_id is not None
    assert response.request_id.startswith("req_")
    assert response.finish_reasons == ("stop",)
    assert response.usage is not None
    assert response.usage.output > 0
    assert response.duration >= 0
    assert response.time_to_first_byte is not None

    recorder.events.clear()
    with pytest.raises(BadRequestError):
        await resolve(client.chat.completions.create(model="error-400", messages=HI))
    assert recorder.kinds() == ["RequestEvent", "ErrorEvent"]
    error = recorder.events[1]
    assert isinstance(error, ErrorEvent)
    assert (error.status, error.error_type) == (400, "BadRequestError")
    for event in [request, retry, response, error]:
        assert KEY not in repr(event)
    await close(client)


@KINDS
async def test_stream_end_event_has_timings_usage_and_cost(kind: Kind) -> None:
    recorder = Recorder()
    client = make(kind, hooks=[recorder])
    await drain(client, "qwen3-8b")
    assert recorder.kinds() == ["RequestEvent", "ResponseEvent", "StreamEndEvent"]
    end = recorder.events[-1]
    assert isinstance(end, StreamEndEvent)
    assert end.completed
    assert end.error is None
    assert end.chunks > 2
    assert end.time_to_first_token is not None
    assert end.max_idle_gap is not None
    assert end.duration >= end.time_to_first_token
    assert end.usage is not None
    assert end.cost is not None
    assert end.finish_reasons == ("stop",)
    assert end.response_model == "qwen3-8b"
    await close(client)


@KINDS
async def test_a_stream_that_breaks_reports_its_error(kind: Kind) -> None:
    recorder = Recorder()
    client = make(kind, hooks=[recorder])
    with pytest.raises(APIStreamError):
        await drain(client, "stream-error")
    end = recorder.events[-1]
    assert isinstance(end, StreamEndEvent)
    assert not end.completed
    assert end.error is not None
    assert client.usage.total.errors == 1
    await close(client)


@KINDS
async def test_content_only_when_asked(kind: Kind) -> None:
    recorder = Recorder()
    client = make(kind, hooks=[recorder], include_content=True)
    await resolve(client.chat.completions.create(model="qwen3-8b", messages=HI))
    request = recorder.events[0]
    assert isinstance(request, RequestEvent)
    assert request.content is not None
    assert request.content["messages"] == HI
    await close(client)


class Broken:
    def __init__(self) -> None:
        self.calls = 0

    def on_response(self, event: ResponseEvent) -> None:
        self.calls += 1
        raise RuntimeError("hook bug")


@KINDS
async def test_a_hook_that_raises_is_logged_once_and_the_call_goes_on(
    kind: Kind, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Broken()
    recorder = Recorder()
    client = make(kind, hooks=[broken, recorder])
    with caplog.at_level(logging.WARNING, logger="tokenclient"):
        for _ in range(3):
            reply = await resolve(client.chat.completions.create(model="qwen3-8b", messages=HI))
            assert reply.choices
    assert broken.calls == 3
    warnings = [r for r in caplog.records if "hook bug" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "Broken.on_response" in warnings[0].getMessage()
    assert recorder.kinds().count("ResponseEvent") == 3  # later hooks still run
    await close(client)


class AsyncRecorder:
    def __init__(self) -> None:
        self.events: list[object] = []

    async def on_response(self, event: ResponseEvent) -> None:
        self.events.append(event)

    async def on_stream_end(self, event: StreamEndEvent) -> None:
        self.events.append(event)


async def test_async_hooks_are_awaited_on_the_async_client() -> None:
    hook = AsyncRecorder()
    client = make("async", hooks=[hook])
    await resolve(client.chat.completions.create(model="qwen3-8b", messages=HI))
    await drain(client, "qwen3-8b")
    assert [type(event).__name__ for event in hook.events] == [
        "ResponseEvent",
        "ResponseEvent",
        "StreamEndEvent",
    ]
    await close(client)


def test_bad_hooks_are_refused_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="AsyncTokenClient"):
        make("sync", hooks=[AsyncRecorder()])
    with pytest.raises(ConfigurationError, match="on_request"):
        make("sync", hooks=[object()])
    with pytest.raises(ConfigurationError, match="pricing"):
        make("sync", pricing={"m": {}})  # type: ignore[arg-type]  # wrong on purpose


# --- the fake's rate-limit headers ---------------------------------------------------------------


@KINDS
async def test_the_fake_sends_rate_limit_headers(kind: Kind) -> None:
    client = make(kind)
    first = await resolve(
        client.chat.completions.with_raw_response.create(model="qwen3-8b", messages=HI)
    )
    second = await resolve(client.models.with_raw_response.list())
    assert first.rate_limit.limit_requests == 10_000
    assert first.rate_limit.remaining_requests == 9_999
    assert second.rate_limit.remaining_requests == 9_998
    assert second.rate_limit.limit_tokens == 2_000_000
    assert second.rate_limit.reset_requests == pytest.approx(0.006)
    await close(client)


# --- router fallbacks ----------------------------------------------------------------------------


class Fallbacks:
    def __init__(self) -> None:
        self.events: list[FallbackEvent] = []

    def on_fallback(self, event: FallbackEvent) -> None:
        self.events.append(event)


@KINDS
async def test_router_fallbacks_reach_the_failed_routes_client_hooks(kind: Kind) -> None:
    seen = Fallbacks()
    calls: list[tuple[object, Exception, object]] = []
    first = make(kind, hooks=[seen]).with_options(max_retries=0)
    second = make(kind)
    router: Router | AsyncRouter
    if isinstance(first, TokenClient) and isinstance(second, TokenClient):
        router = Router(
            {"smart": [Route(first, "error-503"), Route(second, "qwen3-8b")]},
            on_fallback=lambda route, error, following: calls.append((route, error, following)),
        )
    else:
        assert isinstance(first, AsyncTokenClient)
        assert isinstance(second, AsyncTokenClient)
        router = AsyncRouter(
            {"smart": [Route(first, "error-503"), Route(second, "qwen3-8b")]},
            on_fallback=lambda route, error, following: calls.append((route, error, following)),
        )
    reply = await resolve(router.chat.completions.create(model="smart", messages=HI))
    assert reply.model == "qwen3-8b"
    (event,) = seen.events
    assert event.model == "smart"
    assert event.route.model == "error-503"
    assert event.next_route is not None
    assert event.next_route.model == "qwen3-8b"
    assert isinstance(event.error, InternalServerError)
    assert len(calls) == 1  # the router's own callback still runs
    assert first.usage.total.errors == 1  # shared with the copy: counted on the original too
    await close(first)
    await close(second)


def test_a_fallback_only_hook_builds_no_call_events() -> None:
    client = make("sync", hooks=[Fallbacks()])
    assert not client._observer.active
    client.close()


@pytest.mark.anyio
async def test_on_an_async_router_coroutine_callbacks_and_hooks_are_awaited() -> None:
    order: list[str] = []

    class AsyncFallback:
        async def on_fallback(self, event: FallbackEvent) -> None:
            await anyio.lowlevel.checkpoint()  # really suspends: only an awaited call gets past
            order.append(f"hook:{event.route.model}")

    async def callback(route: Route[AsyncTokenClient], error: Exception, following: object) -> None:
        await anyio.lowlevel.checkpoint()
        order.append(f"callback:{type(error).__name__}")

    first = make("async", hooks=[AsyncFallback()]).with_options(max_retries=0)
    second = make("async")
    assert isinstance(first, AsyncTokenClient)
    assert isinstance(second, AsyncTokenClient)
    router = AsyncRouter(
        {"smart": [Route(first, "error-503"), Route(second, "qwen3-8b")]}, on_fallback=callback
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a coroutine never awaited would warn
        reply = await router.chat.completions.create(model="smart", messages=HI)
    assert reply.model == "qwen3-8b"
    assert order == ["callback:ServiceUnavailableError", "hook:error-503"]
    await close(first)
    await close(second)


def test_a_coroutine_hook_on_a_sync_client_is_still_refused() -> None:
    class AsyncFallback:
        async def on_fallback(self, event: FallbackEvent) -> None:
            pass

    with pytest.raises(ConfigurationError, match=r"on_fallback is a coroutine function"):
        make("sync", hooks=[AsyncFallback()])


@KINDS
async def test_without_hooks_the_chunk_path_is_the_plain_one(kind: Kind) -> None:
    client = make(kind)
    assert not client._observer.active
    stream: AnyStream = await resolve(
        client.chat.completions.create(model="qwen3-8b", messages=HI, stream=True)
    )
    # No timing wrappers: the fold is the accumulator's own method, the bytes httpx's iterator.
    assert stream._fold == stream._accumulator.add
    assert type(stream._bytes).__name__ in {"generator", "async_generator"}
    if isinstance(stream, AsyncStream):
        await stream.close()
    else:
        stream.close()
    await close(client)


class ContentHook(Recorder):
    include_content = True


async def test_a_hook_can_ask_for_content() -> None:
    hook = ContentHook()
    client = make("sync", hooks=[hook])
    assert isinstance(client, TokenClient)
    client.chat.completions.create(model="qwen3-8b", messages=HI)
    request = hook.events[0]
    assert isinstance(request, RequestEvent)
    assert request.content is not None
    client.close()


def test_the_accounting_benchmark_runs() -> None:
    from benchmarks.accounting import measure

    results = measure(200)
    assert set(results) == {"no pricing", "exact price", "pattern price", "provider usage.cost"}
    assert all(value > 0 for value in results.values())
