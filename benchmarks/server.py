"""A small, fast OpenAI-compatible HTTP/1.1 server for benchmarks (stdlib only).

``python -m benchmarks.server [--port 0]`` listens on 127.0.0.1 and prints its port on the
first line of stdout. It is not ``tokenclient.testing`` (that one checks behaviour): every
reply here is pre-rendered bytes, so the server costs a few microseconds per request and per
chunk and is never the bottleneck.

- ``POST /v1/chat/completions``: the canned completion with ``Content-Length``; with
  ``"stream": true`` in the body, an SSE stream of N chunks (header ``x-bench-chunks: N`` or
  query ``?chunks=N``), one HTTP chunk per event as real servers send them, written in batches,
  then ``data: [DONE]``.
- ``GET /v1/models``: a list of 20 models.
- Anything else: 404 with an OpenAI error envelope.

Connections are kept alive (HTTP/1.1); writes respect the transport's flow control.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys
from urllib.parse import parse_qs, urlsplit

from benchmarks.payloads import CHUNK_HEADER, COMPLETION, DEFAULT_CHUNKS, MODELS, chunk_events

__all__ = ["BenchProtocol", "main", "serve"]

_STREAM = re.compile(rb'"stream"\s*:\s*true')
_BATCH = 64
"""Events per socket write while streaming (each event is still its own HTTP chunk)."""


def _response(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        f"content-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\n"
        "x-request-id: req_bench\r\n"
        "\r\n"
    )
    return head.encode() + body


def _frame(event: bytes) -> bytes:
    """One event as one HTTP/1.1 chunk."""
    return b"%x\r\n%b\r\n" % (len(event), event)


_COMPLETION = _response("200 OK", json.dumps(COMPLETION).encode())
_MODELS = _response("200 OK", json.dumps(MODELS).encode())
_NOT_FOUND = _response(
    "404 Not Found",
    b'{"error":{"message":"no such route","type":"invalid_request_error","code":"not_found"}}',
)
_STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"content-type: text/event-stream\r\n"
    b"cache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\n"
    b"x-request-id: req_bench\r\n"
    b"\r\n"
)
_FIRST, _MIDDLE, _LAST, _DONE = (_frame(event) for event in chunk_events())
_MIDDLE_BATCH = _MIDDLE * _BATCH
_END = _LAST + _DONE + b"0\r\n\r\n"


def _chunk_count(target: bytes, headers: dict[bytes, bytes]) -> int:
    given = headers.get(CHUNK_HEADER.encode())
    if given is None:
        query = parse_qs(urlsplit(target.decode("latin-1")).query)
        values = query.get("chunks")
        if not values:
            return DEFAULT_CHUNKS
        given = values[0].encode()
    return max(2, int(given))


class BenchProtocol(asyncio.Protocol):
    """One keep-alive connection: parse requests, answer with pre-rendered bytes."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._streaming = False
        self._writable = asyncio.Event()
        self._writable.set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport; turn Nagle off so small replies leave at once."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        """Wake a paused stream writer so it can notice the connection is gone."""
        self._transport = None
        self._writable.set()

    def pause_writing(self) -> None:
        """The socket buffer is full: stream writers wait."""
        self._writable.clear()

    def resume_writing(self) -> None:
        """The socket buffer drained."""
        self._writable.set()

    def data_received(self, data: bytes) -> None:
        """Buffer bytes and answer every complete request in them."""
        self._buffer += data
        if not self._streaming:
            self._process()

    def _process(self) -> None:
        while self._transport is not None:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self._buffer[:end]).split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            headers: dict[bytes, bytes] = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            total = end + 4 + int(headers.get(b"content-length", b"0"))
            if len(self._buffer) < total:
                return
            body = bytes(self._buffer[end + 4 : total])
            del self._buffer[:total]
            path = target.split(b"?", 1)[0]
            if method == b"POST" and path == b"/v1/chat/completions":
                if _STREAM.search(body):
                    self._streaming = True
                    asyncio.get_running_loop().create_task(
                        self._stream(_chunk_count(target, headers))
                    )
                    return
                self._transport.write(_COMPLETION)
            elif method == b"GET" and path == b"/v1/models":
                self._transport.write(_MODELS)
            else:
                self._transport.write(_NOT_FOUND)

    async def _stream(self, chunks: int) -> None:
        transport = self._transport
        if transport is None:
            return
        transport.write(_STREAM_HEAD + _FIRST)
        middle = chunks - 2
        while middle > 0 and self._transport is not None:
            count = min(middle, _BATCH)
            transport.write(_MIDDLE_BATCH if count == _BATCH else _MIDDLE * count)
            middle -= count
            if self._writable.is_set():
                await asyncio.sleep(0)  # let other connections in
            else:
                await self._writable.wait()
        if self._transport is None:
            return
        transport.write(_END)
        self._streaming = False
        self._process()


async def serve(port: int = 0) -> None:
    """Listen on 127.0.0.1:``port`` (0: any free port), print the port, serve forever."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(BenchProtocol, "127.0.0.1", port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m benchmarks.server [--port PORT]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
