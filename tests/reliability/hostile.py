"""A loopback server that answers every request with a scripted byte sequence.

``HostileServer(respond)`` is a ``FaultServer`` (127.0.0.1, port 0) that answers each request
by calling ``respond(send)`` and then closes the connection; ``send(bytes)``
writes to the socket and returns ``False`` once the client has gone (or the server is
closing), so an endless answer stops as soon as nobody listens. Every wait is bounded by
``max_wait``; ``close()`` shuts every connection and joins every thread.

Byte builders for the answers the hostile tests need are here too.
"""

from __future__ import annotations

import json
import select
import socket
import time
import zlib
from collections.abc import Callable
from functools import cache

from typing_extensions import override

from .faultserver import FaultServer, ReadRequest, Seen

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


class HostileServer(FaultServer):
    """The scripted server; use it as a context manager.

    The fault server's listener, connection threads, request reader and ``close()``, with
    every request answered by ``respond`` and the connection closed after it.
    """

    def __init__(self, respond: Callable[[Send], None], *, max_wait: float = 30.0) -> None:
        super().__init__(max_wait=max_wait)
        self.respond = respond

    @override
    def _respond(self, conn: socket.socket, request: ReadRequest) -> bool:
        deadline = time.monotonic() + self.max_wait
        with self._lock:
            self.seen.append(Seen("hostile", request.method, request.path, request.headers))
        self.respond(lambda data: self._send(conn, data, deadline))
        return False  # one answer per connection

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


def trickle(send: Send, data: bytes, interval: float) -> bool:
    """Send ``data`` one byte per ``interval``; ``False`` as soon as the client is gone."""
    for i in range(len(data)):
        if not send(data[i : i + 1]):
            return False
        time.sleep(interval)
    return True
