"""``chat.completions.stream()``: a chat stream as typed events (sync and async twins).

``ChatCompletionStream`` wraps the chunk ``Stream``: each chunk the stream hands out has been
folded into the stream's accumulator, and :class:`~tokenclient._core.stream_events.StreamEvents`
reads the events off that same fold. The twins differ only by ``async``/``await``.

```python
with client.chat.completions.stream(model="qwen3-8b", messages=messages) as stream:
    for text in stream.text_stream:
        print(text, end="")
    completion = stream.get_final_completion()
```
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeAlias, cast

from typing_extensions import Self, TypeVar

from ._core.response_headers import attach_request_id, request_id
from ._core.stream_events import StreamEvents
from ._core.structured import OutputSpec, Strategy, ToolSpec, parse_completion
from .types.chat_stream_events import ChatCompletionStreamEvent, ContentDeltaEvent

if TYPE_CHECKING:
    import httpx

    from ._streaming import AsyncStream, Stream
    from .types.chat import ChatCompletionChunk
    from .types.parsed import ParsedChatCompletion

__all__ = [
    "AsyncChatCompletionStream",
    "AsyncChatCompletionStreamManager",
    "ChatCompletionStream",
    "ChatCompletionStreamManager",
]

ContentT = TypeVar("ContentT", default=None)


class ChatCompletionStream(Generic[ContentT]):
    """The events of a streamed chat completion: an iterator and a context manager.

    Iterating gives ``ChatCompletionStreamEvent`` s (a ``ChunkEvent`` per chunk, then the
    deltas and done events it caused); ``text_stream`` gives only the content text;
    ``get_final_completion()`` reads the rest and returns the ``ParsedChatCompletion``.
    """

    def __init__(
        self,
        stream: Stream[ChatCompletionChunk],
        *,
        spec: OutputSpec[ContentT] | None = None,
        strategy: Strategy = "json_schema",
        tools: Mapping[str, ToolSpec] | None = None,
        tool_definitions: list[Mapping[str, object]] | None = None,
    ) -> None:
        self._stream = stream
        self._spec = spec
        self._strategy: Strategy = strategy
        self._tool_definitions = tool_definitions or []
        # The stream's own fold: events are read off it, never computed twice.
        accumulator = stream._accumulator  # pyright: ignore[reportPrivateUsage]  # one package
        self._events = StreamEvents(accumulator, spec=spec, tools=tools)
        self._pending: deque[ChatCompletionStreamEvent[ContentT]] = deque()
        self._ended = False

    @property
    def response(self) -> httpx.Response:
        """The HTTP response the chunks are read from."""
        return self._stream.response

    @property
    def request_id(self) -> str | None:
        """The response's ``x-request-id`` (or ``request-id``) header."""
        return request_id(self.response.headers)

    def __iter__(self) -> Iterator[ChatCompletionStreamEvent[ContentT]]:
        return self

    def __next__(self) -> ChatCompletionStreamEvent[ContentT]:
        while not self._pending:
            if self._ended:
                raise StopIteration
            chunk = next(self._stream, None)
            if chunk is None:
                self._ended = True
                self._pending.extend(self._events.finish())
            else:
                self._pending.extend(self._events.events(chunk))
        return self._pending.popleft()

    @property
    def text_stream(self) -> Iterator[str]:
        """Only the content text, piece by piece (other events are skipped)."""
        return (event.delta for event in self if isinstance(event, ContentDeltaEvent))

    def until_done(self) -> Self:
        """Read the stream to its end."""
        for _ in self:
            pass
        return self

    def get_final_completion(self) -> ParsedChatCompletion[ContentT]:
        """Read what is left; the whole completion, parsed as ``parse()`` does.

        Raises ``StructuredOutputError``, ``ToolArgumentsError``, ``LengthFinishReasonError``
        or ``ContentFilterFinishReasonError`` as ``parse()`` does.
        """
        self.until_done()
        accumulator = self._stream._accumulator  # pyright: ignore[reportPrivateUsage]  # one package
        parsed = parse_completion(
            accumulator.result(),
            cast("OutputSpec[ContentT]", self._spec),  # None gives ParsedChatCompletion[None]
            strategy=self._strategy,
            tools=self._tool_definitions,
        )
        attach_request_id(parsed, self.response.headers)
        return parsed

    def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._ended = True
        self._pending.clear()
        self._stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncChatCompletionStream(Generic[ContentT]):
    """The events of a streamed chat completion: an async iterator and an async context manager.

    Iterating gives ``ChatCompletionStreamEvent`` s (a ``ChunkEvent`` per chunk, then the
    deltas and done events it caused); ``text_stream`` gives only the content text;
    ``get_final_completion()`` reads the rest and returns the ``ParsedChatCompletion``.
    """

    def __init__(
        self,
        stream: AsyncStream[ChatCompletionChunk],
        *,
        spec: OutputSpec[ContentT] | None = None,
        strategy: Strategy = "json_schema",
        tools: Mapping[str, ToolSpec] | None = None,
        tool_definitions: list[Mapping[str, object]] | None = None,
    ) -> None:
        self._stream = stream
        self._spec = spec
        self._strategy: Strategy = strategy
        self._tool_definitions = tool_definitions or []
        # The stream's own fold: events are read off it, never computed twice.
        accumulator = stream._accumulator  # pyright: ignore[reportPrivateUsage]  # one package
        self._events = StreamEvents(accumulator, spec=spec, tools=tools)
        self._pending: deque[ChatCompletionStreamEvent[ContentT]] = deque()
        self._ended = False

    @property
    def response(self) -> httpx.Response:
        """The HTTP response the chunks are read from."""
        return self._stream.response

    @property
    def request_id(self) -> str | None:
        """The response's ``x-request-id`` (or ``request-id``) header."""
        return request_id(self.response.headers)

    def __aiter__(self) -> AsyncIterator[ChatCompletionStreamEvent[ContentT]]:
        return self

    async def __anext__(self) -> ChatCompletionStreamEvent[ContentT]:
        while not self._pending:
            if self._ended:
                raise StopAsyncIteration
            chunk = await anext(self._stream, None)
            if chunk is None:
                self._ended = True
                self._pending.extend(self._events.finish())
            else:
                self._pending.extend(self._events.events(chunk))
        return self._pending.popleft()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """Only the content text, piece by piece (other events are skipped)."""
        return (event.delta async for event in self if isinstance(event, ContentDeltaEvent))

    async def until_done(self) -> Self:
        """Read the stream to its end."""
        async for _ in self:
            pass
        return self

    async def get_final_completion(self) -> ParsedChatCompletion[ContentT]:
        """Read what is left; the whole completion, parsed as ``parse()`` does.

        Raises ``StructuredOutputError``, ``ToolArgumentsError``, ``LengthFinishReasonError``
        or ``ContentFilterFinishReasonError`` as ``parse()`` does.
        """
        await self.until_done()
        accumulator = self._stream._accumulator  # pyright: ignore[reportPrivateUsage]  # one package
        parsed = parse_completion(
            accumulator.result(),
            cast("OutputSpec[ContentT]", self._spec),  # None gives ParsedChatCompletion[None]
            strategy=self._strategy,
            tools=self._tool_definitions,
        )
        attach_request_id(parsed, self.response.headers)
        return parsed

    async def close(self) -> None:
        """Stop reading and release the connection; safe to call more than once."""
        self._ended = True
        self._pending.clear()
        await self._stream.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


StreamOpener: TypeAlias = Callable[[], ChatCompletionStream[ContentT]]
"""Sends the request of a ``ChatCompletionStreamManager``."""
AsyncStreamOpener: TypeAlias = Callable[[], Awaitable[AsyncChatCompletionStream[ContentT]]]
"""Sends the request of an ``AsyncChatCompletionStreamManager``."""


class ChatCompletionStreamManager(Generic[ContentT]):
    """What ``stream()`` returns: ``with`` opens the request and gives the stream, and closes it.

    The arguments were checked when ``stream()`` was called; the request is sent on entering.
    """

    def __init__(self, open_stream: StreamOpener[ContentT]) -> None:
        self._open = open_stream
        self._stream: ChatCompletionStream[ContentT] | None = None

    def __enter__(self) -> ChatCompletionStream[ContentT]:
        self._stream = self._open()
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()


class AsyncChatCompletionStreamManager(Generic[ContentT]):
    """What ``stream()`` returns: ``async with`` opens the request and gives the stream, and
    closes it.

    The arguments were checked when ``stream()`` was called; the request is sent on entering.
    """

    def __init__(self, open_stream: AsyncStreamOpener[ContentT]) -> None:
        self._open = open_stream
        self._stream: AsyncChatCompletionStream[ContentT] | None = None

    async def __aenter__(self) -> AsyncChatCompletionStream[ContentT]:
        self._stream = await self._open()
        return self._stream

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            await self._stream.close()
