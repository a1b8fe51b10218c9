"""What one run of the command line talks to; tests replace any part of it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import httpx

from .._client import TokenClient
from .._config import DEFAULT_MAX_RETRIES
from .._types import NOT_GIVEN

if TYPE_CHECKING:
    from ..limits import LimitsStore

__all__ = [
    "ClientFactory",
    "ClientSettings",
    "HttpFactory",
    "Runtime",
    "default_client",
    "default_http",
    "open_limits_store",
]


@dataclass(frozen=True)
class ClientSettings:
    """The client options the command line resolved from its flags and environment."""

    api_key: str
    """``--api-key`` or ``TOKENCLIENT_API_KEY``; empty when neither is set (a usage error)."""
    base_url: str | None
    """``--base-url`` or ``TOKENCLIENT_BASE_URL``."""
    provider: str | None
    """``--provider`` or ``TOKENCLIENT_PROVIDER``."""
    timeout: float | None
    """``--timeout``: seconds for every HTTP phase; ``None`` keeps the client's default."""
    max_retries: int | None
    """``--max-retries``; ``None`` keeps the client's default."""
    limits_store: str | None = None
    """``batch --limits-store``: a ``redis://`` URL or a SQLite file shared with other runs."""


ClientFactory = Callable[[ClientSettings], TokenClient]
"""Builds the API client of a run."""
HttpFactory = Callable[[], httpx.Client]
"""Builds the plain HTTP client that downloads result files (it never sends the key)."""


def default_client(
    settings: ClientSettings, http_client: httpx.Client | None = None
) -> TokenClient:
    """A ``TokenClient`` with ``settings`` (over ``http_client`` when given, as tests do)."""
    return TokenClient(
        api_key=settings.api_key,
        base_url=settings.base_url,
        provider=settings.provider,
        timeout=NOT_GIVEN if settings.timeout is None else settings.timeout,
        max_retries=DEFAULT_MAX_RETRIES if settings.max_retries is None else settings.max_retries,
        http_client=http_client,
        limits_store=None
        if settings.limits_store is None
        else open_limits_store(settings.limits_store),
    )


def open_limits_store(target: str) -> LimitsStore:
    """The store ``--limits-store`` names: ``RedisStore`` for a ``redis://``, ``rediss://`` or
    ``unix://`` URL, else ``SQLiteStore`` for a file path."""
    from ..limits import RedisStore, SQLiteStore

    if target.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(target)
    return SQLiteStore(target)


def default_http() -> httpx.Client:
    """A plain ``httpx.Client`` for downloads (each download sets its own timeouts)."""
    return httpx.Client()


@dataclass(frozen=True)
class Runtime:
    """The streams, environment and factories of one run."""

    stdin: TextIO
    """Where ``chat`` reads its message when none is given."""
    stdout: TextIO
    """Results: replies, ids, URLs, paths."""
    stderr: TextIO
    """Errors, notes and the progress display."""
    environ: Mapping[str, str]
    """Where ``TOKENCLIENT_*`` settings are read."""
    make_client: ClientFactory
    """Builds the API client."""
    make_http: HttpFactory
    """Builds the download client."""
    clock: Callable[[], float] = time.monotonic
    """Seconds from any origin, for elapsed times and download deadlines."""
