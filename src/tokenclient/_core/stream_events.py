"""Stream events, pure: what one chunk changed, read off the one fold of the stream.

The stream folds every chunk into its :class:`ChatCompletionAccumulator` first; then
:meth:`StreamEvents.events` looks at the chunk and at the accumulator's state (the text so far,
the tool call a piece went to) and returns the typed events of
:mod:`tokenclient.types.chat_stream_events`. There is no second accumulator: snapshots and
finished values are the fold's own.

A choice's content, refusal and open tool call are finished by its ``finish_reason``, or by
the end of the stream (:meth:`StreamEvents.finish`) for providers that send none. A tool call
is finished when a piece for another call of the same choice arrives, and the reasoning when
the answer (content, refusal or a tool call) starts, or with the rest; reasoning that resumes
later is finished again, its done event holding all the reasoning so far.

``ContentDoneEvent.parsed`` is validated against the ``response_format`` type and
``ToolCallDoneEvent.parsed_arguments`` against a ``function_tool`` 's type: output that does
not validate raises ``StructuredOutputError`` / ``ToolArgumentsError``, as ``parse()`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

from .._exceptions import ToolArgumentsError
from ..types.chat import ChatCompletionChunk, ChunkChoice
from ..types.chat_stream_events import (
    ChatCompletionStreamEvent,
    ChunkEvent,
    ContentDeltaEvent,
    ContentDoneEvent,
    ReasoningDeltaEvent,
    ReasoningDoneEvent,
    RefusalDeltaEvent,
    RefusalDoneEvent,
    ToolCallArgumentsDeltaEvent,
    ToolCallDoneEvent,
)
from .accumulate import ChatCompletionAccumulator
from .structured import (
    Invalid,
    OutputSpec,
    ToolSpec,
    output_error,
    parse_tool_arguments,
    validate_output,
)

__all__ = ["StreamEvents"]

T = TypeVar("T")


class StreamEvents(Generic[T]):
    """The events of each chunk, from the stream's accumulator (which must fold it first)."""

    __slots__ = (
        "_accumulator",
        "_finished",
        "_open_tool",
        "_reasoning",
        "_seen",
        "_spec",
        "_tools",
    )

    def __init__(
        self,
        accumulator: ChatCompletionAccumulator,
        *,
        spec: OutputSpec[T] | None = None,
        tools: Mapping[str, ToolSpec] | None = None,
    ) -> None:
        self._accumulator = accumulator
        self._spec = spec
        self._tools = tools or {}
        self._open_tool: dict[int, int] = {}
        """Per choice, the tool call that pieces went to last and is not finished yet."""
        self._seen: dict[int, None] = {}
        """The choices seen, in order (a dict keeps the order)."""
        self._finished: set[int] = set()
        self._reasoning: set[int] = set()
        """The choices whose reasoning has pieces not yet finished by a done event."""

    def events(self, chunk: ChatCompletionChunk) -> list[ChatCompletionStreamEvent[T]]:
        """The events ``chunk`` caused, its :class:`ChunkEvent` first."""
        found: list[ChatCompletionStreamEvent[T]] = [ChunkEvent(chunk)]
        for choice in chunk.choices:
            self._choice(choice, found)
        return found

    def finish(self) -> list[ChatCompletionStreamEvent[T]]:
        """The done events of the choices the stream ended without a ``finish_reason`` for."""
        found: list[ChatCompletionStreamEvent[T]] = []
        for index in self._seen:
            if index not in self._finished:
                self._done(index, found)
        return found

    def _choice(self, choice: ChunkChoice, found: list[ChatCompletionStreamEvent[T]]) -> None:
        index = choice.index
        self._seen[index] = None
        delta = choice.delta
        accumulator = self._accumulator
        if delta.reasoning_content:
            snapshot = accumulator.text(index, "reasoning")
            found.append(ReasoningDeltaEvent(delta.reasoning_content, snapshot, index))
            self._reasoning.add(index)
        if index in self._reasoning and (delta.content or delta.refusal or delta.tool_calls):
            self._reasoning_done(index, found)  # the answer starts: the thinking is over
        if delta.content:
            snapshot = accumulator.text(index, "content")
            found.append(ContentDeltaEvent(delta.content, snapshot, index))
        if delta.refusal:
            snapshot = accumulator.text(index, "refusal")
            found.append(RefusalDeltaEvent(delta.refusal, snapshot, index))
        if delta.tool_calls:
            last = accumulator.last_tool_index(index)
            for piece in delta.tool_calls:
                # A piece without an index went where the fold put it (the last call touched).
                tool_index = piece.index if piece.index is not None else last
                if tool_index is None:
                    continue
                open_tool = self._open_tool.get(index)
                if open_tool is not None and open_tool != tool_index:
                    found.append(self._tool_done(index, open_tool))
                self._open_tool[index] = tool_index
                _, name, _ = accumulator.tool_call(index, tool_index)
                arguments = piece.function.arguments if piece.function is not None else None
                found.append(ToolCallArgumentsDeltaEvent(tool_index, name, arguments or "", index))
        if choice.finish_reason is not None and index not in self._finished:
            self._done(index, found)

    def _done(self, index: int, found: list[ChatCompletionStreamEvent[T]]) -> None:
        self._finished.add(index)
        accumulator = self._accumulator
        if index in self._reasoning:
            self._reasoning_done(index, found)
        refusal = accumulator.text(index, "refusal")
        content = accumulator.text(index, "content")
        if content:
            parsed = self._parse(content) if not refusal else None
            found.append(ContentDoneEvent(content, parsed, index))
        if refusal:
            found.append(RefusalDoneEvent(refusal, index))
        open_tool = self._open_tool.pop(index, None)
        if open_tool is not None:
            found.append(self._tool_done(index, open_tool))

    def _reasoning_done(self, index: int, found: list[ChatCompletionStreamEvent[T]]) -> None:
        self._reasoning.discard(index)
        found.append(ReasoningDoneEvent(self._accumulator.text(index, "reasoning"), index))

    def _parse(self, content: str) -> T | None:
        spec = self._spec
        if spec is None:
            return None
        result = validate_output(spec, content)
        if isinstance(result, Invalid):
            raise output_error(spec, result, content, self._accumulator.result())
        return result

    def _tool_done(self, index: int, tool_index: int) -> ToolCallDoneEvent:
        call_id, name, arguments = self._accumulator.tool_call(index, tool_index)
        typed = self._tools.get(name)
        parsed: object = None
        if typed is not None:
            try:
                parsed = parse_tool_arguments(typed, arguments)
            except ToolArgumentsError as error:
                error.completion = self._accumulator.result()  # built only when needed
                raise
        return ToolCallDoneEvent(tool_index, name, arguments, parsed, call_id, index)
