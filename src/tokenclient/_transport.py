"""The send-with-retry loops. All decisions come from ``_core``; these only do the I/O.

``Requester`` and ``AsyncRequester`` are twins: they differ only by ``async``/``await`` and
the sync/async sleep of their ``Runtime``. Only ``httpx.TransportError`` is caught, so cancellation,
``KeyboardInterrupt`` and bugs pass through untouched (after the response is closed).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Generic, TypeVar

import httpx

from ._core import retry
from ._core.response import make_status_error
from ._exceptions import connection_error
from ._limiter import AsyncLimiter, Limiter
from ._runtime import Runtime

if TYPE_CHECKING:
    from ._observe import Call

__all__ = ["AsyncRequester", "Requester"]

log = logging.getLogger("tokenclient")


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


LimiterT = TypeVar("LimiterT", Limiter, AsyncLimiter)


class _RetryLoopBase(Generic[LimiterT]):
    """What both loops do between attempts: log, decide, pause the limiter, or raise."""

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
    ) -> retry.Decision:
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
        if response.status_code == 429 and decision.retry_after is not None:
            # A 429 hint holds back every new request on this client, not just this one, so
            # concurrent calls do not all run into the same wall. Never longer than we'd sleep.
            self.limiter.pause(min(decision.retry_after, policy.max_retry_after))
        if not decision.retry:
            raise make_status_error(response, now=now)
        return decision


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
        call: Call | None = None,
    ) -> httpx.Response:
        """Send; the body is read unless ``stream``.

        With ``stream``, the returned response holds a limiter slot: the caller closes the
        response and calls ``limiter.release()``. ``call`` (only when hooks exist) records
        the limiter wait, the time to the headers and the retries.
        """
        attempt = 0
        while True:
            if call is not None:
                since = time.monotonic()
            self.limiter.acquire()  # before the HTTP timeouts start: waiting here is free
            if call is not None:
                call.waited(since)  # pyright: ignore[reportPossiblyUnboundVariable]
            _log_attempt(request, attempt)
            try:
                response = self.http.send(request, stream=True)
                if call is not None:
                    call.answered()
                try:
                    if not stream or not response.is_success:
                        response.read()
                except BaseException:
                    response.close()
                    raise
            except BaseException as exc:
                self.limiter.release()
                if not isinstance(exc, httpx.TransportError):
                    raise  # cancellation, KeyboardInterrupt, bugs: untouched
                decision = self._after_error(request, exc, policy, attempt, replay_safe)
                if call is not None:
                    call.failed(attempt, decision, None, type(exc).__name__)
            else:
                _log_response(request, response)
                if response.is_success:
                    if not stream:
                        self.limiter.release()
                    return response
                self.limiter.release()
                decision = self._after_status(request, response, policy, attempt)
                if call is not None:
                    call.failed(attempt, decision, response.status_code, None)
            if call is not None and (event := call.take_retry()) is not None:
                call.observer.emit("on_retry", event)
            self.runtime.sleep(decision.delay)
            attempt += 1


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
        call: Call | None = None,
    ) -> httpx.Response:
        """Send; the body is read unless ``stream``.

        With ``stream``, the returned response holds a limiter slot: the caller closes the
        response and calls ``limiter.release()``. ``call`` (only when hooks exist) records
        the limiter wait, the time to the headers and the retries.
        """
        attempt = 0
        while True:
            if call is not None:
                since = time.monotonic()
            await self.limiter.acquire()  # before the HTTP timeouts start: waiting here is free
            if call is not None:
                call.waited(since)  # pyright: ignore[reportPossiblyUnboundVariable]
            _log_attempt(request, attempt)
            try:
                response = await self.http.send(request, stream=True)
                if call is not None:
                    call.answered()
                try:
                    if not stream or not response.is_success:
                        await response.aread()
                except BaseException:
                    await response.aclose()
                    raise
            except BaseException as exc:
                self.limiter.release()
                if not isinstance(exc, httpx.TransportError):
                    raise  # cancellation, KeyboardInterrupt, bugs: untouched
                decision = self._after_error(request, exc, policy, attempt, replay_safe)
                if call is not None:
                    call.failed(attempt, decision, None, type(exc).__name__)
            else:
                _log_response(request, response)
                if response.is_success:
                    if not stream:
                        self.limiter.release()
                    return response
                self.limiter.release()
                decision = self._after_status(request, response, policy, attempt)
                if call is not None:
                    call.failed(attempt, decision, response.status_code, None)
            if call is not None and (event := call.take_retry()) is not None:
                await call.observer.async_emit("on_retry", event)
            await self.runtime.async_sleep(decision.delay)
            attempt += 1
