"""``tokenclient batch``: run a JSONL file of requests; ``tokenclient batch merge``: join shards.

The run is ``tokenclient.batch.run_batch`` on the command's client. On a terminal the progress
is one line redrawn in place (done/total, rate, ETA, errors, tokens); elsewhere a plain line
every few seconds. A summary table ends the run. The first Ctrl-C starts nothing new and
lets the requests in flight finish; the second abandons them (they are sent again by the next
run). Exit codes: 0 when every item succeeded, 1 when some failed, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import threading
from typing import TextIO

from .._client import TokenClient
from ..batch import BatchProgress, BatchSummary, merge_outputs, run_batch
from .errors import EXIT_API, EXIT_INTERRUPTED, EXIT_USAGE, CliError
from .runtime import Runtime

__all__ = ["batch"]

_PLAIN_EVERY = 5.0
"""Seconds between progress lines when stderr is not a terminal."""
_LIVE_EVERY = 0.1
"""Seconds between redraws of the live line."""


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def progress_line(progress: BatchProgress) -> str:
    """``1234/5000 (24%)  41.3/s  ETA 1m31s  3 errors  12,345 in / 67,890 out tokens``."""
    share = f" ({100 * progress.done // progress.total}%)" if progress.total else ""
    eta = progress.eta
    parts = [
        f"{progress.done}/{progress.total}{share}",
        f"{progress.rate:.1f}/s",
        f"ETA {_duration(eta)}" if eta is not None else "ETA -",
        f"{progress.failed} error{'s' if progress.failed != 1 else ''}",
        f"{progress.input_tokens:,} in / {progress.output_tokens:,} out tokens",
        *(f"{amount:.4f} {currency}" for currency, amount in sorted(progress.cost.items())),
    ]
    return "  ".join(parts)


class _Display:
    """Shows progress on ``stream``: redrawn in place on a terminal, periodic lines elsewhere.

    Called from the run's worker threads, so it takes a lock.
    """

    def __init__(self, stream: TextIO, runtime: Runtime) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._clock = runtime.clock
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._width = 0
        self._stopping = False

    def update(self, progress: BatchProgress) -> None:
        now = self._clock()
        with self._lock:
            if progress.stopping and not self._stopping:
                self._stopping = True
                if self._live:
                    self._stream.write("\n")
                self._stream.write(
                    "tokenclient: stopping: no new requests; waiting for those in flight "
                    "(Ctrl-C again to abandon them)\n"
                )
                self._stream.flush()
                self._width = 0
            if now - self._last < (_LIVE_EVERY if self._live else _PLAIN_EVERY):
                return
            self._last = now
            self._show(progress_line(progress))

    def _show(self, line: str) -> None:
        if self._live:
            self._stream.write("\r" + line + " " * max(0, self._width - len(line)))
            self._width = len(line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def close(self, summary: BatchSummary) -> None:
        with self._lock:
            self._show(progress_line(summary))
            if self._live:
                self._stream.write("\n")
                self._stream.flush()


def _table(summary: BatchSummary) -> str:
    rate = (summary.succeeded + summary.failed) / summary.elapsed if summary.elapsed else 0.0
    rows = [
        ("succeeded", f"{summary.succeeded:,}"),
        ("failed", f"{summary.failed:,}"),
        ("skipped", f"{summary.skipped:,} (done by an earlier run)"),
        ("tokens", f"{summary.input_tokens:,} in / {summary.output_tokens:,} out"),
        ("cost", ", ".join(f"{a} {c}" for c, a in sorted(summary.cost.items())) or "unknown"),
        ("time", f"{summary.elapsed:.1f}s ({rate:.1f} requests/s)"),
        ("output", summary.output),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


def _merge(args: argparse.Namespace, runtime: Runtime) -> None:
    if len(args.files) < 2:
        raise CliError("batch merge: give the shard outputs to merge", EXIT_USAGE)
    count = merge_outputs(args.files[1:], args.output, requests=args.requests)
    runtime.stdout.write(f"{count} results written to {args.output}\n")


def batch(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> int:
    """Run the requests file (or merge shard outputs); the exit code."""
    if args.files[0] == "merge":
        _merge(args, runtime)
        return 0
    if len(args.files) != 1:
        raise CliError(
            "batch: give one requests file (or `batch merge A B ... -o OUT`)", EXIT_USAGE
        )
    display = _Display(runtime.stderr, runtime)
    try:
        summary = run_batch(
            client,
            args.files[0],
            args.output,
            concurrency=args.concurrency,
            shard=args.shard,
            retry_failed=args.retry_failed,
            on_progress=display.update,
        )
    except KeyboardInterrupt:
        runtime.stderr.write(
            "\ntokenclient: interrupted; the requests in flight were abandoned; run the same "
            f"command again to resume (results so far are in {args.output})\n"
        )
        return EXIT_INTERRUPTED
    display.close(summary)
    runtime.stderr.write(_table(summary) + "\n")
    if summary.interrupted:
        runtime.stderr.write("tokenclient: interrupted; run the same command again to resume.\n")
        return EXIT_INTERRUPTED
    if summary.failed:
        runtime.stderr.write(
            f"tokenclient: error: {summary.failed} of {summary.total} requests failed; their "
            f"errors are in {args.output}; send them again with --retry-failed\n"
        )
        return EXIT_API
    return 0
