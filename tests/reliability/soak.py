"""Soak: thousands of requests through the bundled server; connections, fds and RSS stay flat.

Run it with ``scripts/soak`` (``--requests N``, default 5,000) or import ``run_soak``. The
``AsyncTokenClient`` sends, at concurrency 50, a mix of plain completions, fully read
streams, streams closed after their first chunk, and faults that exercise the error paths
(a stream dropped mid-body, an HTML 502, bad JSON on a 200). Every ``sample_every`` requests
it samples the pool's open connections, this process's open file descriptors and its RSS,
then compares the first and the last quarter of the samples. It exits 1 when one grew beyond
its tolerance or a request ended in an unexpected way.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import httpx

from tokenclient import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncTokenClient,
    InternalServerError,
)
from tokenclient.testing import FakeAPI, serve
from tokenclient.types import ChatCompletionMessageParam

__all__ = ["Sample", "SoakReport", "Tolerance", "main", "run_soak"]

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "soak test message"}]
KINDS = ("plain", "stream", "stream", "early-close", "plain", "stream", "stream-drop", "html-502")
"""The request mix, repeated; plus a bad-json request every 50th request."""


@dataclass(frozen=True, slots=True)
class Sample:
    """Resource use after ``done`` requests."""

    done: int
    connections: int
    fds: int
    rss_mb: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Slack on the bounds ``SoakReport.problems`` checks."""

    fds: int = 10
    """File descriptors beyond the baseline plus two per allowed connection."""
    fds_after: int = 3
    """File descriptors beyond the baseline once the client and the server are closed."""
    rss_mb: float = 25.0
    """Growth of the peak RSS from the first to the last quarter of the run."""


RSS_TOLERANCE_MB = 25.0


@dataclass(slots=True)
class SoakReport:
    """What a soak run saw."""

    requests: int
    concurrency: int
    samples: list[Sample] = field(default_factory=list[Sample])
    outcomes: Counter[str] = field(default_factory=Counter[str])
    seconds: float = 0.0
    baseline_fds: int = 0
    """Open file descriptors before the server and the client started."""
    fds_after: int = 0
    """Open file descriptors once both were closed again."""

    def quarters(self) -> tuple[Sample, Sample]:
        """The largest value of each measure in the first and in the last quarter of samples."""
        quarter = max(len(self.samples) // 4, 1)
        return _peak(self.samples[:quarter]), _peak(self.samples[-quarter:])

    def problems(self, tolerance: Tolerance) -> list[str]:
        """Why this run failed; empty when it passed.

        Open connections vary with the mix (early closes and drops cost a connection each),
        so they are held to hard bounds rather than compared: never more connections than
        requests in flight, never more descriptors than two per connection (client and
        server side) over the baseline, and back to the baseline once everything is closed.
        RSS, which moves smoothly, must not grow from the first quarter to the last.
        """
        found = [f"{count} x {name}" for name, count in self.outcomes.items() if name[-1] == "!"]
        if sum(self.outcomes.values()) != self.requests:
            found.append(f"{sum(self.outcomes.values())} of {self.requests} requests finished")
        most_connections = max(s.connections for s in self.samples)
        if most_connections > self.concurrency:
            found.append(f"{most_connections} connections open for {self.concurrency} in flight")
        fd_bound = self.baseline_fds + 2 * self.concurrency + tolerance.fds
        most_fds = max(s.fds for s in self.samples)
        if most_fds > fd_bound:
            found.append(f"{most_fds} file descriptors open (bound {fd_bound})")
        if self.fds_after > self.baseline_fds + tolerance.fds_after:
            found.append(f"file descriptors leaked: {self.baseline_fds} -> {self.fds_after}")
        first, last = self.quarters()
        if last.rss_mb > first.rss_mb + tolerance.rss_mb:
            found.append(f"RSS grew: {first.rss_mb:.1f} MB -> {last.rss_mb:.1f} MB")
        return found

    def table(self) -> str:
        """The samples and the quarter comparison, as a text table."""
        lines = [f"{'requests':>9} {'conns':>6} {'fds':>5} {'rss MB':>8} {'seconds':>8}"]
        lines += [
            f"{s.done:>9} {s.connections:>6} {s.fds:>5} {s.rss_mb:>8.1f} {s.seconds:>8.2f}"
            for s in self.samples
        ]
        first, last = self.quarters()
        lines.append("")
        lines.append(f"{'peak':>9} {'conns':>6} {'fds':>5} {'rss MB':>8}")
        for name, sample in (("first 1/4", first), ("last 1/4", last)):
            lines.append(f"{name:>9} {sample.connections:>6} {sample.fds:>5} {sample.rss_mb:>8.1f}")
        rate = self.requests / self.seconds if self.seconds else 0.0
        lines.append("")
        lines.append(f"file descriptors: {self.baseline_fds} before, {self.fds_after} after")
        lines.append(
            f"{self.requests} requests at concurrency {self.concurrency} in "
            f"{self.seconds:.1f} s ({rate:.0f}/s); outcomes: {dict(sorted(self.outcomes.items()))}"
        )
        return "\n".join(lines)


def _peak(samples: list[Sample]) -> Sample:
    return Sample(
        done=samples[-1].done,
        connections=max(s.connections for s in samples),
        fds=max(s.fds for s in samples),
        rss_mb=max(s.rss_mb for s in samples),
        seconds=samples[-1].seconds,
    )


def open_fds() -> int:
    """File descriptors open in this process."""
    directory = Path("/proc/self/fd")
    if not directory.is_dir():  # macOS, BSD
        directory = Path("/dev/fd")
    return len(os.listdir(directory))


def rss_mb() -> float:
    """This process's resident set size now (Linux), else its peak (``getrusage``)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        pages = int(statm.read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def pool_size(client: AsyncTokenClient) -> int:
    """Connections open in ``client``'s pool."""
    transport = client._http._transport
    assert isinstance(transport, httpx.AsyncHTTPTransport)
    return len(transport._pool.connections)


async def _one(client: AsyncTokenClient, index: int) -> str:
    """Send request number ``index`` of the mix; return how it ended."""
    kind = "bad-json" if index % 50 == 49 else KINDS[index % len(KINDS)]
    chat = client.chat.completions
    try:
        if kind == "plain":
            await chat.create(model="qwen3-8b", messages=HELLO)
        elif kind == "bad-json":
            await chat.create(model="bad-json", messages=HELLO)
        elif kind == "html-502":
            await chat.create(model="html-502", messages=HELLO)
        elif kind == "early-close":
            async with await chat.create(model="qwen3-8b", messages=HELLO, stream=True) as s:
                await s.__anext__()
        else:
            model = "stream-drop" if kind == "stream-drop" else "qwen3-8b"
            stream = await chat.create(model=model, messages=HELLO, stream=True)
            async for _ in stream:
                pass
    except APIConnectionError:
        return kind if kind == "stream-drop" else f"{kind}: connection error!"
    except InternalServerError:
        return kind if kind == "html-502" else f"{kind}: server error!"
    except APIResponseValidationError:
        return kind if kind == "bad-json" else f"{kind}: validation error!"
    return kind if kind in ("plain", "stream", "early-close") else f"{kind}: succeeded!"


async def run_soak(requests: int, *, concurrency: int = 50, sample_every: int = 0) -> SoakReport:
    """Send ``requests`` requests through a bundled server; sample as they complete."""
    report = SoakReport(requests=requests, concurrency=concurrency, baseline_fds=open_fds())
    every = sample_every or max(requests // 20, 1)
    next_index = 0
    start = time.monotonic()
    with serve(api=FakeAPI(api_key="sk-soak")) as base_url:
        async with AsyncTokenClient(
            api_key="sk-soak", base_url=base_url, max_retries=0, timeout=30.0
        ) as client:

            def sample() -> None:
                report.samples.append(
                    Sample(
                        done=sum(report.outcomes.values()),
                        connections=pool_size(client),
                        fds=open_fds(),
                        rss_mb=rss_mb(),
                        seconds=time.monotonic() - start,
                    )
                )

            async def worker() -> None:
                nonlocal next_index
                while next_index < requests:
                    index, next_index = next_index, next_index + 1
                    report.outcomes[await _one(client, index)] += 1
                    if sum(report.outcomes.values()) % every == 0:
                        sample()

            async with anyio.create_task_group() as group:
                for _ in range(concurrency):
                    group.start_soon(worker)
            if not report.samples or report.samples[-1].done != requests:
                sample()
    report.seconds = time.monotonic() - start
    for _ in range(500):  # at most ~5 s: server threads close their sockets as they finish
        if open_fds() <= report.baseline_fds:
            break
        await anyio.sleep(0.01)
    report.fds_after = open_fds()
    return report


def main(argv: list[str] | None = None) -> int:
    """``scripts/soak``: run, print the table, exit 1 on growth or unexpected outcomes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=5000, help="how many (default 5000)")
    parser.add_argument("--concurrency", type=int, default=50, help="in flight (default 50)")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--rss-tolerance-mb", type=float, default=RSS_TOLERANCE_MB)
    args = parser.parse_args(argv)
    report = anyio.run(
        lambda: run_soak(args.requests, concurrency=args.concurrency), backend=args.backend
    )
    print(report.table())
    problems = report.problems(Tolerance(rss_mb=args.rss_tolerance_mb))
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if not problems:
        print("OK: connections, file descriptors and RSS stayed within their bounds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
