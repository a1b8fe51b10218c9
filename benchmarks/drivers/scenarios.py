"""The measured scenarios, run inside a driver process against one client module.

Every scenario warms up first (connections open, lazy imports done), then measures with
``perf_counter_ns`` (wall) and ``process_time_ns`` (CPU of this process: the client's work,
since the server runs in another process). Times are in microseconds, RSS in MiB.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
from collections.abc import Callable
from types import ModuleType
from typing import cast

from benchmarks.drivers._api import AsyncDriver, SyncDriver

__all__ = ["SCENARIOS", "STREAM_WARMUP", "Settings", "Unsupported", "warmup_count"]

Metrics = dict[str, float]


class Unsupported(Exception):
    """The client has no sync (or no async) flavour."""


class Settings:
    """What to run: sizes come from the command line."""

    def __init__(
        self, *, base_url: str, n: int, messages: int, chunks: int, concurrency: int
    ) -> None:
        self.base_url = base_url
        self.n = n
        self.messages = messages
        self.chunks = chunks
        self.concurrency = concurrency


def _sync(module: ModuleType, settings: Settings) -> SyncDriver:
    driver = cast("SyncDriver | None", module.sync_client(settings.base_url, settings.messages))
    if driver is None:
        raise Unsupported(f"{module.__name__} has no sync client")
    return driver


def _async(module: ModuleType, settings: Settings) -> AsyncDriver:
    driver = cast("AsyncDriver | None", module.async_client(settings.base_url, settings.messages))
    if driver is None:
        raise Unsupported(f"{module.__name__} has no async client")
    return driver


STREAM_WARMUP = 20
"""Chunks of the untimed stream a stream scenario reads first."""


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warmup_count(n: int) -> int:
    """Untimed requests a sequential scenario makes before measuring."""
    return max(3, n // 10)


def sync_sequential(module: ModuleType, settings: Settings) -> Metrics:
    """``n`` chat completions one after another on one sync client."""
    driver = _sync(module, settings)
    for _ in range(warmup_count(settings.n)):
        driver.request()
    times: list[int] = []
    cpu = time.process_time_ns()
    start = time.perf_counter_ns()
    for _ in range(settings.n):
        began = time.perf_counter_ns()
        driver.request()
        times.append(time.perf_counter_ns() - began)
    wall = time.perf_counter_ns() - start
    cpu = time.process_time_ns() - cpu
    driver.close()
    return {
        "us_per_request": statistics.median(times) / 1e3,
        "mean_us_per_request": wall / settings.n / 1e3,
        "cpu_us_per_request": cpu / settings.n / 1e3,
    }


def async_sequential(module: ModuleType, settings: Settings) -> Metrics:
    """``n`` chat completions one after another on one async client (asyncio)."""

    async def main() -> Metrics:
        driver = _async(module, settings)
        for _ in range(warmup_count(settings.n)):
            await driver.request()
        times: list[int] = []
        cpu = time.process_time_ns()
        start = time.perf_counter_ns()
        for _ in range(settings.n):
            began = time.perf_counter_ns()
            await driver.request()
            times.append(time.perf_counter_ns() - began)
        wall = time.perf_counter_ns() - start
        cpu = time.process_time_ns() - cpu
        await driver.close()
        return {
            "us_per_request": statistics.median(times) / 1e3,
            "mean_us_per_request": wall / settings.n / 1e3,
            "cpu_us_per_request": cpu / settings.n / 1e3,
        }

    return asyncio.run(main())


def async_concurrent(module: ModuleType, settings: Settings) -> Metrics:
    """``n`` chat completions from ``concurrency`` tasks sharing one async client.

    ``us_per_request`` is wall time over ``n`` (the cost of a request to the whole program);
    the latency one caller sees is about ``concurrency`` times that.
    """

    async def main() -> Metrics:
        driver = _async(module, settings)
        width = settings.concurrency
        for _ in range(2):  # open the connections
            await asyncio.gather(*(driver.request() for _ in range(width)))
        latencies: list[int] = []

        async def worker(count: int) -> None:
            for _ in range(count):
                began = time.perf_counter_ns()
                await driver.request()
                latencies.append(time.perf_counter_ns() - began)

        share, extra = divmod(settings.n, width)
        counts = [share + (1 if i < extra else 0) for i in range(width)]
        cpu = time.process_time_ns()
        start = time.perf_counter_ns()
        await asyncio.gather(*(worker(count) for count in counts))
        wall = time.perf_counter_ns() - start
        cpu = time.process_time_ns() - cpu
        await driver.close()
        return {
            "us_per_request": wall / settings.n / 1e3,
            "latency_ms_median": statistics.median(latencies) / 1e6,
            "cpu_us_per_request": cpu / settings.n / 1e3,
        }

    return asyncio.run(main())


def _stream_metrics(chunks: int, seen: int, wall: int, cpu: int, rss_before: float) -> Metrics:
    if seen != chunks - 1:  # every chunk but the last carries content
        raise RuntimeError(f"expected {chunks - 1} content deltas, got {seen}")
    peak = _peak_rss_mib()
    return {
        "us_per_chunk": wall / chunks / 1e3,
        "chunks_per_s": chunks / (wall / 1e9),
        "cpu_us_per_chunk": cpu / chunks / 1e3,
        "peak_rss_mib": peak,
        "rss_growth_mib": peak - rss_before,
    }


def sync_stream(module: ModuleType, settings: Settings) -> Metrics:
    """One streamed completion of ``chunks`` chunks on a sync client."""
    driver = _sync(module, settings)
    driver.stream(STREAM_WARMUP)
    rss = _peak_rss_mib()
    cpu = time.process_time_ns()
    start = time.perf_counter_ns()
    seen = driver.stream(settings.chunks)
    wall = time.perf_counter_ns() - start
    cpu = time.process_time_ns() - cpu
    metrics = _stream_metrics(settings.chunks, seen, wall, cpu, rss)
    driver.close()
    return metrics


def async_stream(module: ModuleType, settings: Settings) -> Metrics:
    """One streamed completion of ``chunks`` chunks on an async client (asyncio)."""

    async def main() -> Metrics:
        driver = _async(module, settings)
        await driver.stream(STREAM_WARMUP)
        rss = _peak_rss_mib()
        cpu = time.process_time_ns()
        start = time.perf_counter_ns()
        seen = await driver.stream(settings.chunks)
        wall = time.perf_counter_ns() - start
        cpu = time.process_time_ns() - cpu
        metrics = _stream_metrics(settings.chunks, seen, wall, cpu, rss)
        await driver.close()
        return metrics

    return asyncio.run(main())


SCENARIOS: dict[str, Callable[[ModuleType, Settings], Metrics]] = {
    "sync_seq": sync_sequential,
    "async_seq": async_sequential,
    "async_conc": async_concurrent,
    "sync_stream": sync_stream,
    "async_stream": async_stream,
}
"""Scenario name -> the function that measures it."""
