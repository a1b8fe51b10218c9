"""Check the arguments of ``chat.completions.create()`` and build its JSON body (pure, no I/O).

One pass of pydantic-core validation runs over the caller's values through a ``TypeAdapter``
built once at import. The body that is sent is made of the caller's own values, not of the
validated copy: no dump and re-serialise round trip, so unknown keys in messages and parts
(``cache_control``, ``reasoning_content``, vendor fields) reach the provider untouched. Only
pydantic message models are dumped (``model_dump(mode="json", exclude_unset=True)``).

Every invalid argument raises ``InvalidRequestError`` naming the field by its path, e.g.
``temperature: Input should be less than or equal to 2`` or
``messages[1].role: unknown role 'robot' (expected one of system, developer, user, ...)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Literal, TypeAlias, TypeGuard, TypeVar, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    Discriminator,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from typing_extensions import Required, TypedDict

from .._exceptions import InvalidRequestError
from ..types.chat_params import ReasoningEffort

__all__ = ["build_chat_body"]

_ROLES = ("system", "developer", "user", "assistant", "tool")
_ROLE_TAGS = {role: f"@{role}" for role in _ROLES}
_PART_TAGS = {kind: f"@{kind}" for kind in ("text", "image_url", "input_audio", "file", "refusal")}
_FORMAT_TAGS = {kind: f"@{kind}" for kind in ("text", "json_object", "json_schema")}
_MAX_ERRORS = 3
_MAX_ECHO = 80


# --- discriminators: pick the union member without trying each one ------------------------
# Tags start with "@" so the error formatter can drop them from the field path.


def _field_tag(value: object, key: str, tags: Mapping[str, str], default: str | None) -> str | None:
    if isinstance(value, dict):
        kind = cast("dict[str, object]", value).get(key)
        if isinstance(kind, str):
            return tags.get(kind, default)
    return None


def _role_tag(value: object) -> str | None:
    return _field_tag(value, "role", _ROLE_TAGS, None)


def _part_tag(value: object) -> str | None:
    # Known part types are checked; other types pass (vendors add e.g. "video_url").
    return _field_tag(value, "type", _PART_TAGS, "@other")


def _format_tag(value: object) -> str | None:
    return _field_tag(value, "type", _FORMAT_TAGS, None)


def _array_tag(value: object) -> str | None:
    # Lists and tuples only: lax list validation would also take (and consume) sets and
    # generators, which then could not be sent as JSON.
    if isinstance(value, list):
        return "@list"
    if isinstance(value, tuple):
        return "@tuple"
    return None


def _text_or_array_tag(value: object) -> str | None:
    if isinstance(value, str):
        return "@str"
    if isinstance(value, (list, tuple)):
        return "@array"
    return None


def _mode_or_object_tag(value: object) -> str | None:
    if isinstance(value, str):
        return "@mode"
    if isinstance(value, dict):
        return "@object"
    return None


def _check_model_id(value: str) -> str:
    # CR/LF or other control characters in a model id are a mistake (or an injection attempt).
    if not value.isprintable():
        raise PydanticCustomError(
            "model_id", "must not contain control characters (CR, LF, tab, ...)"
        )
    return value


# --- scalar and array constraints -----------------------------------------------------------

_T = TypeVar("_T")
# `_array_tag` does the strict type check (pydantic 2.7 and 2.8 refuse `Strict()` on a list).
_Array: TypeAlias = Annotated[
    Annotated[list[_T], Tag("@list")] | Annotated[tuple[_T, ...], Tag("@tuple")],
    Discriminator(
        _array_tag, custom_error_type="array", custom_error_message="Input should be a valid list"
    ),
]

_ModelId: TypeAlias = Annotated[StrictStr, Field(min_length=1), AfterValidator(_check_model_id)]
_Temperature: TypeAlias = Annotated[float, Strict(), Field(ge=0, le=2, allow_inf_nan=False)]
_TopP: TypeAlias = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
_Penalty: TypeAlias = Annotated[float, Strict(), Field(ge=-2, le=2, allow_inf_nan=False)]
_Bias: TypeAlias = Annotated[float, Strict(), Field(ge=-100, le=100, allow_inf_nan=False)]
_PositiveInt: TypeAlias = Annotated[StrictInt, Field(ge=1)]
_TopLogprobs: TypeAlias = Annotated[StrictInt, Field(ge=0, le=20)]
_NonEmptyStr: TypeAlias = Annotated[StrictStr, Field(min_length=1)]
_Stop: TypeAlias = Annotated[
    Annotated[StrictStr, Tag("@str")] | Annotated[_Array[StrictStr], Tag("@array")],
    Discriminator(
        _text_or_array_tag,
        custom_error_type="stop",
        custom_error_message="Input should be a string or a list of strings",
    ),
]


# --- content parts --------------------------------------------------------------------------


class _TextPart(TypedDict):
    type: Literal["text"]
    text: StrictStr


class _ImageURL(TypedDict, total=False):
    url: Required[StrictStr]
    detail: Literal["auto", "low", "high"]


class _ImagePart(TypedDict):
    type: Literal["image_url"]
    image_url: _ImageURL


class _InputAudio(TypedDict):
    data: StrictStr
    format: Literal["wav", "mp3"]


class _AudioPart(TypedDict):
    type: Literal["input_audio"]
    input_audio: _InputAudio


class _FileContent(TypedDict, total=False):
    filename: StrictStr
    file_data: StrictStr
    file_id: StrictStr


class _FilePart(TypedDict):
    type: Literal["file"]
    file: _FileContent


class _RefusalPart(TypedDict):
    type: Literal["refusal"]
    refusal: StrictStr


class _OtherPart(TypedDict):
    type: StrictStr


_Part: TypeAlias = Annotated[
    Annotated[_TextPart, Tag("@text")]
    | Annotated[_ImagePart, Tag("@image_url")]
    | Annotated[_AudioPart, Tag("@input_audio")]
    | Annotated[_FilePart, Tag("@file")]
    | Annotated[_RefusalPart, Tag("@refusal")]
    | Annotated[_OtherPart, Tag("@other")],
    Discriminator(
        _part_tag,
        custom_error_type="content_part",
        custom_error_message="Input should be a content part object with a string 'type'",
    ),
]
_Content: TypeAlias = Annotated[
    Annotated[StrictStr, Tag("@str")]
    | Annotated[_Array[_Part], Field(min_length=1), Tag("@array")],
    Discriminator(
        _text_or_array_tag,
        custom_error_type="content",
        custom_error_message="Input should be a string or a list of content parts",
    ),
]


# --- messages -------------------------------------------------------------------------------


class _FunctionCall(TypedDict):
    name: StrictStr
    arguments: StrictStr


class _ToolCall(TypedDict):
    id: StrictStr
    type: Literal["function"]
    function: _FunctionCall


class _SystemMessage(TypedDict, total=False):
    role: Required[Literal["system"]]
    content: Required[_Content]
    name: StrictStr


class _DeveloperMessage(TypedDict, total=False):
    role: Required[Literal["developer"]]
    content: Required[_Content]
    name: StrictStr


class _UserMessage(TypedDict, total=False):
    role: Required[Literal["user"]]
    content: Required[_Content]
    name: StrictStr


class _AssistantMessage(TypedDict, total=False):
    role: Required[Literal["assistant"]]
    content: _Content | None
    name: StrictStr
    tool_calls: _Array[_ToolCall]
    refusal: StrictStr | None
    reasoning_content: StrictStr | None


class _ToolMessage(TypedDict):
    role: Literal["tool"]
    content: _Content
    tool_call_id: StrictStr


_Message: TypeAlias = Annotated[
    Annotated[_SystemMessage, Tag("@system")]
    | Annotated[_DeveloperMessage, Tag("@developer")]
    | Annotated[_UserMessage, Tag("@user")]
    | Annotated[_AssistantMessage, Tag("@assistant")]
    | Annotated[_ToolMessage, Tag("@tool")],
    # _describe_one() rewrites this error with the offending role.
    Discriminator(_role_tag, custom_error_type="message_role", custom_error_message="unknown role"),
]


# --- tools, tool choice, response format, options -------------------------------------------


class _FunctionDefinition(TypedDict, total=False):
    name: Required[_NonEmptyStr]
    description: StrictStr
    parameters: dict[str, object]
    strict: StrictBool | None


class _ToolDefinition(TypedDict):
    type: Literal["function"]
    function: _FunctionDefinition


class _NamedFunction(TypedDict):
    name: _NonEmptyStr


class _NamedToolChoice(TypedDict):
    type: Literal["function"]
    function: _NamedFunction


_ToolChoice: TypeAlias = Annotated[
    Annotated[Literal["none", "auto", "required"], Tag("@mode")]
    | Annotated[_NamedToolChoice, Tag("@object")],
    Discriminator(
        _mode_or_object_tag,
        custom_error_type="tool_choice",
        custom_error_message=(
            "Input should be 'none', 'auto', 'required' or "
            "{'type': 'function', 'function': {'name': ...}}"
        ),
    ),
]


class _FormatText(TypedDict):
    type: Literal["text"]


class _FormatJSONObject(TypedDict):
    type: Literal["json_object"]


class _JSONSchema(TypedDict, total=False):
    name: Required[_NonEmptyStr]
    description: StrictStr
    schema: dict[str, object]
    strict: StrictBool | None


class _FormatJSONSchema(TypedDict):
    type: Literal["json_schema"]
    json_schema: _JSONSchema


_ResponseFormat: TypeAlias = Annotated[
    Annotated[_FormatText, Tag("@text")]
    | Annotated[_FormatJSONObject, Tag("@json_object")]
    | Annotated[_FormatJSONSchema, Tag("@json_schema")],
    # _describe_one() rewrites this error to point at `type`.
    Discriminator(
        _format_tag, custom_error_type="response_format", custom_error_message="unknown type"
    ),
]


class _StreamOptions(TypedDict, total=False):
    include_usage: StrictBool


class _Audio(TypedDict):
    voice: _NonEmptyStr
    format: Literal["wav", "aac", "mp3", "flac", "opus", "pcm16"]


class _ChatParams(TypedDict, total=False):
    model: Required[_ModelId]
    messages: Required[Annotated[list[_Message], Field(min_length=1)]]
    temperature: _Temperature | None
    top_p: _TopP | None
    n: _PositiveInt | None
    stream: StrictBool | None
    stream_options: _StreamOptions | None
    stop: _Stop | None
    max_tokens: _PositiveInt | None
    max_completion_tokens: _PositiveInt | None
    presence_penalty: _Penalty | None
    frequency_penalty: _Penalty | None
    logit_bias: dict[StrictStr, _Bias] | None
    logprobs: StrictBool | None
    top_logprobs: _TopLogprobs | None
    user: StrictStr | None
    tools: _Array[_ToolDefinition] | None
    tool_choice: _ToolChoice | None
    parallel_tool_calls: StrictBool | None
    response_format: _ResponseFormat | None
    seed: StrictInt | None
    reasoning_effort: ReasoningEffort | None
    modalities: _Array[Literal["text", "audio"]] | None
    audio: _Audio | None


_VALIDATOR: TypeAdapter[_ChatParams] = TypeAdapter(_ChatParams)
_PARAM_NAMES = frozenset(_ChatParams.__annotations__)


# --- the body -------------------------------------------------------------------------------


def _dump_message(message: BaseModel) -> dict[str, object]:
    # No serializer warnings: a model_construct()-ed model is checked by the validator below.
    dumped = message.model_dump(mode="json", exclude_unset=True, warnings=False)
    role = getattr(message, "role", None)
    if "role" not in dumped and role is not None:
        # `role` is a default on the message models, so exclude_unset leaves it out.
        dumped = {"role": role, **dumped}
    return dumped


_NOT_A_LIST = (str, bytes, bytearray, Mapping, BaseModel)


def _is_message_iterable(value: object) -> TypeGuard[Iterable[object]]:
    # A str, dict or single model is iterable too, but is never a list of messages.
    return isinstance(value, Iterable) and not isinstance(value, _NOT_A_LIST)


def _message_list(value: object) -> list[object]:
    if _is_message_iterable(value):
        return [_dump_message(item) if isinstance(item, BaseModel) else item for item in value]
    raise InvalidRequestError(
        f"messages: Input should be a list of messages, not {_type_name(value)}"
    )


def build_chat_body(params: Mapping[str, object]) -> dict[str, object]:
    """The JSON body of ``POST /chat/completions`` from the arguments the caller gave.

    ``params`` holds only given arguments (``NOT_GIVEN`` ones are left out; an explicit
    ``None`` is sent as ``null``). ``messages`` may be any iterable of dicts and message
    models. Raises ``InvalidRequestError`` naming the first few invalid fields.
    """
    body = dict(params)
    unknown = body.keys() - _PARAM_NAMES
    if unknown:
        # Only the resource calls this; an unknown name is a bug there, not a user error.
        names = ", ".join(sorted(map(str, unknown)))
        raise InvalidRequestError(f"{names[:_MAX_ECHO]}: not a chat completion parameter")
    if "messages" in body:
        body["messages"] = _message_list(body["messages"])
    try:
        _VALIDATOR.validate_python(body)
    except ValidationError as exc:
        raise InvalidRequestError(_describe(exc)) from None
    return body


# --- readable errors ------------------------------------------------------------------------


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 3] + "..."


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("@"):
            continue  # a union tag of ours, not a field
        elif part == "[key]":
            path += "[key]"
        elif part.isidentifier() and len(part) <= _MAX_ECHO:
            path += f".{part}" if path else part
        else:
            path += f"[{_short(part)}]"
    return path


def _type_name(value: object) -> str:
    return type(value).__name__


def _describe_one(error: ErrorDetails) -> str:
    path = _path(error["loc"])
    kind = error["type"]
    value: object = error["input"]
    if kind == "message_role":
        expected = ", ".join(_ROLES)
        if not isinstance(value, dict):
            kind = _type_name(value)
            return f"{path}: Input should be a message (a dict or a message model), not {kind}"
        role = cast("dict[str, object]", value).get("role", None)
        if role is None:
            return f"{path}.role: Field required (expected one of {expected})"
        return f"{path}.role: unknown role {_short(role)} (expected one of {expected})"
    if kind == "response_format":
        if not isinstance(value, dict):
            return f"{path}: Input should be an object, not {_type_name(value)}"
        return f"{path}.type: Input should be 'text', 'json_object' or 'json_schema'"
    if kind == "content_part" and isinstance(value, dict):
        return f"{path}.type: Input should be a string naming the part type"
    return f"{path}: {error['msg']}"


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_context=False)
    text = "; ".join(_describe_one(error) for error in errors[:_MAX_ERRORS])
    if len(errors) > _MAX_ERRORS:
        more = len(errors) - _MAX_ERRORS
        text += f" (and {more} more error{'s' if more > 1 else ''})"
    return text
