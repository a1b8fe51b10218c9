"""``proxy=`` and the proxy environment variables, through a real forwarding proxy.

The proxy is a small threaded HTTP proxy on 127.0.0.1: it receives absolute-form requests
(``GET http://127.0.0.1:PORT/v1/models``), forwards each to the bundled server and counts it.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support import Kind, resolve
from tokenclient import AsyncTokenClient, ConfigurationError, TokenClient
from tokenclient.testing import serve

KEY = "sk-proxy-test"
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding"}


class _Forward(BaseHTTPRequestHandler):
    def _forward(self) -> None:
        proxy = self.server
        assert isinstance(proxy, Proxy)
        target = urlsplit(self.path)
        assert target.hostname == "127.0.0.1", self.path  # loopback only
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            path = target.path + (f"?{target.query}" if target.query else "")
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
        finally:
            upstream.close()
        with proxy.lock:
            proxy.seen.append(f"{self.command} {self.path}")
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.lock = threading.Lock()
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def api() -> Iterator[str]:
    with serve(api_key=KEY) as base_url:
        yield base_url


def _client(kind: Kind, base_url: str, proxy: str | None = None) -> TokenClient | AsyncTokenClient:
    cls = TokenClient if kind == "sync" else AsyncTokenClient
    return cls(api_key=KEY, base_url=base_url, proxy=proxy, max_retries=0)


async def _chat(client: TokenClient | AsyncTokenClient) -> str | None:
    reply = await resolve(
        client.chat.completions.create(
            model="qwen3-8b", messages=[{"role": "user", "content": "via the proxy"}]
        )
    )
    await resolve(client.close())
    return reply.choices[0].message.content


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_requests_go_through_the_proxy_argument(kind: Kind, proxy: Proxy, api: str) -> None:
    assert await _chat(_client(kind, api, proxy.url)) == "You said: via the proxy"
    assert proxy.seen == [f"POST {api}/chat/completions"]


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_proxy_environment_variables_are_honoured(
    kind: Kind, proxy: Proxy, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert await _chat(_client(kind, api)) == "You said: via the proxy"
    assert proxy.seen == [f"POST {api}/chat/completions"]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert await _chat(_client(kind, api)) == "You said: via the proxy"
    assert len(proxy.seen) == 1  # NO_PROXY: straight to the server


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # aiohttp runs on asyncio only
async def test_the_aiohttp_backend_honours_the_proxy_environment_variables(
    proxy: Proxy, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    def client() -> AsyncTokenClient:
        return AsyncTokenClient(api_key=KEY, base_url=api, max_retries=0, http_backend="aiohttp")

    assert await _chat(client()) == "You said: via the proxy"
    assert proxy.seen == [f"POST {api}/chat/completions"]
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert await _chat(client()) == "You said: via the proxy"
    assert len(proxy.seen) == 1  # NO_PROXY: straight to the server


def test_proxy_with_an_own_http_client_is_refused() -> None:
    url, proxy = "http://127.0.0.1:9/v1", "http://p:1"
    with pytest.raises(ConfigurationError, match=r"^proxy: .*http_client"):
        TokenClient(api_key=KEY, base_url=url, proxy=proxy, http_client=httpx.Client())
    with pytest.raises(ConfigurationError, match=r"^proxy: .*http_client"):
        AsyncTokenClient(api_key=KEY, base_url=url, proxy=proxy, http_client=httpx.AsyncClient())


@pytest.mark.parametrize(
    "bad", ["not a url", "ftp://proxy:21", "http://", "http://[::1", "http://user:s3cret@:1"]
)
def test_a_bad_proxy_url_is_refused_without_echoing_it(bad: str) -> None:
    with pytest.raises(ConfigurationError, match=r"^proxy: ") as caught:
        TokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1", proxy=bad)
    assert "s3cret" not in str(caught.value)
