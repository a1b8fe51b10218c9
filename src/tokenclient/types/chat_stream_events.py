"""The events of ``client.chat.completions.stream()``: what each chunk changed, typed.

Iterating a ``ChatCompletionStream`` gives, for every chunk, a :class:`ChunkEvent` and then
the events the chunk caused, in this order per choice: reasoning deltas, content and refusal
deltas, tool-call argument deltas, then the ``...DoneEvent`` s of the parts the chunk
finished. The reasoning is done when the answer starts; a tool call when the next one starts;
the rest with the choice's ``finish_reason`` (or the end of the stream). Every event but
``ChunkEvent`` carries ``choice_index`` (0 unless ``n`` > 1).

The events are frozen dataclasses, so ``match`` statements read well::

    for event in stream:
        match event:
            case ContentDeltaEvent(delta=delta):
                print(delta, end="")
            case ToolCallDoneEvent(name=name, parsed_arguments=arguments):
                run(name, arguments)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeAlias

from typing_extensions import TypeVar

from .chat import ChatCompletionChunk

__all__ = [
    "ChatCompletionStreamEvent",
    "ChunkEvent",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "ReasoningDeltaEvent",
    "ReasoningDoneEvent",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "ToolCallArgumentsDeltaEvent",
    "ToolCallDoneEvent",
]

ContentT = TypeVar("ContentT", default=None)
"""The type of ``ContentDoneEvent.parsed``; ``None`` when no ``response_format`` was given."""


@dataclass(frozen=True, slots=True)
class ChunkEvent:
    """A chunk arrived (sent before the events it caused)."""

    chunk: ChatCompletionChunk
    """The chunk, as parsed."""


@dataclass(frozen=True, slots=True)
class ContentDeltaEvent:
    """A piece of a choice's text."""

    delta: str
    """The new text."""
    snapshot: str
    """The choice's text so far, ``delta`` included."""
    choice_index: int = 0
    """The choice the text belongs to."""


@dataclass(frozen=True, slots=True)
class ContentDoneEvent(Generic[ContentT]):
    """A choice's text is complete (its ``finish_reason`` arrived, or the stream ended)."""

    content: str
    """The whole text."""
    parsed: ContentT | None
    """The text validated as the ``response_format`` type; ``None`` without one."""
    choice_index: int = 0
    """The choice the text belongs to."""


@dataclass(frozen=True, slots=True)
class RefusalDeltaEvent:
    """A piece of a choice's refusal message."""

    delta: str
    """The new text."""
    snapshot: str
    """The refusal so far, ``delta`` included."""
    choice_index: int = 0
    """The choice that refuses."""


@dataclass(frozen=True, slots=True)
class RefusalDoneEvent:
    """A choice's refusal message is complete."""

    refusal: str
    """The whole refusal message."""
    choice_index: int = 0
    """The choice that refused."""


@dataclass(frozen=True, slots=True)
class ReasoningDeltaEvent:
    """A piece of a choice's reasoning (``reasoning_content``, ``reasoning`` or
    ``reasoning_details`` on the wire: the models give all three as ``reasoning_content``)."""

    delta: str
    """The new reasoning text."""
    snapshot: str
    """The reasoning so far, ``delta`` included."""
    choice_index: int = 0
    """The choice that reasons."""


@dataclass(frozen=True, slots=True)
class ReasoningDoneEvent:
    """A choice's reasoning is complete: the answer started (or the choice finished)."""

    reasoning: str
    """The whole reasoning text."""
    choice_index: int = 0
    """The choice that reasoned."""


@dataclass(frozen=True, slots=True)
class ToolCallArgumentsDeltaEvent:
    """A piece of a tool call's arguments (or its first piece, with the name)."""

    index: int
    """The tool call's position in the message's ``tool_calls``."""
    name: str
    """The function's name (``""`` until the provider sent it)."""
    arguments_delta: str
    """The new piece of the arguments' JSON text (may be empty in a call's first piece)."""
    choice_index: int = 0
    """The choice that calls the tool."""


@dataclass(frozen=True, slots=True)
class ToolCallDoneEvent:
    """A tool call is complete: the next call started, or the choice finished."""

    index: int
    """The tool call's position in the message's ``tool_calls``."""
    name: str
    """The function's name."""
    arguments: str
    """The whole arguments' JSON text, as the model wrote it."""
    parsed_arguments: object
    """For a tool built by ``function_tool``: the validated model, or a dict of the function's
    arguments; ``None`` for other tools."""
    id: str = ""
    """The call's id, to send back as ``tool_call_id``."""
    choice_index: int = 0
    """The choice that called the tool."""


ChatCompletionStreamEvent: TypeAlias = (
    ChunkEvent
    | ContentDeltaEvent
    | ContentDoneEvent[ContentT]
    | RefusalDeltaEvent
    | RefusalDoneEvent
    | ReasoningDeltaEvent
    | ReasoningDoneEvent
    | ToolCallArgumentsDeltaEvent
    | ToolCallDoneEvent
)
"""Any event of a chat completion stream; ``ContentT`` is the ``response_format`` type."""
