"""tokenclient on its aiohttp backend (async only): ``AsyncTokenClient(http_backend="aiohttp")``.

The one-argument option a user switches on (``pip install "tokenclient-sdk[aiohttp]"``); the
pool is tokenclient's own (100 connections, all kept alive), as in the other drivers.
"""

from __future__ import annotations

from benchmarks.drivers import client_tokenclient
from tokenclient import AsyncTokenClient

__all__ = ["async_client", "sync_client"]


def sync_client(base_url: str, messages: int) -> None:
    """The aiohttp backend is async only."""
    return None


def async_client(base_url: str, messages: int) -> client_tokenclient.TokenclientAsync:
    """tokenclient on the aiohttp backend; call inside the event loop."""
    client = AsyncTokenClient(api_key="sk-bench", base_url=base_url, http_backend="aiohttp")
    return client_tokenclient.TokenclientAsync(client, messages)
