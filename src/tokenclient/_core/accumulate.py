"""Fold the chunks of a streamed chat completion into one ``ChatCompletion``.

A pure fold shared by the sync and async streams: :meth:`ChatCompletionAccumulator.add` takes
each chunk as it arrives (cheaply: text pieces are collected and joined once, at the end) and
:meth:`ChatCompletionAccumulator.result` builds the completion. Chunks are never mutated.

How each part is folded, per choice ``index``:

- ``content``, ``refusal``, ``reasoning_content``: pieces joined; ``None`` when no non-empty
  piece came;
- ``role``: the first one sent (``"assistant"`` when none was);
- ``finish_reason``: the last non-null one;
- ``logprobs``: ``content`` and ``refusal`` entries appended in order;
- ``tool_calls``: pieces grouped by their ``index``; ``id``, ``type`` and ``function.name`` are
  taken from the first piece that has them, ``function.arguments`` pieces are joined. A piece
  without an ``index`` (some providers leave it out) goes to the call with the same ``id`` if
  there is one, to a new call if it brings a new ``id``, and otherwise to the call the previous
  piece went to (the first call when there was none);
- the legacy ``function_call``: ``name`` taken, ``arguments`` joined.

Across the stream: ``id`` and ``model`` come from the first chunk that has a non-empty one,
``created`` from the first chunk that has it, ``system_fingerprint`` and ``service_tier`` from
the last chunk that has them, and ``usage`` from the last chunk that carries it (usually the
usage-only last chunk, with ``choices: []``). Unknown top-level fields of the chunks (vendor
extras such as ``provider`` or ``cost``) are kept on the result, the last value winning, except
the per-chunk padding ``obfuscation``.

What is kept is bounded: with ``max_bytes`` set, once the kept text (content, refusal,
reasoning and argument pieces) passes it, the fold stops keeping anything and ``result()``
raises :class:`FoldTooLarge`; the stream itself goes on. Streams set it to the client's
``max_response_bytes``, so a long stream whose chunks are discarded costs at most that.

The result shares nested objects (``usage``, log-probability entries, extra values) with the
chunks instead of copying them: treat both as read-only. ``result()`` may be called more than
once and ``add()`` may continue after it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from ..types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    ChatCompletionTokenLogprob,
    Choice,
    ChoiceDeltaToolCall,
    ChoiceLogprobs,
    ChunkChoice,
    CompletionUsage,
    Function,
    FunctionCall,
)

__all__ = ["ChatCompletionAccumulator", "EmptyStream", "FoldTooLarge", "accumulate"]


class EmptyStream(ValueError):
    """No chunk was added: an empty stream has no completion to build."""


class FoldTooLarge(ValueError):
    """The text kept for the fold passed ``max_bytes``; nothing more was kept."""


_CONTENT_ONLY: set[str] = {"content"}
"""The fields a delta that carries only text has set (a set: compared with a set, not mutated)."""


def _join(parts: list[str]) -> str | None:
    return "".join(parts) if parts else None


class _ToolCallState:
    """The pieces of one tool call seen so far."""

    __slots__ = ("arguments", "id", "name", "type")

    def __init__(self) -> None:
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []

    def add(self, piece: ChoiceDeltaToolCall) -> None:
        if self.id is None and piece.id:
            self.id = piece.id
        if self.type is None and piece.type:
            self.type = piece.type
        function = piece.function
        if function is not None:
            if self.name is None and function.name:
                self.name = function.name
            if function.arguments:
                self.arguments.append(function.arguments)

    def result(self) -> ChatCompletionMessageToolCall:
        return ChatCompletionMessageToolCall(
            id=self.id or "",
            type=self.type or "function",
            function=Function(name=self.name or "", arguments="".join(self.arguments)),
        )


class _ChoiceState:
    """The pieces of one choice seen so far."""

    __slots__ = (
        "content",
        "finish_reason",
        "function_arguments",
        "function_name",
        "has_function_call",
        "index",
        "last_tool",
        "logprobs_content",
        "logprobs_refusal",
        "reasoning",
        "refusal",
        "role",
        "saw_logprobs",
        "tools",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.role: str | None = None
        self.content: list[str] = []
        self.refusal: list[str] = []
        self.reasoning: list[str] = []
        self.finish_reason: str | None = None
        self.tools: dict[int, _ToolCallState] = {}
        self.last_tool: int | None = None
        self.has_function_call = False
        self.function_name: str | None = None
        self.function_arguments: list[str] = []
        self.saw_logprobs = False
        self.logprobs_content: list[ChatCompletionTokenLogprob] = []
        self.logprobs_refusal: list[ChatCompletionTokenLogprob] = []

    def add(self, choice: ChunkChoice) -> int:
        """Fold one choice in; return how many characters of text it kept."""
        delta = choice.delta
        if self.role is None and delta.role:
            self.role = delta.role
        text = delta.content
        if text:
            self.content.append(text)
            kept = len(text)
        else:
            kept = 0
        text = delta.refusal
        if text:
            self.refusal.append(text)
            kept += len(text)
        text = delta.reasoning_content
        if text:
            self.reasoning.append(text)
            kept += len(text)
        if delta.tool_calls:
            for piece in delta.tool_calls:
                kept += self._tool_call(piece)
        if delta.function_call is not None:
            self.has_function_call = True
            if self.function_name is None and delta.function_call.name:
                self.function_name = delta.function_call.name
            if delta.function_call.arguments:
                self.function_arguments.append(delta.function_call.arguments)
                kept += len(delta.function_call.arguments)
        if choice.finish_reason is not None:
            self.finish_reason = choice.finish_reason
        if choice.logprobs is not None:
            self.saw_logprobs = True
            if choice.logprobs.content:
                self.logprobs_content.extend(choice.logprobs.content)
            if choice.logprobs.refusal:
                self.logprobs_refusal.extend(choice.logprobs.refusal)
        return kept

    def _tool_call(self, piece: ChoiceDeltaToolCall) -> int:
        index = piece.index
        if index is None:
            index = self._index_without_index(piece.id)
        state = self.tools.get(index)
        if state is None:
            state = self.tools[index] = _ToolCallState()
        state.add(piece)
        self.last_tool = index
        function = piece.function
        return len(function.arguments) if function is not None and function.arguments else 0

    def _index_without_index(self, call_id: str | None) -> int:
        if call_id:
            for index, state in self.tools.items():
                if state.id == call_id:
                    return index
            if self.last_tool is None or self.tools[self.last_tool].id is not None:
                return max(self.tools, default=-1) + 1  # a new call
            return self.last_tool  # the previous call had no id yet: this one names it
        return 0 if self.last_tool is None else self.last_tool

    def result(self) -> Choice:
        message = ChatCompletionMessage(
            role=self.role or "assistant",
            content=_join(self.content),
            refusal=_join(self.refusal),
            reasoning_content=_join(self.reasoning),
            tool_calls=(
                [self.tools[index].result() for index in sorted(self.tools)] if self.tools else None
            ),
            function_call=(
                FunctionCall(
                    name=self.function_name or "", arguments="".join(self.function_arguments)
                )
                if self.has_function_call
                else None
            ),
        )
        logprobs = (
            ChoiceLogprobs(
                content=self.logprobs_content or None, refusal=self.logprobs_refusal or None
            )
            if self.saw_logprobs
            else None
        )
        return Choice(
            index=self.index, message=message, finish_reason=self.finish_reason, logprobs=logprobs
        )


class ChatCompletionAccumulator:
    """Fold stream chunks into a ``ChatCompletion``: :meth:`add` each chunk, then :meth:`result`.

    The fold rules are in this module's docstring.
    """

    __slots__ = (
        "_choices",
        "_chunks",
        "_created",
        "_extra",
        "_first",
        "_id",
        "_max_bytes",
        "_model",
        "_room",
        "_service_tier",
        "_system_fingerprint",
        "_usage",
    )

    def __init__(self, *, max_bytes: int | None = None) -> None:
        self._max_bytes = max_bytes
        # Characters of text that may still be kept; below 0 once past ``max_bytes``.
        self._room: float = math.inf if max_bytes is None else max_bytes
        self._chunks = 0
        self._first = True  # id, model or created still to be taken from a chunk
        self._id: str | None = None
        self._model: str | None = None
        self._created: int | None = None
        self._system_fingerprint: str | None = None
        self._service_tier: str | None = None
        self._usage: CompletionUsage | None = None
        self._extra: dict[str, object] = {}
        self._choices: dict[int, _ChoiceState] = {}

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Fold one chunk in."""
        self._chunks += 1
        if self._first:  # the first id, model and created: settled after a chunk or two
            self._add_first(chunk)
        if chunk.system_fingerprint is not None:
            self._system_fingerprint = chunk.system_fingerprint
        if chunk.service_tier is not None:
            self._service_tier = chunk.service_tier
        if chunk.usage is not None:
            self._usage = chunk.usage
        extra = chunk.__pydantic_extra__  # the dict itself: `model_extra` is a property call
        if extra:
            self._extra.update(extra)
            self._extra.pop("obfuscation", None)
        room = self._room
        if room < 0:
            return  # past max_bytes: keep nothing more
        choices = chunk.choices
        if len(choices) == 1:
            # Most chunks are one choice adding one piece of text and nothing else: fold that
            # without the general walk over every field of the delta.
            choice = choices[0]
            delta = choice.delta
            text = delta.content
            if (
                text is not None
                and delta.__pydantic_fields_set__ == _CONTENT_ONLY
                and choice.finish_reason is None
                and choice.logprobs is None
            ):
                state = self._choices.get(choice.index)
                if state is not None and text:
                    state.content.append(text)
                    room -= len(text)
                    self._room = room
                    if room < 0:
                        self._choices.clear()  # free what was kept
                    return
        for choice in choices:
            state = self._choices.get(choice.index)
            if state is None:
                state = self._choices[choice.index] = _ChoiceState(choice.index)
            room -= state.add(choice)
        self._room = room
        if room < 0:
            self._choices.clear()  # free what was kept

    def _add_first(self, chunk: ChatCompletionChunk) -> None:
        if not self._id and chunk.id:
            self._id = chunk.id
        if not self._model and chunk.model:
            self._model = chunk.model
        if self._created is None and chunk.created is not None:
            self._created = chunk.created
        self._first = not (self._id and self._model and self._created is not None)

    def result(self) -> ChatCompletion:
        """The completion folded so far.

        Raises:
            EmptyStream: no chunk was added (an empty stream has no completion to build).
            FoldTooLarge: the kept text passed ``max_bytes``.
        """
        if not self._chunks:
            raise EmptyStream("no chunks")
        if self._room < 0:
            raise FoldTooLarge(
                f"the streamed completion passed max_bytes={self._max_bytes} characters of "
                "text; it was not kept"
            )
        completion = ChatCompletion(
            id=self._id or "",
            model=self._model or "",
            created=self._created,
            object="chat.completion",
            choices=[self._choices[index].result() for index in sorted(self._choices)],
            system_fingerprint=self._system_fingerprint,
            service_tier=self._service_tier,
            usage=self._usage,
        )
        if self._extra:
            # Vendor extras are not declared fields: set them as pydantic stores parsed extras.
            extra = completion.__pydantic_extra__
            if extra is not None:
                extra.update(self._extra)
        return completion

    # --- read-only views for stream events (tokenclient._core.stream_events) ---------------

    def text(self, index: int, part: Literal["content", "refusal", "reasoning"]) -> str:
        """Choice ``index``'s ``content``, ``refusal`` or ``reasoning`` text so far (``""``)."""
        state = self._choices.get(index)
        if state is None:
            return ""
        if part == "content":
            pieces = state.content
        else:
            pieces = state.refusal if part == "refusal" else state.reasoning
        if len(pieces) == 1:
            return pieces[0]
        joined = "".join(pieces)
        if pieces:
            pieces[:] = [joined]  # compacted: a snapshot per delta copies one string, not n
        return joined

    def last_tool_index(self, index: int) -> int | None:
        """The ``tool_calls`` position the last tool-call piece of choice ``index`` went to."""
        state = self._choices.get(index)
        return None if state is None else state.last_tool

    def tool_call(self, index: int, tool_index: int) -> tuple[str, str, str]:
        """``(id, name, arguments)`` of a tool call of choice ``index`` so far."""
        state = self._choices.get(index)
        call = None if state is None else state.tools.get(tool_index)
        if call is None:
            return "", "", ""
        return call.id or "", call.name or "", "".join(call.arguments)


def accumulate(chunks: Iterable[ChatCompletionChunk]) -> ChatCompletion:
    """Fold all ``chunks`` into one ``ChatCompletion`` (``EmptyStream`` if there are none)."""
    accumulator = ChatCompletionAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.result()
