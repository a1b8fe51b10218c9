"""A loopback server that answers every request with a scripted byte sequence.

``HostileServer(respond)`` listens on 127.0.0.1 (port 0). For each connection it reads one
request (headers and ``Content-Length`` body), then calls ``respond(send)``; ``send(bytes)``
writes to the socket and returns ``False`` once the client has gone (or the server is
closing), so an endless answer stops as soon as nobody listens. Every wait is bounded by
``max_wait``; ``close()`` shuts every connection and joins every thread.

Byte builders for the answers the hostile tests need are here too.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
import zlib
from collections.abc import Callable
from functools import cache
from types import TracebackType

from typing_extensions import Self

__all__ = [
    "HostileServer",
    "Send",
    "chunked",
    "completion_body",
    "deep_json",
    "gzip_bomb",
    "head",
    "sse_event",
    "trickle",
]

Send = Callable[[bytes], bool]
"""Write bytes to the client; ``False`` once it is gone."""


def head(status: str = "200 OK", **headers: str) -> bytes:
    """A status line and headers (``content_type`` -> ``content-type``), with the blank line."""
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def sse_event(content: str, *, index: int = 0) -> bytes:
    """One ``data:`` event carrying a chat chunk with ``content``."""
    chunk = {
        "id": "chatcmpl-h",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": index, "delta": {"content": content}, "finish_reason": None}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def completion_body(content: str = "Hello") -> bytes:
    """A chat completion as JSON."""
    return json.dumps(
        {
            "id": "chatcmpl-j",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
    ).encode()


def deep_json(depth: int = 100_000, *, key: str | None = None) -> bytes:
    """``depth`` nested arrays; inside an object under ``key`` when given."""
    nested = b"[" * depth + b"]" * depth
    return b'{"%s":%s}' % (key.encode(), nested) if key is not None else nested


@cache
def gzip_bomb(prefix: bytes = b"", size: int = 1 << 30) -> bytes:
    """``prefix`` then spaces up to ``size`` bytes, gzipped (1 GiB -> about 1 MB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container
    parts = [compressor.compress(prefix)]
    block = b" " * (1 << 20)
    for _ in range((size - len(prefix)) >> 20):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    return b"".join(parts)


class HostileServer:
    """The scripted server; use it as a context manager."""

    def __init__(self, respond: Callable[[Send], None], *, max_wait: float = 30.0) -> None:
        self.respond = respond
        self.max_wait = max_wait
        self.requests = 0
        """Requests read so far."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self._acceptor = threading.Thread(target=self._accept, name="hostile", daemon=True)

    @property
    def url(self) -> str:
        """The base URL to give a client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop accepting, shut every connection down, join every thread."""
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for conn in sockets:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            thread = threading.Thread(target=self._connection, args=(conn,), daemon=True)
            with self._lock:
                self._sockets.add(conn)
                self._threads.append(thread)
            thread.start()

    def _connection(self, conn: socket.socket) -> None:
        deadline = time.monotonic() + self.max_wait
        try:
            if self._read_request(conn, deadline):
                with self._lock:
                    self.requests += 1
                self.respond(lambda data: self._send(conn, data, deadline))
        except OSError:
            pass  # the client went away
        finally:
            with self._lock:
                self._sockets.discard(conn)
            conn.close()

    def _send(self, conn: socket.socket, data: bytes, deadline: float) -> bool:
        if self._stop.is_set() or time.monotonic() > deadline:
            return False
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            if readable and not conn.recv(1, socket.MSG_PEEK):
                return False  # the client closed its side
            conn.sendall(data)
        except OSError:
            return False
        return True

    def _read_request(self, conn: socket.socket, deadline: float) -> bool:
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            data = self._recv(conn, deadline)
            if not data:
                return False
            buffer += data
        headers, _, rest = buffer.partition(b"\r\n\r\n")
        length = 0
        for line in headers.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            data = self._recv(conn, deadline)
            if not data:
                return False
            rest += data
        return True

    def _recv(self, conn: socket.socket, deadline: float) -> bytes | None:
        while not self._stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([conn], [], [], 0.05)
            if readable:
                return conn.recv(65536)
        return None


def trickle(send: Send, data: bytes, interval: float) -> bool:
    """Send ``data`` one byte per ``interval``; ``False`` as soon as the client is gone."""
    for i in range(len(data)):
        if not send(data[i : i + 1]):
            return False
        time.sleep(interval)
    return True
