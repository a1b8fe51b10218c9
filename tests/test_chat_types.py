"""The chat response models parse what providers and the spec's own examples send."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest

from tokenclient._core.sse import SSEDecoder
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk

FIXTURES = Path(__file__).parent / "fixtures"
OFFICIAL = FIXTURES / "official-examples.json"  # copied verbatim from the spec subset


def stream_chunks(name: str) -> list[ChatCompletionChunk]:
    decoder = SSEDecoder()
    events = decoder.feed((FIXTURES / name).read_bytes()) + decoder.flush()
    assert events[-1].data == "[DONE]"
    return [ChatCompletionChunk.model_validate_json(e.data) for e in events[:-1]]


def test_tokenoff_completion() -> None:
    completion = ChatCompletion.model_validate_json(
        (FIXTURES / "completion_tokenoff.json").read_bytes()
    )
    assert completion.id.startswith("resp_")
    assert completion.model == "gpt-4.1"
    assert completion.object == "chat.completion"
    assert completion.created == 1776337380
    [choice] = completion.choices
    assert choice.message.content == "Hello! How can I help you today?"
    assert choice.message.role == "assistant"
    assert choice.message.refusal is None
    assert choice.finish_reason == "stop"
    assert choice.logprobs is None
    assert completion.system_fingerprint is None
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (7, 13)
    assert completion.usage.total_tokens == 20
    assert completion.usage.prompt_tokens_details is None


@pytest.mark.parametrize(
    ("name", "content", "total"),
    [
        ("completion_supertoken.json", "这是AI的回复内容", 87),
        ("completion_tokenlake.json", "Hello! How can I help you today?", 22),
    ],
)
def test_documented_completions(name: str, content: str, total: int) -> None:
    completion = ChatCompletion.model_validate_json((FIXTURES / name).read_bytes())
    assert completion.choices[0].message.content == content
    assert completion.usage is not None
    assert completion.usage.total_tokens == total


def test_tokenhub_us_completion_with_tools_reasoning_and_details() -> None:
    completion = ChatCompletion.model_validate_json(
        (FIXTURES / "completion_tokenhub_us.json").read_bytes()
    )
    message = completion.choices[0].message
    assert message.role == "system"  # not closed to "assistant": providers send what they send
    assert message.reasoning_content == "string"
    assert message.model_extra == {"name": "string", "tool_call_id": "string"}
    assert message.tool_calls is not None
    [call] = message.tool_calls
    assert call.type == "function"
    assert call.function is not None
    assert (call.function.name, call.function.arguments) == ("string", "string")
    assert call.custom is None
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens_details is not None
    assert usage.prompt_tokens_details.cached_tokens == 0
    assert usage.prompt_tokens_details.image_tokens == 0
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 0
    assert usage.completion_tokens_details.accepted_prediction_tokens is None
    assert completion.system_fingerprint == "string"


def test_supertoken_stream() -> None:
    chunks = stream_chunks("stream_supertoken.txt")
    assert len(chunks) == 4
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].choices[0].delta.content == ""
    assert [c.choices[0].delta.content for c in chunks[1:3]] == ["你", "好"]
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.choices[0].delta.content is None
    assert last.usage is not None
    assert last.usage.total_tokens == 11
    assert all(c.usage is None for c in chunks[:-1])


def test_tokenoff_stream() -> None:
    chunks = stream_chunks("stream_tokenoff.txt")
    assert len(chunks) == 11
    assert {c.id for c in chunks} == {"resp_01570884e7e6265a0069e0c260ed9c8194bd120e896b171efb"}
    assert {c.model for c in chunks} == {"gpt-4.1"}
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == "Hello! How can I help you today?"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 13


def _official_items() -> list[tuple[str, str, object]]:
    items = json.loads(OFFICIAL.read_text(encoding="utf-8"))["items"]
    return [
        (item["label"], item["schema"], item["data"])
        for item in items
        if item["schema"] in ("CreateChatCompletionResponse", "CreateChatCompletionStreamResponse")
    ]


@pytest.mark.parametrize(("label", "schema", "data"), _official_items())
def test_official_examples_parse(label: str, schema: str, data: object) -> None:
    raw = json.dumps(data)
    if schema == "CreateChatCompletionResponse":
        completion = ChatCompletion.model_validate_json(raw)
        assert completion.choices, label
        assert completion.model_dump(exclude_unset=True, by_alias=True) == data
    else:
        chunk = ChatCompletionChunk.model_validate_json(raw)
        assert chunk.choices, label
        assert chunk.model_dump(exclude_unset=True, by_alias=True) == data


def test_official_examples_cover_all_chat_items() -> None:
    labels = [label for label, _, _ in _official_items()]
    assert len(labels) == 7
    assert any("Functions" in label for label in labels)
    assert any("Logprobs" in label for label in labels)


def test_official_functions_and_logprobs_examples() -> None:
    items = {label: data for label, _, data in _official_items()}
    functions = ChatCompletion.model_validate_json(
        json.dumps(items["POST /chat/completions example 'Functions'"])
    )
    calls = functions.choices[0].message.tool_calls
    assert calls is not None
    assert calls[0].function is not None
    assert calls[0].function.name == "get_current_weather"
    assert functions.choices[0].message.refusal is None
    logprobs = ChatCompletion.model_validate_json(
        json.dumps(items["POST /chat/completions example 'Logprobs'"])
    )
    choice_logprobs = logprobs.choices[0].logprobs
    assert choice_logprobs is not None
    assert choice_logprobs.content is not None
    assert choice_logprobs.refusal is None
    assert choice_logprobs.content[2].top_logprobs[1].bytes is None
    assert choice_logprobs.content[0].bytes == [72, 101, 108, 108, 111]
    assert logprobs.system_fingerprint is None


def test_unknown_fields_are_kept_everywhere() -> None:
    raw = {
        "id": "x",
        "model": "m",
        "provider": "Fireworks",
        "cost": 0.002,
        "choices": [
            {
                "index": 0,
                "native_finish_reason": "end_turn",
                "message": {"content": "hi", "reasoning_details": [{"type": "text"}]},
                "finish_reason": "end_turn",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 1.5},
    }
    completion = ChatCompletion.model_validate_json(json.dumps(raw))
    assert completion.model_extra == {"provider": "Fireworks", "cost": 0.002}
    assert completion.choices[0].model_extra == {"native_finish_reason": "end_turn"}
    assert completion.choices[0].message.model_extra == {"reasoning_details": [{"type": "text"}]}
    assert completion.choices[0].finish_reason == "end_turn"
    assert completion.usage is not None
    assert completion.usage.model_extra == {"cost": 1.5}
    assert completion.model_dump(exclude_unset=True) == raw


def test_minimal_payloads_parse_with_defaults() -> None:
    completion = ChatCompletion.model_validate_json(
        b'{"id": "x", "model": "m", "choices": [{"message": {}}]}'
    )
    assert completion.created is None
    assert completion.object == "chat.completion"
    assert completion.system_fingerprint is None
    assert completion.service_tier is None
    assert completion.usage is None
    [choice] = completion.choices
    assert choice.index == 0
    assert choice.finish_reason is None
    assert choice.logprobs is None
    assert choice.message.role == "assistant"
    assert choice.message.content is None
    assert choice.message.refusal is None

    chunk = ChatCompletionChunk.model_validate_json(
        b'{"id": "x", "model": "m", "choices": [{"finish_reason": "stop"}]}'
    )
    assert chunk.object == "chat.completion.chunk"
    assert chunk.created is None
    assert chunk.choices[0].index == 0
    assert chunk.choices[0].delta.content is None
    assert ChatCompletionChunk.model_validate_json(b'{"id": "x", "model": "m"}').choices == []


def test_open_values_and_big_integers() -> None:
    raw = {
        "id": "x",
        "object": "chat.completion.custom",
        "created": 2**80,
        "model": "m",
        "service_tier": "turbo",
        "choices": [
            {
                "index": 0,
                "message": {"role": "model", "content": "a"},
                "finish_reason": "eos",
            }
        ],
        "usage": {"prompt_tokens": -1, "completion_tokens": 2**70, "total_tokens": 0},
    }
    completion = ChatCompletion.model_validate_json(json.dumps(raw))
    assert completion.created == 2**80
    assert completion.object == "chat.completion.custom"
    assert completion.service_tier == "turbo"
    assert completion.choices[0].message.role == "model"
    assert completion.choices[0].finish_reason == "eos"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 2**70


def test_custom_tool_call() -> None:
    raw = {
        "id": "x",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "custom",
                            "custom": {"name": "sql", "input": "SELECT"},
                        },
                        {"id": "c2", "function": {"name": "f", "arguments": "{}"}},
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
    }
    calls = ChatCompletion.model_validate_json(json.dumps(raw)).choices[0].message.tool_calls
    assert calls is not None
    custom, function = calls
    assert custom.type == "custom"
    assert custom.function is None
    assert custom.custom is not None
    assert (custom.custom.name, custom.custom.input) == ("sql", "SELECT")
    assert function.type == "function"  # the default when the provider leaves it out
    assert function.function is not None
    assert function.function.name == "f"


def test_tool_call_delta_without_index_or_type() -> None:
    raw = {
        "id": "x",
        "model": "m",
        "choices": [
            {
                "index": 0,
                "delta": {"tool_calls": [{"id": "c", "function": {"name": "f"}}]},
                "finish_reason": None,
                "logprobs": None,
            }
        ],
        "usage": None,
    }
    chunk = ChatCompletionChunk.model_validate_json(json.dumps(raw))
    calls = chunk.choices[0].delta.tool_calls
    assert calls is not None
    assert calls[0].index is None
    assert calls[0].type is None
    assert calls[0].function is not None
    assert calls[0].function.arguments is None
    assert chunk.usage is None


def test_reasoning_content_on_delta() -> None:
    chunk = ChatCompletionChunk.model_validate_json(
        b'{"id":"x","model":"m","choices":[{"index":0,"delta":{"reasoning_content":"hm"}}]}'
    )
    assert chunk.choices[0].delta.reasoning_content == "hm"
    assert chunk.choices[0].delta.model_extra == {}


def test_wrong_shape_is_rejected() -> None:
    with pytest.raises(pydantic.ValidationError):
        ChatCompletion.model_validate_json(b'{"id": "x", "model": "m", "choices": {}}')
    with pytest.raises(pydantic.ValidationError):
        ChatCompletionChunk.model_validate_json(b'{"id": "x", "choices": []}')
