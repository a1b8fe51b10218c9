"""tokenclient through a ``Router`` (one route): the cost of routing when it is switched on."""

from __future__ import annotations

from benchmarks.drivers.client_tokenclient import ROUTED, TokenclientAsync, TokenclientSync
from benchmarks.payloads import MODEL
from tokenclient import AsyncRouter, AsyncTokenClient, Route, Router, TokenClient

__all__ = ["async_client", "sync_client"]


def sync_client(base_url: str, messages: int) -> TokenclientSync:
    """A driver over a fresh ``TokenClient`` behind a one-route ``Router``."""
    client = TokenClient(api_key="sk-bench", base_url=base_url)
    return TokenclientSync(client, messages, Router({ROUTED: [Route(client, MODEL)]}))


def async_client(base_url: str, messages: int) -> TokenclientAsync:
    """A driver over a fresh ``AsyncTokenClient`` behind a one-route ``AsyncRouter``."""
    client = AsyncTokenClient(api_key="sk-bench", base_url=base_url)
    return TokenclientAsync(client, messages, AsyncRouter({ROUTED: [Route(client, MODEL)]}))
