"""Waiting around a store: polling for a slot, sleeping until the start, refunding on give-up."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from tokenclient import InvalidRequestError
from tokenclient.limits import (
    Grant,
    Limits,
    LimitsStore,
    aacquire_and_wait,
    acquire_and_wait,
)

from .conftest import RedisServer, make_store

LIMITS = Limits(max_concurrency=1, requests_per_minute=60)


def test_polls_while_the_slot_is_held_then_sleeps_until_the_start(
    store: LimitsStore, scope: str
) -> None:
    holder = acquire_and_wait(store, scope, LIMITS)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 3:  # the holder finishes while we poll
            store.release(scope, LIMITS, holder)

    grant = acquire_and_wait(store, scope, LIMITS, sleep=sleep)
    assert grant.admitted
    polls, start = sleeps[:3], sleeps[3]
    assert polls[0] < polls[1] < polls[2] <= 0.05  # a growing poll delay
    assert start == pytest.approx(1.0, abs=0.05)  # then the bucket's one-per-second
    assert len(sleeps) == 4


def test_giving_up_before_the_start_refunds_and_frees_the_slot(
    store: LimitsStore, scope: str
) -> None:
    first = acquire_and_wait(store, scope, LIMITS)
    store.release(scope, LIMITS, first)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        acquire_and_wait(store, scope, LIMITS, sleep=interrupted)
    again = store.acquire(scope, LIMITS)
    assert again.admitted  # the slot was freed
    assert again.wait == pytest.approx(1.0, abs=0.05)  # and the token given back


@pytest.mark.anyio
async def test_a_cancelled_async_waiter_refunds_and_frees_the_slot(
    store_kind: str, tmp_path: Path, redis_server: RedisServer, scope: str
) -> None:
    store = make_store(store_kind, tmp_path, redis_server)
    try:
        first = await aacquire_and_wait(store, scope, LIMITS)
        await store.arelease(scope, LIMITS, first)
        result: list[Grant] = []
        with anyio.move_on_after(0.1) as cancelled:
            result.append(await aacquire_and_wait(store, scope, LIMITS))
        assert cancelled.cancelled_caught
        assert not result
        again = await store.aacquire(scope, LIMITS)
        assert again.admitted
        assert 0.5 < again.wait <= 1.0  # without the refund: about 1.9
    finally:
        await store.aclose()
        store.close()


def test_a_pause_recorded_while_sleeping_delays_the_start(store: LimitsStore, scope: str) -> None:
    store.release(scope, LIMITS, acquire_and_wait(store, scope, LIMITS))
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        if not sleeps:
            store.pause(scope, 5.0)  # another process's 429, while we sleep
        sleeps.append(seconds)

    grant = acquire_and_wait(store, scope, LIMITS, sleep=sleep)
    assert grant.wait == 0.0
    assert len(sleeps) == 2
    assert sleeps[0] == pytest.approx(1.0, abs=0.05)
    assert sleeps[1] == pytest.approx(5.0, abs=0.05)
    store.release(scope, LIMITS, grant)


class FakeClock:
    """A monotonic clock that moves only when the waiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_polling_for_a_slot_ends_at_the_timeout(
    store: LimitsStore, scope: str, kind: str
) -> None:
    holder = acquire_and_wait(store, scope, LIMITS)  # another process's request, never ending
    clock = FakeClock()

    async def wait() -> Grant:
        if kind == "sync":
            return acquire_and_wait(
                store, scope, LIMITS, sleep=clock.sleep, timeout=0.3, clock=clock
            )
        try:
            return await aacquire_and_wait(
                store, scope, LIMITS, sleep=clock.async_sleep, timeout=0.3, clock=clock
            )
        finally:
            await store.aclose()  # the async connections belong to this event loop

    with pytest.raises(TimeoutError, match=r"waited 0\.3 s .*max_concurrency=1"):
        await wait()
    assert sum(clock.sleeps) == pytest.approx(0.3)  # the last poll's sleep is cut to the end
    assert max(clock.sleeps) <= 0.05  # the store's poll delays, not one long sleep
    store.release(scope, LIMITS, holder)
    again = store.acquire(scope, LIMITS)
    assert again.admitted  # the waiter that gave up holds nothing
    assert 0.5 < again.wait < 1.5  # nor took a token: only the holder's (two: about 2 s)


def test_without_a_timeout_polling_goes_on(store: LimitsStore, scope: str) -> None:
    holder = acquire_and_wait(store, scope, LIMITS)
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 200:  # seconds of polling: far past any bound of these tests
            store.release(scope, LIMITS, holder)

    grant = acquire_and_wait(store, scope, LIMITS, sleep=sleep, clock=clock)
    assert grant.admitted
    assert sum(clock.sleeps[:200]) > 5.0
    store.release(scope, LIMITS, grant)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), True, "5"])
def test_a_bad_timeout_is_refused_before_polling(
    store: LimitsStore, scope: str, bad: object
) -> None:
    with pytest.raises(InvalidRequestError, match=r"^timeout: expected a finite number >= 0"):
        acquire_and_wait(store, scope, LIMITS, timeout=bad)  # type: ignore[arg-type]  # bad on purpose
    assert store.acquire(scope, LIMITS).admitted  # nothing was taken
