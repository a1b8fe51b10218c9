"""``SQLiteStore``: limits shared by the processes of one host through a SQLite file."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from .._core.limits import Limits, ScopeState, admit, check_seconds, recheck, tighten, unwind
from .._exceptions import LimitsStoreError
from ._base import (
    Grant,
    SyncStore,
    check_tokens,
    checked_pause,
    checked_tighten,
    new_lease_id,
    rechecked,
)

__all__ = ["SQLiteStore"]

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokenclient_scopes (
    scope TEXT PRIMARY KEY,
    requests_tat REAL NOT NULL,
    tokens_tat REAL NOT NULL,
    paused_until REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokenclient_leases (
    scope TEXT NOT NULL,
    lease TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (scope, lease)
) WITHOUT ROWID;
"""


class SQLiteStore(SyncStore):
    """Limits shared by every process on this host that opens the same file.

    No server: each decision is one ``BEGIN IMMEDIATE`` transaction on a WAL-mode database,
    so processes take turns for a few microseconds. Times are ``time.time()``: every process
    of one host reads the same clock.

    ``path`` may start with ``~``; missing parent directories are created. ``timeout`` bounds
    how long a call waits for another process's transaction (and the whole call) before
    raising ``LimitsStoreError``; pass the client's connect timeout.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"path: expected a str or os.PathLike, got {path!r}")
        self.path = Path(path).expanduser()
        """The database file."""
        self._timeout = check_seconds("timeout", timeout)
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LimitsStoreError(f"{self.name}: cannot create its directory: {exc}") from exc

    @property
    def name(self) -> str:
        """``sqlite:`` and the file's path."""
        return f"sqlite:{self.path}"

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    # -- plumbing -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        # One connection per process: a forked child opens its own.
        if self._conn is None or self._pid != os.getpid():
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            try:
                self._enable_wal(conn)
                # Limits need no durability across a power cut; WAL + NORMAL never corrupts.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("BEGIN IMMEDIATE")
                conn.executescript(_SCHEMA)  # executescript commits
            except BaseException:
                conn.close()
                raise
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        # Switching a new file to WAL needs a moment alone with it, and SQLite does not apply
        # its busy timeout to that switch: when several processes open the file together,
        # try again for up to ``timeout``.
        deadline = time.monotonic() + self._timeout
        delay = 0.001
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _transaction(self, body: Callable[[sqlite3.Connection, float], T]) -> T:
        with self._lock:
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = body(conn, self._clock())
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                raise LimitsStoreError(f"{self.name}: {exc}") from exc

    @staticmethod
    def _state(conn: sqlite3.Connection, scope: str) -> ScopeState:
        row = conn.execute(
            "SELECT requests_tat, tokens_tat, paused_until FROM tokenclient_scopes WHERE scope = ?",
            (scope,),
        ).fetchone()
        if row is None:
            return ScopeState()
        return ScopeState(float(row[0]), float(row[1]), float(row[2]))

    @staticmethod
    def _save(conn: sqlite3.Connection, scope: str, state: ScopeState) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO tokenclient_scopes VALUES (?, ?, ?, ?)",
            (scope, state.requests_tat, state.tokens_tat, state.paused_until),
        )

    # -- decisions ------------------------------------------------------------------------

    def acquire(self, scope: str, limits: Limits, *, tokens: int = 0, attempt: int = 0) -> Grant:
        """See ``LimitsStore.acquire``."""
        tokens = check_tokens(tokens)

        def body(conn: sqlite3.Connection, now: float) -> Grant:
            lease = None
            active, earliest = 0, None
            if limits.max_concurrency is not None:
                conn.execute(
                    "DELETE FROM tokenclient_leases WHERE scope = ? AND expires <= ?", (scope, now)
                )
                active, earliest = conn.execute(
                    "SELECT count(*), min(expires) FROM tokenclient_leases WHERE scope = ?",
                    (scope,),
                ).fetchone()
            state = self._state(conn, scope)
            decision = admit(
                state,
                limits,
                now,
                active=int(active),
                earliest_expiry=None if earliest is None else float(earliest),
                tokens=tokens,
                attempt=attempt,
            )
            if not decision.admitted:
                return Grant(False, decision.wait)
            if decision.state != state:
                self._save(conn, scope, decision.state)
            if limits.max_concurrency is not None:
                lease = new_lease_id()
                conn.execute(
                    "INSERT INTO tokenclient_leases VALUES (?, ?, ?)",
                    (scope, lease, now + limits.lease_ttl),
                )
            return Grant(
                True,
                decision.wait,
                lease,
                tokens,
                decision.state.requests_tat,
                decision.state.tokens_tat,
                paused_until=decision.state.paused_until,
            )

        return self._transaction(body)

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

        def body(conn: sqlite3.Connection, now: float) -> None:
            if grant.lease is not None:
                conn.execute(
                    "DELETE FROM tokenclient_leases WHERE scope = ? AND lease = ?",
                    (scope, grant.lease),
                )
            if started and used_tokens is None:
                return
            state = self._state(conn, scope)
            new = unwind(
                state,
                limits,
                now,
                requests_tat=grant.requests_tat,
                tokens_tat=grant.tokens_tat,
                tokens=grant.tokens,
                started=started,
                used_tokens=used_tokens,
            )
            if new != state:
                self._save(conn, scope, new)

        self._transaction(body)

    def recheck(self, scope: str, limits: Limits, grant: Grant) -> Grant:
        """See ``LimitsStore.recheck``."""

        def body(conn: sqlite3.Connection, now: float) -> Grant:
            decision = recheck(
                self._state(conn, scope),
                limits,
                now,
                requests_tat=grant.requests_tat,
                tokens_tat=grant.tokens_tat,
                tokens=grant.tokens,
                seen_paused_until=grant.paused_until,
            )
            if decision is not None:
                self._save(conn, scope, decision.state)
            return rechecked(grant, decision)

        return self._transaction(body)

    def renew(self, scope: str, limits: Limits, grant: Grant) -> bool:
        """See ``LimitsStore.renew``."""
        if grant.lease is None:
            return True
        lease = grant.lease

        def body(conn: sqlite3.Connection, now: float) -> bool:
            cursor = conn.execute(
                "UPDATE tokenclient_leases SET expires = ?"
                " WHERE scope = ? AND lease = ? AND expires > ?",
                (now + limits.lease_ttl, scope, lease, now),
            )
            return cursor.rowcount == 1

        return self._transaction(body)

    def pause(self, scope: str, seconds: float) -> None:
        """See ``LimitsStore.pause``."""
        seconds = checked_pause(seconds)

        def body(conn: sqlite3.Connection, now: float) -> None:
            state = self._state(conn, scope)
            until = max(state.paused_until, now + seconds)
            self._save(conn, scope, ScopeState(state.requests_tat, state.tokens_tat, until))

        self._transaction(body)

    def tighten(self, scope: str, limits: Limits, *, remaining: int, reset_seconds: float) -> None:
        """See ``LimitsStore.tighten``."""
        remaining, reset_seconds = checked_tighten(remaining, reset_seconds)

        def body(conn: sqlite3.Connection, now: float) -> None:
            state = self._state(conn, scope)
            new = tighten(state, limits, now, remaining=remaining, reset_seconds=reset_seconds)
            if new != state:
                self._save(conn, scope, new)

        self._transaction(body)

    def close(self) -> None:
        """Close this process's connection (the next call reopens it)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def _offload(self, func: Callable[[], T]) -> T:
        # A call may wait for another process's transaction: a worker thread, on asyncio
        # and trio alike.
        return await anyio.to_thread.run_sync(func)
