"""The store protocol, the grant it hands out, and helpers shared by the stores."""

from __future__ import annotations

import dataclasses
import functools
import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from .._core.limits import Admission, Limits, check_remaining, check_seconds

__all__ = ["Grant", "LimitsStore", "SyncStore", "mask_url", "new_lease_id"]

T = TypeVar("T")


@dataclass(frozen=True)
class Grant:
    """The answer to ``acquire``: go after ``wait`` seconds, or ask again after ``wait``.

    ``admitted`` is ``False`` when every concurrency slot of the scope is held: nothing was
    reserved, and the caller sleeps ``wait`` (a short, growing poll delay) before calling
    ``acquire`` again with ``attempt + 1``. When ``admitted``, the caller holds ``lease``
    (``None`` without ``max_concurrency``) and its rate reservations, sleeps ``wait`` and
    starts; it then owes exactly one ``release`` with this grant.
    """

    admitted: bool
    wait: float
    lease: str | None = None
    tokens: int = 0
    """Tokens reserved (the estimate), settled by ``release(used_tokens=...)``."""
    requests_tat: float | None = None
    tokens_tat: float | None = None
    local: bool = False
    """Decided by the per-process fallback of ``RedisStore(on_error="local")``."""
    paused_until: float = 0.0
    """The scope's pause end the reservation saw (store clock), for ``recheck``."""

    def started(self) -> Grant:
        """This grant with no wait left."""
        return dataclasses.replace(self, wait=0.0)


@runtime_checkable
class LimitsStore(Protocol):
    """Where the limits of a scope live. Every call is one short, non-blocking decision.

    The limiter does the waiting: ``acquire`` answers how long to sleep, never sleeps itself.
    Sync methods serve ``TokenClient``, the ``a``-prefixed twins ``AsyncTokenClient`` (asyncio
    and trio). Failures raise ``LimitsStoreError``.
    """

    @property
    def name(self) -> str:
        """The store for messages and logs, without any password."""
        ...

    def acquire(self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0) -> Grant:
        """Take a lease (if ``max_concurrency``) and reserve one request and ``tokens``."""
        ...

    def release(
        self,
        scope: str,
        limits: Limits,
        grant: Grant,
        *,
        started: bool = True,
        used_tokens: int | None = None,
    ) -> None:
        """Give back the lease; refund (not ``started``) or settle (``used_tokens``)."""
        ...

    def recheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """After sleeping ``grant.wait``: the grant to start with, ``wait`` 0 to start now.

        If a pause began while the caller slept, the reservation moves behind its end and
        the returned grant says how long to sleep again (then ``recheck`` again).
        """
        ...

    def renew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """Extend the lease by ``limits.lease_ttl``; ``False`` if it had already expired."""
        ...

    def pause(self, scope: str, seconds: float) -> None:
        """No request of the scope starts for ``seconds``; a later pause end is kept."""
        ...

    def tighten(self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float) -> None:
        """At most ``remaining`` more requests start in the next ``reset_seconds``."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...

    async def aacquire(
        self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0
    ) -> Grant:
        """``acquire`` for async clients."""
        ...

    async def arelease(
        self,
        scope: str,
        limits: Limits,
        grant: Grant,
        *,
        started: bool = True,
        used_tokens: int | None = None,
    ) -> None:
        """``release`` for async clients."""
        ...

    async def arecheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """``recheck`` for async clients."""
        ...

    async def arenew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """``renew`` for async clients."""
        ...

    async def apause(self, scope: str, seconds: float) -> None:
        """``pause`` for async clients."""
        ...

    async def atighten(
        self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float
    ) -> None:
        """``tighten`` for async clients."""
        ...

    async def aclose(self) -> None:
        """``close`` for async clients."""
        ...


class SyncStore(ABC):
    """A store that decides synchronously; its async twins run the sync methods.

    ``_offload`` runs one sync call for an async caller: directly by default (a call that
    cannot block), or in a worker thread for a store that does I/O.
    """

    @property
    @abstractmethod
    def name(self) -> str:
        """The store for messages and logs."""

    @abstractmethod
    def acquire(self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0) -> Grant:
        """See ``LimitsStore.acquire``."""

    @abstractmethod
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

    @abstractmethod
    def recheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """See ``LimitsStore.recheck``."""

    @abstractmethod
    def renew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """See ``LimitsStore.renew``."""

    @abstractmethod
    def pause(self, scope: str, seconds: float) -> None:
        """See ``LimitsStore.pause``."""

    @abstractmethod
    def tighten(self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float) -> None:
        """See ``LimitsStore.tighten``."""

    @abstractmethod
    def close(self) -> None:
        """See ``LimitsStore.close``."""

    async def _offload(self, func: Callable[[], T]) -> T:
        return func()

    async def aacquire(
        self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0
    ) -> Grant:
        """See ``LimitsStore.aacquire``."""
        return await self._offload(
            functools.partial(self.acquire, scope, limits, tokens=tokens, attempt=attempt)
        )

    async def arelease(
        self,
        scope: str,
        limits: Limits,
        grant: Grant,
        *,
        started: bool = True,
        used_tokens: int | None = None,
    ) -> None:
        """See ``LimitsStore.arelease``."""
        await self._offload(
            functools.partial(
                self.release, scope, limits, grant, started=started, used_tokens=used_tokens
            )
        )

    async def arecheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """See ``LimitsStore.arecheck``."""
        return await self._offload(functools.partial(self.recheck, scope, limits, grant))

    async def arenew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """See ``LimitsStore.arenew``."""
        return await self._offload(functools.partial(self.renew, scope, limits, grant))

    async def apause(self, scope: str, seconds: float) -> None:
        """See ``LimitsStore.apause``."""
        await self._offload(functools.partial(self.pause, scope, seconds))

    async def atighten(
        self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float
    ) -> None:
        """See ``LimitsStore.atighten``."""
        await self._offload(
            functools.partial(
                self.tighten, scope, limits, remaining=remaining, reset_seconds=reset_seconds
            )
        )

    async def aclose(self) -> None:
        """See ``LimitsStore.aclose``."""
        await self._offload(self.close)


_PASSWORD = re.compile(r"(?P<head>^[a-z][a-z0-9+.-]*://[^:/@]*:)(?P<pw>[^@]*)(?P<at>@)", re.I)


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***``: ``redis://:pw@h`` -> ``redis://:***@h``."""
    return _PASSWORD.sub(r"\g<head>***\g<at>", url)


def rechecked(grant: Grant, decision: Admission | None) -> Grant:
    """``grant`` after ``_core.limits.recheck`` decided ``decision``."""
    if decision is None:
        return grant.started()
    return dataclasses.replace(
        grant,
        wait=decision.wait,
        requests_tat=decision.state.requests_tat,
        tokens_tat=decision.state.tokens_tat,
        paused_until=decision.state.paused_until,
    )


def new_lease_id() -> str:
    """A random lease id (128 bits)."""
    return secrets.token_hex(16)


def checked_pause(seconds: object) -> float:
    """``seconds`` for ``pause``, validated."""
    return check_seconds("seconds", seconds)


def checked_tighten(remaining: object, reset_seconds: object) -> tuple[int, float]:
    """``remaining`` and ``reset_seconds`` for ``tighten``, validated."""
    return check_remaining(remaining), check_seconds("reset_seconds", reset_seconds)


def check_tokens(tokens: object) -> int:
    """``tokens`` for ``acquire``: an integer >= 0."""
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 0:
        from .._exceptions import InvalidRequestError

        raise InvalidRequestError(f"tokens: expected an integer >= 0, got {tokens!r}")
    return tokens
