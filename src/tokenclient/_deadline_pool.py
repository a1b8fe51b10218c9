"""tokenclient's own sync pool, every socket wait bounded by the attempt's deadline.

httpx's timeouts are per wait: a server that trickles the response headers one byte just inside
the read timeout holds a blocking read loop for as long as it likes, and a sync caller cannot
cancel a read. So the pools of tokenclient's own ``httpx.Client`` get a network backend whose
streams cut every connect, read and write timeout to the time left before the deadline the
send loop set (``_deadline``). Past the deadline, a wait does not start at all: it raises the
matching httpcore timeout, which httpx maps as usual and the send loop reports as
``AttemptTimeout``.

The async client needs none of this: it cancels the attempt at its deadline. A client passed
in as ``http_client=`` is used as given; its attempts keep the per-wait bounds only. Imported
when a sync client is made, not by ``import tokenclient`` (httpx loads httpcore lazily too).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING

import httpcore
import httpx

from ._deadline import time_left

if TYPE_CHECKING:
    from httpcore._backends.base import SOCKET_OPTION

__all__ = ["bound_by_attempt_deadline"]

_PIECE = 64 * 1024
"""Bytes written under one cut timeout, within an attempt."""


def _cut(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` cut to the time left; ``expired`` once nothing is left."""
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise expired("attempt_timeout: the attempt's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A connection whose every wait ends by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cut(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if time_left() is None or len(buffer) <= _PIECE:
            self._inner.write(buffer, _cut(timeout, httpcore.WriteTimeout))
            return
        # httpcore sends a whole buffer under one timeout per send call, so a large body to a
        # slow reader could outlast the deadline: each piece gets the time then left.
        for start in range(0, len(buffer), _PIECE):
            piece = buffer[start : start + _PIECE]
            self._inner.write(piece, _cut(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _cut(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(inner)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's sync backend, its connections bound by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _cut(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _cut(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_by_attempt_deadline(client: httpx.Client) -> bool:
    """Give the pools of ``client`` (its own transport and its proxies') the deadline backend.

    httpx has no public way to choose a pool's network backend, so this sets httpcore's
    ``_network_backend`` on the pools httpx made; ``False`` (nothing changed: every wait keeps
    its own bound only) if an httpx or httpcore release lays them out differently.
    """
    transports: list[object] = [client._transport]  # pyright: ignore[reportPrivateUsage]
    transports += client._mounts.values()  # pyright: ignore[reportPrivateUsage]
    found: list[tuple[object, httpcore.NetworkBackend]] = []
    for transport in transports:
        if transport is None:
            continue  # a mount that turns proxies off for some URLs
        pool: object = getattr(transport, "_pool", None)
        backend: object = getattr(pool, "_network_backend", None)
        if not isinstance(backend, httpcore.NetworkBackend):
            return False  # all or nothing
        found.append((pool, backend))
    for pool, backend in found:
        # httpcore's own field, checked above; the pools are typed as plain objects here.
        pool._network_backend = _Backend(backend)  # type: ignore[attr-defined]
    return True
