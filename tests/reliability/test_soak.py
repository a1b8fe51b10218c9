"""The soak, small enough for the full check, and proof that its checks can fail."""

from __future__ import annotations

import gc

import anyio
import pytest

from tokenclient import AsyncStream
from tokenclient.types.chat import ChatCompletionChunk

from .soak import Tolerance, run_soak


@pytest.mark.slow
def test_soak_keeps_connections_fds_and_memory_flat() -> None:
    report = anyio.run(lambda: run_soak(1500, concurrency=50), backend="asyncio")
    assert report.problems(Tolerance()) == [], report.table()
    assert report.outcomes["stream"] > 500
    assert report.fds_after <= report.baseline_fds + Tolerance().fds_after
    assert len(report.samples) >= 20


@pytest.mark.slow
def test_the_soak_catches_a_stream_that_leaks_its_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept: list[AsyncStream[ChatCompletionChunk]] = []

    async def leaky_exit(self: AsyncStream[ChatCompletionChunk], *exc_info: object) -> None:
        kept.append(self)  # a reference kept somewhere, and the stream never closed

    # Only the soak's early closes leave through `async with`: 36 of 300 requests leak.
    monkeypatch.setattr(AsyncStream, "__aexit__", leaky_exit)
    report = anyio.run(lambda: run_soak(300, concurrency=50), backend="asyncio")
    assert len(kept) == report.outcomes["early-close"] > 0
    problems = report.problems(Tolerance())
    assert any("connections open for 50 in flight" in p for p in problems), report.table()
    # Dropped unclosed, each leaked stream gives its client-side slot back, with a warning.
    kept.clear()
    with pytest.warns(ResourceWarning, match="unclosed response to POST"):
        gc.collect()
