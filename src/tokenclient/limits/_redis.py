"""``RedisStore``: limits shared by processes on any number of hosts through one Redis.

Every decision is one Lua script run atomically by the server (``EVALSHA``, loaded again with
``SCRIPT LOAD`` when the server answers ``NOSCRIPT``), on the server's clock (``TIME``), so the
hosts' clocks need not agree. The formulas are those of ``tokenclient._core.limits``.

Keys, per scope (``{...}`` is a cluster hash tag, so both keys live on one shard):

- ``tokenclient:{<scope>}:state``: a hash ``r`` (requests TAT), ``t`` (tokens TAT), ``p``
  (paused until); it expires a minute after the last time it still matters;
- ``tokenclient:{<scope>}:leases``: a sorted set ``lease id -> expiry``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar, cast

import anyio.to_thread

from .._core.limits import Limits, SlotPoll, check_seconds
from .._exceptions import InvalidRequestError, LimitsStoreError
from ._base import (
    Grant,
    check_tokens,
    checked_pause,
    checked_tighten,
    mask_url,
    new_lease_id,
)
from ._local import LocalStore

if TYPE_CHECKING:
    import redis
    import redis.asyncio
    from redis.commands.core import AsyncScript

__all__ = ["RedisStore"]

T = TypeVar("T")
logger = logging.getLogger("tokenclient.limits")

_DEGRADED_RETRY = 5.0  # seconds between attempts to reach Redis again with on_error="local"

_LUA_COMMON = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function fmt(x) return string.format('%.17g', x) end
local function interval(pm) return 60 / pm end
local function burst(pm) return math.max(1, pm / 60) end
local st = redis.call('HMGET', KEYS[1], 'r', 't', 'p')
local rtat = tonumber(st[1]) or 0
local ttat = tonumber(st[2]) or 0
local paused = tonumber(st[3]) or 0
local function save()
  redis.call('HSET', KEYS[1], 'r', fmt(rtat), 't', fmt(ttat), 'p', fmt(paused))
  local last = math.max(rtat, ttat, paused, now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((last - now + 60) * 1000))
end
local function reserve(tat, pm, cost)
  local at = math.max(now, paused)
  local new = math.max(tat, at) + cost * interval(pm)
  local start = math.max(at, new - math.max(burst(pm), cost) * interval(pm))
  return new, start - now
end
local function reserve_all(rpm, tpm, tokens)
  local wait = math.max(0, paused - now)
  local w
  if rpm > 0 then
    rtat, w = reserve(rtat, rpm, 1)
    wait = math.max(wait, w)
  end
  if tpm > 0 and tokens > 0 then
    ttat, w = reserve(ttat, tpm, tokens)
    wait = math.max(wait, w)
  end
  return wait
end
local function refund(rpm, tpm, tokens, granted_r, granted_t)
  local changed = false
  if rpm > 0 and granted_r and rtat == granted_r then
    rtat = rtat - interval(rpm)
    changed = true
  end
  if tpm > 0 and tokens > 0 and granted_t and ttat == granted_t then
    ttat = ttat - tokens * interval(tpm)
    changed = true
  end
  return changed
end
"""

ACQUIRE_LUA = (
    _LUA_COMMON
    + """
local mc = tonumber(ARGV[1])
local rpm = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local lease = ARGV[6]
local attempt = tonumber(ARGV[7])
local first = tonumber(ARGV[8])
local cap = tonumber(ARGV[9])
if mc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', fmt(now))
  if redis.call('ZCARD', KEYS[2]) >= mc then
    local e = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    local step = math.min(cap, first * 2 ^ math.min(attempt, 30))
    return {0, fmt(math.max(0, math.min(step, tonumber(e[2]) - now))), '', ''}
  end
end
local wait = reserve_all(rpm, tpm, tokens)
if rpm > 0 or (tpm > 0 and tokens > 0) then save() end
if mc > 0 then
  redis.call('ZADD', KEYS[2], fmt(now + ttl), lease)
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', KEYS[2], math.ceil((tonumber(last[2]) - now + 1) * 1000))
end
return {1, fmt(wait), fmt(rtat), fmt(ttat), fmt(paused)}
"""
)

RELEASE_LUA = (
    _LUA_COMMON
    + """
local lease = ARGV[1]
local started = ARGV[2] == '1'
local used = tonumber(ARGV[3])
local rpm = tonumber(ARGV[4])
local tpm = tonumber(ARGV[5])
local tokens = tonumber(ARGV[6])
local granted_r = tonumber(ARGV[7])
local granted_t = tonumber(ARGV[8])
if lease ~= '' then redis.call('ZREM', KEYS[2], lease) end
local changed = false
if not started then
  changed = refund(rpm, tpm, tokens, granted_r, granted_t)
elseif tpm > 0 and tokens > 0 and used then
  ttat = math.max(ttat + (used - tokens) * interval(tpm), now - burst(tpm) * interval(tpm))
  changed = true
end
if changed then save() end
return 1
"""
)

RECHECK_LUA = (
    _LUA_COMMON
    + """
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
if paused <= tonumber(ARGV[6]) or paused <= now then return {0} end
refund(rpm, tpm, tokens, tonumber(ARGV[4]), tonumber(ARGV[5]))
local wait = reserve_all(rpm, tpm, tokens)
save()
return {1, fmt(wait), fmt(rtat), fmt(ttat), fmt(paused)}
"""
)

RENEW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local expiry = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
if not expiry or expiry <= now then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
local new = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], string.format('%.17g', new), ARGV[1])
local ttl = redis.call('PTTL', KEYS[2])
local want = math.ceil((new - now + 1) * 1000)
if ttl < want then redis.call('PEXPIRE', KEYS[2], want) end
return 1
"""

PAUSE_LUA = (
    _LUA_COMMON
    + """
paused = math.max(paused, now + tonumber(ARGV[1]))
save()
return 1
"""
)

TIGHTEN_LUA = (
    _LUA_COMMON
    + """
local remaining = tonumber(ARGV[1])
local reset = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
if remaining <= 0 then
  paused = math.max(paused, now + reset)
elseif rpm > 0 then
  rtat = math.max(rtat, now + reset + (burst(rpm) - remaining) * interval(rpm))
else
  return 0
end
save()
return 1
"""
)

_SCRIPTS = {
    "acquire": ACQUIRE_LUA,
    "release": RELEASE_LUA,
    "recheck": RECHECK_LUA,
    "renew": RENEW_LUA,
    "pause": PAUSE_LUA,
    "tighten": TIGHTEN_LUA,
}

OnError = Literal["raise", "local"]


def _keys(scope: str) -> list[str]:
    return [f"tokenclient:{{{scope}}}:state", f"tokenclient:{{{scope}}}:leases"]


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _acquire_args(limits: Limits, tokens: int, lease: str, attempt: int) -> list[str]:
    poll = SlotPoll()
    return [
        str(limits.max_concurrency or 0),
        _num(limits.requests_per_minute or 0.0),
        _num(limits.tokens_per_minute or 0.0),
        str(tokens),
        _num(limits.lease_ttl),
        lease,
        str(attempt),
        _num(poll.first),
        _num(poll.cap),
    ]


def _grant(reply: object, limits: Limits, lease: str, tokens: int) -> Grant:
    admitted, wait, *rest = cast("Sequence[int | bytes]", reply)
    if not admitted:
        return Grant(False, float(wait))
    rtat, ttat, paused = rest
    return Grant(
        True,
        float(wait),
        lease if limits.max_concurrency is not None else None,
        tokens,
        float(rtat) if limits.requests_per_minute is not None else None,
        float(ttat) if limits.tokens_per_minute is not None else None,
        paused_until=float(paused),
    )


def _rechecked(reply: object, grant: Grant) -> Grant:
    moved, *rest = cast("Sequence[int | bytes]", reply)
    if not moved:
        return grant.started()
    wait, rtat, ttat, paused = rest
    return dataclasses.replace(
        grant,
        wait=float(wait),
        requests_tat=None if grant.requests_tat is None else float(rtat),
        tokens_tat=None if grant.tokens_tat is None else float(ttat),
        paused_until=float(paused),
    )


def _release_args(
    limits: Limits, grant: Grant, started: bool, used_tokens: int | None
) -> list[str]:
    return [
        grant.lease or "",
        "1" if started else "0",
        "" if used_tokens is None else str(used_tokens),
        _num(limits.requests_per_minute or 0.0),
        _num(limits.tokens_per_minute or 0.0),
        str(grant.tokens),
        _num(grant.requests_tat),
        _num(grant.tokens_tat),
    ]


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class RedisStore:
    """Limits shared by every process, on any host, that uses the same Redis.

    ``url_or_client``: a ``redis://`` / ``rediss://`` / ``unix://`` URL, or a ``redis.Redis``
    (sync; the async methods then call it from a worker thread) or a ``redis.asyncio.Redis``
    (async methods only, on asyncio). With a URL the store makes a sync client, and one
    ``redis.asyncio`` client per event loop for ``AsyncTokenClient`` on asyncio; on trio the
    async methods call the sync client from a worker thread.

    ``timeout`` (seconds) bounds connecting and each call, one quick reconnect included; pass
    the client's connect timeout. A Redis that cannot be reached raises ``LimitsStoreError``
    naming the store (never its password); with ``on_error="local"`` the store logs one
    WARNING and keeps limits per process (a ``LocalStore``) until Redis answers again, retried
    every few seconds.

    Needs the optional extra: ``pip install 'tokenclient-sdk[redis]'``.
    """

    def __init__(
        self,
        url_or_client: str | redis.Redis | redis.asyncio.Redis,
        *,
        timeout: float = 5.0,
        on_error: OnError = "raise",
    ) -> None:
        try:
            import redis
            import redis.asyncio
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError as exc:  # pragma: no cover - the extra is installed in tests
            raise ImportError(
                "RedisStore needs redis-py: pip install 'tokenclient-sdk[redis]'"
            ) from exc
        if on_error not in ("raise", "local"):
            raise InvalidRequestError(f"on_error: expected 'raise' or 'local', got {on_error!r}")
        self._timeout = check_seconds("timeout", timeout)
        self._on_error: OnError = on_error
        self._url: str | None = None
        self._sync: redis.Redis | None = None
        self._given_async: redis.asyncio.Redis | None = None
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._local = LocalStore()
        self._degraded_until = 0.0
        self._warned = False
        self._state_lock = threading.Lock()
        half = max(self._timeout / 2, 0.001)
        if isinstance(url_or_client, str):
            self._url = url_or_client
            self._name = mask_url(url_or_client)
            self._sync = redis.Redis.from_url(  # pyright: ignore[reportUnknownMemberType]  # redis-py leaves **kwargs untyped
                url_or_client,
                socket_connect_timeout=half,
                socket_timeout=half,
                retry=Retry(NoBackoff(), 1),
            )
        elif isinstance(url_or_client, redis.Redis):
            self._sync = url_or_client
            self._name = _describe(_kwargs(url_or_client))
        elif isinstance(url_or_client, redis.asyncio.Redis):
            self._given_async = url_or_client
            self._name = _describe(_kwargs(url_or_client))
        else:
            raise TypeError(
                "url_or_client: expected a redis:// URL, a redis.Redis or a redis.asyncio.Redis,"
                f" got {type(url_or_client).__name__}"
            )
        self._sync_scripts = (
            None
            if self._sync is None
            else {key: self._sync.register_script(src) for key, src in _SCRIPTS.items()}
        )

    @property
    def name(self) -> str:
        """The Redis URL with its password masked."""
        return self._name

    def __repr__(self) -> str:
        return f"RedisStore({self._name!r}, on_error={self._on_error!r})"

    # -- one call, as data: the sync and async methods run the same ``_Call`` --------------

    def _acquire_call(self, scope: str, limits: Limits, tokens: int, attempt: int) -> _Call[Grant]:
        tokens = check_tokens(tokens)
        lease = new_lease_id()
        return _Call(
            "acquire",
            scope,
            _acquire_args(limits, tokens, lease, attempt),
            lambda reply: _grant(reply, limits, lease, tokens),
            lambda: _as_local(self._local.acquire(scope, limits, tokens=tokens, attempt=attempt)),
        )

    def _release_call(
        self, scope: str, limits: Limits, grant: Grant, started: bool, used_tokens: int | None
    ) -> _Call[None]:
        def local() -> None:
            self._local.release(scope, limits, grant, started=started, used_tokens=used_tokens)

        return _Call(
            "release",
            scope,
            _release_args(limits, grant, started, used_tokens),
            _ignore,
            _nothing,  # Redis is down: the lease expires there within the TTL
            local if grant.local else None,
        )

    def _recheck_call(self, scope: str, limits: Limits, grant: Grant) -> _Call[Grant]:
        def local() -> Grant:
            return self._local.recheck(scope, limits, grant)

        args = [
            _num(limits.requests_per_minute or 0.0),
            _num(limits.tokens_per_minute or 0.0),
            str(grant.tokens),
            _num(grant.requests_tat),
            _num(grant.tokens_tat),
            _num(grant.paused_until),
        ]
        return _Call(
            "recheck",
            scope,
            args,
            lambda reply: _rechecked(reply, grant),
            grant.started,  # Redis is down: no pause can be read; start as planned
            local if grant.local else None,
        )

    def _renew_call(self, scope: str, limits: Limits, grant: Grant) -> _Call[bool]:
        direct: Callable[[], bool] | None = None
        if grant.lease is None:
            direct = _yes
        elif grant.local:
            direct = functools.partial(self._local.renew, scope, limits, grant)
        lease_args = [grant.lease or "", _num(limits.lease_ttl)]
        return _Call("renew", scope, lease_args, _truthy, _yes, direct)

    def _pause_call(self, scope: str, seconds: float) -> _Call[None]:
        seconds = checked_pause(seconds)
        return _Call(
            "pause", scope, [_num(seconds)], _ignore, lambda: self._local.pause(scope, seconds)
        )

    def _tighten_call(
        self, scope: str, limits: Limits, remaining: int, reset_seconds: float
    ) -> _Call[None]:
        remaining, reset_seconds = checked_tighten(remaining, reset_seconds)
        return _Call(
            "tighten",
            scope,
            [str(remaining), _num(reset_seconds), _num(limits.requests_per_minute or 0.0)],
            _ignore,
            lambda: self._local.tighten(
                scope, limits, remaining=remaining, reset_seconds=reset_seconds
            ),
        )

    # -- sync -----------------------------------------------------------------------------

    def acquire(self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0) -> Grant:
        """See ``LimitsStore.acquire``."""
        return self._call(self._acquire_call(scope, limits, tokens, attempt))

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
        self._call(self._release_call(scope, limits, grant, started, used_tokens))

    def recheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """See ``LimitsStore.recheck``."""
        return self._call(self._recheck_call(scope, limits, grant))

    def renew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """See ``LimitsStore.renew``."""
        return self._call(self._renew_call(scope, limits, grant))

    def pause(self, scope: str, seconds: float) -> None:
        """See ``LimitsStore.pause``."""
        self._call(self._pause_call(scope, seconds))

    def tighten(self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float) -> None:
        """See ``LimitsStore.tighten``."""
        self._call(self._tighten_call(scope, limits, remaining, reset_seconds))

    def close(self) -> None:
        """Close the connections of the client this store made from a URL.

        A client passed in stays open: it belongs to the caller.
        """
        if self._sync is not None and self._url is not None:
            self._sync.close()

    def _call(self, call: _Call[T]) -> T:
        if call.direct is not None:
            return call.direct()
        if self._sync_scripts is None:
            raise TypeError(
                "RedisStore was given a redis.asyncio.Redis: it serves AsyncTokenClient only;"
                " pass a URL or a redis.Redis for TokenClient"
            )
        if self._degraded():
            return call.fallback()
        run = self._sync_scripts[call.script]
        keys = _keys(call.scope)
        return self._outcome(lambda: run(keys=keys, args=call.args), call.convert, call.fallback)

    def _outcome(
        self, run: Callable[[], object], convert: Callable[[object], T], fallback: Callable[[], T]
    ) -> T:
        import redis

        try:
            reply = run()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self._unreachable(exc)
            return fallback()
        except redis.RedisError as exc:
            raise LimitsStoreError(f"limits store {self._name}: {exc}") from exc
        self._reachable()
        return convert(reply)

    def _degraded(self) -> bool:
        return self._on_error == "local" and time.monotonic() < self._degraded_until

    def _unreachable(self, exc: Exception) -> None:
        if self._on_error == "raise":
            raise LimitsStoreError(f"limits store {self._name} is unreachable: {exc}") from exc
        with self._state_lock:
            self._degraded_until = time.monotonic() + _DEGRADED_RETRY
            warn, self._warned = not self._warned, True
        if warn:
            logger.warning(
                "limits store %s is unreachable (%s): limits are per process until it answers",
                self._name,
                exc,
            )

    def _reachable(self) -> None:
        if self._warned:
            with self._state_lock:
                recovered, self._warned = self._warned, False
            if recovered:
                logger.info("limits store %s answers again: limits are shared", self._name)

    # -- async ----------------------------------------------------------------------------

    async def aacquire(
        self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0
    ) -> Grant:
        """See ``LimitsStore.aacquire``."""
        return await self._acall(self._acquire_call(scope, limits, tokens, attempt))

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
        await self._acall(self._release_call(scope, limits, grant, started, used_tokens))

    async def arecheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """See ``LimitsStore.arecheck``."""
        return await self._acall(self._recheck_call(scope, limits, grant))

    async def arenew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """See ``LimitsStore.arenew``."""
        return await self._acall(self._renew_call(scope, limits, grant))

    async def apause(self, scope: str, seconds: float) -> None:
        """See ``LimitsStore.apause``."""
        await self._acall(self._pause_call(scope, seconds))

    async def atighten(
        self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float
    ) -> None:
        """See ``LimitsStore.atighten``."""
        await self._acall(self._tighten_call(scope, limits, remaining, reset_seconds))

    async def aclose(self) -> None:
        """Close the clients this store made from a URL (a client passed in stays open)."""
        if self._url is None:
            return
        if _on_asyncio():
            entry = self._async.pop(asyncio.get_running_loop(), None)
            if entry is not None:
                await entry.client.aclose()
        if self._sync is not None:
            await anyio.to_thread.run_sync(self._sync.close)

    async def _acall(self, call: _Call[T]) -> T:
        if call.direct is not None:
            return call.direct()
        if self._degraded():
            return call.fallback()
        keys = _keys(call.scope)
        entry = self._async_client()
        if entry is not None:
            run = entry.scripts[call.script]

            async def call_async() -> object:
                return cast("object", await run(keys=keys, args=call.args))

            return await self._aoutcome(call_async, call.convert, call.fallback)
        if self._sync_scripts is None:
            raise TypeError(
                "RedisStore was given a redis.asyncio.Redis, which works on asyncio only;"
                " pass a URL or a redis.Redis to use it on trio"
            )
        sync_call = functools.partial(self._sync_scripts[call.script], keys=keys, args=call.args)
        return await self._aoutcome(
            lambda: anyio.to_thread.run_sync(sync_call), call.convert, call.fallback
        )

    async def _aoutcome(
        self,
        run: Callable[[], Awaitable[object]],
        convert: Callable[[object], T],
        fallback: Callable[[], T],
    ) -> T:
        import redis

        try:
            reply = await run()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            self._unreachable(exc)
            return fallback()
        except redis.RedisError as exc:
            raise LimitsStoreError(f"limits store {self._name}: {exc}") from exc
        self._reachable()
        return convert(reply)

    def _async_client(self) -> _AsyncClient | None:
        # redis.asyncio clients belong to one event loop: one per loop, made on first use.
        if not _on_asyncio():
            return None
        loop = asyncio.get_running_loop()
        entry = self._async.get(loop)
        if entry is None:
            if self._given_async is not None:
                client = self._given_async
            elif self._url is not None:
                import redis.asyncio
                from redis.asyncio.retry import Retry
                from redis.backoff import NoBackoff

                half = max(self._timeout / 2, 0.001)
                client = redis.asyncio.Redis.from_url(  # pyright: ignore[reportUnknownMemberType]  # redis-py leaves **kwargs untyped
                    self._url,
                    socket_connect_timeout=half,
                    socket_timeout=half,
                    retry=Retry(NoBackoff(), 1),
                )
            else:
                return None  # a sync client given: a worker thread calls it
            entry = _AsyncClient(
                client, {key: client.register_script(src) for key, src in _SCRIPTS.items()}
            )
            self._async[loop] = entry
        return entry


@dataclass(frozen=True)
class _Call(Generic[T]):
    """One store call: the script to run, how to read its reply, what to do without Redis."""

    script: str
    scope: str
    args: list[str]
    convert: Callable[[object], T]
    fallback: Callable[[], T]  # Redis unreachable and on_error="local"
    direct: Callable[[], T] | None = None  # no Redis needed (a local grant, no lease)


class _AsyncClient:
    __slots__ = ("client", "scripts")

    def __init__(self, client: redis.asyncio.Redis, scripts: dict[str, AsyncScript]) -> None:
        self.client = client
        self.scripts = scripts


def _as_local(grant: Grant) -> Grant:
    return dataclasses.replace(grant, local=True)


def _ignore(reply: object) -> None:
    return None


def _nothing() -> None:
    return None


def _yes() -> bool:
    return True


def _truthy(reply: object) -> bool:
    return bool(reply)


def _kwargs(client: redis.Redis | redis.asyncio.Redis) -> dict[str, object]:
    pool = client.connection_pool
    return cast(
        "dict[str, object]",
        pool.connection_kwargs,  # pyright: ignore[reportUnknownMemberType]  # untyped in redis-py
    )


def _describe(kwargs: dict[str, object]) -> str:
    # A client passed in: name it by where it connects, never with its password.
    path = kwargs.get("path")
    if path:
        return f"unix://{path}"
    host, port, db = kwargs.get("host", "localhost"), kwargs.get("port", 6379), kwargs.get("db", 0)
    return f"redis://{host}:{port}/{db}"
