"""The waiting a limiter does around a store: poll for a slot, then sleep until the start.

A store only decides; these two functions (a sync and an async twin) do the sleeping, and
give the reservation back if the caller gives up while waiting for its start.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from .._async import sleep as _sleep
from .._core.limits import Limits, check_seconds, shared_slot_timeout
from ._base import Grant, LimitsStore

__all__ = ["aacquire_and_wait", "acquire_and_wait"]

_RELEASE_TIMEOUT = 5.0  # bound on the shielded refund after a cancellation


def _poll_delay(
    grant: Grant,
    limits: Limits,
    timeout: float | None,
    deadline: float | None,
    clock: Callable[[], float],
) -> float:
    """How long to sleep before the next poll for a slot; ``TimeoutError`` past ``deadline``."""
    if deadline is None:
        return grant.wait
    left = deadline - clock()
    if left <= 0:
        assert timeout is not None  # a deadline comes from a timeout
        raise shared_slot_timeout(timeout, limits)
    return min(grant.wait, left)


def _deadline(timeout: float | None, clock: Callable[[], float]) -> float | None:
    return None if timeout is None else clock() + check_seconds("timeout", timeout)


def acquire_and_wait(
    store: LimitsStore,
    scope: str,
    limits: Limits,
    *,
    tokens: int = 0,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Grant:
    """Block until the request may start; return its grant (release it when done).

    Polls while every slot is held (``Grant.wait`` is the store's poll delay), then sleeps
    for the reservation's delay, and once more behind any pause another process recorded
    meanwhile (``recheck``). An exception while waiting for the start refunds the
    reservation and frees the lease before it propagates.

    ``timeout`` bounds the polling for a slot (``None``: wait as long as it takes): once it has
    passed, a last poll, then ``TimeoutError``. The start's own delay, known once the slot is
    held, is slept in full. ``clock`` is the monotonic clock ``timeout`` is measured on.
    """
    attempt = 0
    deadline = _deadline(timeout, clock)
    grant = store.acquire(scope, limits, tokens=tokens, attempt=attempt)
    while not grant.admitted:
        sleep(_poll_delay(grant, limits, timeout, deadline, clock))
        attempt += 1
        grant = store.acquire(scope, limits, tokens=tokens, attempt=attempt)
    try:
        while grant.wait > 0:
            sleep(grant.wait)
            grant = store.recheck(scope, limits, grant)  # a pause may have begun meanwhile
    except BaseException:
        store.release(scope, limits, grant, started=False)
        raise
    return grant


async def aacquire_and_wait(
    store: LimitsStore,
    scope: str,
    limits: Limits,
    *,
    tokens: int = 0,
    sleep: Callable[[float], Awaitable[None]] = _sleep,
    timeout: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Grant:
    """``acquire_and_wait`` for async callers (asyncio and trio).

    A cancellation while sleeping for the start refunds the reservation and frees the lease
    (shielded, for at most a few seconds) before it propagates.
    """
    import anyio  # here, not at import: a sync program never loads it

    attempt = 0
    deadline = _deadline(timeout, clock)
    grant = await store.aacquire(scope, limits, tokens=tokens, attempt=attempt)
    while not grant.admitted:
        await sleep(_poll_delay(grant, limits, timeout, deadline, clock))
        attempt += 1
        grant = await store.aacquire(scope, limits, tokens=tokens, attempt=attempt)
    try:
        while grant.wait > 0:
            await sleep(grant.wait)
            grant = await store.arecheck(scope, limits, grant)  # a pause may have begun
    except BaseException:
        with anyio.move_on_after(_RELEASE_TIMEOUT, shield=True):
            await store.arelease(scope, limits, grant, started=False)
        raise
    return grant
