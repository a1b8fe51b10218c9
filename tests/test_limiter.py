"""Limiter and AsyncLimiter: pacing on a fake clock, caps and FIFO order with real threads/tasks.

Delays are asserted exactly through an injected clock and sleep. Where real threads or tasks
run, the tests wait on events (with generous timeouts that only a hang would reach), never on
how long something took.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
from collections.abc import Callable, Generator

import anyio
import anyio.lowlevel
import pytest
from anyio import wait_all_tasks_blocked

from tokenclient._exceptions import InvalidRequestError
from tokenclient._limiter import AsyncLimiter, FifoSemaphore, Limiter

TIMEOUT = 10.0  # seconds; reached only if something hangs


class FakeTime:
    """A clock that moves only when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.during_next_sleep: list[Callable[[], None]] = []
        """Called once, by the next sleep, before the clock moves."""

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        callbacks, self.during_next_sleep = self.during_next_sleep, []
        for callback in callbacks:
            callback()
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await anyio.lowlevel.checkpoint()


def limiters(
    *, max_concurrency: int | None = None, requests_per_minute: float | None = None
) -> tuple[Limiter, FakeTime, AsyncLimiter, FakeTime]:
    """A sync and an async limiter with the same limits, each on its own fake clock."""
    sync_time, async_time = FakeTime(), FakeTime()
    sync = Limiter(
        max_concurrency=max_concurrency,
        requests_per_minute=requests_per_minute,
        clock=sync_time.clock,
        sleep=sync_time.sleep,
    )
    async_ = AsyncLimiter(
        max_concurrency=max_concurrency,
        requests_per_minute=requests_per_minute,
        clock=async_time.clock,
        sleep=async_time.async_sleep,
    )
    return sync, sync_time, async_, async_time


def in_thread(function: Callable[[], object]) -> None:
    """Run ``function`` in a thread; fail (instead of hanging) if it blocks for TIMEOUT."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            function()
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive(), "blocked: a slot or the gate was not given back"
    if errors:
        raise errors[0]


# --- pacing on a fake clock ------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("max_concurrency", [None, 1, 5])
async def test_600_per_minute_starts_ten_at_once_then_one_every_tenth_of_a_second(
    max_concurrency: int | None,
) -> None:
    sync, sync_time, async_, async_time = limiters(
        max_concurrency=max_concurrency, requests_per_minute=600
    )
    for _ in range(25):
        sync.acquire()
        sync.release()
        await async_.acquire()
        async_.release()
    for fake in (sync_time, async_time):
        assert fake.sleeps == pytest.approx([0.1] * 15)
        assert fake.now == pytest.approx(1.5)


@pytest.mark.anyio
@pytest.mark.parametrize(("rpm", "expected"), [(60, [1.0, 1.0, 1.0]), (30, [2.0, 2.0, 2.0])])
async def test_slow_rates_start_one_then_pace(rpm: float, expected: list[float]) -> None:
    sync, sync_time, async_, async_time = limiters(requests_per_minute=rpm)
    for _ in range(4):
        sync.acquire()
        sync.release()
        await async_.acquire()
        async_.release()
    assert sync_time.sleeps == async_time.sleeps == expected


@pytest.mark.anyio
async def test_idle_time_refills_the_bucket() -> None:
    sync, sync_time, async_, async_time = limiters(requests_per_minute=60)
    for limiter_time in (sync_time, async_time):
        limiter_time.now = 100.0
    sync.acquire()
    await async_.acquire()
    sync_time.now = async_time.now = 100.5
    sync.acquire()
    await async_.acquire()
    assert sync_time.sleeps == async_time.sleeps == [0.5]


@pytest.mark.anyio
async def test_pause_delays_new_requests_and_never_shortens() -> None:
    sync, sync_time, async_, async_time = limiters()
    for limiter in (sync, async_):
        limiter.pause(10.0)
        limiter.pause(2.0)  # shorter: the pause to 10.0 stands
    sync.acquire()
    await async_.acquire()
    assert sync_time.sleeps == async_time.sleeps == [10.0]
    # Once it is over, nothing waits any more.
    sync.acquire()
    await async_.acquire()
    assert sync_time.sleeps == async_time.sleeps == [10.0]


@pytest.mark.anyio
async def test_a_pause_that_begins_while_waiting_for_a_token_is_respected() -> None:
    sync, sync_time, async_, async_time = limiters(requests_per_minute=60)
    # A 429 arrives during the first wait.
    sync_time.during_next_sleep.append(lambda: sync.pause(10.0))
    async_time.during_next_sleep.append(lambda: async_.pause(10.0))
    sync.acquire()
    await async_.acquire()
    sync.acquire()  # waits 1 s for its token, then until the pause ends at 10
    await async_.acquire()
    assert sync_time.sleeps == async_time.sleeps == [1.0, 9.0]
    sync.acquire()  # the pause spent no token: one per second again from 10
    await async_.acquire()
    assert sync_time.sleeps == async_time.sleeps == [1.0, 9.0, 1.0]
    assert sync_time.now == async_time.now == 11.0


@pytest.mark.anyio
async def test_a_pause_with_a_concurrency_limit_only() -> None:
    sync, sync_time, async_, async_time = limiters(max_concurrency=2)
    sync.acquire()
    await async_.acquire()
    sync.pause(3.0)
    async_.pause(3.0)
    sync.acquire()
    await async_.acquire()
    assert sync_time.sleeps == async_time.sleeps == [3.0]


# --- release and validation -------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("max_concurrency", [None, 2])
async def test_release_without_acquire_raises(max_concurrency: int | None) -> None:
    sync, _, async_, _ = limiters(max_concurrency=max_concurrency)
    with pytest.raises(RuntimeError, match="more times than acquire"):
        sync.release()
    with pytest.raises(RuntimeError, match="more times than acquire"):
        async_.release()
    sync.acquire()
    await async_.acquire()
    sync.release()
    async_.release()
    with pytest.raises(RuntimeError):
        sync.release()
    with pytest.raises(RuntimeError):
        async_.release()


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "3", math.inf])
@pytest.mark.parametrize("cls", [Limiter, AsyncLimiter])
def test_invalid_max_concurrency_names_the_argument(
    cls: type[Limiter] | type[AsyncLimiter], value: object
) -> None:
    with pytest.raises(InvalidRequestError, match=r"^max_concurrency: "):
        cls(max_concurrency=value)  # type: ignore[arg-type]  # the wrong type is the point


@pytest.mark.parametrize("value", [0, -5, math.nan, math.inf, False])
@pytest.mark.parametrize("cls", [Limiter, AsyncLimiter])
def test_invalid_requests_per_minute_names_the_argument(
    cls: type[Limiter] | type[AsyncLimiter], value: float
) -> None:
    with pytest.raises(InvalidRequestError, match=r"^requests_per_minute: "):
        cls(requests_per_minute=value)


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf])
@pytest.mark.parametrize("cls", [Limiter, AsyncLimiter])
def test_invalid_pause_names_the_argument(
    cls: type[Limiter] | type[AsyncLimiter], value: float
) -> None:
    with pytest.raises(InvalidRequestError, match=r"^seconds: "):
        cls().pause(value)


@pytest.mark.parametrize("cls", [Limiter, AsyncLimiter])
def test_the_limits_are_readable(cls: type[Limiter] | type[AsyncLimiter]) -> None:
    limiter = cls(max_concurrency=10, requests_per_minute=60)
    assert (limiter.max_concurrency, limiter.requests_per_minute) == (10, 60.0)
    unlimited = cls()
    assert (unlimited.max_concurrency, unlimited.requests_per_minute) == (None, None)


# --- giving up while waiting ---------------------------------------------------------------------


class GaveUp(Exception):
    """Stands in for KeyboardInterrupt: raised by a fake sleep or a signal handler."""


@pytest.mark.anyio
async def test_giving_up_during_the_token_wait_refunds_it_and_frees_the_slot() -> None:
    sleeps: list[float] = []

    def failing_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        raise GaveUp

    async def blocking_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await anyio.sleep_forever()

    sync = Limiter(
        max_concurrency=2, requests_per_minute=60, clock=lambda: 0.0, sleep=failing_sleep
    )
    sync.acquire()

    def give_up_three_times() -> None:
        for _ in range(3):  # without the refund the delays would grow 1, 2, 3
            with pytest.raises(GaveUp):
                sync.acquire()

    in_thread(give_up_three_times)
    assert sleeps == [1.0, 1.0, 1.0]

    sleeps.clear()
    async_ = AsyncLimiter(
        max_concurrency=2, requests_per_minute=60, clock=lambda: 0.0, sleep=blocking_sleep
    )
    await async_.acquire()
    with anyio.fail_after(TIMEOUT):
        for _ in range(3):
            async with anyio.create_task_group() as tg:
                tg.start_soon(async_.acquire)
                await wait_all_tasks_blocked()
                tg.cancel_scope.cancel()
    # Each cancelled waiter got the second slot (else it would not have reached its token
    # wait) and the refunded token (else 1, 2, 3).
    assert sleeps == [1.0, 1.0, 1.0]
    sync.release()
    async_.release()
    with pytest.raises(RuntimeError):
        sync.release()
    with pytest.raises(RuntimeError):
        async_.release()


@pytest.mark.anyio
async def test_a_task_cancelled_while_waiting_for_a_slot_leaks_nothing() -> None:
    limiter = AsyncLimiter(max_concurrency=1)
    await limiter.acquire()
    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(limiter.acquire)
            await wait_all_tasks_blocked()
            tg.cancel_scope.cancel()
        limiter.release()
        await limiter.acquire()  # the slot is free again: no waiter kept it
        limiter.release()
    with pytest.raises(RuntimeError):
        limiter.release()


@contextlib.contextmanager
def interrupted_once_blocked(
    semaphore: FifoSemaphore, before: Callable[[], None] = lambda: None
) -> Generator[None]:
    """Raise ``GaveUp`` in this (main) thread once it blocks on ``semaphore``, like Ctrl-C.

    ``before`` runs in the signal handler just before the raise.
    """

    def handler(signum: int, frame: object) -> None:
        if not semaphore.waiting:  # not blocked yet: look again shortly
            signal.setitimer(signal.ITIMER_REAL, 0.01)
            return
        before()
        raise GaveUp

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        with pytest.raises(GaveUp):
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_thread_interrupted_while_waiting_for_a_slot_leaks_nothing() -> None:
    limiter = Limiter(max_concurrency=1)
    assert limiter._slots is not None
    limiter.acquire()
    with interrupted_once_blocked(limiter._slots):
        limiter.acquire()
    assert limiter._slots.waiting == 0
    limiter.release()
    in_thread(limiter.acquire)  # the slot came back: nobody else holds it
    limiter.release()
    with pytest.raises(RuntimeError):
        limiter.release()


def test_a_slot_handed_to_an_interrupted_thread_is_passed_on() -> None:
    semaphore = FifoSemaphore(1)
    semaphore.acquire()
    # The holder releases, handing the slot to the blocked thread, which is interrupted before
    # it returns: the slot must not be lost with it.
    with interrupted_once_blocked(semaphore, before=semaphore.release):
        semaphore.acquire()
    assert semaphore.waiting == 0

    def take() -> None:
        assert semaphore.acquire()

    in_thread(take)  # the handed-over slot came back


# --- real threads and tasks ------------------------------------------------------------------


def test_threads_never_exceed_the_cap_and_all_finish() -> None:
    limiter = Limiter(max_concurrency=3)
    lock = threading.Lock()
    in_flight = 0
    peak = 0
    done = 0
    three_in_flight = threading.Event()

    def work() -> None:
        nonlocal in_flight, peak, done
        with limiter.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
                if in_flight == 3:
                    three_in_flight.set()
            three_in_flight.wait(TIMEOUT)  # hold the slot until the cap has been reached
            time.sleep(0.001)
            with lock:
                in_flight -= 1
                done += 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert (peak, done, in_flight) == (3, 8, 0)


@pytest.mark.anyio
async def test_tasks_never_exceed_the_cap_and_all_finish() -> None:
    limiter = AsyncLimiter(max_concurrency=3)
    in_flight = 0
    peak = 0
    done = 0
    three_in_flight = anyio.Event()

    async def work() -> None:
        nonlocal in_flight, peak, done
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == 3:
                three_in_flight.set()
            await three_in_flight.wait()
            await anyio.sleep(0.001)
            in_flight -= 1
            done += 1

    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(work)
    assert (peak, done, in_flight) == (3, 8, 0)


def wait_until_waiting(semaphore: FifoSemaphore | None, count: int) -> None:
    """Poll (test-side only) until ``count`` threads block on ``semaphore``; fail after TIMEOUT."""
    assert semaphore is not None
    deadline = time.monotonic() + TIMEOUT
    while semaphore.waiting != count:
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_threads_get_slots_in_arrival_order() -> None:
    limiter = Limiter(max_concurrency=1)
    limiter.acquire()
    order: list[int] = []

    def work(index: int) -> None:
        limiter.acquire()
        order.append(index)  # before release: the next one cannot run yet
        limiter.release()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for index, thread in enumerate(threads):
        thread.start()
        wait_until_waiting(limiter._slots, index + 1)
    limiter.release()
    for thread in threads:
        thread.join(TIMEOUT)
    assert order == [0, 1, 2, 3, 4, 5]


def test_threads_get_rate_tokens_in_arrival_order() -> None:
    fake = FakeTime()
    go = threading.Event()
    first_sleeping = threading.Event()
    sleepers: list[tuple[str, float]] = []

    def sleep(seconds: float) -> None:  # only the gate holder sleeps: one at a time
        sleepers.append((threading.current_thread().name, seconds))
        first_sleeping.set()
        go.wait(TIMEOUT)
        fake.now += seconds

    limiter = Limiter(requests_per_minute=60, clock=fake.clock, sleep=sleep)
    limiter.acquire()  # takes the only token at once
    threads = [threading.Thread(target=limiter.acquire, name=str(i)) for i in range(5)]
    threads[0].start()
    assert first_sleeping.wait(TIMEOUT)
    for index, thread in enumerate(threads[1:], start=1):
        thread.start()
        wait_until_waiting(limiter._gate, index)
    go.set()
    for thread in threads:
        thread.join(TIMEOUT)
    assert sleepers == [(str(i), 1.0) for i in range(5)]
    assert fake.now == 5.0


@pytest.mark.anyio
async def test_tasks_get_slots_and_tokens_in_arrival_order() -> None:
    fake = FakeTime()
    limiter = AsyncLimiter(
        max_concurrency=1, requests_per_minute=60, clock=fake.clock, sleep=fake.async_sleep
    )
    await limiter.acquire()
    started: list[tuple[int, float]] = []

    async def work(index: int) -> None:
        async with limiter.slot():
            started.append((index, fake.now))
            await anyio.lowlevel.checkpoint()

    with anyio.fail_after(TIMEOUT):
        async with anyio.create_task_group() as tg:
            for index in range(5):
                tg.start_soon(work, index)
                await wait_all_tasks_blocked()
            limiter.release()
    assert started == [(i, float(i + 1)) for i in range(5)]


@pytest.mark.anyio
async def test_real_clock_and_sleep_pace_both_twins() -> None:
    # Lower bounds only: a loaded machine can make waits longer, never shorter.
    sync = Limiter(requests_per_minute=600)
    began = time.monotonic()
    for _ in range(12):
        with sync.slot():
            pass
    assert time.monotonic() - began >= 0.19

    async_ = AsyncLimiter(requests_per_minute=600)
    began = time.monotonic()
    for _ in range(12):
        async with async_.slot():
            pass
    assert time.monotonic() - began >= 0.19


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_async_limiter_built_outside_an_event_loop_works_inside_one(backend: str) -> None:
    limiter = AsyncLimiter(max_concurrency=1)  # as a client built at import time would
    order: list[str] = []

    async def second() -> None:
        async with limiter.slot():
            order.append("second")

    async def main() -> None:
        with anyio.fail_after(TIMEOUT):
            async with anyio.create_task_group() as tg:
                await limiter.acquire()
                tg.start_soon(second)
                await wait_all_tasks_blocked()
                order.append("first")
                limiter.release()

    anyio.run(main, backend=backend)
    assert order == ["first", "second"]


# --- the slot wait is bounded; releases from finalizers never block ----------------------------


@pytest.mark.anyio
async def test_the_wait_for_a_slot_ends_after_its_timeout_and_leaks_nothing() -> None:
    sync = Limiter(max_concurrency=1)
    async_ = AsyncLimiter(max_concurrency=1)
    sync.acquire()
    await async_.acquire()
    with pytest.raises(TimeoutError, match=r"waited 0\.05 s for a client-side slot"):
        sync.acquire(slot_timeout=0.05)
    with anyio.fail_after(TIMEOUT):
        with pytest.raises(TimeoutError, match=r"max_concurrency=1"):
            await async_.acquire(slot_timeout=0.05)
    assert sync._slots is not None
    assert sync._slots.waiting == 0
    sync.release()
    async_.release()
    sync.acquire(slot_timeout=0)  # the slot is free again: the waiter that gave up took nothing
    with anyio.fail_after(TIMEOUT):
        await async_.acquire(slot_timeout=0)


def test_a_slot_handed_over_as_the_wait_times_out_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    semaphore = FifoSemaphore(1)
    semaphore.acquire()
    real = threading.Lock

    class LateLock:  # times out, but the slot is handed over before the waiter withdraws
        def __init__(self) -> None:
            self.lock = real()

        def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
            if timeout == -1:
                return self.lock.acquire(blocking)
            semaphore.release()  # the holder hands the slot to this waiter just now
            return False

        def release(self) -> None:
            self.lock.release()

    monkeypatch.setattr(threading, "Lock", LateLock)  # the waiter FifoSemaphore builds
    assert semaphore.acquire(timeout=0.01)
    monkeypatch.undo()
    assert semaphore.waiting == 0
    assert not semaphore.acquire(timeout=0)  # it holds the slot: no second one appeared


def test_release_soon_under_the_semaphore_lock_is_done_by_the_holder() -> None:
    # A finalizer may run inside one of the semaphore's own critical sections: it must not
    # wait for the lock (a deadlock), and the slot must still come back.
    semaphore = FifoSemaphore(1)
    semaphore.acquire()
    semaphore._lock.acquire()  # as if the finalizer interrupted code holding the lock
    semaphore.release_soon()  # returns at once
    assert semaphore._deferred  # left for the holder
    semaphore._unlock()  # the holder leaves its critical section and does the release
    assert semaphore.acquire(timeout=0)
    semaphore.release_soon()  # with the lock free, at once
    assert semaphore.acquire(timeout=0)
