"""The send-with-retry loops. All decisions come from ``_core``; these only do the I/O.

``Requester`` and ``AsyncRequester`` are twins: they differ only by ``async``/``await``, the
sync/async sleep of their ``Runtime`` and the async one's cancel scope at the attempt deadline.
Only ``httpx.TransportError`` is caught, so cancellation,
``KeyboardInterrupt`` and bugs pass through untouched (after the response is closed).

Each attempt has a total deadline, ``attempt_timeout`` (default: the request's read timeout),
covering the connection, the headers and, unless streaming, the whole body: a server trickling
one byte per read cannot stretch an attempt past it. The async loop cancels the attempt at the
deadline (``anyio.move_on_after``); the sync one cannot interrupt a blocking read, so it
shortens every httpx timeout to the time left and checks the deadline between body reads. A
body is read piece by piece, counting decoded bytes: past ``max_bytes`` (the client's
``max_response_bytes``) it stops with ``APIResponseValidationError``, so a gzip bomb costs the
cap, not its decoded size. A deadline passed raises ``AttemptTimeout``, which the retry logic
treats as the ``httpx.ReadTimeout`` it subclasses.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Generic, NamedTuple, NoReturn, TypeVar

import httpx

from ._core import retry
from ._core.response import make_status_error
from ._deadline import ATTEMPT_DEADLINE
from ._exceptions import APIResponseValidationError, APITimeoutError, connection_error
from ._limiter import AsyncLimiter, Lease, Limiter, never_sent
from ._runtime import Runtime

if TYPE_CHECKING:
    from ._observe import Call

__all__ = ["AsyncRequester", "Requester"]

log = logging.getLogger("tokenclient")


def _pool_timeout(request: httpx.Request) -> float | None:
    """The request's pool timeout, which also bounds the wait for a client-side slot."""
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeouts.get("pool")


def _no_slot(error: TimeoutError, request: httpx.Request) -> httpx.PoolTimeout:
    """No client-side slot came free in time: nothing was sent, as with httpx's own pool."""
    return httpx.PoolTimeout(str(error), request=request)


def _log_attempt(request: httpx.Request, attempt: int) -> None:
    if log.isEnabledFor(logging.DEBUG):  # skip building the arguments on the hot path
        log.debug("%s %s attempt=%d", request.method, request.url.path, attempt + 1)


def _log_response(request: httpx.Request, response: httpx.Response) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s %s -> %d", request.method, request.url.path, response.status_code)


def _log_decision(request: httpx.Request, attempt: int, decision: retry.Decision) -> None:
    verb = f"retrying in {decision.delay:.2f}s" if decision.retry else "giving up"
    log.debug(
        "%s %s attempt=%d failed (%s); %s",
        request.method,
        request.url.path,
        attempt + 1,
        decision.reason,
        verb,
    )


class AttemptTimeout(httpx.ReadTimeout):
    """An attempt passed its ``attempt_timeout`` (the retry logic sees a read timeout)."""


def _too_large(response: httpx.Response, max_bytes: int) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{response.request.method} {response.request.url.path}: the response body passed "
        f"max_response_bytes={max_bytes} (decoded); stopped reading",
        response=response,
    )


def _keep(response: httpx.Response, pieces: list[bytes]) -> None:
    # What `httpx.Response.read()` itself does once the body is in: `.content` is now set.
    response._content = b"".join(pieces)  # pyright: ignore[reportPrivateUsage]


class _Attempt:
    """The deadline of one attempt; shortens the request's httpx timeouts to the time left."""

    __slots__ = ("deadline", "limit", "request", "timeouts")

    def __init__(self, request: httpx.Request, attempt_timeout: float | None) -> None:
        self.request = request
        self.timeouts: dict[str, float | None] = request.extensions["timeout"]
        limit = attempt_timeout if attempt_timeout is not None else self.timeouts.get("read")
        self.limit = limit
        self.deadline = None if limit is None else time.monotonic() + limit
        self.shorten()

    def left(self) -> float:
        assert self.deadline is not None
        return self.deadline - time.monotonic()

    def passed(self) -> bool:
        """Whether the attempt's deadline has passed."""
        return self.deadline is not None and self.left() <= 0

    def shorten(self) -> None:
        """No httpx timeout longer than the time left (checked between reads too)."""
        if self.deadline is None:
            return
        left = self.left()
        if left <= 0:
            self.expired()
        self.request.extensions["timeout"] = {
            phase: left if value is None else min(value, left)
            for phase, value in self.timeouts.items()
        }

    def expired(self) -> NoReturn:
        raise self.timeout()

    def timeout(self) -> AttemptTimeout:
        """The error of an attempt past its deadline."""
        return AttemptTimeout(
            f"attempt_timeout: the attempt took longer than {self.limit:g}s", request=self.request
        )

    def restore(self) -> None:
        """The request's own timeouts back (a stream's body reads use them)."""
        self.request.extensions["timeout"] = self.timeouts


def _read(response: httpx.Response, attempt: _Attempt, max_bytes: int | None) -> None:
    size = 0
    pieces: list[bytes] = []
    attempt.shorten()  # the body's reads get the time left, not the whole read timeout
    for piece in response.iter_bytes():
        size += len(piece)
        if max_bytes is not None and size > max_bytes:
            raise _too_large(response, max_bytes)
        pieces.append(piece)
        if attempt.deadline is not None and attempt.left() <= 0:
            attempt.expired()
    _keep(response, pieces)


async def _aread(response: httpx.Response, attempt: _Attempt, max_bytes: int | None) -> None:
    size = 0
    pieces: list[bytes] = []
    attempt.shorten()  # the body's reads get the time left, not the whole read timeout
    async for piece in response.aiter_bytes():
        size += len(piece)
        if max_bytes is not None and size > max_bytes:
            raise _too_large(response, max_bytes)
        pieces.append(piece)
        if attempt.deadline is not None and attempt.left() <= 0:
            attempt.expired()
    _keep(response, pieces)


LimiterT = TypeVar("LimiterT", Limiter, AsyncLimiter)


class _StatusOutcome(NamedTuple):
    """What to do after an error status: pause new requests, then retry or raise."""

    decision: retry.Decision
    pause: float | None
    """Seconds to pause every new request (a 429 hint within the cap), or ``None``."""
    error: Exception | None
    """The error to raise instead of retrying, or ``None``."""


class _RetryLoopBase(Generic[LimiterT]):
    """What both loops do between attempts: log, decide, pause the limiter, or raise."""

    def _tokens(self, request: httpx.Request) -> int:
        shared = self.limiter.shared
        return 0 if shared is None else shared.estimate(request)

    limiter: LimiterT
    runtime: Runtime

    def _after_error(
        self,
        request: httpx.Request,
        error: httpx.TransportError,
        policy: retry.RetryPolicy,
        attempt: int,
        replay_safe: bool,
    ) -> retry.Decision:
        decision = retry.after_error(
            policy, attempt, error, replay_safe=replay_safe, random=self.runtime.random()
        )
        _log_decision(request, attempt, decision)
        if not decision.retry:
            raise connection_error(error, request) from error
        return decision

    def _after_status(
        self,
        request: httpx.Request,
        response: httpx.Response,
        policy: retry.RetryPolicy,
        attempt: int,
    ) -> _StatusOutcome:
        now = self.runtime.wall_clock()
        decision = retry.after_status(
            policy,
            attempt,
            response.status_code,
            response.headers,
            now=now,
            random=self.runtime.random(),
        )
        _log_decision(request, attempt, decision)
        hint = decision.retry_after
        pause = None
        if response.status_code == 429 and hint is not None and hint <= policy.max_retry_after:
            # A 429 hint holds back every new request on this client (with a store: of the
            # scope), not just this one, so concurrent calls do not all run into the same
            # wall. A hint past the cap is not slept by this call, so it pauses nobody either:
            # each call gets its own 429.
            pause = hint
        error = None if decision.retry else make_status_error(response, now=now)
        return _StatusOutcome(decision, pause, error)


class Requester(_RetryLoopBase[Limiter]):
    """Sends one request, retrying as ``policy`` allows; returns a success response."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        limiter: Limiter | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.http = http
        self.limiter = limiter or Limiter()
        self.runtime = runtime or Runtime()

    def send(
        self,
        request: httpx.Request,
        policy: retry.RetryPolicy,
        *,
        stream: bool = False,
        replay_safe: bool = True,
        max_bytes: int | None = None,
        attempt_timeout: float | None = None,
        call: Call | None = None,
    ) -> httpx.Response:
        """Send; the body is read unless ``stream``, at most ``max_bytes`` of it (decoded).

        Each attempt ends within ``attempt_timeout`` (default: the read timeout), the body
        included unless ``stream``. With ``stream``, the returned response holds a limiter
        slot until it is closed. ``call`` (only when hooks exist) records the limiter wait,
        the time to the response and the retries.
        """
        attempt = 0
        tokens = self._tokens(request)
        shared = self.limiter.shared
        while True:
            if call is not None:
                since = time.monotonic()
            try:  # before the HTTP timeouts start; bounded by the pool timeout
                lease = self.limiter.acquire(_pool_timeout(request), tokens)
            except TimeoutError as exc:
                raise APITimeoutError(str(exc), request=request) from _no_slot(exc, request)
            if call is not None:
                call.waited(since)  # pyright: ignore[reportPossiblyUnboundVariable]
            _log_attempt(request, attempt)
            try:
                response = self._attempt(request, stream, max_bytes, attempt_timeout, lease)
                if call is not None:
                    call.answered()
            except httpx.TransportError as exc:  # cancellation, interrupts, bugs: untouched
                decision = self._after_error(request, exc, policy, attempt, replay_safe)
                if call is not None:
                    call.failed(attempt, decision, None, type(exc).__name__)
            else:
                _log_response(request, response)
                if shared is not None:
                    shared.observe(response)
                if response.is_success:
                    return response
                outcome = self._after_status(request, response, policy, attempt)
                if outcome.pause is not None:
                    if shared is not None:
                        shared.pause(outcome.pause)
                    else:
                        self.limiter.pause(outcome.pause)
                if outcome.error is not None:
                    raise outcome.error
                decision = outcome.decision
                if call is not None:
                    call.failed(attempt, decision, response.status_code, None)
            if call is not None and (event := call.take_retry()) is not None:
                call.observer.emit("on_retry", event)
            self.runtime.sleep(decision.delay)
            attempt += 1

    def _attempt(
        self,
        request: httpx.Request,
        stream: bool,
        max_bytes: int | None,
        attempt_timeout: float | None,
        lease: Lease | None = None,
    ) -> httpx.Response:
        """One send holding the slot ``acquire()`` took; the slot goes with the response."""
        deadline = _Attempt(request, attempt_timeout)
        # Every socket wait of tokenclient's own pool ends by the deadline (``_deadline_pool``).
        bound = ATTEMPT_DEADLINE.set(deadline.deadline)
        try:
            try:
                response = self.http.send(request, stream=True)
            except BaseException as exc:
                sent = not never_sent(exc)
                self.limiter.end(lease, started=sent)
                if sent and isinstance(exc, httpx.TimeoutException) and deadline.passed():
                    # The deadline cut a read or write short: say so. A connect or pool timeout
                    # keeps its name, which tells the retry rules nothing was sent.
                    raise deadline.timeout() from exc
                raise
            # From here on, closing the response frees the slot, and a stream's store lease.
            # A plain answer's lease is settled here once its (decoded) body is in: httpx
            # closes the response as the last raw bytes arrive, before they are decoded.
            own = None if stream else lease
            self.limiter.bind(response, None if own is not None else lease)
            try:
                if not stream or not response.is_success:
                    _read(response, deadline, max_bytes)
                    if own is not None:
                        own.note(response.content)  # settle against its usage
                    response.close()  # frees the slot (the body is kept)
            except BaseException:
                response.close()
                raise
            finally:
                if own is not None:
                    own.end()
            return response
        finally:
            ATTEMPT_DEADLINE.reset(bound)
            deadline.restore()


class AsyncRequester(_RetryLoopBase[AsyncLimiter]):
    """Sends one request, retrying as ``policy`` allows; returns a success response."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        limiter: AsyncLimiter | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.http = http
        self.limiter = limiter or AsyncLimiter()
        self.runtime = runtime or Runtime()

    async def send(
        self,
        request: httpx.Request,
        policy: retry.RetryPolicy,
        *,
        stream: bool = False,
        replay_safe: bool = True,
        max_bytes: int | None = None,
        attempt_timeout: float | None = None,
        call: Call | None = None,
    ) -> httpx.Response:
        """Send; the body is read unless ``stream``, at most ``max_bytes`` of it (decoded).

        Each attempt ends within ``attempt_timeout`` (default: the read timeout), the body
        included unless ``stream``. With ``stream``, the returned response holds a limiter
        slot until it is closed. ``call`` (only when hooks exist) records the limiter wait,
        the time to the response and the retries.
        """
        attempt = 0
        tokens = self._tokens(request)
        shared = self.limiter.shared
        while True:
            if call is not None:
                since = time.monotonic()
            try:  # before the HTTP timeouts start; bounded by the pool timeout
                lease = await self.limiter.acquire(_pool_timeout(request), tokens)
            except TimeoutError as exc:
                raise APITimeoutError(str(exc), request=request) from _no_slot(exc, request)
            if call is not None:
                call.waited(since)  # pyright: ignore[reportPossiblyUnboundVariable]
            _log_attempt(request, attempt)
            try:
                response = await self._attempt(request, stream, max_bytes, attempt_timeout, lease)
                if call is not None:
                    call.answered()
            except httpx.TransportError as exc:  # cancellation, interrupts, bugs: untouched
                decision = self._after_error(request, exc, policy, attempt, replay_safe)
                if call is not None:
                    call.failed(attempt, decision, None, type(exc).__name__)
            else:
                _log_response(request, response)
                if shared is not None:
                    await shared.aobserve(response)
                if response.is_success:
                    return response
                outcome = self._after_status(request, response, policy, attempt)
                if outcome.pause is not None:
                    if shared is not None:
                        await shared.apause(outcome.pause)
                    else:
                        self.limiter.pause(outcome.pause)
                if outcome.error is not None:
                    raise outcome.error
                decision = outcome.decision
                if call is not None:
                    call.failed(attempt, decision, response.status_code, None)
            if call is not None and (event := call.take_retry()) is not None:
                await call.observer.async_emit("on_retry", event)
            await self.runtime.async_sleep(decision.delay)
            attempt += 1

    async def _attempt(
        self,
        request: httpx.Request,
        stream: bool,
        max_bytes: int | None,
        attempt_timeout: float | None,
        lease: Lease | None = None,
    ) -> httpx.Response:
        """One send holding the slot ``acquire()`` took; the slot goes with the response."""
        import anyio  # here, not at import: a sync program never loads it

        deadline = _Attempt(request, attempt_timeout)
        response: httpx.Response | None = None
        try:
            # Async reads can be cancelled: the deadline holds for trickled headers too.
            limit = None if deadline.deadline is None else deadline.left()
            with anyio.move_on_after(limit) as scope:
                try:
                    response = await self.http.send(request, stream=True)
                except BaseException as exc:
                    await self.limiter.end(lease, started=not never_sent(exc))
                    raise
                # As in the sync twin: a plain answer's lease is settled here.
                own = None if stream else lease
                await self.limiter.bind(response, None if own is not None else lease)
                try:
                    if not stream or not response.is_success:
                        await _aread(response, deadline, max_bytes)
                        if own is not None:
                            own.note(response.content)  # settle against its usage
                        await response.aclose()  # frees the slot (the body is kept)
                except BaseException:
                    with anyio.CancelScope(shield=True):
                        await response.aclose()
                    raise
                finally:
                    if own is not None:
                        await own.aend()  # shielded and bounded
            if scope.cancelled_caught or response is None:
                deadline.expired()
        finally:
            deadline.restore()
        return response
