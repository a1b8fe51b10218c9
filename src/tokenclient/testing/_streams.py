"""Response bodies that work for ``httpx.Client`` and ``httpx.AsyncClient`` alike.

One object implements both ``httpx.SyncByteStream`` and ``httpx.AsyncByteStream`` (as httpx's
own ``ByteStream`` does), so a single ``httpx.MockTransport`` serves both client kinds. It can
wait before the first chunk (``slow``), between chunks (``chunk_delay``) and end by raising
(``stream-drop``): in process the exception reaches the client as it would from a socket; the
loopback server turns it into a closed connection.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence

import httpx

__all__ = ["ByteStream", "connection_dropped"]

DROP_MESSAGE = "peer closed connection without sending complete message body"


def connection_dropped(request: httpx.Request | None = None) -> httpx.RemoteProtocolError:
    """The error httpx raises when a server closes the connection in the middle of a body."""
    return httpx.RemoteProtocolError(DROP_MESSAGE, request=request)


class ByteStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Yield ``chunks`` one by one, optionally pausing, optionally failing at the end.

    Args:
        chunks: The body, one network write per item.
        first_delay: Seconds to wait before the first chunk (a slow server).
        chunk_delay: Seconds to wait before each later chunk.
        failure: Called after the last chunk; the exception it returns is raised.
    """

    def __init__(
        self,
        chunks: Sequence[bytes],
        *,
        first_delay: float = 0.0,
        chunk_delay: float = 0.0,
        failure: Callable[[], Exception] | None = None,
    ) -> None:
        self.chunks = tuple(chunks)
        self.first_delay = first_delay
        self.chunk_delay = chunk_delay
        self.failure = failure

    def _delays(self) -> Iterator[tuple[float, bytes]]:
        for index, chunk in enumerate(self.chunks):
            yield (self.first_delay if index == 0 else self.chunk_delay), chunk

    def __iter__(self) -> Iterator[bytes]:
        if not self.chunks and self.first_delay > 0:
            time.sleep(self.first_delay)
        for delay, chunk in self._delays():
            if delay > 0:
                time.sleep(delay)
            yield chunk
        if self.failure is not None:
            raise self.failure()

    def __aiter__(self) -> AsyncIterator[bytes]:
        # An iterator object, not an async generator: a reader that stops early (an error
        # event, a ``break``) leaves nothing for the garbage collector to warn about on trio.
        return _AsyncChunks(self)


class _AsyncChunks:
    """The async twin of ``ByteStream.__iter__``, as a plain async iterator."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream
        self._pieces = stream._delays()
        self._started = False
        self._failed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        stream = self._stream
        if not self._started:
            self._started = True
            if not stream.chunks and stream.first_delay > 0:
                await _async_sleep(stream.first_delay)
        try:
            delay, chunk = next(self._pieces)
        except StopIteration:
            if stream.failure is not None and not self._failed:
                self._failed = True
                raise stream.failure() from None
            raise StopAsyncIteration from None
        if delay > 0:
            await _async_sleep(delay)
        return chunk


async def _async_sleep(seconds: float) -> None:
    # Imported on first use: a fake without delays never loads anyio. anyio.sleep works on
    # asyncio and trio, and is cancellable like any real network wait.
    import anyio

    await anyio.sleep(seconds)
