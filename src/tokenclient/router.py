"""``Router`` and ``AsyncRouter``: one logical model served by several clients, with fallback.

```python
from tokenclient import Route, Router, TokenClient

supertoken = TokenClient(provider="supertoken")
tokenhub = TokenClient(provider="tokenhub")
router = Router(
    {"sonnet": [Route(supertoken, "claude-sonnet-4-6"), Route(tokenhub, "anthropic/claude-sonnet-4.6")]}
)
reply = router.chat.completions.create(model="sonnet", messages=[...])
```

The rules (which errors move on, cooldowns, billing) are in ``_core/routing.py``; the twins
below only call, catch and record. A stream moves on only until its first content, reasoning,
refusal or tool-call delta: the router reads ahead to it before handing the stream over, so text
from two models is never spliced together.
"""  # noqa: E501

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Concatenate, Generic, Literal, TypeVar, cast, overload

import httpx
from typing_extensions import ParamSpec, Unpack

from ._client import AsyncTokenClient, TokenClient
from ._core import routing
from ._exceptions import APIError, ConfigurationError
from ._streaming import AsyncStream, Stream
from ._types import NOT_GIVEN, NotGiven
from .resources.images import AsyncImages, Images
from .resources.videos import AsyncVideos, Videos

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from .hooks import FallbackEvent
    from .resources.chat import StrategyParam
    from .types.chat import ChatCompletion, ChatCompletionChunk
    from .types.chat_create_params import ChatCompletionCreateParams, ChatCompletionParseParams
    from .types.parsed import ParsedChatCompletion

__all__ = ["AllRoutesFailedError", "AsyncRouter", "Route", "Router"]

log = logging.getLogger("tokenclient")

ClientT = TypeVar("ClientT", TokenClient, AsyncTokenClient)
ResultT = TypeVar("ResultT")
T = TypeVar("T")
ResourceT = TypeVar("ResourceT")
P = ParamSpec("P")


@dataclass(frozen=True)
class Route(Generic[ClientT]):
    """One way to serve a logical model: a client and the model id that provider sells it as."""

    client: ClientT
    """The client that sends the request (its retries, limits and timeouts apply)."""
    model: str
    """The model id at this provider, e.g. ``"anthropic/claude-sonnet-4.6"``."""

    @property
    def label(self) -> str:
        """``provider model`` (or ``host model``) for logs and messages; never the key."""
        config = self.client._config
        where = config.provider or httpx.URL(config.base_url).netloc.decode("ascii")
        return f"{where} {self.model}"


class AllRoutesFailedError(APIError):
    """Every route of a logical model failed with an error that moves on.

    ``errors`` lists ``(route, exception)`` in the order the routes were tried; the message has
    one line for each.
    """

    errors: list[tuple[Route[TokenClient] | Route[AsyncTokenClient], Exception]]
    """Each route tried and the error it ended with, in order."""

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[tuple[Route[TokenClient] | Route[AsyncTokenClient], Exception]],
    ) -> None:
        last = errors[-1][1]
        assert isinstance(last, APIError)  # only API errors move on (see routing.judge)
        super().__init__(message, request=last.request)
        self.errors = list(errors)


FallbackCallback = Callable[[Route[ClientT], Exception, Route[ClientT] | None], object]
"""``on_fallback(route, error, next_route)``: told of each switch (``next_route`` None: last).
On an ``AsyncRouter`` it may be a coroutine function: it is awaited."""


@dataclass(frozen=True, slots=True)
class _Switch(Generic[ClientT]):
    """A move from a failed route to the next one (``following``: ``None`` when none is left)."""

    model: str
    route: Route[ClientT]
    error: Exception
    following: Route[ClientT] | None


class _RouterBase(Generic[ClientT]):
    """The twins' shared state: the route tables, cooldowns and the lock around them."""

    def __init__(
        self,
        routes: Mapping[str, Sequence[Route[ClientT]]],
        *,
        kind: type[ClientT],
        strategy: routing.Strategy,
        cooldown: float,
        auth_cooldown: float,
        on_fallback: FallbackCallback[ClientT] | None,
        clock: Callable[[], float],
    ) -> None:
        if strategy not in ("ordered", "round_robin"):
            raise ConfigurationError(
                f"strategy: expected 'ordered' or 'round_robin', got {strategy!r}"
            )
        for name, value in (("cooldown", cooldown), ("auth_cooldown", auth_cooldown)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ConfigurationError(f"{name}: expected seconds >= 0, got {value!r}")
        if not routes:
            raise ConfigurationError("routes: expected at least one logical model")
        table: dict[str, tuple[Route[ClientT], ...]] = {}
        for name, listed in routes.items():
            if not listed:
                raise ConfigurationError(f"routes[{name!r}]: expected at least one Route")
            for position, route in enumerate(listed):
                if not isinstance(route, Route) or not isinstance(route.client, kind):
                    raise ConfigurationError(
                        f"routes[{name!r}][{position}]: expected a Route with a "
                        f"{kind.__name__}, got {route!r}"
                    )
            table[name] = tuple(listed)
        self._routes: dict[str, tuple[Route[ClientT], ...]] = table
        self._tables = {name: routing.RouteTable(len(r), strategy) for name, r in table.items()}
        self._default: ClientT = next(iter(table.values()))[0].client
        self._cooldown = float(cooldown)
        self._auth_cooldown = float(auth_cooldown)
        self._on_fallback: FallbackCallback[ClientT] | None = on_fallback
        self._clock = clock
        self._lock = threading.Lock()

    def _plan(self, model: str) -> list[tuple[int, Route[ClientT]]] | None:
        routes = self._routes.get(model)
        if routes is None:
            return None
        with self._lock:
            order = self._tables[model].plan(self._clock())
        return [(index, routes[index]) for index in order]

    def _moves_on(
        self,
        model: str,
        plan: list[tuple[int, Route[ClientT]]],
        step: int,
        error: Exception,
        billable: bool,
    ) -> _Switch[ClientT] | None:
        """The switch to the next route after ``error`` (cooled down and logged), or ``None``:
        raise ``error``. Telling the callback and the hooks is the caller's (``_tell``)."""
        verdict = routing.judge(
            error, cooldown=self._cooldown, auth_cooldown=self._auth_cooldown, billable=billable
        )
        if not verdict.move_on:
            return None
        index, route = plan[step]
        with self._lock:
            self._tables[model].failed(index, self._clock(), verdict.cooldown)
        following = plan[step + 1][1] if step + 1 < len(plan) else None
        log.info(
            "route %d of %r (%s) failed with %s; %s",
            index + 1,
            model,
            route.label,
            type(error).__name__,
            f"trying {following.label}" if following is not None else "no route left",
        )
        return _Switch(model, route, error, following)

    def _event(self, switch: _Switch[ClientT]) -> FallbackEvent | None:
        """The hooks' event for ``switch``, if the failed route's client has such hooks."""
        if "on_fallback" not in switch.route.client._observer.hooks:
            return None
        from .hooks import FallbackEvent

        return FallbackEvent(
            model=switch.model, route=switch.route, error=switch.error, next_route=switch.following
        )

    def _served(
        self,
        model: str,
        index: int,
        route: Route[TokenClient] | Route[AsyncTokenClient],
        result: object,
    ) -> None:
        with self._lock:
            self._tables[model].succeeded(index)
        _mark(result, route)

    def _all_failed(
        self, model: str, failures: list[tuple[Route[ClientT], Exception]]
    ) -> AllRoutesFailedError:
        message = routing.summarize(model, [(r.label, e) for r, e in failures])
        # ClientT is one of the two client kinds: the list is one of the two route kinds.
        errors = cast(
            "list[tuple[Route[TokenClient] | Route[AsyncTokenClient], Exception]]", failures
        )
        return AllRoutesFailedError(message, errors=errors)


def _mark(result: object, route: Route[TokenClient] | Route[AsyncTokenClient]) -> None:
    """Record on a result which route served it (``result._route``)."""
    if hasattr(type(result), "_route"):  # response models and streams declare it
        object.__setattr__(result, "_route", route)  # an instance value over the class's


class Router(_RouterBase[TokenClient]):
    """Several ``TokenClient`` routes per logical model, tried in order until one serves.

    Args:
        routes: ``{"sonnet": [Route(client_a, "claude-sonnet-4-6"), Route(client_b, ...)]}``.
            A model name not in the table goes to the first route's client unchanged.
        strategy: ``"ordered"`` (the listed order every time) or ``"round_robin"`` (start one
            route further on each call).
        cooldown: Seconds a route is skipped after a 429, 5xx, connection error or stream
            error (its ``Retry-After`` wins when longer).
        auth_cooldown: Seconds a route is skipped after a 401, 402 or 403.
        on_fallback: Called with ``(route, error, next_route)`` on each switch.
        clock: A monotonic clock in seconds, for tests.
    """

    def __init__(
        self,
        routes: Mapping[str, Sequence[Route[TokenClient]]],
        *,
        strategy: routing.Strategy = "ordered",
        cooldown: float = 30.0,
        auth_cooldown: float = 300.0,
        on_fallback: FallbackCallback[TokenClient] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            routes,
            kind=TokenClient,
            strategy=strategy,
            cooldown=cooldown,
            auth_cooldown=auth_cooldown,
            on_fallback=on_fallback,
            clock=clock,
        )
        self.chat = _RouterChat(self)
        """``router.chat.completions``: the clients' chat completions, with fallback."""
        self.images = _RouterImages(self)
        """``router.images.generate``: billable, so moved on only when nothing was billed."""
        self.videos = _RouterVideos(self)
        """``router.videos.create``: billable, so moved on only when nothing was billed."""

    def _tell(self, switch: _Switch[TokenClient]) -> None:
        """``on_fallback`` and the failed route's client's hooks, of ``switch``."""
        if self._on_fallback is not None:
            self._on_fallback(switch.route, switch.error, switch.following)
        event = self._event(switch)
        if event is not None:
            switch.route.client._observer.emit("on_fallback", event)

    def _call(
        self,
        model: str,
        send: Callable[[TokenClient, str], ResultT],
        *,
        billable: bool = False,
    ) -> ResultT:
        plan = self._plan(model)
        if plan is None:
            return send(self._default, model)
        failures: list[tuple[Route[TokenClient], Exception]] = []
        for step, (index, route) in enumerate(plan):
            try:
                result = send(route.client, route.model)
            except Exception as error:
                switch = self._moves_on(model, plan, step, error, billable)
                if switch is None:
                    raise
                self._tell(switch)
                failures.append((route, error))
                continue
            self._served(model, index, route, result)
            return result
        raise self._all_failed(model, failures)


class AsyncRouter(_RouterBase[AsyncTokenClient]):
    """Several ``AsyncTokenClient`` routes per logical model, tried in order until one serves.

    Args:
        routes: ``{"sonnet": [Route(client_a, "claude-sonnet-4-6"), Route(client_b, ...)]}``.
            A model name not in the table goes to the first route's client unchanged.
        strategy: ``"ordered"`` (the listed order every time) or ``"round_robin"`` (start one
            route further on each call).
        cooldown: Seconds a route is skipped after a 429, 5xx, connection error or stream
            error (its ``Retry-After`` wins when longer).
        auth_cooldown: Seconds a route is skipped after a 401, 402 or 403.
        on_fallback: Called with ``(route, error, next_route)`` on each switch.
        clock: A monotonic clock in seconds, for tests.
    """

    def __init__(
        self,
        routes: Mapping[str, Sequence[Route[AsyncTokenClient]]],
        *,
        strategy: routing.Strategy = "ordered",
        cooldown: float = 30.0,
        auth_cooldown: float = 300.0,
        on_fallback: FallbackCallback[AsyncTokenClient] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            routes,
            kind=AsyncTokenClient,
            strategy=strategy,
            cooldown=cooldown,
            auth_cooldown=auth_cooldown,
            on_fallback=on_fallback,
            clock=clock,
        )
        self.chat = _AsyncRouterChat(self)
        """``router.chat.completions``: the clients' chat completions, with fallback."""
        self.images = _AsyncRouterImages(self)
        """``router.images.generate``: billable, so moved on only when nothing was billed."""
        self.videos = _AsyncRouterVideos(self)
        """``router.videos.create``: billable, so moved on only when nothing was billed."""

    async def _tell(self, switch: _Switch[AsyncTokenClient]) -> None:
        """``on_fallback`` and the failed route's client's hooks, of ``switch``; coroutine
        functions among them are awaited."""
        if self._on_fallback is not None:
            outcome = self._on_fallback(switch.route, switch.error, switch.following)
            if inspect.isawaitable(outcome):
                await outcome
        event = self._event(switch)
        if event is not None:
            await switch.route.client._observer.async_emit("on_fallback", event)

    async def _call(
        self,
        model: str,
        send: Callable[[AsyncTokenClient, str], Awaitable[ResultT]],
        *,
        billable: bool = False,
    ) -> ResultT:
        plan = self._plan(model)
        if plan is None:
            return await send(self._default, model)
        failures: list[tuple[Route[AsyncTokenClient], Exception]] = []
        for step, (index, route) in enumerate(plan):
            try:
                result = await send(route.client, route.model)
            except Exception as error:
                switch = self._moves_on(model, plan, step, error, billable)
                if switch is None:
                    raise
                await self._tell(switch)
                failures.append((route, error))
                continue
            self._served(model, index, route, result)
            return result
        raise self._all_failed(model, failures)


def _with_model(params: ChatCompletionCreateParams, model: str) -> ChatCompletionCreateParams:
    changed = params.copy()
    changed["model"] = model
    return changed


def _with_parse_model(params: ChatCompletionParseParams, model: str) -> ChatCompletionParseParams:
    changed = params.copy()
    changed["model"] = model
    return changed


def _starts_output(chunk: ChatCompletionChunk) -> bool:
    """True for a chunk that carries text or a tool call the caller would see."""
    for choice in chunk.choices:
        delta = choice.delta
        if delta.content or delta.tool_calls or delta.refusal:
            return True
        if getattr(delta, "reasoning_content", None):
            return True
    return False


class _RouterCompletions:
    """``router.chat.completions``."""

    def __init__(self, router: Router) -> None:
        self._router = router

    @overload
    def create(
        self, *, stream: Literal[False] | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> Stream[ChatCompletionChunk]: ...
    @overload
    def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | Stream[ChatCompletionChunk]: ...
    def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        """``client.chat.completions.create`` on the first route that serves ``model``.

        A stream moves on to the next route when it fails before its first content (or
        reasoning, refusal, tool-call) delta; after that its errors are raised as usual.
        """
        if stream:

            def open_stream(client: TokenClient, model: str) -> Stream[ChatCompletionChunk]:
                opened = client.chat.completions.create(stream=True, **_with_model(params, model))
                opened._read_ahead(_starts_output)
                return opened

            return self._router._call(params["model"], open_stream)

        def send(client: TokenClient, model: str) -> ChatCompletion:
            return client.chat.completions.create(stream=stream, **_with_model(params, model))

        return self._router._call(params["model"], send)

    @overload
    def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T]: ...
    @overload
    def parse(
        self,
        *,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[None]: ...
    def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T] | NotGiven = NOT_GIVEN,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T] | ParsedChatCompletion[None]:
        """``client.chat.completions.parse`` on the first route that serves ``model``.

        Each route's client remembers its own strategy. Output that does not validate
        (``StructuredOutputError``) is raised, not moved on: the next provider would be asked
        the same question.
        """

        def send(
            client: TokenClient, model: str
        ) -> ParsedChatCompletion[T] | ParsedChatCompletion[None]:
            return client.chat.completions.parse(
                response_format=response_format,  # type: ignore[arg-type]  # NOT_GIVEN passes through
                strategy=strategy,
                max_repairs=max_repairs,
                **_with_parse_model(params, model),
            )

        return self._router._call(params["model"], send)


class _AsyncRouterCompletions:
    """``router.chat.completions``."""

    def __init__(self, router: AsyncRouter) -> None:
        self._router = router

    @overload
    async def create(
        self, *, stream: Literal[False] | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion: ...
    @overload
    async def create(
        self, *, stream: Literal[True], **params: Unpack[ChatCompletionCreateParams]
    ) -> AsyncStream[ChatCompletionChunk]: ...
    @overload
    async def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]: ...
    async def create(
        self, *, stream: bool | None = None, **params: Unpack[ChatCompletionCreateParams]
    ) -> ChatCompletion | AsyncStream[ChatCompletionChunk]:
        """``client.chat.completions.create`` on the first route that serves ``model``.

        A stream moves on to the next route when it fails before its first content (or
        reasoning, refusal, tool-call) delta; after that its errors are raised as usual.
        """
        if stream:

            async def open_stream(
                client: AsyncTokenClient, model: str
            ) -> AsyncStream[ChatCompletionChunk]:
                opened = await client.chat.completions.create(
                    stream=True, **_with_model(params, model)
                )
                await opened._read_ahead(_starts_output)
                return opened

            return await self._router._call(params["model"], open_stream)

        async def send(client: AsyncTokenClient, model: str) -> ChatCompletion:
            return await client.chat.completions.create(stream=stream, **_with_model(params, model))

        return await self._router._call(params["model"], send)

    @overload
    async def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T],
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T]: ...
    @overload
    async def parse(
        self,
        *,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[None]: ...
    async def parse(
        self,
        *,
        response_format: type[T] | TypeAdapter[T] | NotGiven = NOT_GIVEN,
        strategy: StrategyParam = "auto",
        max_repairs: int = 0,
        **params: Unpack[ChatCompletionParseParams],
    ) -> ParsedChatCompletion[T] | ParsedChatCompletion[None]:
        """``client.chat.completions.parse`` on the first route that serves ``model``.

        Each route's client remembers its own strategy. Output that does not validate
        (``StructuredOutputError``) is raised, not moved on: the next provider would be asked
        the same question.
        """

        async def send(
            client: AsyncTokenClient, model: str
        ) -> ParsedChatCompletion[T] | ParsedChatCompletion[None]:
            return await client.chat.completions.parse(
                response_format=response_format,  # type: ignore[arg-type]  # NOT_GIVEN passes through
                strategy=strategy,
                max_repairs=max_repairs,
                **_with_parse_model(params, model),
            )

        return await self._router._call(params["model"], send)


class _RouterChat:
    """``router.chat``: holds ``completions``, as on the clients."""

    def __init__(self, router: Router) -> None:
        self.completions = _RouterCompletions(router)
        """Chat completions with fallback."""


class _AsyncRouterChat:
    """``router.chat``: holds ``completions``, as on the clients."""

    def __init__(self, router: AsyncRouter) -> None:
        self.completions = _AsyncRouterCompletions(router)
        """Chat completions with fallback."""


def _billable(
    method: Callable[Concatenate[ResourceT, P], ResultT],
    resource: Callable[[TokenClient], ResourceT],
) -> Callable[Concatenate[_RouterResource, P], ResultT]:
    """A router method with ``method``'s exact signature, sent on the first route that serves.

    ``model`` is the logical name; each route sends its own id. Billable: a route that may
    have billed the creation is never followed by another (``routing.judge``).
    """

    @wraps(method)
    def routed(self: _RouterResource, /, *args: P.args, **kwargs: P.kwargs) -> ResultT:
        def send(client: TokenClient, model: str) -> ResultT:
            return method(resource(client), *args, **{**kwargs, "model": model})  # type: ignore[arg-type]  # P.kwargs with model replaced

        return self._router._call(str(kwargs["model"]), send, billable=True)

    return routed


def _async_billable(
    method: Callable[Concatenate[ResourceT, P], Awaitable[ResultT]],
    resource: Callable[[AsyncTokenClient], ResourceT],
) -> Callable[Concatenate[_AsyncRouterResource, P], Awaitable[ResultT]]:
    """A router method with ``method``'s exact signature, sent on the first route that serves.

    ``model`` is the logical name; each route sends its own id. Billable: a route that may
    have billed the creation is never followed by another (``routing.judge``).
    """

    @wraps(method)
    async def routed(self: _AsyncRouterResource, /, *args: P.args, **kwargs: P.kwargs) -> ResultT:
        async def send(client: AsyncTokenClient, model: str) -> ResultT:
            return await method(resource(client), *args, **{**kwargs, "model": model})  # type: ignore[arg-type]  # P.kwargs with model replaced

        return await self._router._call(str(kwargs["model"]), send, billable=True)

    return routed


class _RouterResource:
    def __init__(self, router: Router) -> None:
        self._router = router


class _AsyncRouterResource:
    def __init__(self, router: AsyncRouter) -> None:
        self._router = router


class _RouterImages(_RouterResource):
    """``router.images``."""

    generate = _billable(Images.generate, lambda client: client.images)


class _AsyncRouterImages(_AsyncRouterResource):
    """``router.images``."""

    generate = _async_billable(AsyncImages.generate, lambda client: client.images)


class _RouterVideos(_RouterResource):
    """``router.videos``."""

    create = _billable(Videos.create, lambda client: client.videos)


class _AsyncRouterVideos(_AsyncRouterResource):
    """``router.videos``."""

    create = _async_billable(AsyncVideos.create, lambda client: client.videos)
