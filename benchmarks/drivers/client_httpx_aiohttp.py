"""httpx's ``AsyncClient`` on the ``httpx-aiohttp`` transport (async only).

The transport is imported by name at run time, so the benchmarks type-check without it.
"""

from __future__ import annotations

import importlib
from typing import Any

import httpx

from benchmarks.drivers.client_httpx import LIMITS, HttpxAsync

__all__ = ["aiohttp_http_client", "async_client", "sync_client"]


def aiohttp_http_client() -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` whose requests go through aiohttp's connection pool."""
    module: Any = importlib.import_module("httpx_aiohttp")
    transport: httpx.AsyncBaseTransport = module.AiohttpTransport(limits=LIMITS)
    return httpx.AsyncClient(transport=transport, limits=LIMITS)


def sync_client(base_url: str, messages: int) -> None:
    """The aiohttp transport is async only."""
    return None


def async_client(base_url: str, messages: int) -> HttpxAsync:
    """Raw httpx code over the aiohttp transport; call inside the event loop."""
    return HttpxAsync(aiohttp_http_client(), base_url, messages)
