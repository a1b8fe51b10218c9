"""Every store makes the same decisions: one set of scenarios against Local, SQLite and Redis.

SQLite and Redis run against a real file and a real ``redis-server`` on loopback.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tokenclient import TokenClientError
from tokenclient.limits import (
    Limits,
    LimitsStore,
    LimitsStoreError,
    LocalStore,
    RedisStore,
    SQLiteStore,
    scope_for,
)

from .conftest import RedisServer, make_store

RATE = Limits(requests_per_minute=600)
SLOTS = Limits(max_concurrency=2)


def test_every_store_is_a_limits_store(store: LimitsStore) -> None:
    assert isinstance(store, LimitsStore)
    assert store.name


def test_a_burst_then_the_rate(store: LimitsStore, scope: str) -> None:
    waits = [store.acquire(scope, RATE).wait for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.1, abs=0.02)
    assert waits[11] == pytest.approx(0.2, abs=0.02)


def test_slots_are_leases_given_back_on_release(store: LimitsStore, scope: str) -> None:
    first, second = store.acquire(scope, SLOTS), store.acquire(scope, SLOTS)
    assert first.admitted
    assert second.admitted
    assert first.lease != second.lease
    refused = store.acquire(scope, SLOTS)
    assert not refused.admitted
    assert refused.lease is None
    assert 0 < refused.wait <= 0.05
    store.release(scope, SLOTS, first)
    third = store.acquire(scope, SLOTS)
    assert third.admitted
    assert third.wait == 0.0


@pytest.mark.slow
def test_an_unrenewed_lease_expires_and_a_renewed_one_does_not(
    store: LimitsStore, scope: str
) -> None:
    limits = Limits(max_concurrency=2, lease_ttl=0.3)
    kept, dropped = store.acquire(scope, limits), store.acquire(scope, limits)
    assert not store.acquire(scope, limits).admitted
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        assert store.renew(scope, limits, kept)
        time.sleep(0.1)
    assert not store.renew(scope, limits, dropped)  # expired: gone
    assert store.acquire(scope, limits).admitted  # the expired slot is free again
    assert not store.acquire(scope, limits).admitted  # the renewed one is still held


def test_a_refused_poll_waits_no_longer_than_the_earliest_expiry(
    store: LimitsStore, scope: str
) -> None:
    limits = Limits(max_concurrency=1, lease_ttl=0.01)
    store.acquire(scope, limits)
    assert store.acquire(scope, limits, attempt=20).wait <= 0.011


def test_a_request_that_did_not_start_gives_its_token_back(store: LimitsStore, scope: str) -> None:
    limits = Limits(requests_per_minute=60, tokens_per_minute=6000)
    first = store.acquire(scope, limits, tokens=10)
    assert first.wait == 0.0
    second = store.acquire(scope, limits, tokens=10)
    assert second.wait == pytest.approx(1.0, abs=0.05)
    store.release(scope, limits, second, started=False)
    again = store.acquire(scope, limits, tokens=10)
    assert again.wait == pytest.approx(second.wait, abs=0.05)


def test_tokens_are_reserved_and_settled_against_usage(store: LimitsStore, scope: str) -> None:
    limits = Limits(tokens_per_minute=6000)  # 100 tokens a second, a bucket of 100
    big = store.acquire(scope, limits, tokens=100)
    assert big.wait == 0.0
    assert big.tokens == 100
    # The response used 300: the next request waits for the 200 more.
    store.release(scope, limits, big, used_tokens=300)
    after = store.acquire(scope, limits, tokens=100)
    assert after.wait == pytest.approx(3.0, abs=0.05)
    # It used 10: 90 come back to whoever is next.
    store.release(scope, limits, after, used_tokens=10)
    assert store.acquire(scope, limits, tokens=100).wait == pytest.approx(3.1, abs=0.05)


def test_a_pause_delays_every_request_of_the_scope_only(store: LimitsStore, scope: str) -> None:
    store.pause(scope, 5.0)
    store.pause(scope, 1.0)  # a shorter pause never shortens it
    assert store.acquire(scope, Limits()).wait == pytest.approx(5.0, abs=0.05)
    assert store.acquire(scope + "-other", Limits()).wait == 0.0


def test_headers_with_nothing_remaining_pause_the_scope(store: LimitsStore, scope: str) -> None:
    store.tighten(scope, RATE, remaining=0, reset_seconds=2.0)
    assert store.acquire(scope, RATE).wait == pytest.approx(2.0, abs=0.05)


def test_headers_tighten_the_bucket(store: LimitsStore, scope: str) -> None:
    store.tighten(scope, RATE, remaining=2, reset_seconds=3.0)
    t0 = time.time()
    starts = [t0 + store.acquire(scope, RATE).wait for _ in range(4)]
    assert sum(1 for s in starts if s < t0 + 3.0 - 0.05) <= 2


def test_bad_arguments_name_the_field(store: LimitsStore, scope: str) -> None:
    with pytest.raises(ValueError, match="seconds"):
        store.pause(scope, -1)
    with pytest.raises(ValueError, match="remaining"):
        store.tighten(scope, RATE, remaining=-1, reset_seconds=1)
    with pytest.raises(ValueError, match="tokens"):
        store.acquire(scope, RATE, tokens=-5)


@pytest.mark.anyio
async def test_the_async_methods_share_state_with_the_sync_ones(
    store_kind: str, tmp_path: Path, redis_server: RedisServer, scope: str
) -> None:
    store = make_store(store_kind, tmp_path, redis_server)
    try:
        first = await store.aacquire(scope, SLOTS)
        second = store.acquire(scope, SLOTS)
        assert first.admitted
        assert second.admitted
        assert not (await store.aacquire(scope, SLOTS)).admitted
        assert await store.arenew(scope, SLOTS, first)
        await store.arelease(scope, SLOTS, first)
        assert (await store.aacquire(scope, SLOTS)).admitted
        await store.apause(scope, 3.0)
        await store.atighten(scope, RATE, remaining=0, reset_seconds=4.0)
        assert (await store.aacquire(scope, RATE)).wait == pytest.approx(4.0, abs=0.05)
    finally:
        await store.aclose()
        store.close()


def test_two_sqlite_stores_on_one_file_share_limits(tmp_path: Path, scope: str) -> None:
    path = tmp_path / "deep" / "er" / "limits.db"
    a, b = SQLiteStore(path), SQLiteStore(path)
    try:
        a.pause(scope, 2.0)
        assert b.acquire(scope, Limits()).wait == pytest.approx(2.0, abs=0.05)
        a.acquire(scope, SLOTS)
        b.acquire(scope, SLOTS)
        assert not a.acquire(scope, SLOTS).admitted
    finally:
        a.close()
        b.close()


def test_sqlite_expands_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    store = SQLiteStore("~/.cache/tokenclient/limits.db")
    try:
        assert store.path == tmp_path / ".cache" / "tokenclient" / "limits.db"
        store.acquire(scope, SLOTS)
        assert store.path.exists()
        assert store.name == f"sqlite:{store.path}"
    finally:
        store.close()


def test_sqlite_that_cannot_open_raises_limits_store_error(tmp_path: Path, scope: str) -> None:
    (tmp_path / "limits.db").mkdir()  # a directory where the file should be
    store = SQLiteStore(tmp_path / "limits.db")
    with pytest.raises(LimitsStoreError, match=r"sqlite:.*limits\.db") as caught:
        store.acquire(scope, SLOTS)
    assert isinstance(caught.value, TokenClientError)


KEY = "sk-live-S3CRET-0123456789abcdefghij"
BASE_URL = "https://api.example.test/api/v1"


def test_the_api_key_is_never_written_to_sqlite(tmp_path: Path) -> None:
    import hashlib

    scope = scope_for(BASE_URL, KEY)
    store = SQLiteStore(tmp_path / "limits.db")
    limits = Limits(max_concurrency=2, requests_per_minute=60, tokens_per_minute=1000)
    grant = store.acquire(scope, limits, tokens=10)
    store.pause(scope, 1)
    store.renew(scope, limits, grant)
    store.close()
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert scope.encode() in written  # the scope is there ...
    assert KEY.encode() not in written  # ... the key is not, nor its plain hash
    assert hashlib.sha256(KEY.encode()).hexdigest()[:8].encode() not in written


def test_the_api_key_is_never_written_to_redis(redis_server: RedisServer) -> None:
    import hashlib

    scope = scope_for(BASE_URL, KEY)
    store = RedisStore(redis_server.url)
    limits = Limits(max_concurrency=2, requests_per_minute=60, tokens_per_minute=1000)
    grant = store.acquire(scope, limits, tokens=10)
    store.pause(scope, 1)
    store.renew(scope, limits, grant)
    store.close()
    plain_hash = hashlib.sha256(KEY.encode()).hexdigest()[:8].encode()
    dump = redis_server.dump()
    mine = {key: value for key, value in dump.items() if scope.encode() in key}
    assert len(mine) == 2  # the state hash and the leases set
    seen = [key for key in dump] + [item for _, items in dump.values() for item in items]
    assert not any(KEY.encode() in item or plain_hash in item for item in seen)
    # Keys expire on their own: nothing to clean by hand.
    assert all(ttl > 0 for ttl, _ in mine.values())


def test_redis_name_masks_the_password() -> None:
    store = RedisStore("redis://user:hunter2@127.0.0.1:1/0")
    assert store.name == "redis://user:***@127.0.0.1:1/0"
    assert "hunter2" not in repr(store)
    store.close()
    assert RedisStore("redis://:pw@h:1").name == "redis://:***@h:1"


def test_unreachable_redis_raises_naming_it_without_password_within_the_timeout(
    scope: str,
) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = RedisStore(f"redis://:hunter2@127.0.0.1:{port}/0", timeout=1.0)
    started = time.monotonic()
    with pytest.raises(LimitsStoreError, match=rf"redis://:\*\*\*@127\.0\.0\.1:{port}/0") as caught:
        store.acquire(scope, SLOTS)
    assert time.monotonic() - started < 1.5
    assert "hunter2" not in str(caught.value)
    store.close()


def test_redis_given_as_a_client_object(redis_server: RedisServer, scope: str) -> None:
    client = redis_server.client()
    store = RedisStore(client)
    assert store.name == f"redis://127.0.0.1:{redis_server.port}/0"
    assert store.acquire(scope, SLOTS).admitted
    store.close()
    assert client.ping()  # pyright: ignore[reportUnknownMemberType]  # still the caller's, still open
    client.close()


@pytest.mark.anyio
async def test_redis_given_a_sync_client_serves_async_callers_too(
    redis_server: RedisServer, scope: str
) -> None:
    client = redis_server.client()
    store = RedisStore(client)
    try:
        assert (await store.aacquire(scope, SLOTS)).admitted
        assert store.acquire(scope, SLOTS).admitted
        assert not (await store.aacquire(scope, SLOTS)).admitted
    finally:
        await store.aclose()
        client.close()


def test_redis_stopped_mid_run_raises(own_redis_server: RedisServer, scope: str) -> None:
    store = RedisStore(own_redis_server.url, timeout=1.0)
    grant = store.acquire(scope, SLOTS)
    assert grant.admitted
    own_redis_server.stop()
    started = time.monotonic()
    with pytest.raises(LimitsStoreError, match="unreachable"):
        store.acquire(scope, SLOTS)
    with pytest.raises(LimitsStoreError):
        store.release(scope, SLOTS, grant)
    assert time.monotonic() - started < 3.0
    store.close()


def test_redis_on_error_local_degrades_with_one_warning(
    own_redis_server: RedisServer, scope: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisStore(own_redis_server.url, timeout=1.0, on_error="local")
    assert not store.acquire(scope, SLOTS).local
    own_redis_server.stop()
    with caplog.at_level(logging.INFO, logger="tokenclient.limits"):
        grants = [store.acquire(scope, SLOTS) for _ in range(3)]
    # Still limited: per process now, never unlimited.
    assert [g.admitted for g in grants] == [True, True, False]
    assert all(g.local for g in grants)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "per process" in warnings[0].getMessage()
    store.release(scope, SLOTS, grants[0])  # a local grant goes back to the local store
    assert store.acquire(scope, SLOTS).admitted
    store.close()


def test_importing_tokenclient_loads_neither_sqlite3_nor_redis() -> None:
    code = (
        "import sys, tokenclient, tokenclient.limits\n"
        "bad = [m for m in ('sqlite3', '_sqlite3', 'redis') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "tokenclient.limits.SQLiteStore\n"
        "assert 'sqlite3' in sys.modules\n"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_local_store_uses_the_given_clock(scope: str) -> None:
    now = [1000.0]
    store = LocalStore(clock=lambda: now[0])
    limits = Limits(max_concurrency=1, lease_ttl=5)
    store.acquire(scope, limits)
    now[0] += 4.9
    assert not store.acquire(scope, limits).admitted
    now[0] += 0.2
    assert store.acquire(scope, limits).admitted


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_redis_given_an_asyncio_client_serves_async_callers_only(
    redis_server: RedisServer, scope: str
) -> None:
    import redis.asyncio

    client = redis.asyncio.Redis(host="127.0.0.1", port=redis_server.port)
    store = RedisStore(client)
    try:
        assert (await store.aacquire(scope, SLOTS)).admitted
        with pytest.raises(TypeError, match="AsyncTokenClient only"):
            store.acquire(scope, SLOTS)
    finally:
        await store.aclose()
        await client.aclose()


@pytest.mark.anyio
async def test_redis_on_error_local_degrades_async_callers_too(
    own_redis_server: RedisServer, scope: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisStore(own_redis_server.url, timeout=1.0, on_error="local")
    try:
        assert not (await store.aacquire(scope, SLOTS)).local
        own_redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="tokenclient.limits"):
            grants = [await store.aacquire(scope, SLOTS) for _ in range(3)]
        assert [g.admitted for g in grants] == [True, True, False]
        assert all(g.local for g in grants)
        assert len(caplog.records) == 1
        await store.arelease(scope, SLOTS, grants[0])
        assert (await store.aacquire(scope, SLOTS)).admitted
    finally:
        await store.aclose()


def test_the_store_benchmark_runs(redis_server: RedisServer) -> None:
    from benchmarks.limits_store import run

    rows = run(20, redis_server.url)
    assert str(rows[0]["store"]).startswith("Limiter")
    assert len(rows) == 6 + 4  # the stores, then whole requests through the client
    assert all(float(r["median_us"]) > 0 for r in rows)
    assert [r["store"] for r in rows[6:]] == [
        "TokenClient, no store",
        "TokenClient + LocalStore",
        "TokenClient + SQLiteStore",
        "TokenClient + RedisStore",
    ]
    assert all("added_median_us" in r for r in rows[6:])


def test_sqlite_waits_while_another_connection_holds_the_new_file(
    tmp_path: Path, scope: str
) -> None:
    import threading

    path = tmp_path / "limits.db"
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    timer = threading.Timer(0.3, lambda: blocker.execute("COMMIT"))
    timer.start()
    store = SQLiteStore(path, timeout=5.0)
    try:
        assert store.acquire(scope, SLOTS).admitted
    finally:
        timer.join()
        blocker.close()
        store.close()


def test_sqlite_locked_longer_than_the_timeout_raises(tmp_path: Path, scope: str) -> None:

    path = tmp_path / "limits.db"
    store = SQLiteStore(path, timeout=0.3)
    store.acquire(scope, SLOTS)  # the file exists, in WAL mode
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(LimitsStoreError, match="locked"):
            store.acquire(scope, SLOTS)
        assert time.monotonic() - started < 1.5
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        store.close()


class _LockedAtFirst:
    """A sqlite3 connection whose switch to WAL fails ``times`` times with "locked", as when
    several processes open a new file at once (SQLite applies no busy timeout there)."""

    def __init__(self, conn: sqlite3.Connection, times: int) -> None:
        self._conn = conn
        self._times = times

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql.startswith("PRAGMA journal_mode") and self._times > 0:
            self._times -= 1
            raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


@pytest.mark.parametrize(("failures", "opens"), [(3, True), (10_000, False)])
def test_sqlite_retries_the_switch_to_wal_within_its_timeout(
    tmp_path: Path, scope: str, monkeypatch: pytest.MonkeyPatch, failures: int, opens: bool
) -> None:
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> _LockedAtFirst:
        return _LockedAtFirst(real_connect(*args, **kwargs), failures)

    monkeypatch.setattr(sqlite3, "connect", connect)
    store = SQLiteStore(tmp_path / "limits.db", timeout=0.3)
    started = time.monotonic()
    try:
        if opens:
            assert store.acquire(scope, SLOTS).admitted
        else:
            with pytest.raises(LimitsStoreError, match="locked"):
                store.acquire(scope, SLOTS)
            assert time.monotonic() - started < 1.0
    finally:
        store.close()


PACED = Limits(requests_per_minute=60)


def test_recheck_moves_a_sleeping_reservation_behind_a_new_pause(
    store: LimitsStore, scope: str
) -> None:
    store.acquire(scope, PACED)
    sleeping = store.acquire(scope, PACED)
    assert sleeping.wait == pytest.approx(1.0, abs=0.05)
    store.pause(scope, 3.0)  # another process got a 429 while this one slept
    moved = store.recheck(scope, PACED, sleeping)
    assert moved.wait == pytest.approx(3.0, abs=0.05)
    assert moved.paused_until > sleeping.paused_until
    # The reservation moved, not doubled: the next request is one interval behind it.
    assert store.acquire(scope, PACED).wait == pytest.approx(4.0, abs=0.05)
    # Nothing new since: start now.
    again = store.recheck(scope, PACED, moved)
    assert again.wait == 0.0
    assert again.requests_tat == moved.requests_tat


def test_recheck_without_a_new_pause_starts_now(store: LimitsStore, scope: str) -> None:
    store.pause(scope, 2.0)
    grant = store.acquire(scope, PACED)  # it saw the pause already
    assert grant.wait == pytest.approx(2.0, abs=0.05)
    assert store.recheck(scope, PACED, grant) == grant.started()
    store.pause(scope, 0.0)  # a pause that ends no later changes nothing
    assert store.recheck(scope, PACED, grant).wait == 0.0
