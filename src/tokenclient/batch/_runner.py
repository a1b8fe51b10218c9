"""``run_batch``: every request of a JSONL file, at a bounded concurrency, resumably.

The twins share everything but the loop: ``_Run`` reads the input, decides what to skip,
turns each answer or error into an output line and keeps the tally; the sync loop runs
requests on worker threads, the async one in an anyio task group. Input is read as a stream
(twice: once to refuse duplicate ``custom_id``s before anything is sent, once to send), and
no result is kept in memory, so memory stays flat in the number of items.
"""

from __future__ import annotations

import functools
import inspect
import os
import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, cast, overload

import anyio

from .._client import AsyncTokenClient, TokenClient
from .._core import batch
from .._core.cost import Cost
from .._exceptions import APIError, APIStatusError, InvalidRequestError, TokenClientError
from ._checkpoint import Checkpoint

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..types.chat_create_params import ChatCompletionCreateParams

__all__ = ["BatchInputError", "BatchProgress", "BatchSummary", "run_batch"]

ProgressCallback = Callable[["BatchProgress"], object]


class BatchInputError(TokenClientError, ValueError):
    """The input file cannot be run as a batch (duplicate ``custom_id``s, an unreadable file).

    Raised before any request is sent.
    """


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a batch run stands; given to ``on_progress`` after each item."""

    total: int
    """Items in the input (in this shard), counting those done by earlier runs."""
    succeeded: int
    """Items answered with success in this run."""
    failed: int
    """Items that ended in an error in this run (bad lines included)."""
    skipped: int
    """Items already done by an earlier run, not sent again."""
    elapsed: float
    """Seconds since the run started."""
    input_tokens: int
    """Prompt tokens of this run's successful chat requests."""
    output_tokens: int
    """Completion tokens of this run's successful chat requests."""
    stopping: bool = False
    """True once Ctrl-C asked the run to start nothing new (the requests in flight finish)."""
    cost: Mapping[str, Decimal] = field(default_factory=dict[str, Decimal])
    """What this run's successful requests cost, per currency: the provider's ``usage.cost``
    or the client's ``Pricing``; requests with neither are not counted (never a guess)."""

    @property
    def done(self) -> int:
        """Items finished, in this run or before."""
        return self.succeeded + self.failed + self.skipped

    @property
    def rate(self) -> float:
        """Items finished per second in this run."""
        finished = self.succeeded + self.failed
        return finished / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds until every item is done at the current rate (None before the first)."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None


@dataclass(frozen=True, slots=True)
class BatchSummary(BatchProgress):
    """The end of a batch run: the final tally, and whether it was stopped early."""

    interrupted: bool = False
    """True when Ctrl-C (or a cancellation) stopped the run before every item was done."""
    output: str = ""
    """The output file."""


class _Run:
    """What the twins share: the checkpoint, the tally, and the line for each outcome."""

    def __init__(
        self,
        source: Path,
        output: Path,
        *,
        shard: tuple[int, int] | None,
        retry_failed: bool,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.source = source
        self.output = output
        self.shard = shard
        self.on_progress = on_progress
        self.total = _check_input(source, shard)
        self.checkpoint = Checkpoint(output)
        if retry_failed:
            self.checkpoint.forget_failed()
        self.started = time.monotonic()
        self.succeeded = self.failed = self.skipped = 0
        self.input_tokens = self.output_tokens = 0
        self.cost: dict[str, Decimal] = {}
        self.stopping = threading.Event()
        """Set by the first Ctrl-C: start no new request."""
        self.cancelled = threading.Event()
        """Set by the second Ctrl-C (sync twin): results still arriving are dropped, unrecorded,
        so the next run sends those requests again."""
        self._lock = threading.Lock()

    def pending(self) -> Iterator[batch.BatchItem]:
        """The items to send, in input order; done items are skipped, bad lines answered."""
        for entry in _entries(self.source, self.shard):
            if self.stopping.is_set():
                return
            if self.checkpoint.is_done(entry.custom_id):
                self._count(skipped=1)
            elif isinstance(entry, batch.InputProblem):
                self.fail(entry.custom_id, entry.code, entry.message)
            elif entry.billable and self.checkpoint.was_started(entry.custom_id):
                # Sent by a run that died before recording it: it may have been billed.
                self.fail(
                    entry.custom_id,
                    "interrupted",
                    "sent by an interrupted run and may have been billed; not resent "
                    "(run again with --retry-failed to resend it)",
                )
            else:
                yield entry

    def begin(self, item: batch.BatchItem) -> None:
        """Just before sending: a billable request is marked as possibly billed from now on."""
        if item.billable:
            self.checkpoint.start(item.custom_id)

    def succeed(self, item: batch.BatchItem, reply: BaseModel) -> None:
        if self.cancelled.is_set():
            return
        body = reply.model_dump(mode="json", exclude_unset=True, by_alias=True)
        request_id = cast("str | None", getattr(reply, "_request_id", None))
        line = batch.success_line(item.custom_id, status_code=200, request_id=request_id, body=body)
        self.checkpoint.record(item.custom_id, line, ok=True)
        usage = getattr(reply, "usage", None)
        cost = getattr(reply, "cost", None)
        if isinstance(cost, Cost):
            with self._lock:
                self.cost[cost.currency] = self.cost.get(cost.currency, Decimal(0)) + cost.amount
        self._count(
            succeeded=1,
            input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        )

    def error(self, item: batch.BatchItem, error: Exception) -> None:
        """Record a request's failure; anything that is not a tokenclient error is a bug."""
        if self.cancelled.is_set():
            return
        if isinstance(error, APIStatusError):
            line = batch.error_line(
                item.custom_id,
                code=str(error.code or error.type or f"http_{error.status_code}"),
                message=error.message,
                status_code=error.status_code,
                request_id=error.request_id,
                body=error.body,
            )
            self.checkpoint.record(item.custom_id, line, ok=False)
            self._count(failed=1)
        elif isinstance(error, InvalidRequestError):
            self.fail(item.custom_id, "invalid_body", str(error))
        elif isinstance(error, APIError):
            self.fail(item.custom_id, _snake(type(error).__name__), error.message)
        else:
            raise error

    def fail(self, custom_id: str, code: str, message: str) -> None:
        line = batch.error_line(custom_id, code=code, message=message)
        self.checkpoint.record(custom_id, line, ok=False)
        self._count(failed=1)

    def _count(
        self,
        *,
        succeeded: int = 0,
        failed: int = 0,
        skipped: int = 0,
        input_tokens: int = 0,
        output_tokens: int = 0,
    ) -> None:
        with self._lock:
            self.succeeded += succeeded
            self.failed += failed
            self.skipped += skipped
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            snapshot = self.progress()
        if self.on_progress is not None and (succeeded or failed):
            self.on_progress(snapshot)

    def progress(self) -> BatchProgress:
        return BatchProgress(
            total=self.total,
            succeeded=self.succeeded,
            failed=self.failed,
            skipped=self.skipped,
            elapsed=time.monotonic() - self.started,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            stopping=self.stopping.is_set(),
            cost=dict(self.cost),
        )

    def stop(self) -> None:
        """The first Ctrl-C: start nothing new; ``on_progress`` hears it at once."""
        self.stopping.set()
        if self.on_progress is not None:
            with self._lock:
                snapshot = self.progress()
            self.on_progress(snapshot)

    def summary(self) -> BatchSummary:
        now = self.progress()
        return BatchSummary(
            total=now.total,
            succeeded=now.succeeded,
            failed=now.failed,
            skipped=now.skipped,
            elapsed=now.elapsed,
            input_tokens=now.input_tokens,
            output_tokens=now.output_tokens,
            cost=now.cost,
            interrupted=now.done < now.total,
            output=str(self.output),
        )


def _snake(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return out.replace("a_p_i_", "api_")


def _entries(
    source: Path, shard: tuple[int, int] | None
) -> Iterator[batch.BatchItem | batch.InputProblem]:
    with source.open("rb") as file:
        for number, raw in enumerate(file, 1):
            entry = batch.parse_line(raw, number)
            if entry is not None and batch.in_shard(entry.custom_id, shard):
                yield entry


def _check_input(source: Path, shard: tuple[int, int] | None) -> int:
    """Count this shard's items and refuse duplicate ``custom_id``s, before anything is sent.

    The ids seen go into a temporary SQLite table, not a Python set, so a file of millions of
    lines does not take its size in memory.
    """
    if not source.is_file():
        raise BatchInputError(f"input: no such file: {source}")
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE TABLE seen (custom_id TEXT PRIMARY KEY, line INTEGER)")
        count = 0
        for entry in _entries(source, shard):
            try:
                db.execute("INSERT INTO seen VALUES (?, ?)", (entry.custom_id, entry.line))
            except sqlite3.IntegrityError:
                (first,) = db.execute(
                    "SELECT line FROM seen WHERE custom_id = ?", (entry.custom_id,)
                ).fetchone()
                raise BatchInputError(
                    f"input: custom_id {entry.custom_id!r} appears twice (lines {first} and "
                    f"{entry.line}); every custom_id must be unique"
                ) from None
            count += 1
        return count
    finally:
        db.close()


@functools.cache
def _image_parameters() -> frozenset[str]:
    from ..resources.images import Images

    return frozenset(inspect.signature(Images.generate).parameters) - {"self"}


def _image_arguments(body: dict[str, object]) -> dict[str, object]:
    """The body as ``images.generate`` keywords; unknown fields refused by name."""
    unknown = sorted(set(body) - _image_parameters())
    if unknown:
        raise InvalidRequestError(
            f"{unknown[0]}: not an image generation parameter (use extra_body for "
            "provider-specific fields)"
        )
    return body


def _chat_arguments(body: dict[str, object]) -> ChatCompletionCreateParams:
    if body.get("stream"):
        raise InvalidRequestError("stream: a batch request cannot be streamed")
    return cast("ChatCompletionCreateParams", {k: v for k, v in body.items() if k != "stream"})


def _send(client: TokenClient, item: batch.BatchItem) -> BaseModel:
    if item.endpoint == "chat":
        return client.chat.completions.create(**_chat_arguments(item.body))
    return client.images.generate(**_image_arguments(item.body))  # type: ignore[arg-type]  # checked by name above; values by generate()


async def _send_async(client: AsyncTokenClient, item: batch.BatchItem) -> BaseModel:
    if item.endpoint == "chat":
        return await client.chat.completions.create(**_chat_arguments(item.body))
    return await client.images.generate(**_image_arguments(item.body))  # type: ignore[arg-type]  # checked by name above; values by generate()


def _run_sync(client: TokenClient, run: _Run, concurrency: int) -> None:
    # Daemon worker threads, not a ThreadPoolExecutor: after a second Ctrl-C the process must
    # be able to exit without waiting for the requests it abandoned (an executor's threads are
    # joined at interpreter exit). A bounded queue keeps the reading at most one queue ahead.
    work: queue.Queue[batch.BatchItem | None] = queue.Queue(maxsize=concurrency)
    failures: list[BaseException] = []

    def worker() -> None:
        while (item := work.get()) is not None:
            if run.stopping.is_set():
                continue  # queued but not started: the next run sends it
            try:
                run.begin(item)
                run.succeed(item, _send(client, item))
            except Exception as error:
                try:
                    run.error(item, error)
                except Exception as bug:
                    failures.append(bug)
                    run.stopping.set()

    threads = [
        threading.Thread(target=worker, name=f"tokenclient-batch-{n}", daemon=True)
        for n in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    try:
        try:
            for item in run.pending():
                work.put(item)
        except KeyboardInterrupt:
            run.stop()  # start nothing new; let the requests in flight finish
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        # A second Ctrl-C: abandon the requests in flight. Their results are not recorded, so
        # the next run sends them again (billable ones are reported as interrupted instead).
        run.cancelled.set()
        raise
    if failures:
        raise failures[0]


async def _run_async(
    client: AsyncTokenClient, run: _Run, concurrency: int, handle_signals: bool
) -> None:
    free = anyio.Semaphore(concurrency)

    async def one(item: batch.BatchItem) -> None:
        try:
            run.begin(item)
            run.succeed(item, await _send_async(client, item))
        except Exception as error:
            run.error(item, error)
        finally:
            free.release()

    async with anyio.create_task_group() as outer:
        async with anyio.create_task_group() as requests:
            if handle_signals:
                outer.start_soon(_watch_interrupts, run, requests.cancel_scope)
            for item in run.pending():
                await free.acquire()
                if run.stopping.is_set():
                    free.release()
                    break
                requests.start_soon(one, item)
        outer.cancel_scope.cancel()  # the signal watcher


async def _watch_interrupts(run: _Run, requests: anyio.CancelScope) -> None:
    """First Ctrl-C: start nothing new. Second: cancel the requests in flight."""
    with anyio.open_signal_receiver(signal.SIGINT) as signals:
        async for _ in signals:
            if run.stopping.is_set():
                requests.cancel()
                return
            run.stop()


@overload
def run_batch(
    client: TokenClient,
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    concurrency: int = 32,
    shard: str | tuple[int, int] | None = None,
    retry_failed: bool = False,
    on_progress: ProgressCallback | None = None,
    handle_signals: bool = False,
) -> BatchSummary: ...
@overload
def run_batch(
    client: AsyncTokenClient,
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    concurrency: int = 32,
    shard: str | tuple[int, int] | None = None,
    retry_failed: bool = False,
    on_progress: ProgressCallback | None = None,
    handle_signals: bool = False,
) -> Awaitable[BatchSummary]: ...
def run_batch(
    client: TokenClient | AsyncTokenClient,
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    concurrency: int = 32,
    shard: str | tuple[int, int] | None = None,
    retry_failed: bool = False,
    on_progress: ProgressCallback | None = None,
    handle_signals: bool = False,
) -> BatchSummary | Awaitable[BatchSummary]:
    """Send every request of ``input`` (OpenAI batch JSONL) and append results to ``output``.

    With a ``TokenClient`` it runs on ``concurrency`` worker threads and returns the summary;
    with an ``AsyncTokenClient`` it returns an awaitable (asyncio or trio). The client's
    retries, limits and timeouts apply to every request.

    Args:
        client: The client that sends the requests.
        input: The requests, one JSON object per line (``custom_id``, ``method``, ``url``,
            ``body``); ``url`` is ``/v1/chat/completions`` or ``/v1/images/generations``.
        output: Where results are appended, one line per ``custom_id``; its checkpoint is
            ``<output>.state``. Running again with the same files skips what is done.
        concurrency: Requests in flight at most.
        shard: ``"K/N"``: only the K-th of N deterministic shares of the ``custom_id``s, for
            N runners on N machines (merge their outputs with ``merge_outputs``).
        retry_failed: Drop the recorded failures from the output and send them again.
        on_progress: Called with a ``BatchProgress`` after each finished item.
        handle_signals: (async) The first Ctrl-C starts nothing new and lets the requests in
            flight finish; the second cancels them. The sync twin always stops starting new
            requests on Ctrl-C.

    Raises:
        BatchInputError: Duplicate ``custom_id``s or a missing input file (nothing is sent).
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidRequestError(f"concurrency: expected an integer >= 1, got {concurrency!r}")
    try:
        parts = (
            batch.parse_shard(shard if isinstance(shard, str) else f"{shard[0]}/{shard[1]}")
            if shard is not None
            else None
        )
    except (ValueError, TypeError, IndexError) as exc:
        raise InvalidRequestError(
            str(exc) if isinstance(exc, ValueError) else f"shard: expected 'K/N', got {shard!r}"
        ) from None
    source, target = Path(input).expanduser(), Path(output).expanduser()

    def start() -> _Run:
        return _Run(source, target, shard=parts, retry_failed=retry_failed, on_progress=on_progress)

    if isinstance(client, AsyncTokenClient):

        async def run_async() -> BatchSummary:
            run = start()
            try:
                await _run_async(client, run, concurrency, handle_signals)
            finally:
                run.checkpoint.close()
            return run.summary()

        return run_async()
    run = start()
    try:
        _run_sync(client, run, concurrency)
    finally:
        run.checkpoint.close()
    return run.summary()
