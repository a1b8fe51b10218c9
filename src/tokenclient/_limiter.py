"""Client-side limits: requests in flight, requests per minute, and pauses after a 429.

``Limiter`` (threads) and ``AsyncLimiter`` (anyio: asyncio and trio) are twins. A request
calls ``acquire()`` before it is sent; ``bind(response)`` then ties the slot to the response's
byte stream, so whoever closes the response (reading it to the end, ``Stream.close()``,
leaving ``with``) releases the slot, exactly once. A response dropped without being closed
releases it when it is garbage-collected, with a ``ResourceWarning`` like an unclosed file.
``release()`` frees a slot that was never bound (the send failed). ``acquire()`` waits, in
order of arrival:

1. for a concurrency slot (``max_concurrency`` requests in flight at most; at most
   ``slot_timeout`` seconds, else ``TimeoutError``), then
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

A garbage-collected response may be finalized at any bytecode of any thread, possibly inside
one of the limiter's own critical sections, so that release never blocks: the threaded twin
hands it to whoever holds the semaphore's lock (``FifoSemaphore.release_soon``), the async
twin schedules it on its event loop with the loop's thread-safe callback.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Iterator,
)
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

import httpx

from ._async import sleep as _sleep
from ._core.limits import (
    Limits,
    estimate_request_tokens,
    shared_slot_timeout,
    tightens,
    total_tokens_in,
)
from ._core.ratelimit import NEVER, TokenBucket
from ._core.response_headers import parse_rate_limit
from ._exceptions import InvalidRequestError, LimitsStoreError

if TYPE_CHECKING:  # anyio itself is imported where it is used: a sync program never loads it
    from anyio import Semaphore as _AnyioSemaphore  # noqa: F401  # named in AsyncLimiter's base

    from .limits import Grant, LimitsStore

__all__ = ["AsyncLimiter", "FifoSemaphore", "Lease", "Limiter", "SharedLimits"]

log = logging.getLogger("tokenclient.limits")


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


def _left(timeout: float | None, began: float, clock: Callable[[], float]) -> float | None:
    """What is left of ``timeout`` (``None``: no limit), counted from ``began`` on ``clock``."""
    return None if timeout is None else max(0.0, timeout - (clock() - began))


def _slot_timeout(timeout: float | None, max_concurrency: int | None) -> TimeoutError:
    return TimeoutError(
        f"waited {timeout:g} s for a client-side slot (max_concurrency={max_concurrency}): "
        "every slot is held by a request or an open stream of this client"
    )


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
        # Releases from finalizers, done by whoever next holds ``_lock`` (see release_soon).
        self._deferred: deque[None] = deque()

    @property
    def waiting(self) -> int:
        """How many threads are blocked in ``acquire()``."""
        return len(self._waiters)

    @property
    def value(self) -> int:
        """Free slots now (as ``anyio.Semaphore.value``)."""
        return self._value

    def acquire(self, timeout: float | None = None) -> bool:
        """Take a slot, blocking until one is handed over; False if ``timeout`` passed first."""
        self._lock.acquire()
        try:
            if self._value > 0:  # never true while someone waits: release() hands over
                self._value -= 1
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        finally:
            self._unlock()
        try:
            if waiter.acquire(timeout=-1 if timeout is None else max(timeout, 0.0)):
                return True
        except BaseException:
            if not self._withdraw(waiter):
                self.release()  # it was handed over as we gave up: pass it on
            raise
        return not self._withdraw(waiter)  # handed over just as the wait timed out: keep it

    def release(self) -> None:
        """Return a slot: to the oldest waiter if there is one."""
        self._lock.acquire()
        try:
            self._release_locked()
        finally:
            self._unlock()

    def release_soon(self) -> None:
        """``release()`` without blocking: safe in a finalizer, even one run under ``_lock``.

        If the lock is busy (held by another thread, or by the very code the finalizer
        interrupted) its holder does the release as it unlocks.
        """
        self._deferred.append(None)
        if self._lock.acquire(blocking=False):
            self._unlock()

    def _withdraw(self, waiter: threading.Lock) -> bool:
        """Take ``waiter`` off the queue; False if it had already been handed the slot."""
        self._lock.acquire()
        try:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                return True
            return False
        finally:
            self._unlock()

    def _release_locked(self) -> None:
        if self._waiters:
            self._waiters.popleft().release()
        else:
            self._value += 1

    def _unlock(self) -> None:
        # Do the deferred releases first; one deferred while we unlocked is seen by the
        # loop's next check, or done by its finalizer, which then finds the lock free.
        while True:
            while self._deferred:
                self._deferred.pop()
                self._release_locked()
            self._lock.release()
            if not self._deferred or not self._lock.acquire(blocking=False):
                return


class _Slots(Protocol):
    def release(self) -> None: ...


SlotsT = TypeVar("SlotsT", bound=_Slots)


class _LimiterBase(Generic[SlotsT]):
    """What the twins share: the limits, ``release()`` and the hot-path test ``_paced()``.

    The honest differences stay in the twins: a lock around the bucket (threads) or none (one
    event loop), blocking or awaited waits, and how a finalizer releases.
    """

    max_concurrency: int | None
    """Requests in flight at most, or ``None``."""
    _bucket: TokenBucket
    _clock: Callable[[], float]
    _slots: SlotsT | None
    # One item per acquire() not yet released. deque.append/pop are atomic, which keeps this
    # count thread-safe without taking a lock on the hot path.
    _held: deque[None]
    shared: SharedLimits | None
    """The store every start is asked of, or ``None`` (limits kept in this process only)."""

    def _setup(
        self,
        max_concurrency: int | None,
        requests_per_minute: float | None,
        shared: SharedLimits | None,
    ) -> int | None:
        self.max_concurrency = _check_max_concurrency(max_concurrency)
        self.shared = shared
        # With a store the store paces the starts (and keeps the pauses); the bucket is off.
        self._bucket = TokenBucket(requests_per_minute if shared is None else None)
        self._held = deque()
        return self.max_concurrency

    @property
    def requests_per_minute(self) -> float | None:
        """Requests started per minute at most, or ``None``."""
        if self.shared is not None:
            return self.shared.limits.requests_per_minute
        return self._bucket.requests_per_minute

    def release(self) -> None:
        """Free the slot taken by ``acquire()``; ``RuntimeError`` if none is held."""
        try:
            self._held.pop()
        except IndexError:
            raise RuntimeError(
                f"{type(self).__name__}.release() called more times than acquire()"
            ) from None
        if self._slots is not None:
            self._slots.release()

    def _paced(self) -> bool:
        # Without a rate limit or a pause in force nothing is reserved: the hot path.
        paused_until = self._bucket.paused_until
        return self._bucket.requests_per_minute is not None or (
            paused_until != NEVER and paused_until > self._clock()
        )


def _warn_unclosed(request: httpx.Request) -> None:
    warnings.warn(
        f"unclosed response to {request.method} {request.url.path}: its client-side slot "
        "was released when it was garbage-collected; close streams (use `with`)",
        ResourceWarning,
        stacklevel=2,
    )


class Limiter(_LimiterBase[FifoSemaphore]):
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
        shared: SharedLimits | None = None,
    ) -> None:
        slots = self._setup(max_concurrency, requests_per_minute, shared)
        self._clock = clock
        self._sleep = sleep
        self._slots = None if slots is None else FifoSemaphore(slots)
        self._gate = FifoSemaphore(1)
        self._lock = threading.Lock()

    def acquire(self, slot_timeout: float | None = None, tokens: int = 0) -> Lease | None:
        """Wait for a concurrency slot, a rate token and the end of any pause, in FIFO order.

        ``TimeoutError`` if no slot came within ``slot_timeout`` seconds (``None``: no limit).
        With a store, the store's lease for the request (reserving ``tokens``), else ``None``;
        ``LimitsStoreError`` if the store cannot be reached.
        """
        began = 0.0 if self.shared is None else self._clock()  # the store's wait counts it too
        if self._slots is not None and not self._slots.acquire(slot_timeout):
            raise _slot_timeout(slot_timeout, self.max_concurrency)
        lease = None
        try:
            if self.shared is not None:
                left = _left(slot_timeout, began, self._clock)
                try:
                    lease = self.shared.take(tokens, self._sleep, left, self._clock)
                except TimeoutError:  # say what the caller waited in all, not what was left
                    assert slot_timeout is not None  # no timeout, no TimeoutError
                    raise shared_slot_timeout(slot_timeout, self.shared.limits) from None
            elif self._paced():
                self._wait_for_start()
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise
        self._held.append(None)
        return lease

    def end(self, lease: Lease | None, *, started: bool = True) -> None:
        """``release()`` after a send that failed; with a store, its lease too."""
        if lease is not None:
            lease.end(started=started)
        self.release()

    def bind(self, response: httpx.Response, lease: Lease | None = None) -> None:
        """Tie the slot taken by ``acquire()`` to ``response``: closing it releases the slot."""
        if response.is_closed:  # its body was read already (a mock transport): nothing to hold
            if lease is not None:
                lease.note(response.content)
            self.end(lease)
            return
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _SlotStream(response.stream, self, response.request, lease)

    def _release_abandoned(self) -> None:
        # From a finalizer: never block (see FifoSemaphore.release_soon).
        self._held.pop()
        if self._slots is not None:
            self._slots.release_soon()

    def pause(self, seconds: float) -> None:
        """Start no new request for ``seconds``; a pause ending later is kept.

        In this process; a store's scope is paused with ``shared.pause``.
        """
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


class AsyncLimiter(_LimiterBase["_AnyioSemaphore"]):
    """Limits on requests in flight and requests per minute, shared by every caller.

    Each limit set to ``None`` is off. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        *,
        max_concurrency: int | None = None,
        requests_per_minute: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = _sleep,
        shared: SharedLimits | None = None,
    ) -> None:
        import anyio

        slots = self._setup(max_concurrency, requests_per_minute, shared)
        self._clock = clock
        self._sleep = sleep
        self._slots = None if slots is None else anyio.Semaphore(slots)
        self._gate = anyio.Semaphore(1)

    async def acquire(self, slot_timeout: float | None = None, tokens: int = 0) -> Lease | None:
        """Wait for a concurrency slot, a rate token and the end of any pause, in FIFO order.

        ``TimeoutError`` if no slot came within ``slot_timeout`` seconds (``None``: no limit).
        With a store, the store's lease for the request (reserving ``tokens``), else ``None``;
        ``LimitsStoreError`` if the store cannot be reached.
        """
        import anyio

        began = 0.0 if self.shared is None else self._clock()  # the store's wait counts it too
        if self._slots is not None:
            try:
                # Succeeds only when nobody waits (release() hands slots over), so it keeps
                # FIFO order and skips the event-loop round trip on the uncontended path.
                self._slots.acquire_nowait()
            except anyio.WouldBlock:
                with anyio.move_on_after(slot_timeout) as waited:
                    await self._slots.acquire()
                if waited.cancelled_caught:  # anyio passed on a slot handed over meanwhile
                    raise _slot_timeout(slot_timeout, self.max_concurrency) from None
        lease = None
        try:
            if self.shared is not None:
                left = _left(slot_timeout, began, self._clock)
                try:
                    lease = await self.shared.atake(tokens, self._sleep, left, self._clock)
                except TimeoutError:  # say what the caller waited in all, not what was left
                    assert slot_timeout is not None  # no timeout, no TimeoutError
                    raise shared_slot_timeout(slot_timeout, self.shared.limits) from None
            elif self._paced():
                await self._wait_for_start()
        except BaseException:
            if self._slots is not None:
                self._slots.release()
            raise
        self._held.append(None)
        return lease

    async def end(self, lease: Lease | None, *, started: bool = True) -> None:
        """``release()`` after a send that failed; with a store, its lease too."""
        if lease is not None:
            await lease.aend(started=started)
        self.release()

    async def bind(self, response: httpx.Response, lease: Lease | None = None) -> None:
        """Tie the slot taken by ``acquire()`` to ``response``: closing it releases the slot."""
        # Called in the event loop the limiter's waiters run in: a finalizer schedules on it.
        if response.is_closed:  # its body was read already (a mock transport): nothing to hold
            if lease is not None:
                lease.note(response.content)
            await self.end(lease)
            return
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _AsyncSlotStream(
            response.stream, self, response.request, _call_soon_threadsafe(), lease
        )

    def pause(self, seconds: float) -> None:
        """Start no new request for ``seconds``; a pause ending later is kept.

        In this process; a store's scope is paused with ``shared.pause``.
        """
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

    async def _wait_for_start(self) -> None:
        import anyio

        try:
            self._gate.acquire_nowait()  # the fast path, as for the slots
        except anyio.WouldBlock:
            await self._gate.acquire()
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


# --- limits shared through a store ---------------------------------------------------------------


class SharedLimits:
    """A limits store, the scope and the limits a limiter enforces through it.

    With one, the limiter keeps only its FIFO slot queue in process (so the requests of one
    process queue in order and never poll the store for a slot they hold themselves) and asks
    the store for every start: a lease (``max_concurrency``), a request and the token estimate.
    """

    __slots__ = ("counts_tokens", "limits", "scope", "store")

    def __init__(self, store: LimitsStore, scope: str, limits: Limits) -> None:
        self.store = store
        self.scope = scope
        self.limits = limits
        self.counts_tokens = limits.tokens_per_minute is not None

    def estimate(self, request: httpx.Request) -> int:
        """Tokens to reserve for ``request``: 0 unless ``tokens_per_minute`` is set."""
        return estimate_request_tokens(request.content) if self.counts_tokens else 0

    def take(
        self,
        tokens: int,
        sleep: Callable[[float], None],
        slot_timeout: float | None,
        clock: Callable[[], float],
    ) -> Lease:
        """Wait until the store lets a request start; its lease, renewed until it ends.

        ``TimeoutError`` if no slot came free within ``slot_timeout`` seconds on ``clock``.
        """
        from .limits import acquire_and_wait

        grant = acquire_and_wait(
            self.store,
            self.scope,
            self.limits,
            tokens=tokens,
            sleep=sleep,
            timeout=slot_timeout,
            clock=clock,
        )
        return Lease(self, grant)

    async def atake(
        self,
        tokens: int,
        sleep: Callable[[float], Awaitable[None]],
        slot_timeout: float | None,
        clock: Callable[[], float],
    ) -> Lease:
        """``take`` for async limiters."""
        from .limits import aacquire_and_wait

        grant = await aacquire_and_wait(
            self.store,
            self.scope,
            self.limits,
            tokens=tokens,
            sleep=sleep,
            timeout=slot_timeout,
            clock=clock,
        )
        return Lease(self, grant, _on_this_loop())

    def pause(self, seconds: float) -> None:
        """Pause every process of the scope (a failure is logged: the 429 was answered)."""
        try:
            self.store.pause(self.scope, seconds)
        except LimitsStoreError as exc:
            log.warning("could not record a %.3g s pause: %s", seconds, exc)

    async def apause(self, seconds: float) -> None:
        """``pause`` for async limiters."""
        try:
            await self.store.apause(self.scope, seconds)
        except LimitsStoreError as exc:
            log.warning("could not record a %.3g s pause: %s", seconds, exc)

    def _tightening(self, response: httpx.Response) -> tuple[int, float] | None:
        info = parse_rate_limit(response.headers)
        remaining, reset = info.remaining_requests, info.reset_requests
        if remaining is None or reset is None:
            return None
        if not tightens(self.limits, remaining=remaining, reset_seconds=reset):
            return None
        return remaining, reset

    def observe(self, response: httpx.Response) -> None:
        """Tighten the scope's bucket from the response's ``x-ratelimit-*-requests`` headers."""
        found = self._tightening(response)
        if found is not None:
            try:
                self.store.tighten(
                    self.scope, self.limits, remaining=found[0], reset_seconds=found[1]
                )
            except LimitsStoreError as exc:
                log.warning("could not record the server's rate-limit headers: %s", exc)

    async def aobserve(self, response: httpx.Response) -> None:
        """``observe`` for async limiters."""
        found = self._tightening(response)
        if found is not None:
            try:
                await self.store.atighten(
                    self.scope, self.limits, remaining=found[0], reset_seconds=found[1]
                )
            except LimitsStoreError as exc:
                log.warning("could not record the server's rate-limit headers: %s", exc)


def never_sent(error: BaseException) -> bool:
    """Whether a failed send certainly sent nothing (its reservation is refunded then)."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


class Lease:
    """One request's hold on a store: its grant, renewed while open, released exactly once.

    ``used_tokens`` is the ``usage.total_tokens`` the response reported, if seen; the release
    settles the token reservation against it (else the estimate stays).
    """

    __slots__ = ("__weakref__", "_done", "_on_loop", "due", "grant", "shared", "used_tokens")

    def __init__(self, shared: SharedLimits, grant: Grant, on_loop: OnLoop | None = None) -> None:
        self.shared = shared
        self.grant = grant
        # An async client's lease is renewed (and, if dropped, released) on its event loop,
        # with the store's async methods: a store may serve async clients only.
        self._on_loop = on_loop
        self.used_tokens: int | None = None
        self.due = 0.0
        self._done = False
        if grant.lease is not None:
            _RENEWER.add(self)

    def note(self, body: bytes) -> None:
        """Take ``usage.total_tokens`` from a response body (or a piece of a stream)."""
        if self.shared.counts_tokens:
            used = total_tokens_in(body)
            if used is not None:
                self.used_tokens = used

    def renew(self) -> None:
        """Extend the lease (from the renewer thread)."""
        shared = self.shared
        if self._on_loop is None:
            shared.store.renew(shared.scope, shared.limits, self.grant)
        else:
            self._on_loop(lambda: shared.store.arenew(shared.scope, shared.limits, self.grant))

    def abandon(self) -> None:
        """``end`` for a response dropped unclosed (from the renewer thread)."""
        if self._on_loop is None:
            self.end()
        else:
            self._on_loop(self.aend)

    def _ending(self) -> bool:
        if self._done:
            return False
        self._done = True
        _RENEWER.discard(self)
        return True

    def end(self, *, started: bool = True) -> None:
        """Give the lease back and settle (or, not ``started``, refund) the reservation."""
        if not self._ending():
            return
        shared = self.shared
        try:
            shared.store.release(
                shared.scope,
                shared.limits,
                self.grant,
                started=started,
                used_tokens=self.used_tokens if started else None,
            )
        except LimitsStoreError as exc:  # the lease expires on its own within its TTL
            log.warning("could not release a lease (it expires within its TTL): %s", exc)

    async def aend(self, *, started: bool = True) -> None:
        """``end`` for async limiters: shielded from cancellation, bounded in time."""
        if not self._ending():
            return
        import anyio

        shared = self.shared
        with anyio.move_on_after(_RELEASE_TIMEOUT, shield=True):
            try:
                await shared.store.arelease(
                    shared.scope,
                    shared.limits,
                    self.grant,
                    started=started,
                    used_tokens=self.used_tokens if started else None,
                )
            except LimitsStoreError as exc:
                log.warning("could not release a lease (it expires within its TTL): %s", exc)


_RELEASE_TIMEOUT = 5.0  # bound on a shielded async release

OnLoop = Callable[[Callable[[], Coroutine[object, object, object]]], object]
"""Runs an async store call on an async client's event loop, from another thread."""


def _on_this_loop() -> OnLoop:
    """``OnLoop`` for the running event loop (asyncio or trio); waits for the result."""
    import asyncio  # here, not at import: a sync program never needs it

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not asyncio: anyio's other backend is trio
        import trio

        token = trio.lowlevel.current_trio_token()
        return lambda call: trio.from_thread.run(call, trio_token=token)

    def on_asyncio(call: Callable[[], Coroutine[object, object, object]]) -> object:
        return asyncio.run_coroutine_threadsafe(call(), loop).result(2 * _RELEASE_TIMEOUT)

    return on_asyncio


class _Renewer:
    """One daemon thread per process that renews every open lease every ``lease_ttl / 3``.

    It also releases the leases of responses dropped without being closed: a finalizer may
    not block, so it hands them over here.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._leases: dict[int, Lease] = {}
        self._abandoned: deque[Lease] = deque()
        self._thread: threading.Thread | None = None
        self._wake_at = 0.0  # when the thread wakes up next, if it is waiting

    def add(self, lease: Lease) -> None:
        lease.due = time.monotonic() + lease.shared.limits.lease_ttl / 3
        with self._cond:
            self._leases[id(lease)] = lease
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="tokenclient-lease-renewer", daemon=True
                )
                self._thread.start()
            elif lease.due < self._wake_at:  # rarely: waking the thread costs every request
                self._cond.notify()

    def discard(self, lease: Lease) -> None:
        with self._cond:
            self._leases.pop(id(lease), None)

    def abandon(self, lease: Lease) -> None:
        """Release ``lease`` from the thread; never blocks (safe in a finalizer)."""
        self._abandoned.append(lease)
        if self._cond.acquire(blocking=False):
            try:
                self._cond.notify()
            finally:
                self._cond.release()

    def _run(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [lease for lease in self._leases.values() if lease.due <= now]
                if not due and not self._abandoned:
                    soonest = min((lease.due for lease in self._leases.values()), default=now + 1)
                    timeout = min(1.0, max(0.0, soonest - now))
                    self._wake_at = now + timeout
                    self._cond.wait(timeout)
                    continue
            for lease in due:
                shared = lease.shared
                lease.due = now + shared.limits.lease_ttl / 3
                try:
                    lease.renew()
                except Exception as exc:  # keep renewing the others
                    log.warning("could not renew a lease: %s", exc)
            while self._abandoned:
                try:
                    self._abandoned.popleft().abandon()
                except Exception as exc:  # the loop is gone: the lease expires within its TTL
                    log.warning("could not release a dropped response's lease: %s", exc)


_RENEWER = _Renewer()


# --- slots (and store leases) tied to response streams -------------------------------------------


_TAIL = 64  # bytes kept between two pieces of a body, so a split "total_tokens" is found


def _noting(pieces: Iterator[bytes], lease: Lease) -> Iterator[bytes]:
    tail = b""
    for piece in pieces:
        window = tail + piece
        if b"total_tokens" in window:
            lease.note(window)  # a number cut short is read whole with the next piece
        tail = window[-_TAIL:]
        yield piece


async def _anoting(pieces: AsyncIterator[bytes], lease: Lease) -> AsyncIterator[bytes]:
    tail = b""
    async for piece in pieces:
        window = tail + piece
        if b"total_tokens" in window:
            lease.note(window)
        tail = window[-_TAIL:]
        yield piece


def _release_abandoned(limiter: Limiter, request: httpx.Request, lease: Lease | None) -> None:
    _warn_unclosed(request)
    if lease is not None:
        _RENEWER.abandon(lease)  # released from the renewer's thread: never block here
    limiter._release_abandoned()


class _SlotStream(httpx.SyncByteStream):
    """A response body that releases its limiter slot when closed, or when collected.

    With a store it releases the request's ``lease`` too, and with ``tokens_per_minute`` it
    watches the bytes going by for the usage (``Lease.note``).
    """

    def __init__(
        self,
        stream: httpx.SyncByteStream,
        limiter: Limiter,
        request: httpx.Request,
        lease: Lease | None = None,
    ) -> None:
        self._stream = stream
        self._limiter = limiter
        self._lease = lease
        # Holds the limiter and the request, never the stream or the response: a finalizer
        # must not keep alive the object it watches.
        self._finalizer = weakref.finalize(self, _release_abandoned, limiter, request, lease)
        self._finalizer.atexit = False

    def __iter__(self) -> Iterator[bytes]:
        lease = self._lease
        if lease is not None and lease.shared.counts_tokens:
            return _noting(iter(self._stream), lease)
        return iter(self._stream)  # no extra frame per chunk

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            if self._finalizer.detach() is not None:  # exactly once, however often closed
                self._limiter.end(self._lease)


def _call_soon_threadsafe() -> Callable[[Callable[[], object]], object]:
    """The running event loop's thread-safe "run this callback soon"."""
    import asyncio  # here, not at import: a sync program never needs it

    try:
        return asyncio.get_running_loop().call_soon_threadsafe
    except RuntimeError:  # not asyncio: anyio's other backend is trio
        import trio

        return trio.lowlevel.current_trio_token().run_sync_soon


def _schedule_release(
    limiter: AsyncLimiter,
    request: httpx.Request,
    soon: Callable[[Callable[[], object]], object],
    lease: Lease | None,
) -> None:
    _warn_unclosed(request)
    if lease is not None:
        _RENEWER.abandon(lease)  # released from the renewer's thread (a callback cannot await)
    try:
        soon(limiter.release)  # on the loop's thread, between two of its steps
    except RuntimeError:  # the loop is closed (trio.RunFinishedError too): nobody waits on it
        limiter.release()


class _AsyncSlotStream(httpx.AsyncByteStream):
    """A response body that releases its limiter slot when closed, or when collected.

    With a store it releases the request's ``lease`` too, and with ``tokens_per_minute`` it
    watches the bytes going by for the usage (``Lease.note``).

    On collection the slot is released on the event loop (a finalizer cannot await); the
    connection is not closed then, since that needs I/O: it was closed already if the event
    loop finalized the body's async generators, else it stays checked out of the pool until
    the client closes.
    """

    def __init__(
        self,
        stream: httpx.AsyncByteStream,
        limiter: AsyncLimiter,
        request: httpx.Request,
        soon: Callable[[Callable[[], object]], object],
        lease: Lease | None = None,
    ) -> None:
        self._stream = stream
        self._limiter = limiter
        self._lease = lease
        self._finalizer = weakref.finalize(self, _schedule_release, limiter, request, soon, lease)
        self._finalizer.atexit = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        lease = self._lease
        if lease is not None and lease.shared.counts_tokens:
            return _anoting(self._stream.__aiter__(), lease)
        return self._stream.__aiter__()  # no extra frame per chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._finalizer.detach() is not None:  # exactly once, however often closed
                await self._limiter.end(self._lease)
