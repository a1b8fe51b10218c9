"""A raw-socket HTTP/1.1 server on 127.0.0.1 with byte-level faults, chosen by model name.

The bundled ``tokenclient.testing.serve()`` speaks clean HTTP through ``http.server``; some
faults need control over every byte and over the socket itself (a stall with the socket held
open, an RST instead of a FIN, headers that never come). This server does only that:

- a ``POST`` whose JSON body has ``"model": "<fault>"`` gets that fault (see ``FAULTS``);
  any other request (``GET /models``, another model) gets a normal answer over keep-alive;
- it counts accepted connections and requests per fault, records the headers of every
  request, and knows how many connections are still open on its side;
- every wait is bounded (``max_wait``), it listens on 127.0.0.1 only, port 0, and ``close()``
  (or leaving ``with``) shuts every connection down and joins every thread.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import cast

from typing_extensions import Self

__all__ = ["FAULTS", "FaultServer", "ReadRequest", "Seen", "refused_port"]

FAULTS: dict[str, str] = {
    "ok": "a normal answer: a chat completion, or an SSE stream of three chunks and [DONE]",
    "drop": "stream headers and three chunks, then FIN without the end of the chunked body",
    "stall": "stream headers and two chunks, then nothing more while the socket stays open",
    "pings": "stream headers and one chunk, then `: ping` comments forever, no data",
    "html-502": "502 with an nginx-style HTML page",
    "bad-json": "200 with a JSON body cut in half",
    "slow-headers": "read the request, then send nothing at all (headers never come)",
    "reset": "read the request, then reset the connection (SO_LINGER 0 + close: an RST)",
    "redirect": "307 to another origin (``redirect_to``)",
}
"""Every fault, by the model name that selects it."""

HTML_TITLE = "502 Bad Gateway"
"""The ``<title>`` of the ``html-502`` page."""

_HTML_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
    + "<!-- padding -->\r\n" * 40
    + "</body>\r\n</html>\r\n"
).encode()

_CONTENT = ("Hel", "lo ", "there")
"""The content pieces of a normal stream; the faulty streams send a prefix of them."""

_MAX_HEADER = 64 * 1024


@dataclass(frozen=True, slots=True)
class Seen:
    """One request the server read."""

    fault: str
    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""


def refused_port() -> int:
    """A loopback port nothing listens on: bound, then closed, so connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(content: str, index: int) -> bytes:
    chunk: dict[str, object] = {
        "id": "chatcmpl-fault",
        "object": "chat.completion.chunk",
        "created": 1714000000,
        "model": "fault",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
    }
    if index == 0:
        chunk["choices"] = [
            {"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": None}
        ]
    return _chunk(b"data: " + json.dumps(chunk).encode() + b"\n\n")


def _completion() -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-fault",
            "object": "chat.completion",
            "created": 1714000000,
            "model": "ok",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(_CONTENT)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4},
        }
    ).encode()


_MODELS = json.dumps(
    {"object": "list", "data": [{"id": "ok", "object": "model", "created": 0, "owned_by": "x"}]}
).encode()


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _fixed(status: str, body: bytes, content_type: str, **extra: str) -> bytes:
    headers = {"content-type": content_type, "content-length": str(len(body)), **extra}
    return _head(status, headers) + body


_STREAM_HEAD = _head(
    "200 OK",
    {"content-type": "text/event-stream", "transfer-encoding": "chunked", "x-request-id": "req_f"},
)


@dataclass(slots=True)
class ReadRequest:
    """One request the server read: its line, lower-case headers and body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FaultServer:
    """The fault server; use it as a context manager. All waits end within ``max_wait``."""

    def __init__(
        self,
        *,
        redirect_to: str = "http://127.0.0.1:9/v1",
        ping_interval: float = 0.05,
        max_wait: float = 20.0,
    ) -> None:
        self.redirect_to = redirect_to
        self.ping_interval = ping_interval
        self.max_wait = max_wait
        self.connections = 0
        """Connections accepted so far."""
        self.seen: list[Seen] = []
        self._attempts: Counter[str] = Counter()
        self._open = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self._acceptor = threading.Thread(target=self._accept, name="fault-server", daemon=True)

    @property
    def url(self) -> str:
        """The base URL to give a client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def attempts(self, fault: str) -> int:
        """How many requests selected ``fault`` (``"ok"`` for normal ones)."""
        with self._lock:
            return self._attempts[fault]

    @property
    def total_requests(self) -> int:
        """Requests of any kind read so far."""
        with self._lock:
            return sum(self._attempts.values())

    @property
    def open_connections(self) -> int:
        """Connections not yet closed on the server's side."""
        with self._lock:
            return self._open

    def wait_closed(self, timeout: float = 5.0) -> bool:
        """Wait until every connection is closed (the client hung up); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.open_connections == 0

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
        if self._acceptor.is_alive():
            self._acceptor.join(5.0)
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
            threads = list(self._threads)
        for conn in sockets:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5.0)

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
                self.connections += 1
                self._open += 1
                self._sockets.add(conn)
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _connection(self, conn: socket.socket) -> None:
        try:
            buffer = b""
            keep_alive = True
            while keep_alive and not self._stop.is_set():
                request, buffer = self._read_request(conn, buffer)
                if request is None:
                    return
                keep_alive = self._respond(conn, request)
        except OSError:
            pass  # the client went away: normal for timeouts and early closes
        finally:
            with self._lock:
                self._sockets.discard(conn)
                self._open -= 1
            conn.close()

    def _recv(self, conn: socket.socket, deadline: float) -> bytes | None:
        """The next bytes; b"" at EOF; None on stop or when ``deadline`` passed."""
        while not self._stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([conn], [], [], 0.05)
            if readable:
                return conn.recv(65536)
        return None

    def _read_request(self, conn: socket.socket, buffer: bytes) -> tuple[ReadRequest | None, bytes]:
        deadline = time.monotonic() + self.max_wait
        while b"\r\n\r\n" not in buffer:
            data = self._recv(conn, deadline)
            if not data or len(buffer) > _MAX_HEADER:
                return None, b""
            buffer += data
        head, _, rest = buffer.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            data = self._recv(conn, deadline)
            if not data:
                return None, b""
            rest += data
        return ReadRequest(method, path, headers, rest[:length]), rest[length:]

    def _fault_of(self, request: ReadRequest) -> tuple[str, bool]:
        if request.method != "POST" or not request.body:
            return "ok", False
        try:
            decoded: object = json.loads(request.body)
        except ValueError:
            return "ok", False
        if not isinstance(decoded, dict):
            return "ok", False
        body = cast("dict[str, object]", decoded)
        model = body.get("model")
        fault = model if isinstance(model, str) and model in FAULTS else "ok"
        return fault, body.get("stream") is True

    def _respond(self, conn: socket.socket, request: ReadRequest) -> bool:
        """Answer ``request``; True to keep the connection for another request."""
        fault, stream = self._fault_of(request)
        with self._lock:
            self._attempts[fault] += 1
            self.seen.append(Seen(fault, request.method, request.path, request.headers))
        if fault == "ok":
            return self._ok(conn, request, stream)
        if fault in ("drop", "stall", "pings"):
            conn.sendall(_STREAM_HEAD)
            count = {"drop": 3, "stall": 2, "pings": 1}[fault]
            for index, content in enumerate(_CONTENT[:count]):
                conn.sendall(_event(content, index))
            if fault == "drop":
                conn.shutdown(socket.SHUT_RDWR)  # a FIN, without the last chunk
            elif fault == "stall":
                self._wait_for_hangup(conn)
            else:
                self._ping(conn)
            return False
        if fault == "html-502":
            conn.sendall(_fixed("502 Bad Gateway", _HTML_PAGE, "text/html"))
            return True
        if fault == "bad-json":
            body = _completion()
            conn.sendall(_fixed("200 OK", body[: len(body) // 2], "application/json"))
            return True
        if fault == "slow-headers":
            self._wait_for_hangup(conn)
            return False
        if fault == "reset":
            # SO_LINGER on with a zero timeout: close() sends an RST, not a FIN.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        assert fault == "redirect"
        location = self.redirect_to.rstrip("/") + "/chat/completions"
        conn.sendall(_fixed("307 Temporary Redirect", b"", "text/plain", location=location))
        return True

    def _ok(self, conn: socket.socket, request: ReadRequest, stream: bool) -> bool:
        if request.path.endswith("/models"):
            conn.sendall(_fixed("200 OK", _MODELS, "application/json", **{"x-request-id": "r"}))
        elif stream:
            events = b"".join(_event(content, i) for i, content in enumerate(_CONTENT))
            done = _chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n"
            conn.sendall(_STREAM_HEAD + events + done)
        else:
            conn.sendall(_fixed("200 OK", _completion(), "application/json"))
        return True

    def _wait_for_hangup(self, conn: socket.socket) -> None:
        """Send nothing; return when the client closes, on stop, or after ``max_wait``."""
        deadline = time.monotonic() + self.max_wait
        while True:
            data = self._recv(conn, deadline)
            if not data:
                return

    def _ping(self, conn: socket.socket) -> None:
        """Send ``: ping`` comments until the client closes, on stop, or after ``max_wait``."""
        deadline = time.monotonic() + self.max_wait
        while not self._stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([conn], [], [], self.ping_interval)
            if readable and not conn.recv(65536):
                return
            conn.sendall(_chunk(b": ping\n\n"))
