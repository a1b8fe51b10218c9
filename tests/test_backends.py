"""``AsyncTokenClient(http_backend=...)``: the choice of the async transport, checked up front.

The behaviour on the aiohttp backend (timeouts, retries, stream release, cancellation) is
tested by the reliability and end-to-end suites, which run their async tests on it too.
"""

from __future__ import annotations

import httpx
import pytest
import trio
from httpx_aiohttp import AiohttpTransport

import tokenclient._backends
from tokenclient import AsyncTokenClient, ConfigurationError, TokenClient
from tokenclient.testing import FakeAPI, serve

KEY = "sk-backends"
URL = "http://127.0.0.1:9/v1"


def test_the_default_backend_is_httpx_own_pool() -> None:
    for backend in (None, "httpx"):
        client = AsyncTokenClient(
            api_key=KEY, base_url="http://127.0.0.1:9/v1", http_backend=backend
        )
        assert isinstance(client._http._transport, httpx.AsyncHTTPTransport)


def test_aiohttp_puts_httpx_aiohttp_under_the_client() -> None:
    client = AsyncTokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1", http_backend="aiohttp")
    assert isinstance(client._http._transport, AiohttpTransport)
    assert client._http.timeout == client._config.timeout


def test_http_client_and_http_backend_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="http_backend and http_client"):
        AsyncTokenClient(api_key=KEY, http_client=httpx.AsyncClient(), http_backend="aiohttp")


def test_an_unknown_backend_is_refused_by_name() -> None:
    with pytest.raises(
        ConfigurationError, match=r"http_backend: expected one of 'httpx', 'aiohttp'"
    ):
        AsyncTokenClient(api_key=KEY, base_url=URL, http_backend="curl")  # type: ignore[arg-type]  # not a backend: refused at run time


def test_aiohttp_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        return None

    monkeypatch.setattr(tokenclient._backends, "find_spec", missing)
    with pytest.raises(ConfigurationError, match=r"tokenclient-sdk\[aiohttp\]"):
        AsyncTokenClient(api_key=KEY, base_url=URL, http_backend="aiohttp")


def test_aiohttp_refuses_to_be_built_inside_trio() -> None:
    async def build() -> None:
        AsyncTokenClient(api_key=KEY, base_url=URL, http_backend="aiohttp")

    with pytest.raises(
        ConfigurationError, match="asyncio only, and this client was built inside trio"
    ):
        trio.run(build)


def test_aiohttp_refuses_to_be_used_inside_trio() -> None:
    """Built outside any loop (at import time, say), then used on trio: refused at first use."""
    with serve(api=FakeAPI(api_key=KEY)) as url:
        client = AsyncTokenClient(api_key=KEY, base_url=url, http_backend="aiohttp", max_retries=0)

        async def use() -> None:
            await client.models.list()

        with pytest.raises(ConfigurationError, match="this client was used inside trio"):
            trio.run(use)


def test_trio_stays_fine_on_the_default_backend() -> None:
    with serve(api=FakeAPI(api_key=KEY)) as url:

        async def use() -> list[str]:
            async with AsyncTokenClient(api_key=KEY, base_url=url) as client:
                return [model.id for model in await client.models.list()]

        assert "qwen3-8b" in trio.run(use)


def test_the_sync_client_takes_httpx_and_refuses_aiohttp() -> None:
    client = TokenClient(api_key=KEY, base_url=URL, http_backend="httpx")
    assert isinstance(client._http._transport, httpx.HTTPTransport)
    client.close()
    with pytest.raises(ConfigurationError, match="is for AsyncTokenClient"):
        TokenClient(api_key=KEY, base_url=URL, http_backend="aiohttp")
    with pytest.raises(ConfigurationError, match="http_backend and http_client"):
        TokenClient(api_key=KEY, base_url=URL, http_client=httpx.Client(), http_backend="httpx")
