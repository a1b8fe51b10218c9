"""Benchmark drivers: one module per client, each run in a fresh process per scenario.

``python -m benchmarks.drivers CLIENT SCENARIO --port PORT [...]`` prints one JSON object of
measurements. A client module defines ``sync_client(base_url, messages)`` and
``async_client(base_url, messages)`` returning a ``SyncDriver``/``AsyncDriver`` (or ``None``
when it has no such flavour); it imports only its own library, so the process measures that
client alone.
"""

from __future__ import annotations

CLIENTS: dict[str, str] = {
    "httpx": "benchmarks.drivers.client_httpx",
    "tokenclient": "benchmarks.drivers.client_tokenclient",
    "openai": "benchmarks.drivers.client_openai",
    "aiohttp": "benchmarks.drivers.client_aiohttp",
    "httpx-aiohttp": "benchmarks.drivers.client_httpx_aiohttp",
    "tokenclient-aiohttp": "benchmarks.drivers.client_tokenclient_aiohttp",
    "tokenclient-router": "benchmarks.drivers.client_tokenclient_router",
    "tokenclient-hooks": "benchmarks.drivers.client_tokenclient_hooks",
    "httpx-pydantic": "benchmarks.drivers.client_httpx_pydantic",
}
"""Client name -> the driver module that implements it."""

IMPORTS: dict[str, str] = {
    "httpx": "httpx",
    "tokenclient": "tokenclient",
    "openai": "openai",
    "aiohttp": "aiohttp",
    "httpx-aiohttp": "httpx_aiohttp",
    "tokenclient-aiohttp": "httpx_aiohttp",
    "tokenclient-router": "tokenclient",
    "tokenclient-hooks": "tokenclient",
    "httpx-pydantic": "pydantic",
}
"""Client name -> the module that must be importable for the client to run."""
