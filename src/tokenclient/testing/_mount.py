"""Mount a ``FakeAPI`` in process: one ``httpx.MockTransport`` for sync and async clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx
from typing_extensions import TypedDict, Unpack

from .._types import NotGiven, Timeout
from ._handler import FakeAPI

if TYPE_CHECKING:
    from .._client import AsyncTokenClient, TokenClient

__all__ = ["TEST_HOST", "ClientOptions", "make_async_client", "make_client", "mock_transport"]

TEST_HOST = "https://testserver"
"""The origin in-process clients talk to (nothing listens there; the transport answers).

https, so the client has no reason to warn about a key sent in clear; no TLS happens in process."""


class ClientOptions(TypedDict, total=False):
    """Client settings ``make_client``/``make_async_client`` pass on unchanged."""

    max_retries: int
    """Retries after the first attempt, as ``TokenClient(max_retries=...)``."""
    timeout: Timeout | NotGiven
    """The HTTP timeout, as ``TokenClient(timeout=...)``."""
    default_headers: Mapping[str, str] | None
    """Headers sent with every request."""
    stream_idle_timeout: float | None
    """Longest wait, in seconds, between two data events of a stream."""


def mock_transport(api: FakeAPI | None = None) -> httpx.MockTransport:
    """An ``httpx.MockTransport`` answering with ``api`` (a new ``FakeAPI()`` by default).

    The same transport serves ``httpx.Client`` and ``httpx.AsyncClient``, streams included.
    """
    return httpx.MockTransport(api if api is not None else FakeAPI())


def _base_url(api: FakeAPI) -> str:
    return TEST_HOST + api.base_path


def make_client(api: FakeAPI | None = None, **options: Unpack[ClientOptions]) -> TokenClient:
    """A ``TokenClient`` wired to ``api`` in process, with its key and base URL.

    ``options`` (``max_retries``, ``timeout``, ...) go to ``TokenClient`` unchanged. The
    client's timeouts reach the fake, so a ``slow`` model times out at once when the read
    timeout is shorter than ``api.slow_seconds``.
    """
    from .._client import TokenClient

    api = api if api is not None else FakeAPI()
    http_client = httpx.Client(transport=mock_transport(api))
    return TokenClient(
        api_key=api.api_key or "sk-test",
        base_url=_base_url(api),
        http_client=http_client,
        **options,
    )


def make_async_client(
    api: FakeAPI | None = None, **options: Unpack[ClientOptions]
) -> AsyncTokenClient:
    """An ``AsyncTokenClient`` wired to ``api`` in process (asyncio or trio); cf. make_client."""
    from .._client import AsyncTokenClient

    api = api if api is not None else FakeAPI()
    http_client = httpx.AsyncClient(transport=mock_transport(api))
    return AsyncTokenClient(
        api_key=api.api_key or "sk-test",
        base_url=_base_url(api),
        http_client=http_client,
        **options,
    )
