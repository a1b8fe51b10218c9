"""The client's observer: usage accounting, cost context and hook dispatch.

One ``Observer`` per client (shared by its ``with_options`` copies). Accounting runs on every
call (a lock and a few additions); events are only built when hooks exist, and a call
without hooks carries ``call=None`` through the requester, which then checks nothing else.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, cast

import httpx

from ._core.cost import Cost, Pricing, TokenCounts, chat_cost, chat_counts, result_cost
from ._core.response_headers import request_id
from ._exceptions import APIStatusError, ConfigurationError
from .hooks import (
    CallEvent,
    ErrorEvent,
    FallbackEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    StreamEndEvent,
    UsageTotals,
)
from .types._cost import Priced

if TYPE_CHECKING:
    from ._core.accumulate import ChatCompletionAccumulator
    from ._core.config import ClientConfig
    from ._core.request import RequestOptions
    from ._core.retry import Decision
    from .types.chat import ChatCompletion
    from .types.videos import VideoTask

__all__ = ["AsyncStreamWatch", "Call", "Observer", "StreamWatch"]

ChunkT = TypeVar("ChunkT")
T = TypeVar("T")


class _Parser(Protocol):
    @property
    def done(self) -> bool: ...


class StreamLike(Protocol):
    """What a watcher reads of a ``Stream``/``AsyncStream`` when it closes."""

    @property
    def response(self) -> httpx.Response: ...
    @property
    def cost(self) -> Cost | None: ...
    @property
    def _accumulator(self) -> ChatCompletionAccumulator: ...
    @property
    def _parser(self) -> _Parser: ...
    @property
    def _error(self) -> BaseException | None: ...


log = logging.getLogger("tokenclient")

HOOK_METHODS = (
    "on_request",
    "on_retry",
    "on_response",
    "on_error",
    "on_stream_end",
    "on_fallback",
)
_OPERATIONS = {
    "/chat/completions": "chat",
    "/images/generations": "image_generation",
    "/videos/generations": "video_generation",
}
_TASKS_KEPT = 10_000


def _operation(path: str) -> str:
    operation = _OPERATIONS.get(path)
    if operation is None and path.startswith("/videos/generations/"):
        return "video_generation"
    return operation or "http"


def _model_of(body: Mapping[str, object] | None) -> str | None:
    model = body.get("model") if body else None
    return model if isinstance(model, str) else None


_Kind = Literal["chat", "video", "other"]
_KINDS: dict[type, _Kind] = {}
"""Result class -> how it is accounted; filled on first sight (the types load lazily)."""


def _kind_of(result: object) -> _Kind:
    kind = _KINDS.get(type(result))
    if kind is None:
        from .types.chat import ChatCompletion
        from .types.videos import VideoTask

        kind = (
            "chat"
            if isinstance(result, ChatCompletion)
            else "video"
            if isinstance(result, VideoTask)
            else "other"
        )
        _KINDS[type(result)] = kind
    return kind


def _remember(kept: dict[str, T], key: str, value: T) -> None:
    kept[key] = value
    if len(kept) > _TASKS_KEPT:
        del kept[next(iter(kept))]  # the oldest


class Call:
    """One observed call: its fixed description, start time, limiter wait and attempts."""

    __slots__ = (
        "attempt",
        "base",
        "first_byte",
        "limiter_wait",
        "observer",
        "pending",
        "started",
    )

    def __init__(self, observer: Observer, base: dict[str, object], started: float) -> None:
        self.observer = observer
        self.base = base
        self.started = started
        self.limiter_wait = 0.0
        self.attempt = 0
        self.first_byte: float | None = None
        self.pending: RetryEvent | None = None

    def waited(self, since: float) -> None:
        """The limiter let an attempt through; it had waited since ``since``."""
        self.limiter_wait += time.monotonic() - since

    def answered(self) -> None:
        """An attempt's response headers arrived."""
        self.first_byte = time.monotonic() - self.started

    def failed(
        self, attempt: int, decision: Decision, status: int | None, error_type: str | None
    ) -> None:
        """An attempt failed and will be retried: keep the event until it is emitted."""
        self.attempt = attempt + 1
        self.pending = RetryEvent(
            **self.base,  # type: ignore[arg-type]  # the CallEvent fields, built by Observer
            attempt=attempt,
            status=status,
            error_type=error_type,
            reason=decision.reason,
            delay=decision.delay,
        )

    def take_retry(self) -> RetryEvent | None:
        """The retry event to emit, once."""
        event, self.pending = self.pending, None
        return event


class Observer:
    """Per client: the totals, the price table, and the hooks by method."""

    def __init__(
        self,
        hooks: Sequence[object],
        *,
        pricing: Pricing | None,
        include_content: bool,
        asynchronous: bool,
    ) -> None:
        if pricing is not None and not isinstance(pricing, Pricing):
            raise ConfigurationError(
                f"pricing: expected a tokenclient.Pricing, got {type(pricing).__name__}"
            )
        if isinstance(hooks, str | bytes) or not isinstance(hooks, Sequence):
            raise ConfigurationError(f"hooks: expected a list of hook objects, got {hooks!r}")
        self.usage = UsageTotals(pricing)
        self._ids = itertools.count(1)  # next() on a count is atomic under the GIL
        self._asynchronous = asynchronous
        self.pricing = pricing
        self.include_content = include_content
        self.hooks: dict[str, list[tuple[object, Callable[[object], object]]]] = {}
        self._warned: set[tuple[int, str, type[BaseException]]] = set()
        self._content = include_content
        self.active = False
        for hook in hooks:
            self.add(hook)
        self._lock = threading.Lock()
        self._billed: dict[str, None] = {}
        """Video tasks already billed (the last ``_TASKS_KEPT``), so polls bill once."""
        self._task_tags: dict[str, str | None] = {}
        """The ``usage_tag`` each video task was created with, for its bill."""

    def add(self, hook: object) -> None:
        """Register ``hook``'s ``on_*`` methods (refusing what cannot work)."""
        methods = [name for name in HOOK_METHODS if callable(getattr(hook, name, None))]
        if not methods:
            raise ConfigurationError(
                f"hooks: {type(hook).__name__} has none of {', '.join(HOOK_METHODS)}"
            )
        for name in methods:
            method = getattr(hook, name)
            if not self._asynchronous and inspect.iscoroutinefunction(method):
                raise ConfigurationError(
                    f"hooks: {type(hook).__name__}.{name} is a coroutine function; "
                    "async hooks need the AsyncTokenClient"
                )
            self.hooks.setdefault(name, []).append((hook, method))
        if getattr(hook, "include_content", False) is True:
            self._content = True
        self.active = any(name != "on_fallback" for name in self.hooks)

    # -- events ---------------------------------------------------------------------------

    def start(
        self,
        config: ClientConfig,
        method: str,
        url: httpx.URL,
        path: str,
        *,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        stream: bool,
    ) -> Call:
        """Describe a call that starts now (only called when hooks exist)."""
        port = url.port or (443 if url.scheme == "https" else 80 if url.scheme == "http" else None)
        base: dict[str, object] = {
            "call_id": next(self._ids),
            "operation": _operation(path),
            "method": method,
            "path": url.path,
            "server_address": url.host,
            "server_port": port,
            "provider": config.provider,
            "model": _model_of(body),
            "stream": stream,
            "tag": options.usage_tag,
            "content": dict(body) if self._content and body is not None else None,
        }
        return Call(self, base, time.monotonic())

    @staticmethod
    def request_event(call: Call) -> RequestEvent:
        return RequestEvent(**call.base)  # type: ignore[arg-type]  # CallEvent fields

    def emit(self, name: str, event: CallEvent | FallbackEvent) -> None:
        """Call every sync hook method ``name`` with ``event``; failures are logged."""
        for hook, method in self.hooks.get(name, ()):
            try:
                method(event)
            except Exception as error:
                self._warn(hook, name, error)

    async def async_emit(self, name: str, event: CallEvent | FallbackEvent) -> None:
        """``emit`` for the async client: coroutine hook methods are awaited."""
        for hook, method in self.hooks.get(name, ()):
            try:
                outcome = method(event)
                if inspect.isawaitable(outcome):
                    await outcome
            except Exception as error:
                self._warn(hook, name, error)

    def _warn(self, hook: object, name: str, error: Exception) -> None:
        key = (id(hook), name, type(error))
        if key in self._warned:
            return
        self._warned.add(key)
        log.warning(
            "hook %s.%s raised %s: %s (ignored; reported once per hook and error type)",
            type(hook).__name__,
            name,
            type(error).__name__,
            error,
        )

    # -- outcomes -------------------------------------------------------------------------

    def succeeded(
        self,
        result: object,
        response: httpx.Response,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        call: Call | None,
    ) -> ResponseEvent | None:
        """Price and count ``result``; the response event when hooks exist."""
        counts: TokenCounts | None = None
        cost: Cost | None = None
        if isinstance(result, Priced):
            model = body.get("model") if body else None
            if not isinstance(model, str):
                model = None
            if self.pricing is not None:
                object.__setattr__(result, "_pricing", self.pricing)
            counts, cost = self.account(result, model, options.usage_tag, call is not None)
        if call is None:
            return None
        choices = getattr(result, "choices", None) or ()
        reasons = tuple(
            reason for choice in choices if isinstance(reason := choice.finish_reason, str)
        )
        result_id = getattr(result, "id", None)
        result_model = getattr(result, "model", None)
        return response_event(
            call,
            response,
            response_id=result_id if isinstance(result_id, str) else None,
            response_model=result_model if isinstance(result_model, str) else None,
            finish_reasons=reasons,
            usage=counts,
            cost=cost,
        )

    def polled(self, task: object, options: RequestOptions) -> None:
        """A video task read by ``videos.wait``: give it the pricing, bill it once succeeded."""
        if self.pricing is not None:
            object.__setattr__(task, "_pricing", self.pricing)
        self.account(task, None, options.usage_tag)

    def account(
        self, result: object, model: str | None, tag: str | None, want_cost: bool = False
    ) -> tuple[TokenCounts | None, Cost | None]:
        """Add a priced result to the totals (a video task's cost once, when it succeeds).

        The cost is returned for chat results only with ``want_cost`` (for hook events).
        """
        kind = _kind_of(result)
        pricing = self.pricing
        if kind == "chat":
            chat: ChatCompletion = result  # type: ignore[assignment]  # _kind_of checked it; no cast() call on the hot path
            usage = chat.usage
            name = chat.model or model
            if usage is None:
                self.usage.record(name, tag, None, None)
                return None, None
            counts = chat_counts(usage)
            extra = chat.__pydantic_extra__
            usage_extra = usage.__pydantic_extra__
            if want_cost or (usage_extra and "cost" in usage_extra) or (extra and "cost" in extra):
                cost = chat_cost(usage, counts, name, extra, pricing)
                self.usage.record(name, tag, counts, cost)
                return counts, cost
            # The common case, kept cheap: tokens summed, the table applied when read.
            price = pricing.price_for(name) if pricing is not None else None
            priced = price is not None and price.covers(counts)
            self.usage.record(name, tag, counts, None, priced=priced)
            return counts, None
        if kind == "video":
            return self._account_task(cast("VideoTask", result), model, tag)
        if model is not None:
            object.__setattr__(result, "_request_model", model)  # images name no model
        cost = result_cost(result, pricing, model)
        self.usage.record(model, tag, None, cost)
        return None, cost

    def _account_task(
        self, task: VideoTask, model: str | None, tag: str | None
    ) -> tuple[TokenCounts | None, Cost | None]:
        with self._lock:
            if model is not None:  # the creation: a request, billed when the task succeeds
                _remember(self._task_tags, task.id, tag)
            billed = task.status == "succeeded" and task.id not in self._billed
            if billed:
                _remember(self._billed, task.id, None)
                tag = self._task_tags.pop(task.id, tag)
        if model is not None:
            self.usage.record(model, tag, None, None, billed=False)
        if not billed:
            return None, None
        cost = result_cost(task, self.pricing)
        self.usage.bill(task.model or model, tag, cost)
        return None, cost

    def failed(
        self,
        error: BaseException,
        body: Mapping[str, object] | None,
        options: RequestOptions,
        call: Call | None,
    ) -> ErrorEvent | None:
        """Count a failed call; the error event when hooks exist."""
        self.usage.record_error(_model_of(body), options.usage_tag)
        if call is None:
            return None
        status = error.status_code if isinstance(error, APIStatusError) else None
        rid = error.request_id if isinstance(error, APIStatusError) else None
        return ErrorEvent(
            **call.base,  # type: ignore[arg-type]  # CallEvent fields
            attempt=call.attempt,
            status=status,
            request_id=rid,
            error=error,
            error_type=type(error).__name__,
            duration=time.monotonic() - call.started,
            limiter_wait=call.limiter_wait,
        )


def response_event(
    call: Call,
    response: httpx.Response,
    *,
    response_id: str | None = None,
    response_model: str | None = None,
    finish_reasons: tuple[str, ...] = (),
    usage: TokenCounts | None = None,
    cost: Cost | None = None,
) -> ResponseEvent:
    """The event of a call that succeeded (a stream's: its headers, nothing read yet)."""
    return ResponseEvent(
        **call.base,  # type: ignore[arg-type]  # CallEvent fields
        attempt=call.attempt,
        status=response.status_code,
        request_id=request_id(response.headers),
        duration=time.monotonic() - call.started,
        time_to_first_byte=call.first_byte,
        limiter_wait=call.limiter_wait,
        response_id=response_id,
        response_model=response_model,
        finish_reasons=finish_reasons,
        usage=usage,
        cost=cost,
    )


def stream_end_event(
    call: Call,
    response: httpx.Response,
    *,
    completed: bool,
    error: BaseException | None,
    first_token: float | None,
    max_gap: float | None,
    chunks: int,
    response_id: str | None,
    response_model: str | None,
    finish_reasons: tuple[str, ...],
    usage: TokenCounts | None,
    cost: Cost | None,
) -> StreamEndEvent:
    """The event of a closed stream."""
    return StreamEndEvent(
        **call.base,  # type: ignore[arg-type]  # CallEvent fields
        status=response.status_code,
        request_id=request_id(response.headers),
        completed=completed,
        error=error,
        duration=time.monotonic() - call.started,
        time_to_first_token=None if first_token is None else first_token - call.started,
        max_idle_gap=max_gap,
        chunks=chunks,
        response_id=response_id,
        response_model=response_model,
        finish_reasons=finish_reasons,
        usage=usage,
        cost=cost,
        limiter_wait=call.limiter_wait,
    )


class _TimedBytes:
    """A byte iterator that notes the longest gap between pieces (hooks only)."""

    __slots__ = ("_inner", "exhausted", "last", "max_gap")

    def __init__(self, inner: Iterator[bytes], opened: float) -> None:
        self._inner = inner
        self.last = opened
        self.max_gap: float | None = None
        self.exhausted = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            piece = next(self._inner)
        except StopIteration:
            self.exhausted = True
            raise
        self._note()
        return piece

    def _note(self) -> None:
        now = time.monotonic()
        gap = now - self.last
        if self.max_gap is None or gap > self.max_gap:
            self.max_gap = gap
        self.last = now


class _AsyncTimedBytes(_TimedBytes):
    """The async twin of ``_TimedBytes`` (a class, not an async generator: nothing to
    finalise when the stream is dropped half-read)."""

    __slots__ = ("_ainner",)

    def __init__(self, inner: AsyncIterator[bytes], opened: float) -> None:
        super().__init__(iter(()), opened)
        self._ainner = inner

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        try:
            piece = await anext(self._ainner)
        except StopAsyncIteration:
            self.exhausted = True
            raise
        self._note()
        return piece


class _StreamWatchBase:
    """What a client wants to know of one stream: accounting always, timing with hooks."""

    def __init__(
        self,
        observer: Observer,
        call: Call | None,
        body: Mapping[str, object] | None,
        options: RequestOptions,
    ) -> None:
        self.observer = observer
        self.call = call
        self.model = _model_of(body)
        self.tag = options.usage_tag
        self.first_token: float | None = None
        self.chunks = 0
        self.timed: _TimedBytes | None = None

    def opened(self, response: httpx.Response) -> ResponseEvent:
        """The response event of a stream whose headers arrived (hooks only)."""
        call = self.call
        assert call is not None  # only called with hooks
        return response_event(call, response)

    def timed_fold(self, fold: Callable[[ChunkT], None]) -> Callable[[ChunkT], None]:
        """``fold``, noting the chunk count and the first chunk with choices."""

        def timed(chunk: ChunkT) -> None:
            self.chunks += 1
            if self.first_token is None and getattr(chunk, "choices", None):
                self.first_token = time.monotonic()
            fold(chunk)

        return timed

    def _end(self, stream: StreamLike) -> StreamEndEvent | None:
        accumulator = stream._accumulator
        usage = accumulator._usage
        model = accumulator._model or self.model
        counts = chat_counts(usage) if usage is not None else None
        cost = stream.cost
        error = stream._error
        if error is None:
            self.observer.usage.record(model, self.tag, counts, cost)
        else:
            self.observer.usage.record_error(model, self.tag)
        call = self.call
        if call is None:
            return None
        timed = self.timed
        completed = error is None and (
            stream._parser.done or (timed is not None and timed.exhausted)
        )
        reasons = tuple(
            state.finish_reason
            for state in accumulator._choices.values()
            if isinstance(state.finish_reason, str)
        )
        return stream_end_event(
            call,
            stream.response,
            completed=completed,
            error=error,
            first_token=self.first_token,
            max_gap=timed.max_gap if timed is not None else None,
            chunks=self.chunks,
            response_id=accumulator._id,
            response_model=accumulator._model,
            finish_reasons=reasons,
            usage=counts,
            cost=cost,
        )


class StreamWatch(_StreamWatchBase):
    """The sync stream's watcher."""

    def timed_bytes(self, inner: Iterator[bytes]) -> Iterator[bytes]:
        """``inner``, timing the gaps between pieces."""
        call = self.call
        self.timed = _TimedBytes(inner, call.started if call is not None else time.monotonic())
        return self.timed

    def closed(self, stream: StreamLike) -> None:
        """The stream closed: count it, and tell the hooks."""
        event = self._end(stream)
        if event is not None:
            self.observer.emit("on_stream_end", event)


class AsyncStreamWatch(_StreamWatchBase):
    """The async stream's watcher."""

    def timed_bytes(self, inner: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """``inner``, timing the gaps between pieces."""
        call = self.call
        timed = _AsyncTimedBytes(inner, call.started if call is not None else time.monotonic())
        self.timed = timed
        return timed

    async def closed(self, stream: StreamLike) -> None:
        """The stream closed: count it, and tell the hooks."""
        event = self._end(stream)
        if event is not None:
            await self.observer.async_emit("on_stream_end", event)
