"""``Runtime``: the clocks, sleeps and randomness one client uses, in one mutable place.

A client creates one and hands it to its requester (retry backoff, jitter, ``Retry-After``
dates), its limiter (pacing and the pause after a 429) and its streams (the idle timeout).
The requester and the limiter call through it on every use, so replacing a field affects the
whole client and its ``with_options`` copies, which share it; a stream reads ``monotonic``
when it opens. This is the one private hook tests use to fake time::

    client._runtime.sleep = recorded.append    # retry backoff, not slept
    client._runtime.limiter_sleep = fake_wait  # limiter waits, told apart from retries
    client._runtime.poll_sleep = fake_wait     # videos.wait between polls
    client._runtime.monotonic = lambda: now[0]
    client._runtime.random = lambda: 0.0       # no jitter

Retry backoff, limiter waits and poll waits are separate fields so a test can record one and not the
other. Only the sync or the async sleeps are used, by the sync or the async client.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ._async import sleep as _sleep

__all__ = ["Runtime"]


@dataclass(eq=False)
class Runtime:
    """Where a client's time, sleeps and randomness come from."""

    monotonic: Callable[[], float] = time.monotonic
    """Elapsed time: limiter pacing, stream idle timeouts."""
    wall_clock: Callable[[], float] = time.time
    """Calendar time, for ``Retry-After`` given as an HTTP date."""
    random: Callable[[], float] = random.random
    """Uniform in [0, 1): retry jitter."""
    sleep: Callable[[float], None] = time.sleep
    """The sync client's retry backoff."""
    async_sleep: Callable[[float], Awaitable[None]] = _sleep
    """The async client's retry backoff."""
    limiter_sleep: Callable[[float], None] = time.sleep
    """The sync client's limiter waits (rate pacing, the pause after a 429)."""
    async_limiter_sleep: Callable[[float], Awaitable[None]] = _sleep
    """The async client's limiter waits (rate pacing, the pause after a 429)."""
    poll_sleep: Callable[[float], None] = time.sleep
    """The sync client's waits between the polls of ``videos.wait``."""
    async_poll_sleep: Callable[[float], Awaitable[None]] = _sleep
    """The async client's waits between the polls of ``videos.wait``."""
