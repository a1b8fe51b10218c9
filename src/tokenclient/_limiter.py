"""Client-side limits: requests in flight, requests per minute, and pauses after a 429.

``Limiter`` (threads) and ``AsyncLimiter`` (anyio: asyncio and trio) are twins. A request
calls ``acquire()`` before it is sent and ``release()`` once it is finished (for a stream: once
it is closed). ``acquire()`` waits, in order of arrival:

1. for a concurrency slot (``max_concurrency`` requests in flight at most), then
2. for the gate: the one waiter allowed to take a rate token at a time, then
3. for its token and the end of any pause, decided by ``_core.ratelimit.TokenBucket``.

The slot comes first. A request that took its rate token before it had a slot would spend the
token while it waits, and the requests behind it could then start in a burst the bucket was
meant to prevent: the token must be taken when the request can really start. Holding a slot
while waiting for a token blocks nobody who could go sooner, since every later arrival queues
behind it for the token anyway.

Both queues are FIFO (``threading.Semaphore`` lets newcomers barge, so the threaded twin uses
``FifoSemaphore``; anyio's ``Semaphore`` already serves waiters in order on asyncio and trio).
Only the gate holder reserves a token, so a waiter that gives up (an exception, a cancelled
task) always holds the latest reservation and can refund it exactly. Every waiter blocks on an
event or sleeps for a computed delay; nobody polls.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator

import anyio

from ._core.ratelimit import NEVER, TokenBucket
from ._exceptions import InvalidRequestError

__all__ = ["AsyncLimiter", "FifoSemaphore", "Limiter"]


def _check_max_concurrency(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(f"max_concurrency: expected an integer >= 1, got {value!r}")
    return value


def _check_pause(seconds: object) -> float:
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds < float("inf")
    ):
        raise InvalidRequestError(f"seconds: expected a finite number >= 0, got {seconds!r}")
    return float(seconds)


class FifoSemaphore:
    """A counting semaphore for threads that serves its waiters strictly in arrival order.

    ``release()`` hands the slot straight to the oldest waiter, so a newcomer never takes it
    first.
    """

    def __init__(self, value: int) -> None:
        self._value = value
        self._lock = threading.Lock()
        # One held lock per waiter; ``release()`` unlocks the oldest.
        self._waiters: deque[threading.Lock] = deque()

    @property
    def waiting(self) -> int:
        """How many threads are blocked in ``acquire()``."""
        return len(self._waiters)

    @property
    def value(self) -> int:
        """Free slots now (as ``anyio.Semaphore.value``)."""
        return self._value

    def acquire(self) -> None:
        """Take a slot, blocking until one is handed over."""
        with self._lock:
            if self._value > 0:  # never true while someone waits: release() hands over
                self._value -= 1
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        try:
            waiter.acquire()
        except BaseException:
            with self._lock:
                handed_over = waiter not in self._waiters
                if not handed_over:
                    self._waiters.remove(waiter)
            if handed_over:
                self.release()
            raise

    def release(self) -> None:
        """Return a slot: to the oldest waiter if there is one."""
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._value += 1


class Limiter:
    """Limits on requests in flight and requests per minute, shared by every caller.

    Each limit set to ``None`` is off. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        requests_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_concurrency = _check_max_concurrency(max_concurrency)
        """Requests in flight at most, or ``None``."""
        self._bucket = TokenBucket(requests_per_minute)
        self._clock = clock
        self._sleep = sleep
        self._slots = None if self.max_concurrency is None else FifoSemaphore(self.max_concurrency)
        self._gate = FifoSemaphore(1)
        self._lock = threading.Lock()
        # One item per acquire() not yet released. deque.append/pop are atomic, which keeps
        # this count thread-safe without taking a lock on the hot path.
        self._held: deque[None] = deque()

    @property
    def requests_per_minute(self) -> float | None:
        """Requests started per minute at most, or ``None``."""
        return self._bucket.requests_per_minute

    def acquire(self) -> None:
        """Wait for a concurrency slot, a rate token and the end of any pause, in FIFO order."""
        if self._slots is not None:
            self._slots.acquire()
        try:
            if self._paced():
                self._wait_for_start()
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise
        self._held.append(None)

    def release(self) -> None:
        """Free the slot taken by ``acquire()``; ``RuntimeError`` if none is held."""
        try:
            self._held.pop()
        except IndexError:
            raise RuntimeError("Limiter.release() called more times than acquire()") from None
        if self._slots is not None:
            self._slots.release()

    def pause(self, seconds: float) -> None:
        """Start no new request for ``seconds``; a pause ending later is kept."""
        seconds = _check_pause(seconds)
        with self._lock:
            self._bucket.pause_until(self._clock() + seconds)

    @contextlib.contextmanager
    def slot(self) -> Generator[None]:
        """``acquire()`` on entry and ``release()`` on exit."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def _paced(self) -> bool:
        # Without a rate limit or a pause in force nothing is reserved: the hot path.
        paused_until = self._bucket.paused_until
        return self._bucket.requests_per_minute is not None or (
            paused_until != NEVER and paused_until > self._clock()
        )

    def _wait_for_start(self) -> None:
        self._gate.acquire()
        try:
            with self._lock:
                delay = self._bucket.reserve(self._clock())
                seen = self._bucket.paused_until
            try:
                while delay > 0:
                    self._sleep(delay)
                    with self._lock:
                        if self._bucket.paused_until == seen:
                            break
                        # A pause began while we slept: queue again behind its end.
                        now = self._clock()
                        self._bucket.refund(now)
                        delay = self._bucket.reserve(now)
                        seen = self._bucket.paused_until
            except BaseException:
                with self._lock:
                    self._bucket.refund(self._clock())
                raise
        finally:
            self._gate.release()


class AsyncLimiter:
    """Limits on requests in flight and requests per minute, shared by every caller.

    Each limit set to ``None`` is off. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        requests_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.max_concurrency = _check_max_concurrency(max_concurrency)
        """Requests in flight at most, or ``None``."""
        self._bucket = TokenBucket(requests_per_minute)
        self._clock = clock
        self._sleep = sleep
        # `_take()` is the fast path (`fast_acquire=True` would need anyio >= 4.5).
        self._slots = (
            None if self.max_concurrency is None else anyio.Semaphore(self.max_concurrency)
        )
        self._gate = anyio.Semaphore(1)
        self._held: deque[None] = deque()  # one item per acquire() not yet released

    @property
    def requests_per_minute(self) -> float | None:
        """Requests started per minute at most, or ``None``."""
        return self._bucket.requests_per_minute

    async def acquire(self) -> None:
        """Wait for a concurrency slot, a rate token and the end of any pause, in FIFO order."""
        if self._slots is not None:
            await _take(self._slots)
        try:
            if self._paced():
                await self._wait_for_start()
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise
        self._held.append(None)

    def release(self) -> None:
        """Free the slot taken by ``acquire()``; ``RuntimeError`` if none is held."""
        try:
            self._held.pop()
        except IndexError:
            raise RuntimeError("AsyncLimiter.release() called more times than acquire()") from None
        if self._slots is not None:
            self._slots.release()

    def pause(self, seconds: float) -> None:
        """Start no new request for ``seconds``; a pause ending later is kept."""
        seconds = _check_pause(seconds)
        self._bucket.pause_until(self._clock() + seconds)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncGenerator[None]:
        """``acquire()`` on entry and ``release()`` on exit."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def _paced(self) -> bool:
        # Without a rate limit or a pause in force nothing is reserved: the hot path.
        paused_until = self._bucket.paused_until
        return self._bucket.requests_per_minute is not None or (
            paused_until != NEVER and paused_until > self._clock()
        )

    async def _wait_for_start(self) -> None:
        await _take(self._gate)
        try:
            delay = self._bucket.reserve(self._clock())
            seen = self._bucket.paused_until
            try:
                while delay > 0:
                    await self._sleep(delay)
                    if self._bucket.paused_until == seen:
                        break
                    # A pause began while we slept: queue again behind its end.
                    now = self._clock()
                    self._bucket.refund(now)
                    delay = self._bucket.reserve(now)
                    seen = self._bucket.paused_until
            except BaseException:
                self._bucket.refund(self._clock())
                raise
        finally:
            self._gate.release()


async def _take(semaphore: anyio.Semaphore) -> None:
    # acquire_nowait() succeeds only when nobody waits (release() hands slots over), so it
    # keeps FIFO order and skips the event-loop round trip on the uncontended path.
    try:
        semaphore.acquire_nowait()
    except anyio.WouldBlock:
        await semaphore.acquire()
