"""Serve a ``FakeAPI`` on a real loopback socket: a threaded HTTP/1.1 server around the handler.

Each request becomes an ``httpx.Request``; the ``httpx.Response`` the handler returns is written
back with keep-alive, ``Content-Length`` when known and chunked transfer otherwise, one write
and flush per stream chunk. A body that fails while being read (``stream-drop``) becomes a
connection closed without the end of the body, which is what real dropped connections look
like. Nothing logs request headers, so the key never reaches a log.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
import traceback
from collections.abc import Generator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import urlsplit

import httpx
from typing_extensions import Unpack, override

from ._handler import FakeAPI, FakeAPIOptions
from ._responses import ApiError, error_response, new_id

__all__ = ["serve"]

# Hop-by-hop headers describe one connection; the server sets its own.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "upgrade"})
_MAX_LINE = 65536


class _Server(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` that knows its ``FakeAPI`` and its open connections."""

    daemon_threads = True
    # socketserver listens with a backlog of 5: a client opening 50 connections at once then
    # sees some of them reset (a ReadError). Real servers queue far more.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], api: FakeAPI, *, verbose: bool) -> None:
        self.api = api
        self.verbose = verbose
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    @override
    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can stall offline.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @override
    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    @override
    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open connection, waking threads that wait on idle keep-alives."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    @override
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-request is normal in tests (timeouts, drops); stay quiet.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]  # typeshed: _RetAddress


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP exchange into a ``FakeAPI`` call."""

    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: with Nagle on, each response waits ~40 ms for the
    # client's delayed ACK.
    disable_nagle_algorithm = True
    server_version = "tokenclient-fake"
    sys_version = ""

    @property
    def _server(self) -> _Server:
        return cast("_Server", self.server)

    def do_GET(self) -> None:
        """Any method is handed to the ``FakeAPI``, which answers 405 where it must."""
        self._exchange()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    @override
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self._server.verbose:
            # Method, path and status only: never headers (the key) nor the query string.
            path = urlsplit(self.path).path
            sys.stderr.write(f"{self.command} {path} {code}\n")

    @override
    def log_message(self, format: str, *args: object) -> None:
        return

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(_MAX_LINE).strip():
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(_MAX_LINE)
        length = int(self.headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)

    def _exchange(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body")
            return
        host = self.headers.get("host") or f"{self._server.server_name}:{self._server.server_port}"
        headers = [
            (name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP
        ]
        try:
            request = httpx.Request(
                self.command, f"http://{host}{self.path}", headers=headers, content=body
            )
        except (httpx.InvalidURL, ValueError):
            self.send_error(400, "Bad request target")
            return
        try:
            response = self._server.api(request)
        except Exception as exc:  # a bug in the fake must not kill the connection thread
            traceback.print_exc(file=sys.stderr)
            error = ApiError(500, f"The fake server failed: {type(exc).__name__}.")
            response = error_response(error, retry_after=0)
            response.headers["x-request-id"] = new_id("req_")
        self._write(response)

    def _write(self, response: httpx.Response) -> None:
        chunks = response.iter_bytes()
        try:
            try:
                # Pull the first chunk before the status line, so a slow body delays it all.
                first = next(chunks, b"")
            except httpx.TransportError:
                self._abort()
                return
            chunked = "content-length" not in response.headers
            self.send_response(response.status_code, response.reason_phrase)
            for name, value in response.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                self._send(first, chunked=chunked)
                for piece in chunks:
                    self._send(piece, chunked=chunked)
            except httpx.TransportError:
                self._abort()
                return
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:  # the client went away
            self.close_connection = True
        finally:
            response.close()

    def _send(self, piece: bytes, *, chunked: bool) -> None:
        if not piece:
            return  # an empty chunk would end a chunked body
        if chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        else:
            self.wfile.write(piece)
        self.wfile.flush()

    def _abort(self) -> None:
        # Close without finishing the body: the client sees a dropped connection.
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@contextlib.contextmanager
def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    api: FakeAPI | None = None,
    verbose: bool = False,
    **options: Unpack[FakeAPIOptions],
) -> Generator[str, None, None]:
    """Run a ``FakeAPI`` on ``host:port`` in a background thread; yield its base URL.

    ``port=0`` picks a free port. Pass ``api`` to keep a handle on the server's state, or
    ``FakeAPI`` keyword arguments (``api_key``, ``video_seconds``, ...) to build one. The
    server listens only on ``host`` and stops, closing its connections, when the block exits::

        with serve(video_seconds=0.5) as base_url:  # "http://127.0.0.1:PORT/v1"
            client = TokenClient(api_key="sk-test", base_url=base_url)
    """
    if api is not None and options:
        raise TypeError("serve: pass either api= or FakeAPI keyword arguments, not both")
    api = api if api is not None else FakeAPI(**options)
    server_class = _Server6 if ":" in host else _Server
    server = server_class((host, port), api, verbose=verbose)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name=f"tokenclient-fake-server:{server.server_port}",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://{_url_host(host)}:{server.server_port}{api.base_path}"
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()
        thread.join()
