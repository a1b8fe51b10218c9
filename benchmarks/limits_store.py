"""Added latency of each limits store per request: one acquire + one release, on loopback.

```bash
python -m benchmarks.limits_store                 # starts its own redis-server
python -m benchmarks.limits_store --redis-url redis://127.0.0.1:6379/15 --n 5000
```

Each request takes a concurrency lease and a requests-per-minute token (a limit high enough
that nobody waits: this measures the store, not the bucket) and gives the lease back. The
in-process ``Limiter`` (what a client without a store uses) is the baseline. Then whole chat
completions through ``TokenClient`` (answered in process by a mock transport, so only the
client's own work is timed) without a store and with each store: the ``added`` figures are
what the store costs a request. Prints the median and the 99th percentile in microseconds;
target: SQLite and Redis under 1 ms median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tokenclient import TokenClient
from tokenclient._limiter import Limiter
from tokenclient.limits import Limits, LimitsStore, LocalStore, RedisStore, SQLiteStore

LIMITS = Limits(max_concurrency=10, requests_per_minute=1e9)
SCOPE = "s:benchmark"


def measure(step: Callable[[], object], n: int) -> list[float]:
    """Seconds taken by each of ``n`` calls of ``step`` (after a short warm-up)."""
    for _ in range(min(200, n)):
        step()
    times: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


async def ameasure(step: Callable[[], Awaitable[object]], n: int) -> list[float]:
    """``measure`` for a coroutine function."""
    for _ in range(min(200, n)):
        await step()
    times: list[float] = []
    for _ in range(n):
        start = time.perf_counter()
        await step()
        times.append(time.perf_counter() - start)
    return times


def store_step(store: LimitsStore) -> Callable[[], None]:
    """One request's worth of store calls."""

    def step() -> None:
        grant = store.acquire(SCOPE, LIMITS)
        store.release(SCOPE, LIMITS, grant)

    return step


def astore_step(store: LimitsStore) -> Callable[[], Awaitable[None]]:
    """One request's worth of async store calls."""

    async def step() -> None:
        grant = await store.aacquire(SCOPE, LIMITS)
        await store.arelease(SCOPE, LIMITS, grant)

    return step


def limiter_step(limiter: Limiter) -> Callable[[], None]:
    """One request through the in-process limiter."""

    def step() -> None:
        limiter.acquire()
        limiter.release()

    return step


@contextmanager
def redis_server() -> Generator[str]:
    """A throwaway redis-server on a free loopback port, persistence off, stopped by PID."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found: apt-get install redis-server, or --redis-url")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    args = [binary, "--save", "", "--appendonly", "no", "--port", str(port)]
    process = subprocess.Popen(
        [*args, "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def row(name: str, times: list[float]) -> dict[str, float | str]:
    """Median and p99 in microseconds."""
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"store": name, "median_us": statistics.median(ordered) * 1e6, "p99_us": p99 * 1e6}


_REPLY = json.dumps(
    {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1714000000,
        "model": "qwen3-8b",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
).encode()


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/json"}, content=_REPLY)


def client_of(store: LimitsStore | None) -> TokenClient:
    """A client answered in process (no network), with a lease and a rate token per request."""
    return TokenClient(
        api_key="sk-bench",
        base_url="http://127.0.0.1:9/v1",
        max_concurrency=10,
        requests_per_minute=1e9,
        limits_store=store,
        http_client=httpx.Client(transport=httpx.MockTransport(_answer)),
    )


def client_step(client: TokenClient) -> Callable[[], None]:
    """One chat completion through ``client``."""

    def step() -> None:
        client.chat.completions.create(
            model="qwen3-8b", messages=[{"role": "user", "content": "hi"}]
        )

    return step


def client_rows(n: int, redis_url: str) -> list[dict[str, float | str]]:
    """Whole requests through ``TokenClient`` without a store and with each store.

    The ``added`` columns are each store's median and p99 minus the client's without one.
    """
    measured: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        stores: list[tuple[str, LimitsStore | None]] = [
            ("TokenClient, no store", None),
            ("TokenClient + LocalStore", LocalStore()),
            ("TokenClient + SQLiteStore", SQLiteStore(Path(tmp) / "client.db")),
            ("TokenClient + RedisStore", RedisStore(redis_url)),
        ]
        for name, store in stores:
            with client_of(store) as client:
                measured.append((name, measure(client_step(client), n)))
            if store is not None:
                store.close()
    base = row(*measured[0])
    rows: list[dict[str, float | str]] = []
    for name, times in measured:
        r = row(name, times)
        r["added_median_us"] = float(r["median_us"]) - float(base["median_us"])
        r["added_p99_us"] = float(r["p99_us"]) - float(base["p99_us"])
        rows.append(r)
    return rows


def run(n: int, redis_url: str) -> list[dict[str, float | str]]:
    """Every store, sync and async, ``n`` requests each; then whole requests per client."""
    rows = [
        row(
            "Limiter (in-process, no store)",
            measure(limiter_step(Limiter(max_concurrency=10, requests_per_minute=1e9)), n),
        ),
    ]
    local = LocalStore()
    rows.append(row("LocalStore", measure(store_step(local), n)))
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = SQLiteStore(Path(tmp) / "limits.db")
        rows.append(row("SQLiteStore", measure(store_step(sqlite), n)))
        rows.append(
            row("SQLiteStore (async, thread)", asyncio.run(ameasure(astore_step(sqlite), n)))
        )
        sqlite.close()
    store = RedisStore(redis_url)
    rows.append(row("RedisStore", measure(store_step(store), n)))

    async def redis_async() -> list[float]:
        try:
            return await ameasure(astore_step(store), n)
        finally:
            await store.aclose()

    rows.append(row("RedisStore (asyncio)", asyncio.run(redis_async())))
    store.close()
    return rows + client_rows(n, redis_url)


def main() -> None:
    parser = argparse.ArgumentParser(description="Added latency of each limits store.")
    parser.add_argument("--n", type=int, default=2000, help="requests per store")
    parser.add_argument("--redis-url", help="an existing Redis (default: start one)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    options = parser.parse_args()
    if options.redis_url:
        rows = run(options.n, options.redis_url)
    else:
        with redis_server() as url:
            rows = run(options.n, url)
    print(f"{'store':34} {'median µs':>10} {'p99 µs':>10}   (acquire + release, n={options.n})")
    for r in rows:
        added = ""
        if "added_median_us" in r:
            added = f"   added: {r['added_median_us']:+.1f} / {r['added_p99_us']:+.1f}"
        print(f"{r['store']:34} {r['median_us']:>10.1f} {r['p99_us']:>10.1f}{added}")
    if options.json:
        options.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
