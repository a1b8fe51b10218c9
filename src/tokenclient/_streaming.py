"""``Stream`` and ``AsyncStream``: iterate the chunks of an SSE response.

Twins: they differ only by ``async``/``await``, ``iter_bytes``/``aiter_bytes`` and the shielded
close of the async one. The connection is released when the stream is exhausted, on any error,
on ``close()``, on leaving ``with``/``async with`` and on cancellation. A started stream is never
retried.

Memory is bounded: one event may hold at most ``max_event_bytes`` (the client's argument), and
the text kept for :meth:`Stream.get_final_completion` at most ``max_fold_bytes`` (the client's
``max_response_bytes``); past either, a typed ``APIResponseValidationError``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import anyio
import httpx
import pydantic
from typing_extensions import Self

from ._core.accumulate import ChatCompletionAccumulator, EmptyStream, FoldTooLarge
from ._core.chunks import ChunkParser
from ._core.response_headers import attach_request_id, request_id
from ._core.sse import DEFAULT_MAX_EVENT_BYTES
from ._exceptions import APIConnectionError, APIResponseValidationError, connection_error
from .types.chat import ChatCompletionChunk

if TYPE_CHECKING:
    from ._core.cost import Cost, Pricing
    from ._observe import AsyncStreamWatch, StreamWatch
    from ._types import RouteInfo
    from .types.chat import ChatCompletion, CompletionUsage

__all__ = ["AsyncStream", "Stream"]

ChunkT = TypeVar("ChunkT", bound=pydantic.BaseModel)

_DRAIN_LIMIT = 64 * 1024
"""After ``[DONE]``, read at most this much more so the connection can go back to the pool."""


def _plain(response: httpx.Response) -> bool:
    """The body can be read as it comes: no content coding, not read already."""
    if response.is_stream_consumed:
        return False  # ``iter_bytes`` hands out what was read
    coding = response.headers.get("content-encoding")
    return coding is None or coding.strip().lower() in ("", "identity")


def _pieces(response: httpx.Response) -> Iterator[bytes]:
    """The body's pieces: straight from the connection when there is nothing to decode.

    A stream is read once, start to end, and closed by its owner, so the bookkeeping layers of
    ``iter_bytes``/``iter_raw`` (one generator each, per piece) are skipped when they would
    only pass the pieces on.
    """
    stream = response.stream
    if _plain(response) and isinstance(stream, httpx.SyncByteStream):
        return iter(stream)
    return response.iter_bytes()


def _apieces(response: httpx.Response) -> AsyncIterator[bytes]:
    """:func:`_pieces` for an async response.

    Not straight from ``response.stream`` as in the sync twin: a transport's stream may be an
    async generator, which trio warns about when it is dropped half-read (``break``);
    ``aiter_raw`` is what httpx hands out for that, and closes with the response.
    """
    return response.aiter_raw() if _plain(response) else response.aiter_bytes()


def _ignore(chunk: object) -> None:
    """The fold of a stream whose chunks are not chat chunks (``client.post(stream=True)``)."""


def _fold_for(model: type[pydantic.BaseModel], accumulator: ChatCompletionAccumulator) -> object:
    return accumulator.add if issubclass(model, ChatCompletionChunk) else _ignore


def _final(accumulator: ChatCompletionAccumulator, response: httpx.Response) -> ChatCompletion:
    """The folded completion, or the typed error saying why there is none."""
    try:
        return accumulator.result()
    except EmptyStream:
        message = "the stream ended without a single chunk: there is no completion to return"
    except FoldTooLarge as exc:
        message = f"{exc} (raise max_response_bytes, or read the chunks as they come)"
    raise APIResponseValidationError(message, response=response)


class Stream(Generic[ChunkT]):
    """The chunks of a streamed response: an iterator and a context manager.

    ``response`` gives the headers (``stream.response.headers["x-request-id"]``).
    """

    response: httpx.Response
    """The HTTP response the chunks are read from."""
    _route: RouteInfo | None = None
    """The router's route that opened this stream (``None`` when no router was used)."""
    _watcher: StreamWatch | None = None
    """The client's usage accounting and hooks, told when the stream closes."""
    _pricing: Pricing | None = None
    """The client's price table, for ``cost``."""
    _error: BaseException | None = None
    """What reading raised, if anything."""

    @property
    def request_id(self) -> str | None:
        """The response's ``x-request-id`` (or ``request-id``) header."""
        return request_id(self.response.headers)

    @property
    def usage(self) -> CompletionUsage | None:
        """The usage chunk's counts, once read (``None`` before, or if none was sent)."""
        return self._accumulator._usage

    @property
    def cost(self) -> Cost | None:
        """The stream's cost from its usage (provider ``usage.cost``, else ``pricing``)."""
        from ._core.cost import stream_cost

        accumulator = self._accumulator
        return stream_cost(accumulator._usage, accumulator._model, self._pricing)

    def __init__(
        self,
        response: httpx.Response,
        *,
        model: type[ChunkT],
        idle_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_fold_bytes: int | None = None,
    ) -> None:
        self.response = response
        self._clock = clock
        self._parser = ChunkParser(
            model, response, idle_timeout=idle_timeout, now=clock(), max_event_bytes=max_event_bytes
        )
        self._bytes = _pieces(response)
        self._ready: deque[ChunkT] = deque()
        self._accumulator = ChatCompletionAccumulator(max_bytes=max_fold_bytes)
        # Streams carry chat chunks; the cast is made once here, not once per chunk.
        self._fold = cast("Callable[[ChunkT], None]", _fold_for(model, self._accumulator))
        self._finished = False

    def _watch(self, watcher: StreamWatch) -> None:
        self._watcher = watcher
        self._pricing = watcher.observer.pricing
        if watcher.call is not None:  # hooks: time the pieces; never without hooks
            self._bytes = watcher.timed_bytes(self._bytes)
            self._fold = watcher.timed_fold(self._fold)

    def __iter__(self) -> Iterator[ChunkT]:
        return self

    def __next__(self) -> ChunkT:
        ready = self._ready
        chunk: ChunkT | None = None
        while chunk is None:
            if ready:
                chunk = ready.popleft()
            elif self._finished:
                raise StopIteration
            else:
                try:
                    piece = next(self._bytes, None)
                    # The common piece (one event holding one chunk) skips the queue; others
                    # are fed to the parser, whose chunks are queued.
                    chunk = None if piece is None else self._parser.single(piece, self._clock())
                    if chunk is None:
                        self._feed(piece)
                except httpx.TransportError as exc:
                    raise self._broken(exc) from exc
                except BaseException as exc:
                    self._failed(exc)
                    raise
        self._fold(chunk)
        return chunk

    def _read(self) -> None:
        try:
            self._feed(next(self._bytes, None))
        except httpx.TransportError as exc:
            raise self._broken(exc) from exc
        except BaseException as exc:
            self._failed(exc)
            raise

    def _feed(self, piece: bytes | None) -> None:
        """Queue the chunks ``piece`` completes (``None``: the body ended)."""
        if piece is None:
            chunks = self._parser.end()
            self._finished = True
            self.close()
        else:
            chunks = self._parser.feed(piece, self._clock())
            if self._parser.done:
                self._finish()
        self._ready.extend(chunks)

    def _broken(self, exc: httpx.TransportError) -> APIConnectionError:
        """Close on a transport error; the typed error to raise from it."""
        exc.request = self.response.request  # read past httpx's layer that would set it
        self._error = error = connection_error(exc, self.response.request)
        self.close()
        return error

    def _failed(self, exc: BaseException) -> None:
        self._error = exc
        self.close()

    def _read_ahead(self, until: Callable[[ChunkT], bool]) -> None:
        """Read, without handing out, until a chunk satisfies ``until`` or the stream ends.

        The router uses it to see a stream fail before anything reached the caller. Errors
        close the stream and are raised, as when iterating.
        """
        seen = 0
        while not self._finished:
            ready = self._ready
            if any(until(ready[i]) for i in range(seen, len(ready))):
                return
            seen = len(ready)
            self._read()

    def _finish(self) -> None:
        self._finished = True
        drained = 0
        for piece in self._bytes:  # normally just the end of the chunked body
            drained += len(piece)
            if drained > _DRAIN_LIMIT:
                break
        self.close()

    def get_final_completion(self: Stream[ChatCompletionChunk]) -> ChatCompletion:
        """Read what is left and fold every chunk of the stream into one ``ChatCompletion``.

        Raises:
            APIResponseValidationError: the stream had no chunk, or its text passed the
                client's ``max_response_bytes``.
        """
        for _ in self:
            pass
        completion = _final(self._accumulator, self.response)
        attach_request_id(completion, self.response.headers)
        return completion

    def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._finished = True
        self._ready.clear()
        self.response.close()  # frees the client-side slot too: it is tied to the response
        watcher, self._watcher = self._watcher, None
        if watcher is not None:  # exactly once, however often close() is called
            watcher.closed(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncStream(Generic[ChunkT]):
    """The chunks of a streamed response: an async iterator and an async context manager.

    ``response`` gives the headers (``stream.response.headers["x-request-id"]``).
    """

    response: httpx.Response
    """The HTTP response the chunks are read from."""
    _route: RouteInfo | None = None
    """The router's route that opened this stream (``None`` when no router was used)."""
    _watcher: AsyncStreamWatch | None = None
    """The client's usage accounting and hooks, told when the stream closes."""
    _pricing: Pricing | None = None
    """The client's price table, for ``cost``."""
    _error: BaseException | None = None
    """What reading raised, if anything."""

    @property
    def request_id(self) -> str | None:
        """The response's ``x-request-id`` (or ``request-id``) header."""
        return request_id(self.response.headers)

    @property
    def usage(self) -> CompletionUsage | None:
        """The usage chunk's counts, once read (``None`` before, or if none was sent)."""
        return self._accumulator._usage

    @property
    def cost(self) -> Cost | None:
        """The stream's cost from its usage (provider ``usage.cost``, else ``pricing``)."""
        from ._core.cost import stream_cost

        accumulator = self._accumulator
        return stream_cost(accumulator._usage, accumulator._model, self._pricing)

    def __init__(
        self,
        response: httpx.Response,
        *,
        model: type[ChunkT],
        idle_timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        max_fold_bytes: int | None = None,
    ) -> None:
        self.response = response
        self._clock = clock
        self._parser = ChunkParser(
            model, response, idle_timeout=idle_timeout, now=clock(), max_event_bytes=max_event_bytes
        )
        self._bytes = _apieces(response)
        self._ready: deque[ChunkT] = deque()
        self._accumulator = ChatCompletionAccumulator(max_bytes=max_fold_bytes)
        # Streams carry chat chunks; the cast is made once here, not once per chunk.
        self._fold = cast("Callable[[ChunkT], None]", _fold_for(model, self._accumulator))
        self._finished = False

    def _watch(self, watcher: AsyncStreamWatch) -> None:
        self._watcher = watcher
        self._pricing = watcher.observer.pricing
        if watcher.call is not None:  # hooks: time the pieces; never without hooks
            self._bytes = watcher.timed_bytes(self._bytes)
            self._fold = watcher.timed_fold(self._fold)

    def __aiter__(self) -> AsyncIterator[ChunkT]:
        return self

    async def __anext__(self) -> ChunkT:
        ready = self._ready
        chunk: ChunkT | None = None
        while chunk is None:
            if ready:
                chunk = ready.popleft()
            elif self._finished:
                raise StopAsyncIteration
            else:
                try:
                    piece = await anext(self._bytes, None)
                    # The common piece (one event holding one chunk) skips the queue; others
                    # are fed to the parser, whose chunks are queued.
                    chunk = None if piece is None else self._parser.single(piece, self._clock())
                    if chunk is None:
                        await self._feed(piece)
                except httpx.TransportError as exc:
                    raise await self._broken(exc) from exc
                except BaseException as exc:
                    await self._failed(exc)
                    raise
        self._fold(chunk)
        return chunk

    async def _read(self) -> None:
        try:
            await self._feed(await anext(self._bytes, None))
        except httpx.TransportError as exc:
            raise await self._broken(exc) from exc
        except BaseException as exc:
            await self._failed(exc)
            raise

    async def _feed(self, piece: bytes | None) -> None:
        """Queue the chunks ``piece`` completes (``None``: the body ended)."""
        if piece is None:
            chunks = self._parser.end()
            self._finished = True
            await self.close()
        else:
            chunks = self._parser.feed(piece, self._clock())
            if self._parser.done:
                await self._finish()
        self._ready.extend(chunks)

    async def _broken(self, exc: httpx.TransportError) -> APIConnectionError:
        """Close on a transport error; the typed error to raise from it."""
        exc.request = self.response.request  # read past httpx's layer that would set it
        self._error = error = connection_error(exc, self.response.request)
        await self.close()
        return error

    async def _failed(self, exc: BaseException) -> None:
        self._error = exc
        await self.close()

    async def _read_ahead(self, until: Callable[[ChunkT], bool]) -> None:
        """Read, without handing out, until a chunk satisfies ``until`` or the stream ends.

        The router uses it to see a stream fail before anything reached the caller. Errors
        close the stream and are raised, as when iterating.
        """
        seen = 0
        while not self._finished:
            ready = self._ready
            if any(until(ready[i]) for i in range(seen, len(ready))):
                return
            seen = len(ready)
            await self._read()

    async def _finish(self) -> None:
        self._finished = True
        drained = 0
        async for piece in self._bytes:  # normally just the end of the chunked body
            drained += len(piece)
            if drained > _DRAIN_LIMIT:
                break
        await self.close()

    async def get_final_completion(self: AsyncStream[ChatCompletionChunk]) -> ChatCompletion:
        """Read what is left and fold every chunk of the stream into one ``ChatCompletion``.

        Raises:
            APIResponseValidationError: the stream had no chunk, or its text passed the
                client's ``max_response_bytes``.
        """
        async for _ in self:
            pass
        completion = _final(self._accumulator, self.response)
        attach_request_id(completion, self.response.headers)
        return completion

    async def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._finished = True
        self._ready.clear()
        # Shielded: a cancelled task must still close its connection instead of leaking it.
        with anyio.CancelScope(shield=True):
            await self.response.aclose()  # frees the client-side slot too
        watcher, self._watcher = self._watcher, None
        if watcher is not None:  # outside the shield: hooks may take their time
            await watcher.closed(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
