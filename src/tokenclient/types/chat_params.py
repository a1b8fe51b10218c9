"""What ``client.chat.completions.create()`` accepts: TypedDicts for dict literals, message models.

Plain dict literals type-check against the ``TypedDict`` s below (as with the OpenAI SDK's
``ChatCompletionMessageParam``); messages may also be given as the pydantic models
``SystemMessage``, ``DeveloperMessage``, ``UserMessage``, ``AssistantMessage`` and
``ToolMessage``. Keys the types do not name (``cache_control``, vendor fields) are still sent
as given; type checkers flag them in literals, the run-time check does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, with_config
from typing_extensions import Required, TypedDict

__all__ = [
    "AssistantMessage",
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionAudioParam",
    "ChatCompletionContentPartFileParam",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartRefusalParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionDeveloperMessageParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionUserMessageParam",
    "DeveloperMessage",
    "FileContent",
    "FunctionCallParam",
    "FunctionDefinition",
    "ImageURL",
    "InputAudio",
    "JSONSchema",
    "MessageInput",
    "MessageModel",
    "NamedToolChoiceFunction",
    "ReasoningEffort",
    "ResponseFormat",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "ResponseFormatText",
    "SystemMessage",
    "ToolMessage",
    "UserMessage",
]

# The TypedDicts keep unknown keys when a message model validates them (extra="allow"), so a
# part such as {"type": "text", "text": "...", "cache_control": {...}} survives intact.
_KEEP_EXTRAS = ConfigDict(extra="allow")

ReasoningEffort: TypeAlias = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
"""How hard a reasoning model thinks; providers document ``low``/``medium``/``high``, the OpenAI
spec adds ``none``, ``minimal``, ``xhigh`` and ``max`` (not every model takes every value)."""


# --- content parts -------------------------------------------------------------------------


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartTextParam(TypedDict, total=False):
    """A text content part."""

    type: Required[Literal["text"]]
    """Always ``"text"``."""
    text: Required[str]
    """The text."""


@with_config(_KEEP_EXTRAS)
class ImageURL(TypedDict, total=False):
    """Where the image is: an ``https://`` URL or a ``data:image/...;base64,`` URL."""

    url: Required[str]
    """The image URL or base64 data URL."""
    detail: Literal["auto", "low", "high"]
    """The fidelity the model sees the image at (default ``"auto"``)."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartImageParam(TypedDict, total=False):
    """An image content part."""

    type: Required[Literal["image_url"]]
    """Always ``"image_url"``."""
    image_url: Required[ImageURL]
    """The image."""


@with_config(_KEEP_EXTRAS)
class InputAudio(TypedDict, total=False):
    """Base64 audio data and its format."""

    data: Required[str]
    """Base64-encoded audio."""
    format: Required[Literal["wav", "mp3"]]
    """The audio encoding."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartInputAudioParam(TypedDict, total=False):
    """An audio content part."""

    type: Required[Literal["input_audio"]]
    """Always ``"input_audio"``."""
    input_audio: Required[InputAudio]
    """The audio."""


@with_config(_KEEP_EXTRAS)
class FileContent(TypedDict, total=False):
    """A file given inline (``file_data`` + ``filename``) or by an uploaded ``file_id``."""

    filename: str
    """The file name, when the data is inline."""
    file_data: str
    """Base64-encoded file data."""
    file_id: str
    """The id of an uploaded file."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartFileParam(TypedDict, total=False):
    """A file content part (e.g. a PDF)."""

    type: Required[Literal["file"]]
    """Always ``"file"``."""
    file: Required[FileContent]
    """The file."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartRefusalParam(TypedDict, total=False):
    """A refusal content part, in an assistant message sent back as history."""

    type: Required[Literal["refusal"]]
    """Always ``"refusal"``."""
    refusal: Required[str]
    """The refusal text the model produced."""


ChatCompletionContentPartParam: TypeAlias = (
    ChatCompletionContentPartTextParam
    | ChatCompletionContentPartImageParam
    | ChatCompletionContentPartInputAudioParam
    | ChatCompletionContentPartFileParam
)
"""A content part of a user message."""

_AssistantContentPart: TypeAlias = (
    ChatCompletionContentPartTextParam | ChatCompletionContentPartRefusalParam
)


# --- tool calls ------------------------------------------------------------------------------


@with_config(_KEEP_EXTRAS)
class FunctionCallParam(TypedDict, total=False):
    """The function a tool call invokes."""

    name: Required[str]
    """The function name."""
    arguments: Required[str]
    """The arguments as a JSON string, as the model produced them."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionMessageToolCallParam(TypedDict, total=False):
    """A tool call the assistant made, sent back as history."""

    id: Required[str]
    """The tool call id; the answering tool message repeats it as ``tool_call_id``."""
    type: Required[Literal["function"]]
    """Always ``"function"``."""
    function: Required[FunctionCallParam]
    """The function called."""


# --- messages --------------------------------------------------------------------------------


@with_config(_KEEP_EXTRAS)
class ChatCompletionSystemMessageParam(TypedDict, total=False):
    """Instructions the model follows whatever the user says."""

    role: Required[Literal["system"]]
    """Always ``"system"``."""
    content: Required[str | Sequence[ChatCompletionContentPartTextParam]]
    """The instructions: a string or text parts."""
    name: str
    """An optional participant name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionDeveloperMessageParam(TypedDict, total=False):
    """Instructions for newer reasoning models (replaces ``system`` there)."""

    role: Required[Literal["developer"]]
    """Always ``"developer"``."""
    content: Required[str | Sequence[ChatCompletionContentPartTextParam]]
    """The instructions: a string or text parts."""
    name: str
    """An optional participant name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionUserMessageParam(TypedDict, total=False):
    """A message from the end user: text, images, audio or files."""

    role: Required[Literal["user"]]
    """Always ``"user"``."""
    content: Required[str | Sequence[ChatCompletionContentPartParam]]
    """A string or a list of content parts."""
    name: str
    """An optional participant name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionAssistantMessageParam(TypedDict, total=False):
    """An earlier model reply, sent back as conversation history."""

    role: Required[Literal["assistant"]]
    """Always ``"assistant"``."""
    content: str | Sequence[_AssistantContentPart] | None
    """The reply text; may be left out or ``None`` when ``tool_calls`` is given."""
    name: str
    """An optional participant name."""
    tool_calls: Sequence[ChatCompletionMessageToolCallParam]
    """The tool calls the model made."""
    refusal: str | None
    """The model's refusal, if it refused."""
    reasoning_content: str | None
    """The reasoning text some providers return and accept back (e.g. in tool-call loops)."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionToolMessageParam(TypedDict, total=False):
    """The result of a tool call, answering the assistant's ``tool_calls`` entry."""

    role: Required[Literal["tool"]]
    """Always ``"tool"``."""
    content: Required[str | Sequence[ChatCompletionContentPartTextParam]]
    """The tool's output."""
    tool_call_id: Required[str]
    """The ``id`` of the tool call this answers."""


ChatCompletionMessageParam: TypeAlias = (
    ChatCompletionSystemMessageParam
    | ChatCompletionDeveloperMessageParam
    | ChatCompletionUserMessageParam
    | ChatCompletionAssistantMessageParam
    | ChatCompletionToolMessageParam
)
"""One message as a plain dict."""


# --- tools, tool choice, response format, stream options, audio ------------------------------


@with_config(_KEEP_EXTRAS)
class FunctionDefinition(TypedDict, total=False):
    """A function the model may call."""

    name: Required[str]
    """The function name (OpenAI allows ``a-z A-Z 0-9 _ -``, at most 64 characters)."""
    description: str
    """What the function does; the model reads it to decide when to call it."""
    parameters: Mapping[str, object]
    """The arguments as a JSON Schema object; left out means no arguments."""
    strict: bool | None
    """Whether the model must follow ``parameters`` exactly (structured outputs)."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionToolParam(TypedDict, total=False):
    """A tool the model may call; only function tools exist."""

    type: Required[Literal["function"]]
    """Always ``"function"``."""
    function: Required[FunctionDefinition]
    """The function."""


@with_config(_KEEP_EXTRAS)
class NamedToolChoiceFunction(TypedDict, total=False):
    """The function a named tool choice forces."""

    name: Required[str]
    """The function name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionNamedToolChoiceParam(TypedDict, total=False):
    """Force the model to call one particular function."""

    type: Required[Literal["function"]]
    """Always ``"function"``."""
    function: Required[NamedToolChoiceFunction]
    """The function to call."""


ChatCompletionToolChoiceOptionParam: TypeAlias = (
    Literal["none", "auto", "required"] | ChatCompletionNamedToolChoiceParam
)
"""``"none"``, ``"auto"``, ``"required"`` or a named function."""


@with_config(_KEEP_EXTRAS)
class ResponseFormatText(TypedDict, total=False):
    """Plain text output (the default)."""

    type: Required[Literal["text"]]
    """Always ``"text"``."""


@with_config(_KEEP_EXTRAS)
class ResponseFormatJSONObject(TypedDict, total=False):
    """JSON mode: the reply is a JSON object (ask for JSON in a message too)."""

    type: Required[Literal["json_object"]]
    """Always ``"json_object"``."""


@with_config(_KEEP_EXTRAS)
class JSONSchema(TypedDict, total=False):
    """A named JSON Schema the reply must follow."""

    name: Required[str]
    """The schema name."""
    description: str
    """What the format is for."""
    schema: Mapping[str, object]
    """The JSON Schema object."""
    strict: bool | None
    """Whether the reply must follow the schema exactly."""


@with_config(_KEEP_EXTRAS)
class ResponseFormatJSONSchema(TypedDict, total=False):
    """Structured outputs: the reply follows a JSON Schema."""

    type: Required[Literal["json_schema"]]
    """Always ``"json_schema"``."""
    json_schema: Required[JSONSchema]
    """The schema."""


ResponseFormat: TypeAlias = ResponseFormatText | ResponseFormatJSONObject | ResponseFormatJSONSchema
"""The ``response_format`` argument."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionStreamOptionsParam(TypedDict, total=False):
    """Options of a streamed reply."""

    include_usage: bool
    """Send a last chunk with ``usage`` and ``choices: []`` before ``[DONE]``."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionAudioParam(TypedDict, total=False):
    """Audio output settings, needed with ``modalities=["text", "audio"]``."""

    voice: Required[str]
    """The voice, e.g. ``"alloy"``."""
    format: Required[Literal["wav", "aac", "mp3", "flac", "opus", "pcm16"]]
    """The output audio encoding."""


# --- messages as pydantic models -------------------------------------------------------------


class MessageModel(BaseModel):
    """Base of the message models; unknown fields are kept and sent."""

    model_config = ConfigDict(extra="allow")


class SystemMessage(MessageModel):
    """A ``system`` message as a model: ``SystemMessage(content="Be brief.")``."""

    role: Literal["system"] = "system"
    """Always ``"system"``."""
    content: str | list[ChatCompletionContentPartTextParam]
    """The instructions: a string or text parts."""
    name: str | None = None
    """An optional participant name."""


class DeveloperMessage(MessageModel):
    """A ``developer`` message as a model."""

    role: Literal["developer"] = "developer"
    """Always ``"developer"``."""
    content: str | list[ChatCompletionContentPartTextParam]
    """The instructions: a string or text parts."""
    name: str | None = None
    """An optional participant name."""


class UserMessage(MessageModel):
    """A ``user`` message as a model: ``UserMessage(content="Hello!")``."""

    role: Literal["user"] = "user"
    """Always ``"user"``."""
    content: str | list[ChatCompletionContentPartParam]
    """A string or a list of content parts."""
    name: str | None = None
    """An optional participant name."""


class AssistantMessage(MessageModel):
    """An earlier model reply as a model."""

    role: Literal["assistant"] = "assistant"
    """Always ``"assistant"``."""
    content: str | list[_AssistantContentPart] | None = None
    """The reply text; ``None`` when the reply was only tool calls."""
    name: str | None = None
    """An optional participant name."""
    tool_calls: list[ChatCompletionMessageToolCallParam] | None = None
    """The tool calls the model made."""
    refusal: str | None = None
    """The model's refusal, if it refused."""
    reasoning_content: str | None = None
    """The reasoning text some providers return and accept back."""


class ToolMessage(MessageModel):
    """A tool result as a model: ``ToolMessage(tool_call_id="call_1", content="42")``."""

    role: Literal["tool"] = "tool"
    """Always ``"tool"``."""
    content: str | list[ChatCompletionContentPartTextParam]
    """The tool's output."""
    tool_call_id: str
    """The ``id`` of the tool call this answers."""


MessageInput: TypeAlias = (
    ChatCompletionMessageParam
    | SystemMessage
    | DeveloperMessage
    | UserMessage
    | AssistantMessage
    | ToolMessage
)
"""One entry of ``messages=``: a plain dict or a message model."""
