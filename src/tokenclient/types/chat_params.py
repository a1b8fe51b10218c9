"""What ``client.chat.completions.create()`` accepts: TypedDicts for dict literals, message models.

Plain dict literals type-check against the ``TypedDict`` s below (as with the OpenAI SDK's
``ChatCompletionMessageParam``); messages may also be given as the pydantic models
``SystemMessage``, ``DeveloperMessage``, ``UserMessage``, ``AssistantMessage`` and
``ToolMessage``.

These types are also the run-time check: the validator is built from them (their
``Annotated`` metadata holds the ranges, lengths and union tags), so what type-checks is what
is accepted. Keys the types do not name (``cache_control``, vendor fields) are the one
exception: type checkers flag them in literals, the run-time check keeps and sends them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Literal, TypeAlias, cast

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, Tag, with_config
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import Required, TypedDict

from ._constraints import Array, JSONObject, NonEmptyArray, tagged

__all__ = [
    "AssistantAudio",
    "AssistantMessage",
    "ChatCompletionAllowedToolChoiceParam",
    "ChatCompletionAllowedToolsParam",
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionAudioParam",
    "ChatCompletionContentPartFileParam",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartRefusalParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionContentPartVideoParam",
    "ChatCompletionCustomToolParam",
    "ChatCompletionDeveloperMessageParam",
    "ChatCompletionFunctionCallOptionParam",
    "ChatCompletionFunctionMessageParam",
    "ChatCompletionFunctionParam",
    "ChatCompletionMessageCustomToolCallParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionNamedToolChoiceCustomParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionPredictionContentParam",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionToolUnionParam",
    "ChatCompletionUserMessageParam",
    "CustomToolCall",
    "CustomToolDefinition",
    "CustomToolFormat",
    "CustomToolGrammar",
    "CustomToolGrammarFormat",
    "CustomToolTextFormat",
    "CustomVoice",
    "DeveloperMessage",
    "FileContent",
    "FunctionCallParam",
    "FunctionDefinition",
    "ImageURL",
    "InputAudio",
    "JSONSchema",
    "MessageInput",
    "MessageModel",
    "MessagesParam",
    "ModerationConfigParam",
    "ModerationParam",
    "ModerationPolicyParam",
    "NamedCustomTool",
    "NamedToolChoiceFunction",
    "PromptCacheOptionsParam",
    "ReasoningEffort",
    "ResponseFormat",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "ResponseFormatText",
    "StopParam",
    "SystemMessage",
    "ToolMessage",
    "UserMessage",
    "VideoURL",
    "VoiceParam",
    "WebSearchLocationParam",
    "WebSearchOptionsParam",
    "WebSearchUserLocationParam",
]

# Unknown keys are kept (extra="allow"), so a part such as
# {"type": "text", "text": "...", "cache_control": {...}} survives intact. Strict: "1" is not
# a number, 1 is not a string, True is not an integer.
_KEEP_EXTRAS = ConfigDict(extra="allow", strict=True)

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
class VideoURL(TypedDict, total=False):
    """Where the video is: an ``https://`` URL or a ``data:video/...;base64,`` URL."""

    url: Required[str]
    """The video URL."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartVideoParam(TypedDict, total=False):
    """A video content part: not in the OpenAI spec, taken by vision models on aggregators."""

    type: Required[Literal["video_url"]]
    """Always ``"video_url"``."""
    video_url: Required[VideoURL]
    """The video."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionContentPartRefusalParam(TypedDict, total=False):
    """A refusal content part, in an assistant message sent back as history."""

    type: Required[Literal["refusal"]]
    """Always ``"refusal"``."""
    refusal: Required[str]
    """The refusal text the model produced."""


ChatCompletionContentPartParam: TypeAlias = Annotated[
    Annotated[ChatCompletionContentPartTextParam, Tag("@text")]
    | Annotated[ChatCompletionContentPartImageParam, Tag("@image_url")]
    | Annotated[ChatCompletionContentPartInputAudioParam, Tag("@input_audio")]
    | Annotated[ChatCompletionContentPartFileParam, Tag("@file")]
    | Annotated[ChatCompletionContentPartVideoParam, Tag("@video_url")],
    tagged("type", "Input should be 'text', 'image_url', 'input_audio', 'file' or 'video_url'"),
]
"""A content part of a user message."""

_AssistantContentPart: TypeAlias = Annotated[
    Annotated[ChatCompletionContentPartTextParam, Tag("@text")]
    | Annotated[ChatCompletionContentPartRefusalParam, Tag("@refusal")],
    tagged("type", "Input should be 'text' or 'refusal'"),
]

_TEXT_OR_PARTS = "Input should be a string or a list of content parts"

_TextContent: TypeAlias = Annotated[
    Annotated[str, Tag("@str")]
    | Annotated[NonEmptyArray[ChatCompletionContentPartTextParam], Tag("@array")],
    tagged(None, _TEXT_OR_PARTS),
]
_UserContent: TypeAlias = Annotated[
    Annotated[str, Tag("@str")]
    | Annotated[NonEmptyArray[ChatCompletionContentPartParam], Tag("@array")],
    tagged(None, _TEXT_OR_PARTS),
]
_AssistantContent: TypeAlias = Annotated[
    Annotated[str, Tag("@str")] | Annotated[NonEmptyArray[_AssistantContentPart], Tag("@array")],
    tagged(None, _TEXT_OR_PARTS),
]


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
    """A function tool call the assistant made, sent back as history."""

    id: Required[str]
    """The tool call id; the answering tool message repeats it as ``tool_call_id``."""
    type: Required[Literal["function"]]
    """Always ``"function"``."""
    function: Required[FunctionCallParam]
    """The function called."""


@with_config(_KEEP_EXTRAS)
class CustomToolCall(TypedDict, total=False):
    """The custom tool a custom tool call invokes."""

    name: Required[str]
    """The custom tool's name."""
    input: Required[str]
    """The free-form input the model produced."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionMessageCustomToolCallParam(TypedDict, total=False):
    """A custom tool call the assistant made, sent back as history."""

    id: Required[str]
    """The tool call id."""
    type: Required[Literal["custom"]]
    """Always ``"custom"``."""
    custom: Required[CustomToolCall]
    """The custom tool called."""


_ToolCall: TypeAlias = Annotated[
    Annotated[ChatCompletionMessageToolCallParam, Tag("@function")]
    | Annotated[ChatCompletionMessageCustomToolCallParam, Tag("@custom")],
    tagged("type", "Input should be 'function' or 'custom'"),
]


@with_config(_KEEP_EXTRAS)
class AssistantAudio(TypedDict, total=False):
    """A previous audio reply, referred to by id."""

    id: Required[str]
    """The id of the audio reply."""


# --- messages --------------------------------------------------------------------------------


@with_config(_KEEP_EXTRAS)
class ChatCompletionSystemMessageParam(TypedDict, total=False):
    """Instructions the model follows whatever the user says."""

    role: Required[Literal["system"]]
    """Always ``"system"``."""
    content: Required[_TextContent]
    """The instructions: a string or text parts."""
    name: str
    """An optional participant name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionDeveloperMessageParam(TypedDict, total=False):
    """Instructions for newer reasoning models (replaces ``system`` there)."""

    role: Required[Literal["developer"]]
    """Always ``"developer"``."""
    content: Required[_TextContent]
    """The instructions: a string or text parts."""
    name: str
    """An optional participant name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionUserMessageParam(TypedDict, total=False):
    """A message from the end user: text, images, audio, files or videos."""

    role: Required[Literal["user"]]
    """Always ``"user"``."""
    content: Required[_UserContent]
    """A string or a list of content parts."""
    name: str
    """An optional participant name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionAssistantMessageParam(TypedDict, total=False):
    """An earlier model reply, sent back as conversation history."""

    role: Required[Literal["assistant"]]
    """Always ``"assistant"``."""
    content: _AssistantContent | None
    """The reply text; may be left out or ``None`` when ``tool_calls`` is given."""
    name: str
    """An optional participant name."""
    tool_calls: Array[_ToolCall]
    """The tool calls the model made."""
    refusal: str | None
    """The model's refusal, if it refused."""
    audio: AssistantAudio | None
    """A previous audio reply of the model, by id."""
    function_call: FunctionCallParam | None
    """Deprecated (replaced by ``tool_calls``): the function the model called."""
    reasoning_content: str | None
    """The reasoning text some providers return and accept back (e.g. in tool-call loops)."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionToolMessageParam(TypedDict, total=False):
    """The result of a tool call, answering the assistant's ``tool_calls`` entry."""

    role: Required[Literal["tool"]]
    """Always ``"tool"``."""
    content: Required[_TextContent]
    """The tool's output."""
    tool_call_id: Required[str]
    """The ``id`` of the tool call this answers."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionFunctionMessageParam(TypedDict, total=False):
    """Deprecated (use ``tool`` messages): the result of a ``function_call``."""

    role: Required[Literal["function"]]
    """Always ``"function"``."""
    content: Required[str | None]
    """The function's output."""
    name: Required[str]
    """The name of the function called."""


ChatCompletionMessageParam: TypeAlias = Annotated[
    Annotated[ChatCompletionSystemMessageParam, Tag("@system")]
    | Annotated[ChatCompletionDeveloperMessageParam, Tag("@developer")]
    | Annotated[ChatCompletionUserMessageParam, Tag("@user")]
    | Annotated[ChatCompletionAssistantMessageParam, Tag("@assistant")]
    | Annotated[ChatCompletionToolMessageParam, Tag("@tool")]
    | Annotated[ChatCompletionFunctionMessageParam, Tag("@function")],
    tagged(
        "role",
        "Input should be 'system', 'developer', 'user', 'assistant', 'tool' or 'function'",
        "a message (a dict or a message model)",
    ),
]
"""One message as a plain dict."""


# --- tools, tool choice, response format, stream options, audio ------------------------------


@with_config(_KEEP_EXTRAS)
class FunctionDefinition(TypedDict, total=False):
    """A function the model may call."""

    name: Required[Annotated[str, Field(min_length=1)]]
    """The function name (OpenAI allows ``a-z A-Z 0-9 _ -``, at most 64 characters)."""
    description: str
    """What the function does; the model reads it to decide when to call it."""
    parameters: JSONObject
    """The arguments as a JSON Schema object; left out means no arguments."""
    strict: bool | None
    """Whether the model must follow ``parameters`` exactly (structured outputs)."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionToolParam(TypedDict, total=False):
    """A function tool the model may call."""

    type: Required[Literal["function"]]
    """Always ``"function"``."""
    function: Required[FunctionDefinition]
    """The function."""


@with_config(_KEEP_EXTRAS)
class CustomToolTextFormat(TypedDict, total=False):
    """Free-form text input."""

    type: Required[Literal["text"]]
    """Always ``"text"``."""


@with_config(_KEEP_EXTRAS)
class CustomToolGrammar(TypedDict, total=False):
    """A grammar the custom tool's input follows."""

    definition: Required[str]
    """The grammar definition."""
    syntax: Required[Literal["lark", "regex"]]
    """The grammar's syntax."""


@with_config(_KEEP_EXTRAS)
class CustomToolGrammarFormat(TypedDict, total=False):
    """Input that follows a grammar."""

    type: Required[Literal["grammar"]]
    """Always ``"grammar"``."""
    grammar: Required[CustomToolGrammar]
    """The grammar."""


CustomToolFormat: TypeAlias = Annotated[
    Annotated[CustomToolTextFormat, Tag("@text")]
    | Annotated[CustomToolGrammarFormat, Tag("@grammar")],
    tagged("type", "Input should be 'text' or 'grammar'"),
]
"""The input format of a custom tool."""


@with_config(_KEEP_EXTRAS)
class CustomToolDefinition(TypedDict, total=False):
    """A custom tool: the model writes free-form input for it."""

    name: Required[Annotated[str, Field(min_length=1)]]
    """The tool's name."""
    description: str
    """What the tool does."""
    format: CustomToolFormat
    """The input format (free text by default)."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionCustomToolParam(TypedDict, total=False):
    """A custom tool the model may call."""

    type: Required[Literal["custom"]]
    """Always ``"custom"``."""
    custom: Required[CustomToolDefinition]
    """The tool."""


ChatCompletionToolUnionParam: TypeAlias = Annotated[
    Annotated[ChatCompletionToolParam, Tag("@function")]
    | Annotated[ChatCompletionCustomToolParam, Tag("@custom")],
    tagged("type", "Input should be 'function' or 'custom'"),
]
"""One entry of ``tools=``: a function tool or a custom tool."""


@with_config(_KEEP_EXTRAS)
class NamedToolChoiceFunction(TypedDict, total=False):
    """The function a named tool choice forces."""

    name: Required[Annotated[str, Field(min_length=1)]]
    """The function name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionNamedToolChoiceParam(TypedDict, total=False):
    """Force the model to call one particular function."""

    type: Required[Literal["function"]]
    """Always ``"function"``."""
    function: Required[NamedToolChoiceFunction]
    """The function to call."""


@with_config(_KEEP_EXTRAS)
class NamedCustomTool(TypedDict, total=False):
    """The custom tool a named tool choice forces."""

    name: Required[Annotated[str, Field(min_length=1)]]
    """The custom tool's name."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionNamedToolChoiceCustomParam(TypedDict, total=False):
    """Force the model to call one particular custom tool."""

    type: Required[Literal["custom"]]
    """Always ``"custom"``."""
    custom: Required[NamedCustomTool]
    """The custom tool to call."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionAllowedToolsParam(TypedDict, total=False):
    """A subset of ``tools`` the model may use this turn."""

    mode: Required[Literal["auto", "required"]]
    """``"auto"``: may call one of them; ``"required"``: must."""
    tools: Required[Array[JSONObject]]
    """Tool references, e.g. ``{"type": "function", "function": {"name": "f"}}``."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionAllowedToolChoiceParam(TypedDict, total=False):
    """Restrict the model to some of the ``tools``."""

    type: Required[Literal["allowed_tools"]]
    """Always ``"allowed_tools"``."""
    allowed_tools: Required[ChatCompletionAllowedToolsParam]
    """The allowed tools."""


ChatCompletionToolChoiceOptionParam: TypeAlias = Annotated[
    Annotated[Literal["none", "auto", "required"], Tag("@str")]
    | Annotated[ChatCompletionNamedToolChoiceParam, Tag("@function")]
    | Annotated[ChatCompletionNamedToolChoiceCustomParam, Tag("@custom")]
    | Annotated[ChatCompletionAllowedToolChoiceParam, Tag("@allowed_tools")],
    tagged(
        "type",
        "Input should be 'function', 'custom' or 'allowed_tools'",
        "'none', 'auto', 'required' or an object",
    ),
]
"""``"none"``, ``"auto"``, ``"required"``, a named function or custom tool, or allowed tools."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionFunctionCallOptionParam(TypedDict, total=False):
    """Deprecated (use ``tool_choice``): force one function."""

    name: Required[str]
    """The function to call."""


_FunctionCallOption: TypeAlias = Annotated[
    Annotated[Literal["none", "auto"], Tag("@str")]
    | Annotated[ChatCompletionFunctionCallOptionParam, Tag("@object")],
    tagged(None, "Input should be 'none', 'auto' or {'name': ...}"),
]


@with_config(_KEEP_EXTRAS)
class ChatCompletionFunctionParam(TypedDict, total=False):
    """Deprecated (use ``tools``): a function the model may call."""

    name: Required[Annotated[str, Field(min_length=1)]]
    """The function name."""
    description: str
    """What the function does."""
    parameters: JSONObject
    """The arguments as a JSON Schema object."""


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

    name: Required[Annotated[str, Field(min_length=1)]]
    """The schema name."""
    description: str
    """What the format is for."""
    schema: JSONObject
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


ResponseFormat: TypeAlias = Annotated[
    Annotated[ResponseFormatText, Tag("@text")]
    | Annotated[ResponseFormatJSONObject, Tag("@json_object")]
    | Annotated[ResponseFormatJSONSchema, Tag("@json_schema")],
    tagged("type", "Input should be 'text', 'json_object' or 'json_schema'"),
]
"""The ``response_format`` argument."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionStreamOptionsParam(TypedDict, total=False):
    """Options of a streamed reply."""

    include_usage: bool
    """Send a last chunk with ``usage`` and ``choices: []`` before ``[DONE]``."""
    include_obfuscation: bool
    """Pad stream events against side-channel attacks (OpenAI; default true there)."""


@with_config(_KEEP_EXTRAS)
class CustomVoice(TypedDict, total=False):
    """A custom voice, by id."""

    id: Required[str]
    """The voice id, e.g. ``"voice_1234"``."""


VoiceParam: TypeAlias = Annotated[
    Annotated[str, Field(min_length=1), Tag("@str")] | Annotated[CustomVoice, Tag("@object")],
    tagged(None, "Input should be a voice name or {'id': ...}"),
]
"""A built-in voice name (``"alloy"``, ``"marin"``, ...) or a custom voice ``{"id": ...}``."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionAudioParam(TypedDict, total=False):
    """Audio output settings, needed with ``modalities=["text", "audio"]``."""

    voice: Required[VoiceParam]
    """The voice, e.g. ``"alloy"``."""
    format: Required[Literal["wav", "aac", "mp3", "flac", "opus", "pcm16"]]
    """The output audio encoding."""


@with_config(_KEEP_EXTRAS)
class ChatCompletionPredictionContentParam(TypedDict, total=False):
    """Predicted output: text the reply will largely repeat (faster regeneration)."""

    type: Required[Literal["content"]]
    """Always ``"content"``."""
    content: Required[_TextContent]
    """The predicted text, or text parts."""


@with_config(_KEEP_EXTRAS)
class WebSearchLocationParam(TypedDict, total=False):
    """Where the user roughly is."""

    city: str
    """e.g. ``"San Francisco"``."""
    country: str
    """Two-letter ISO country code, e.g. ``"US"``."""
    region: str
    """e.g. ``"California"``."""
    timezone: str
    """IANA time zone, e.g. ``"America/Los_Angeles"``."""


@with_config(_KEEP_EXTRAS)
class WebSearchUserLocationParam(TypedDict, total=False):
    """The user's approximate location for web search."""

    type: Required[Literal["approximate"]]
    """Always ``"approximate"``."""
    approximate: Required[WebSearchLocationParam]
    """The location."""


@with_config(_KEEP_EXTRAS)
class WebSearchOptionsParam(TypedDict, total=False):
    """Web search for search-enabled models."""

    search_context_size: Literal["low", "medium", "high"]
    """How much context window the search results may use (default ``"medium"``)."""
    user_location: WebSearchUserLocationParam | None
    """The user's approximate location."""


@with_config(_KEEP_EXTRAS)
class ModerationConfigParam(TypedDict, total=False):
    """What moderation does with one side of the conversation."""

    mode: Required[Literal["score", "block"]]
    """``"score"`` reports, ``"block"`` refuses flagged content."""


@with_config(_KEEP_EXTRAS)
class ModerationPolicyParam(TypedDict, total=False):
    """Moderation of the input and of the output."""

    input: ModerationConfigParam | None
    """For the request's input."""
    output: ModerationConfigParam | None
    """For the generated output."""


@with_config(_KEEP_EXTRAS)
class ModerationParam(TypedDict, total=False):
    """Moderation run on the request and the reply."""

    model: Required[str]
    """The moderation model."""
    policy: ModerationPolicyParam | None
    """What to do with flagged content."""


@with_config(_KEEP_EXTRAS)
class PromptCacheOptionsParam(TypedDict, total=False):
    """Prompt caching options."""

    ttl: Literal["30m"]
    """The minimum lifetime of cached prefixes."""
    mode: Literal["implicit", "explicit"]
    """``"explicit"``: cache only at ``prompt_cache_breakpoint`` parts."""


StopParam: TypeAlias = Annotated[
    Annotated[str, Tag("@str")] | Annotated[Array[str], Tag("@array")],
    tagged(None, "Input should be a string or a list of strings"),
]
"""``stop=``: one string or a list of them."""


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
    tool_calls: list[_ToolCall] | None = None
    """The tool calls the model made (function or custom)."""
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


def _dump_message(message: BaseModel) -> dict[str, object]:
    # No serializer warnings: a model_construct()-ed model is checked by the validator after.
    dumped = message.model_dump(mode="json", exclude_unset=True, warnings=False)
    role = getattr(message, "role", None)
    if "role" not in dumped and role is not None:
        # `role` is a default on the message models, so exclude_unset leaves it out.
        dumped = {"role": role, **dumped}
    return dumped


def _message_list(value: object) -> list[object]:
    # A str, dict or single model is iterable too, but is never a list of messages.
    name = type(value).__name__
    if isinstance(value, (str, bytes, bytearray, Mapping, BaseModel)) or not isinstance(
        value, Iterable
    ):
        raise PydanticCustomError(
            "messages_type", "Input should be a list of messages, not {type}", {"type": name}
        )
    items = cast("Iterable[object]", value)
    return [_dump_message(item) if isinstance(item, BaseModel) else item for item in items]


class _MessageList:
    """``messages=``: any iterable of dicts and message models, checked as a list of dicts."""

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        items = handler.generate_schema(ChatCompletionMessageParam)
        return core_schema.no_info_before_validator_function(
            _message_list, core_schema.list_schema(items, min_length=1, strict=True)
        )


MessagesParam: TypeAlias = Annotated[Iterable[MessageInput], _MessageList()]
"""The type of ``messages=``: an iterable of message dicts and message models (at least one)."""
