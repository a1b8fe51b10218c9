"""Async helpers that load anyio on first use, so ``import tokenclient`` (and a sync program)
never does."""

from __future__ import annotations

__all__ = ["sleep"]


async def sleep(seconds: float) -> None:
    """``anyio.sleep``, with anyio imported on the first call."""
    import anyio

    await anyio.sleep(seconds)
