"""``LocalStore``: limits kept in this process's memory (the default)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .._core.limits import Limits, ScopeState, admit, recheck, tighten, unwind
from ._base import (
    Grant,
    SyncStore,
    check_tokens,
    checked_pause,
    checked_tighten,
    new_lease_id,
    rechecked,
)

__all__ = ["LocalStore"]


class LocalStore(SyncStore):
    """Limits shared by the clients of this process only: no file, no server.

    The same decisions as the shared stores, on a monotonic clock, under a lock. Every call
    is a few dictionary operations, so the async twins call the sync methods directly.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, ScopeState] = {}
        self._leases: dict[str, dict[str, float]] = {}

    @property
    def name(self) -> str:
        """``"local"``."""
        return "local"

    def __repr__(self) -> str:
        return "LocalStore()"

    def acquire(self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0) -> Grant:
        """See ``LimitsStore.acquire``."""
        tokens = check_tokens(tokens)
        with self._lock:
            now = self._clock()
            leases = self._leases.setdefault(scope, {})
            for lease_id in [k for k, expiry in leases.items() if expiry <= now]:
                del leases[lease_id]
            state = self._states.get(scope, ScopeState())
            decision = admit(
                state,
                limits,
                now,
                active=len(leases),
                earliest_expiry=min(leases.values(), default=None),
                tokens=tokens,
                attempt=attempt,
            )
            if not decision.admitted:
                return Grant(False, decision.wait)
            self._states[scope] = decision.state
            lease = None
            if limits.max_concurrency is not None:
                lease = new_lease_id()
                leases[lease] = now + limits.lease_ttl
            return Grant(
                True,
                decision.wait,
                lease,
                tokens,
                decision.state.requests_tat,
                decision.state.tokens_tat,
                paused_until=decision.state.paused_until,
            )

    def release(
        self,
        scope: str,
        limits: Limits,
        grant: Grant,
        *,
        started: bool = True,
        used_tokens: int | None = None,
    ) -> None:
        """See ``LimitsStore.release``."""
        with self._lock:
            if grant.lease is not None:
                self._leases.get(scope, {}).pop(grant.lease, None)
            state = self._states.get(scope)
            if state is not None:
                self._states[scope] = unwind(
                    state,
                    limits,
                    self._clock(),
                    requests_tat=grant.requests_tat,
                    tokens_tat=grant.tokens_tat,
                    tokens=grant.tokens,
                    started=started,
                    used_tokens=used_tokens,
                )

    def recheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """See ``LimitsStore.recheck``."""
        with self._lock:
            decision = recheck(
                self._states.get(scope, ScopeState()),
                limits,
                self._clock(),
                requests_tat=grant.requests_tat,
                tokens_tat=grant.tokens_tat,
                tokens=grant.tokens,
                seen_paused_until=grant.paused_until,
            )
            if decision is not None:
                self._states[scope] = decision.state
            return rechecked(grant, decision)

    def renew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """See ``LimitsStore.renew``."""
        if grant.lease is None:
            return True
        with self._lock:
            now = self._clock()
            leases = self._leases.get(scope, {})
            expiry = leases.get(grant.lease)
            if expiry is None or expiry <= now:
                leases.pop(grant.lease, None)
                return False
            leases[grant.lease] = now + limits.lease_ttl
            return True

    def pause(self, scope: str, seconds: float) -> None:
        """See ``LimitsStore.pause``."""
        seconds = checked_pause(seconds)
        with self._lock:
            state = self._states.get(scope, ScopeState())
            until = max(state.paused_until, self._clock() + seconds)
            self._states[scope] = ScopeState(state.requests_tat, state.tokens_tat, until)

    def tighten(self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float) -> None:
        """See ``LimitsStore.tighten``."""
        remaining, reset_seconds = checked_tighten(remaining, reset_seconds)
        with self._lock:
            state = self._states.get(scope, ScopeState())
            self._states[scope] = tighten(
                state, limits, self._clock(), remaining=remaining, reset_seconds=reset_seconds
            )

    def close(self) -> None:
        """Nothing to close."""
