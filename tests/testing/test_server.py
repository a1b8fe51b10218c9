"""The handler on a real loopback socket, through ``serve()``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from tokenclient.testing import FakeAPI, serve
from tokenclient.testing._server import _url_host
from tokenclient.testing._streams import ByteStream

from .support import KEY, chat_body, chunks_of, decode_png, sse_blocks

HEADERS = {"authorization": f"Bearer {KEY}"}


def client_port(response: httpx.Response) -> int:
    """The local port of the connection a response came over."""
    stream = response.extensions["network_stream"]
    address = stream.get_extra_info("client_addr")
    return int(address[1])


def test_serve_yields_a_loopback_base_url_and_answers() -> None:
    with serve() as base_url, httpx.Client(base_url=base_url, headers=HEADERS) as client:
        url = httpx.URL(base_url)
        assert (url.scheme, url.host, url.path) == ("http", "127.0.0.1", "/v1")
        assert url.port is not None
        assert url.port > 0
        models = client.get("/models")
        assert models.status_code == 200
        assert models.headers["x-request-id"].startswith("req_")
        assert models.headers["server"] == "tokenclient-fake"
        reply = client.post("/chat/completions", json=chat_body("over a socket"))
        choice = reply.json()["choices"][0]
        assert choice["message"]["content"] == "You said: over a socket"
        assert client.get("/models", headers={"authorization": "Bearer nope"}).status_code == 401


def test_keep_alive_reuses_one_connection() -> None:
    with serve() as base_url, httpx.Client(base_url=base_url, headers=HEADERS) as client:
        ports = {client_port(client.get("/models")) for _ in range(3)}
        with client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response:
            response.read()
            ports.add(client_port(response))
        ports.add(client_port(client.post("/chat/completions", json=chat_body())))
        assert len(ports) == 1


def test_a_stream_arrives_chunked_event_by_event() -> None:
    body = chat_body("one two three", stream=True, stream_options={"include_usage": True})
    with (
        serve(chunk_delay=0.001) as base_url,
        httpx.Client(base_url=base_url, headers=HEADERS) as client,
        client.stream("POST", "/chat/completions", json=body) as response,
    ):
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = list(response.iter_lines())
    raw = "\n".join(lines).encode() + b"\n"
    assert ": ping" in sse_blocks(raw)
    chunks = chunks_of(raw)
    assert chunks[-1]["choices"] == []
    assert lines[-2] == "data: [DONE]"


@pytest.mark.parametrize("stream", [True, False])
def test_a_drop_closes_the_connection_and_httpx_raises(stream: bool) -> None:
    body = chat_body(model="stream-drop", stream=stream)
    with serve() as base_url, httpx.Client(base_url=base_url, headers=HEADERS) as client:
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream("POST", "/chat/completions", json=body) as response,
        ):
            response.read()
        # The server is still fine and the client reconnects.
        assert client.get("/models").status_code == 200


def test_slow_makes_a_real_read_timeout() -> None:
    with (
        serve(slow_seconds=1.0) as base_url,
        httpx.Client(base_url=base_url, headers=HEADERS, timeout=0.1) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("/chat/completions", json=chat_body(model="slow"))


def test_error_pages_and_bad_json_over_the_socket() -> None:
    with serve() as base_url, httpx.Client(base_url=base_url, headers=HEADERS) as client:
        page = client.post("/chat/completions", json=chat_body(model="html-502"))
        assert page.status_code == 502
        assert "<html>" in page.text
        limited = client.post("/chat/completions", json=chat_body(model="error-429"))
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "1"
        broken = client.post("/chat/completions", json=chat_body(model="bad-json"))
        assert broken.status_code == 200
        with pytest.raises(ValueError, match=r"Unterminated|Expecting"):
            broken.json()


def test_images_and_files_over_the_socket() -> None:
    with serve() as base_url, httpx.Client(base_url=base_url, headers=HEADERS) as client:
        result = client.post("/images/generations", json={"model": "m", "prompt": "a cat"})
        url = result.json()["data"][0]["url"]
        assert url.startswith(base_url + "/files/")
        image = httpx.get(url)
        assert image.headers["content-type"] == "image/png"
        decode_png(image.content)


def test_concurrent_streams_are_served_in_parallel() -> None:
    body = chat_body("one two three", stream=True)
    results: list[str] = []

    def worker(base_url: str) -> None:
        with (
            httpx.Client(base_url=base_url, headers=HEADERS, timeout=60) as client,
            client.stream("POST", "/chat/completions", json=body) as response,
        ):
            results.append("".join(response.iter_text()))

    with serve(chunk_delay=0.01) as base_url:
        threads = [threading.Thread(target=worker, args=(base_url,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(results) == 8
    assert all(text.endswith("data: [DONE]\n\n") for text in results)


def test_a_chunked_request_body_is_read() -> None:
    def body() -> Iterator[bytes]:
        yield b'{"model": "m", "messages": '
        yield b'[{"role": "user", "content": "chunked"}]}'

    with serve() as base_url, httpx.Client(base_url=base_url, headers=HEADERS) as client:
        response = client.post("/chat/completions", content=body())
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.json()["choices"][0]["message"]["content"] == "You said: chunked"


@pytest.mark.parametrize(
    "head",
    [
        b"POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: a:b:c\r\n\r\n",
    ],
)
def test_a_malformed_request_is_a_400_not_a_crash(head: bytes) -> None:
    with serve() as base_url:
        url = httpx.URL(base_url)
        assert url.port is not None
        with socket.create_connection((url.host, url.port), timeout=10) as sock:
            sock.sendall(head)
            reply = sock.recv(1024)
        assert reply.startswith(b"HTTP/1.1 400")


def _gone() -> httpx.ReadError:
    return httpx.ReadError("gone")


class BrokenAPI(FakeAPI):
    """A handler with a bug, or one whose body breaks before its first byte."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            raise RuntimeError("bug")
        return httpx.Response(200, stream=ByteStream([], failure=_gone))


def test_a_bug_in_the_handler_is_a_500_and_an_early_failure_a_disconnect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(api=BrokenAPI()) as base_url, httpx.Client(base_url=base_url) as client:
        response = client.get("/models")
        assert response.status_code == 500
        assert response.json()["error"]["message"] == "The fake server failed: RuntimeError."
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.post("/chat/completions")
    assert "RuntimeError: bug" in capsys.readouterr().err


def test_serve_uses_a_given_api_and_a_base_path() -> None:
    api = FakeAPI(base_path="/api/v1")
    with serve(api=api) as base_url:
        assert base_url.endswith("/api/v1")
        assert httpx.get(base_url + "/models", headers=HEADERS).status_code == 200
    assert api.requests[-1].url.path == "/api/v1/models"


def test_serve_refuses_an_api_and_options_together() -> None:
    with pytest.raises(TypeError, match="either"), serve(api=FakeAPI(), api_key="x"):
        pass


def test_after_serve_exits_nothing_listens_and_the_thread_is_gone() -> None:
    with serve() as base_url:
        client = httpx.Client(base_url=base_url, headers=HEADERS)
        assert client.get("/models").status_code == 200  # an idle keep-alive stays open
        port = httpx.URL(base_url).port
    names = {thread.name for thread in threading.enumerate()}
    assert f"tokenclient-fake-server:{port}" not in names
    with pytest.raises(httpx.TransportError):
        client.get("/models")
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/models", headers=HEADERS)
    client.close()


def test_verbose_logs_method_path_and_status_but_never_the_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(verbose=True, api_key="sk-secret-key") as base_url:
        headers = {"authorization": "Bearer sk-secret-key"}
        httpx.post(
            base_url + "/chat/completions?q=sk-secret-key", json=chat_body(), headers=headers
        )
    err = capsys.readouterr().err
    assert "POST /v1/chat/completions 200" in err
    assert "sk-secret-key" not in err


def test_quiet_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as base_url:
        httpx.get(base_url + "/models", headers=HEADERS)
        httpx.get(base_url + "/models")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


@pytest.mark.anyio
async def test_an_async_client_streams_over_the_socket() -> None:
    with serve() as base_url:
        async with (
            httpx.AsyncClient(base_url=base_url, headers=HEADERS) as client,
            client.stream("POST", "/chat/completions", json=chat_body(stream=True)) as response,
        ):
            lines = [line async for line in response.aiter_lines()]
    assert "data: [DONE]" in lines


def test_ipv6_hosts_are_bracketed_in_urls() -> None:
    assert _url_host("::1") == "[::1]"
    assert _url_host("127.0.0.1") == "127.0.0.1"
