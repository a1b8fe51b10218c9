"""build_chat_body: every parameter's bounds, every message shape, readable errors."""

from __future__ import annotations

import json
import math
from collections import UserDict, UserList
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import cast

import pytest
from pydantic import BaseModel, ConfigDict

from tokenclient._core.chat_request import PARAM_NAMES, build_chat_body
from tokenclient._exceptions import InvalidRequestError
from tokenclient.types.chat_create_params import (
    ChatCompletionBodyParams,
    ChatCompletionCreateParams,
)
from tokenclient.types.chat_params import (
    AssistantMessage,
    DeveloperMessage,
    FunctionCallParam,
    SystemMessage,
    ToolMessage,
    UserMessage,
)

USER: dict[str, object] = {"role": "user", "content": "Hello!"}
EMPTY: dict[str, object] = {}
ROLES = "Input should be 'system', 'developer', 'user', 'assistant', 'tool' or 'function'"
TOOL_CALL: dict[str, object] = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
}


def build(**overrides: object) -> dict[str, object]:
    """The body for a minimal valid call with ``overrides`` applied."""
    params: dict[str, object] = {"model": "qwen3-8b", "messages": [USER], **overrides}
    return build_chat_body(params)


def error(**overrides: object) -> str:
    """The message of the InvalidRequestError the call raises."""
    with pytest.raises(InvalidRequestError) as info:
        build(**overrides)
    return str(info.value)


def plain(value: object) -> object:
    """``value`` as the JSON data it stands for: mappings as dicts, sequences as lists."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in cast("Mapping[str, object]", value).items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(item) for item in cast("Sequence[object]", value)]
    return value


def assert_plain(value: object) -> None:
    """``value`` is made of dict, list, str, int, float, bool and None only."""
    if isinstance(value, dict):
        for key, item in cast("dict[object, object]", value).items():
            assert type(key) is str
            assert_plain(item)
    elif isinstance(value, list):
        for item in cast("list[object]", value):
            assert_plain(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), type(value)


def assert_sent_as_given(sent: object, given: object) -> None:
    """``sent`` is plain JSON data equal to ``given`` (whatever containers ``given`` used)."""
    assert_plain(sent)
    assert sent == plain(given)
    json.dumps(sent, allow_nan=False)


def build_messages(*messages: object) -> list[object]:
    """The ``messages`` of the body built from ``messages``."""
    sent = build(messages=list(messages))["messages"]
    assert isinstance(sent, list)
    return list(sent)  # pyright: ignore[reportUnknownArgumentType]  # the body is untyped JSON


# --- the body ---------------------------------------------------------------------------------


def test_minimal_body_is_the_callers_values() -> None:
    messages = [USER]
    params: dict[str, object] = {"model": "qwen3-8b", "messages": messages, "temperature": 1}
    body = build_chat_body(params)
    assert body == {"model": "qwen3-8b", "messages": [USER], "temperature": 1}
    assert list(body) == ["model", "messages", "temperature"]
    assert_sent_as_given(body, params)
    assert params["messages"] is messages  # the caller's mapping is not modified


def test_nested_values_are_sent_unchanged() -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    response_format = {"type": "json_schema", "json_schema": {"name": "n", "schema": EMPTY}}
    body = build(tools=tools, response_format=response_format, stop=("a", "b"))
    assert_sent_as_given(body["tools"], tools)
    assert_sent_as_given(body["response_format"], response_format)
    assert body["stop"] == ["a", "b"]


def test_explicit_none_is_sent_as_null() -> None:
    body = build(temperature=None, max_tokens=None, stop=None, tools=None, seed=None)
    assert body["temperature"] is None
    assert body["tools"] is None
    assert "top_p" not in body


def test_every_documented_parameter_together() -> None:
    params: dict[str, object] = {
        "temperature": 0.7,
        "top_p": 0.9,
        "n": 2,
        "stream": True,
        "stream_options": {"include_usage": True},
        "stop": ["\n\n"],
        "max_tokens": 1024,
        "max_completion_tokens": 2048,
        "presence_penalty": 0.5,
        "frequency_penalty": -0.5,
        "logit_bias": {"50256": -100},
        "logprobs": True,
        "top_logprobs": 5,
        "user": "user-42",
        "tools": [{"type": "function", "function": {"name": "get_weather"}}],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "response_format": {"type": "json_object"},
        "seed": 7,
        "reasoning_effort": "medium",
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy", "format": "wav"},
    }
    body = build(**params)
    assert body == {"model": "qwen3-8b", "messages": [USER], **params}
    assert_plain(body)


# --- scalar parameters: just inside, just outside, wrong type ----------------------------------

VALID: list[tuple[str, object]] = [
    ("temperature", 0),
    ("temperature", 2),
    ("temperature", 0.0),
    ("temperature", 1.999),
    ("top_p", 0),
    ("top_p", 1),
    ("top_p", 0.5),
    ("n", 1),
    ("n", 10),
    ("max_tokens", 1),
    ("max_tokens", 128_000),
    ("max_completion_tokens", 1),
    ("presence_penalty", -2),
    ("presence_penalty", 2.0),
    ("frequency_penalty", -2.0),
    ("frequency_penalty", 2),
    ("seed", 0),
    ("seed", -1),
    ("seed", 2**40),
    ("stream", True),
    ("stream", False),
    ("stream_options", {}),
    ("stream_options", {"include_usage": False}),
    ("stop", "\n"),
    ("stop", ["a", "b", "c", "d", "e"]),
    ("stop", ("END",)),
    ("logit_bias", {}),
    ("logit_bias", {"1": 100, "2": -100, "3": 0}),
    ("logprobs", False),
    ("top_logprobs", 0),
    ("top_logprobs", 20),
    ("user", "user-1"),
    ("parallel_tool_calls", True),
    ("reasoning_effort", "low"),
    ("reasoning_effort", "medium"),
    ("reasoning_effort", "high"),
    ("reasoning_effort", "minimal"),
    ("modalities", ["text"]),
    ("modalities", ("text", "audio")),
    ("audio", {"voice": "alloy", "format": "pcm16"}),
]


@pytest.mark.parametrize(("name", "value"), VALID)
def test_valid_values_are_sent_as_given(name: str, value: object) -> None:
    assert_sent_as_given(build(**{name: value})[name], value)


INVALID: list[tuple[str, object, str]] = [
    ("temperature", -0.01, "Input should be greater than or equal to 0"),
    ("temperature", 2.01, "Input should be less than or equal to 2"),
    ("temperature", "1", "Input should be a valid number"),
    ("temperature", True, "Input should be a valid number"),
    ("temperature", math.nan, "Input should be a finite number"),
    ("temperature", math.inf, "Input should be a finite number"),
    ("top_p", -0.1, "greater than or equal to 0"),
    ("top_p", 1.01, "less than or equal to 1"),
    ("top_p", "0.5", "Input should be a valid number"),
    ("n", 0, "Input should be greater than or equal to 1"),
    ("n", True, "Input should be a valid integer"),
    ("n", 1.0, "Input should be a valid integer"),
    ("n", "2", "Input should be a valid integer"),
    ("max_tokens", 0, "Input should be greater than or equal to 1"),
    ("max_tokens", -5, "Input should be greater than or equal to 1"),
    ("max_tokens", True, "Input should be a valid integer"),
    ("max_tokens", 10.5, "Input should be a valid integer"),
    ("max_completion_tokens", 0, "greater than or equal to 1"),
    ("max_completion_tokens", False, "Input should be a valid integer"),
    ("presence_penalty", -2.01, "greater than or equal to -2"),
    ("presence_penalty", 2.01, "less than or equal to 2"),
    ("frequency_penalty", -3, "greater than or equal to -2"),
    ("frequency_penalty", "0", "Input should be a valid number"),
    ("seed", True, "Input should be a valid integer"),
    ("seed", 1.5, "Input should be a valid integer"),
    ("seed", "7", "Input should be a valid integer"),
    ("stream", 1, "Input should be a valid boolean"),
    ("stream", "true", "Input should be a valid boolean"),
    ("stream_options", "usage", "Input should be a valid dictionary"),
    ("stop", 5, "Input should be a string or a list of strings, not int"),
    ("stop", {"a"}, "Input should be a string or a list of strings, not set"),
    ("logit_bias", [1], "Input should be a valid dictionary"),
    ("logprobs", "yes", "Input should be a valid boolean"),
    ("top_logprobs", 21, "less than or equal to 20"),
    ("top_logprobs", -1, "greater than or equal to 0"),
    ("user", 42, "Input should be a valid string"),
    ("parallel_tool_calls", 0, "Input should be a valid boolean"),
    ("reasoning_effort", "extreme", "Input should be 'none', 'minimal', 'low', 'medium'"),
    ("reasoning_effort", "HIGH", "Input should be 'none'"),
    ("reasoning_effort", 2, "Input should be 'none'"),
    ("modalities", "text", "Input should be a valid list"),
    ("audio", "alloy", "Input should be a valid dictionary"),
]


@pytest.mark.parametrize(("name", "value", "message"), INVALID)
def test_invalid_values_name_the_field(name: str, value: object, message: str) -> None:
    text = error(**{name: value})
    assert text.startswith(f"{name}: ")
    assert message in text


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("stop", ["a", None], "stop[1]: Input should be a valid string"),
        ("stop", [1], "stop[0]: Input should be a valid string"),
        ("stream_options", {"include_usage": "yes"}, "stream_options.include_usage: Input should"),
        ("logit_bias", {"50256": 101}, "logit_bias['50256']: Input should be less than or equal"),
        ("logit_bias", {"1": -101}, "logit_bias['1']: Input should be greater than or equal"),
        ("logit_bias", {"1": "x"}, "logit_bias['1']: Input should be a valid integer"),
        ("logit_bias", {"1": 0.5}, "logit_bias['1']: Input should be a valid integer"),
        ("logit_bias", {1: 5}, "logit_bias[1][key]: Input should be a valid string"),
        ("modalities", ["text", "video"], "modalities[1]: Input should be 'text' or 'audio'"),
        ("audio", {"voice": "alloy"}, "audio.format: Field required"),
        ("audio", {"voice": "alloy", "format": "ogg"}, "audio.format: Input should be 'wav'"),
        ("audio", {"voice": "", "format": "wav"}, "audio.voice: String should have at least 1"),
    ],
)
def test_nested_errors_give_the_path(name: str, value: object, expected: str) -> None:
    assert error(**{name: value}).startswith(expected)


# --- model --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["qwen3-8b", "openai/gpt-4.1", "claude sonnet 4.6", "模型"])
def test_model_ids_pass(model: str) -> None:
    assert build(model=model)["model"] == model


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("", "model: String should have at least 1 character"),
        ("gpt\r\nX-Injected: 1", "model: must not contain control characters"),
        ("gpt\n", "model: must not contain control characters"),
        ("gpt\x00", "model: must not contain control characters"),
        ("gpt\t4", "model: must not contain control characters"),
        (5, "model: Input should be a valid string"),
        (None, "model: Input should be a valid string"),
    ],
)
def test_bad_model_ids_are_refused(model: object, expected: str) -> None:
    assert error(model=model).startswith(expected)


def test_model_and_messages_are_required() -> None:
    with pytest.raises(InvalidRequestError, match=r"^model: Field required$"):
        build_chat_body({"messages": [USER]})
    with pytest.raises(InvalidRequestError, match=r"^messages: Field required$"):
        build_chat_body({"model": "m"})


# --- messages: every shape ---------------------------------------------------------------------

TEXT_PART = {"type": "text", "text": "Describe this."}
IMAGE_PART = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
IMAGE_DETAIL_PART = {"type": "image_url", "image_url": {"url": "data:,x", "detail": "high"}}
AUDIO_PART = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "mp3"}}
FILE_PART = {"type": "file", "file": {"file_id": "file-1"}}

VALID_MESSAGES: list[dict[str, object]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "system", "content": [TEXT_PART]},
    {"role": "developer", "content": "Answer in English."},
    {"role": "developer", "content": [TEXT_PART], "name": "dev"},
    {"role": "user", "content": "Hello!"},
    {"role": "user", "content": ""},
    {"role": "user", "content": [TEXT_PART]},
    {"role": "user", "content": [TEXT_PART, IMAGE_PART, IMAGE_DETAIL_PART]},
    {"role": "user", "content": [AUDIO_PART]},
    {"role": "user", "content": [FILE_PART]},
    {"role": "user", "content": (TEXT_PART, IMAGE_PART)},
    {"role": "user", "content": [{"type": "video_url", "video_url": {"url": "https://v"}}]},
    {"role": "assistant", "content": "Hi there."},
    {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
    {"role": "assistant", "tool_calls": [TOOL_CALL, {**TOOL_CALL, "id": "call_2"}]},
    {"role": "assistant", "content": [{"type": "refusal", "refusal": "I cannot."}]},
    {"role": "assistant", "content": "x", "reasoning_content": "thinking", "refusal": None},
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
    {"role": "tool", "tool_call_id": "call_1", "content": [TEXT_PART]},
    {
        "role": "assistant",
        "tool_calls": [{"id": "c", "type": "custom", "custom": {"name": "sql", "input": "SELECT"}}],
        "audio": {"id": "audio_1"},
        "function_call": None,
    },
    {"role": "function", "name": "get_weather", "content": None},
]


@pytest.mark.parametrize("message", VALID_MESSAGES)
def test_every_message_shape_is_accepted_and_sent_as_given(message: dict[str, object]) -> None:
    assert_sent_as_given(build_messages(message)[0], message)


def test_extra_keys_in_messages_and_parts_are_kept() -> None:
    part = {"type": "text", "text": "cached", "cache_control": {"type": "ephemeral"}}
    message = {"role": "user", "content": [part], "name": "alice", "x-vendor": [1, 2]}
    reply = {"role": "assistant", "content": "ok", "reasoning_content": "r", "prefix": True}
    assert build_messages(message, reply) == [message, reply]
    assert message["x-vendor"] == [1, 2]


def test_messages_may_be_any_iterable() -> None:
    def generate() -> Iterator[dict[str, object]]:
        yield USER
        yield {"role": "assistant", "content": "Hi."}

    assert build(messages=generate())["messages"] == [USER, {"role": "assistant", "content": "Hi."}]
    assert build(messages=(USER,))["messages"] == [USER]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([], "messages: List should have at least 1 item after validation, not 0"),
        ("Hello!", "messages: Input should be a list of messages, not str"),
        (USER, "messages: Input should be a list of messages, not dict"),
        (UserMessage(content="x"), "messages: Input should be a list of messages, not UserMessage"),
        (None, "messages: Input should be a list of messages, not NoneType"),
        (5, "messages: Input should be a list of messages, not int"),
    ],
)
def test_messages_must_be_a_non_empty_list(messages: object, expected: str) -> None:
    assert error(messages=messages) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ({"role": "robot", "content": "x"}, f"messages[0].role: {ROLES}, not 'robot'"),
        ({"role": "USER", "content": "x"}, f"messages[0].role: {ROLES}, not 'USER'"),
        ({"role": 1, "content": "x"}, f"messages[0].role: {ROLES}, not 1"),
        ({"content": "x"}, "messages[0].role: Field required"),
        ("Hello!", "messages[0]: Input should be a message (a dict or a message model), not str"),
        ({"role": "user"}, "messages[0].content: Field required"),
        ({"role": "system"}, "messages[0].content: Field required"),
        ({"role": "user", "content": 5}, "messages[0].content: Input should be a string or a list"),
        ({"role": "user", "content": None}, "messages[0].content: Input should be a string or"),
        ({"role": "user", "content": []}, "messages[0].content: List should have at least 1 item"),
        ({"role": "user", "content": "x", "name": 5}, "messages[0].name: Input should be a valid"),
        ({"role": "tool", "content": "x"}, "messages[0].tool_call_id: Field required"),
        (
            {"role": "tool", "content": "x", "tool_call_id": 1},
            "messages[0].tool_call_id: Input should be a valid string",
        ),
        (
            {"role": "assistant", "tool_calls": {}},
            "messages[0].tool_calls: Input should be a valid",
        ),
        (
            {"role": "assistant", "tool_calls": [{**TOOL_CALL, "type": "retrieval"}]},
            "messages[0].tool_calls[0].type: Input should be 'function' or 'custom', not 'retr",
        ),
        (
            {
                "role": "assistant",
                "tool_calls": [{"id": "c", "type": "function", "function": EMPTY}],
            },
            "messages[0].tool_calls[0].function.name: Field required",
        ),
        (
            {"role": "assistant", "content": "x", "reasoning_content": 5},
            "messages[0].reasoning_content: Input should be a valid string",
        ),
    ],
)
def test_invalid_messages_name_the_path(message: object, expected: str) -> None:
    assert error(messages=[message]).startswith(expected)


def test_unknown_role_error_names_the_index() -> None:
    text = error(messages=[USER, {"role": "robot", "content": "beep"}])
    assert text == f"messages[1].role: {ROLES}, not 'robot'"


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ({"type": "text"}, "messages[0].content[0].text: Field required"),
        (
            {"type": "text", "text": 5},
            "messages[0].content[0].text: Input should be a valid string",
        ),
        ({"type": "image_url"}, "messages[0].content[0].image_url: Field required"),
        (
            {"type": "image_url", "image_url": {"url": "u", "detail": "max"}},
            "messages[0].content[0].image_url.detail: Input should be 'auto', 'low' or 'high'",
        ),
        (
            {"type": "image_url", "image_url": "https://example.com/a.png"},
            "messages[0].content[0].image_url: Input should be a valid dictionary",
        ),
        (
            {"type": "input_audio", "input_audio": {"data": "x", "format": "ogg"}},
            "messages[0].content[0].input_audio.format: Input should be 'wav' or 'mp3'",
        ),
        (
            {"type": "input_audio", "input_audio": {"format": "wav"}},
            "messages[0].content[0].input_audio.data: Field required",
        ),
        ({"type": "file", "file": "x"}, "messages[0].content[0].file: Input should be a valid"),
        ({"text": "no type"}, "messages[0].content[0].type: Field required"),
        ({"type": 5}, "messages[0].content[0].type: Input should be 'text', 'image_url', 'input_a"),
        ({"type": "video"}, "messages[0].content[0].type: Input should be 'text', 'image_url', 'i"),
        ("just text", "messages[0].content[0]: Input should be an object, not str"),
    ],
)
def test_invalid_content_parts_name_the_path(part: object, expected: str) -> None:
    assert error(messages=[{"role": "user", "content": [part]}]).startswith(expected)


# --- messages as pydantic models ---------------------------------------------------------------

TOOL_FUNCTION: FunctionCallParam = {"name": "get_weather", "arguments": "{}"}


def test_message_models_are_dumped_with_their_role() -> None:
    sent = build_messages(
        SystemMessage(content="Be brief."),
        DeveloperMessage(content=[{"type": "text", "text": "English."}]),
        UserMessage(content=[{"type": "image_url", "image_url": {"url": "https://x/a.png"}}]),
        AssistantMessage(tool_calls=[{"id": "c", "type": "function", "function": TOOL_FUNCTION}]),
        ToolMessage(tool_call_id="c", content="18 C"),
    )
    assert sent == [
        {"role": "system", "content": "Be brief."},
        {"role": "developer", "content": [{"type": "text", "text": "English."}]},
        {
            "role": "user",
            "content": [{"type": "image_url", "image_url": {"url": "https://x/a.png"}}],
        },
        {
            "role": "assistant",
            "tool_calls": [{"id": "c", "type": "function", "function": TOOL_FUNCTION}],
        },
        {"role": "tool", "tool_call_id": "c", "content": "18 C"},
    ]


def test_message_models_keep_extra_fields_and_leave_out_unset_ones() -> None:
    part = {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}
    message = UserMessage.model_validate({"content": [part], "cache_control": {"type": "x"}})
    reply = AssistantMessage(content=None, reasoning_content="because")
    assert build_messages(message, reply) == [
        {"role": "user", "content": [part], "cache_control": {"type": "x"}},
        {"role": "assistant", "content": None, "reasoning_content": "because"},
    ]


def test_assistant_model_takes_custom_tool_calls() -> None:
    call = {"id": "c", "type": "custom", "custom": {"name": "sql", "input": "SELECT 1"}}
    reply = AssistantMessage.model_validate({"tool_calls": [call]})
    assert build_messages(reply) == [{"role": "assistant", "tool_calls": [call]}]


def test_models_and_dicts_mix() -> None:
    assert build_messages(SystemMessage(content="s"), USER) == [
        {"role": "system", "content": "s"},
        USER,
    ]


def test_any_pydantic_model_with_a_role_is_accepted() -> None:
    class ReplyFromAResponse(BaseModel):
        """Like a response's ``choices[0].message``, passed back as history."""

        model_config = ConfigDict(extra="allow")

        role: str
        """The role."""
        content: str | None = None
        """The text."""

    reply = ReplyFromAResponse.model_validate({"role": "assistant", "content": "x", "cost": 1})
    assert build_messages(reply) == [{"role": "assistant", "content": "x", "cost": 1}]


def test_invalid_message_models_are_still_checked() -> None:
    broken = UserMessage.model_construct(content="x")
    object.__setattr__(broken, "content", 5)  # as model_construct() with bad data leaves it
    assert error(messages=[broken]).startswith("messages[0].content: Input should be a string")


def test_message_models_validate_on_construction() -> None:
    with pytest.raises(ValueError, match="content"):
        UserMessage.model_validate({"content": 5})


# --- tools, tool choice, response format -------------------------------------------------------

FUNCTION_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        "strict": True,
    },
}


@pytest.mark.parametrize(
    "tools",
    [[], [FUNCTION_TOOL], (FUNCTION_TOOL,), [{"type": "function", "function": {"name": "f"}}]],
)
def test_valid_tools(tools: object) -> None:
    assert_sent_as_given(build(tools=tools)["tools"], tools)


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        (FUNCTION_TOOL, "tools: Input should be a valid list"),
        ([{"type": "retrieval"}], "tools[0].type: Input should be 'function'"),
        ([{"type": "function"}], "tools[0].function: Field required"),
        ([{"type": "function", "function": EMPTY}], "tools[0].function.name: Field required"),
        (
            [{"type": "function", "function": {"name": ""}}],
            "tools[0].function.name: String should have at least 1 character",
        ),
        (
            [{"type": "function", "function": {"name": "f", "parameters": "{}"}}],
            "tools[0].function.parameters: Input should be a valid dictionary",
        ),
        (
            [{"type": "function", "function": {"name": "f", "strict": "yes"}}],
            "tools[0].function.strict: Input should be a valid boolean",
        ),
    ],
)
def test_invalid_tools(tools: object, expected: str) -> None:
    assert error(tools=tools).startswith(expected)


@pytest.mark.parametrize(
    "choice",
    ["none", "auto", "required", {"type": "function", "function": {"name": "get_weather"}}],
)
def test_valid_tool_choice(choice: object) -> None:
    assert_sent_as_given(build(tool_choice=choice)["tool_choice"], choice)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("any", "tool_choice: Input should be 'none', 'auto' or 'required'"),
        (1, "tool_choice: Input should be 'none', 'auto', 'required' or an object, not int"),
        ({"type": "function"}, "tool_choice.function: Field required"),
        ({"type": "function", "function": {}}, "tool_choice.function.name: Field required"),
        ({"type": "custom", "function": {"name": "f"}}, "tool_choice.custom: Field required"),
        ({"type": "named", "function": {"name": "f"}}, "tool_choice.type: Input should be 'fun"),
    ],
)
def test_invalid_tool_choice(choice: object, expected: str) -> None:
    assert error(tool_choice=choice).startswith(expected)


@pytest.mark.parametrize(
    "response_format",
    [
        {"type": "text"},
        {"type": "json_object"},
        {"type": "json_schema", "json_schema": {"name": "weather"}},
        {
            "type": "json_schema",
            "json_schema": {
                "name": "weather",
                "description": "d",
                "schema": {"type": "object"},
                "strict": True,
            },
        },
    ],
)
def test_valid_response_format(response_format: object) -> None:
    assert_sent_as_given(build(response_format=response_format)["response_format"], response_format)


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        ({"type": "xml"}, "response_format.type: Input should be 'text', 'json_object' or"),
        ({}, "response_format.type: Field required"),
        ({"type": 1}, "response_format.type: Input should be 'text', 'json_object' or 'json_sc"),
        ("json_object", "response_format: Input should be an object, not str"),
        ({"type": "json_schema"}, "response_format.json_schema: Field required"),
        (
            {"type": "json_schema", "json_schema": {"schema": {}}},
            "response_format.json_schema.name: Field required",
        ),
        (
            {"type": "json_schema", "json_schema": {"name": "n", "schema": []}},
            "response_format.json_schema.schema: Input should be a valid dictionary",
        ),
    ],
)
def test_invalid_response_format(response_format: object, expected: str) -> None:
    assert error(response_format=response_format).startswith(expected)


# --- the error itself --------------------------------------------------------------------------


def test_error_is_a_value_error_without_the_pydantic_dump() -> None:
    with pytest.raises(ValueError, match="temperature") as info:
        build(temperature=5)
    assert isinstance(info.value, InvalidRequestError)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_several_errors_are_listed_then_counted() -> None:
    text = error(temperature=5, top_p=5, n=0, max_tokens=0, seed="x")
    assert text == (  # in the order of ChatCompletionBodyParams
        "max_tokens: Input should be greater than or equal to 1; "
        "n: Input should be greater than or equal to 1; "
        "seed: Input should be a valid integer (and 2 more errors)"
    )
    assert error(temperature=5, top_p=5, n=0, max_tokens=0).endswith("(and 1 more error)")


def test_echoed_values_are_bounded() -> None:
    role = "r" * 10_000
    text = error(messages=[{"role": role, "content": "x"}])
    assert text.startswith(f"messages[0].role: {ROLES}, not 'rrr")
    assert len(text) < 200
    text = error(logit_bias={"k" * 10_000: 1000})
    assert len(text) < 200


def test_content_is_never_echoed() -> None:
    secret = "my password is hunter2"
    text = error(messages=[{"role": "user", "content": secret, "name": 5}])
    assert secret not in text


def test_params_mapping_is_not_mutated() -> None:
    params: Mapping[str, object] = {"model": "m", "messages": (USER,)}
    body = build_chat_body(params)
    assert params == {"model": "m", "messages": (USER,)}
    assert body["messages"] == [USER]


# --- one schema: the public TypedDict is the validator ------------------------------------------

# A valid value for every key of ChatCompletionBodyParams (and `stream`). A key added to the
# TypedDict without a sample here fails test_every_typed_key_has_a_sample.
SAMPLES: dict[str, object] = {
    "model": "openai/gpt-4.1",
    "messages": [USER],
    "audio": {"voice": {"id": "voice_1234"}, "format": "mp3"},
    "frequency_penalty": 0.5,
    "function_call": {"name": "get_weather"},
    "functions": [{"name": "get_weather", "parameters": {"type": "object"}}],
    "logit_bias": {"50256": -100},
    "logprobs": True,
    "max_completion_tokens": 100,
    "max_tokens": 100,
    "metadata": {"k" * 64: "v" * 512},
    "modalities": ["text", "audio"],
    "moderation": {"model": "omni-moderation-latest", "policy": {"input": {"mode": "block"}}},
    "n": 128,
    "parallel_tool_calls": False,
    "prediction": {"type": "content", "content": "def f():\n    return 1\n"},
    "presence_penalty": -2,
    "prompt_cache_key": "tenant-7",
    "prompt_cache_options": {"ttl": "30m", "mode": "explicit"},
    "prompt_cache_retention": "24h",
    "reasoning_effort": "xhigh",
    "response_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": EMPTY}},
    "safety_identifier": "u" * 64,
    "seed": -(2**63),
    "service_tier": "flex",
    "stop": ["a", "b"],
    "store": True,
    "stream": True,
    "stream_options": {"include_usage": True, "include_obfuscation": False},
    "temperature": 2,
    "tool_choice": {"type": "allowed_tools", "allowed_tools": {"mode": "auto", "tools": [EMPTY]}},
    "tools": [
        {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
        {
            "type": "custom",
            "custom": {
                "name": "sql",
                "format": {"type": "grammar", "grammar": {"definition": "x", "syntax": "lark"}},
            },
        },
    ],
    "top_logprobs": 20,
    "top_p": 1,
    "user": "user-1",
    "verbosity": "low",
    "web_search_options": {
        "search_context_size": "high",
        "user_location": {"type": "approximate", "approximate": {"city": "Paris", "country": "FR"}},
    },
}


def test_every_typed_key_has_a_sample() -> None:
    typed = ChatCompletionBodyParams.__required_keys__ | ChatCompletionBodyParams.__optional_keys__
    assert set(SAMPLES) == typed | {"stream"}
    assert typed | {"stream"} == PARAM_NAMES
    options = ChatCompletionCreateParams.__optional_keys__ - typed
    assert options == {"extra_headers", "extra_query", "extra_body", "timeout", "usage_tag"}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_key_is_accepted_and_sent_as_given() -> None:
    body = build_chat_body(SAMPLES)
    assert_sent_as_given(body, SAMPLES)
    assert list(body) == list(SAMPLES)


@pytest.mark.parametrize(
    "name", ["store", "metadata", "service_tier", "prediction", "web_search_options", "verbosity",
             "prompt_cache_key", "safety_identifier", "audio", "modalities", "moderation",
             "prompt_cache_options", "prompt_cache_retention"],
)  # fmt: skip
def test_openai_parameters_are_accepted(name: str) -> None:
    assert_sent_as_given(build(**{name: SAMPLES[name]})[name], SAMPLES[name])


def _containers(value: object) -> list[object]:
    """``value`` rebuilt with each other container kind its type allows."""
    if isinstance(value, dict):
        items = cast("dict[str, object]", value)
        return [MappingProxyType(items), UserDict(items)]
    if isinstance(value, list):
        items_list = cast("list[object]", value)
        return [tuple(items_list), UserList(items_list)]
    return []


MAPPING_KEYS = ["logit_bias", "metadata"]
SEQUENCE_KEYS = ["stop", "modalities", "tools", "functions"]


@pytest.mark.parametrize("name", MAPPING_KEYS + SEQUENCE_KEYS)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_container_kind_is_sent_as_plain_data(name: str) -> None:
    variants = _containers(SAMPLES[name])
    assert variants
    for value in variants:
        assert_sent_as_given(build(**{name: value})[name], SAMPLES[name])


def test_iterables_are_read_once_where_typed_iterable() -> None:
    tools = SAMPLES["tools"]
    assert isinstance(tools, list)
    sent = build(tools=iter(cast("list[object]", tools)), messages=iter([USER]))
    assert sent["tools"] == tools
    assert sent["messages"] == [USER]


def test_nested_json_objects_of_any_mapping_kind_are_plain() -> None:
    schema = MappingProxyType(
        {"type": "object", "properties": MappingProxyType({"x": {"enum": ("a", "b")}})}
    )
    tool = {"type": "function", "function": {"name": "f", "parameters": schema}}
    body = build(tools=[tool], response_format={"type": "json_schema", "json_schema": {
        "name": "n", "schema": schema}})  # fmt: skip
    expected = {"type": "object", "properties": {"x": {"enum": ["a", "b"]}}}
    assert_sent_as_given(body, body)
    tools = cast("list[dict[str, dict[str, object]]]", body["tools"])
    assert tools[0]["function"]["parameters"] == expected


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"a": {1, 2}}, "tools[0].function.parameters: ['a']: set is not JSON data"),
        ({"a": [{3: 4}]}, "tools[0].function.parameters: ['a'][0]: keys must be strings, not int"),
        ({"a": [math.inf]}, "tools[0].function.parameters: ['a'][0]: NaN and infinity are not"),
        ("{}", "tools[0].function.parameters: Input should be a valid dictionary"),
    ],
)
def test_json_objects_must_be_json(parameters: object, expected: str) -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    assert error(tools=[tool]).startswith(expected)


# The five disagreements of issue 12, bug 4.


def test_logit_bias_and_tool_parameters_as_mappingproxy_are_sent() -> None:
    body = build(
        logit_bias=MappingProxyType({"1": 5}),
        tools=[{"type": "function", "function": {"name": "f", "parameters": MappingProxyType(
            {"type": "object"})}}],
    )  # fmt: skip
    assert json.loads(json.dumps(body))["logit_bias"] == {"1": 5}
    assert_plain(body)


def test_stop_as_a_userlist_is_accepted() -> None:
    assert build(stop=UserList(["END"]))["stop"] == ["END"]


@pytest.mark.parametrize("role", ["system", "developer", "tool"])
def test_text_only_roles_refuse_an_image_part(role: str) -> None:
    message = {"role": role, "content": [IMAGE_PART], "tool_call_id": "c"}
    assert error(messages=[message]).startswith(
        "messages[0].content[0].type: Input should be 'text'"
    )


def test_logit_bias_values_are_integers() -> None:
    assert error(logit_bias={"1": 0.5}) == "logit_bias['1']: Input should be a valid integer"


def test_new_typed_keys_need_no_second_list() -> None:
    # What the validator accepts is read from the TypedDict; nothing else names the keys.
    assert "verbosity" in ChatCompletionBodyParams.__optional_keys__
    assert build(verbosity="high")["verbosity"] == "high"


# --- ranges of the newer parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "metadata",
            {str(i): "v" for i in range(17)},
            "metadata: Dictionary should have at most 16",
        ),
        ("metadata", {"k" * 65: "v"}, "metadata.kkkk"),
        ("metadata", {"k": "v" * 513}, "metadata.k: String should have at most 512 characters"),
        ("metadata", {"k": 1}, "metadata.k: Input should be a valid string"),
        ("safety_identifier", "u" * 65, "safety_identifier: String should have at most 64"),
        ("n", 129, "n: Input should be less than or equal to 128"),
        ("seed", 2**63, "seed: Input should be less than or equal to 9223372036854775807"),
        ("service_tier", "turbo", "service_tier: Input should be 'auto', 'default', 'flex'"),
        ("verbosity", "loud", "verbosity: Input should be 'low', 'medium' or 'high'"),
        ("store", "yes", "store: Input should be a valid boolean"),
        ("prediction", {"type": "content"}, "prediction.content: Field required"),
        ("prediction", {"type": "text", "content": "x"}, "prediction.type: Input should be 'c"),
        ("prompt_cache_retention", "in-memory", "prompt_cache_retention: Input should be 'in_"),
        ("web_search_options", {"search_context_size": "max"}, "web_search_options.search_con"),
        (
            "web_search_options",
            {"user_location": {"type": "approximate"}},
            "web_search_options.user_location.approximate: Field required",
        ),
        ("audio", {"voice": {"name": "x"}, "format": "mp3"}, "audio.voice.id: Field required"),
        ("modalities", ["image"], "modalities[0]: Input should be 'text' or 'audio'"),
        ("functions", list[object](), "functions: List should have at least 1 item"),
        ("functions", [{"name": "f"}] * 129, "functions: List should have at most 128 items"),
        ("function_call", "required", "function_call: Input should be 'none' or 'auto'"),
        ("tools", [{"type": "custom", "custom": EMPTY}], "tools[0].custom.name: Field required"),
    ],
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_newer_parameters_are_checked(name: str, value: object, expected: str) -> None:
    assert error(**{name: value}).startswith(expected)


# --- unknown and deprecated keywords -----------------------------------------------------------


def test_unknown_parameter_is_refused_with_a_suggestion() -> None:
    assert error(temprature=1) == (
        "temprature: not a chat completion parameter (did you mean `temperature`?); "
        "send provider-specific fields with extra_body={...}"
    )


def test_unknown_parameter_without_a_close_match_points_at_extra_body() -> None:
    assert error(enable_thinking=True) == (
        "enable_thinking: not a chat completion parameter; "
        "send provider-specific fields with extra_body={...}"
    )
    assert error(zzz=1, top_k=2).endswith("(and 1 more); send provider-specific fields with "
                                          "extra_body={...}")  # fmt: skip


@pytest.mark.parametrize(
    ("name", "replacement"), [("functions", "tools"), ("function_call", "tool_choice")]
)
def test_deprecated_parameters_warn_and_are_sent(name: str, replacement: str) -> None:
    with pytest.warns(DeprecationWarning, match=f"`{name}` is deprecated .* `{replacement}`"):
        body = build(**{name: SAMPLES[name]})
    assert body[name] == SAMPLES[name]
