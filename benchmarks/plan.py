"""What a benchmark run measures: the driver jobs, the table rows read from them, the sizes.

A *job* is one driver invocation (one client, one scenario, fixed sizes) per client per round;
a *row* reads one metric from one job (or two jobs, for a difference). Imports are jobs of
their own kind: a fresh interpreter times ``import X`` in-process, which leaves interpreter
start-up out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "IMPORT_SNIPPETS",
    "READY_SNIPPETS",
    "SUITES",
    "Job",
    "Row",
    "Sizes",
    "Suite",
    "sizes_for",
]


@dataclass(frozen=True)
class Sizes:
    """How much work each job does; ``--quick`` shrinks everything."""

    rounds: int
    """Interleaved rounds; the report gives medians over them."""
    import_repeats: int
    """Fresh interpreters per client per round for the import rows."""
    requests: int
    """Requests per sequential job."""
    concurrent_requests: int
    """Requests per concurrent job (spread over ``concurrency`` tasks)."""
    concurrency: int
    """Tasks sharing one async client in the concurrent job."""
    chunks: int
    """Chunks in the long stream."""
    short_chunks: int
    """Chunks in the short stream (peak RSS must not depend on the length)."""


NORMAL = Sizes(
    rounds=5,
    import_repeats=4,
    requests=1000,
    concurrent_requests=500,
    concurrency=50,
    chunks=50_000,
    short_chunks=10_000,
)
QUICK = Sizes(
    rounds=3,
    import_repeats=2,
    requests=200,
    concurrent_requests=200,
    concurrency=50,
    chunks=20_000,
    short_chunks=4_000,
)


def sizes_for(*, quick: bool, rounds: int | None = None) -> Sizes:
    """The sizes of a normal or ``--quick`` run, with ``rounds`` overridden when given."""
    sizes = QUICK if quick else NORMAL
    if rounds is None:
        return sizes
    return Sizes(**{**sizes.__dict__, "rounds": rounds})


@dataclass(frozen=True)
class Job:
    """One measurement a round makes for each client."""

    key: str
    """Name in the JSON results."""
    scenario: str
    """A driver scenario (``benchmarks.drivers.scenarios.SCENARIOS``), or ``import``/``ready``."""
    messages: int = 2
    """Messages in each request."""
    stream: str = ""
    """``long``/``short`` for stream jobs: which ``Sizes`` chunk count they use."""

    def driver_args(self, sizes: Sizes) -> list[str]:
        """The size arguments of ``python -m benchmarks.drivers``."""
        n = sizes.concurrent_requests if self.scenario == "async_conc" else sizes.requests
        chunks = sizes.short_chunks if self.stream == "short" else sizes.chunks
        return [
            f"--n={n}",
            f"--messages={self.messages}",
            f"--chunks={chunks}",
            f"--concurrency={sizes.concurrency}",
        ]


@dataclass(frozen=True)
class Row:
    """One line of the table: a metric of a job, compared across clients."""

    label: str
    """What the table shows; ``{chunks}``, ``{short}`` and ``{concurrency}`` are filled in."""
    job: str
    """The ``Job.key`` it reads."""
    metric: str
    """The metric the driver reports (``value`` for imports)."""
    unit: str
    """Unit of the absolute numbers."""
    target: float | None = None
    """Highest acceptable median ratio to the baseline, if the issue sets one."""
    minus_job: str | None = None
    """When set, the row is ``job - minus_job`` (absolute only, no ratio)."""
    client: str | None = None
    """The client ``target`` applies to, when not the suite's ``target_client``."""


@dataclass(frozen=True)
class Suite:
    """A set of clients, the baseline they are divided by, jobs and rows."""

    clients: tuple[str, ...]
    """Clients in column order; the first is the baseline."""
    jobs: tuple[Job, ...]
    """What each round runs."""
    rows: tuple[Row, ...]
    """What the table shows."""
    target_client: str = "tokenclient"
    """The client the targets apply to."""
    notes: tuple[str, ...] = field(default=())
    """Printed under the table."""


IMPORT_SNIPPETS: dict[str, str] = {
    "httpx": "import httpx",
    "tokenclient": "import tokenclient",
    "openai": "import openai",
}
"""Client -> the statement the import row times."""

READY_SNIPPETS: dict[str, str] = {
    "httpx": "import json, httpx; c = httpx.Client()",
    "tokenclient": (
        "from tokenclient import TokenClient; "
        "c = TokenClient(api_key='k', base_url='http://127.0.0.1:9/v1'); c.chat.completions"
    ),
    "openai": (
        "from openai import OpenAI; "
        "c = OpenAI(api_key='k', base_url='http://127.0.0.1:9/v1'); c.chat.completions"
    ),
}
"""Client -> import plus what a first chat call needs (lazy imports included)."""

_MAIN_JOBS = (
    Job("import", "import"),
    Job("ready", "ready"),
    Job("sync_seq_2", "sync_seq", messages=2),
    Job("sync_seq_20", "sync_seq", messages=20),
    Job("async_seq_2", "async_seq", messages=2),
    Job("async_seq_20", "async_seq", messages=20),
    Job("async_conc", "async_conc"),
    Job("sync_stream", "sync_stream", stream="long"),
    Job("async_stream", "async_stream", stream="long"),
    Job("sync_stream_short", "sync_stream", stream="short"),
)

_RSS_GROWTH = Row(
    "peak RSS {chunks} minus {short}",
    "sync_stream",
    "peak_rss_mib",
    "MiB",
    minus_job="sync_stream_short",
)
"""Constant memory per stream: the long stream's peak minus the short one's (no ratio)."""

_MAIN_ROWS = (
    Row("import", "import", "value", "ms", target=1.2),
    Row("import + client + .chat", "ready", "value", "ms"),
    Row("sync request, 2 msgs", "sync_seq_2", "us_per_request", "µs", target=1.05),
    Row("sync request, 20 msgs", "sync_seq_20", "us_per_request", "µs", target=1.05),
    Row("async request, 2 msgs", "async_seq_2", "us_per_request", "µs", target=1.05),
    Row("async request, 20 msgs", "async_seq_20", "us_per_request", "µs", target=1.05),
    Row("sync request CPU, 2 msgs", "sync_seq_2", "cpu_us_per_request", "µs"),
    Row("sync request CPU, 20 msgs", "sync_seq_20", "cpu_us_per_request", "µs"),
    Row("async c={concurrency}, wall/request", "async_conc", "us_per_request", "µs"),
    Row("async c={concurrency}, CPU/request", "async_conc", "cpu_us_per_request", "µs"),
    Row("sync stream {chunks}, per chunk", "sync_stream", "us_per_chunk", "µs"),
    Row("async stream {chunks}, per chunk", "async_stream", "us_per_chunk", "µs"),
    Row("sync stream CPU per chunk", "sync_stream", "cpu_us_per_chunk", "µs", target=1.0),
    Row("async stream CPU per chunk", "async_stream", "cpu_us_per_chunk", "µs", target=1.0),
    Row("peak RSS, sync stream {chunks}", "sync_stream", "peak_rss_mib", "MiB", target=1.2),
    Row("peak RSS, async stream {chunks}", "async_stream", "peak_rss_mib", "MiB", target=1.2),
    Row("peak RSS, sync stream {short}", "sync_stream_short", "peak_rss_mib", "MiB"),
    _RSS_GROWTH,
)

_TRANSPORT_JOBS = (
    Job("async_conc", "async_conc"),
    Job("async_seq_2", "async_seq", messages=2),
    Job("async_stream", "async_stream", stream="long"),
)

_TRANSPORT_ROWS = (
    Row("async c={concurrency}, wall/request", "async_conc", "us_per_request", "µs"),
    Row("async c={concurrency}, CPU/request", "async_conc", "cpu_us_per_request", "µs"),
    Row("async c={concurrency}, median latency", "async_conc", "latency_ms_median", "ms"),
    Row("async request, 2 msgs", "async_seq_2", "us_per_request", "µs"),
    Row("async stream {chunks}, per chunk", "async_stream", "us_per_chunk", "µs"),
    Row("async stream CPU per chunk", "async_stream", "cpu_us_per_chunk", "µs"),
)

_CHECK_JOBS = tuple(
    job for job in _MAIN_JOBS if job.key not in {"ready", "sync_seq_20", "async_seq_20"}
)
"""The main table's jobs that a target of issue 20 reads (and the short stream, for growth)."""

_CHECK_ROWS = (
    Row("import", "import", "value", "ms", target=1.2),
    Row("sync request, 2 msgs", "sync_seq_2", "us_per_request", "µs", target=1.05),
    Row("async request, 2 msgs", "async_seq_2", "us_per_request", "µs", target=1.05),
    Row("sync request CPU, 2 msgs", "sync_seq_2", "cpu_us_per_request", "µs"),
    Row("sync stream {chunks}, per chunk", "sync_stream", "us_per_chunk", "µs"),
    Row("sync stream CPU per chunk", "sync_stream", "cpu_us_per_chunk", "µs", target=1.0),
    Row("async stream {chunks}, per chunk", "async_stream", "us_per_chunk", "µs"),
    Row("async stream CPU per chunk", "async_stream", "cpu_us_per_chunk", "µs", target=1.0),
    # Throughput at c=50 is requests / wall time: ">= 1.0x httpx's" is a wall/request ratio <= 1.
    Row("async c={concurrency}, wall/request", "async_conc", "us_per_request", "µs", target=1.0),
    Row(
        "async c={concurrency}, wall/request (aiohttp)",
        "async_conc",
        "us_per_request",
        "µs",
        target=0.4,  # >= 2.5x httpx's throughput
        client="tokenclient-aiohttp",
    ),
    Row("async c={concurrency}, CPU/request", "async_conc", "cpu_us_per_request", "µs"),
    Row("peak RSS, sync stream {chunks}", "sync_stream", "peak_rss_mib", "MiB", target=1.2),
    _RSS_GROWTH,
)

SUITES: dict[str, Suite] = {
    "main": Suite(
        clients=("httpx", "tokenclient", "openai"),
        jobs=_MAIN_JOBS,
        rows=_MAIN_ROWS,
        notes=(
            "ratio = median over rounds of (client / httpx) measured back to back in a round;",
            "absolute numbers are medians over rounds. Requests: median per request.",
        ),
    ),
    "check": Suite(
        clients=(
            "httpx",
            "tokenclient",
            "tokenclient-aiohttp",
            "tokenclient-router",
            "tokenclient-hooks",
            "httpx-pydantic",
        ),
        jobs=_CHECK_JOBS,
        rows=_CHECK_ROWS,
        notes=(
            "ratio = median over rounds of (client / httpx) in the same round [min-max over",
            "rounds]; each target is issue 20's, for tokenclient unless the row names a client.",
            "tokenclient-router: the same calls through a one-route Router (routing on);",
            "tokenclient-hooks: with a hook on every event (hooks on; usage is always on);",
            "httpx-pydantic: raw httpx validating replies into minimal pydantic models, the",
            "floor of any pydantic-typed client.",
        ),
    ),
    "transport": Suite(
        clients=("httpx", "httpx-aiohttp", "aiohttp", "tokenclient", "tokenclient-aiohttp"),
        jobs=_TRANSPORT_JOBS,
        rows=_TRANSPORT_ROWS,
        target_client="",
        notes=(
            "ratio = median over rounds of (client / raw httpx AsyncClient) in the same round;",
            "every pool allows 100 connections, all kept alive.",
        ),
    ),
}
"""``--suite`` name -> what it runs."""
