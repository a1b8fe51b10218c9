"""What a driver module provides: a sync and/or an async client doing the benchmark's calls."""

from __future__ import annotations

from typing import Protocol

__all__ = ["AsyncDriver", "SyncDriver"]


class SyncDriver(Protocol):
    """One client, set up once, doing realistic calls against the bench server."""

    def request(self) -> int:
        """One chat completion: build, send, parse; returns the reply's length in characters."""
        ...

    def stream(self, chunks: int) -> int:
        """One streamed completion of ``chunks`` chunks; returns how many content deltas came."""
        ...

    def close(self) -> None:
        """Release the connection pool."""
        ...


class AsyncDriver(Protocol):
    """The async twin of ``SyncDriver``."""

    async def request(self) -> int:
        """One chat completion: build, send, parse; returns the reply's length in characters."""
        ...

    async def stream(self, chunks: int) -> int:
        """One streamed completion of ``chunks`` chunks; returns how many content deltas came."""
        ...

    async def close(self) -> None:
        """Release the connection pool."""
        ...
