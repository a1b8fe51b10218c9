"""``TokenClient`` and ``AsyncTokenClient``: options, the owned httpx client, resources, close.

The twins differ only in the httpx client kind, the requester and limiter kinds and
``close``/``aclose``; everything else is ``_ClientBase``. Resources are created on first use,
so a program that only chats never imports the image or video models.
"""

from __future__ import annotations

import contextlib
import copy
import os
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, TypeVar

import httpx
from typing_extensions import Self, override

from ._backends import HttpBackend, async_make_http, check_backend, make_http
from ._config import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    resolve_config,
    resolve_limits,
)
from ._core.config import ClientConfig
from ._core.limits import DEFAULT_LEASE_TTL, check_scope
from ._core.request import RequestOptions, build_request, stream_request
from ._core.response import parse_model
from ._core.retry import RetryPolicy
from ._core.strategy_memo import StrategyMemo
from ._core.stream_usage import StreamUsage
from ._custom import AsyncCustomRequests, CustomRequests
from ._exceptions import BadRequestError, ConfigurationError, InvalidRequestError
from ._limiter import AsyncLimiter, Limiter, SharedLimits
from ._response import record
from ._runtime import Runtime
from ._transport import AsyncRequester, Requester
from ._types import NOT_GIVEN, NotGiven, Timeout
from .limits import LimitsStore  # neither sqlite3 nor redis: their stores load on first use

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ._core.cost import Pricing
    from ._observe import Call, Observer
    from ._streaming import AsyncStream, Stream
    from .hooks import UsageTotals
    from .resources.chat import AsyncChat, Chat
    from .resources.images import AsyncImages, Images
    from .resources.models import AsyncModels, Models
    from .resources.videos import AsyncVideos, Videos

__all__ = ["AsyncTokenClient", "TokenClient"]

ModelT = TypeVar("ModelT", bound="BaseModel")

# httpx keeps only 20 idle connections by default; a batch job at concurrency 50 would then
# reconnect constantly. Keep as many idle as may be open.
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


@dataclass(frozen=True)
class _Settings:
    """The arguments a client was made with; ``with_options`` replaces some of them."""

    api_key: str | None = field(repr=False)
    base_url: str | httpx.URL | None
    provider: str | None
    timeout: Timeout | NotGiven
    max_retries: int
    default_headers: Mapping[str, str] | None
    stream_idle_timeout: float | None
    http_client: httpx.Client | httpx.AsyncClient | None = field(repr=False)
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    attempt_timeout: float | None = None

    def updated(
        self,
        *,
        api_key: str | NotGiven,
        base_url: str | httpx.URL | NotGiven,
        timeout: Timeout | NotGiven,
        max_retries: int | NotGiven,
        default_headers: Mapping[str, str] | NotGiven,
        stream_idle_timeout: float | NotGiven | None,
    ) -> _Settings:
        """These settings with every given argument replaced."""
        return replace(
            self,
            api_key=self.api_key if isinstance(api_key, NotGiven) else api_key,
            base_url=self.base_url if isinstance(base_url, NotGiven) else base_url,
            timeout=self.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=self.max_retries if isinstance(max_retries, NotGiven) else max_retries,
            default_headers=(
                self.default_headers if isinstance(default_headers, NotGiven) else default_headers
            ),
            stream_idle_timeout=(
                self.stream_idle_timeout
                if isinstance(stream_idle_timeout, NotGiven)
                else stream_idle_timeout
            ),
        )

    def resolve(self, expected: type[httpx.Client | httpx.AsyncClient]) -> ClientConfig:
        http_client = self.http_client
        if http_client is not None and not isinstance(http_client, expected):
            raise TypeError(
                f"http_client: expected an {expected.__module__}.{expected.__name__}, "
                f"got {type(http_client).__name__}"
            )
        return resolve_config(
            api_key=self.api_key,
            base_url=self.base_url,
            provider=self.provider,
            timeout=self.timeout,
            max_retries=self.max_retries,
            default_headers=self.default_headers,
            stream_idle_timeout=self.stream_idle_timeout,
            max_response_bytes=self.max_response_bytes,
            max_event_bytes=self.max_event_bytes,
            attempt_timeout=self.attempt_timeout,
            base_headers=http_client.headers if http_client is not None else None,
            environ=os.environ,
        )


_PROXY_SCHEMES = frozenset({"http", "https", "socks5", "socks5h"})


def _proxy(
    proxy: str | httpx.URL | httpx.Proxy | None,
    http_client: httpx.Client | httpx.AsyncClient | None,
) -> str | httpx.URL | httpx.Proxy | None:
    """``proxy`` for the owned httpx client; refused with ``http_client`` (which has its own)."""
    if proxy is not None and http_client is not None:
        raise ConfigurationError(
            "proxy: give it to your own http_client (httpx.Client(proxy=...)), not both"
        )
    url = proxy.url if isinstance(proxy, httpx.Proxy) else proxy
    if url is not None:  # the text itself may hold a password: never shown
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL:
            parsed = None
        if parsed is None or parsed.scheme not in _PROXY_SCHEMES or not parsed.host:
            raise ConfigurationError("proxy: expected an http://, https:// or socks5:// URL")
    return proxy


@contextlib.contextmanager
def _configuring() -> Generator[None]:
    """Report a bad argument checked below the client (e.g. by the limiter) as configuration."""
    try:
        yield
    except ConfigurationError:
        raise
    except InvalidRequestError as error:
        raise ConfigurationError(str(error)) from None


@dataclass(frozen=True)
class _Observing:
    """The observability arguments of a client."""

    pricing: Pricing | None
    hooks: Sequence[object]
    include_content: bool
    stream_usage: bool


class _ClientBase:
    """What the twins share: settings, runtime, ``with_options``, ``base_url``, ``repr``."""

    _settings: _Settings
    _config: ClientConfig
    _runtime: Runtime
    _strategies: StrategyMemo
    """The structured-output strategy that worked per ``(base_url, model)``; shared by the
    ``with_options`` copies."""
    _owns_http: bool
    _observer: Observer
    _stream_usage: StreamUsage
    _http_kind: type[httpx.Client | httpx.AsyncClient]
    _resources: ClassVar[tuple[str, ...]] = ()
    """The names of the lazily created resources (every ``cached_property``)."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls._resources = tuple(
            sorted(
                {
                    name
                    for klass in cls.__mro__
                    for name, member in vars(klass).items()
                    if isinstance(member, cached_property)
                }
            )
        )

    def _configure(
        self,
        settings: _Settings,
        max_concurrency: int | NotGiven | None,
        requests_per_minute: float | NotGiven | None,
        observe: _Observing,
    ) -> tuple[int | None, float | None]:
        """Resolve and keep ``settings``, make the runtime; the limits for the limiter."""
        from ._observe import Observer  # with the hooks and cost modules: not at import

        with _configuring():
            self._observer = Observer(
                observe.hooks,
                pricing=observe.pricing,
                include_content=observe.include_content,
                asynchronous=self._http_kind is httpx.AsyncClient,
            )
            self._stream_usage = StreamUsage(observe.stream_usage)
        self._settings = settings
        self._config = settings.resolve(self._http_kind)
        self._owns_http = settings.http_client is None
        self._runtime = Runtime()
        self._strategies = StrategyMemo()
        return resolve_limits(
            self._config.provider,
            max_concurrency,
            requests_per_minute,
            pool_size=_LIMITS.max_connections if self._owns_http else None,
        )

    def _shared_limits(
        self,
        store: LimitsStore | None,
        *,
        scope: str | None,
        max_concurrency: int | NotGiven | None,
        requests_per_minute: float | NotGiven | None,
        tokens_per_minute: float | None,
        lease_ttl: float,
    ) -> SharedLimits | None:
        """The store the limiter asks (``LocalStore`` for ``tokens_per_minute`` alone)."""
        if store is None and tokens_per_minute is None:
            if scope is not None:
                with _configuring():
                    check_scope(scope)
            return None  # the in-process limiter alone: the fast path
        from .limits import Limits, LocalStore, scope_for

        if store is not None and not isinstance(store, LimitsStore):
            raise ConfigurationError(
                f"limits_store: expected a LimitsStore, got {type(store).__name__}"
            )
        # The preset's or the explicit limits, not the own pool's cap: that one is per process.
        concurrency, rate = resolve_limits(
            self._config.provider, max_concurrency, requests_per_minute
        )
        with _configuring():
            limits = Limits(concurrency, rate, tokens_per_minute, lease_ttl)
            if scope is not None:
                key = check_scope(scope)
            else:  # an HMAC of the key: the key itself never reaches the store
                key = scope_for(
                    self._config.base_url, self._config.headers.get("Authorization", "")
                )
        return SharedLimits(LocalStore() if store is None else store, key, limits)

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        stream_idle_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A copy with some options changed, sharing this client's connection pool and limits.

        ``client.with_options(timeout=30, max_retries=0).chat.completions.create(...)``.
        Closing the copy does not close the shared pool; closing the original does.
        """
        settings = self._settings.updated(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            stream_idle_timeout=stream_idle_timeout,
        )
        # Shares the pool, the runtime, the requester and its limiter, the strategy memo.
        twin = copy.copy(self)
        for resource in self._resources:
            twin.__dict__.pop(resource, None)  # cached resources are bound to the original
        twin._settings = settings
        twin._config = settings.resolve(self._http_kind)
        twin._owns_http = False  # the original closes the shared pool
        return twin

    @property
    def base_url(self) -> str:
        """The API root every path is joined to."""
        return self._config.base_url

    @property
    def usage(self) -> UsageTotals:
        """Requests, errors, tokens and cost so far, per model and per ``usage_tag``.

        Shared with ``with_options`` copies. ``client.usage.snapshot()`` for an immutable
        copy, ``client.usage.reset()`` to start again.
        """
        return self._observer.usage

    @property
    def pricing(self) -> Pricing | None:
        """The price table results are costed with (``None``: provider-reported costs only)."""
        return self._observer.pricing

    @override
    def __repr__(self) -> str:
        config = self._config
        provider = f", provider={config.provider!r}" if config.provider else ""
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}{provider}, "
            f"max_retries={config.retry.max_retries})"
        )


class TokenClient(_ClientBase, CustomRequests):
    """A synchronous client for an OpenAI-compatible aggregator.

    Args:
        api_key: The key sent as ``Authorization: Bearer ...``; else ``TOKENCLIENT_API_KEY``.
        base_url: The API root, e.g. ``https://tokenoff.com/api/v1``; else
            ``TOKENCLIENT_BASE_URL``, else the provider preset's URL.
        provider: A preset name (``tokenlake``, ``tokenhub``, ``tokenhub-us``, ``supertoken``,
            ``tokenoff``); else ``TOKENCLIENT_PROVIDER``.
        timeout: Seconds, or an ``httpx.Timeout``; default 5 s to connect, 600 s otherwise.
        max_retries: Retries after the first attempt (default 2); 0 disables retrying.
        default_headers: Headers sent with every request.
        http_client: Your own ``httpx.Client`` (proxies, mTLS, transports); used as given and
            not closed by ``close()``.
        proxy: A proxy URL (``http://proxy.internal:3128``) for the client's own connection
            pool; not with ``http_client``. Without it ``HTTPS_PROXY``, ``HTTP_PROXY``,
            ``ALL_PROXY`` and ``NO_PROXY`` apply, as in httpx.
        stream_idle_timeout: Longest wait, in seconds, between two data events of a stream;
            keep-alive comments do not count as data. ``None`` (default) for no limit beyond
            the read timeout.
        max_concurrency: Most requests in flight at once (streams hold theirs until closed);
            ``None`` for no limit. Default: the provider preset's documented limit, if any.
            With the client's own pool, never more than its 100 connections.
        requests_per_minute: Most requests started per minute, paced by a token bucket that
            holds one second's worth; ``None`` for no limit. Default: the preset's, if any.
        max_response_bytes: Largest response body read, decoded (default 64 MiB), and most
            text a stream keeps for ``get_final_completion()``; past it,
            ``APIResponseValidationError``.
        max_event_bytes: Largest SSE event or line a stream buffers (default 8 MiB); past it,
            ``APIResponseValidationError``.
        attempt_timeout: Total seconds one attempt may take (connect, headers, whole body of
            a non-streamed answer); ``None`` (default): the read timeout. See
            ``docs/reliability.md``.
        pricing: A ``tokenclient.Pricing`` table: ``reply.cost`` and ``client.usage`` then
            cost results the provider does not price itself. ``None``: provider costs only.
        hooks: Objects with any of ``on_request``, ``on_retry``, ``on_response``,
            ``on_error``, ``on_stream_end`` (see ``tokenclient.hooks``); e.g. ``OTelHook()``.
        include_content: Give hooks the request body (messages); off by default.
        stream_usage: Ask for the usage chunk (``stream_options.include_usage``) on streamed
            chat requests that do not set ``stream_options`` (default ``True``).
        limits_store: A ``tokenclient.limits`` store (``SQLiteStore``, ``RedisStore``) that
            shares ``max_concurrency``, ``requests_per_minute``, ``tokens_per_minute`` and
            429 pauses with every client of the same scope, in any process. See
            ``docs/rate-limits.md``.
        limits_scope: Clients of one store share limits when they share a scope; default an
            HMAC of the base URL and the API key.
        tokens_per_minute: Most tokens per minute (each request reserves an estimate and
            settles against its ``usage``); ``None`` for no limit.
        limits_lease_ttl: Seconds a store keeps the concurrency slot of a process that died
            (default 60); renewed every third of it while a request is open.
        http_backend: ``"httpx"`` (default: httpx's own pool) or, for ``AsyncTokenClient``
            only, ``"aiohttp"`` (the ``httpx-aiohttp`` transport, ``pip install
            "tokenclient-sdk[aiohttp]"``: several times the throughput at high concurrency;
            asyncio only). Not together with ``http_client``. See ``docs/performance.md``.
    """

    _http_kind = httpx.Client

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        provider: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        stream_idle_timeout: float | None = None,
        max_concurrency: int | NotGiven | None = NOT_GIVEN,
        requests_per_minute: float | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        attempt_timeout: float | None = None,
        pricing: Pricing | None = None,
        hooks: Sequence[object] = (),
        include_content: bool = False,
        stream_usage: bool = True,
        limits_store: LimitsStore | None = None,
        limits_scope: str | None = None,
        tokens_per_minute: float | None = None,
        limits_lease_ttl: float = DEFAULT_LEASE_TTL,
        http_backend: HttpBackend | None = None,
    ) -> None:
        proxy = _proxy(proxy, http_client)
        check_backend(http_backend, http_client)
        settings = _Settings(
            api_key=api_key,
            base_url=base_url,
            provider=provider,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            stream_idle_timeout=stream_idle_timeout,
            http_client=http_client,
            max_response_bytes=max_response_bytes,
            max_event_bytes=max_event_bytes,
            attempt_timeout=attempt_timeout,
        )
        observing = _Observing(pricing, hooks, include_content, stream_usage)
        concurrency, rate = self._configure(
            settings, max_concurrency, requests_per_minute, observing
        )
        shared = self._shared_limits(
            limits_store,
            scope=limits_scope,
            max_concurrency=max_concurrency,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            lease_ttl=limits_lease_ttl,
        )
        runtime = self._runtime
        with _configuring():
            limiter = Limiter(
                max_concurrency=concurrency,
                requests_per_minute=rate,
                # Lambdas, not bound methods: a field replaced on the runtime takes effect.
                clock=lambda: runtime.monotonic(),  # noqa: PLW0108
                sleep=lambda seconds: runtime.limiter_sleep(seconds),  # noqa: PLW0108
                shared=shared,
            )
        self._http = http_client or make_http(
            http_backend or "httpx", timeout=self._config.timeout, limits=_LIMITS, proxy=proxy
        )
        self._requester = Requester(self._http, limiter=limiter, runtime=runtime)

    @cached_property
    def chat(self) -> Chat:
        """``client.chat.completions``: chat completions, plain and streamed."""
        from .resources.chat import Chat

        return Chat(self)

    @cached_property
    def models(self) -> Models:
        """``GET /models``."""
        from .resources.models import Models

        return Models(self)

    @cached_property
    def images(self) -> Images:
        """``POST /images/generations``."""
        from .resources.images import Images

        return Images(self)

    @cached_property
    def videos(self) -> Videos:
        """Video generation tasks: create, retrieve, wait."""
        from .resources.videos import Videos

        return Videos(
            self, timeout=self._config.timeout, retry=self._config.retry, runtime=self._runtime
        )

    def _request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        replay_safe: bool = True,
    ) -> ModelT:
        observer = self._observer
        call = self._start(method, path, body, options, stream=False)
        try:
            response = self._transmit(
                method, path, body=body, options=options, retry=None, replay_safe=replay_safe,
                call=call,
            )  # fmt: skip
            result = parse_model(cast_to, response)
        except Exception as error:
            self._failed(error, body, options, call)
            raise
        event = observer.succeeded(result, response, body, options, call)
        if event is not None:
            observer.emit("on_response", event)
        return result

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        retry: RetryPolicy | None = None,
        replay_safe: bool = True,
    ) -> httpx.Response:
        """Send with retries (``retry`` overrides the client's policy); the body is read."""
        call = self._start(method, path, body, options, stream=False)
        try:
            response = self._transmit(
                method, path, body=body, options=options, retry=retry, replay_safe=replay_safe,
                call=call,
            )  # fmt: skip
        except Exception as error:
            self._failed(error, body, options, call)
            raise
        event = self._observer.succeeded(None, response, body, options, call)
        if event is not None:
            self._observer.emit("on_response", event)
        return response

    def _start(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        *,
        stream: bool,
    ) -> Call | None:
        observer = self._observer
        if not observer.active:
            return None
        url = httpx.URL(self._config.base_url + path)
        call = observer.start(
            self._config, method, url, path, body=body, options=options, stream=stream
        )
        observer.emit("on_request", observer.request_event(call))
        return call

    def _failed(
        self,
        error: Exception,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        call: Call | None,
    ) -> None:
        event = self._observer.failed(error, body, options, call)
        if event is not None:
            self._observer.emit("on_error", event)

    def _transmit(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        retry: RetryPolicy | None,
        replay_safe: bool,
        call: Call | None,
    ) -> httpx.Response:
        request = build_request(self._config, method, path, body=body, options=options)
        policy = self._config.retry if retry is None else retry
        config = self._config
        response = self._requester.send(
            request,
            policy,
            replay_safe=replay_safe,
            max_bytes=config.max_response_bytes,
            attempt_timeout=config.attempt_timeout,
            call=call,
        )
        record(response)  # for with_raw_response
        return response

    def _open(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        call: Call | None,
    ) -> httpx.Response:
        request = stream_request(self._config, method, path, body=body, options=options)
        config = self._config
        return self._requester.send(
            request,
            config.retry,
            stream=True,
            max_bytes=config.max_response_bytes,
            attempt_timeout=config.attempt_timeout,
            call=call,
        )

    def _stream(
        self,
        method: str,
        path: str,
        *,
        model: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
    ) -> Stream[ModelT]:
        from ._observe import StreamWatch
        from ._streaming import Stream

        call = self._start(method, path, body, options, stream=True)
        policy = self._stream_usage
        sent = policy.body(body, self.base_url) if path == "/chat/completions" else body
        try:
            try:
                response = self._open(method, path, sent, options, call)
            except BadRequestError as error:
                if sent is body or not policy.refused(error, body, self.base_url):
                    raise
                # The provider refused stream_options: once more without (and never again).
                response = self._open(method, path, body, options, call)
        except Exception as error:
            self._failed(error, body, options, call)
            raise
        config = self._config
        record(response)
        stream = Stream(
            response,
            model=model,
            idle_timeout=self._config.stream_idle_timeout,
            clock=self._runtime.monotonic,
            max_event_bytes=config.max_event_bytes,
            max_fold_bytes=config.max_response_bytes,
        )
        watch = StreamWatch(self._observer, call, body, options)
        stream._watch(watch)
        if call is not None:
            self._observer.emit("on_response", watch.opened(response))
        return stream

    def close(self) -> None:
        """Close the connection pool (only when tokenclient created it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncTokenClient(_ClientBase, AsyncCustomRequests):
    """An asynchronous client for an OpenAI-compatible aggregator (asyncio or trio).

    Args:
        api_key: The key sent as ``Authorization: Bearer ...``; else ``TOKENCLIENT_API_KEY``.
        base_url: The API root, e.g. ``https://tokenoff.com/api/v1``; else
            ``TOKENCLIENT_BASE_URL``, else the provider preset's URL.
        provider: A preset name (``tokenlake``, ``tokenhub``, ``tokenhub-us``, ``supertoken``,
            ``tokenoff``); else ``TOKENCLIENT_PROVIDER``.
        timeout: Seconds, or an ``httpx.Timeout``; default 5 s to connect, 600 s otherwise.
        max_retries: Retries after the first attempt (default 2); 0 disables retrying.
        default_headers: Headers sent with every request.
        http_client: Your own ``httpx.AsyncClient`` (proxies, mTLS, transports); used as given
            and not closed by ``close()``.
        proxy: A proxy URL (``http://proxy.internal:3128``) for the client's own connection
            pool; not with ``http_client``. Without it ``HTTPS_PROXY``, ``HTTP_PROXY``,
            ``ALL_PROXY`` and ``NO_PROXY`` apply, as in httpx.
        stream_idle_timeout: Longest wait, in seconds, between two data events of a stream;
            keep-alive comments do not count as data. ``None`` (default) for no limit beyond
            the read timeout.
        max_concurrency: Most requests in flight at once (streams hold theirs until closed);
            ``None`` for no limit. Default: the provider preset's documented limit, if any.
            With the client's own pool, never more than its 100 connections.
        requests_per_minute: Most requests started per minute, paced by a token bucket that
            holds one second's worth; ``None`` for no limit. Default: the preset's, if any.
        max_response_bytes: Largest response body read, decoded (default 64 MiB), and most
            text a stream keeps for ``get_final_completion()``; past it,
            ``APIResponseValidationError``.
        max_event_bytes: Largest SSE event or line a stream buffers (default 8 MiB); past it,
            ``APIResponseValidationError``.
        attempt_timeout: Total seconds one attempt may take (connect, headers, whole body of
            a non-streamed answer); ``None`` (default): the read timeout. See
            ``docs/reliability.md``.
        pricing: A ``tokenclient.Pricing`` table: ``reply.cost`` and ``client.usage`` then
            cost results the provider does not price itself. ``None``: provider costs only.
        hooks: Objects with any of ``on_request``, ``on_retry``, ``on_response``,
            ``on_error``, ``on_stream_end`` (see ``tokenclient.hooks``); e.g. ``OTelHook()``.
        include_content: Give hooks the request body (messages); off by default.
        stream_usage: Ask for the usage chunk (``stream_options.include_usage``) on streamed
            chat requests that do not set ``stream_options`` (default ``True``).
        limits_store: A ``tokenclient.limits`` store (``SQLiteStore``, ``RedisStore``) that
            shares ``max_concurrency``, ``requests_per_minute``, ``tokens_per_minute`` and
            429 pauses with every client of the same scope, in any process. See
            ``docs/rate-limits.md``.
        limits_scope: Clients of one store share limits when they share a scope; default an
            HMAC of the base URL and the API key.
        tokens_per_minute: Most tokens per minute (each request reserves an estimate and
            settles against its ``usage``); ``None`` for no limit.
        limits_lease_ttl: Seconds a store keeps the concurrency slot of a process that died
            (default 60); renewed every third of it while a request is open.
        http_backend: ``"httpx"`` (default: httpx's own pool) or, for ``AsyncTokenClient``
            only, ``"aiohttp"`` (the ``httpx-aiohttp`` transport, ``pip install
            "tokenclient-sdk[aiohttp]"``: several times the throughput at high concurrency;
            asyncio only). Not together with ``http_client``. See ``docs/performance.md``.
    """

    _http_kind = httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        provider: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        stream_idle_timeout: float | None = None,
        max_concurrency: int | NotGiven | None = NOT_GIVEN,
        requests_per_minute: float | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        attempt_timeout: float | None = None,
        pricing: Pricing | None = None,
        hooks: Sequence[object] = (),
        include_content: bool = False,
        stream_usage: bool = True,
        limits_store: LimitsStore | None = None,
        limits_scope: str | None = None,
        tokens_per_minute: float | None = None,
        limits_lease_ttl: float = DEFAULT_LEASE_TTL,
        http_backend: HttpBackend | None = None,
    ) -> None:
        proxy = _proxy(proxy, http_client)
        check_backend(http_backend, http_client)
        settings = _Settings(
            api_key=api_key,
            base_url=base_url,
            provider=provider,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            stream_idle_timeout=stream_idle_timeout,
            http_client=http_client,
            max_response_bytes=max_response_bytes,
            max_event_bytes=max_event_bytes,
            attempt_timeout=attempt_timeout,
        )
        observing = _Observing(pricing, hooks, include_content, stream_usage)
        concurrency, rate = self._configure(
            settings, max_concurrency, requests_per_minute, observing
        )
        shared = self._shared_limits(
            limits_store,
            scope=limits_scope,
            max_concurrency=max_concurrency,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
            lease_ttl=limits_lease_ttl,
        )
        runtime = self._runtime
        with _configuring():
            limiter = AsyncLimiter(
                max_concurrency=concurrency,
                requests_per_minute=rate,
                # Lambdas, not bound methods: a field replaced on the runtime takes effect.
                clock=lambda: runtime.monotonic(),  # noqa: PLW0108
                sleep=lambda seconds: runtime.async_limiter_sleep(seconds),  # noqa: PLW0108
                shared=shared,
            )
        self._http = http_client or async_make_http(
            http_backend or "httpx", timeout=self._config.timeout, limits=_LIMITS, proxy=proxy
        )
        self._requester = AsyncRequester(self._http, limiter=limiter, runtime=runtime)

    @cached_property
    def chat(self) -> AsyncChat:
        """``client.chat.completions``: chat completions, plain and streamed."""
        from .resources.chat import AsyncChat

        return AsyncChat(self)

    @cached_property
    def models(self) -> AsyncModels:
        """``GET /models``."""
        from .resources.models import AsyncModels

        return AsyncModels(self)

    @cached_property
    def images(self) -> AsyncImages:
        """``POST /images/generations``."""
        from .resources.images import AsyncImages

        return AsyncImages(self)

    @cached_property
    def videos(self) -> AsyncVideos:
        """Video generation tasks: create, retrieve, wait."""
        from .resources.videos import AsyncVideos

        return AsyncVideos(
            self, timeout=self._config.timeout, retry=self._config.retry, runtime=self._runtime
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        replay_safe: bool = True,
    ) -> ModelT:
        observer = self._observer
        call = await self._start(method, path, body, options, stream=False)
        try:
            response = await self._transmit(
                method, path, body=body, options=options, retry=None, replay_safe=replay_safe,
                call=call,
            )  # fmt: skip
            result = parse_model(cast_to, response)
        except Exception as error:
            await self._failed(error, body, options, call)
            raise
        event = observer.succeeded(result, response, body, options, call)
        if event is not None:
            await observer.async_emit("on_response", event)
        return result

    async def _send(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
        retry: RetryPolicy | None = None,
        replay_safe: bool = True,
    ) -> httpx.Response:
        """Send with retries (``retry`` overrides the client's policy); the body is read."""
        call = await self._start(method, path, body, options, stream=False)
        try:
            response = await self._transmit(
                method, path, body=body, options=options, retry=retry, replay_safe=replay_safe,
                call=call,
            )  # fmt: skip
        except Exception as error:
            await self._failed(error, body, options, call)
            raise
        event = self._observer.succeeded(None, response, body, options, call)
        if event is not None:
            await self._observer.async_emit("on_response", event)
        return response

    async def _start(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        *,
        stream: bool,
    ) -> Call | None:
        observer = self._observer
        if not observer.active:
            return None
        url = httpx.URL(self._config.base_url + path)
        call = observer.start(
            self._config, method, url, path, body=body, options=options, stream=stream
        )
        await observer.async_emit("on_request", observer.request_event(call))
        return call

    async def _failed(
        self,
        error: Exception,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        call: Call | None,
    ) -> None:
        event = self._observer.failed(error, body, options, call)
        if event is not None:
            await self._observer.async_emit("on_error", event)

    async def _transmit(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        retry: RetryPolicy | None,
        replay_safe: bool,
        call: Call | None,
    ) -> httpx.Response:
        request = build_request(self._config, method, path, body=body, options=options)
        policy = self._config.retry if retry is None else retry
        config = self._config
        response = await self._requester.send(
            request,
            policy,
            replay_safe=replay_safe,
            max_bytes=config.max_response_bytes,
            attempt_timeout=config.attempt_timeout,
            call=call,
        )
        record(response)  # for with_raw_response
        return response

    async def _open(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        call: Call | None,
    ) -> httpx.Response:
        request = stream_request(self._config, method, path, body=body, options=options)
        config = self._config
        return await self._requester.send(
            request,
            config.retry,
            stream=True,
            max_bytes=config.max_response_bytes,
            attempt_timeout=config.attempt_timeout,
            call=call,
        )

    async def _stream(
        self,
        method: str,
        path: str,
        *,
        model: type[ModelT],
        body: Mapping[str, object] | None = None,
        options: RequestOptions,
    ) -> AsyncStream[ModelT]:
        from ._observe import AsyncStreamWatch
        from ._streaming import AsyncStream

        call = await self._start(method, path, body, options, stream=True)
        policy = self._stream_usage
        sent = policy.body(body, self.base_url) if path == "/chat/completions" else body
        try:
            try:
                response = await self._open(method, path, sent, options, call)
            except BadRequestError as error:
                if sent is body or not policy.refused(error, body, self.base_url):
                    raise
                # The provider refused stream_options: once more without (and never again).
                response = await self._open(method, path, body, options, call)
        except Exception as error:
            await self._failed(error, body, options, call)
            raise
        config = self._config
        record(response)
        stream = AsyncStream(
            response,
            model=model,
            idle_timeout=self._config.stream_idle_timeout,
            clock=self._runtime.monotonic,
            max_event_bytes=config.max_event_bytes,
            max_fold_bytes=config.max_response_bytes,
        )
        watch = AsyncStreamWatch(self._observer, call, body, options)
        stream._watch(watch)
        if call is not None:
            await self._observer.async_emit("on_response", watch.opened(response))
        return stream

    async def close(self) -> None:
        """Close the connection pool (only when tokenclient created it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
