"""The sync pool's deadline backend: every socket wait cut to the time left of the attempt.

The end-to-end case (headers trickled one byte per 20 ms, sync client) is in
``tests/reliability/test_hostile.py``; these check the pieces.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from typing import cast

import httpcore
import httpx
import pytest

from tokenclient import APITimeoutError, AsyncTokenClient, TokenClient
from tokenclient._deadline import ATTEMPT_DEADLINE, time_left
from tokenclient._deadline_pool import _Backend, bound_by_attempt_deadline

KEY = "sk-deadline"


class Recorder(httpcore.NetworkStream, httpcore.NetworkBackend):
    """A backend and its one stream, recording the timeout each wait was given."""

    def __init__(self) -> None:
        self.timeouts: list[tuple[str, float | None]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.NetworkStream:
        self.timeouts.append(("connect", timeout))
        return self

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[object] | None = None,
    ) -> httpcore.NetworkStream:
        self.timeouts.append(("unix", timeout))
        return self

    def sleep(self, seconds: float) -> None:
        self.timeouts.append(("sleep", seconds))

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.timeouts.append(("read", timeout))
        return b"data"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.timeouts.append(("write", timeout))

    def close(self) -> None:
        self.timeouts.append(("close", None))

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self.timeouts.append(("tls", timeout))
        return self

    def get_extra_info(self, info: str) -> object:
        return f"info:{info}"


def backend_of(transport: object) -> object:
    """The network backend of an httpx transport's pool (httpcore keeps both private)."""
    pool: object = getattr(transport, "_pool")  # noqa: B009
    return cast("object", getattr(pool, "_network_backend"))  # noqa: B009


def wrapped(recorder: Recorder) -> httpcore.NetworkBackend:
    """``recorder`` behind the deadline backend, as tokenclient's own pool has it."""
    return _Backend(recorder)


def every_wait(backend: httpcore.NetworkBackend) -> None:
    stream = backend.connect_tcp("127.0.0.1", 1, timeout=10.0)
    stream = stream.start_tls(ssl.create_default_context(), "localhost", timeout=10.0)
    assert stream.read(10, timeout=10.0) == b"data"
    stream.write(b"x", timeout=None)
    assert stream.get_extra_info("client_addr") == "info:client_addr"
    stream.close()
    backend.connect_unix_socket("/nowhere", timeout=None)
    backend.sleep(0.25)


def test_outside_an_attempt_nothing_is_cut() -> None:
    recorder = Recorder()
    every_wait(wrapped(recorder))
    assert time_left() is None
    assert recorder.timeouts == [
        ("connect", 10.0),
        ("tls", 10.0),
        ("read", 10.0),
        ("write", None),
        ("close", None),
        ("unix", None),
        ("sleep", 0.25),
    ]


def test_within_an_attempt_every_wait_is_cut_to_the_time_left() -> None:
    recorder = Recorder()
    backend = wrapped(recorder)
    token = ATTEMPT_DEADLINE.set(time.monotonic() + 2.0)
    try:
        every_wait(backend)
    finally:
        ATTEMPT_DEADLINE.reset(token)
    cut = {name: timeout for name, timeout in recorder.timeouts}
    for name in ("connect", "tls", "read", "write", "unix"):
        timeout = cut[name]
        assert timeout is not None
        assert 1.0 < timeout <= 2.0, name  # no wait outlasts the deadline, None included
    assert cut["sleep"] == 0.25  # httpcore's own retry sleeps are not network waits


@pytest.mark.parametrize(
    ("wait", "error"),
    [
        ("connect", httpcore.ConnectTimeout),
        ("tls", httpcore.ConnectTimeout),
        ("read", httpcore.ReadTimeout),
        ("write", httpcore.WriteTimeout),
        ("unix", httpcore.ConnectTimeout),
    ],
)
def test_past_the_deadline_no_wait_starts(wait: str, error: type[Exception]) -> None:
    recorder = Recorder()
    backend = wrapped(recorder)
    stream = backend.connect_tcp("127.0.0.1", 1)
    calls: dict[str, Callable[[], object]] = {
        "connect": lambda: backend.connect_tcp("127.0.0.1", 1, timeout=5.0),
        "tls": lambda: stream.start_tls(ssl.create_default_context(), "localhost", timeout=5.0),
        "read": lambda: stream.read(10, timeout=5.0),
        "write": lambda: stream.write(b"x", timeout=5.0),
        "unix": lambda: backend.connect_unix_socket("/nowhere", timeout=5.0),
    }
    token = ATTEMPT_DEADLINE.set(time.monotonic() - 0.001)
    try:
        with pytest.raises(error, match="attempt_timeout"):
            calls[wait]()
    finally:
        ATTEMPT_DEADLINE.reset(token)
    assert recorder.timeouts == [("connect", None)]  # only the set-up connect reached it


def test_the_clients_own_pools_are_bound_and_yours_are_not() -> None:
    own = TokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    proxied = TokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1", proxy="http://127.0.0.1:8")
    for client in (own, proxied):
        http = client._http
        transports = [http._transport, *(t for t in http._mounts.values() if t is not None)]
        for transport in transports:
            assert type(backend_of(transport)).__name__ == "_Backend"
        client.close()
    assert len(proxied._http._mounts) == 1  # the proxy's pool was bound too
    mine = httpx.Client()
    yours = TokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1", http_client=mine)
    assert isinstance(backend_of(mine._transport), httpcore.SyncBackend)
    yours.close()
    mine.close()


def test_an_unfamiliar_layout_is_left_as_it_is() -> None:
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    assert not bound_by_attempt_deadline(client)
    assert client.get("http://127.0.0.1:9/").status_code == 200
    client.close()


@pytest.mark.anyio
async def test_the_async_client_needs_no_binding() -> None:
    client = AsyncTokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1")
    backend = backend_of(client._http._transport)
    assert type(backend).__name__ != "_Backend"  # it cancels the attempt at its deadline
    await client.close()


@pytest.mark.parametrize(
    ("raised", "attempts", "named"),
    [(httpx.ConnectTimeout, 3, "ConnectTimeout"), (httpx.ReadTimeout, 1, "AttemptTimeout")],
)
def test_past_the_deadline_only_a_wait_after_sending_is_named_attempt_timeout(
    raised: type[httpx.TimeoutException], attempts: int, named: str
) -> None:
    """A connect timeout says nothing was sent, so an image generation is still resent."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        time.sleep(0.15)  # past the 0.1 s deadline
        raise raised("timed out", request=request)

    client = TokenClient(
        api_key=KEY,
        base_url="http://127.0.0.1:9/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        attempt_timeout=0.1,
        max_retries=2,
    )
    client._runtime.sleep = lambda seconds: None
    with pytest.raises(APITimeoutError, match=named):
        client.images.generate(model="flux-schnell", prompt="a lighthouse")
    assert len(calls) == attempts  # billable: resent only when it never left
    client.close()


class SlowReader:
    """A loopback server that reads 64 KiB every 10 ms (about 6 MB/s) and never answers."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(10.0)
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(1.0)
            deadline = time.monotonic() + 30.0
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    if not connection.recv(64 * 1024):
                        return
                except TimeoutError:
                    continue
                except OSError:
                    return
                time.sleep(0.01)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=10.0)


@pytest.mark.slow  # 40 MiB through a paced socket
def test_a_large_body_to_a_slow_reader_ends_at_the_deadline() -> None:
    server = SlowReader()
    client = TokenClient(api_key=KEY, base_url=server.url, attempt_timeout=1.0, max_retries=0)
    content = "x" * (40 << 20)  # 40 MiB: about 6 s at the server's pace
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="AttemptTimeout"):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}])
    # Written whole, each send would make progress within its timeout and the body would go on.
    assert time.monotonic() - started < 1.0 + 3.0
    client.close()
    server.close()


def test_a_pool_laid_out_differently_is_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from tokenclient import _deadline_pool

    def unbound(client: httpx.Client) -> bool:
        return False

    monkeypatch.setattr(_deadline_pool, "bound_by_attempt_deadline", unbound)
    with caplog.at_level(logging.WARNING, logger="tokenclient"):
        TokenClient(api_key=KEY, base_url="http://127.0.0.1:9/v1").close()
    assert "bounds each socket wait of the sync client" in caplog.text
