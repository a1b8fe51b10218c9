"""The clients ask a limits store: leases with the response, usage, pauses, headers, failures."""

from __future__ import annotations

import gc
import gzip
import json
import logging
import socket
import threading
import time
import uuid
import warnings

import anyio
import httpx
import pytest
import redis.asyncio

from tokenclient import APITimeoutError, AsyncTokenClient, ConfigurationError, TokenClient
from tokenclient._limiter import SharedLimits
from tokenclient.limits import Grant, Limits, LimitsStore, LimitsStoreError, LocalStore, RedisStore
from tokenclient.types import ChatCompletionMessageParam

from ..support import (
    BASE_URL,
    KEY,
    AnyClient,
    Handler,
    Kind,
    ScriptedStream,
    chunk,
    close,
    resolve,
    sse,
)
from .conftest import RedisServer

pytestmark = pytest.mark.anyio
KINDS = pytest.mark.parametrize("kind", ["sync", "async"])

MESSAGES: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Hello, world"}  # 12 characters: 3 tokens
]


class RecordingStore(LocalStore):
    """A ``LocalStore`` that records the calls the limiter makes (the async twins too)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, object]]] = []

    def active(self, scope: str) -> int:
        """Unexpired leases of ``scope``."""
        now = time.monotonic()
        return sum(1 for expiry in self._leases.get(scope, {}).values() if expiry > now)

    def named(self, name: str) -> list[dict[str, object]]:
        """The keyword arguments of every call of ``name``."""
        return [kwargs for called, _, kwargs in self.calls if called == name]

    def acquire(self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0) -> Grant:
        self.calls.append(("acquire", scope, {"tokens": tokens}))
        return super().acquire(scope, limits, tokens=tokens, attempt=attempt)

    def release(
        self,
        scope: str,
        limits: Limits,
        grant: Grant,
        *,
        started: bool = True,
        used_tokens: int | None = None,
    ) -> None:
        self.calls.append(("release", scope, {"started": started, "used_tokens": used_tokens}))
        super().release(scope, limits, grant, started=started, used_tokens=used_tokens)

    def renew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        self.calls.append(("renew", scope, {}))
        return super().renew(scope, limits, grant)

    def pause(self, scope: str, seconds: float) -> None:
        self.calls.append(("pause", scope, {"seconds": seconds}))
        super().pause(scope, seconds)

    def tighten(self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float) -> None:
        self.calls.append(("tighten", scope, {"remaining": remaining, "reset": reset_seconds}))
        super().tighten(scope, limits, remaining=remaining, reset_seconds=reset_seconds)


def completion(total_tokens: int, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1714000000,
        "model": "qwen3-8b",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hi"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": total_tokens},
    }
    return httpx.Response(200, json=body, headers=headers)


def client_of(
    kind: Kind, handler: Handler, store: LimitsStore | None, **options: object
) -> AnyClient:
    """A client over ``handler`` with ``store``; its limiter's waits do not really sleep."""
    transport = httpx.MockTransport(handler)
    client: AnyClient
    if kind == "sync":
        client = TokenClient(
            api_key=KEY,
            base_url=BASE_URL,
            http_client=httpx.Client(transport=transport),
            limits_store=store,
            **options,  # type: ignore[arg-type]  # each test passes valid options
        )
        client._runtime.sleep = lambda seconds: None
        client._runtime.limiter_sleep = lambda seconds: None
    else:
        client = AsyncTokenClient(
            api_key=KEY,
            base_url=BASE_URL,
            http_client=httpx.AsyncClient(transport=transport),
            limits_store=store,
            **options,  # type: ignore[arg-type]  # each test passes valid options
        )

        async def no_sleep(seconds: float) -> None:
            pass

        client._runtime.async_sleep = no_sleep
        client._runtime.async_limiter_sleep = no_sleep
    return client


def sync_client(handler: Handler, store: LimitsStore, **options: object) -> TokenClient:
    """``client_of`` for the tests that only make sense with threads."""
    client = client_of("sync", handler, store, **options)
    assert isinstance(client, TokenClient)
    return client


def streaming(body: ScriptedStream) -> Handler:
    """A handler that answers every request with the SSE ``body``."""
    return lambda request: httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=body
    )


def shared_of(client: AnyClient) -> SharedLimits:
    shared = client._requester.limiter.shared
    assert shared is not None
    return shared


def gzipped(response: httpx.Response) -> httpx.Response:
    """``response`` with its body sent gzip-encoded (the raw bytes hide the usage)."""
    return httpx.Response(
        response.status_code,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
        stream=ScriptedStream([gzip.compress(response.content)]),  # read as it arrives
    )


@KINDS
@pytest.mark.parametrize("encoded", [False, True])
async def test_a_request_takes_a_lease_and_settles_its_tokens_against_usage(
    kind: Kind, encoded: bool
) -> None:
    store = RecordingStore()
    client = client_of(
        kind,
        lambda request: gzipped(completion(42)) if encoded else completion(42),
        store,
        max_concurrency=2,
        tokens_per_minute=10_000,
    )
    await resolve(client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=10))
    scope = shared_of(client).scope
    assert store.named("acquire") == [{"tokens": 3 + 10}]  # 12 characters / 4 + max_tokens
    assert store.named("release") == [{"started": True, "used_tokens": 42}]
    assert store.active(scope) == 0
    await close(client)


@KINDS
async def test_a_stream_holds_its_lease_until_closed_and_settles_on_its_usage_chunk(
    kind: Kind,
) -> None:
    store = RecordingStore()
    usage = json.dumps({"usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 57}})
    pieces = b"".join(sse(chunk("Hi"), chunk(finish="stop"), json.loads(usage) | chunk()))
    cut = pieces.index(b"57") + 1  # the number is split between two pieces
    body = ScriptedStream([pieces[:cut], pieces[cut:]])
    client = client_of(
        kind,
        streaming(body),
        store,
        max_concurrency=2,
        tokens_per_minute=10_000,
    )
    scope = shared_of(client).scope
    if isinstance(client, TokenClient):
        with client.chat.completions.create(model="m", messages=MESSAGES, stream=True) as stream:
            assert store.active(scope) == 1  # held while the stream is open
            assert store.named("release") == []
            list(stream)
    else:
        astream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with astream:
            assert store.active(scope) == 1
            assert store.named("release") == []
            async for _ in astream:
                pass
    assert store.active(scope) == 0
    assert store.named("release") == [{"started": True, "used_tokens": 57}]
    await close(client)


@KINDS
async def test_a_429_pauses_the_whole_scope_in_the_store(kind: Kind) -> None:
    store = RecordingStore()
    answers = iter([httpx.Response(429, headers={"retry-after": "2"}), completion(5)])
    client = client_of(kind, lambda request: next(answers), store, requests_per_minute=600)
    await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    assert store.named("pause") == [{"seconds": 2.0}]
    # the in-process bucket is off: the store paces (two acquires, one per attempt)
    assert len(store.named("acquire")) == 2
    assert client._requester.limiter._bucket.requests_per_minute is None
    await close(client)


@KINDS
@pytest.mark.parametrize(("remaining", "tightened"), [(0, True), (3, True), (1000, False)])
async def test_rate_limit_headers_tighten_the_store_only_when_they_can(
    kind: Kind, remaining: int, tightened: bool
) -> None:
    store = RecordingStore()
    headers = {"x-ratelimit-remaining-requests": str(remaining), "x-ratelimit-reset-requests": "6s"}
    client = client_of(kind, lambda request: completion(5, headers), store, requests_per_minute=60)
    await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    expected = [{"remaining": remaining, "reset": 6.0}] if tightened else []
    assert store.named("tighten") == expected
    await close(client)


@KINDS
async def test_a_send_that_never_left_refunds_its_reservation(kind: Kind) -> None:
    store = RecordingStore()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = client_of(kind, refuse, store, max_concurrency=1, max_retries=0)
    with pytest.raises(Exception, match=r"refused|connect"):
        await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    assert store.named("release") == [{"started": False, "used_tokens": None}]
    assert store.active(shared_of(client).scope) == 0
    await close(client)


@KINDS
async def test_a_slot_held_elsewhere_is_waited_for_no_longer_than_the_pool_timeout(
    kind: Kind, store: LimitsStore
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return completion(5)

    timeout = httpx.Timeout(5.0, pool=0.3)
    client = client_of(kind, handler, store, max_concurrency=1, timeout=timeout)
    client._runtime.limiter_sleep = time.sleep  # real polls on the real clock
    client._runtime.async_limiter_sleep = anyio.sleep
    shared = shared_of(client)
    holder = store.acquire(shared.scope, shared.limits)  # another process's open stream
    assert holder.admitted
    # A safety net, so that a wait without the bound ends too (and fails the test, not CI).
    net = threading.Timer(6.0, lambda: store.release(shared.scope, shared.limits, holder))
    net.start()
    started = time.monotonic()
    try:
        with pytest.raises(APITimeoutError, match=r"0\.3 s for a slot of the shared limits"):
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
        assert time.monotonic() - started < 0.3 + 3.0  # generous: a loaded 2-core machine
        assert seen == []  # nothing was sent
    finally:
        net.cancel()
    store.release(shared.scope, shared.limits, holder)
    await resolve(client.chat.completions.create(model="m", messages=MESSAGES))  # free again
    assert len(seen) == 1
    if isinstance(client, AsyncTokenClient):
        await store.aclose()  # its async connections belong to this event loop
    await close(client)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@KINDS
async def test_an_unreachable_store_raises_before_anything_is_sent(kind: Kind) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return completion(5)

    store = RedisStore(f"redis://:secret@127.0.0.1:{_free_port()}/0", timeout=0.5)
    client = client_of(kind, handler, store, max_concurrency=2)
    started = time.monotonic()
    with pytest.raises(LimitsStoreError) as caught:
        await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    assert time.monotonic() - started < 3.0  # within the store's timeout (one reconnect)
    assert seen == []
    assert "secret" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    await close(client)
    store.close()


async def test_the_key_never_reaches_the_store_and_an_explicit_scope_is_used() -> None:
    store = RecordingStore()
    client = client_of("sync", lambda request: completion(5), store, max_concurrency=2)
    await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    scopes = {scope for _, scope, _ in store.calls}
    assert len(scopes) == 1
    (scope,) = scopes
    assert scope.startswith("k:")
    assert KEY not in scope
    assert KEY[-8:] not in scope
    named = client_of("sync", lambda request: completion(5), store, limits_scope="team-a")
    assert shared_of(named).scope == "s:team-a"
    await close(client)
    await close(named)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"limits_scope": ""}, "limits_scope"),
        ({"limits_scope": "tab\there"}, "limits_scope"),
        ({"limits_store": object()}, "limits_store"),
        ({"tokens_per_minute": 0}, "tokens_per_minute"),
        ({"limits_store": LocalStore(), "limits_lease_ttl": 0}, "lease_ttl"),
    ],
)
@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_bad_limits_arguments_name_the_field(
    cls: type[TokenClient] | type[AsyncTokenClient], options: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigurationError, match=field):
        cls(api_key=KEY, base_url=BASE_URL, **options)  # type: ignore[arg-type]  # wrong values on purpose


@pytest.mark.parametrize("cls", [TokenClient, AsyncTokenClient])
def test_without_a_store_the_limiter_stays_in_process(
    cls: type[TokenClient] | type[AsyncTokenClient],
) -> None:
    client = cls(api_key=KEY, base_url=BASE_URL, max_concurrency=3, requests_per_minute=60)
    assert client._requester.limiter.shared is None
    assert client._requester.limiter.requests_per_minute == 60
    alone = cls(api_key=KEY, base_url=BASE_URL, tokens_per_minute=1000)
    shared = alone._requester.limiter.shared
    assert shared is not None
    assert isinstance(shared.store, LocalStore)
    assert shared.limits.tokens_per_minute == 1000


@KINDS
async def test_tokens_per_minute_without_a_store_paces_in_process(kind: Kind) -> None:
    waits: list[float] = []
    client = client_of(kind, lambda request: completion(13), None, tokens_per_minute=600)
    if isinstance(client, TokenClient):
        client._runtime.limiter_sleep = waits.append
    else:

        async def record(seconds: float) -> None:
            waits.append(seconds)

        client._runtime.async_limiter_sleep = record
    for _ in range(2):  # 13 tokens each; the bucket holds 10 and refills 10 a second
        await resolve(client.chat.completions.create(model="m", messages=MESSAGES, max_tokens=10))
    assert sum(waits) == pytest.approx(1.3, abs=0.1)
    await close(client)


def test_a_dropped_stream_gives_its_lease_back_from_the_renewer_thread() -> None:
    store = RecordingStore()
    client = sync_client(
        streaming(ScriptedStream(sse(chunk("Hi"), chunk(finish="stop")))),
        store,
        max_concurrency=1,
    )
    scope = shared_of(client).scope
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        assert store.active(scope) == 1
        del stream
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)
    deadline = time.monotonic() + 5
    while store.active(scope) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.active(scope) == 0
    assert store.named("release") == [{"started": True, "used_tokens": None}]
    client.close()


@pytest.mark.slow
@KINDS
async def test_an_open_stream_keeps_its_lease_past_the_ttl_by_renewing_it(kind: Kind) -> None:
    store = RecordingStore()
    client = client_of(
        kind,
        streaming(ScriptedStream(sse(chunk("Hi"), chunk(finish="stop")))),
        store,
        max_concurrency=1,
        limits_lease_ttl=0.3,
    )
    scope = shared_of(client).scope
    if isinstance(client, TokenClient):
        with client.chat.completions.create(model="m", messages=MESSAGES, stream=True) as stream:
            await anyio.sleep(0.8)  # almost three TTLs (renewed from a thread)
            assert store.active(scope) == 1
            assert len(store.named("renew")) >= 2
            list(stream)
    else:  # renewed on the event loop, with the store's async methods
        astream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with astream:
            await anyio.sleep(0.8)
            assert store.active(scope) == 1
            assert len(store.named("renew")) >= 2
    assert store.active(scope) == 0
    await close(client)


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_store_with_an_asyncio_redis_client_is_renewed_on_the_loop(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    connection = redis.asyncio.Redis.from_url(redis_server.url)  # pyright: ignore[reportUnknownMemberType]  # redis-py leaves **kwargs untyped
    store = RedisStore(connection)  # async methods only
    client = client_of(
        "async",
        streaming(ScriptedStream(sse(chunk("Hi"), chunk(finish="stop")))),
        store,
        max_concurrency=1,
        limits_lease_ttl=0.3,
        limits_scope="async-redis-" + uuid.uuid4().hex,
    )
    assert isinstance(client, AsyncTokenClient)
    shared = shared_of(client)
    with caplog.at_level(logging.WARNING, logger="tokenclient.limits"):
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        async with stream:
            await anyio.sleep(0.8)  # almost three TTLs: expired unless renewed
            other = await store.aacquire(shared.scope, shared.limits)
            assert not other.admitted  # the one slot is still held
    assert caplog.records == []
    assert (await store.aacquire(shared.scope, shared.limits)).admitted
    await close(client)
    await connection.aclose()
