"""Batch throughput: ``run_batch`` against a hand-written ``asyncio.gather`` over raw httpx.

``python -m benchmarks.batch [--requests 5000] [--concurrency 64] [--rounds 3]`` starts the
canned benchmark server, writes a JSONL file of chat requests, and in each round runs, in
alternating order:

- **httpx**: what a user writes by hand: read the lines, ``asyncio.gather`` one task per line
  behind an ``asyncio.Semaphore(concurrency)`` over one ``httpx.AsyncClient``, ``json.loads``
  each reply and append one output line per result (no checkpoint, no resume);
- **tokenclient**: ``await run_batch(client, requests, results, concurrency=...)`` with an
  ``AsyncTokenClient`` (validation, retries, the SQLite checkpoint: all on).

It reports each side's requests per second and CPU seconds, and the median over rounds of
the per-round throughput ratio (tokenclient / httpx; the target is >= 0.9).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tokenclient import AsyncTokenClient
from tokenclient.batch import run_batch

LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


def write_requests(path: Path, count: int) -> None:
    with path.open("w") as file:
        for i in range(count):
            body = {"model": "bench", "messages": [{"role": "user", "content": f"question {i}"}]}
            line = {"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions"}
            file.write(json.dumps({**line, "body": body}) + "\n")


async def by_hand(base_url: str, requests: Path, results: Path, concurrency: int) -> None:
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=LIMITS) as client:
        with results.open("w") as out:

            async def one(line: str) -> None:
                item = json.loads(line)
                async with semaphore:
                    response = await client.post(
                        "/chat/completions",
                        content=json.dumps(item["body"]),
                        headers={"authorization": "Bearer sk-bench"},
                    )
                body = json.loads(response.content)
                record = {"custom_id": item["custom_id"], "response": {"body": body}}
                out.write(json.dumps(record) + "\n")

            with requests.open() as lines:  # read as it goes, as run_batch does
                await asyncio.gather(*(one(line) for line in lines))


async def with_tokenclient(base_url: str, requests: Path, results: Path, concurrency: int) -> None:
    async with AsyncTokenClient(api_key="sk-bench", base_url=base_url) as client:
        summary = await run_batch(client, requests, results, concurrency=concurrency)
    assert summary.failed == 0, summary


def timed(run: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run)  # type: ignore[arg-type]  # a coroutine
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen(  # the canned server, in its own process
        [sys.executable, "-m", "benchmarks.server"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base_url = f"http://127.0.0.1:{server.stdout.readline().strip()}/v1"
        folder = Path(tempfile.mkdtemp(prefix="bench-batch-"))
        requests = folder / "requests.jsonl"
        write_requests(requests, args.requests)
        ratios: list[float] = []
        rows: list[tuple[int, float, float, float, float]] = []
        for round_ in range(args.rounds):
            runs: dict[str, tuple[float, float]] = {}
            order = ["httpx", "tokenclient"] if round_ % 2 == 0 else ["tokenclient", "httpx"]
            for name in order:
                results = folder / f"{name}-{round_}.jsonl"
                for stale in (results, results.with_name(results.name + ".state")):
                    stale.unlink(missing_ok=True)
                run = by_hand if name == "httpx" else with_tokenclient
                runs[name] = timed(run(base_url, requests, results, args.concurrency))
            (hw, hc), (tw, tc) = runs["httpx"], runs["tokenclient"]
            ratios.append(hw / tw)  # throughput ratio: tokenclient's rate over httpx's
            rows.append((round_ + 1, hw, hc, tw, tc))
        print(
            f"{args.requests} chat requests, concurrency {args.concurrency}, {args.rounds} rounds"
        )
        print("round | httpx req/s | httpx CPU s | tokenclient req/s | tokenclient CPU s | ratio")
        for (number, hw, hc, tw, tc), ratio in zip(rows, ratios, strict=True):
            print(
                f"{number:5d} | {args.requests / hw:11.0f} | {hc:11.2f} | "
                f"{args.requests / tw:17.0f} | {tc:17.2f} | {ratio:5.2f}x"
            )
        spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
        print(
            f"median throughput ratio (tokenclient / httpx): {statistics.median(ratios):.2f}x "
            f"(range {spread}; target >= 0.90x)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
