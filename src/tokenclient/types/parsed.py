"""The typed result of ``chat.completions.parse()``: a ``ChatCompletion`` whose messages carry
``parsed`` (the validated output) and whose tool calls carry ``parsed_arguments``.

Each class subclasses its plain counterpart in :mod:`tokenclient.types.chat`, so code written
for ``ChatCompletion`` takes a ``ParsedChatCompletion`` unchanged. Names follow the official
OpenAI SDK.
"""

from __future__ import annotations

from typing import Generic

from typing_extensions import TypeVar

from .chat import (
    ChatCompletion,
    ChatCompletionMessage,
    ChatCompletionMessageToolCall,
    Choice,
    Function,
)

__all__ = [
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
    "ParsedFunction",
    "ParsedFunctionToolCall",
]

ContentT = TypeVar("ContentT", default=None)
"""The type of ``message.parsed``; ``None`` when no ``response_format`` type was given."""


class ParsedFunction(Function):
    """The function of a tool call, with its arguments validated when the tool is typed."""

    parsed_arguments: object = None
    """For a tool built by ``function_tool``: the validated pydantic model, or a dict of the
    plain function's arguments; ``None`` for other tools."""


class ParsedFunctionToolCall(ChatCompletionMessageToolCall):
    """A tool call whose ``function`` has ``parsed_arguments``."""

    # Narrowed to the parsed form, as openai-python does (fields are read-only in practice).
    function: ParsedFunction | None = None  # pyright: ignore[reportIncompatibleVariableOverride]
    """The function called, for a function tool call."""


class ParsedChatCompletionMessage(ChatCompletionMessage, Generic[ContentT]):
    """The generated message, with ``parsed``."""

    parsed: ContentT | None = None
    """The output validated as the requested type; ``None`` when the model refused
    (``refusal`` is set) or no type was requested."""
    # Narrowed to the parsed form, as openai-python does (list is invariant).
    tool_calls: list[ParsedFunctionToolCall] | None = None  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The tool calls the model made, with ``function.parsed_arguments``."""


class ParsedChoice(Choice, Generic[ContentT]):
    """One choice, with a parsed message."""

    # Narrowed to the parsed form, as openai-python does (list is invariant).
    message: ParsedChatCompletionMessage[ContentT]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The generated message, with ``parsed``."""


class ParsedChatCompletion(ChatCompletion, Generic[ContentT]):
    """The response of ``chat.completions.parse()``: choices with parsed messages."""

    # Narrowed to the parsed form, as openai-python does (list is invariant).
    choices: list[ParsedChoice[ContentT]]  # type: ignore[assignment]  # pyright: ignore[reportIncompatibleVariableOverride]
    """The generated choices; one unless ``n`` was greater than 1."""
