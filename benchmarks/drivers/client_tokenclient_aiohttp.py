"""tokenclient on the httpx-aiohttp transport (async only): the concurrency question."""

from __future__ import annotations

from benchmarks.drivers import client_tokenclient
from benchmarks.drivers.client_httpx_aiohttp import aiohttp_http_client

__all__ = ["async_client", "sync_client"]


def sync_client(base_url: str, messages: int) -> None:
    """The aiohttp transport is async only."""
    return None


def async_client(base_url: str, messages: int) -> client_tokenclient.TokenclientAsync:
    """tokenclient over the aiohttp transport; call inside the event loop."""
    return client_tokenclient.async_client(base_url, messages, http_client=aiohttp_http_client())
