"""The waiting a limiter does around a store: poll for a slot, then sleep until the start.

A store only decides; these two functions (a sync and an async twin) do the sleeping, and
give the reservation back if the caller gives up while waiting for its start.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from .._async import sleep as _sleep
from .._core.limits import Limits
from ._base import Grant, LimitsStore

__all__ = ["aacquire_and_wait", "acquire_and_wait"]

_RELEASE_TIMEOUT = 5.0  # bound on the shielded refund after a cancellation


def acquire_and_wait(
    store: LimitsStore,
    scope: str,
    limits: Limits,
    *,
    tokens: int = 0,
    sleep: Callable[[float], None] = time.sleep,
) -> Grant:
    """Block until the request may start; return its grant (release it when done).

    Polls while every slot is held (``Grant.wait`` is the store's poll delay), then sleeps
    for the reservation's delay, and once more behind any pause another process recorded
    meanwhile (``recheck``). An exception while waiting for the start refunds the
    reservation and frees the lease before it propagates.
    """
    attempt = 0
    grant = store.acquire(scope, limits, tokens=tokens, attempt=attempt)
    while not grant.admitted:
        sleep(grant.wait)
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
) -> Grant:
    """``acquire_and_wait`` for async callers (asyncio and trio).

    A cancellation while sleeping for the start refunds the reservation and frees the lease
    (shielded, for at most a few seconds) before it propagates.
    """
    import anyio  # here, not at import: a sync program never loads it

    attempt = 0
    grant = await store.aacquire(scope, limits, tokens=tokens, attempt=attempt)
    while not grant.admitted:
        await sleep(grant.wait)
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
