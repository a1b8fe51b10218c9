"""The send-with-retry loops. All decisions come from ``_core``; these only do the I/O.

``Requester`` and ``AsyncRequester`` are twins: they differ only by ``async``/``await`` and
``time.sleep``/``anyio.sleep``. Only ``httpx.TransportError`` is caught, so cancellation,
``KeyboardInterrupt`` and bugs pass through untouched (after the response is closed).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import anyio
import httpx

from ._core import retry
from ._core.response import make_status_error
from ._exceptions import APIConnectionError, APITimeoutError
from ._limiter import AsyncLimiter, Limiter

__all__ = ["AsyncRequester", "Requester", "connection_error"]

log = logging.getLogger("tokenclient")


def connection_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """The typed error for a transport failure (chain the httpx error as its cause)."""
    kind = type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out ({kind}).", request=request)
    detail = f"{kind}: {error}" if str(error) else kind
    return APIConnectionError(f"Connection error ({detail}).", request=request)


def _pool_timeout(request: httpx.Request) -> float | None:
    """The request's pool timeout, which also bounds the wait for a client-side slot."""
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeouts.get("pool")


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


class _Decide(Generic[LimiterT]):
    """What both loops do between attempts: log, decide, pause the limiter, or raise."""

    limiter: LimiterT
    random: Callable[[], float]
    clock: Callable[[], float]

    def _after_error(
        self,
        request: httpx.Request,
        error: httpx.TransportError,
        policy: retry.RetryPolicy,
        attempt: int,
        replay_safe: bool,
    ) -> retry.Decision:
        decision = retry.after_error(
            policy, attempt, error, replay_safe=replay_safe, random=self.random()
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
        now = self.clock()
        decision = retry.after_status(
            policy, attempt, response.status_code, response.headers, now=now, random=self.random()
        )
        _log_decision(request, attempt, decision)
        hint = decision.retry_after
        if response.status_code == 429 and hint is not None and hint <= policy.max_retry_after:
            # A 429 hint holds back every new request on this client, not just this one, so
            # concurrent calls do not all run into the same wall. A hint past the cap is not
            # slept by this call, so it pauses nobody either: each call gets its own 429.
            self.limiter.pause(hint)
        if not decision.retry:
            raise make_status_error(response, now=now)
        return decision


class Requester(_Decide[Limiter]):
    """Sends one request, retrying as ``policy`` allows; returns a success response."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        limiter: Limiter | None = None,
    ) -> None:
        self.http = http
        self.limiter = limiter or Limiter()
        self.sleep = sleep
        self.random = random
        self.clock = clock

    def send(
        self,
        request: httpx.Request,
        policy: retry.RetryPolicy,
        *,
        stream: bool = False,
        replay_safe: bool = True,
    ) -> httpx.Response:
        """Send; the body is read unless ``stream``.

        With ``stream``, the returned response holds a limiter slot until it is closed.
        """
        attempt = 0
        while True:
            try:  # before the HTTP timeouts start; bounded by the pool timeout
                self.limiter.acquire(_pool_timeout(request))
            except TimeoutError as exc:
                raise APITimeoutError(str(exc), request=request) from None
            _log_attempt(request, attempt)
            try:
                response = self._attempt(request, stream)
            except httpx.TransportError as exc:  # cancellation, interrupts, bugs: untouched
                decision = self._after_error(request, exc, policy, attempt, replay_safe)
            else:
                _log_response(request, response)
                if response.is_success:
                    return response
                decision = self._after_status(request, response, policy, attempt)
            self.sleep(decision.delay)
            attempt += 1

    def _attempt(self, request: httpx.Request, stream: bool) -> httpx.Response:
        """One send holding the slot ``acquire()`` took; the slot goes with the response."""
        try:
            response = self.http.send(request, stream=True)
        except BaseException:
            self.limiter.release()
            raise
        self.limiter.bind(response)  # from here on, closing the response frees the slot
        try:
            if not stream or not response.is_success:
                response.read()
                response.close()  # frees the slot (read() does not close a body it had already)
        except BaseException:
            response.close()
            raise
        return response


class AsyncRequester(_Decide[AsyncLimiter]):
    """Sends one request, retrying as ``policy`` allows; returns a success response."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        random: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
        limiter: AsyncLimiter | None = None,
    ) -> None:
        self.http = http
        self.limiter = limiter or AsyncLimiter()
        self.sleep = sleep
        self.random = random
        self.clock = clock

    async def send(
        self,
        request: httpx.Request,
        policy: retry.RetryPolicy,
        *,
        stream: bool = False,
        replay_safe: bool = True,
    ) -> httpx.Response:
        """Send; the body is read unless ``stream``.

        With ``stream``, the returned response holds a limiter slot until it is closed.
        """
        attempt = 0
        while True:
            try:  # before the HTTP timeouts start; bounded by the pool timeout
                await self.limiter.acquire(_pool_timeout(request))
            except TimeoutError as exc:
                raise APITimeoutError(str(exc), request=request) from None
            _log_attempt(request, attempt)
            try:
                response = await self._attempt(request, stream)
            except httpx.TransportError as exc:  # cancellation, interrupts, bugs: untouched
                decision = self._after_error(request, exc, policy, attempt, replay_safe)
            else:
                _log_response(request, response)
                if response.is_success:
                    return response
                decision = self._after_status(request, response, policy, attempt)
            await self.sleep(decision.delay)
            attempt += 1

    async def _attempt(self, request: httpx.Request, stream: bool) -> httpx.Response:
        """One send holding the slot ``acquire()`` took; the slot goes with the response."""
        try:
            response = await self.http.send(request, stream=True)
        except BaseException:
            self.limiter.release()
            raise
        self.limiter.bind(response)  # from here on, closing the response frees the slot
        try:
            if not stream or not response.is_success:
                await response.aread()
                await (
                    response.aclose()
                )  # frees the slot (read() does not close a body it had already)
        except BaseException:
            await response.aclose()
            raise
        return response
