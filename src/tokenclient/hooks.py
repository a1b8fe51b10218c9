"""Observability: the events hooks receive, and ``UsageTotals`` (``client.usage``).

A hook is any object with some of these methods; each receives one frozen event::

    on_request(RequestEvent)      a call starts (once per call, before the first attempt)
    on_retry(RetryEvent)          an attempt failed and will be retried after ``delay``
    on_response(ResponseEvent)    a call succeeded (for a stream: its headers arrived)
    on_error(ErrorEvent)          a call failed for good
    on_stream_end(StreamEndEvent) a stream was closed (exhausted, broken off or failed)
    on_fallback(FallbackEvent)    a router moved on from a route of this client

On the async client a method may be a coroutine function; it is awaited. A hook that raises is
logged (WARNING on the ``tokenclient`` logger, once per hook, method and exception type) and the
call goes on. Events never carry the API key or the request headers; message bodies only when
the hook (``include_content = True`` attribute) or the client (``include_content=True``) asks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, TypeVar

from ._core.cost import Cost, Pricing, TokenCounts

_ZERO = Decimal(0)

if TYPE_CHECKING:
    from ._types import RouteInfo

__all__ = [
    "ErrorEvent",
    "FallbackEvent",
    "Hook",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "StreamEndEvent",
    "UsageSnapshot",
    "UsageStats",
    "UsageTotals",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent:
    """What every event of a call says: which call, on which server, for which model."""

    call_id: int
    """Tells the events of one call from those of others (unique per client)."""
    operation: str
    """``"chat"``, ``"image_generation"``, ``"video_generation"``, or ``"http"`` for others."""
    method: str
    """The HTTP method."""
    path: str
    """The URL path, e.g. ``/api/v1/chat/completions``."""
    server_address: str
    """The host the request goes to."""
    server_port: int | None
    """The port, when the URL names one or its scheme implies it."""
    provider: str | None
    """The client's provider preset, if any."""
    model: str | None
    """The model the request names."""
    stream: bool
    """Whether the call streams."""
    tag: str | None
    """The call's ``usage_tag``."""
    content: Mapping[str, object] | None
    """The request body (messages included), only with ``include_content=True``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestEvent(CallEvent):
    """A call starts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryEvent(CallEvent):
    """An attempt failed; the next starts after ``delay`` seconds."""

    attempt: int
    """The attempt that failed, from 0."""
    status: int | None
    """Its HTTP status, or ``None`` when no response arrived."""
    error_type: str | None
    """The transport error's class name, when no response arrived."""
    reason: str
    """Why it is retried (``"status 503"``, ``"ConnectTimeout"``...)."""
    delay: float
    """Seconds until the next attempt."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseEvent(CallEvent):
    """A call succeeded (for a stream: the response headers arrived)."""

    attempt: int
    """The attempt that succeeded, from 0."""
    status: int
    """The HTTP status."""
    request_id: str | None
    """The response's ``x-request-id``."""
    duration: float
    """Seconds from the call's start to the parsed result (a stream: to its headers)."""
    time_to_first_byte: float | None
    """Seconds from the call's start to the response headers of the last attempt."""
    limiter_wait: float
    """Seconds spent waiting for the client's limiter (all attempts)."""
    response_id: str | None
    """The result's ``id``, when it has one."""
    response_model: str | None
    """The model the result names."""
    finish_reasons: tuple[str, ...]
    """The choices' finish reasons (chat)."""
    usage: TokenCounts | None
    """The tokens, split as priced (chat)."""
    cost: Cost | None
    """The result's cost (provider-reported, else from ``pricing``), if known."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEvent(CallEvent):
    """A call failed for good (after its retries)."""

    attempt: int
    """The last attempt, from 0."""
    status: int | None
    """The HTTP status of an ``APIStatusError``, else ``None``."""
    request_id: str | None
    """The error response's ``x-request-id``, if any."""
    error: BaseException
    """The exception the call raises."""
    error_type: str
    """Its class name (``RateLimitError``...)."""
    duration: float
    """Seconds from the call's start to the failure."""
    limiter_wait: float
    """Seconds spent waiting for the client's limiter."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamEndEvent(CallEvent):
    """A stream was closed: read to its end, broken off by the caller, or failed."""

    status: int
    """The HTTP status (200)."""
    request_id: str | None
    """The response's ``x-request-id``."""
    completed: bool
    """Whether the stream ended normally (``[DONE]`` or the end of the body) without error."""
    error: BaseException | None
    """The exception reading raised, if any."""
    duration: float
    """Seconds from the call's start to the close."""
    time_to_first_token: float | None
    """Seconds from the call's start to the first chunk with content, if any arrived."""
    max_idle_gap: float | None
    """The longest wait, in seconds, between two pieces of the body."""
    chunks: int
    """The chunks handed out."""
    response_id: str | None
    """The chunks' ``id``."""
    response_model: str | None
    """The chunks' ``model``."""
    finish_reasons: tuple[str, ...]
    """The choices' finish reasons."""
    usage: TokenCounts | None
    """The tokens of the usage chunk, if the stream carried one."""
    cost: Cost | None
    """The stream's cost, if known."""
    limiter_wait: float
    """Seconds spent waiting for the client's limiter before the stream opened."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FallbackEvent:
    """A router's route failed and the router moves on (given to the failed route's client's
    hooks, ``on_fallback``)."""

    model: str
    """The router's logical model name."""
    route: RouteInfo
    """The route that failed (a ``tokenclient.Route``)."""
    error: BaseException
    """Why it failed."""
    next_route: RouteInfo | None
    """The route tried next; ``None`` when none is left."""


class Hook(Protocol):
    """Documentation only: a hook defines any subset of these methods (none is required)."""

    def on_request(self, event: RequestEvent) -> object:
        """A call starts."""
        ...

    def on_retry(self, event: RetryEvent) -> object:
        """An attempt failed and will be retried."""
        ...

    def on_response(self, event: ResponseEvent) -> object:
        """A call succeeded."""
        ...

    def on_error(self, event: ErrorEvent) -> object:
        """A call failed for good."""
        ...

    def on_stream_end(self, event: StreamEndEvent) -> object:
        """A stream was closed."""
        ...

    def on_fallback(self, event: FallbackEvent) -> object:
        """A router moved on from this client's route."""
        ...


# --- usage totals -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageStats:
    """Counts for one model, one tag, or everything."""

    requests: int = 0
    """Calls that succeeded (a stream counts when it closes)."""
    errors: int = 0
    """Calls that failed for good."""
    input_tokens: int = 0
    """Prompt tokens not served from the cache."""
    cached_input_tokens: int = 0
    """Prompt tokens served from the cache."""
    output_tokens: int = 0
    """Completion tokens (reasoning included)."""
    reasoning_tokens: int = 0
    """The reasoning part of ``output_tokens``."""
    cost: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    """Total cost per currency, of the results whose cost is known."""
    unpriced: int = 0
    """Successful calls whose cost is unknown (no provider cost, no matching price)."""

    def __add__(self, other: UsageStats) -> UsageStats:
        cost = dict(self.cost)
        for currency, amount in other.cost.items():
            cost[currency] = cost.get(currency, Decimal(0)) + amount
        return UsageStats(
            self.requests + other.requests,
            self.errors + other.errors,
            self.input_tokens + other.input_tokens,
            self.cached_input_tokens + other.cached_input_tokens,
            self.output_tokens + other.output_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            MappingProxyType(cost),
            self.unpriced + other.unpriced,
        )


class _Row:
    """The mutable counters of one (tag, model) pair; only touched under the lock."""

    __slots__ = (
        "cached",
        "cost",
        "errors",
        "input",
        "output",
        "priced_cached",
        "priced_input",
        "priced_output",
        "reasoning",
        "requests",
        "unpriced",
    )

    def __init__(self) -> None:
        self.requests = self.errors = self.unpriced = 0
        self.input = self.cached = self.output = self.reasoning = 0
        self.priced_input = self.priced_cached = self.priced_output = 0
        self.cost: dict[str, Decimal] = {}

    def stats(self, model: str, pricing: Pricing | None) -> UsageStats:
        cost = dict(self.cost)
        if pricing is not None and (self.priced_input or self.priced_cached or self.priced_output):
            # Prices are linear, so the table is applied once to the summed tokens.
            counts = TokenCounts(self.priced_input, self.priced_cached, self.priced_output)
            table = pricing.cost(model, counts)
            if table is not None:
                cost[table.currency] = cost.get(table.currency, _ZERO) + table.amount
        return UsageStats(
            self.requests,
            self.errors,
            self.input,
            self.cached,
            self.output,
            self.reasoning,
            MappingProxyType(cost),
            self.unpriced,
        )


_K = TypeVar("_K")


@dataclass(frozen=True, slots=True)
class UsageSnapshot:
    """An immutable copy of the totals at one moment."""

    rows: Mapping[tuple[str | None, str], UsageStats]
    """``(tag, model) -> stats``, every pair seen (``model`` is ``""`` when none was named)."""

    @property
    def total(self) -> UsageStats:
        """Everything."""
        return sum(self.rows.values(), UsageStats())

    @property
    def by_model(self) -> Mapping[str, UsageStats]:
        """Per model, all tags together."""
        return _group(self.rows, lambda key: key[1])

    @property
    def by_tag(self) -> Mapping[str | None, UsageStats]:
        """Per ``usage_tag`` (``None``: calls without one), all models together."""
        return _group(self.rows, lambda key: key[0])

    def tag(self, tag: str | None) -> UsageSnapshot:
        """Only the calls made with ``usage_tag=tag``."""
        rows = {key: value for key, value in self.rows.items() if key[0] == tag}
        return UsageSnapshot(MappingProxyType(rows))


def _group(
    rows: Mapping[tuple[str | None, str], UsageStats],
    key: Callable[[tuple[str | None, str]], _K],
) -> Mapping[_K, UsageStats]:
    grouped: dict[_K, UsageStats] = {}
    for pair, stats in rows.items():
        name = key(pair)
        grouped[name] = grouped.get(name, UsageStats()) + stats
    return MappingProxyType(grouped)


class UsageTotals:
    """``client.usage``: live totals of every call the client (and its copies) made.

    Thread- and task-safe (one lock, held for a few additions). Read ``snapshot()`` for an
    immutable copy, or the shortcuts ``total``, ``by_model``, ``by_tag``; ``reset()`` clears.
    """

    __slots__ = ("_lock", "_rows", "pricing")

    def __init__(self, pricing: Pricing | None = None) -> None:
        self._lock = threading.Lock()
        self._rows: dict[tuple[str | None, str], _Row] = {}
        self.pricing = pricing
        """The table ``record(..., priced=True)`` tokens are costed with, at read time."""

    def record(
        self,
        model: str | None,
        tag: str | None,
        counts: TokenCounts | None,
        cost: Cost | None,
        *,
        billed: bool = True,
        priced: bool = False,
    ) -> None:
        """Count one successful call.

        ``priced``: ``counts`` are costed by ``pricing`` when the totals are read (cheaper
        than pricing each call: the table is linear). ``billed=False``: the cost comes
        later (``bill``).
        """
        key = (tag, model or "")
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row()
            row.requests += 1
            if counts is not None:
                row.input += counts.input
                row.cached += counts.cached_input
                row.output += counts.output
                row.reasoning += counts.reasoning
                if priced:
                    row.priced_input += counts.input
                    row.priced_cached += counts.cached_input
                    row.priced_output += counts.output
                    return
            if not billed:
                return
            if cost is None:
                row.unpriced += 1
            else:
                totals = row.cost
                totals[cost.currency] = totals.get(cost.currency, _ZERO) + cost.amount

    def bill(self, model: str | None, tag: str | None, cost: Cost | None) -> None:
        """Add the cost of an earlier call (a video task that has now succeeded)."""
        key = (tag, model or "")
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row()
            if cost is None:
                row.unpriced += 1
            else:
                row.cost[cost.currency] = row.cost.get(cost.currency, _ZERO) + cost.amount

    def record_error(self, model: str | None, tag: str | None) -> None:
        """Count one failed call."""
        key = (tag, model or "")
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = _Row()
            row.errors += 1

    def snapshot(self) -> UsageSnapshot:
        """An immutable copy of the totals now."""
        with self._lock:
            rows = {key: row.stats(key[1], self.pricing) for key, row in self._rows.items()}
        return UsageSnapshot(MappingProxyType(rows))

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._lock:
            self._rows.clear()

    @property
    def total(self) -> UsageStats:
        """Everything, now."""
        return self.snapshot().total

    @property
    def by_model(self) -> Mapping[str, UsageStats]:
        """Per model, now."""
        return self.snapshot().by_model

    @property
    def by_tag(self) -> Mapping[str | None, UsageStats]:
        """Per tag, now."""
        return self.snapshot().by_tag

    def __repr__(self) -> str:
        total = self.total
        return (
            f"<UsageTotals requests={total.requests} errors={total.errors} "
            f"input={total.input_tokens} output={total.output_tokens} cost={dict(total.cost)}>"
        )
